//! `linkwell outbox`: deliver the GP messages due (once, for operators and tests, or on and
//! on), and show how many are where. The server runs the same worker when started with
//! `--gp-delivery`.

use super::shared::{connect_existing, DbArgs};
use crate::outbox::worker::Worker;
use crate::outbox::{DeliveryPolicy, DeliverySettings};
use crate::public_url::PublicUrl;
use clap::Subcommand;
use std::time::Duration;

/// How the worker delivers; shared by `serve` and `outbox deliver`.
#[derive(clap::Args, Clone)]
pub struct DeliveryArgs {
    /// Linkwell's own MESH mailbox id, written as the sender in mailbox control files.
    #[arg(long, env = "LINKWELL_MESH_FROM_MAILBOX", default_value = "")]
    pub mesh_from_mailbox: String,
    /// Tries before a GP message becomes a dead letter.
    #[arg(long, env = "LINKWELL_GP_MAX_ATTEMPTS", default_value_t = 8)]
    pub gp_max_attempts: u32,
    /// Milliseconds to wait after a first failed try; doubled after each further failure.
    #[arg(long, env = "LINKWELL_GP_BACKOFF_BASE_MS", default_value_t = 30_000)]
    pub gp_backoff_base_ms: u64,
    /// The longest wait between tries, in milliseconds.
    #[arg(long, env = "LINKWELL_GP_BACKOFF_CAP_MS", default_value_t = 3_600_000)]
    pub gp_backoff_cap_ms: u64,
    /// A PEM file of certificate authorities to trust for HTTPS GP endpoints as well as the
    /// system's (for example an NHS network CA).
    #[arg(long, env = "LINKWELL_GP_DELIVERY_CA_FILE")]
    pub gp_delivery_ca_file: Option<std::path::PathBuf>,
}

impl DeliveryArgs {
    pub fn settings(&self, enabled: bool) -> DeliverySettings {
        DeliverySettings {
            enabled,
            policy: DeliveryPolicy {
                max_attempts: self.gp_max_attempts.max(1),
                backoff_base: Duration::from_millis(self.gp_backoff_base_ms),
                backoff_cap: Duration::from_millis(self.gp_backoff_cap_ms),
                ..DeliveryPolicy::default()
            },
            from_mailbox: self.mesh_from_mailbox.clone(),
            ca_file: self.gp_delivery_ca_file.clone(),
            ..DeliverySettings::default()
        }
    }
}

#[derive(Subcommand)]
pub enum OutboxCommand {
    /// Deliver the GP messages that are due; with --once, one pass and exit.
    Deliver {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        delivery: DeliveryArgs,
        /// One pass over what is due now, then exit (prints what happened).
        #[arg(long)]
        once: bool,
        /// The address Linkwell is reached at (the messages' FHIR links are built on it).
        #[arg(long, env = "LINKWELL_PUBLIC_URL", value_parser = PublicUrl::parse)]
        public_url: Option<PublicUrl>,
    },
    /// How many GP messages are pending, retrying, dead and delivered.
    Status {
        #[command(flatten)]
        db: DbArgs,
    },
}

pub async fn run(command: OutboxCommand) -> anyhow::Result<()> {
    match command {
        OutboxCommand::Deliver {
            db,
            delivery,
            once,
            public_url,
        } => {
            let store = connect_existing(&db.database_url).await?;
            let settings = delivery.settings(true);
            let poll = settings.poll;
            let public_url = public_url
                .unwrap_or_else(|| PublicUrl::of_listen_address(([127, 0, 0, 1], 8080).into()));
            let worker = Worker::new(store, settings, public_url.join("/fhir"))?;
            loop {
                let report = worker.deliver_due().await?;
                println!(
                    "delivered {}, to retry {}, dead letters {}",
                    report.delivered, report.retrying, report.dead
                );
                if once {
                    return Ok(());
                }
                tokio::time::sleep(poll).await;
            }
        }
        OutboxCommand::Status { db } => {
            let store = connect_existing(&db.database_url).await?;
            let counts = crate::usecases::outbox::counts(&store).await?;
            println!(
                "pending {}, retrying {}, dead {}, delivered {}",
                counts.pending, counts.retrying, counts.dead, counts.delivered
            );
            Ok(())
        }
    }
}
