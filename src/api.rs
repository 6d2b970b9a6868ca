//! The JSON API under `/api/v1`: route table, OpenAPI document and strict extractors.
//!
//! Extractors here turn every malformed request into a problem document, so handlers
//! only ever see well-formed input.

use crate::error::{AppError, Problem};
use crate::state::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Linkwell API",
        description = "Social prescribing referrals, caseload, measures and connections. \
            Every endpoint needs a bearer API token. Errors are RFC 9457 problem documents.",
        license(name = "AGPL-3.0-or-later")
    ),
    servers((url = "/api/v1")),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    components(schemas(Problem))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// Every API route, each with its OpenAPI description, so the document cannot drift.
pub fn routes() -> OpenApiRouter<AppState> {
    use crate::accounts::api as accounts;
    use crate::activity::api as activity;
    use crate::capacity::api as capacity;
    use crate::consent::api as consent;
    use crate::directory::api as directory;
    use crate::equity::api as equity;
    use crate::geo::api as geo;
    use crate::messages::api as messages;
    use crate::people::api as people;
    use crate::referrals::api as referrals;
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(referrals::me))
        .routes(routes!(accounts::list_tokens, accounts::issue_token))
        .routes(routes!(accounts::revoke_token))
        .routes(routes!(geo::look_up_postcode))
        .routes(routes!(people::create_person))
        .routes(routes!(people::get_person))
        .routes(routes!(referrals::create_referral))
        .routes(routes!(referrals::get_referral))
        .routes(routes!(referrals::transition))
        .routes(routes!(referrals::assign))
        .routes(routes!(referrals::add_contact))
        .routes(routes!(referrals::add_need))
        .routes(routes!(referrals::add_goal))
        .routes(routes!(referrals::add_goal_progress))
        .routes(routes!(referrals::add_barrier))
        .routes(routes!(referrals::add_measure))
        .routes(routes!(referrals::add_connection))
        .routes(routes!(referrals::set_connection_status))
        .routes(routes!(messages::list_messages, messages::send_message))
        .routes(routes!(crate::safeguarding::api::record_concern))
        .routes(routes!(crate::safeguarding::api::list_concerns))
        .routes(routes!(referrals::caseload))
        .routes(routes!(referrals::list_services, referrals::create_service))
        .routes(routes!(consent::add_consent))
        .routes(routes!(consent::withdraw_consent))
        .routes(routes!(consent::confirm_consent))
        .routes(routes!(consent::organisation_connections))
        .routes(routes!(consent::answer_connection))
        .routes(routes!(equity::equity_report))
        .routes(routes!(capacity::capacity_report))
        .routes(routes!(activity::activity_report))
        .routes(routes!(directory::search))
        .routes(routes!(directory::matches))
        .routes(routes!(directory::change_listing))
        .routes(routes!(directory::listing_history))
        .routes(routes!(crate::ontology::api::ontology_json_ld))
        .routes(routes!(crate::ontology::api::ontology_turtle))
}

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
