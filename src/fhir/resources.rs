//! Linkwell records as FHIR R4 resources, and the parts of incoming resources Linkwell
//! reads.

use super::search::Kind;
use super::{FHIR_VERSION, NHS_NUMBER_SYSTEM, SNOMED};
use crate::consent::{Consent, ConsentMethod, ConsentStatus, NewConsent, SharedField};
use crate::measures::Instrument;
use crate::people::{Ethnicity, Person, Sex};
use crate::referrals::{
    CloseReason, Connection, ConnectionStatus, Goal, Need, RecordedNeed, Referral, ReferralState,
    SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING,
};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

/// The SDOH Clinical Care IG's code system for SDOH categories.
pub const SDOH_CATEGORY_SYSTEM: &str =
    "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes";
/// Linkwell's own codes for what a person wants help with (UK wording).
pub const NEED_SYSTEM: &str = "urn:linkwell:CodeSystem:need";
/// The parts of a record a person may agree to share.
pub const SHARED_FIELD_SYSTEM: &str = "urn:linkwell:CodeSystem:shared-field";
/// How a consent was given (verbal, written, digital).
pub const CONSENT_METHOD_EXTENSION: &str = "urn:linkwell:extension:consent-method";
/// UK Core extension for a person's ethnic category.
pub const ETHNIC_CATEGORY_EXTENSION: &str =
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory";
/// ONS 2021 census high-level ethnic groups (England and Wales), as Linkwell records them.
pub const ONS_ETHNIC_GROUP_SYSTEM: &str = "urn:linkwell:CodeSystem:ons-2021-ethnic-group";
/// NHS Data Dictionary ethnic category codes, used for "not stated" (Z), the one group that
/// maps exactly from the high-level ONS groups.
pub const UK_ETHNIC_CATEGORY_SYSTEM: &str =
    "https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategory";

/// An instant as FHIR writes it.
pub fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Sets `meta.lastUpdated`, which `_lastUpdated` searches compare.
pub fn with_last_updated(mut resource: Value, at: DateTime<Utc>) -> Value {
    resource["meta"] = json!({"lastUpdated": instant(at)});
    resource
}

/// The IG's SDOH category coding for a need, "unspecified" where none fits.
pub fn sdoh_category(need: Option<Need>) -> Value {
    let code = need
        .and_then(Need::gravity_category)
        .unwrap_or("sdoh-category-unspecified");
    json!({"coding": [{"system": SDOH_CATEGORY_SYSTEM, "code": code}]})
}

