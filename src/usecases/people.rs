//! People: registering one and reading one.

use crate::auth::policy::Action;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::people::{NewPerson, Person, PrsbRecord};
use crate::store::Store;

/// Registers a checked person. An NHS number already on file is refused as a failed
/// identity match is (see `usecases::intake::check_unregistered`).
pub async fn register(store: &Store, user: &CurrentUser, person: NewPerson) -> AppResult<Person> {
    user.require(Action::CreateReferral)?;
    let ctx = user.audit_context();
    super::intake::check_unregistered(store, &ctx, &person)
        .await?
        .map_err(AppError::from)?;
    Ok(store.insert_person(&person, &ctx).await?)
}

/// A person in the user's scope, the read audited; outside it, not found (so its existence
/// is not revealed).
pub async fn read(store: &Store, user: &CurrentUser, id: i64) -> AppResult<Person> {
    store
        .read_person(id, user.case_scope(), &user.audit_context())
        .await?
        .ok_or(AppError::NotFound("person"))
}

/// Replaces the PRSB part of a person's record (casework: the team holding them). Outside
/// the user's scope, or erased: not found.
pub async fn update_record(
    store: &Store,
    user: &CurrentUser,
    id: i64,
    record: PrsbRecord,
) -> AppResult<Person> {
    user.require(Action::WriteCasework)?;
    store
        .update_person_record(id, user.case_scope(), &record, &user.audit_context())
        .await?
        .ok_or(AppError::NotFound("person"))
}

/// A person whose record the user may change, to fill the form with (the read audited).
pub async fn for_editing(store: &Store, user: &CurrentUser, id: i64) -> AppResult<Person> {
    user.require(Action::WriteCasework)?;
    read(store, user, id).await
}
