//! `/fhir`: the CapabilityStatement; read and search for every type Linkwell serves;
//! referrals in (ServiceRequest or a transaction Bundle); Task updates that move
//! connections; scored QuestionnaireResponses; and the message back to the GP.

use super::read::{self, Found};
use super::resources::{
    capability_statement, connection_status, operation_outcome, questionnaire,
    questionnaire_response, questionnaire_url, task,
};
use super::search::{Kind, Search};
use super::{intake, text};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::measures::Instrument;
use crate::state::AppState;
use crate::usecases;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;

pub fn routes() -> Router<AppState> {
    let mut router = Router::new()
        .route("/", axum::routing::post(transaction))
        .route("/metadata", get(metadata))
        .route(
            "/Observation",
            axum::routing::post(super::observation::create_observation),
        )
        .route("/ServiceRequest/{id}/$gp-message", get(gp_message))
        // The same, for clients that percent-encode the `$`.
        .route("/ServiceRequest/{id}/%24gp-message", get(gp_message))
        .merge(super::terminology::routes());
    for kind in Kind::ALL {
        // Search (`GET /fhir/{type}`) and read (`GET /fhir/{type}/{id}`) for every type.
        let search = get(
            move |state: State<AppState>,
                  user: Result<CurrentUser, AppError>,
                  query: Query<Vec<(String, String)>>| search(state, user, query, kind),
        );
        let read = get(
            move |state: State<AppState>, user: Result<CurrentUser, AppError>, id: Path<String>| {
                read(state, user, id, kind)
            },
        );
        let search = match kind {
            Kind::ServiceRequest => search.post(create_service_request),
            Kind::QuestionnaireResponse => search.post(create_questionnaire_response),
            _ => search,
        };
        let read = match kind {
            Kind::Task => read.put(update_task),
            _ => read,
        };
        router = router
            .route(&format!("/{}", kind.name()), search)
            .route(&format!("/{}/{{id}}", kind.name()), read);
    }
    router.fallback(|| async {
        FhirError::new(
            StatusCode::NOT_FOUND,
            "not-supported",
            "Linkwell does not serve this FHIR interaction; see /fhir/metadata",
        )
    })
}

const FHIR_JSON: &str = "application/fhir+json; fhirVersion=4.0";

/// Any failure, as an OperationOutcome.
#[derive(Debug)]
pub struct FhirError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl FhirError {
    pub(super) fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
    ) -> FhirError {
        FhirError {
            status,
            code,
            message: message.into(),
        }
    }
    pub(super) fn invalid(message: impl Into<String>) -> FhirError {
        FhirError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
    }
}

/// The OperationOutcome issue code for an HTTP status.
fn issue_code(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "not-found",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::UNAUTHORIZED => "login",
        StatusCode::CONFLICT => "conflict",
        StatusCode::TOO_MANY_REQUESTS => "throttled",
        StatusCode::PAYLOAD_TOO_LARGE => "too-costly",
        StatusCode::UNSUPPORTED_MEDIA_TYPE | StatusCode::METHOD_NOT_ALLOWED => "not-supported",
        s if s.is_server_error() => "exception",
        _ => "invalid",
    }
}

/// An error raised outside the FHIR handlers (by the framework), as an OperationOutcome.
pub fn outcome_response(status: StatusCode, message: &str) -> Response {
    FhirError::new(status, issue_code(status), message).into_response()
}

/// A store failure reads the same here as anywhere: through its `AppError`.
impl From<crate::store::StoreError> for FhirError {
    fn from(e: crate::store::StoreError) -> FhirError {
        FhirError::from(AppError::from(e))
    }
}

impl From<crate::auth::policy::Forbidden> for FhirError {
    fn from(e: crate::auth::policy::Forbidden) -> FhirError {
        FhirError::from(AppError::from(e))
    }
}

impl From<AppError> for FhirError {
    fn from(e: AppError) -> FhirError {
        let status = e.status();
        let code = issue_code(status);
        let message = if status.is_server_error() {
            tracing::error!(error = ?e, "internal error on the FHIR API");
            "something went wrong on the server; nothing was changed".to_string()
        } else {
            e.problem().detail
        };
        FhirError {
            status,
            code,
            message,
        }
    }
}

impl From<anyhow::Error> for FhirError {
    fn from(e: anyhow::Error) -> FhirError {
        AppError::Internal(e).into()
    }
}

impl IntoResponse for FhirError {
    fn into_response(self) -> Response {
        (
            self.status,
            [(header::CONTENT_TYPE, FHIR_JSON)],
            Json(operation_outcome(self.code, &self.message)),
        )
            .into_response()
    }
}

fn fhir(status: StatusCode, resource: Value) -> Response {
    (status, [(header::CONTENT_TYPE, FHIR_JSON)], Json(resource)).into_response()
}