/// What Linkwell does with each type, in words, and which interactions beyond read and
/// search it accepts.
fn support(kind: Kind) -> (&'static str, &'static [&'static str]) {
    match kind {
        Kind::Patient => ("The person referred, with their NHS number where known and their ethnic group (ONS 2021 high-level groups); the PRSB record's address lines and city, preferred name (name.use = usual), preferred language (communication, BCP 47), interpreterRequired and genderIdentity (FHIR core extensions) and UK Core ContactPreference.", &[]),
        Kind::ServiceRequest => ("A referral to social prescribing (SNOMED CT 871731000000106). Create with the Patient contained or as a reference to Patient/{id} (or in a transaction Bundle with its Patient and Consent); the same identifier posted again returns the referral already made. Categories are the SDOH categories of the needs recorded. $gp-message returns the episode summary for the person's practice.", &["create"]),
        Kind::Task => ("Each connection to a community service is a Task with code fulfill and focus the ServiceRequest. The organisation it was sent to (or the referral's team) updates its status; businessStatus 'attended first session' with status in-progress records attendance.", &["update"]),
        Kind::Goal => ("Goals agreed with the person, with progress (0-10) as notes and the achievement status derived from it.", &[]),
        Kind::Consent => ("Consent to share with a community organisation (the IRCP actor): which fields, how given, and whether withdrawn.", &[]),
        Kind::Condition => ("What the person wants help with, as SDOH health concerns with the IG's SDOH category; active while the referral is open.", &[]),
        Kind::Questionnaire => ("ONS4, SWEMWBS and UCLA-3, as Linkwell's forms ask them. Public.", &[]),
        Kind::QuestionnaireResponse => ("Create with basedOn the ServiceRequest; scored exactly as the form is (the score is returned in an extension). A missing answer stores the questionnaire as incomplete and unscored. The first for an instrument is the baseline, later ones follow-ups.", &["create"]),
    }
}

/// What Linkwell supports, exactly.
pub fn capability_statement(date: &str) -> Value {
    let mut resources: Vec<Value> = Kind::ALL
        .iter()
        .map(|kind| {
            let (documentation, writes) = support(*kind);
            let mut interactions = vec![json!({"code": "read"}), json!({"code": "search-type"})];
            interactions.extend(writes.iter().map(|w| json!({"code": w})));
            let mut resource = json!({
                "type": kind.name(),
                "documentation": documentation,
                "interaction": interactions,
                "searchParam": kind.parameters().into_iter().map(|(name, kind)| json!({"name": name, "type": kind}))
                    .chain([json!({"name": "_count", "type": "number"}), json!({"name": "_offset", "type": "number"})])
                    .collect::<Vec<_>>(),
            });
            if *kind == Kind::ServiceRequest {
                resource["conditionalCreate"] = json!(true);
                resource["operation"] = json!([{"name": "gp-message", "definition": "urn:linkwell:OperationDefinition:gp-message",
                    "documentation": "GET /fhir/ServiceRequest/{id}/$gp-message: a message Bundle for the person's GP practice"}]);
            }
            resource
        })
        .collect();
    resources.push(super::observation::capability_entry());
    resources.extend(super::terminology::capability_entries());
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
            "documentation": "Every request except /fhir/metadata and Questionnaire reads needs an OAuth-style bearer token (Authorization: Bearer). Searches refuse parameters they do not support (400) rather than ignore them; pages hold _count resources (default 50, at most 500), most recently changed first.",
            "security": {"service": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/restful-security-service", "code": "OAuth"}]}]},
            "resource": resources,
            "interaction": [{"code": "transaction", "documentation": "POST /fhir: one ServiceRequest with its Patient (an entry or a reference) and optionally a Consent, all or nothing."}],
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
    patient["extension"] = json!([{"url": ETHNIC_CATEGORY_EXTENSION, "valueCodeableConcept": ethnic_category(person.ethnicity)}]);
    super::patient_record::add_to_patient(person, &mut patient);
    patient
}

fn ethnic_category(ethnicity: Ethnicity) -> Value {
    let mut coding = vec![
        json!({"system": ONS_ETHNIC_GROUP_SYSTEM, "code": ethnicity.code(), "display": ethnicity.label()}),
    ];
    if ethnicity == Ethnicity::NotStated {
        coding.push(
            json!({"system": UK_ETHNIC_CATEGORY_SYSTEM, "code": "Z", "display": "Not stated"}),
        );
    }
    json!({"coding": coding, "text": ethnicity.label()})
}

/// The person's ethnic group from a Patient's ethnic category extension, if it carries one
/// Linkwell can read (an ONS 2021 group, or NHS category codes mapped to their group).
pub fn ethnicity_from(patient: &Value) -> Option<Ethnicity> {
    let concept = patient["extension"]
        .as_array()?
        .iter()
        .find(|e| e["url"] == ETHNIC_CATEGORY_EXTENSION)?
        .get("valueCodeableConcept")?;
    concept["coding"].as_array()?.iter().find_map(|c| {
        let code = c["code"].as_str()?;
        match c["system"].as_str()? {
            ONS_ETHNIC_GROUP_SYSTEM => Ethnicity::from_code(code),
            UK_ETHNIC_CATEGORY_SYSTEM => ethnicity_of_nhs_category(code),
            _ => None,
        }
    })
}

/// NHS Data Dictionary ethnic category (2001 census letters) to the ONS high-level group.
fn ethnicity_of_nhs_category(code: &str) -> Option<Ethnicity> {
    Some(match code {
        "A" | "B" | "C" => Ethnicity::White,
        "D" | "E" | "F" | "G" => Ethnicity::Mixed,
        "H" | "J" | "K" | "L" | "R" => Ethnicity::Asian,
        "M" | "N" | "P" => Ethnicity::Black,
        "S" => Ethnicity::Other,
        "Z" | "99" => Ethnicity::NotStated,
        _ => return None,
    })
}

/// FHIR `ServiceRequest.status` for a referral's state; a referral closed as entered in
/// error is FHIR's own `entered-in-error`.
fn request_status(state: ReferralState, reason: Option<CloseReason>) -> &'static str {
    if reason == Some(CloseReason::EnteredInError) {
        return "entered-in-error";
    }
    match state {
        ReferralState::Received | ReferralState::Contacting | ReferralState::Active => "active",
        ReferralState::Closed => "completed",
        ReferralState::Declined | ReferralState::UnableToContact => "revoked",
    }
}

/// A referral; its categories are the SDOH categories of the needs recorded (for those who
/// may see casework), else "unspecified".
pub fn service_request(
    referral: &Referral,
    identifiers: &[(String, String)],
    needs: &[Need],
) -> Value {
    let mut categories: Vec<Value> = Vec::new();
    for need in needs {
        let category = sdoh_category(Some(*need));
        if !categories.contains(&category) {
            categories.push(category);
        }
    }
    if categories.is_empty() {
        categories.push(sdoh_category(None));
    }
    let mut request = json!({
        "resourceType": "ServiceRequest",
        "id": referral.id.to_string(),
        "status": request_status(referral.state, referral.close_reason),
        "intent": "order",
        "category": categories,
        "code": {"coding": [{"system": SNOMED, "code": SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING,
                             "display": "Referral to social prescribing service"}]},
        "subject": {"reference": format!("Patient/{}", referral.person_id)},
        "authoredOn": instant(referral.received_at),
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
        "authoredOn": instant(connection.sent_at),
        "lastModified": instant(connection.status_at),
        "description": connection.service_name,
    });
    if let Some(text) = business {
        task["businessStatus"] = json!({"text": text});
    }
    task
}

/// A connection as the Task its community organisation sees: what its inbox shows (the
/// service, status, when sent), without the internal Patient and ServiceRequest it serves.
pub fn organisation_task(shared: &crate::consent::SharedConnection) -> Value {
    let (status, business) = match shared.status {
        ConnectionStatus::AttendedFirstSession => ("in-progress", Some(ATTENDED_FIRST_SESSION)),
        other => (other.code(), None),
    };
    let mut task = json!({
        "resourceType": "Task",
        "id": shared.connection_id.to_string(),
        "status": status,
        "intent": "order",
        "code": {"coding": [{"system": "http://hl7.org/fhir/CodeSystem/task-code", "code": "fulfill", "display": "Fulfill the focal request"}]},
        "authoredOn": instant(shared.sent_at),
        "description": shared.service_name,
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

/// A recorded need as an SDOH Clinical Care Condition (a health concern): active while
/// the referral is open.
pub fn condition(need: &RecordedNeed, referral: &Referral) -> Value {
    let clinical = if referral.state.is_open() {
        "active"
    } else {
        "inactive"
    };
    let mut condition = json!({
        "resourceType": "Condition",
        "id": need.id.to_string(),
        "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": clinical}]},
        "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]},
        "category": [
            {"coding": [{"system": "http://hl7.org/fhir/us/core/CodeSystem/condition-category", "code": "health-concern", "display": "Health Concern"}]},
            sdoh_category(Some(need.need)),
        ],
        "code": {"coding": [{"system": NEED_SYSTEM, "code": need.need.code(), "display": need.need.label()}], "text": need.need.label()},
        "subject": {"reference": format!("Patient/{}", referral.person_id)},
        "evidence": [{"detail": [{"reference": format!("ServiceRequest/{}", referral.id)}]}],
    });
    if let Some(at) = need.recorded_at {
        condition["recordedDate"] = json!(instant(at));
    }
    if !need.notes.is_empty() {
        condition["note"] = json!([{"text": need.notes}]);
    }
    condition
}

/// FHIR goal achievement code for progress on Linkwell's 0-10 scale.
fn achievement(goal: &Goal, referral_open: bool) -> &'static str {
    let first = goal.progress_history.first().map_or(0, |p| p.progress);
    match goal.progress {
        10 => "achieved",
        _ if !referral_open => "not-achieved",
        p if goal.progress_history.len() < 2 => {
            if p > 0 {
                "in-progress"
            } else {
                "no-progress"
            }
        }
        p if p > first => "improving",
        p if p < first => "worsening",
        _ => "no-change",
    }
}

