//! `/fhir`: CapabilityStatement, ServiceRequest create and read, Patient read, Task
//! (connections) read, search by focus and status update, Questionnaires and scored
//! QuestionnaireResponses.

use super::resources::{
    capability_statement, connection_status, operation_outcome, patient, questionnaire,
    questionnaire_response, questionnaire_url, searchset, service_request, sex_from_gender, task,
};
use super::NHS_NUMBER_SYSTEM;
use crate::app::AppState;
use crate::auth::policy::Action;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::measures::Instrument;
use crate::people::api::PersonInput;
use crate::people::Ethnicity;
use crate::referrals::{MeasureTiming, ReferrerKind, SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::Value;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/metadata", get(metadata))
        .route("/ServiceRequest", post(create_service_request))
        .route("/ServiceRequest/{id}", get(read_service_request))
        .route("/Patient/{id}", get(read_patient))
        .route("/Task", get(search_tasks))
        .route("/Questionnaire", get(questionnaires))
        .route("/Questionnaire/{id}", get(read_questionnaire))
        .route(
            "/QuestionnaireResponse",
            post(create_questionnaire_response),
        )
        .route("/Task/{id}", get(read_task).put(update_task))
        .fallback(|| async {
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
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> FhirError {
        FhirError {
            status,
            code,
            message: message.into(),
        }
    }
    fn invalid(message: impl Into<String>) -> FhirError {
        FhirError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
    }
}

impl From<AppError> for FhirError {
    fn from(e: AppError) -> FhirError {
        let status = e.status();
        let code = match status {
            StatusCode::NOT_FOUND => "not-found",
            StatusCode::FORBIDDEN => "forbidden",
            StatusCode::UNAUTHORIZED => "login",
            StatusCode::CONFLICT => "conflict",
            StatusCode::PAYLOAD_TOO_LARGE => "too-costly",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "not-supported",
            s if s.is_server_error() => "exception",
            _ => "invalid",
        };
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
fn read_resource(headers: &HeaderMap, body: &[u8], expected: &str) -> Result<Value, FhirError> {
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

fn text<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

/// The contained Patient as Linkwell's person input.
fn person_from(patient: &Value) -> Result<PersonInput, FhirError> {
    let required = |pointer: &str, what: &str| {
        text(patient, pointer)
            .map(str::to_string)
            .ok_or_else(|| FhirError::invalid(format!("Patient.{what} is required")))
    };
    let nhs = patient["identifier"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|i| i["system"] == NHS_NUMBER_SYSTEM)
        .and_then(|i| i["value"].as_str())
        .map(str::to_string);
    let gender = text(patient, "/gender").unwrap_or("unknown");
    Ok(PersonInput {
        nhs_number: nhs,
        given_name: required("/name/0/given/0", "name.given")?,
        family_name: required("/name/0/family", "name.family")?,
        date_of_birth: required("/birthDate", "birthDate")?.parse().map_err(|_| {
            FhirError::invalid("Patient.birthDate must be a full date (YYYY-MM-DD)")
        })?,
        sex: sex_from_gender(gender).ok_or_else(|| {
            FhirError::invalid(format!(
                "Patient.gender {gender:?} is not a FHIR administrative gender"
            ))
        })?,
        ethnicity: Ethnicity::NotStated,
        postcode: required("/address/0/postalCode", "address.postalCode")?,
        practice_id: None,
        phone: patient["telecom"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|t| t["system"] == "phone")
            .and_then(|t| t["value"].as_str())
            .map(str::to_string),
        plus_groups: Vec::new(),
        conditions: Vec::new(),
    })
}

/// A referral from a FHIR ServiceRequest; the same identifier again returns the first.
async fn create_service_request(
    State(state): State<AppState>,
    user: Result<CurrentUser, AppError>,
    headers: HeaderMap,
    body: Bytes,
) -> FhirResult {
    let user = user?;
    user.require(Action::CreateReferral)?;
    let request = read_resource(&headers, &body, "ServiceRequest")?;
    if request["status"] != "active" {
        return Err(FhirError::invalid(
            "ServiceRequest.status must be \"active\" for a new referral",
        ));
    }
    if !matches!(
        request["intent"].as_str(),
        Some("order" | "proposal" | "plan")
    ) {
        return Err(FhirError::invalid(
            "ServiceRequest.intent must be order, plan or proposal",
        ));
    }
    let codes: Vec<&Value> = request
        .pointer("/code/coding")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    if !codes.is_empty()
        && !codes.iter().any(|c| {
            c["system"] == super::SNOMED && c["code"] == SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING
        })
    {
        return Err(FhirError::invalid(format!("ServiceRequest.code must be SNOMED CT {SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING} (referral to social prescribing service)")));
    }
    let identifier = request["identifier"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|i| {
            Some((
                i["system"].as_str()?.to_string(),
                i["value"].as_str()?.to_string(),
            ))
        });
    if let Some((system, value)) = &identifier {
        if system.len() > 500 || value.len() > 200 {
            return Err(FhirError::invalid("ServiceRequest.identifier is too long"));
        }
        if let Some(existing) = state.store.referral_for_identifier(system, value).await? {
            let referral = state
                .store
                .referral(existing, user.case_scope())
                .await?
                .ok_or_else(|| {
                    FhirError::new(
                        StatusCode::CONFLICT,
                        "duplicate",
                        "a referral with this identifier was made by someone else",
                    )
                })?;
            let ids = state.store.identifiers_of(existing).await?;
            return Ok(fhir(StatusCode::OK, service_request(&referral, &ids)));
        }
    }
    let reason = text(&request, "/reasonCode/0/text")
        .or_else(|| text(&request, "/note/0/text"))
        .unwrap_or("Referred through FHIR")
        .trim()
        .to_string();
    let reason = crate::api::text_field("reason", &reason, 1, 2000)?;
    let reference = text(&request, "/subject/reference")
        .ok_or_else(|| FhirError::invalid("ServiceRequest.subject must reference the Patient"))?;
    let person_id = if let Some(local) = reference.strip_prefix('#') {
        let contained = request["contained"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r["resourceType"] == "Patient" && r["id"] == local)
            .ok_or_else(|| {
                FhirError::invalid(format!("no contained Patient has the id {local:?}"))
            })?;
        let person = person_from(contained)?.validate(&state).await?;
        state
            .store
            .insert_person(&person, &user.audit_context())
            .await?
            .id
    } else {
        let id: i64 = reference
            .strip_prefix("Patient/")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| {
                FhirError::invalid(
                    "ServiceRequest.subject must be Patient/{id} or a contained Patient (#id)",
                )
            })?;
        state
            .store
            .person(id, user.case_scope())
            .await?
            .ok_or_else(|| FhirError::invalid(format!("there is no Patient/{id}")))?
            .id
    };
    let referral = state
        .store
        .create_referral(
            person_id,
            ReferrerKind::Gp,
            &reason,
            &user.audit_context(),
            user.team_id,
        )
        .await?;
    let mut ids = Vec::new();
    if let Some((system, value)) = identifier {
        if !state
            .store
            .save_identifier(&system, &value, referral.id)
            .await?
        {
            // Two posts of one identifier at the same moment: both made a referral.
            tracing::warn!(
                referral = referral.id,
                "ServiceRequest identifier taken by a concurrent post"
            );
        }
        ids = state.store.identifiers_of(referral.id).await?;
    }
    let mut response = fhir(StatusCode::CREATED, service_request(&referral, &ids));
    if let Ok(location) = format!("/fhir/ServiceRequest/{}", referral.id).parse() {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

fn local_id(id: &str) -> Result<i64, FhirError> {
    id.parse().map_err(|_| {
        FhirError::new(
            StatusCode::NOT_FOUND,
            "not-found",
            "no resource has this id",
        )
    })
}

async fn read_service_request(
    State(state): State<AppState>,
    user: Result<CurrentUser, AppError>,
    Path(id): Path<String>,
) -> FhirResult {
    let user = user?;
    let detail = crate::referrals::api::referral_detail(&state, &user, local_id(&id)?).await?;
    let ids = state.store.identifiers_of(detail.referral.id).await?;
    Ok(fhir(
        StatusCode::OK,
        service_request(&detail.referral, &ids),
    ))
}

async fn read_patient(
    State(state): State<AppState>,
    user: Result<CurrentUser, AppError>,
    Path(id): Path<String>,
) -> FhirResult {
    let user = user?;
    let person = state
        .store
        .read_person(local_id(&id)?, user.case_scope(), &user.audit_context())
        .await?
        .ok_or(AppError::NotFound("Patient"))?;
    Ok(fhir(StatusCode::OK, patient(&person)))
}

/// The connection behind a Task, with its person, if the caller's team holds the referral.
async fn connection_in_scope(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> Result<(crate::referrals::Connection, i64), FhirError> {
    user.require(Action::ReadCasework)?;
    let connection = state.store.connection_by_id(id).await?;
    let referral = state
        .store
        .referral(connection.referral_id, user.case_scope())
        .await?
        .ok_or(AppError::NotFound("Task"))?;
    Ok((connection, referral.person_id))
}

async fn read_task(
    State(state): State<AppState>,
    user: Result<CurrentUser, AppError>,
    Path(id): Path<String>,
) -> FhirResult {
    let user = user?;
    let (connection, person) = connection_in_scope(&state, &user, local_id(&id)?).await?;
    Ok(fhir(StatusCode::OK, task(&connection, person)))
}

#[derive(serde::Deserialize)]
struct TaskSearch {
    focus: Option<String>,
}

/// `GET /fhir/Task?focus=ServiceRequest/{id}`: the connections made for a referral.
async fn search_tasks(
    State(state): State<AppState>,
    user: Result<CurrentUser, AppError>,
    axum::extract::Query(search): axum::extract::Query<TaskSearch>,
) -> FhirResult {
    let user = user?;
    let referral_id = search
        .focus
        .as_deref()
        .and_then(|f| f.strip_prefix("ServiceRequest/"))
        .and_then(|n| n.parse::<i64>().ok())
        .ok_or_else(|| {
            FhirError::new(
                StatusCode::BAD_REQUEST,
                "not-supported",
                "search Tasks by focus=ServiceRequest/{id}",
            )
        })?;
    let detail = crate::referrals::api::referral_detail(&state, &user, referral_id).await?;
    let casework = detail
        .casework
        .ok_or(AppError::NotFound("ServiceRequest"))?;
    let tasks = casework
        .connections
        .iter()
        .map(|c| task(c, detail.referral.person_id))
        .collect();
    Ok(fhir(StatusCode::OK, searchset(tasks)))
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
    let id = local_id(&id)?;
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
    let connection = if user.role == crate::auth::Role::Vcse {
        crate::consent::api::answer(&state, &user, id, status, note).await?
    } else {
        user.require(Action::WriteCasework)?;
        let note = crate::api::text_field("note", note, 0, 2000)?;
        state
            .store
            .set_connection_status(id, user.case_scope(), status, &note, &user.audit_context())
            .await?
    };
    let person = state
        .store
        .person_of_referral(connection.referral_id)
        .await?;
    Ok(fhir(StatusCode::OK, task(&connection, person)))
}

async fn questionnaires() -> Response {
    fhir(
        StatusCode::OK,
        searchset(Instrument::ALL.iter().map(|i| questionnaire(*i)).collect()),
    )
}

async fn read_questionnaire(Path(id): Path<String>) -> FhirResult {
    let instrument = Instrument::ALL
        .into_iter()
        .find(|i| i.code() == id)
        .ok_or_else(|| {
            FhirError::new(
                StatusCode::NOT_FOUND,
                "not-found",
                "Linkwell has Questionnaires ons4, swemwbs and ucla3",
            )
        })?;
    Ok(fhir(StatusCode::OK, questionnaire(instrument)))
}

/// A completed form for a referral, scored as the form is.
async fn create_questionnaire_response(
    State(state): State<AppState>,
    user: Result<CurrentUser, AppError>,
    headers: HeaderMap,
    body: Bytes,
) -> FhirResult {
    let user = user?;
    user.require(Action::WriteCasework)?;
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
    let detail = crate::referrals::api::referral_detail(&state, &user, referral_id).await?;
    let earlier = detail
        .casework
        .map(|c| c.measures.iter().any(|m| m.instrument == instrument))
        .unwrap_or(false);
    let input = crate::referrals::api::MeasureInput {
        instrument,
        timing: if earlier {
            MeasureTiming::FollowUp
        } else {
            MeasureTiming::Baseline
        },
        taken_on,
        answers,
    };
    let measure = state
        .store
        .add_measure(
            referral_id,
            user.case_scope(),
            &input.validate()?,
            &user.audit_context(),
        )
        .await?;
    Ok(fhir(
        StatusCode::CREATED,
        questionnaire_response(&measure, detail.referral.person_id),
    ))
}
