//! The PRSB record's further fields on a FHIR Patient, both ways, in the shapes UK Core
//! Patient uses: address lines and city, a `usual` name for the preferred name,
//! `communication.language` (BCP 47, ValueSet all-languages) with `preferred`, the core
//! extensions `patient-interpreterRequired` and `patient-genderIdentity`, and UK Core's
//! `Extension-UKCore-ContactPreference` (PreferredContactMethod, PreferredContactTimes,
//! PreferredWrittenCommunicationFormat, coded from `data/ukcore-contact-codes.csv`).
//! Communication needs in words have no published Patient element or extension, so they
//! are not sent (they stay on the person's page and plan).

use super::api::FhirError;
use crate::people::record::{ukcore_display, CONTACT_METHOD_SYSTEM, WRITTEN_FORMAT_SYSTEM};
use crate::people::{ContactMethod, Language, Person, PrsbDetails, WrittenFormat};
use serde_json::{json, Value};

pub const BCP47_SYSTEM: &str = "urn:ietf:bcp:47";
/// FHIR R4 core extension (UK Core Patient profiles it as `interpreterRequired`).
pub const INTERPRETER_REQUIRED_EXTENSION: &str =
    "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired";
/// FHIR R4 core extension for gender identity; Linkwell sends the person's words as text.
pub const GENDER_IDENTITY_EXTENSION: &str =
    "http://hl7.org/fhir/StructureDefinition/patient-genderIdentity";
pub const CONTACT_PREFERENCE_EXTENSION: &str =
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-ContactPreference";

fn ukcore_coding(system: &str, code: &str) -> Value {
    let display = ukcore_display(system, code).unwrap_or_default();
    json!({"coding": [{"system": system, "code": code, "display": display}], "text": display})
}

/// Adds the PRSB fields to a Patient built from the person's core fields.
pub fn add_to_patient(person: &Person, patient: &mut Value) {
    let record = &person.record;
    let lines: Vec<&str> = [
        record.address_line1.as_deref(),
        record.address_line2.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !lines.is_empty() {
        patient["address"][0]["line"] = json!(lines);
    }
    if let Some(town) = &record.town {
        patient["address"][0]["city"] = json!(town);
    }
    if let Some(preferred) = &record.preferred_name {
        if let Some(names) = patient["name"].as_array_mut() {
            names.push(json!({"use": "usual", "given": [preferred]}));
        }
    }
    if let Some(language) = record.preferred_language {
        patient["communication"] = json!([{
            "language": {"coding": [{"system": BCP47_SYSTEM, "code": language.code(), "display": language.label()}],
                         "text": language.label()},
            "preferred": true
        }]);
    }
    let mut extensions = Vec::new();
    if let Some(needed) = record.interpreter_needed {
        extensions.push(json!({"url": INTERPRETER_REQUIRED_EXTENSION, "valueBoolean": needed}));
    }
    if let Some(identity) = &record.gender_identity {
        extensions.push(
            json!({"url": GENDER_IDENTITY_EXTENSION, "valueCodeableConcept": {"text": identity}}),
        );
    }
    let mut preference = Vec::new();
    if let Some(method) = record.preferred_contact_method {
        preference.push(json!({"url": "PreferredContactMethod",
            "valueCodeableConcept": ukcore_coding(CONTACT_METHOD_SYSTEM, method.ukcore_code())}));
    }
    if let Some(times) = &record.preferred_contact_times {
        preference.push(json!({"url": "PreferredContactTimes", "valueString": times}));
    }
    if let Some(format) = record.written_format {
        preference.push(json!({"url": "PreferredWrittenCommunicationFormat",
            "valueCodeableConcept": ukcore_coding(WRITTEN_FORMAT_SYSTEM, format.ukcore_code())}));
    }
    if !preference.is_empty() {
        extensions.push(json!({"url": CONTACT_PREFERENCE_EXTENSION, "extension": preference}));
    }
    if !extensions.is_empty() {
        match patient["extension"].as_array_mut() {
            Some(existing) => existing.extend(extensions),
            None => patient["extension"] = json!(extensions),
        }
    }
}

fn extension<'a>(within: &'a Value, url: &str) -> Option<&'a Value> {
    within["extension"]
        .as_array()?
        .iter()
        .find(|e| e["url"] == url)
}

/// The code of the first coding in `system`, or an error naming the element.
fn coded<'a>(concept: &'a Value, system: &str, element: &str) -> Result<&'a str, FhirError> {
    concept["coding"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["system"] == system)
        .and_then(|c| c["code"].as_str())
        .ok_or_else(|| FhirError::invalid(format!("{element} needs a coding in {system}")))
}