/// A goal agreed with the person (expressed by them), with its progress.
pub fn goal(goal: &Goal, referral: &Referral) -> Value {
    let open = referral.state.is_open();
    let lifecycle = if goal.progress == 10 || !open {
        "completed"
    } else {
        "active"
    };
    let mut resource = json!({
        "resourceType": "Goal",
        "id": goal.id.to_string(),
        "lifecycleStatus": lifecycle,
        "achievementStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/goal-achievement", "code": achievement(goal, open)}]},
        "category": [sdoh_category(goal.need)],
        "description": {"text": goal.description},
        "subject": {"reference": format!("Patient/{}", referral.person_id)},
        "expressedBy": {"reference": format!("Patient/{}", referral.person_id)},
        "note": goal.progress_history.iter().map(|p| {
            let text = if p.note.is_empty() { format!("Progress {}/10", p.progress) } else { format!("Progress {}/10: {}", p.progress, p.note) };
            json!({"time": instant(p.at), "text": text})
        }).collect::<Vec<_>>(),
    });
    if let Some(latest) = goal.progress_history.last() {
        resource["statusDate"] = json!(latest.at.date_naive().to_string());
    }
    resource
}

/// A consent to share with a community organisation, as the SDOH Clinical Care IG's
/// Consent: disclosure (IDSCL) permitted to the organisation, of the fields listed.
pub fn consent(consent: &Consent) -> Value {
    let mut period = json!({"start": instant(consent.given_at)});
    if let Some(end) = consent.withdrawn_at {
        period["end"] = json!(instant(end));
    }
    json!({
        "resourceType": "Consent",
        "id": consent.id.to_string(),
        "extension": [{"url": CONSENT_METHOD_EXTENSION, "valueCode": consent.method.code()}],
        "status": consent_status(consent),
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IDSCL", "display": "information disclosure"}]}],
        "patient": {"reference": format!("Patient/{}", consent.person_id)},
        "dateTime": instant(consent.given_at),
        "organization": [{"display": "Linkwell social prescribing service"}],
        "sourceAttachment": {"title": consent.method.label()},
        "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]},
        "provision": {
            "type": "permit",
            "period": period,
            "actor": [{
                "role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "IRCP", "display": "information recipient"}]},
                "reference": {"display": consent.organisation},
            }],
            "action": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentaction", "code": "disclose"}]}],
            "code": consent.share.iter().map(|f| json!({"coding": [{"system": SHARED_FIELD_SYSTEM, "code": f.code(), "display": f.label()}]})).collect::<Vec<_>>(),
        },
    })
}

