//! `/api/v1/me/tokens`: a user's own API tokens, listed, issued with a label and an
//! expiry, and revoked. Nobody sees or revokes anyone else's tokens here (administrators
//! revoke an account's tokens from /admin).

use crate::api::{text_field, ApiJson, Id, ReadProblems, WriteProblems};
use crate::audit::AuditContext;
use crate::auth::{CurrentUser, DEFAULT_TOKEN_DAYS};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::accounts::{TokenInfo, ACCOUNT_PURPOSE};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The longest a token may be issued for.
pub const MAX_TOKEN_DAYS: i64 = 366;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenInput {
    /// What the token is for (a script's or a system's name), to recognise it by later.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub label: String,
    /// Days until the token stops working: 1 to 366, 90 if not given.
    #[schema(minimum = 1, maximum = 366)]
    pub expires_in_days: Option<i64>,
}

/// A newly issued token: `token` is shown this once and only its hash is kept.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedToken {
    pub id: i64,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub token: String,
}

fn account_context(user: &CurrentUser) -> AuditContext {
    AuditContext {
        purpose: ACCOUNT_PURPOSE.into(),
        ..user.audit_context()
    }
}

/// The caller's API tokens that have not expired (never the tokens themselves).
#[utoipa::path(get, path = "/me/tokens", tag = "account",
    responses((status = 200, body = Vec<TokenInfo>), ReadProblems))]
pub async fn list_tokens(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<Vec<TokenInfo>>> {
    Ok(Json(state.store.api_tokens_of(user.id).await?))
}

/// Issues the caller a new API token with a label and an expiry.
#[utoipa::path(post, path = "/me/tokens", tag = "account", request_body = TokenInput,
    responses((status = 201, body = IssuedToken), WriteProblems))]
pub async fn issue_token(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(input): ApiJson<TokenInput>,
) -> AppResult<(StatusCode, Json<IssuedToken>)> {
    if input.label.chars().count() > 100 {
        return Err(AppError::invalid_field(
            "label",
            "Text too long",
            "label must be at most 100 characters",
        ));
    }
    let label = text_field("label", &input.label, 1, 100)?;
    let days = input.expires_in_days.unwrap_or(DEFAULT_TOKEN_DAYS);
    if !(1..=MAX_TOKEN_DAYS).contains(&days) {
        return Err(AppError::invalid_field(
            "expires_in_days",
            "Invalid expiry",
            format!("a token lasts from 1 to {MAX_TOKEN_DAYS} days"),
        ));
    }
    let mut expires = Utc::now() + chrono::Duration::days(days);
    // A token can hand on only what it has: one issued with a token expires no later than
    // that token, so a stolen token cannot renew itself for a year.
    if let Some(parent) = user.token_id {
        let tokens = state.store.api_tokens_of(user.id).await?;
        if let Some(parent) = tokens.iter().find(|t| t.id == parent) {
            expires = expires.min(parent.expires_at);
        }
    }
    let (info, token) = state
        .store
        .issue_audited_token(user.id, &label, expires, &account_context(&user))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(IssuedToken {
            id: info.id,
            label: info.label,
            created_at: info.created_at,
            expires_at: info.expires_at,
            token,
        }),
    ))
}

/// Revokes one of the caller's own tokens at once. The token making the request cannot
/// revoke itself (409): issue a new token and revoke the old one with it, so a client
/// never locks itself out by mistake; an administrator can revoke all of an account's.
#[utoipa::path(post, path = "/me/tokens/{id}/revocation", tag = "account",
    params(("id" = i64, Path)),
    responses((status = 204, description = "revoked"), WriteProblems))]
pub async fn revoke_token(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
) -> AppResult<StatusCode> {
    if user.token_id == Some(id) {
        return Err(AppError::Conflict(
            "this is the token making the request: revoke it with another of your tokens (POST /me/tokens issues one)".into(),
        ));
    }
    if state
        .store
        .revoke_api_token(user.id, id, &account_context(&user))
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound("token"))
    }
}
