//! Signing in and out. An attempt is counted against the account and the address before
//! its password is checked (see `auth::throttle`); a sign-in is a browser-session cookie
//! whose server-side session ends after 30 idle minutes or at its absolute limit.

use super::extract::{check_csrf, PageUser};
use super::render::{error_page, render};
use super::views::{Layout, SignInPage};
use crate::auth::throttle::{self, Verdict};
use crate::auth::{self, SESSION_COOKIE};
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{ConnectInfo, Form, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::net::SocketAddr;

/// Cookie holding the sign-in form's CSRF token (double submit: there is no session yet).
const SIGN_IN_COOKIE: &str = "linkwell_sign_in";

/// The sign-in form with a fresh CSRF token, in the page and in a cookie scoped to it.
fn sign_in_form(
    error: Option<String>,
    username: String,
    status: StatusCode,
    secure: bool,
) -> Response {
    let (token, _) = auth::new_secret("");
    let page = SignInPage {
        layout: Layout::new("Sign in", None),
        error,
        username,
        csrf: token.clone(),
    };
    let cookie = format!(
        "{SIGN_IN_COOKIE}={token}; Path=/sign-in; HttpOnly; SameSite=Strict; Max-Age=3600{}",
        secure_attribute(secure)
    );
    ([(header::SET_COOKIE, cookie)], render(&page, status)).into_response()
}

fn secure_attribute(secure: bool) -> &'static str {
    if secure {
        "; Secure"
    } else {
        ""
    }
}

pub async fn sign_in_page(State(state): State<AppState>) -> Response {
    sign_in_form(
        None,
        String::new(),
        StatusCode::OK,
        state.settings.secure_cookies,
    )
}

#[derive(Deserialize)]
pub struct SignInForm {
    username: String,
    password: String,
    /// Missing on a form from before the token existed: refused like a wrong one.
    #[serde(default)]
    csrf: String,
}

/// Whole seconds to wait, rounded up and at least one.
fn seconds_to_wait(wait: chrono::Duration) -> i64 {
    ((wait.num_milliseconds() + 999) / 1000).max(1)
}

pub async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let username = form.username.trim().to_string();
    let account_key = throttle::account_key(&username);
    let address_key = throttle::address_key(peer.ip());
    let limits = state.settings.sign_in_limits;
    let secure = state.settings.secure_cookies;
    let refuse = |message: String, status: StatusCode| {
        sign_in_form(Some(message), username.clone(), status, secure)
    };
    let cookie = auth::cookie(&headers, SIGN_IN_COOKIE);
    if !cookie.is_some_and(|c| auth::same_secret(c, &form.csrf)) {
        return refuse(
            "The sign-in form had expired. Enter your username and password again.".into(),
            StatusCode::FORBIDDEN,
        );
    }
    // Count first, then check: the attempt is counted (and decided) under a lock before
    // the password is looked at, so parallel guesses cannot pass the limit together.
    let verdict = state
        .store
        .count_sign_in_attempt(&account_key, &address_key, chrono::Utc::now(), &limits)
        .await;
    let (message, wait) = match verdict {
        Ok(Verdict::Check) => (None, 0),
        Ok(Verdict::AccountLocked { retry_after }) => {
            let wait = seconds_to_wait(retry_after);
            (
                Some(format!(
                    "Too many failed sign-ins for this account. Try again in {} minutes, or ask an administrator to unlock it.",
                    (wait + 59) / 60
                )),
                wait,
            )
        }
        Ok(Verdict::AddressDelayed { retry_after }) => {
            let wait = seconds_to_wait(retry_after);
            (
                Some(format!(
                    "Too many failed sign-ins from this network. Wait {wait} seconds and try again."
                )),
                wait,
            )
        }
        Err(e) => return error_page(None, AppError::Internal(e)),
    };
    if let Some(message) = message {
        // For whoever watches the logs: a guessing attack shows up here (no password logged).
        tracing::warn!(account = %account_key, address = %address_key, wait_seconds = wait, "sign-in refused by the throttle");
        let mut response = refuse(message, StatusCode::TOO_MANY_REQUESTS);
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return response;
    }
    let user = match state.store.authenticate(&username, &form.password).await {
        Ok(user) => user,
        Err(e) => return error_page(None, AppError::Internal(e)),
    };
    let Some(user) = user else {
        return refuse(
            "The username or password is not right. Check them and try again.".into(),
            StatusCode::UNAUTHORIZED,
        );
    };
    // Only failures count: a success forgets the account's, and its own at this address.
    let lifetime = chrono::Duration::hours(state.settings.session_hours);
    let session = match state
        .store
        .sign_in_succeeded(&account_key, &address_key)
        .await
    {
        Ok(()) => state.store.create_session(user.id, lifetime).await,
        Err(e) => Err(e),
    };
    let session = match session {
        Ok(s) => s,
        Err(e) => return error_page(None, AppError::Internal(e)),
    };
    // No Max-Age or Expires: the cookie goes when the browser closes, and the server ends
    // the session sooner if it sits idle or reaches its absolute limit.
    let cookie = format!(
        "{SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=Strict{}",
        secure_attribute(secure)
    );
    ([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response()
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn sign_out(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(e) = check_csrf(&user, &form.csrf) {
        return error_page(Some(&user), e);
    }
    let cookie_value = auth::session_cookie(&headers);
    if let Some(session) = cookie_value {
        if let Err(e) = state.store.end_session(&auth::hash_secret(session)).await {
            return error_page(Some(&user), AppError::Internal(e));
        }
    }
    let clear = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    ([(header::SET_COOKIE, clear)], Redirect::to("/sign-in")).into_response()
}