type FhirResult = Result<Response, FhirError>;

async fn metadata() -> Response {
    fhir(
        StatusCode::OK,
        capability_statement(&chrono::Utc::now().date_naive().to_string()),
    )
}

/// Only FHIR R4 JSON is read: a `fhirVersion` parameter naming another release is refused.
fn check_media_type(headers: &HeaderMap) -> Result<(), FhirError> {
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut parts = media.split(';').map(str::trim);
    let kind = parts.next().unwrap_or("");
    if kind != "application/fhir+json" && kind != "application/json" {
        return Err(FhirError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "not-supported",
            "send FHIR resources as application/fhir+json",
        ));
    }
    for part in parts {
        if let Some(version) = part.strip_prefix("fhirVersion=") {
            if !version.trim_matches('"').starts_with("4.0") {
                return Err(FhirError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "not-supported",
                    format!("this server speaks FHIR R4 (4.0.1), not {version}"),
                ));
            }
        }
    }
    Ok(())
}

/// Reads a posted resource: FHIR R4 JSON of the expected `resourceType`.
pub(super) fn read_resource(
    headers: &HeaderMap,
    body: &[u8],
    expected: &str,
) -> Result<Value, FhirError> {
    check_media_type(headers)?;
    let resource: Value = serde_json::from_slice(body).map_err(|e| {
        FhirError::new(
            StatusCode::BAD_REQUEST,
            "structure",
            format!("not valid JSON: {e}"),
        )
    })?;
    match resource["resourceType"].as_str() {
        Some(kind) if kind == expected => Ok(resource),
        Some(other) => Err(FhirError::new(
            StatusCode::BAD_REQUEST,
            "structure",
            format!("expected a {expected}, got a {other}"),
        )),
        None => Err(FhirError::new(
            StatusCode::BAD_REQUEST,
            "structure",
            "resourceType is missing",
        )),
    }
}

