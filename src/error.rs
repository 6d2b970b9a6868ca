//! One error type for the whole application, rendered as an RFC 9457 problem document.
//!
//! Internal failures are logged with their detail and shown to the caller only as a
//! generic 500, so database messages never leak personal data or schema details.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// Everything a request can fail with. Variants map one-to-one onto HTTP statuses.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The input was understood but is not acceptable (bad postcode, bad NHS number, ...).
    #[error("{detail}")]
    Validation {
        title: &'static str,
        detail: String,
        field: Option<String>,
    },
    #[error("sign-in required")]
    Unauthenticated,
    #[error("not permitted: {0}")]
    Forbidden(String),
    /// Also used for records outside the actor's scope, so existence is not revealed.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Someone else changed the record since the caller read it.
    #[error("{0}")]
    Conflict(String),
    #[error("request body is not acceptable: {0}")]
    BadBody(String),
    /// Too many refused attempts in a while (identity matching); try again later.
    #[error("{0}")]
    TooManyRequests(String),
    #[error("the request body is larger than the {} KiB allowed", crate::app::MAX_BODY_BYTES / 1024)]
    PayloadTooLarge,
    #[error("send the body as JSON with Content-Type: application/json")]
    UnsupportedMediaType,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn validation(title: &'static str, detail: impl Into<String>) -> Self {
        AppError::Validation {
            title,
            detail: detail.into(),
            field: None,
        }
    }

    pub fn invalid_field(field: &str, title: &'static str, detail: impl Into<String>) -> Self {
        AppError::Validation {
            title,
            detail: detail.into(),
            field: Some(field.to_string()),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadBody(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status();
        let (kind, title, field) = match self {
            AppError::Validation { title, field, .. } => ("validation", *title, field.clone()),
            AppError::BadBody(_) => ("bad-body", "Request body is not acceptable", None),
            AppError::Unauthenticated => ("unauthenticated", "Sign-in required", None),
            AppError::Forbidden(_) => ("forbidden", "Not permitted", None),
            AppError::NotFound(_) => ("not-found", "Not found", None),
            AppError::Conflict(_) => ("conflict", "Changed by someone else", None),
            AppError::TooManyRequests(_) => ("too-many-requests", "Too many attempts", None),
            AppError::PayloadTooLarge => ("payload-too-large", "Request body too large", None),
            AppError::UnsupportedMediaType => {
                ("unsupported-media-type", "Unsupported media type", None)
            }
            AppError::Internal(_) => ("internal", "Internal error", None),
        };
        let detail = match self {
            AppError::Internal(_) => {
                "Something went wrong on our side. Nothing was changed.".into()
            }
            other => other.to_string(),
        };
        Problem {
            problem_type: format!("/problems/{kind}"),
            title: title.to_string(),
            status: status.as_u16(),
            detail,
            field,
        }
    }
}

/// RFC 9457 problem details. `field` is an extension member naming the offending input.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(err) = &self {
            tracing::error!(error = ?err, "internal error");
        }
        let problem = self.problem();
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        (
            self.status(),
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response()
    }
}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        AppError::Internal(err.into())
    }
}

pub type AppResult<T> = Result<T, AppError>;
