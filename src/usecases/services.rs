//! The minimal list of community services connections are made to (the full directory,
//! in Open Referral UK form, is `directory`).

use crate::auth::policy::Action;
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::referrals::Service;
use crate::store::Store;

/// Every community service a connection can be made to.
pub async fn list(store: &Store, user: &CurrentUser) -> AppResult<Vec<Service>> {
    user.require(Action::ReadServices)?;
    Ok(store.services().await?)
}

/// Adds a community service; the texts are checked.
pub async fn create(
    store: &Store,
    user: &CurrentUser,
    name: &str,
    organisation: &str,
    description: &str,
) -> AppResult<Service> {
    user.require(Action::ManageServices)?;
    Ok(store
        .create_service(name, organisation, description)
        .await?)
}