fn string_at(value: &Value, element: &str) -> Result<Option<String>, FhirError> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        _ => Err(FhirError::invalid(format!("{element} must be a string"))),
    }
}

/// Reads the PRSB fields from a sent Patient; checked later with the rest of the person.
/// An unknown code is refused, naming the element (nothing is written).
pub fn from_patient(patient: &Value) -> Result<PrsbDetails, FhirError> {
    let address = &patient["address"][0];
    let lines: Vec<String> = match &address["line"] {
        Value::Null => Vec::new(),
        Value::Array(lines) => lines
            .iter()
            .map(|l| {
                l.as_str().map(str::to_string).ok_or_else(|| {
                    FhirError::invalid("Patient.address.line must be a list of strings")
                })
            })
            .collect::<Result<_, _>>()?,
        _ => return Err(FhirError::invalid("Patient.address.line must be a list")),
    };
    let preferred_name = patient["name"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|n| n["use"] == "usual")
        .map(|n| string_at(&n["given"][0], "Patient.name(usual).given"))
        .transpose()?
        .flatten();
    let communication = patient["communication"].as_array();
    let chosen = communication.and_then(|all| {
        all.iter()
            .find(|c| c["preferred"] == true)
            .or_else(|| all.first())
    });
    let preferred_language = chosen
        .map(|c| {
            coded(
                &c["language"],
                BCP47_SYSTEM,
                "Patient.communication.language",
            )
        })
        .transpose()?
        .map(|code| {
            Language::parse(code)
                .map(|l| l.code().to_string())
                .map_err(|e| {
                    FhirError::invalid(format!("Patient.communication.language {code:?}: {e}"))
                })
        })
        .transpose()?;
    let interpreter_needed = match extension(patient, INTERPRETER_REQUIRED_EXTENSION) {
        None => None,
        Some(e) => Some(e["valueBoolean"].as_bool().ok_or_else(|| {
            FhirError::invalid("the interpreterRequired extension needs valueBoolean")
        })?),
    };
    let gender_identity = match extension(patient, GENDER_IDENTITY_EXTENSION) {
        None => None,
        Some(e) => {
            let concept = &e["valueCodeableConcept"];
            let words = concept["text"].as_str().or_else(|| {
                concept["coding"][0]["display"]
                    .as_str()
                    .or(concept["coding"][0]["code"].as_str())
            });
            Some(words.map(str::to_string).ok_or_else(|| {
                FhirError::invalid(
                    "the genderIdentity extension needs valueCodeableConcept with text",
                )
            })?)
        }
    };
    let mut method = None;
    let mut format = None;
    let mut times = None;
    if let Some(preference) = extension(patient, CONTACT_PREFERENCE_EXTENSION) {
        if let Some(e) = extension(preference, "PreferredContactMethod") {
            let code = coded(
                &e["valueCodeableConcept"],
                CONTACT_METHOD_SYSTEM,
                "PreferredContactMethod",
            )?;
            method = Some(ContactMethod::from_ukcore_code(code).ok_or_else(|| {
                FhirError::invalid(format!(
                    "PreferredContactMethod: {code:?} is not a UK Core PreferredContactMethod code"
                ))
            })?);
        }
        if let Some(e) = extension(preference, "PreferredWrittenCommunicationFormat") {
            let code = coded(
                &e["valueCodeableConcept"],
                WRITTEN_FORMAT_SYSTEM,
                "PreferredWrittenCommunicationFormat",
            )?;
            format = Some(WrittenFormat::from_ukcore_code(code).ok_or_else(|| {
                FhirError::invalid(format!(
                    "PreferredWrittenCommunicationFormat: {code:?} is not a UK Core code"
                ))
            })?);
        }
        if let Some(e) = extension(preference, "PreferredContactTimes") {
            times = string_at(&e["valueString"], "PreferredContactTimes.valueString")?;
        }
    }
    Ok(PrsbDetails {
        address_line1: lines.first().cloned(),
        address_line2: (lines.len() > 1).then(|| lines[1..].join(", ")),
        town: string_at(&address["city"], "Patient.address.city")?,
        preferred_name,
        gender_identity,
        preferred_language,
        interpreter_needed,
        communication_needs: None,
        written_format: format,
        preferred_contact_method: method,
        preferred_contact_times: times,
    })
}
