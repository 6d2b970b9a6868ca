//! The message back to the GP: a FHIR message Bundle summarising a social prescribing
//! episode. By default it carries coded events only: the referral (SNOMED CT
//! 871731000000106, once the person accepted it), a decline (871711000000103; never both,
//! docs/gp-record.md), contacts where the person was seen,
//! well-being scores, and the close. Free text (what matters to the person, their needs
//! and goals in words) is added only where the person has agreed to share it with their
//! practice: an active consent naming the practice (by name or ODS code) for that field.

use super::intake::ODS_CODE_SYSTEM;
use super::resources::{condition, goal, instant, patient, questionnaire_url};
use super::SNOMED;
use crate::consent::{Consent, SharedField};
use crate::measures::Score;
use crate::people::Person;
use crate::referrals::Casework;
use crate::referrals::{
    ContactMode, Measure, Referral, ReferralEvent, ReferralState,
    SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING, SNOMED_SOCIAL_PRESCRIBING_DECLINED,
};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

/// The message's event code.
pub const EVENT_SYSTEM: &str = "urn:linkwell:CodeSystem:message-event";
pub const EPISODE_SUMMARY: &str = "social-prescribing-episode-summary";
/// Linkwell's codes for well-being measures and their parts.
pub const MEASURE_SYSTEM: &str = "urn:linkwell:CodeSystem:measure";
/// Why a referral closed, on the ServiceRequest.
pub const CLOSE_REASON_EXTENSION: &str = "urn:linkwell:extension:close-reason";

/// The fields of the record the person agreed to share with their practice.
pub fn agreed_with_practice(
    consents: &[Consent],
    practice_code: &str,
    practice_name: &str,
) -> Vec<SharedField> {
    let names = |organisation: &str| {
        let o = organisation.trim();
        o.eq_ignore_ascii_case(practice_code) || o.eq_ignore_ascii_case(practice_name)
    };
    let mut fields = Vec::new();
    for consent in consents
        .iter()
        .filter(|c| c.is_active() && names(&c.organisation))
    {
        for field in &consent.share {
            if !fields.contains(field) {
                fields.push(*field);
            }
        }
    }
    fields
}

/// Everything the message is made from.
pub struct Episode<'a> {
    pub person: &'a Person,
    /// The practice's ODS code and name.
    pub practice: (&'a str, &'a str),
    pub referral: &'a Referral,
    pub history: &'a [ReferralEvent],
    pub casework: &'a Casework,
    /// Free-text fields the person agreed to share with the practice.
    pub agreed: &'a [SharedField],
}

/// The namespace of the message Bundles' name-based (version 5) UUIDs: Linkwell's own, fixed
/// once (docs/fhir.md), so no other system's names can give the same ids.
pub const MESSAGE_ID_NAMESPACE: uuid::Uuid = uuid::uuid!("22ff1957-2302-48e4-b59d-4a20f8bf1145");

/// The message's identifier, named by what it says: the same message (the same episode, as of
/// the same events, built on the same server address) always has the same id, so a practice
/// can tell a message sent twice from a new one, and any change makes a new id.
fn message_id(entries: &[Value]) -> String {
    let name = serde_json::to_vec(entries).unwrap_or_default();
    format!(
        "urn:uuid:{}",
        uuid::Uuid::new_v5(&MESSAGE_ID_NAMESPACE, &name)
    )
}

