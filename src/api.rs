//! The JSON API's strict extractors and problem lists, shared by every `*/api.rs` handler
//! (the route table is in `app::api_routes`, so handlers never depend on it).
//!
//! Extractors here turn every malformed request into a problem document, so handlers
//! only ever see well-formed input.

use crate::error::{AppError, Problem};
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

/// A JSON body that must match its type exactly; failures become problem documents.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(JsonRejection::JsonDataError(e)) => {
                Err(AppError::validation("Invalid request body", e.body_text()))
            }
            Err(e) => Err(match e.status() {
                StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
                StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedMediaType,
                _ => AppError::BadBody(e.body_text()),
            }),
        }
    }
}

/// A numeric `{id}` path segment.
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        Path::<i64>::from_request_parts(parts, state)
            .await
            .map(|Path(id)| Id(id))
            .map_err(|_| {
                AppError::invalid_field(
                    "id",
                    "Invalid id",
                    "the id in the address must be a whole number",
                )
            })
    }
}

/// Query parameters, with the same strictness as bodies.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| ApiQuery(q))
            .map_err(|e| AppError::validation("Invalid query parameters", e.body_text()))
    }
}

/// Trims a free-text field and checks its length and characters (line breaks and tabs
/// allowed; other control and text-direction characters refused). The check is
/// `crate::input::text_field`; this is its `AppError` form for handlers.
pub fn text_field(field: &str, value: &str, min: usize, max: usize) -> Result<String, AppError> {
    Ok(crate::input::text_field(field, value, min, max)?)
}

/// As [`text_field`] for one-line values (names, identifiers): no line breaks or tabs either.
pub fn line_field(field: &str, value: &str, min: usize, max: usize) -> Result<String, AppError> {
    Ok(crate::input::line_field(field, value, min, max)?)
}

/// The problem documents any JSON write can answer with. Documentation only: handlers
/// return `AppError`, which renders these.
#[allow(dead_code)]
#[derive(utoipa::IntoResponses)]
pub enum WriteProblems {
    #[response(
        status = 400,
        description = "Malformed body",
        content_type = "application/problem+json"
    )]
    BadRequest(Problem),
    #[response(
        status = 401,
        description = "No valid bearer token",
        content_type = "application/problem+json"
    )]
    Unauthenticated(Problem),
    #[response(
        status = 403,
        description = "The role may not do this",
        content_type = "application/problem+json"
    )]
    Forbidden(Problem),
    #[response(
        status = 404,
        description = "Not found or not in your scope",
        content_type = "application/problem+json"
    )]
    NotFound(Problem),
    #[response(
        status = 409,
        description = "Changed by someone else, or a duplicate",
        content_type = "application/problem+json"
    )]
    Conflict(Problem),
    #[response(
        status = 413,
        description = "Body too large",
        content_type = "application/problem+json"
    )]
    TooLarge(Problem),
    #[response(
        status = 429,
        description = "Too many refused identity matches; try again later",
        content_type = "application/problem+json"
    )]
    TooMany(Problem),
    #[response(
        status = 415,
        description = "Body is not JSON",
        content_type = "application/problem+json"
    )]
    NotJson(Problem),
    #[response(
        status = 422,
        description = "Input refused; nothing was written",
        content_type = "application/problem+json"
    )]
    Invalid(Problem),
}

/// The problem documents any read can answer with (documentation only, as above).
#[allow(dead_code)]
#[derive(utoipa::IntoResponses)]
pub enum ReadProblems {
    #[response(
        status = 401,
        description = "No valid bearer token",
        content_type = "application/problem+json"
    )]
    Unauthenticated(Problem),
    #[response(
        status = 403,
        description = "The role may not do this",
        content_type = "application/problem+json"
    )]
    Forbidden(Problem),
    #[response(
        status = 404,
        description = "Not found or not in your scope",
        content_type = "application/problem+json"
    )]
    NotFound(Problem),
    #[response(
        status = 422,
        description = "Invalid parameters",
        content_type = "application/problem+json"
    )]
    Invalid(Problem),
}
