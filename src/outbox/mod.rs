//! The GP record kept up to date (issue 16, docs/gp-record.md): each event the practice should
//! code (the person accepted or declined, was seen, a well-being score, the close) leaves one
//! outbox row in the transaction that records it, and a worker delivers the message to the
//! practice's endpoint until it is accepted, or gives up after a set number of tries.
//!
//! Plain types and rules only: which events there are, how a message id is derived, when to
//! try again, what a mailbox control file says. The SQL is `store/outbox.rs`, the use cases
//! `usecases/outbox.rs`, the sending `outbox/transport.rs` and the loop `outbox/worker.rs`.

pub mod api;
pub mod transport;
pub mod worker;

use crate::people::coded_enum;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

coded_enum! {
    /// What happened that the GP record is told of.
    OutboxEvent {
        Accepted = "accepted": "Referral accepted",
        Declined = "declined": "Referral declined",
        Contact = "contact": "Contact recorded",
        Score = "score": "Well-being score recorded",
        Closed = "closed": "Referral closed",
        UnableToContact = "unable_to_contact": "Unable to contact",
    }
}

impl OutboxEvent {
    /// The event a move to `to` is, if the GP record hears of it. A referral closed as
    /// entered in error (a duplicate) is not an event of the person's care: the practice
    /// hears nothing, and never a decline (issue 15, item 4).
    pub fn of_transition(
        to: crate::referrals::ReferralState,
        reason: Option<crate::referrals::CloseReason>,
    ) -> Option<OutboxEvent> {
        use crate::referrals::ReferralState::*;
        if reason == Some(crate::referrals::CloseReason::EnteredInError) {
            return None;
        }
        match to {
            Active => Some(OutboxEvent::Accepted),
            Declined => Some(OutboxEvent::Declined),
            Closed => Some(OutboxEvent::Closed),
            UnableToContact => Some(OutboxEvent::UnableToContact),
            Received | Contacting => None,
        }
    }

    /// The key naming one event once: `<event>:<table>:<row id>`. Unique in the outbox, so an
    /// event is queued at most once, and the message id is derived from it.
    pub fn key(self, table: &str, row_id: i64) -> String {
        format!("{}:{table}:{row_id}", self.code())
    }
}

/// Which dead letters an administrator sends again after fixing the endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requeue {
    /// One message, by its number.
    Message(i64),
    /// Every dead letter for one practice, by its ODS code.
    Practice(String),
}

coded_enum! {
    /// Where an outbox row is.
    OutboxStatus {
        Pending = "pending": "Waiting to be sent",
        Delivered = "delivered": "Delivered",
        Dead = "dead": "Gave up (dead letter)",
    }
}

/// The message id: a name-based (version 5) UUID of the event key in the installation's own
/// namespace (a random UUID kept in the database, the same for every server and command), so
/// every retry of one event carries the same id (the receiver can drop a repeat) and two
/// installations never share one.
pub fn message_id(installation: &uuid::Uuid, event_key: &str) -> uuid::Uuid {
    uuid::Uuid::new_v5(installation, event_key.as_bytes())
}

/// How hard the worker tries. Defaults: a first retry after 30 seconds, doubling each time up
/// to an hour, a dead letter after 8 tries (the eighth comes about 63.5 minutes after the
/// first), a 2-minute lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryPolicy {
    /// Wait after the first failed try; each further failure doubles it.
    pub backoff_base: Duration,
    /// The longest wait between tries.
    pub backoff_cap: Duration,
    /// Tries before a message is a dead letter.
    pub max_attempts: u32,
    /// How long a worker holds a row it took; another may take it once this has passed (a
    /// worker that died mid-send). Longer than `timeout`, so a live send never loses it.
    pub lease: Duration,
    /// The most one HTTP send may take.
    pub timeout: Duration,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        DeliveryPolicy {
            backoff_base: Duration::from_secs(30),
            backoff_cap: Duration::from_secs(3600),
            max_attempts: 8,
            lease: Duration::from_secs(120),
            timeout: Duration::from_secs(30),
        }
    }
}

/// What to do after a failed try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    RetryAt(DateTime<Utc>),
    DeadLetter,
}

impl DeliveryPolicy {
    /// The wait after `attempts` failed tries (1 or more): base × 2^(attempts − 1), capped.
    pub fn backoff(&self, attempts: u32) -> Duration {
        let doublings = attempts.saturating_sub(1).min(31);
        self.backoff_base
            .saturating_mul(1u32 << doublings)
            .min(self.backoff_cap)
    }

    pub fn after_failure(&self, attempts: u32, now: DateTime<Utc>) -> AfterFailure {
        if attempts >= self.max_attempts {
            AfterFailure::DeadLetter
        } else {
            let wait =
                chrono::Duration::from_std(self.backoff(attempts)).unwrap_or(chrono::Duration::MAX);
            AfterFailure::RetryAt(now + wait)
        }
    }
}

coded_enum! {
    /// How a practice takes its messages.
    EndpointKind {
        Fhir = "fhir": "FHIR $process-message over HTTP(S)",
        Mailbox = "mailbox": "MESH-style mailbox folder",
    }
}