/// The message; `base` is the server's FHIR base URL (`http://host/fhir`), against which
/// the resources' relative references resolve.
pub fn gp_message(episode: &Episode, base: &str, now: DateTime<Utc>) -> Value {
    let Episode {
        person,
        practice: (ods, practice_name),
        referral,
        history,
        casework,
        agreed,
    } = *episode;
    let patient_ref = format!("Patient/{}", person.id);
    let mut focus = Vec::new();
    let mut entries = Vec::new();
    let add = |resource: Value, entries: &mut Vec<Value>| {
        let url = format!(
            "{}/{}",
            resource["resourceType"].as_str().unwrap_or(""),
            resource["id"].as_str().unwrap_or("")
        );
        entries.push(json!({"fullUrl": format!("{base}/{url}"), "resource": resource}));
    };

    add(
        patient_for_practice(person, ods, practice_name),
        &mut entries,
    );

    let closed_at = history
        .iter()
        .rev()
        .find(|e| e.to_state.is_some_and(|s| !s.is_open()))
        .map(|e| e.at);
    // NHS guidance: the referral code is recorded when the person accepts, the declined code
    // when they decline; a message never carries both (a decline after accepting is the
    // decline). Until one is recorded the request is named in words only.
    let recorded = |code: &str| {
        history
            .iter()
            .any(|e| e.snomed_code.as_deref() == Some(code))
    };
    let declined = recorded(SNOMED_SOCIAL_PRESCRIBING_DECLINED);
    let request_code = if recorded(SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING) && !declined {
        json!({"coding": [{"system": SNOMED, "code": SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING,
                           "display": "Referral to social prescribing service"}]})
    } else {
        json!({"text": "Social prescribing referral"})
    };
    let mut request = json!({
        "resourceType": "ServiceRequest",
        "id": referral.id.to_string(),
        "status": match referral.state {
            ReferralState::Closed => "completed",
            ReferralState::Declined | ReferralState::UnableToContact => "revoked",
            _ => "active",
        },
        "intent": "order",
        "code": request_code,
        "subject": {"reference": patient_ref},
        "authoredOn": instant(referral.received_at),
        "occurrencePeriod": {"start": instant(referral.received_at)},
    });
    if let Some(end) = closed_at {
        request["occurrencePeriod"]["end"] = json!(instant(end));
    }
    if let Some(reason) = referral.close_reason {
        request["extension"] = json!([{"url": CLOSE_REASON_EXTENSION, "valueCode": reason.code()}]);
    }
    focus.push(json!({"reference": format!("ServiceRequest/{}", referral.id)}));
    add(request, &mut entries);

    for event in history
        .iter()
        .filter(|e| e.snomed_code.as_deref() == Some(SNOMED_SOCIAL_PRESCRIBING_DECLINED))
    {
        add(
            json!({
                "resourceType": "Observation",
                "id": format!("declined-{}", event.id),
                "status": "final",
                "code": {"coding": [{"system": SNOMED, "code": SNOMED_SOCIAL_PRESCRIBING_DECLINED,
                                     "display": "Social prescribing declined"}]},
                "subject": {"reference": patient_ref},
                "effectiveDateTime": instant(event.at),
            }),
            &mut entries,
        );
    }

    for contact in casework.contacts.iter().filter(|c| c.reached) {
        let class = match contact.mode {
            ContactMode::HomeVisit => ("HH", "home health"),
            ContactMode::InPerson => ("AMB", "ambulatory"),
            ContactMode::Phone | ContactMode::Video | ContactMode::Text => ("VR", "virtual"),
        };
        add(
            json!({
                "resourceType": "Encounter",
                "id": format!("contact-{}", contact.id),
                "status": "finished",
                "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": class.0, "display": class.1},
                "type": [{"coding": [{"system": "urn:linkwell:CodeSystem:contact-mode", "code": contact.mode.code(), "display": contact.mode.label()}]}],
                "subject": {"reference": patient_ref},
                "basedOn": [{"reference": format!("ServiceRequest/{}", referral.id)}],
                "period": {"start": instant(contact.at)},
                "length": {"value": contact.duration_minutes, "unit": "min", "system": "http://unitsofmeasure.org", "code": "min"},
            }),
            &mut entries,
        );
    }

    for measure in &casework.measures {
        if let Some(observation) = score_observation(measure, &patient_ref) {
            add(observation, &mut entries);
        }
    }

    if agreed.contains(&SharedField::Needs) {
        for need in &casework.needs {
            add(condition(need, referral), &mut entries);
        }
        for g in &casework.goals {
            add(goal(g, referral), &mut entries);
        }
    }
    if agreed.contains(&SharedField::WhatMatters) {
        for contact in &casework.contacts {
            if let Some(text) = contact.what_matters.as_deref().filter(|t| !t.is_empty()) {
                add(
                    json!({
                        "resourceType": "Observation",
                        "id": format!("what-matters-{}", contact.id),
                        "status": "final",
                        "code": {"coding": [{"system": MEASURE_SYSTEM, "code": "what-matters", "display": "What matters to me"}]},
                        "subject": {"reference": patient_ref},
                        "effectiveDateTime": instant(contact.at),
                        "valueString": text,
                    }),
                    &mut entries,
                );
            }
        }
    }

    let header = json!({
        "resourceType": "MessageHeader",
        "id": "header",
        "eventCoding": {"system": EVENT_SYSTEM, "code": EPISODE_SUMMARY, "display": "Social prescribing episode summary"},
        "destination": [{"name": practice_name, "endpoint": format!("urn:ods:{ods}"),
                         "receiver": {"identifier": {"system": ODS_CODE_SYSTEM, "value": ods}, "display": practice_name}}],
        "source": {"name": "Linkwell", "software": "Linkwell", "endpoint": "urn:linkwell"},
        "focus": focus,
    });
    entries.insert(
        0,
        json!({"fullUrl": format!("{base}/MessageHeader/header"), "resource": header}),
    );
    json!({
        "resourceType": "Bundle",
        "identifier": {"system": "urn:ietf:rfc:3986", "value": message_id(&entries)},
        "type": "message",
        "timestamp": instant(now),
        "entry": entries,
    })
}

