//! Consent to share with a community organisation (recording, withdrawing, confirming
//! consent that came with a referral), and the organisation's side: the connections sent
//! to it and its answers to them.

use crate::auth::policy::Action;
use crate::auth::CurrentUser;
use crate::consent::{organisation_answer, Consent, ConsentMethod, SharedConnection, SharedField};
use crate::error::{AppError, AppResult};
use crate::referrals::ConnectionStatus;
use crate::store::Store;

/// Records the person's consent to share `share` with `organisation` (checked text), for a
/// referral in the user's scope.
pub async fn record(
    store: &Store,
    user: &CurrentUser,
    referral_id: i64,
    organisation: &str,
    mut share: Vec<SharedField>,
    method: ConsentMethod,
) -> AppResult<Consent> {
    user.require(Action::WriteCasework)?;
    if share.is_empty() {
        return Err(AppError::invalid_field(
            "share",
            "Nothing to share",
            "say which details the person agrees to share (at least one)",
        ));
    }
    share.sort_by_key(|f| f.code());
    share.dedup();
    Ok(store
        .add_consent(
            referral_id,
            user.case_scope(),
            organisation,
            &share,
            method,
            &user.audit_context(),
        )
        .await?)
}

/// Withdraws a consent: nothing more is shared under it.
pub async fn withdraw(store: &Store, user: &CurrentUser, id: i64) -> AppResult<Consent> {
    user.require(Action::WriteCasework)?;
    Ok(store
        .withdraw_consent(id, user.case_scope(), &user.audit_context())
        .await?)
}

/// Confirms consent that arrived with a referral, once checked with the person.
pub async fn confirm(store: &Store, user: &CurrentUser, id: i64) -> AppResult<Consent> {
    user.require(Action::WriteCasework)?;
    Ok(store
        .confirm_consent(id, user.case_scope(), &user.audit_context())
        .await?)
}

/// The organisation an account speaks for; an account without one may not see any.
fn organisation_of(user: &CurrentUser) -> AppResult<String> {
    user.organisation
        .clone()
        .ok_or_else(|| AppError::Forbidden("this account is not linked to an organisation".into()))
}

/// For a community organisation: the connections sent to it under a consent still in
/// force, each with only the details the person agreed to share (each one audited).
pub async fn organisation_connections(
    store: &Store,
    user: &CurrentUser,
) -> AppResult<Vec<SharedConnection>> {
    user.require(Action::ReadOrganisationConnections)?;
    let organisation = organisation_of(user)?;
    Ok(store
        .organisation_connections(&organisation, &user.audit_context())
        .await?)
}

/// An organisation's answer to a connection (for the API, FHIR and the inbox page), with
/// `reason` as typed: answers with the connection as the organisation's inbox shows it,
/// never the link worker's record of it (private notes, internal ids).
pub async fn answer(
    store: &Store,
    user: &CurrentUser,
    id: i64,
    status: ConnectionStatus,
    reason: &str,
) -> AppResult<SharedConnection> {
    user.require(Action::ReadOrganisationConnections)?;
    let organisation = organisation_of(user)?;
    let note = organisation_answer(status, reason)?;
    let ctx = user.audit_context();
    store
        .organisation_sets_connection_status(id, &organisation, status, &note, &ctx)
        .await?;
    Ok(store
        .organisation_connection(&organisation, id, &ctx)
        .await?)
}
