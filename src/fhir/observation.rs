//! `POST /fhir/Observation`: a count of GP consultations or A&E attendances in the 6 months
//! before or after a referral (docs/service-use.md), coded from Linkwell's own published
//! CodeSystem `service-use` (no national code names such a count), `basedOn` the referral's
//! ServiceRequest, with `valueInteger`. Recorded as the link worker's form records it (the
//! latest wins, audited); anything else is refused with an OperationOutcome.

use super::api::{read_resource, FhirError};
use super::text;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::ontology::code_system_url;
use crate::public_url::PublicUrl;
use crate::service_use::{ServiceUse, ServiceUseCode};
use crate::state::AppState;
use crate::usecases;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

/// The id of Linkwell's CodeSystem for these counts (`/fhir/CodeSystem/service-use`).
pub const CODE_SYSTEM: &str = "service-use";

/// What the CapabilityStatement says about Observations.
pub fn capability_entry() -> Value {
    json!({
        "type": "Observation",
        "documentation": "Create only: a count of GP consultations or A&E attendances in the 6 months before or after a referral, coded from /fhir/CodeSystem/service-use, basedOn the ServiceRequest, with valueInteger 0 to 183. The latest count for a referral, measure and window replaces earlier ones; the after-window is accepted once it is over.",
        "interaction": [{"code": "create"}],
    })
}

/// The Observation as recorded.
fn observation(
    base: &PublicUrl,
    recorded: &ServiceUse,
    code: ServiceUseCode,
    person: i64,
) -> Value {
    let (measure, _) = code.parts();
    let value = match measure {
        crate::service_use::Measure::GpConsultations => recorded.gp_consultations,
        crate::service_use::Measure::AeAttendances => recorded.ae_attendances,
    };
    let last = recorded.to.pred_opt().unwrap_or(recorded.to);
    json!({
        "resourceType": "Observation",
        "id": format!("{}-{}", recorded.referral_id, code.code().replace('_', "-")),
        "status": "final",
        "code": {"coding": [{
            "system": code_system_url(base, CODE_SYSTEM),
            "code": code.code(),
            "display": code.label(),
        }]},
        "subject": {"reference": format!("Patient/{person}")},
        "basedOn": [{"reference": format!("ServiceRequest/{}", recorded.referral_id)}],
        "effectivePeriod": {"start": recorded.from.to_string(), "end": last.to_string()},
        "issued": recorded.recorded_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "valueInteger": value,
    })
}

pub async fn create_observation(
    State(state): State<AppState>,
    user: Result<CurrentUser, AppError>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, FhirError> {
    let user = user?;
    let resource = read_resource(&headers, &body, "Observation")?;
    let base = state.settings.public_url();
    let system = code_system_url(base, CODE_SYSTEM);
    match text(&resource, "/status") {
        Some("final" | "amended" | "corrected") => {}
        _ => {
            return Err(FhirError::invalid(
                "Observation.status must be final, amended or corrected: a count is recorded once known",
            ))
        }
    }
    let codings = resource
        .pointer("/code/coding")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let code = codings
        .iter()
        .filter(|c| c["system"].as_str() == Some(system.as_str()))
        .find_map(|c| c["code"].as_str().and_then(ServiceUseCode::from_code))
        .ok_or_else(|| {
            FhirError::invalid(format!(
                "Observation.code must carry a code from {system} (gp_consultations_before, \
                 gp_consultations_after, ae_attendances_before or ae_attendances_after)"
            ))
        })?;
    let referral_id = text(&resource, "/basedOn/0/reference")
        .and_then(|r| r.strip_prefix("ServiceRequest/"))
        .and_then(|n| n.parse::<i64>().ok())
        .ok_or_else(|| {
            FhirError::invalid("Observation.basedOn must reference the referral's ServiceRequest")
        })?;
    let value = resource
        .get("valueInteger")
        .and_then(Value::as_i64)
        .ok_or_else(|| FhirError::invalid("Observation.valueInteger must be a whole number"))?;
    let subject = match resource.get("subject") {
        None => None,
        Some(_) => Some(
            text(&resource, "/subject/reference")
                .and_then(|r| r.strip_prefix("Patient/"))
                .and_then(|n| n.parse::<i64>().ok())
                .ok_or_else(|| {
                    FhirError::invalid("Observation.subject, if given, must reference Patient/{id}")
                })?,
        ),
    };
    let (recorded, person) = usecases::service_use::record_observation(
        &state.store,
        &user,
        referral_id,
        code,
        value,
        subject,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        [(
            header::CONTENT_TYPE,
            "application/fhir+json; fhirVersion=4.0",
        )],
        Json(observation(base, &recorded, code, person)),
    )
        .into_response())
}
