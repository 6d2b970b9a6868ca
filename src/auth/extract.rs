//! Who is asking, from an HTTP request: the API's bearer token (the `CurrentUser`
//! extractor), the request id, and cookies. The only part of `auth` that speaks HTTP.

use super::{new_secret, CurrentUser, SESSION_COOKIE};
use crate::error::AppError;
use crate::state::AppState;
use crate::usecases::sessions;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};

/// The request id to audit under: the caller's `X-Request-Id` when it is short and plain,
/// otherwise a fresh random one.
pub fn request_id(headers: &HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(str::to_string)
        .unwrap_or_else(|| new_secret("").0[..32].to_string())
}

fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
}

/// The session secret from the request's cookies, if any.
pub fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    cookie(headers, SESSION_COOKIE)
}

/// One cookie's value from the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The JSON API authenticates by bearer token only: cookies belong to the pages, whose
/// forms carry CSRF tokens, so a browser session can never drive the API cross-site.
impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = bearer_token(parts).ok_or(AppError::Unauthenticated)?;
        let mut user = sessions::user_for_token(&state.store, token)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        user.request_id = request_id(&parts.headers);
        Ok(user)
    }
}