/// A practice's configured endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// Messages are POSTed (`application/fhir+json`) to this URL, the receiver's
    /// `$process-message` operation.
    Fhir { url: String },
    /// Messages are written as files into this folder for a MESH client to send on.
    Mailbox {
        folder: PathBuf,
        /// The practice's mailbox id (the control file's `To_DTS`).
        mailbox_id: String,
        /// The workflow id agreed for these messages, if one was given.
        workflow_id: Option<String>,
    },
}

impl Endpoint {
    pub fn kind(&self) -> EndpointKind {
        match self {
            Endpoint::Fhir { .. } => EndpointKind::Fhir,
            Endpoint::Mailbox { .. } => EndpointKind::Mailbox,
        }
    }

    /// The URL or folder, for pages and logs.
    pub fn address(&self) -> String {
        match self {
            Endpoint::Fhir { url } => url.clone(),
            Endpoint::Mailbox { folder, .. } => folder.display().to_string(),
        }
    }

    /// An HTTP endpoint must be an absolute http or https URL; a mailbox needs an absolute
    /// folder and a mailbox id. Checked when it is configured, not when a message fails.
    pub fn check(&self) -> Result<(), String> {
        match self {
            Endpoint::Fhir { url } => {
                let lower = url.to_ascii_lowercase();
                let rest = lower
                    .strip_prefix("https://")
                    .or_else(|| lower.strip_prefix("http://"))
                    .ok_or("the endpoint URL must start with https:// or http://")?;
                if rest.is_empty() || rest.starts_with('/') {
                    return Err("the endpoint URL has no host".into());
                }
                Ok(())
            }
            Endpoint::Mailbox {
                folder, mailbox_id, ..
            } => {
                if !folder.is_absolute() {
                    return Err("the mailbox folder must be an absolute path".into());
                }
                if mailbox_id.trim().is_empty()
                    || !mailbox_id.chars().all(|c| c.is_ascii_alphanumeric())
                {
                    return Err("the mailbox id must be letters and digits".into());
                }
                Ok(())
            }
        }
    }
}

/// What the delivery worker is told: whether it runs inside the server, how often it looks
/// for due messages, how hard it tries, and the sending mailbox for MESH control files.
#[derive(Debug, Clone)]
pub struct DeliverySettings {
    /// Start the worker with the server. Off by default: a site turns it on once its
    /// practices' endpoints are configured.
    pub enabled: bool,
    /// Wait between looks when nothing is due.
    pub poll: Duration,
    pub policy: DeliveryPolicy,
    /// Linkwell's own mailbox id (the control file's `From_DTS`).
    pub from_mailbox: String,
    /// A PEM file of further certificate authorities to trust for HTTPS endpoints, beside
    /// the operating system's (an NHS network CA, a practice system's private CA).
    pub ca_file: Option<PathBuf>,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            enabled: false,
            poll: Duration::from_secs(5),
            policy: DeliveryPolicy::default(),
            from_mailbox: String::new(),
            ca_file: None,
        }
    }
}

/// A row a worker has taken to send.
#[derive(Debug, Clone)]
pub struct LeasedMessage {
    pub id: i64,
    pub event: OutboxEvent,
    pub event_key: String,
    pub referral_id: i64,
    pub practice_id: i64,
    /// Tries made before this one.
    pub attempts: u32,
    /// Who holds the lease: only they may record the outcome.
    pub holder: String,
}

/// One row, for the administrators' page.
#[derive(Debug, Clone, Serialize)]
pub struct OutboxEntry {
    pub id: i64,
    pub event: OutboxEvent,
    pub event_key: String,
    pub referral_id: i64,
    pub practice_code: String,
    pub status: OutboxStatus,
    pub attempts: u32,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// False while the practice has no endpoint configured (the row waits, untried).
    pub has_endpoint: bool,
}

/// How many rows are where.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OutboxCounts {
    /// Not yet tried.
    pub pending: i64,
    /// Tried and failed, to be tried again.
    pub retrying: i64,
    pub dead: i64,
    pub delivered: i64,
}

impl OutboxCounts {
    /// Messages still to be delivered (the depth the metrics report).
    pub fn depth(&self) -> i64 {
        self.pending + self.retrying
    }
}

