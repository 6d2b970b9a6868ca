//! Incoming referrals: a ServiceRequest (with its Patient contained or referenced) or a
//! transaction Bundle (Patient + ServiceRequest + Consent), read into an `Intake` and
//! admitted in one transaction.

use super::api::FhirError;
use super::resources::{ethnicity_from, sex_from_gender, with_last_updated};
use super::{text, NHS_NUMBER_SYSTEM, SNOMED};
use crate::auth::CurrentUser;
use crate::consent::NewConsent;
use crate::error::AppError;
use crate::intake::{Admitted, Intake, Subject};
use crate::people::{Ethnicity, NewPerson, PersonDetails};
use crate::referrals::{ReferrerKind, SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING};
use crate::state::AppState;
use crate::usecases::intake::{self as admission, Earlier};
use axum::http::StatusCode;
use serde_json::{json, Value};

/// ODS organisation codes, as a Patient's `generalPractitioner` identifier.
pub const ODS_CODE_SYSTEM: &str = "https://fhir.nhs.uk/Id/ods-organization-code";

/// What a posted ServiceRequest asks for, checked before anything is written.
pub struct Requested {
    pub identifier: Option<(String, String)>,
    pub reason: String,
}

pub fn requested(request: &Value) -> Result<Requested, FhirError> {
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
        && !codes
            .iter()
            .any(|c| c["system"] == SNOMED && c["code"] == SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING)
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
        if let Some(c) = crate::input::forbidden_char(&format!("{system}{value}"), false) {
            return Err(FhirError::invalid(crate::input::forbidden_char_message(
                "ServiceRequest.identifier",
                c,
            )));
        }
    }
    let reason = text(request, "/reasonCode/0/text")
        .or_else(|| text(request, "/note/0/text"))
        .unwrap_or("Referred through FHIR")
        .trim();
    Ok(Requested {
        identifier,
        reason: crate::api::text_field("reason", reason, 1, 2000)?,
    })
}

pub fn subject_reference(request: &Value) -> Result<&str, FhirError> {
    text(request, "/subject/reference")
        .ok_or_else(|| FhirError::invalid("ServiceRequest.subject must reference the Patient"))
}

/// The referral already made for this identifier, as a ServiceRequest; a conflict when
/// someone the caller cannot see made it.
pub async fn already_made(
    state: &AppState,
    user: &CurrentUser,
    requested: &Requested,
) -> Result<Option<Value>, FhirError> {
    let Some(identifier) = &requested.identifier else {
        return Ok(None);
    };
    match admission::earlier(&state.store, user, identifier).await? {
        None => Ok(None),
        Some(Earlier::Visible {
            referral,
            identifiers,
        }) => Ok(Some(request_resource(&referral, &identifiers))),
        Some(Earlier::MadeByOthers) => Err(FhirError::new(
            StatusCode::CONFLICT,
            "duplicate",
            "a referral with this identifier was made by someone else",
        )),
    }
}

/// A referral as the ServiceRequest answered to its sender: identifiers, no casework.
fn request_resource(referral: &crate::referrals::Referral, ids: &[(String, String)]) -> Value {
    with_last_updated(
        super::resources::service_request(referral, ids, &[]),
        referral.received_at,
    )
}

/// `Patient/{id}` of someone the caller may see.
pub async fn existing_patient(
    state: &AppState,
    user: &CurrentUser,
    reference: &str,
) -> Result<Subject, FhirError> {
    let id: i64 = reference
        .strip_prefix("Patient/")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| {
            FhirError::invalid(format!(
                "the Patient reference {reference:?} must be Patient/{{id}}, a contained Patient (#id) or the Patient entry of the transaction"
            ))
        })?;
    admission::existing_subject(&state.store, user, id)
        .await?
        .ok_or_else(|| FhirError::invalid(format!("there is no Patient/{id}")))
}

/// Who a sent Patient is: the person registered under its NHS number (name and birth date
/// must match; refusals are counted, audited and worded alike), or a new person to register.
pub async fn subject_from(
    state: &AppState,
    user: &CurrentUser,
    patient: &Value,
) -> Result<Subject, FhirError> {
    let person = person_from(state, user, patient).await?;
    Ok(admission::subject(&state.store, user, person).await?)
}

/// A Patient as a person to register: checked, postcode resolved, practice found by the
/// ODS code of its `generalPractitioner`.
async fn person_from(
    state: &AppState,
    user: &CurrentUser,
    patient: &Value,
) -> Result<NewPerson, FhirError> {
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
    let practice_code = patient["generalPractitioner"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|g| g.pointer("/identifier/system").and_then(Value::as_str) == Some(ODS_CODE_SYSTEM))
        .and_then(|g| g.pointer("/identifier/value").and_then(Value::as_str));
    let practice_id = match practice_code {
        None => None,
        Some(code) => Some(
            admission::practice_by_code(&state.store, user, code)
                .await?
                .map(|(id, _)| id)
                .ok_or_else(|| {
                    FhirError::invalid(format!(
                        "Patient.generalPractitioner: no practice has the ODS code {code:?}"
                    ))
                })?,
        ),
    };
    // The legal name: the first that is not the `usual` (preferred) one.
    let name = patient["name"]
        .as_array()
        .and_then(|names| names.iter().position(|n| n["use"] != "usual"))
        .unwrap_or(0);
    let details = PersonDetails {
        nhs_number: nhs,
        given_name: required(&format!("/name/{name}/given/0"), "name.given")?,
        family_name: required(&format!("/name/{name}/family"), "name.family")?,
        date_of_birth: required("/birthDate", "birthDate")?.parse().map_err(|_| {
            FhirError::invalid("Patient.birthDate must be a full date (YYYY-MM-DD)")
        })?,
        sex: sex_from_gender(gender).ok_or_else(|| {
            FhirError::invalid(format!(
                "Patient.gender {gender:?} is not a FHIR administrative gender"
            ))
        })?,
        ethnicity: ethnicity_from(patient).unwrap_or(Ethnicity::NotStated),
        postcode: required("/address/0/postalCode", "address.postalCode")?,
        practice_id,
        phone: patient["telecom"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|t| t["system"] == "phone")
            .and_then(|t| t["value"].as_str())
            .map(str::to_string),
        plus_groups: Vec::new(),
        conditions: Vec::new(),
        record: super::patient_record::from_patient(patient)?,
    };
    let geography = state.geography().await?;
    let today = chrono::Utc::now().date_naive();
    Ok(details.check(&geography, today).map_err(AppError::from)?)
}

