//! The delivery worker: takes due messages from the outbox one lease at a time, builds each
//! message Bundle as the episode stands now, hands it to the practice's endpoint, and records
//! the outcome (delivered; or retried after the backoff; or a dead letter after the last try).
//! Runs inside the server when `gp_delivery.enabled` is set, or once from
//! `linkwell outbox deliver --once`. Any number may run at once: a row is held by one lease.

use super::{transport, AfterFailure, DeliverySettings, LeasedMessage};
use crate::fhir::gp_message::{agreed_with_practice, gp_message, Episode};
use crate::referrals::Casework;
use crate::store::Store;
use crate::usecases::outbox as usecase;
use chrono::Utc;
use serde_json::json;

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PassReport {
    pub delivered: u32,
    pub retrying: u32,
    pub dead: u32,
}

pub struct Worker {
    store: Store,
    settings: DeliverySettings,
    /// The FHIR base URL the Bundle's `fullUrl`s are built on.
    fhir_base: String,
    client: reqwest::Client,
    /// This worker's name on its leases.
    holder: String,
}

impl Worker {
    pub fn new(
        store: Store,
        settings: DeliverySettings,
        fhir_base: String,
    ) -> anyhow::Result<Worker> {
        let mut builder = reqwest::Client::builder()
            .timeout(settings.policy.timeout)
            // An endpoint is one configured address: never follow it elsewhere.
            .redirect(reqwest::redirect::Policy::none());
        if let Some(path) = &settings.ca_file {
            for ca in extra_authorities(path)? {
                builder = builder.add_root_certificate(ca);
            }
        }
        let client = builder.build()?;
        let holder = format!("worker-{}", hex::encode(rand::random::<[u8; 8]>()));
        Ok(Worker {
            store,
            settings,
            fhir_base,
            client,
            holder,
        })
    }

    /// Delivers every message due now, one at a time, until none is due.
    pub async fn deliver_due(&self) -> anyhow::Result<PassReport> {
        let namespace = usecase::message_namespace(&self.store).await?;
        let mut report = PassReport::default();
        while let Some(message) =
            usecase::take_due(&self.store, &self.holder, &self.settings.policy, Utc::now()).await?
        {
            match self.deliver(&message, &namespace).await {
                Ok(true) => report.delivered += 1,
                Ok(false) => {}
                Err(error) => {
                    tracing::warn!(message = message.id, attempts = message.attempts + 1, error = %error, "GP message not delivered");
                    match usecase::record_failed(
                        &self.store,
                        &message,
                        &error,
                        &self.settings.policy,
                        Utc::now(),
                    )
                    .await?
                    {
                        AfterFailure::RetryAt(_) => report.retrying += 1,
                        AfterFailure::DeadLetter => {
                            tracing::error!(message = message.id, "GP message is a dead letter");
                            report.dead += 1
                        }
                    }
                }
            }
        }
        Ok(report)
    }

    /// One try. `Ok(false)` when the lease was lost meanwhile (the other holder records it);
    /// `Err` with the reason when the message could not be built or was not accepted.
    async fn deliver(
        &self,
        message: &LeasedMessage,
        namespace: &uuid::Uuid,
    ) -> Result<bool, String> {
        let parts = usecase::message_parts(&self.store, message)
            .await
            .map_err(|e| format!("the message could not be built: {e}"))?;
        let (code, name) = &parts.practice;
        let agreed = agreed_with_practice(&parts.consents, code, name);
        let casework = Casework {
            contacts: parts.contacts,
            needs: parts.needs,
            goals: parts.goals,
            barriers: vec![],
            measures: parts.measures,
            connections: vec![],
            visits: vec![],
        };
        let episode = Episode {
            person: &parts.person,
            practice: (code, name),
            referral: &parts.referral,
            history: &parts.history,
            casework: &casework,
            agreed: &agreed,
        };
        let now = Utc::now();
        let mut bundle = gp_message(&episode, &self.fhir_base, now);
        let id = super::message_id(namespace, &message.event_key).to_string();
        // The same id on every try of this event: the receiver drops a repeat.
        bundle["id"] = json!(id);
        bundle["identifier"]["value"] = json!(format!("urn:uuid:{id}"));
        if let Some(header) = bundle["entry"][0]["resource"].as_object_mut() {
            header.insert(
                "reason".into(),
                json!({"coding": [{"system": "urn:linkwell:CodeSystem:gp-outbox-event",
                                   "code": message.event.code(), "display": message.event.label()}]}),
            );
        }
        let body = serde_json::to_vec(&bundle).map_err(|e| e.to_string())?;
        transport::send(
            &self.client,
            &parts.endpoint,
            &id,
            body,
            &self.settings.from_mailbox,
        )
        .await?;
        usecase::record_delivered(&self.store, message, parts.person.id, code, Utc::now())
            .await
            .map_err(|e| format!("delivered, but not recorded: {e}"))
    }
}

/// The certificate authorities in a PEM file (`--gp-delivery-ca-file`), trusted for HTTPS
/// endpoints beside the system's. A file that cannot be read, or holds no certificate, stops
/// the worker from starting: delivering without the CA the operator named would only fail.
fn extra_authorities(path: &std::path::Path) -> anyhow::Result<Vec<reqwest::Certificate>> {
    let pem = std::fs::read(path).map_err(|e| {
        anyhow::anyhow!(
            "--gp-delivery-ca-file {}: cannot be read: {e}",
            path.display()
        )
    })?;
    let authorities = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
        anyhow::anyhow!(
            "--gp-delivery-ca-file {}: not PEM certificates: {e}",
            path.display()
        )
    })?;
    if authorities.is_empty() {
        anyhow::bail!(
            "--gp-delivery-ca-file {}: holds no certificate",
            path.display()
        );
    }
    Ok(authorities)
}

/// Starts the worker inside the server: a pass (until nothing is due), then a pause of
/// `poll`. A failing pass is logged and tried again after the pause.
pub fn spawn(store: Store, settings: DeliverySettings, fhir_base: String) -> anyhow::Result<()> {
    let poll = settings.poll;
    let worker = Worker::new(store, settings, fhir_base)?;
    tokio::spawn(async move {
        loop {
            match worker.deliver_due().await {
                Ok(report) => {
                    if report != PassReport::default() {
                        tracing::info!(
                            delivered = report.delivered,
                            retrying = report.retrying,
                            dead = report.dead,
                            "GP outbox pass"
                        );
                    }
                }
                Err(error) => tracing::error!(error = %error, "GP outbox pass failed"),
            }
            tokio::time::sleep(poll).await;
        }
    });
    Ok(())
}
