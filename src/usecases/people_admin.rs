//! Records management from the command line: erasing a person on request, or everyone
//! past the retention period. The command names the administrator it acts for, who is
//! recorded in the audit log with each erasure.

use crate::audit::AuditContext;
use crate::auth::Role;
use crate::error::{AppError, AppResult};
use crate::store::Store;
use chrono::{DateTime, Utc};

/// The audit context of the administrator `username`, for records management; anyone
/// else is refused.
pub async fn acting_administrator(store: &Store, username: &str) -> AppResult<AuditContext> {
    let (actor_id, role) = store.user_role(username).await?.ok_or_else(|| {
        AppError::invalid_field("by", "Unknown user", format!("no user {username:?}"))
    })?;
    if role != Role::Admin {
        return Err(AppError::Forbidden(format!(
            "{username} is not an administrator"
        )));
    }
    Ok(AuditContext {
        actor_id,
        actor_role: role.code().to_string(),
        purpose: "records management".into(),
        request_id: format!("cli-{}", &crate::auth::new_secret("").0[..16]),
    })
}

/// Erases one person's identifying details and casework text, audited as `by`.
pub async fn erase(store: &Store, by: &AuditContext, person_id: i64) -> AppResult<()> {
    Ok(store.erase_person(person_id, by).await?)
}

/// The people past retention and the cutoff used.
pub struct DueForErasure {
    /// Referrals that ended before this are past retention.
    pub cutoff: DateTime<Utc>,
    pub people: Vec<i64>,
}

/// Everyone whose referrals all ended more than `retention_years` ago (a year being
/// 365 days, with a leap day every four).
pub async fn due_for_erasure(store: &Store, retention_years: u32) -> AppResult<DueForErasure> {
    let years = i64::from(retention_years);
    let cutoff = Utc::now() - chrono::Duration::days(365 * years + years / 4);
    Ok(DueForErasure {
        cutoff,
        people: store.people_due_for_erasure(cutoff).await?,
    })
}
