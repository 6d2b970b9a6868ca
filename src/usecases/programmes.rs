//! Programmes: administrators define and change them; whoever reads reports or makes
//! referrals sees them (docs/programmes.md).

use crate::auth::policy::Action;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::programmes::{NewProgramme, Programme};
use crate::store::Store;

/// Every programme, by name.
pub async fn list(store: &Store, user: &CurrentUser) -> AppResult<Vec<Programme>> {
    user.require(Action::ReadProgrammes)?;
    Ok(store.programmes().await?)
}

/// One programme.
pub async fn one(store: &Store, user: &CurrentUser, id: i64) -> AppResult<Programme> {
    user.require(Action::ReadProgrammes)?;
    Ok(store.programme(id).await?)
}

fn checked(new: NewProgramme) -> AppResult<NewProgramme> {
    new.checked()
        .map_err(|e| AppError::invalid_field(e.field(), "Invalid programme", e.to_string()))
}

/// Defines a programme (administrators).
pub async fn create(store: &Store, user: &CurrentUser, new: NewProgramme) -> AppResult<Programme> {
    user.require(Action::ManageProgrammes)?;
    let new = checked(new)?;
    Ok(store.create_programme(&new, &user.audit_context()).await?)
}

/// Replaces a programme's definition (administrators). Its referrals stay with it.
pub async fn update(
    store: &Store,
    user: &CurrentUser,
    id: i64,
    new: NewProgramme,
) -> AppResult<Programme> {
    user.require(Action::ManageProgrammes)?;
    let new = checked(new)?;
    Ok(store
        .update_programme(id, &new, &user.audit_context())
        .await?)
}

/// The teams a programme can be run by, for the administrators' form.
pub async fn teams(store: &Store, user: &CurrentUser) -> AppResult<Vec<(i64, String)>> {
    user.require(Action::ManageProgrammes)?;
    Ok(store.team_names().await?)
}

/// The active programmes a referral form offers: only when some team runs more than one
/// (otherwise the team's only programme is taken and no question is asked). Each with
/// the teams that run it, so the choice can be checked against the team that will hold
/// the referral.
pub async fn referral_choices(store: &Store, user: &CurrentUser) -> AppResult<Vec<Programme>> {
    user.require(Action::CreateReferral)?;
    let active: Vec<Programme> = store
        .programmes()
        .await?
        .into_iter()
        .filter(|p| p.active)
        .collect();
    let mut per_team = std::collections::HashMap::<i64, usize>::new();
    for p in &active {
        for t in &p.teams {
            *per_team.entry(t.id).or_default() += 1;
        }
    }
    Ok(if per_team.values().any(|n| *n > 1) {
        active
    } else {
        Vec::new()
    })
}

/// A report's programme filter, by id: the programme, or a field error naming
/// `programme`. Anyone who may read the report may name any programme: the figures are
/// aggregate and disclosure-controlled.
pub async fn report_filter(store: &Store, id: Option<i64>) -> AppResult<Option<Programme>> {
    let Some(id) = id else { return Ok(None) };
    match store.programme(id).await {
        Ok(p) => Ok(Some(p)),
        Err(crate::store::StoreError::NotFound { .. }) => Err(AppError::invalid_field(
            "programme",
            "Unknown programme",
            format!("there is no programme with the id {id}"),
        )),
        Err(e) => Err(e.into()),
    }
}