/// The control file a MESH client reads beside each data file (`<id>.ctl` beside `<id>.dat`):
/// who it is to and from, the workflow, and our local id (the message id). Element names,
/// order and the Y/N flags follow the example `.ctl` in NHS Digital's GP Connect guide "MESH
/// client configuration" (docs/gp-record.md, "Mailbox files"); `Version` is the control file
/// format's (1.0), and the server-side fields (DTSId, PartnerId, ProcessId, DataChecksum,
/// IsCompressed) are left out of an outgoing file.
pub fn mailbox_control_file(
    message_id: &str,
    to_mailbox: &str,
    from_mailbox: &str,
    workflow_id: Option<&str>,
    subject: &str,
) -> String {
    fn esc(text: &str) -> String {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    }
    format!(
        "<DTSControl>\n  <Version>1.0</Version>\n  <AddressType>DTS</AddressType>\n  <MessageType>Data</MessageType>\n  \
         <From_DTS>{}</From_DTS>\n  <To_DTS>{}</To_DTS>\n  <Subject>{}</Subject>\n  <LocalId>{}</LocalId>\n  \
         <Compress>N</Compress>\n  <Encrypted>N</Encrypted>\n  <WorkflowId>{}</WorkflowId>\n</DTSControl>\n",
        esc(from_mailbox),
        esc(to_mailbox),
        esc(subject),
        esc(message_id),
        esc(workflow_id.unwrap_or("")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The elements in the order of NHS Digital's example control file (GP Connect, "MESH
    /// client configuration"): Version, AddressType, MessageType, From_DTS, To_DTS, Subject,
    /// LocalId, then Compress, Encrypted, WorkflowId.
    #[test]
    fn the_control_file_follows_the_published_example() {
        let ctl = mailbox_control_file("ID-1", "X26AB001", "LINKWELL01", Some("WF"), "S & T");
        let order = [
            "<DTSControl>",
            "<Version>1.0</Version>",
            "<AddressType>DTS</AddressType>",
            "<MessageType>Data</MessageType>",
            "<From_DTS>LINKWELL01</From_DTS>",
            "<To_DTS>X26AB001</To_DTS>",
            "<Subject>S &amp; T</Subject>",
            "<LocalId>ID-1</LocalId>",
            "<Compress>N</Compress>",
            "<Encrypted>N</Encrypted>",
            "<WorkflowId>WF</WorkflowId>",
            "</DTSControl>",
        ];
        let at: Vec<usize> = order
            .iter()
            .map(|e| ctl.find(e).unwrap_or_else(|| panic!("{e} missing: {ctl}")))
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{ctl}");
    }

    #[test]
    fn backoff_doubles_from_the_base_up_to_the_cap() {
        let policy = DeliveryPolicy::default();
        let secs: Vec<u64> = (1..=9).map(|n| policy.backoff(n).as_secs()).collect();
        // 30 s, 1, 2, 4, 8, 16, 32 min, then the one-hour cap.
        assert_eq!(secs, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(policy.backoff(200).as_secs(), 3600, "no overflow");
    }

    #[test]
    fn the_eighth_failure_is_a_dead_letter() {
        let policy = DeliveryPolicy::default();
        let now = Utc::now();
        assert_eq!(
            policy.after_failure(1, now),
            AfterFailure::RetryAt(now + chrono::Duration::seconds(30))
        );
        assert!(matches!(
            policy.after_failure(7, now),
            AfterFailure::RetryAt(_)
        ));
        assert_eq!(policy.after_failure(8, now), AfterFailure::DeadLetter);
    }

    #[test]
    fn message_ids_are_stable_per_event_and_installation() {
        let here = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, b"https://linkwell.example");
        let there = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, b"https://other.example");
        let a = message_id(&here, "accepted:referral_events:7");
        assert_eq!(a, message_id(&here, "accepted:referral_events:7"));
        assert_eq!(a.get_version_num(), 5);
        assert_ne!(a, message_id(&here, "declined:referral_events:7"));
        assert_ne!(a, message_id(&there, "accepted:referral_events:7"));
        // Worked out independently: uuid5(uuid5(NAMESPACE_URL, url), key) in Python's uuid.
        assert_eq!(
            a.to_string(),
            PYTHON_UUID5_OF_EXAMPLE,
            "python3 -c \"import uuid; print(uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_URL, 'https://linkwell.example'), 'accepted:referral_events:7'))\""
        );
    }

    const PYTHON_UUID5_OF_EXAMPLE: &str = "c33e733f-b074-53c4-92b2-5a83357de0e5";

    #[test]
    fn endpoints_are_checked_when_configured() {
        assert!(Endpoint::Fhir {
            url: "https://gp.example/fhir/$process-message".into()
        }
        .check()
        .is_ok());
        assert!(Endpoint::Fhir {
            url: "ftp://gp.example".into()
        }
        .check()
        .is_err());
        assert!(Endpoint::Fhir {
            url: "https:///x".into()
        }
        .check()
        .is_err());
        let mailbox = |folder: &str, id: &str| Endpoint::Mailbox {
            folder: folder.into(),
            mailbox_id: id.into(),
            workflow_id: None,
        };
        assert!(mailbox("/var/mesh/out", "X26OT123").check().is_ok());
        assert!(mailbox("relative/out", "X26OT123").check().is_err());
        assert!(mailbox("/var/mesh/out", "../x").check().is_err());
    }

    #[test]
    fn the_control_file_names_the_message_and_escapes_text() {
        let ctl = mailbox_control_file("abc", "TO1", "FROM1", Some("WF"), "a < b");
        assert!(ctl.contains("<LocalId>abc</LocalId>"));
        assert!(ctl.contains("<To_DTS>TO1</To_DTS>"));
        assert!(ctl.contains("<From_DTS>FROM1</From_DTS>"));
        assert!(ctl.contains("<Subject>a &lt; b</Subject>"));
    }
}
