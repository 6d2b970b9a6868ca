//! Volunteer visits: a link worker arranges one for someone in their care; the volunteer
//! sees the visits they are to make (name, phone, what, when, where, and the link worker's
//! name and the team's phone; nothing more) and records that each happened, or did not and
//! why. A worry from a visit is a safeguarding concern (`usecases::concerns::raise_worry`).

use crate::auth::policy::Action;
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::referrals::{Visit, VisitPlan, VisitToMake};
use crate::store::Store;
use chrono::NaiveDate;

/// Arranges a visit by one of the team's volunteers (the plan's text and day checked at the
/// edge: the day from today on).
pub async fn arrange(
    store: &Store,
    user: &CurrentUser,
    referral_id: i64,
    volunteer_id: i64,
    plan: &VisitPlan,
) -> AppResult<Visit> {
    user.require(Action::WriteCasework)?;
    Ok(store
        .arrange_visit(
            referral_id,
            user.case_scope(),
            volunteer_id,
            plan,
            &user.audit_context(),
        )
        .await?)
}

/// The volunteer's own visits from `since` on (each person shown is audited).
pub async fn to_make(
    store: &Store,
    user: &CurrentUser,
    since: NaiveDate,
) -> AppResult<Vec<VisitToMake>> {
    user.require(Action::MakeVisits)?;
    Ok(store
        .visits_to_make(user.id, since, &user.audit_context())
        .await?)
}

/// The volunteer records that one of their visits happened (once); `note` is checked text.
pub async fn record(store: &Store, user: &CurrentUser, visit_id: i64, note: &str) -> AppResult<()> {
    user.require(Action::MakeVisits)?;
    Ok(store
        .record_visit(visit_id, user.id, note, &user.audit_context())
        .await?)
}

/// The volunteer records that one of their visits did not happen (once), with the reason
/// (checked text, at least one character).
pub async fn record_not_happened(
    store: &Store,
    user: &CurrentUser,
    visit_id: i64,
    reason: &str,
) -> AppResult<()> {
    user.require(Action::MakeVisits)?;
    Ok(store
        .record_visit_not_happened(visit_id, user.id, reason, &user.audit_context())
        .await?)
}
