//! Accounts: who may sign in and how. A user's own API tokens (`accounts/api.rs`), the
//! account as an administrator sees it, one-time password links, and the values the use
//! cases in `usecases::accounts`, `usecases::sessions`, `usecases::users` and
//! `usecases::teams` pass between the edges and the store. The rules they share (password
//! policy, sign-in throttling) live in `auth`.

pub mod api;

use crate::auth::Role;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// The purpose recorded in the audit log for account changes.
pub const ACCOUNT_PURPOSE: &str = "account administration";

/// A new account. Without a password its user is invited by a one-time link.
pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub team_id: Option<i64>,
    pub organisation: Option<&'a str>,
    pub password: Option<&'a str>,
}

/// An account, as an administrator sees it (no casework).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub team: Option<String>,
    pub organisation: Option<String>,
    pub disabled: bool,
    /// False until the user has chosen a password at their one-time link.
    pub has_password: bool,
    /// Sessions and API tokens that are still in force.
    pub sessions: i64,
    pub tokens: i64,
}

/// A team with how many people work in it and how many practices it serves.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TeamSize {
    pub id: i64,
    pub name: String,
    pub members: i64,
    pub practices: i64,
}

/// Whose password a one-time link sets, for the page that uses it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LinkHolder {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
}

/// An API token as its owner sees it: never the token itself, which is shown once.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct TokenInfo {
    pub id: i64,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// What an attempt to change one's own password came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordChange {
    Changed,
    WrongCurrentPassword,
    /// Too many wrong passwords lately: the current one was not even checked.
    Throttled,
}

/// What a sign-in came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignIn {
    /// Signed in: the new session's secret, for the cookie.
    Session(String),
    /// Refused by the throttle before the password was looked at: the account has had its
    /// failures for this window.
    AccountLocked { retry_after: Duration },
    /// Refused by the throttle: the address must wait a little before its next attempt.
    AddressDelayed { retry_after: Duration },
    /// The username or password is not right.
    WrongCredentials,
}
