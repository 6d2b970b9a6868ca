//! `/fhir/CodeSystem` and `/fhir/ValueSet`: Linkwell's coded vocabularies as FHIR R4
//! terminology resources (docs/ontology.md), each CodeSystem complete, with code, display and
//! definition for every concept, and one ValueSet of all its codes (with `$expand`).
//!
//! Canonical URLs are built on the configured public address, so they are the same whoever
//! asks. The lists carry no personal data: any signed-in user may read them.

use super::api::FhirError;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::ontology::{code_system_url, value_set_url, Vocabulary, VERSION};
use crate::public_url::PublicUrl;
use crate::state::AppState;
use crate::usecases::ontology as usecase;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

const FHIR_JSON: &str = "application/fhir+json; fhirVersion=4.0";

/// The routes, merged into `/fhir` by `fhir::api::routes`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/CodeSystem", get(search_code_systems))
        .route("/CodeSystem/{id}", get(read_code_system))
        .route("/ValueSet", get(search_value_sets))
        .route("/ValueSet/$expand", get(expand_by_url))
        .route("/ValueSet/%24expand", get(expand_by_url))
        .route("/ValueSet/{id}", get(read_value_set))
        .route("/ValueSet/{id}/$expand", get(expand))
        .route("/ValueSet/{id}/%24expand", get(expand))
}

/// The CapabilityStatement's entries for the two types.
pub fn capability_entries() -> Vec<Value> {
    let params = || {
        json!([
            {"name": "url", "type": "uri", "documentation": "the canonical URL"},
            {"name": "_id", "type": "token"},
        ])
    };
    vec![
        json!({
            "type": "CodeSystem",
            "documentation": "Linkwell's coded vocabularies (needs, barriers, contact modes, close reasons, referrer kinds, consent fields, outcome measures and the other coded lists of the API), each complete, with a definition for every code. No personal data; any signed-in user may read them. The same concepts as SKOS: /api/v1/ontology.ttl and /api/v1/ontology.jsonld.",
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": params(),
        }),
        json!({
            "type": "ValueSet",
            "documentation": "One ValueSet per CodeSystem, holding all its codes; $expand lists them.",
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": params(),
            "operation": [{"name": "expand", "definition": "http://hl7.org/fhir/OperationDefinition/ValueSet-expand",
                "documentation": "GET /fhir/ValueSet/{id}/$expand, or GET /fhir/ValueSet/$expand?url=... : every code of the value set"}],
        }),
    ]
}

/// A vocabulary as a complete FHIR CodeSystem.
pub fn code_system(base: &PublicUrl, v: &Vocabulary) -> Value {
    let mut resource = json!({
        "resourceType": "CodeSystem",
        "id": v.id,
        "url": code_system_url(base, v.id),
        "version": VERSION,
        "name": v.name,
        "title": v.title,
        "status": "active",
        "experimental": false,
        "publisher": "Linkwell",
        "description": v.description,
        "caseSensitive": true,
        "valueSet": value_set_url(base, v.id),
        "content": "complete",
        "count": v.concepts.len(),
        "concept": v.concepts.iter().map(|c| {
            let mut concept = json!({"code": c.code, "display": c.display});
            if let Some(definition) = c.definition {
                concept["definition"] = json!(definition);
            }
            concept
        }).collect::<Vec<_>>(),
    });
    if let Some(system) = v.legacy_system {
        // The system Linkwell's other FHIR resources already code these concepts with.
        resource["identifier"] = json!([{"system": "urn:ietf:rfc:3986", "value": system}]);
    }
    resource
}

/// The ValueSet of every code in a vocabulary.
pub fn value_set(base: &PublicUrl, v: &Vocabulary) -> Value {
    json!({
        "resourceType": "ValueSet",
        "id": v.id,
        "url": value_set_url(base, v.id),
        "version": VERSION,
        "name": v.name,
        "title": v.title,
        "status": "active",
        "experimental": false,
        "publisher": "Linkwell",
        "description": format!("Every code of the {} code system. {}", v.title, v.description),
        "immutable": false,
        "compose": {"include": [{"system": code_system_url(base, v.id), "version": VERSION}]},
    })
}

/// The ValueSet with its expansion: every code, with its display, at `timestamp`.
pub fn expanded_value_set(base: &PublicUrl, v: &Vocabulary, timestamp: &str) -> Value {
    let system = code_system_url(base, v.id);
    let mut resource = value_set(base, v);
    resource["expansion"] = json!({
        "timestamp": timestamp,
        "total": v.concepts.len(),
        "contains": v.concepts.iter().map(|c| json!({
            "system": system, "version": VERSION, "code": c.code, "display": c.display,
        })).collect::<Vec<_>>(),
    });
    resource
}

fn respond(resource: Value) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, FHIR_JSON)],
        Json(resource),
    )
        .into_response()
}

type Result<T> = std::result::Result<T, FhirError>;