/// FHIR consent-state-codes: sent with a referral and not yet confirmed is `proposed`
/// (`rejected` if withdrawn before it was), confirmed is `active`, withdrawn is `inactive`.
fn consent_status(consent: &Consent) -> &'static str {
    match (consent.status, consent.withdrawn_at.is_some()) {
        (ConsentStatus::Proposed, false) => "proposed",
        (ConsentStatus::Proposed, true) => "rejected",
        (ConsentStatus::Active, false) => "active",
        (ConsentStatus::Active, true) => "inactive",
    }
}

/// Reads a posted Consent, naming the first thing missing or wrong. Whatever its status,
/// it is held as proposed until the link worker confirms it with the person.
pub fn consent_terms(consent: &Value) -> Result<NewConsent, String> {
    if !matches!(consent["status"].as_str(), Some("active" | "proposed")) {
        return Err("Consent.status must be \"proposed\" or \"active\" (held as proposed until the link worker confirms it with the person)".into());
    }
    let provision = &consent["provision"];
    if provision["type"] != "permit" {
        return Err("Consent.provision.type must be \"permit\"".into());
    }
    let organisation = provision["actor"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| a.pointer("/role/coding/0/code").and_then(Value::as_str) == Some("IRCP"))
        .and_then(|a| a.pointer("/reference/display").and_then(Value::as_str))
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .ok_or("Consent.provision.actor needs the receiving organisation (role IRCP) with its name in reference.display")?
        .to_string();
    let mut share = Vec::new();
    for coding in provision["code"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["coding"].as_array().into_iter().flatten())
    {
        let code = coding["code"].as_str().unwrap_or("");
        if coding["system"] != SHARED_FIELD_SYSTEM {
            continue;
        }
        let field = SharedField::from_code(code).ok_or_else(|| {
            format!("Consent.provision.code {code:?} is not a field Linkwell shares")
        })?;
        if !share.contains(&field) {
            share.push(field);
        }
    }
    if share.is_empty() {
        let fields: Vec<&str> = SharedField::ALL.iter().map(|f| f.code()).collect();
        return Err(format!(
            "Consent.provision.code must list what may be shared ({SHARED_FIELD_SYSTEM}: {})",
            fields.join(", ")
        ));
    }
    let method = consent["extension"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["url"] == CONSENT_METHOD_EXTENSION)
        .and_then(|e| e["valueCode"].as_str())
        .and_then(ConsentMethod::from_code)
        .ok_or_else(|| format!("Consent needs the extension {CONSENT_METHOD_EXTENSION} with valueCode verbal, written or digital"))?;
    Ok(NewConsent {
        organisation,
        share,
        method,
    })
}
