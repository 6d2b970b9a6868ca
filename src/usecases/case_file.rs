//! A person's case file as their team sees it: the person (read and audited), every
//! referral with its casework, their consents, who on the team read their record, and the
//! team's volunteers who could visit; and the plan printed for the person to keep.

use super::referrals::detail;
use crate::audit::AuditRecord;
use crate::auth::policy::Action;
use crate::auth::CurrentUser;
use crate::consent::Consent;
use crate::error::{AppError, AppResult};
use crate::people::Person;
use crate::referrals::{ReferralDetail, WorkerLoad};
use crate::store::Store;

/// How many of the latest reads of the record the case file lists.
const ACCESSES_SHOWN: i64 = 20;

pub struct CaseFile {
    pub person: Person,
    /// One per referral, with its casework.
    pub referrals: Vec<ReferralDetail>,
    /// The latest reads and changes of the record by the user's team, with who made them.
    pub accesses: Vec<(AuditRecord, Option<String>)>,
    pub consents: Vec<Consent>,
    /// The volunteers who may be asked to visit: (user id, name).
    pub volunteers: Vec<(i64, String)>,
    /// The team's link workers and team leads with their open caseloads: who holds each
    /// referral, and whom it could go to.
    pub workers: Vec<WorkerLoad>,
}

/// The case file of a person in the user's scope. For anyone who may not read casework
/// the person is not found, so the page does not reveal that they exist.
pub async fn open(store: &Store, user: &CurrentUser, person_id: i64) -> AppResult<CaseFile> {
    if !user.may(Action::ReadCasework) {
        return Err(AppError::NotFound("person"));
    }
    let scope = user.case_scope();
    let person = store
        .read_person(person_id, scope, &user.audit_context())
        .await?
        .ok_or(AppError::NotFound("person"))?;
    let referrals = store.referrals_of_person(person_id, scope).await?;
    // Casework readers always have a team (their scope needs one); without one, nothing.
    let Some(team) = user.team_id else {
        return Err(AppError::NotFound("person"));
    };
    let accesses = store
        .accesses_of_person_by_team(person_id, team, ACCESSES_SHOWN)
        .await
        .map_err(AppError::Internal)?;
    let consents = store
        .consents_in_scope(scope, Some(person.id), None)
        .await?;
    let mut details = Vec::new();
    for referral in referrals {
        details.push(detail(store, user, referral.id).await?);
    }
    let volunteers = store.volunteers_for(team).await?;
    let workers = store
        .team_loads(team, chrono::Utc::now().date_naive())
        .await?;
    Ok(CaseFile {
        workers,
        person,
        referrals: details,
        accesses,
        consents,
        volunteers,
    })
}

/// The person's plan, to print and keep: the person and their latest referral whole.
pub async fn plan(
    store: &Store,
    user: &CurrentUser,
    person_id: i64,
) -> AppResult<(Person, ReferralDetail)> {
    user.require(Action::ReadCasework)?;
    let scope = user.case_scope();
    let person = store
        .read_person(person_id, scope, &user.audit_context())
        .await?
        .ok_or(AppError::NotFound("person"))?;
    let referral = store
        .referrals_of_person(person_id, scope)
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound("referral"))?;
    let detail = detail(store, user, referral.id).await?;
    Ok((person, detail))
}
