//! Risk and safeguarding concerns (docs/safeguarding.md). Link workers and team leads of
//! the team holding a referral record and read them; a volunteer raises one from their own
//! visit ("I'm worried about them") and sees only that it was sent. Organisations and
//! volunteers never read a concern: the policy refuses them, and the store reads only
//! inside the team's scope. Every read and write is audited by the store.

use crate::auth::policy::Action;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::safeguarding::{Concern, ConcernFlag, NewConcern};
use crate::store::Store;
use std::collections::HashMap;

/// Records a team member's concern (its fields already checked with `NewConcern::check`)
/// on a referral the team holds.
pub async fn record(
    store: &Store,
    user: &CurrentUser,
    referral_id: i64,
    concern: &NewConcern,
) -> AppResult<Concern> {
    user.require(Action::RecordConcern)?;
    Ok(store
        .record_concern(
            referral_id,
            user.case_scope(),
            concern,
            &user.audit_context(),
        )
        .await?)
}

/// The concerns about a person in the team's care, newest first (read, marked read for the
/// user, audited). A person outside the team's scope is not found.
pub async fn of_person(
    store: &Store,
    user: &CurrentUser,
    person_id: i64,
) -> AppResult<Vec<Concern>> {
    user.require(Action::ReadConcerns)?;
    if store.person(person_id, user.case_scope()).await?.is_none() {
        return Err(AppError::NotFound("person"));
    }
    Ok(store
        .read_concerns_of_person(person_id, user.case_scope(), &user.audit_context())
        .await?)
}

/// A volunteer's "I'm worried about them" (text checked with `safeguarding::worry_text`)
/// from one of their own visits: a concern the team sees at once. Returns nothing the
/// volunteer could read back.
pub async fn raise_worry(
    store: &Store,
    user: &CurrentUser,
    visit_id: i64,
    text: &str,
) -> AppResult<()> {
    user.require(Action::RaiseWorry)?;
    store
        .raise_worry(visit_id, user.id, text, &user.audit_context())
        .await?;
    Ok(())
}

/// For a team member: each person in their scope with concerns, and how many are new to
/// them (counts only; the listing is audited). Other roles have none, and nothing is read.
pub async fn flags_by_person(
    store: &Store,
    user: &CurrentUser,
) -> AppResult<HashMap<i64, ConcernFlag>> {
    if !user.may(Action::ReadConcerns) {
        return Ok(HashMap::new());
    }
    Ok(store
        .concern_flags(user.case_scope(), &user.audit_context())
        .await?
        .into_iter()
        .map(|(person, concerns, new)| (person, ConcernFlag { concerns, new }))
        .collect())
}
