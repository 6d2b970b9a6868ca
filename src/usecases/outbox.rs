//! The GP outbox (docs/gp-record.md): what administrators see of it, configuring where a
//! practice's messages go, and the steps the delivery worker takes (take a due message, read
//! what it is made from, record how the try went).
//!
//! The worker's steps take no user: the worker acts for the service itself, not for anyone
//! signed in. Its reads are limited to the one referral the message is about, read in the
//! scope of the team holding it, and each delivery is audited as a disclosure to the practice.

use crate::audit::AuditContext;
use crate::auth::policy::{Action, CaseScope};
use crate::auth::CurrentUser;
use crate::consent::Consent;
use crate::error::{AppError, AppResult};
use crate::outbox::{
    AfterFailure, DeliveryPolicy, Endpoint, LeasedMessage, OutboxCounts, OutboxEntry, OutboxStatus,
    Requeue,
};
use crate::people::Person;
use crate::referrals::{
    derive_state, Contact, Goal, Measure, RecordedNeed, Referral, ReferralEvent,
};
use crate::store::Store;
use chrono::{DateTime, Utc};

/// Rows shown per status on the administrators' page.
pub const ENTRIES_SHOWN: i64 = 50;

/// What the administrators' page shows.
#[derive(Debug, Clone)]
pub struct OutboxOverview {
    pub counts: OutboxCounts,
    /// Not yet delivered: waiting for a first try, or tried and to be tried again.
    pub pending: Vec<OutboxEntry>,
    pub dead: Vec<OutboxEntry>,
    pub delivered: Vec<OutboxEntry>,
}

/// The outbox at a glance, for administrators. Rows carry ids, codes, practice codes and
/// errors, never a person's details.
pub async fn overview(store: &Store, user: &CurrentUser) -> AppResult<OutboxOverview> {
    user.require(Action::ReadGpOutbox)?;
    Ok(OutboxOverview {
        counts: store.gp_outbox_counts().await?,
        pending: store
            .gp_outbox_entries(OutboxStatus::Pending, ENTRIES_SHOWN)
            .await?,
        dead: store
            .gp_outbox_entries(OutboxStatus::Dead, ENTRIES_SHOWN)
            .await?,
        delivered: store
            .gp_outbox_entries(OutboxStatus::Delivered, ENTRIES_SHOWN)
            .await?,
    })
}

/// Sends dead letters again, once the administrator has fixed what made them fail: one
/// message, or every dead letter for a practice. The administrator must confirm (the
/// message goes to the practice again); each row re-queued is audited. One message that is
/// not a dead letter (unknown, pending, delivered, or about an erased person) is not found;
/// an unknown practice is refused; a practice with no dead letters re-queues none.
pub async fn requeue(
    store: &Store,
    user: &CurrentUser,
    which: &Requeue,
    confirmed: bool,
) -> AppResult<Vec<i64>> {
    user.require(Action::RequeueGpOutbox)?;
    if !confirmed {
        return Err(AppError::invalid_field(
            "confirm",
            "Confirm to send again",
            "confirm that the practice's endpoint is fixed and the message may be sent again",
        ));
    }
    if let Requeue::Practice(code) = which {
        if !store.practice_exists(code).await? {
            return Err(AppError::invalid_field(
                "practice",
                "Unknown practice",
                "no practice has this ODS code",
            ));
        }
    }
    let mut ctx = user.audit_context();
    ctx.purpose = "GP message re-queued after its endpoint was fixed".into();
    let ids = store
        .requeue_dead_gp_messages(which, Utc::now(), &ctx)
        .await?;
    if ids.is_empty() && matches!(which, Requeue::Message(_)) {
        return Err(AppError::NotFound("dead letter"));
    }
    Ok(ids)
}

/// How many messages are where, for the operator at the command line (who holds the
/// database, so no account).
pub async fn counts(store: &Store) -> AppResult<OutboxCounts> {
    Ok(store.gp_outbox_counts().await?)
}