/// A well-being score as an Observation: numbers and codes, never the answers' wording.
/// The Patient as the practice receives it: only what it needs to find the person on its
/// own list and file the message (NHS number, official name, date of birth, and itself as
/// the registered practice). Everything else the record holds (sex, ethnicity, address,
/// phone, the PRSB fields: preferred name, language and interpreter, communication needs,
/// contact preferences) is the practice's already or not its to have from us: data
/// minimisation, UK GDPR Article 5(1)(c) (docs/gp-record.md, "The Patient in the message").
/// An allow-list, so a field added to the full Patient later is never sent by accident.
fn patient_for_practice(person: &Person, ods: &str, practice_name: &str) -> Value {
    let full = patient(person);
    let mut who = json!({
        "resourceType": "Patient",
        "id": full["id"],
        "name": [{"use": "official", "family": person.family_name, "given": [person.given_name]}],
        "birthDate": full["birthDate"],
        "generalPractitioner": [{"identifier": {"system": ODS_CODE_SYSTEM, "value": ods}, "display": practice_name}],
    });
    if !full["identifier"].is_null() {
        who["identifier"] = full["identifier"].clone();
    }
    who
}

fn score_observation(measure: &Measure, patient_ref: &str) -> Option<Value> {
    let score = measure.score.as_ref()?;
    let code = |code: &str, display: &str| json!({"coding": [{"system": MEASURE_SYSTEM, "code": code, "display": display}], "text": display});
    let mut observation = json!({
        "resourceType": "Observation",
        "id": format!("measure-{}", measure.id),
        "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "survey"}]}],
        "code": code(measure.instrument.code(), measure.instrument.label()),
        "subject": {"reference": patient_ref},
        "effectiveDateTime": measure.taken_on.to_string(),
        "derivedFrom": [{"display": questionnaire_url(measure.instrument)}],
    });
    match score {
        Score::Swemwbs { raw, metric } => {
            observation["valueQuantity"] = json!({"value": metric, "unit": "metric score"});
            observation["component"] =
                json!([{"code": code("swemwbs-raw", "SWEMWBS raw score"), "valueInteger": raw}]);
        }
        Score::Ucla3 { total } => observation["valueInteger"] = json!(total),
        Score::Ons4 {
            life_satisfaction,
            worthwhile,
            happiness,
            anxiety,
            ..
        } => {
            observation["component"] = json!([
                {"code": code("ons4-life-satisfaction", "Life satisfaction"), "valueInteger": life_satisfaction},
                {"code": code("ons4-worthwhile", "Worthwhile"), "valueInteger": worthwhile},
                {"code": code("ons4-happiness", "Happiness"), "valueInteger": happiness},
                {"code": code("ons4-anxiety", "Anxiety"), "valueInteger": anxiety},
            ]);
        }
    }
    Some(observation)
}
