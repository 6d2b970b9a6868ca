//! `/api/v1/me/tokens`: a user's own API tokens, listed, issued with a label and an
//! expiry, and revoked. Nobody sees or revokes anyone else's tokens here (administrators
//! revoke an account's tokens from /admin).

use crate::accounts::TokenInfo;
use crate::api::{text_field, ApiJson, Id, ReadProblems, WriteProblems};
use crate::auth::{CurrentUser, DEFAULT_TOKEN_DAYS};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::usecases::accounts;
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

/// The caller's API tokens that have not expired (never the tokens themselves).
#[utoipa::path(get, path = "/me/tokens", tag = "account",
    responses((status = 200, body = Vec<TokenInfo>), ReadProblems))]
pub async fn list_tokens(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<Vec<TokenInfo>>> {
    Ok(Json(accounts::tokens(&state.store, &user).await?))
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
    let (info, token) =
        accounts::issue_token(&state.store, &user, &label, chrono::Duration::days(days)).await?;
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
    accounts::revoke_token(&state.store, &user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
