//! Linkwell records as FHIR R4 resources, and the parts of incoming resources Linkwell
//! reads.

use super::{FHIR_VERSION, NHS_NUMBER_SYSTEM, SNOMED};
use crate::measures::Instrument;
use crate::people::{Person, Sex};
use crate::referrals::{
    Connection, ConnectionStatus, Referral, ReferralState, SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING,
};
use serde_json::{json, Value};

/// What Linkwell supports, exactly.
pub fn capability_statement(date: &str) -> Value {
    json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": date,
        "publisher": "Linkwell",
        "kind": "instance",
        "software": {"name": "Linkwell"},
        "implementation": {"description": "Linkwell social prescribing FHIR API"},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json"],
        "rest": [{
            "mode": "server",
            "documentation": "Every request except /fhir/metadata needs an OAuth-style bearer token (Authorization: Bearer).",
            "security": {"service": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/restful-security-service", "code": "OAuth"}]}]},
            "resource": [
                {
                    "type": "ServiceRequest",
                    "documentation": "A referral to social prescribing (SNOMED CT 871731000000106). Create with the Patient contained or as a reference to Patient/{id}; the same identifier posted again returns the referral already made.",
                    "interaction": [{"code": "read"}, {"code": "create"}],
                    "conditionalCreate": true,
                },
                {
                    "type": "Task",
                    "documentation": "Each connection to a community service is a Task with code fulfill and focus the ServiceRequest. The organisation it was sent to (or the referral's team) updates its status; businessStatus 'attended first session' with status in-progress records attendance.",
                    "interaction": [{"code": "read"}, {"code": "update"}, {"code": "search-type"}],
                    "searchParam": [{"name": "focus", "type": "reference"}],
                },
                {
                    "type": "Questionnaire",
                    "documentation": "ONS4, SWEMWBS and UCLA-3, as Linkwell's forms ask them.",
                    "interaction": [{"code": "read"}, {"code": "search-type"}],
                },
                {
                    "type": "QuestionnaireResponse",
                    "documentation": "Create with basedOn the ServiceRequest; scored exactly as the form is (the score is returned in an extension). A missing answer stores the questionnaire as incomplete and unscored. The first for an instrument is the baseline, later ones follow-ups.",
                    "interaction": [{"code": "create"}],
                },
                {
                    "type": "Patient",
                    "documentation": "The person referred, with their NHS number where known.",
                    "interaction": [{"code": "read"}],
                },
            ],
        }],
    })
}

/// An `OperationOutcome` with one error.
pub fn operation_outcome(code: &str, diagnostics: &str) -> Value {
    json!({
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": diagnostics}],
    })
}

fn gender(sex: Sex) -> &'static str {
    match sex {
        Sex::Female => "female",
        Sex::Male => "male",
        Sex::Other => "other",
        Sex::Unknown => "unknown",
    }
}

pub fn sex_from_gender(gender: &str) -> Option<Sex> {
    match gender {
        "female" => Some(Sex::Female),
        "male" => Some(Sex::Male),
        "other" => Some(Sex::Other),
        "unknown" => Some(Sex::Unknown),
        _ => None,
    }
}

pub fn patient(person: &Person) -> Value {
    let mut patient = json!({
        "resourceType": "Patient",
        "id": person.id.to_string(),
        "name": [{"use": "official", "family": person.family_name, "given": [person.given_name]}],
        "gender": gender(person.sex),
        "birthDate": person.date_of_birth.to_string(),
        "address": [{"use": "home", "postalCode": person.postcode}],
    });
    if let Some(nhs) = &person.nhs_number {
        patient["identifier"] =
            json!([{"system": NHS_NUMBER_SYSTEM, "value": nhs.to_string().replace(' ', "")}]);
    }
    if let Some(phone) = &person.phone {
        patient["telecom"] = json!([{"system": "phone", "value": phone}]);
    }
    patient
}

/// FHIR `ServiceRequest.status` for a referral's state.
fn request_status(state: ReferralState) -> &'static str {
    match state {
        ReferralState::Received | ReferralState::Contacting | ReferralState::Active => "active",
        ReferralState::Closed => "completed",
        ReferralState::Declined | ReferralState::UnableToContact => "revoked",
    }
}

pub fn service_request(referral: &Referral, identifiers: &[(String, String)]) -> Value {
    let mut request = json!({
        "resourceType": "ServiceRequest",
        "id": referral.id.to_string(),
        "status": request_status(referral.state),
        "intent": "order",
        "category": [{"coding": [{"system": "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes",
                                   "code": "sdoh-category-unspecified", "display": "SDOH Category Unspecified"}]}],
        "code": {"coding": [{"system": SNOMED, "code": SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING,
                             "display": "Referral to social prescribing service"}]},
        "subject": {"reference": format!("Patient/{}", referral.person_id)},
        "authoredOn": referral.received_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "reasonCode": [{"text": referral.reason}],
    });
    if !identifiers.is_empty() {
        request["identifier"] = identifiers
            .iter()
            .map(|(system, value)| json!({"system": system, "value": value}))
            .collect();
    }
    request
}