/// Sets where a practice's messages go. Run by the operator at the command line (who holds
/// the database, so no account); the endpoint is checked before anything is stored.
pub async fn set_endpoint(
    store: &Store,
    practice_code: &str,
    endpoint: &Endpoint,
) -> AppResult<()> {
    endpoint
        .check()
        .map_err(|reason| AppError::invalid_field("endpoint", "Endpoint not usable", &reason))?;
    store
        .set_practice_endpoint(practice_code.trim(), endpoint, Utc::now())
        .await
        .map_err(|e| match e {
            crate::store::StoreError::NotFound { .. } => AppError::invalid_field(
                "practice",
                "Unknown practice",
                "no practice has this ODS code",
            ),
            other => other.into(),
        })
}

/// The installation's namespace for message ids.
pub async fn message_namespace(store: &Store) -> AppResult<uuid::Uuid> {
    Ok(store.gp_message_namespace().await?)
}

/// Takes the next due message for `holder`, for one lease.
pub async fn take_due(
    store: &Store,
    holder: &str,
    policy: &DeliveryPolicy,
    now: DateTime<Utc>,
) -> AppResult<Option<LeasedMessage>> {
    let until = now + chrono::Duration::from_std(policy.lease).unwrap_or(chrono::Duration::MAX);
    Ok(store.lease_gp_message(holder, now, until).await?)
}

/// Everything one GP message is made from, read for the service (see the module comment).
pub struct MessageParts {
    pub endpoint: Endpoint,
    pub person: Person,
    /// The practice's ODS code and name.
    pub practice: (String, String),
    pub referral: Referral,
    pub history: Vec<ReferralEvent>,
    pub contacts: Vec<Contact>,
    pub needs: Vec<RecordedNeed>,
    pub goals: Vec<Goal>,
    pub measures: Vec<Measure>,
    /// The person's consents (which free text they agreed to share, and with whom).
    pub consents: Vec<Consent>,
}

/// Reads what the message for `message` is made from, with the practice's endpoint.
pub async fn message_parts(store: &Store, message: &LeasedMessage) -> AppResult<MessageParts> {
    let endpoint = store
        .practice_endpoint(message.practice_id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the practice has no endpoint")))?;
    let (team, person_id) = store.referral_team_and_person(message.referral_id).await?;
    let scope = match team {
        Some(team) => CaseScope::Team { team, user: 0 },
        None => CaseScope::Nothing,
    };
    let person = store
        .person(person_id, scope)
        .await?
        .ok_or(AppError::NotFound("person"))?;
    let mut referral = store.referral_by_id(message.referral_id).await?;
    let history = store.referral_events(message.referral_id).await?;
    referral.state = derive_state(&history);
    Ok(MessageParts {
        endpoint,
        practice: store.practice_code_and_name(message.practice_id).await?,
        contacts: store.contacts(message.referral_id).await?,
        needs: store.needs(message.referral_id).await?,
        goals: store.goals(message.referral_id).await?,
        measures: store.measures(message.referral_id).await?,
        consents: store
            .consents_in_scope(scope, Some(person_id), None)
            .await?,
        person,
        referral,
        history,
    })
}

/// Records a delivery (and audits the disclosure to the practice). False if the lease had
/// been lost to another worker, in which case nothing is recorded.
pub async fn record_delivered(
    store: &Store,
    message: &LeasedMessage,
    person_id: i64,
    practice_code: &str,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let ctx = AuditContext {
        actor_id: 0,
        actor_role: "system".into(),
        purpose: format!("GP record update sent to practice {practice_code}"),
        request_id: format!("gp-outbox-{}", message.id),
    };
    Ok(store
        .gp_message_delivered(message, person_id, now, &ctx)
        .await?)
}

/// Records a failed try: retried after the backoff, or a dead letter after the last try.
/// Returns what was decided.
pub async fn record_failed(
    store: &Store,
    message: &LeasedMessage,
    error: &str,
    policy: &DeliveryPolicy,
    now: DateTime<Utc>,
) -> AppResult<AfterFailure> {
    let next = policy.after_failure(message.attempts + 1, now);
    let retry_at = match next {
        AfterFailure::RetryAt(at) => Some(at),
        AfterFailure::DeadLetter => None,
    };
    store
        .gp_message_failed(message, error, now, retry_at)
        .await?;
    Ok(next)
}
