//! Teams of link workers: made by the operator at the command line, listed for the
//! administration page.

use super::users::Administrator;
use crate::accounts::TeamSize;
use crate::auth::policy::Action;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::input::UkPhone;
use crate::store::Store;

/// Adds a team; returns its id.
pub async fn create(store: &Store, admin: Administrator<'_>, name: &str) -> AppResult<i64> {
    if let Administrator::User(user) = admin {
        user.require(Action::ManageAccounts)?;
    }
    Ok(store.create_team(name).await?)
}

/// Every team, with how many people work in it and how many practices it serves.
pub async fn list(store: &Store, user: &CurrentUser) -> AppResult<Vec<TeamSize>> {
    user.require(Action::ManageAccounts)?;
    Ok(store.team_sizes().await?)
}

/// Sets the team's phone number (parsed at the edge), given to its volunteers with each
/// visit so they can reach the team, and on appointment letters for changing an appointment.
pub async fn set_phone(
    store: &Store,
    admin: Administrator<'_>,
    team: i64,
    phone: &UkPhone,
) -> AppResult<()> {
    if let Administrator::User(user) = admin {
        user.require(Action::ManageAccounts)?;
    }
    if !store.set_team_phone(team, Some(phone.as_str())).await? {
        return Err(AppError::NotFound("team"));
    }
    Ok(())
}
