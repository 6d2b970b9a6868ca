//! The SKOS export of the ontology (docs/ontology.md): `/api/v1/ontology.jsonld` and
//! `/api/v1/ontology.ttl`. No personal data; any signed-in user may read it.

use super::skos;
use crate::api::ReadProblems;
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::state::AppState;
use crate::usecases::ontology as usecase;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// Every Linkwell vocabulary as SKOS in JSON-LD: each a skos:ConceptScheme, each code a
/// skos:Concept with label, definition and mappings (SDOH Clinical Care categories, FHIR Task
/// statuses, ORUK needs terms).
#[utoipa::path(get, path = "/ontology.jsonld", tag = "ontology",
    responses(
        (status = 200, description = "The SKOS ontology as JSON-LD", body = Object, content_type = "application/ld+json"),
        ReadProblems))]
pub async fn ontology_json_ld(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Response> {
    let vocabularies = usecase::vocabularies(&user)?;
    let document = skos::json_ld(state.settings.public_url(), &vocabularies);
    Ok((
        [(header::CONTENT_TYPE, "application/ld+json")],
        serde_json::to_string_pretty(&document).unwrap_or_default(),
    )
        .into_response())
}

/// The same SKOS ontology in Turtle.
#[utoipa::path(get, path = "/ontology.ttl", tag = "ontology",
    responses(
        (status = 200, description = "The SKOS ontology as Turtle", body = String, content_type = "text/turtle"),
        ReadProblems))]
pub async fn ontology_turtle(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Response> {
    let vocabularies = usecase::vocabularies(&user)?;
    Ok((
        [(header::CONTENT_TYPE, "text/turtle")],
        skos::turtle(state.settings.public_url(), &vocabularies),
    )
        .into_response())
}