/// Admits one referral: what was made, and the ServiceRequest for it. `Ok(Err(existing))`
/// when a concurrent post of the same identifier made it first: nothing was written, and
/// the first one is returned.
pub async fn admit(
    state: &AppState,
    user: &CurrentUser,
    requested: &Requested,
    subject: Subject,
    consent: Option<NewConsent>,
) -> Result<Result<(Admitted, Value), Value>, FhirError> {
    let intake = Intake {
        subject,
        referrer_kind: ReferrerKind::Gp,
        reason: requested.reason.clone(),
        received_at: chrono::Utc::now(),
        identifier: requested.identifier.clone(),
        consent,
        programme: None,
    };
    match admission::admit_one(&state.store, user, intake).await {
        Ok((admitted, referral)) => {
            let ids: Vec<(String, String)> = requested.identifier.iter().cloned().collect();
            Ok(Ok((admitted, request_resource(&referral, &ids))))
        }
        Err(AppError::Conflict(message)) => match already_made(state, user, requested).await? {
            Some(existing) => Ok(Err(existing)),
            None => Err(AppError::Conflict(message).into()),
        },
        Err(e) => Err(e.into()),
    }
}

/// The entries of a transaction Bundle Linkwell accepts.
pub struct TransactionParts<'a> {
    /// The Patient entry's `fullUrl` and resource, when the person is new.
    pub patient: Option<(&'a str, &'a Value)>,
    pub service_request: &'a Value,
    pub consent: Option<&'a Value>,
    /// Resource types in entry order, for the response.
    order: Vec<&'a str>,
}

const TRANSACTION_SHAPE: &str = "Linkwell accepts a transaction of one ServiceRequest, its Patient (an entry, or a reference to one on file) and optionally one Consent, each with request.method POST";

pub fn transaction_parts(bundle: &Value) -> Result<TransactionParts<'_>, FhirError> {
    if bundle["type"] != "transaction" {
        return Err(FhirError::invalid(
            "Bundle.type must be \"transaction\" (POST /fhir processes transactions)",
        ));
    }
    let entries = bundle["entry"]
        .as_array()
        .filter(|e| !e.is_empty())
        .ok_or_else(|| FhirError::invalid(TRANSACTION_SHAPE))?;
    let (mut patient, mut service_request, mut consent) = (None, None, None);
    let mut order = Vec::new();
    for (n, entry) in entries.iter().enumerate() {
        let resource = &entry["resource"];
        let kind = resource["resourceType"].as_str().unwrap_or("");
        if entry.pointer("/request/method").and_then(Value::as_str) != Some("POST")
            || entry.pointer("/request/url").and_then(Value::as_str) != Some(kind)
        {
            return Err(FhirError::invalid(format!(
                "entry {n}: request must be POST to {kind:?}; {TRANSACTION_SHAPE}"
            )));
        }
        let slot_taken = match kind {
            "Patient" => {
                let full_url = entry["fullUrl"].as_str().ok_or_else(|| {
                    FhirError::invalid(format!("entry {n}: the Patient needs a fullUrl (urn:uuid:...) for the ServiceRequest to reference"))
                })?;
                patient.replace((full_url, resource)).is_some()
            }
            "ServiceRequest" => service_request.replace(resource).is_some(),
            "Consent" => consent.replace(resource).is_some(),
            _ => true,
        };
        if slot_taken {
            return Err(FhirError::invalid(format!(
                "entry {n} ({kind}): {TRANSACTION_SHAPE}"
            )));
        }
        order.push(kind);
    }
    let service_request = service_request.ok_or_else(|| FhirError::invalid(TRANSACTION_SHAPE))?;
    Ok(TransactionParts {
        patient,
        service_request,
        consent,
        order,
    })
}

impl TransactionParts<'_> {
    /// The transaction-response Bundle: one entry per request, in order, with where each
    /// resource now lives.
    pub fn response(&self, request: &Value, consent_id: Option<i64>, status: &str) -> Value {
        let person = request
            .pointer("/subject/reference")
            .and_then(Value::as_str)
            .unwrap_or("");
        let referral = format!("ServiceRequest/{}", request["id"].as_str().unwrap_or(""));
        let entries: Vec<Value> = self
            .order
            .iter()
            .map(|kind| {
                let location = match *kind {
                    "Patient" => Some(person.to_string()),
                    "ServiceRequest" => Some(referral.clone()),
                    _ => consent_id.map(|id| format!("Consent/{id}")),
                };
                let mut response = json!({"status": status});
                if let Some(location) = location {
                    response["location"] = json!(location);
                }
                json!({"response": response})
            })
            .collect();
        json!({"resourceType": "Bundle", "type": "transaction-response", "entry": entries})
    }
}