/// Said in `Task.businessStatus` when the person has been to a first session (the Task
/// stays in progress).
pub const ATTENDED_FIRST_SESSION: &str = "attended first session";

/// A connection as the SDOH Clinical Care IG's referral Task (`code = fulfill`).
pub fn task(connection: &Connection, person_id: i64) -> Value {
    let (status, business) = match connection.status {
        ConnectionStatus::AttendedFirstSession => ("in-progress", Some(ATTENDED_FIRST_SESSION)),
        other => (other.code(), None),
    };
    let mut task = json!({
        "resourceType": "Task",
        "id": connection.id.to_string(),
        "status": status,
        "intent": "order",
        "code": {"coding": [{"system": "http://hl7.org/fhir/CodeSystem/task-code", "code": "fulfill", "display": "Fulfill the focal request"}]},
        "focus": {"reference": format!("ServiceRequest/{}", connection.referral_id)},
        "for": {"reference": format!("Patient/{person_id}")},
        "authoredOn": connection.sent_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "lastModified": connection.status_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "description": connection.service_name,
    });
    if let Some(text) = business {
        task["businessStatus"] = json!({"text": text});
    }
    task
}

/// The connection status a Task's status (and business status) stands for.
pub fn connection_status(task: &Value) -> Option<ConnectionStatus> {
    let attended = task.pointer("/businessStatus/text").and_then(Value::as_str)
        == Some(ATTENDED_FIRST_SESSION);
    match task["status"].as_str()? {
        "in-progress" if attended => Some(ConnectionStatus::AttendedFirstSession),
        code => ConnectionStatus::from_code(code),
    }
}

/// A search result set.
pub fn searchset(resources: Vec<Value>) -> Value {
    json!({
        "resourceType": "Bundle",
        "type": "searchset",
        "total": resources.len(),
        "entry": resources.into_iter().map(|r| {
            let url = format!("{}/{}", r["resourceType"].as_str().unwrap_or(""), r["id"].as_str().unwrap_or(""));
            json!({"fullUrl": url, "resource": r})
        }).collect::<Vec<_>>(),
    })
}

/// Canonical URL of Linkwell's Questionnaire for an instrument.
pub fn questionnaire_url(instrument: Instrument) -> String {
    format!("urn:linkwell:questionnaire:{}", instrument.code())
}

/// Extension carrying the score Linkwell gave a response (SWEMWBS metric, UCLA-3 total).
pub const SCORE_EXTENSION: &str = "urn:linkwell:extension:score";

pub fn questionnaire(instrument: Instrument) -> Value {
    let (low, high) = instrument.item_range();
    json!({
        "resourceType": "Questionnaire",
        "id": instrument.code(),
        "url": questionnaire_url(instrument),
        "name": instrument.code().to_uppercase(),
        "title": instrument.label(),
        "status": "active",
        "subjectType": ["Patient"],
        "item": instrument.items().iter().enumerate().map(|(i, text)| json!({
            "linkId": (i + 1).to_string(),
            "text": text,
            "type": "integer",
            "extension": [
                {"url": "http://hl7.org/fhir/StructureDefinition/minValue", "valueInteger": low},
                {"url": "http://hl7.org/fhir/StructureDefinition/maxValue", "valueInteger": high},
            ],
        })).collect::<Vec<_>>(),
    })
}

pub fn questionnaire_response(measure: &crate::referrals::Measure, person_id: i64) -> Value {
    let mut response = json!({
        "resourceType": "QuestionnaireResponse",
        "id": measure.id.to_string(),
        "questionnaire": questionnaire_url(measure.instrument),
        "status": if measure.complete { "completed" } else { "in-progress" },
        "subject": {"reference": format!("Patient/{person_id}")},
        "basedOn": [{"reference": format!("ServiceRequest/{}", measure.referral_id)}],
        "authored": measure.taken_on.to_string(),
        "item": measure.answers.iter().enumerate().map(|(i, answer)| {
            let mut item = json!({"linkId": (i + 1).to_string()});
            if let Some(value) = answer {
                item["answer"] = json!([{"valueInteger": value}]);
            }
            item
        }).collect::<Vec<_>>(),
    });
    let score = measure
        .score
        .as_ref()
        .and_then(|s| s.metric().or(s.total().map(f64::from)));
    if let Some(score) = score {
        response["extension"] = json!([{"url": SCORE_EXTENSION, "valueDecimal": score}]);
    }
    response
}
