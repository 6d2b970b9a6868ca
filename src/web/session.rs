//! Signing in and out. An attempt is counted against the account and the address before
//! its password is checked (see `auth::throttle`); a sign-in is a browser-session cookie
//! whose server-side session ends after 30 idle minutes or at its absolute limit.

use super::extract::{check_csrf, PageForm, PageUser};
use super::render::{error_page, render};
use super::views::{Layout, SignInPage};
use crate::accounts::SignIn;
use crate::auth::{self, SESSION_COOKIE};
use crate::state::AppState;
use crate::usecases::sessions;
use axum::extract::{ConnectInfo, State};
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

#[derive(Deserialize, Default)]
#[serde(default)]
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
    PageForm { fields: form, .. }: PageForm<SignInForm>,
) -> Response {
    let username = form.username.trim().to_string();
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
    let session = match sessions::sign_in(&state, &username, &form.password, peer.ip()).await {
        Ok(SignIn::Session(session)) => session,
        Ok(SignIn::WrongCredentials) => {
            return refuse(
                "The username or password is not right. Check them and try again.".into(),
                StatusCode::UNAUTHORIZED,
            )
        }
        Ok(SignIn::AccountLocked { retry_after }) => {
            let wait = seconds_to_wait(retry_after);
            return throttled(
                format!(
                    "Too many failed sign-ins for this account. Try again in {} minutes, or ask an administrator to unlock it.",
                    (wait + 59) / 60
                ),
                wait,
                refuse,
            );
        }
        Ok(SignIn::AddressDelayed { retry_after }) => {
            let wait = seconds_to_wait(retry_after);
            return throttled(
                format!(
                    "Too many failed sign-ins from this network. Wait {wait} seconds and try again."
                ),
                wait,
                refuse,
            );
        }
        Err(e) => return error_page(None, e),
    };
    // No Max-Age or Expires: the cookie goes when the browser closes, and the server ends
    // the session sooner if it sits idle or reaches its absolute limit.
    let cookie = format!(
        "{SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=Strict{}",
        secure_attribute(secure)
    );
    ([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response()
}

/// The sign-in form again with why the throttle refused, and when to try again.
fn throttled(
    message: String,
    wait: i64,
    refuse: impl Fn(String, StatusCode) -> Response,
) -> Response {
    let mut response = refuse(message, StatusCode::TOO_MANY_REQUESTS);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(wait));
    response
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn sign_out(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    PageForm { fields: form, .. }: PageForm<CsrfForm>,
) -> Response {
    if let Err(e) = check_csrf(&user, &form.csrf) {
        return error_page(Some(&user), e);
    }
    let cookie_value = auth::session_cookie(&headers);
    if let Some(session) = cookie_value {
        if let Err(e) = sessions::sign_out(&state.store, &user, session).await {
            return error_page(Some(&user), e);
        }
    }
    let clear = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    ([(header::SET_COOKIE, clear)], Redirect::to("/sign-in")).into_response()
}
