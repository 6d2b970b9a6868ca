//! Who is asking: signing in (throttled), finding the user of an API token or a session,
//! and signing out. Signing in has no acting user yet: it takes the credentials as typed
//! and the client's address, which the throttle counts against.

use crate::accounts::SignIn;
use crate::auth::throttle::{self, Verdict};
use crate::auth::{self, CurrentUser};
use crate::error::AppResult;
use crate::state::AppState;
use crate::store::Store;
use chrono::{Duration, Utc};
use std::net::IpAddr;

/// Signs a user in: the attempt is counted against the account and the address before the
/// password is looked at (see `auth::throttle`), and only a success starts a session.
pub async fn sign_in(
    state: &AppState,
    username: &str,
    password: &str,
    client: IpAddr,
) -> AppResult<SignIn> {
    let account_key = throttle::account_key(username);
    let address_key = throttle::address_key(client);
    // Count first, then check: the attempt is counted (and decided) under a lock before
    // the password is looked at, so parallel guesses cannot pass the limit together.
    let verdict = state
        .store
        .count_sign_in_attempt(
            &account_key,
            &address_key,
            Utc::now(),
            &state.settings.sign_in_limits,
        )
        .await?;
    let refusal = match verdict {
        Verdict::Check => None,
        Verdict::AccountLocked { retry_after } => {
            Some((SignIn::AccountLocked { retry_after }, retry_after))
        }
        Verdict::AddressDelayed { retry_after } => {
            Some((SignIn::AddressDelayed { retry_after }, retry_after))
        }
    };
    if let Some((refusal, retry_after)) = refusal {
        // For whoever watches the logs: a guessing attack shows up here (no password logged).
        tracing::warn!(account = %account_key, address = %address_key,
            wait_seconds = retry_after.num_seconds(), "sign-in refused by the throttle");
        return Ok(refusal);
    }
    let Some(user) = state.store.authenticate(username, password).await? else {
        return Ok(SignIn::WrongCredentials);
    };
    // Only failures count: a success forgets the account's, and its own at this address.
    state
        .store
        .sign_in_succeeded(&account_key, &address_key)
        .await?;
    let lifetime = Duration::hours(state.settings.session_hours);
    Ok(SignIn::Session(
        state.store.create_session(user.id, lifetime).await?,
    ))
}

/// The user an API bearer token belongs to, if it is known, unexpired and its account
/// enabled.
pub async fn user_for_token(store: &Store, token: &str) -> AppResult<Option<CurrentUser>> {
    Ok(store.user_by_token(&auth::hash_secret(token)).await?)
}

/// The user of a cookie session that has neither sat idle too long nor reached its
/// absolute limit; using it keeps it alive.
pub async fn user_for_session(state: &AppState, session: &str) -> AppResult<Option<CurrentUser>> {
    let idle = Duration::minutes(state.settings.session_idle_minutes);
    Ok(state
        .store
        .user_by_session(&auth::hash_secret(session), idle)
        .await?)
}

/// Ends the signed-in user's session (`session`: its secret from the cookie).
pub async fn sign_out(store: &Store, _user: &CurrentUser, session: &str) -> AppResult<()> {
    Ok(store.end_session(&auth::hash_secret(session)).await?)
}