/// A referral from a FHIR ServiceRequest (its Patient contained or referenced); the same
/// identifier again returns the referral already made.
async fn create_service_request(
    State(state): State<AppState>,
    user: Result<CurrentUser, AppError>,
    headers: HeaderMap,
    body: Bytes,
) -> FhirResult {
    let user = user?;
    let request = read_resource(&headers, &body, "ServiceRequest")?;
    let requested = intake::requested(&request)?;
    if let Some(existing) = intake::already_made(&state, &user, &requested).await? {
        return Ok(fhir(StatusCode::OK, existing));
    }
    let reference = intake::subject_reference(&request)?;
    let contained = |local: &str| {
        request["contained"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r["resourceType"] == "Patient" && r["id"] == local)
    };
    let subject = match reference.strip_prefix('#') {
        Some(local) => {
            let patient = contained(local).ok_or_else(|| {
                FhirError::invalid(format!("no contained Patient has the id {local:?}"))
            })?;
            intake::subject_from(&state, &user, patient).await?
        }
        None => intake::existing_patient(&state, &user, reference).await?,
    };
    let (admitted, resource) = match intake::admit(&state, &user, &requested, subject, None).await?
    {
        Ok(made) => made,
        Err(existing) => return Ok(fhir(StatusCode::OK, existing)),
    };
    let mut response = fhir(StatusCode::CREATED, resource);
    if let Ok(location) = format!("/fhir/ServiceRequest/{}", admitted.referral_id).parse() {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// `POST /fhir` with a transaction Bundle: one ServiceRequest, its Patient (new, as an
/// entry, or a reference to one on file) and optionally a Consent, admitted together.
async fn transaction(
    State(state): State<AppState>,
    user: Result<CurrentUser, AppError>,
    headers: HeaderMap,
    body: Bytes,
) -> FhirResult {
    let user = user?;
    let bundle = read_resource(&headers, &body, "Bundle")?;
    let parts = intake::transaction_parts(&bundle)?;
    let requested = intake::requested(parts.service_request)?;
    let reference = intake::subject_reference(parts.service_request)?;
    if let Some(consent) = parts.consent {
        if text(consent, "/patient/reference") != Some(reference) {
            return Err(FhirError::invalid(
                "Consent.patient must reference the same Patient as ServiceRequest.subject",
            ));
        }
    }
    let consent = parts
        .consent
        .map(super::resources::consent_terms)
        .transpose()
        .map_err(FhirError::invalid)?;
    if let Some(existing) = intake::already_made(&state, &user, &requested).await? {
        return Ok(fhir(
            StatusCode::OK,
            parts.response(&existing, None, "200 OK"),
        ));
    }
    let subject = match parts.patient {
        Some((full_url, patient)) if full_url == reference => {
            intake::subject_from(&state, &user, patient).await?
        }
        Some((full_url, _)) => {
            return Err(FhirError::invalid(format!(
                "ServiceRequest.subject ({reference}) must reference the Patient entry ({full_url})"
            )))
        }
        None => intake::existing_patient(&state, &user, reference).await?,
    };
    let (admitted, made) = match intake::admit(&state, &user, &requested, subject, consent).await? {
        Ok(made) => made,
        Err(existing) => {
            return Ok(fhir(
                StatusCode::OK,
                parts.response(&existing, None, "200 OK"),
            ))
        }
    };
    Ok(fhir(
        StatusCode::OK,
        parts.response(&made, admitted.consent_id, "201 Created"),
    ))
}

/// Updating a Task's status moves the connection: by the community organisation it was
/// sent to (as its system would), or by the referral's team.
async fn update_task(
    State(state): State<AppState>,
    user: Result<CurrentUser, AppError>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> FhirResult {
    let user = user?;
    let id: i64 = id.parse().map_err(|_| {
        FhirError::new(
            StatusCode::NOT_FOUND,
            "not-found",
            "there is no Task with this id",
        )
    })?;
    let update = read_resource(&headers, &body, "Task")?;
    if update["id"].as_str() != Some(id.to_string().as_str()) {
        return Err(FhirError::invalid(
            "Task.id must match the id in the address",
        ));
    }
    let status = connection_status(&update).ok_or_else(|| {
        FhirError::invalid("Task.status is not one Linkwell records for a connection")
    })?;
    let note = update
        .pointer("/statusReason/text")
        .and_then(Value::as_str)
        .unwrap_or("");
    if user.role == crate::auth::Role::Vcse {
        // The organisation gets its own view back: no internal Patient or ServiceRequest ids.
        let shared =
            crate::usecases::consent::answer(&state.store, &user, id, status, note, None).await?;
        return Ok(fhir(
            StatusCode::OK,
            super::resources::organisation_task(&shared),
        ));
    }
    let note = crate::api::text_field("note", note, 0, 2000)?;
    let (connection, person) =
        usecases::fhir::move_connection(&state.store, &user, id, status, &note).await?;
    Ok(fhir(StatusCode::OK, task(&connection, person)))
}

/// A completed form for a referral, scored as the form is.
async fn create_questionnaire_response(
    State(state): State<AppState>,
    user: Result<CurrentUser, AppError>,
    headers: HeaderMap,
    body: Bytes,
) -> FhirResult {
    let user = user?;
    let response = read_resource(&headers, &body, "QuestionnaireResponse")?;
    let canonical = response["questionnaire"].as_str().unwrap_or("");
    let instrument = Instrument::ALL
        .into_iter()
        .find(|i| questionnaire_url(*i) == canonical)
        .ok_or_else(|| FhirError::invalid("QuestionnaireResponse.questionnaire must be one of Linkwell's (see /fhir/Questionnaire)"))?;
    let referral_id = text(&response, "/basedOn/0/reference")
        .and_then(|r| r.strip_prefix("ServiceRequest/"))
        .and_then(|n| n.parse::<i64>().ok())
        .ok_or_else(|| {
            FhirError::invalid("QuestionnaireResponse.basedOn must reference the ServiceRequest")
        })?;
    let mut answers: Vec<Option<i64>> = vec![None; instrument.item_count()];
    for item in response["item"].as_array().into_iter().flatten() {
        let position = item["linkId"]
            .as_str()
            .and_then(|l| l.parse::<usize>().ok())
            .filter(|n| (1..=answers.len()).contains(n))
            .ok_or_else(|| {
                FhirError::invalid(format!("item linkId must be 1 to {}", answers.len()))
            })?;
        answers[position - 1] = match item.pointer("/answer/0/valueInteger") {
            None => None,
            Some(v) => Some(v.as_i64().ok_or_else(|| {
                FhirError::invalid(format!("item {position} answer must be an integer"))
            })?),
        };
    }
    let taken_on = match text(&response, "/authored") {
        None => None,
        Some(t) => Some(t.get(..10).and_then(|d| d.parse().ok()).ok_or_else(|| {
            FhirError::invalid("QuestionnaireResponse.authored must be a date or date-time")
        })?),
    };
    let (measure, person) = usecases::fhir::record_questionnaire_response(
        &state.store,
        &user,
        referral_id,
        instrument,
        taken_on,
        &answers,
    )
    .await?;
    Ok(fhir(
        StatusCode::CREATED,
        questionnaire_response(&measure, person),
    ))
}

/// A search: every matching resource the caller may see, one page of them.
async fn search(
    State(state): State<AppState>,
    user: Result<CurrentUser, AppError>,
    Query(params): Query<Vec<(String, String)>>,
    kind: Kind,
) -> FhirResult {
    let search = Search::parse(kind, &params)
        .map_err(|e| FhirError::new(StatusCode::BAD_REQUEST, "not-supported", e))?;
    let narrow = read::Narrow {
        patient: search.patient,
        id: search.single_id(),
    };
    let (bundle, _) = run(&state, user, kind, narrow, &search).await?;
    Ok(fhir(
        StatusCode::OK,
        with_absolute_links(bundle, state.settings.public_url()),
    ))
}

/// A searchset's `self` and `next` links and its entries' `fullUrl`s as absolute URLs (as
/// FHIR asks) on the configured public address, never on the request's Host header.
fn with_absolute_links(mut bundle: Value, base: &crate::public_url::PublicUrl) -> Value {
    if let Some(links) = bundle["link"].as_array_mut() {
        for link in links {
            if let Some(path) = link["url"].as_str().filter(|u| u.starts_with('/')) {
                link["url"] = Value::String(base.join(path));
            }
        }
    }
    if let Some(entries) = bundle["entry"].as_array_mut() {
        for entry in entries {
            if let Some(relative) = entry["fullUrl"].as_str().filter(|u| !u.contains(':')) {
                entry["fullUrl"] = Value::String(base.join(&format!("/fhir/{relative}")));
            }
        }
    }
    bundle
}

/// A read is a search by id that must find exactly one.
async fn read(
    State(state): State<AppState>,
    user: Result<CurrentUser, AppError>,
    Path(id): Path<String>,
    kind: Kind,
) -> FhirResult {
    let narrow = read::Narrow {
        patient: None,
        // An id that is not a number names nothing here.
        id: Some(id.parse().unwrap_or(-1)),
    };
    let (_, page) = run(&state, user, kind, narrow, &Search::by_id(kind, &id)).await?;
    let resource = page.into_iter().next().ok_or_else(|| {
        FhirError::new(
            StatusCode::NOT_FOUND,
            "not-found",
            format!("there is no {}/{id} you may read", kind.name()),
        )
    })?;
    Ok(fhir(StatusCode::OK, resource))
}

/// Runs a search over everything of a type the caller may see (Questionnaires are
/// public), and records a read of each person whose record is on the page returned, in
/// one transaction.
async fn run(
    state: &AppState,
    user: Result<CurrentUser, AppError>,
    kind: Kind,
    narrow: read::Narrow,
    search: &Search,
) -> Result<(Value, Vec<Value>), FhirError> {
    let mut pager = search.pager::<Option<i64>>();
    let user = if kind == Kind::Questionnaire {
        None
    } else {
        Some(user?)
    };
    match &user {
        None => {
            for instrument in Instrument::ALL {
                pager.offer(questionnaire(instrument), None);
            }
        }
        Some(user) => {
            read::resources(state, user, kind, narrow, |f: Found| {
                pager.offer(f.resource, f.person_id)
            })
            .await?
        }
    }
    let (bundle, page) = pager.finish();
    if let Some(user) = user {
        let reads: Vec<(&str, Option<i64>, Option<i64>)> = page
            .iter()
            .filter_map(|(r, person)| {
                Some((
                    kind.name(),
                    r["id"].as_str()?.parse().ok(),
                    Some((*person)?),
                ))
            })
            .collect();
        usecases::records::record_reads(&state.store, &user, &reads).await?;
    }
    Ok((bundle, page.into_iter().map(|(r, _)| r).collect()))
}

/// `GET /fhir/ServiceRequest/{id}/$gp-message`: the episode summary for the person's GP
/// practice, coded events only unless the person agreed to share more with the practice.
async fn gp_message(
    State(state): State<AppState>,
    user: Result<CurrentUser, AppError>,
    Path(id): Path<String>,
) -> FhirResult {
    let user = user?;
    let id: i64 = id.parse().map_err(|_| {
        FhirError::new(
            StatusCode::NOT_FOUND,
            "not-found",
            "there is no ServiceRequest with this id",
        )
    })?;
    let recipient = usecases::fhir::gp_recipient(&state.store, &user, id).await?;
    let detail = crate::usecases::referrals::detail(&state.store, &user, id).await?;
    let casework = detail
        .casework
        .ok_or(AppError::NotFound("ServiceRequest"))?;
    let (code, name) = &recipient.practice;
    let agreed = super::gp_message::agreed_with_practice(&recipient.consents, code, name);
    // Built on the configured address: the Host header is the caller's to choose.
    let base = state.settings.public_url().join("/fhir");
    let episode = super::gp_message::Episode {
        person: &recipient.person,
        practice: (code, name),
        referral: &detail.referral,
        history: &detail.history,
        casework: &casework,
        agreed: &agreed,
    };
    Ok(fhir(
        StatusCode::OK,
        super::gp_message::gp_message(&episode, &base, chrono::Utc::now()),
    ))
}
