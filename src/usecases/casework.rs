//! Casework on a referral, the same whoever asks (the JSON API or the forms on a person's
//! page): moving it through its lifecycle, giving it to a link worker, and recording
//! contacts, needs, goals and their progress, barriers, questionnaires and connections to
//! community services. Each write is checked against the policy here once; the store
//! refuses records outside the user's scope (not found) and on ended referrals, and audits.

use crate::auth::policy::Action;
use crate::auth::{CurrentUser, Role};
use crate::consent::NewConnection;
use crate::error::{AppError, AppResult};
use crate::referrals::{
    Barrier, Connection, ConnectionStatus, ContactRecorded, DeclineReason, Goal, LifecycleSettings,
    Measure, Need, NewContact, NewMeasure, NewTransition, RecordedBarrier, RecordedNeed, Referral,
};
use crate::store::Store;

/// Moves a referral to its next state; a conflict if it changed since `expected_version`.
pub async fn transition(
    store: &Store,
    user: &CurrentUser,
    lifecycle: &LifecycleSettings,
    id: i64,
    change: NewTransition,
) -> AppResult<Referral> {
    user.require(Action::WriteCasework)?;
    Ok(store
        .transition_referral(
            id,
            user.case_scope(),
            change.expected_version,
            change.to,
            change.reason,
            change.note.as_deref().filter(|n| !n.is_empty()),
            &user.audit_context(),
            lifecycle,
        )
        .await?)
}

/// Gives a referral to a link worker of the team holding it (team leads), or takes it on
/// (a link worker, for themselves).
pub async fn assign(
    store: &Store,
    user: &CurrentUser,
    id: i64,
    expected_version: i64,
    link_worker_id: i64,
) -> AppResult<Referral> {
    user.require_may_assign_to(link_worker_id)?;
    Ok(store
        .assign_referral(
            id,
            user.case_scope(),
            expected_version,
            link_worker_id,
            &user.audit_context(),
        )
        .await?)
}

/// Records a contact or an unsuccessful contact attempt. The referral follows the work:
/// a link worker recording a contact on a referral nobody holds takes it on (a team lead
/// recording one does not: they often record for someone else), and a `received` referral
/// moves to `contacting` (docs/domain.md, "When the state follows the work").
pub async fn add_contact(
    store: &Store,
    user: &CurrentUser,
    referral_id: i64,
    contact: &NewContact,
) -> AppResult<ContactRecorded> {
    user.require(Action::WriteCasework)?;
    Ok(store
        .add_contact(
            referral_id,
            user.case_scope(),
            contact,
            user.role == Role::LinkWorker,
            &user.audit_context(),
        )
        .await?)
}

/// Records something the person wants help with; `notes` is checked text.
pub async fn add_need(
    store: &Store,
    user: &CurrentUser,
    referral_id: i64,
    need: Need,
    notes: &str,
) -> AppResult<RecordedNeed> {
    user.require(Action::WriteCasework)?;
    Ok(store
        .add_need(
            referral_id,
            user.case_scope(),
            need,
            notes,
            &user.audit_context(),
        )
        .await?)
}

/// Records a goal agreed with the person; `description` is checked text.
pub async fn add_goal(
    store: &Store,
    user: &CurrentUser,
    referral_id: i64,
    description: &str,
    need: Option<Need>,
) -> AppResult<Goal> {
    user.require(Action::WriteCasework)?;
    Ok(store
        .add_goal(
            referral_id,
            user.case_scope(),
            description,
            need,
            &user.audit_context(),
        )
        .await?)
}

/// Records progress on a goal: 0 (not started) to 10 (achieved), checked at the edge where
/// each way in words its own refusal.
pub async fn add_goal_progress(
    store: &Store,
    user: &CurrentUser,
    goal_id: i64,
    progress: i32,
    note: &str,
) -> AppResult<Goal> {
    user.require(Action::WriteCasework)?;
    Ok(store
        .add_goal_progress(
            goal_id,
            user.case_scope(),
            progress,
            note,
            &user.audit_context(),
        )
        .await?)
}

/// Records why a step did not happen, optionally against one of the referral's connections.
pub async fn add_barrier(
    store: &Store,
    user: &CurrentUser,
    referral_id: i64,
    barrier: Barrier,
    connection_id: Option<i64>,
    notes: &str,
) -> AppResult<RecordedBarrier> {
    user.require(Action::WriteCasework)?;
    Ok(store
        .add_barrier(
            referral_id,
            user.case_scope(),
            barrier,
            connection_id,
            notes,
            &user.audit_context(),
        )
        .await?)
}

/// Records a well-being questionnaire (incomplete ones are kept but never scored).
pub async fn add_measure(
    store: &Store,
    user: &CurrentUser,
    referral_id: i64,
    measure: &NewMeasure,
) -> AppResult<Measure> {
    user.require(Action::WriteCasework)?;
    Ok(store
        .add_measure(
            referral_id,
            user.case_scope(),
            measure,
            &user.audit_context(),
        )
        .await?)
}

/// The organisation behind a service a link worker is about to connect someone to, so the
/// page can ask the person's consent to share with it by name; refused when there is no
/// such service or the referral has ended (nothing would be sent).
pub async fn connection_organisation(
    store: &Store,
    user: &CurrentUser,
    referral_id: i64,
    service_id: i64,
) -> AppResult<String> {
    user.require(Action::WriteCasework)?;
    let organisation = store
        .service_organisation(service_id)
        .await?
        .ok_or_else(|| {
            AppError::invalid_field("service_id", "Unknown service", "there is no such service")
        })?;
    let referral = super::referrals::in_scope(store, user, referral_id).await?;
    if !referral.state.is_open() {
        return Err(AppError::Conflict(
            "this referral has ended; nothing was sent".into(),
        ));
    }
    Ok(organisation)
}

/// Connects the person to a community service (status `requested`) under the consent it
/// names or records.
pub async fn add_connection(
    store: &Store,
    user: &CurrentUser,
    referral_id: i64,
    connection: &NewConnection,
) -> AppResult<Connection> {
    user.require(Action::WriteCasework)?;
    Ok(store
        .add_connection(
            referral_id,
            user.case_scope(),
            connection,
            &user.audit_context(),
        )
        .await?)
}

/// Moves a connection along the SDOH Clinical Care Task workflow (the link worker's side).
pub async fn set_connection_status(
    store: &Store,
    user: &CurrentUser,
    connection_id: i64,
    status: ConnectionStatus,
    note: &str,
    reason: Option<DeclineReason>,
) -> AppResult<Connection> {
    user.require(Action::WriteCasework)?;
    Ok(store
        .set_connection_status(
            connection_id,
            user.case_scope(),
            status,
            note,
            reason,
            &user.audit_context(),
        )
        .await?)
}
