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
use crate::referrals::{plan_referral, PlanChoice, Referral, ReferralDetail, WorkerLoad};
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
    /// Every referral's appointments, soonest first.
    pub appointments: Vec<crate::diary::Appointment>,
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
    let mut appointments = Vec::new();
    for referral in referrals {
        details.push(detail(store, user, referral.id).await?);
        appointments.extend(store.appointments_of_referral(referral.id).await?);
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
        appointments,
    })
}

/// What the plan page shows: one referral's plan (with the person's other referrals, to
/// switch), or their open referrals to choose between.
pub enum Plan {
    Print {
        person: Person,
        /// Boxed: a whole referral is much larger than the list to choose from.
        detail: Box<ReferralDetail>,
        others: Vec<Referral>,
    },
    Choose {
        person: Person,
        open: Vec<Referral>,
    },
}

/// The person's plan, to print and keep: the referral chosen, else their open one (issue 15,
/// item 3: never a newer declined duplicate), else a choice between their open referrals.
pub async fn plan(
    store: &Store,
    user: &CurrentUser,
    person_id: i64,
    chosen: Option<i64>,
) -> AppResult<Plan> {
    user.require(Action::ReadCasework)?;
    let scope = user.case_scope();
    let person = store
        .read_person(person_id, scope, &user.audit_context())
        .await?
        .ok_or(AppError::NotFound("person"))?;
    let referrals = store.referrals_of_person(person_id, scope).await?;
    match plan_referral(&referrals, chosen) {
        PlanChoice::Print(id) => {
            let detail = Box::new(detail(store, user, id).await?);
            let others = referrals.into_iter().filter(|r| r.id != id).collect();
            Ok(Plan::Print {
                person,
                detail,
                others,
            })
        }
        PlanChoice::Choose(open) => Ok(Plan::Choose {
            person,
            open: referrals
                .into_iter()
                .filter(|r| open.contains(&r.id))
                .collect(),
        }),
        PlanChoice::Nothing => Err(AppError::NotFound("referral")),
    }
}

/// The name of a person in the user's casework scope (read and audited), for a page that
/// asks about their record.
pub async fn person_name(store: &Store, user: &CurrentUser, person_id: i64) -> AppResult<String> {
    user.require(Action::ReadCasework)?;
    let person = store
        .read_person(person_id, user.case_scope(), &user.audit_context())
        .await?
        .ok_or(AppError::NotFound("person"))?;
    Ok(person.full_name())
}
