//! Who is acting: users, roles, password and token hashing, and the request extractor.
//!
//! Every handler takes a [`CurrentUser`]; permission checks go through [`policy`] so the
//! whole access policy lives in one place.

pub mod password_policy;
pub mod policy;
pub mod throttle;

use crate::app::AppState;
use crate::error::AppError;
use crate::people::coded_enum;
use argon2::password_hash::{rand_core::OsRng, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, PasswordHash};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

pub const SESSION_COOKIE: &str = "linkwell_session";

/// How long an API token lasts unless its maker asks for less (or more).
pub const DEFAULT_TOKEN_DAYS: i64 = 90;

coded_enum! {
    /// What a user is (docs/domain.md); what each may do is [`policy`] (docs/security.md).
    Role {
        LinkWorker = "link_worker": "Link worker",
        TeamLead = "team_lead": "Team lead",
        Referrer = "referrer": "Referrer",
        Vcse = "vcse": "Community organisation",
        Volunteer = "volunteer": "Volunteer",
        Analyst = "analyst": "Analyst",
        Admin = "admin": "Administrator",
    }
}

/// The signed-in user making the request.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub team_id: Option<i64>,
    /// Set for community organisation (VCSE) users.
    pub organisation: Option<String>,
    /// Present for cookie sessions: the token every form must echo back.
    #[serde(skip)]
    pub csrf_token: Option<String>,
    /// Identifies the request in the audit log (the caller's `X-Request-Id` if sane).
    #[serde(skip)]
    pub request_id: String,
    /// The API token the request came with (none for cookie sessions).
    #[serde(skip)]
    pub token_id: Option<i64>,
}

impl CurrentUser {
    /// Who is acting, for the audit log.
    pub fn audit_context(&self) -> crate::audit::AuditContext {
        crate::audit::AuditContext {
            actor_id: self.id,
            actor_role: self.role.code().to_string(),
            purpose: crate::audit::PURPOSE_DIRECT_CARE.to_string(),
            request_id: self.request_id.clone(),
        }
    }
}

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

/// Hashes a password with argon2id and a random salt (PHC string format).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing password: {e}"))
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A fresh random secret (API token or session id) and the hash that is stored instead.
pub fn new_secret(prefix: &str) -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let secret = format!("{prefix}{}", hex(&bytes));
    let hash = hash_secret(&secret);
    (secret, hash)
}

/// Tokens are high-entropy, so a plain SHA-256 is enough to make a stolen table useless.
pub fn hash_secret(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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

/// Compares secrets in time that depends only on their length, not on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The JSON API authenticates by bearer token only: cookies belong to the pages, whose
/// forms carry CSRF tokens, so a browser session can never drive the API cross-site.
impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = bearer_token(parts).ok_or(AppError::Unauthenticated)?;
        let mut user = state
            .store
            .user_by_token(&hash_secret(token))
            .await?
            .ok_or(AppError::Unauthenticated)?;
        user.request_id = request_id(&parts.headers);
        Ok(user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_with_the_right_password() {
        let phc = hash_password("correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &phc));
        assert!(!verify_password("wrong horse", &phc));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn secrets_are_random_and_stored_hashed() {
        let (a, ha) = new_secret("lw_");
        let (b, _) = new_secret("lw_");
        assert_ne!(a, b);
        assert!(a.starts_with("lw_") && a.len() == 67);
        assert_eq!(hash_secret(&a), ha);
        assert_ne!(ha, a);
    }
}
