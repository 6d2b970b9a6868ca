//! A user's own account: their API tokens, changing their password, and choosing one at a
//! one-time link (where nobody is signed in yet: the link is the credential).

use crate::accounts::{LinkHolder, PasswordChange, TokenInfo, ACCOUNT_PURPOSE};
use crate::audit::AuditContext;
use crate::auth::throttle::{self, Verdict};
use crate::auth::{self, CurrentUser};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::Store;
use chrono::{Duration, Utc};
use std::net::IpAddr;

/// The user's audit context for changes to accounts (not direct care).
pub fn account_context(user: &CurrentUser) -> AuditContext {
    AuditContext {
        purpose: ACCOUNT_PURPOSE.into(),
        ..user.audit_context()
    }
}

/// The user's API tokens that have not expired (never the tokens themselves).
pub async fn tokens(store: &Store, user: &CurrentUser) -> AppResult<Vec<TokenInfo>> {
    Ok(store.api_tokens_of(user.id).await?)
}

/// Issues the user a token with a checked `label` for `lifetime`; returns it with its
/// secret, shown this once.
pub async fn issue_token(
    store: &Store,
    user: &CurrentUser,
    label: &str,
    lifetime: Duration,
) -> AppResult<(TokenInfo, String)> {
    let mut expires = Utc::now() + lifetime;
    // A token can hand on only what it has: one issued with a token expires no later than
    // that token, so a stolen token cannot renew itself for a year.
    if let Some(parent) = user.token_id {
        let tokens = store.api_tokens_of(user.id).await?;
        if let Some(parent) = tokens.iter().find(|t| t.id == parent) {
            expires = expires.min(parent.expires_at);
        }
    }
    Ok(store
        .issue_audited_token(user.id, label, expires, &account_context(user))
        .await?)
}

/// Revokes one of the user's own tokens. The token making the request cannot revoke
/// itself (409), so a client never locks itself out by mistake.
pub async fn revoke_token(store: &Store, user: &CurrentUser, token_id: i64) -> AppResult<()> {
    if user.token_id == Some(token_id) {
        return Err(AppError::Conflict(
            "this is the token making the request: revoke it with another of your tokens (POST /me/tokens issues one)".into(),
        ));
    }
    if store
        .revoke_api_token(user.id, token_id, &account_context(user))
        .await?
    {
        Ok(())
    } else {
        Err(AppError::NotFound("token"))
    }
}

/// Whose password the one-time link `secret` sets, if it still works.
pub async fn password_link_holder(store: &Store, secret: &str) -> AppResult<Option<LinkHolder>> {
    Ok(store
        .password_link_holder(&auth::hash_secret(secret))
        .await?)
}

/// Sets the password through the one-time link `secret` and uses the link up. The new
/// password has passed the password policy. `None`: the link does not work (never did, was
/// used, even by a request a moment ago, or has expired).
pub async fn use_password_link(
    store: &Store,
    secret: &str,
    new_password: &str,
    request_id: &str,
) -> AppResult<Option<LinkHolder>> {
    let hashed = hash(new_password).await?;
    Ok(store
        .use_password_link(&auth::hash_secret(secret), &hashed, request_id)
        .await?)
}

/// Changes the user's own password if `current` is right, ending their other sessions
/// (`keep_session`: the secret of the one they are using) and every API token. The new
/// password has passed the password policy.
pub async fn change_password(
    state: &AppState,
    user: &CurrentUser,
    client: IpAddr,
    current: &str,
    new_password: &str,
    keep_session: Option<&str>,
) -> AppResult<PasswordChange> {
    let hashed = hash(new_password).await?;
    let keep = keep_session.map(auth::hash_secret).unwrap_or_default();
    // The current password is a password check like signing in: counted first, under the
    // same limits, so a session left open cannot be used to guess it.
    let account_key = throttle::account_key(&user.username);
    let address_key = throttle::address_key(client);
    let verdict = state
        .store
        .count_sign_in_attempt(
            &account_key,
            &address_key,
            Utc::now(),
            &state.settings.sign_in_limits,
        )
        .await?;
    if verdict != Verdict::Check {
        return Ok(PasswordChange::Throttled);
    }
    let change = state
        .store
        .change_password(user.id, current, &hashed, &keep, &account_context(user))
        .await?;
    if change == PasswordChange::Changed {
        state
            .store
            .sign_in_succeeded(&account_key, &address_key)
            .await?;
    }
    Ok(change)
}

/// Hashes a password off the async threads (argon2 takes a while on purpose).
async fn hash(password: &str) -> AppResult<String> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(AppError::Internal)
}