/// The search's filter: a canonical `url` and/or an `_id`; anything else is refused, as every
/// Linkwell search refuses what it does not support.
fn filter(params: &[(String, String)], allowed: &[&str]) -> Result<Vec<(String, String)>> {
    for (name, _) in params {
        if !allowed.contains(&name.as_str()) {
            return Err(FhirError::new(
                StatusCode::BAD_REQUEST,
                "not-supported",
                format!(
                    "unsupported parameter {name:?}; supported: {}",
                    allowed.join(", ")
                ),
            ));
        }
    }
    Ok(params.to_vec())
}

fn searchset(resources: Vec<Value>) -> Value {
    json!({
        "resourceType": "Bundle",
        "type": "searchset",
        "total": resources.len(),
        "entry": resources.into_iter().map(|r| json!({"fullUrl": r["url"].clone(), "resource": r, "search": {"mode": "match"}})).collect::<Vec<_>>(),
    })
}

fn search_with(
    state: &AppState,
    user: std::result::Result<CurrentUser, AppError>,
    params: &[(String, String)],
    render: fn(&PublicUrl, &Vocabulary) -> Value,
) -> Result<Response> {
    let user = user?;
    let params = filter(params, &["url", "_id"])?;
    let base = state.settings.public_url();
    let resources = usecase::vocabularies(&user)?
        .iter()
        .map(|v| render(base, v))
        .filter(|r| {
            params.iter().all(|(name, value)| match name.as_str() {
                "_id" => r["id"] == value.as_str(),
                _ => r["url"] == value.as_str(),
            })
        })
        .collect();
    Ok(respond(searchset(resources)))
}

fn find(
    user: std::result::Result<CurrentUser, AppError>,
    kind: &str,
    id: &str,
) -> Result<Vocabulary> {
    usecase::vocabulary(&user?, id)?.ok_or_else(|| {
        FhirError::new(
            StatusCode::NOT_FOUND,
            "not-found",
            format!("there is no {kind}/{id}; GET /fhir/{kind} lists them"),
        )
    })
}

async fn search_code_systems(
    State(state): State<AppState>,
    user: std::result::Result<CurrentUser, AppError>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Response> {
    search_with(&state, user, &params, code_system)
}

async fn search_value_sets(
    State(state): State<AppState>,
    user: std::result::Result<CurrentUser, AppError>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Response> {
    search_with(&state, user, &params, value_set)
}

async fn read_code_system(
    State(state): State<AppState>,
    user: std::result::Result<CurrentUser, AppError>,
    Path(id): Path<String>,
) -> Result<Response> {
    let v = find(user, "CodeSystem", &id)?;
    Ok(respond(code_system(state.settings.public_url(), &v)))
}

async fn read_value_set(
    State(state): State<AppState>,
    user: std::result::Result<CurrentUser, AppError>,
    Path(id): Path<String>,
) -> Result<Response> {
    let v = find(user, "ValueSet", &id)?;
    Ok(respond(value_set(state.settings.public_url(), &v)))
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

async fn expand(
    State(state): State<AppState>,
    user: std::result::Result<CurrentUser, AppError>,
    Path(id): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Response> {
    let v = find(user, "ValueSet", &id)?;
    filter(&params, &[])?;
    Ok(respond(expanded_value_set(
        state.settings.public_url(),
        &v,
        &now(),
    )))
}

/// `$expand` on the type, naming the value set by its canonical `url`.
async fn expand_by_url(
    State(state): State<AppState>,
    user: std::result::Result<CurrentUser, AppError>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Response> {
    let user = user?;
    let params = filter(&params, &["url"])?;
    let base = state.settings.public_url();
    let url = match params.as_slice() {
        [(_, url)] => url,
        _ => {
            return Err(FhirError::new(
                StatusCode::BAD_REQUEST,
                "required",
                "name the value set with one url parameter, or use /fhir/ValueSet/{id}/$expand",
            ))
        }
    };
    let v = usecase::vocabularies(&user)?
        .into_iter()
        .find(|v| value_set_url(base, v.id) == *url)
        .ok_or_else(|| {
            FhirError::new(
                StatusCode::NOT_FOUND,
                "not-found",
                format!("no ValueSet here has the url {url:?}"),
            )
        })?;
    Ok(respond(expanded_value_set(base, &v, &now())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_system_is_complete_and_its_expansion_matches() {
        let base = PublicUrl::parse("https://linkwell.example/").unwrap();
        let v = crate::ontology::vocabulary_by_id("need").unwrap();
        let cs = code_system(&base, &v);
        assert_eq!(cs["url"], "https://linkwell.example/fhir/CodeSystem/need");
        assert_eq!(cs["content"], "complete");
        assert_eq!(cs["count"], 15);
        let vs = expanded_value_set(&base, &v, "2026-11-30T09:00:00Z");
        assert_eq!(vs["compose"]["include"][0]["system"], cs["url"]);
        let codes = |list: &Value| -> Vec<Value> {
            list.as_array()
                .unwrap()
                .iter()
                .map(|c| c["code"].clone())
                .collect()
        };
        assert_eq!(codes(&cs["concept"]), codes(&vs["expansion"]["contains"]));
    }
}
