//! Who is acting: users, roles, password and token hashing, and the request extractor.
//!
//! Every handler takes a [`CurrentUser`]; permission checks go through [`policy`] so the
//! whole access policy lives in one place.

pub mod extract;
pub mod password_policy;
pub mod policy;
pub mod throttle;

use crate::people::coded_enum;
use argon2::password_hash::{rand_core::OsRng, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, PasswordHash};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use utoipa::ToSchema;

pub use extract::{cookie, request_id, session_cookie};

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
    let secret = format!("{prefix}{}", hex::encode(bytes));
    let hash = hash_secret(&secret);
    (secret, hash)
}

/// Tokens are high-entropy, so a plain SHA-256 is enough to make a stolen table useless.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compares secrets in time that depends only on their length, not on where they differ
/// (`subtle`'s constant-time equality; slices of different lengths are simply unequal).
pub fn same_secret(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
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

    /// FIPS 180-2's worked example: SHA-256 of "abc", written as lower-case hex.
    #[test]
    fn secrets_hash_to_lower_case_hex_sha256() {
        assert_eq!(
            hash_secret("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn secrets_are_the_same_only_when_every_byte_is() {
        assert!(same_secret("csrf-token", "csrf-token"));
        assert!(same_secret("", ""));
        assert!(!same_secret("csrf-token", "csrf-tokeN"));
        assert!(!same_secret("csrf-token", "csrf-toke"));
        assert!(!same_secret("csrf-toke", "csrf-token"));
        assert!(!same_secret("", "x"));
    }
}
