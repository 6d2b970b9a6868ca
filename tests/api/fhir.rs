//! FHIR R4: a ServiceRequest makes a referral once per identifier, reads come back as
//! FHIR, and bad or wrong-version resources get an OperationOutcome and change nothing.

use crate::helpers::{spawn_app, Backend, TestApp};
use crate::on_both_databases;
use reqwest::StatusCode;
use serde_json::{json, Value};

pub async fn fhir(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<(&str, Value)>,
) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let url = format!("{}/fhir{path}", app.address);
    let mut request = match method {
        "POST" => app.client.post(url),
        "PUT" => app.client.put(url),
        _ => app.client.get(url),
    };
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some((media, body)) = body {
        request = request.header("content-type", media).body(body.to_string());
    }
    let response = request.send().await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    (status, response.json().await.unwrap(), headers)
}

pub fn service_request(identifier: &str) -> Value {
    json!({
        "resourceType": "ServiceRequest",
        "identifier": [{"system": "https://example.org/gp-referrals", "value": identifier}],
        "status": "active",
        "intent": "order",
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "871731000000106"}]},
        "subject": {"reference": "#p"},
        "reasonCode": [{"text": "Isolated since moving"}],
        "contained": [{
            "resourceType": "Patient", "id": "p",
            "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"}],
            "name": [{"family": "Example", "given": ["Pat"]}],
            "gender": "female", "birthDate": "1950-02-01",
            "telecom": [{"system": "phone", "value": "07700 900123"}],
            "address": [{"postalCode": "B25 8DS"}]
        }]
    })
}

on_both_databases!(a_service_request_makes_one_referral_and_reads_back);

async fn a_service_request_makes_one_referral_and_reads_back(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, capability, headers) = fhir(&app, "GET", "/metadata", None, None).await;
    assert_eq!(status, StatusCode::OK, "metadata is public");
    assert_eq!(
        (
            capability["resourceType"].as_str(),
            capability["fhirVersion"].as_str()
        ),
        (Some("CapabilityStatement"), Some("4.0.1"))
    );
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/fhir+json"));
    let types: Vec<&str> = capability["rest"][0]["resource"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "Patient",
            "ServiceRequest",
            "Task",
            "Goal",
            "Consent",
            "Condition",
            "Questionnaire",
            "QuestionnaireResponse",
            "Observation",
            "CodeSystem",
            "ValueSet"
        ],
        "exactly what is supported"
    );

    let before = app.count("referrals").await;
    let post = (("application/fhir+json"), service_request("gp-123"));
    let (status, created, headers) = fhir(
        &app,
        "POST",
        "/ServiceRequest",
        Some(&app.link_worker),
        Some(post.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(
        headers["location"],
        format!("/fhir/ServiceRequest/{id}").as_str()
    );
    assert_eq!(created["code"]["coding"][0]["code"], "871731000000106");
    assert_eq!(created["status"], "active");
    assert_eq!(created["identifier"][0]["value"], "gp-123");
    assert_eq!(app.count("referrals").await, before + 1);

    // The same identifier again: the referral already made, not a second one.
    let (status, again, _) = fhir(
        &app,
        "POST",
        "/ServiceRequest",
        Some(&app.link_worker),
        Some(post),
    )
    .await;
    assert_eq!(
        (status, again["id"].as_str()),
        (StatusCode::OK, Some(id.as_str()))
    );
    assert_eq!(app.count("referrals").await, before + 1);

    let (status, read, _) = fhir(
        &app,
        "GET",
        &format!("/ServiceRequest/{id}"),
        Some(&app.link_worker),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read, created);
    let (status, patient, _) = fhir(
        &app,
        "GET",
        &format!("/{}", read["subject"]["reference"].as_str().unwrap()),
        Some(&app.link_worker),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        patient["identifier"][0],
        json!({"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"})
    );
    assert_eq!(
        (patient["gender"].as_str(), patient["birthDate"].as_str()),
        (Some("female"), Some("1950-02-01"))
    );

    // A second referral for the same person by reference.
    let mut by_reference = service_request("gp-124");
    by_reference["subject"] = json!({"reference": read["subject"]["reference"]});
    by_reference.as_object_mut().unwrap().remove("contained");
    let (status, second, _) = fhir(
        &app,
        "POST",
        "/ServiceRequest",
        Some(&app.link_worker),
        Some(("application/fhir+json", by_reference)),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    assert_eq!(second["subject"], read["subject"]);
    let (status, _, _) = fhir(
        &app,
        "GET",
        &format!("/ServiceRequest/{id}"),
        Some(&app.other_team_worker),
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another team's referral is not found"
    );
}

on_both_databases!(bad_fhir_gets_an_operation_outcome_and_changes_nothing);

async fn bad_fhir_gets_an_operation_outcome_and_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let (referrals, people) = (app.count("referrals").await, app.count("people").await);
    let mut wrong_code = service_request("x1");
    wrong_code["code"]["coding"][0]["code"] = json!("183851006");
    let mut no_subject = service_request("x2");
    no_subject.as_object_mut().unwrap().remove("subject");
    let mut bad_patient = service_request("x3");
    bad_patient["contained"][0]["birthDate"] = json!("1950");
    let mut draft = service_request("x4");
    draft["status"] = json!("draft");
    let fhir_json = "application/fhir+json";
    for (media, body, status, code) in [
        (
            fhir_json,
            json!("not a resource"),
            StatusCode::BAD_REQUEST,
            "structure",
        ),
        (
            fhir_json,
            json!({"resourceType": "Patient"}),
            StatusCode::BAD_REQUEST,
            "structure",
        ),
        (
            "application/fhir+json; fhirVersion=5.0",
            service_request("x0"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "not-supported",
        ),
        (
            "text/plain",
            service_request("x0"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "not-supported",
        ),
        (
            fhir_json,
            wrong_code,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            fhir_json,
            no_subject,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            fhir_json,
            bad_patient,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            fhir_json,
            draft,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
    ] {
        let (s, outcome, headers) = fhir(
            &app,
            "POST",
            "/ServiceRequest",
            Some(&app.link_worker),
            Some((media, body.clone())),
        )
        .await;
        assert_eq!(s, status, "{body}: {outcome}");
        assert_eq!(outcome["resourceType"], "OperationOutcome", "{outcome}");
        assert_eq!(outcome["issue"][0]["code"], code, "{outcome}");
        assert!(outcome["issue"][0]["diagnostics"]
            .as_str()
            .is_some_and(|d| !d.is_empty()));
        assert!(headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/fhir+json"));
    }
    let (s, outcome, _) = fhir(
        &app,
        "POST",
        "/ServiceRequest",
        None,
        Some((fhir_json, service_request("x5"))),
    )
    .await;
    assert_eq!(
        (s, outcome["resourceType"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("OperationOutcome"))
    );
    let (s, outcome, _) = fhir(
        &app,
        "POST",
        "/ServiceRequest",
        Some(&app.analyst),
        Some((fhir_json, service_request("x6"))),
    )
    .await;
    assert_eq!(
        (s, outcome["issue"][0]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    let (s, outcome, _) = fhir(&app, "GET", "/Observation/1", Some(&app.link_worker), None).await;
    assert_eq!(
        (s, outcome["resourceType"].as_str()),
        (StatusCode::NOT_FOUND, Some("OperationOutcome"))
    );
    assert_eq!(
        (app.count("referrals").await, app.count("people").await),
        (referrals, people),
        "nothing changed"
    );
}

on_both_databases!(a_connection_is_a_task_the_organisation_moves_to_completed);

async fn a_connection_is_a_task_the_organisation_moves_to_completed(backend: Backend) {
    let app = spawn_app(backend).await;
    let fhir_json = "application/fhir+json";
    let (_, request, _) = fhir(
        &app,
        "POST",
        "/ServiceRequest",
        Some(&app.link_worker),
        Some((fhir_json, service_request("gp-9"))),
    )
    .await;
    let referral = request["id"].as_str().unwrap().parse::<i64>().unwrap();
    let consent = app
        .consent_to_share(&json!(referral), &app.link_worker)
        .await;
    let (s, connection) = app
        .post(
            &format!("/referrals/{referral}/connections"),
            &app.link_worker,
            json!({"service_id": app.service_id, "consent_id": consent["id"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{connection}");

    let (s, found, _) = fhir(
        &app,
        "GET",
        &format!("/Task?focus=ServiceRequest/{referral}"),
        Some(&app.link_worker),
        None,
    )
    .await;
    assert_eq!(
        (s, found["type"].as_str(), found["total"].as_u64()),
        (StatusCode::OK, Some("searchset"), Some(1))
    );
    let mut task = found["entry"][0]["resource"].clone();
    assert_eq!(task["code"]["coding"][0]["code"], "fulfill");
    assert_eq!(
        (task["status"].as_str(), task["focus"]["reference"].as_str()),
        (
            Some("requested"),
            Some(format!("ServiceRequest/{referral}").as_str())
        )
    );
    let id = task["id"].as_str().unwrap().to_string();

    // The organisation's system moves it along, as the SDOH Clinical Care IG describes.
    for (status, business) in [
        ("accepted", None),
        ("in-progress", Some("attended first session")),
        ("completed", None),
    ] {
        task["status"] = json!(status);
        match business {
            Some(text) => task["businessStatus"] = json!({"text": text}),
            None => {
                task.as_object_mut().unwrap().remove("businessStatus");
            }
        }
        let (s, updated, _) = fhir(
            &app,
            "PUT",
            &format!("/Task/{id}"),
            Some(&app.vcse),
            Some((fhir_json, task.clone())),
        )
        .await;
        assert_eq!(
            (s, updated["status"].as_str()),
            (StatusCode::OK, Some(status)),
            "{updated}"
        );
    }
    let (_, detail) = app
        .get(&format!("/referrals/{referral}"), &app.link_worker)
        .await;
    let statuses: Vec<&str> = detail["casework"]["connections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["completed"]);
    let (_, history, _) = fhir(
        &app,
        "GET",
        &format!("/Task/{id}"),
        Some(&app.link_worker),
        None,
    )
    .await;
    assert_eq!(history["status"], "completed");

    let mut wrong = task.clone();
    wrong["status"] = json!("ready");
    let (s, outcome, _) = fhir(
        &app,
        "PUT",
        &format!("/Task/{id}"),
        Some(&app.vcse),
        Some((fhir_json, wrong)),
    )
    .await;
    assert_eq!(
        (s, outcome["resourceType"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("OperationOutcome"))
    );
    let (s, outcome, _) = fhir(
        &app,
        "PUT",
        "/Task/999999",
        Some(&app.vcse),
        Some((fhir_json, task)),
    )
    .await;
    assert_eq!(
        (s, outcome["resourceType"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("OperationOutcome")),
        "id mismatch"
    );
}

on_both_databases!(a_questionnaire_response_is_scored_exactly_as_the_form_is);

async fn a_questionnaire_response_is_scored_exactly_as_the_form_is(backend: Backend) {
    let app = spawn_app(backend).await;
    let fhir_json = "application/fhir+json";
    // Forms hold no one's data: like the CapabilityStatement they are public.
    let (s, questionnaire, _) = fhir(&app, "GET", "/Questionnaire/swemwbs", None, None).await;
    assert_eq!(
        (s, questionnaire["item"].as_array().unwrap().len()),
        (StatusCode::OK, 7)
    );
    let (_, all, _) = fhir(&app, "GET", "/Questionnaire", Some(&app.link_worker), None).await;
    assert_eq!(all["total"], 3);

    let (_, request, _) = fhir(
        &app,
        "POST",
        "/ServiceRequest",
        Some(&app.link_worker),
        Some((fhir_json, service_request("q-1"))),
    )
    .await;
    let referral = request["id"].as_str().unwrap().to_string();
    let response = |answers: &[Option<i64>]| {
        json!({
            "resourceType": "QuestionnaireResponse",
            "questionnaire": questionnaire["url"],
            "status": "completed",
            "basedOn": [{"reference": format!("ServiceRequest/{referral}")}],
            "authored": "2026-11-20",
            "item": answers.iter().enumerate().map(|(i, a)| match a {
                Some(v) => json!({"linkId": (i + 1).to_string(), "answer": [{"valueInteger": v}]}),
                None => json!({"linkId": (i + 1).to_string()}),
            }).collect::<Vec<_>>(),
        })
    };
    let answers = [
        Some(2),
        Some(2),
        Some(1),
        Some(2),
        Some(2),
        Some(3),
        Some(4),
    ];
    let (s, scored, _) = fhir(
        &app,
        "POST",
        "/QuestionnaireResponse",
        Some(&app.link_worker),
        Some((fhir_json, response(&answers))),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{scored}");
    // Raw 16 is 16.36 on the SWEMWBS metric (the published conversion table, docs/domain.md).
    assert_eq!(scored["extension"][0]["valueDecimal"], 16.36);
    assert_eq!(scored["status"], "completed");
    // The same answers through the form's API give the same score.
    let (_, form) = app
        .post(
            &format!("/referrals/{referral}/measures"),
            &app.link_worker,
            json!({"instrument": "swemwbs", "timing": "follow_up", "answers": answers}),
        )
        .await;
    assert_eq!(
        form["score"]["metric"],
        scored["extension"][0]["valueDecimal"]
    );

    let mut missing = answers;
    missing[3] = None;
    let (s, partial, _) = fhir(
        &app,
        "POST",
        "/QuestionnaireResponse",
        Some(&app.link_worker),
        Some((fhir_json, response(&missing))),
    )
    .await;
    assert_eq!(
        (s, partial["status"].as_str()),
        (StatusCode::CREATED, Some("in-progress"))
    );
    assert!(
        partial.get("extension").is_none(),
        "an incomplete form is never scored"
    );
    let (_, detail) = app
        .get(&format!("/referrals/{referral}"), &app.link_worker)
        .await;
    let timings: Vec<&str> = detail["casework"]["measures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["timing"].as_str().unwrap())
        .collect();
    assert_eq!(timings, ["baseline", "follow_up", "follow_up"]);

    let mut unknown = response(&answers);
    unknown["questionnaire"] = json!("http://example.org/Questionnaire/phq9");
    let mut out_of_range = response(&answers);
    out_of_range["item"][0]["answer"][0]["valueInteger"] = json!(9);
    for bad in [unknown, out_of_range] {
        let (s, outcome, _) = fhir(
            &app,
            "POST",
            "/QuestionnaireResponse",
            Some(&app.link_worker),
            Some((fhir_json, bad)),
        )
        .await;
        assert_eq!(
            (s, outcome["resourceType"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("OperationOutcome")),
            "{outcome}"
        );
    }
}

/// A referral with a need (money), a goal, a SWEMWBS baseline, a consent and a connection,
/// recorded through the casework API; returns (person id, referral id).
async fn recorded_episode(app: &TestApp) -> (i64, i64) {
    let (person, referral) = app.person_with_referral("B25 8DS").await;
    let id = referral["id"].as_i64().unwrap();
    let lw = &app.link_worker;
    let posts = [
        (
            "contacts",
            json!({"mode": "home_visit", "duration_minutes": 40, "what_matters": "Getting on top of the bills"}),
        ),
        ("needs", json!({"need": "money", "notes": "Rent arrears"})),
        (
            "goals",
            json!({"description": "Clear the rent arrears", "need": "money"}),
        ),
        (
            "measures",
            json!({"instrument": "swemwbs", "timing": "baseline", "answers": [2, 3, 2, 3, 2, 3, 2]}),
        ),
    ];
    for (what, body) in posts {
        let (status, body) = app.post(&format!("/referrals/{id}/{what}"), lw, body).await;
        assert_eq!(status, StatusCode::CREATED, "{what}: {body}");
    }
    let consent = app.consent_to_share(&referral["id"], lw).await;
    let (status, body) = app
        .post(
            &format!("/referrals/{id}/connections"),
            lw,
            json!({"service_id": app.service_id, "consent_id": consent["id"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    (person["id"].as_i64().unwrap(), id)
}

async fn search(app: &TestApp, token: &str, query: &str) -> (StatusCode, Value) {
    let (status, body, _) = fhir(app, "GET", query, Some(token), None).await;
    (status, body)
}

fn ids(bundle: &Value) -> Vec<String> {
    bundle["entry"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|x| x["resource"]["id"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

on_both_databases!(every_type_is_searched_by_patient_status_category_and_last_updated);

async fn every_type_is_searched_by_patient_status_category_and_last_updated(backend: Backend) {
    let app = spawn_app(backend).await;
    let (person, referral) = recorded_episode(&app).await;
    let (other_person, _) = recorded_episode(&app).await;
    let lw = app.link_worker.clone();
    let today = chrono::Utc::now().date_naive();
    let patient = format!("patient=Patient/{person}");

    // One of each per episode; the patient filter keeps only this person's.
    for kind in [
        "ServiceRequest",
        "Task",
        "Goal",
        "Consent",
        "Condition",
        "QuestionnaireResponse",
    ] {
        let (status, all) = search(&app, &lw, &format!("/{kind}")).await;
        assert_eq!(status, StatusCode::OK, "{kind}: {all}");
        assert_eq!((kind, all["total"].as_u64()), (kind, Some(2)));
        let (_, one) = search(&app, &lw, &format!("/{kind}?{patient}")).await;
        assert_eq!((kind, one["total"].as_u64()), (kind, Some(1)));
        let resource = &one["entry"][0]["resource"];
        let about = resource["subject"]["reference"]
            .as_str()
            .or(resource["patient"]["reference"].as_str())
            .or(resource["for"]["reference"].as_str());
        assert_eq!(about, Some(format!("Patient/{person}").as_str()), "{kind}");
        // Changed today: found by a day, not found before it or after it.
        let (_, on) = search(
            &app,
            &lw,
            &format!("/{kind}?{patient}&_lastUpdated={today}"),
        )
        .await;
        let (_, before) = search(
            &app,
            &lw,
            &format!("/{kind}?{patient}&_lastUpdated=lt{today}"),
        )
        .await;
        let (_, after) = search(
            &app,
            &lw,
            &format!("/{kind}?{patient}&_lastUpdated=gt{today}"),
        )
        .await;
        assert_eq!(
            (
                kind,
                on["total"].as_u64(),
                before["total"].as_u64(),
                after["total"].as_u64()
            ),
            (kind, Some(1), Some(0), Some(0))
        );
        // A read by id is the same resource the search returned.
        let id = resource["id"].as_str().unwrap();
        let (status, read) = search(&app, &lw, &format!("/{kind}/{id}")).await;
        assert_eq!((status, &read), (StatusCode::OK, resource), "{kind}");
    }
    let (_, people) = search(&app, &lw, &format!("/Patient?_id={person},{other_person}")).await;
    assert_eq!(people["total"], 2);

    // Category: the need's SDOH category, on the Condition, Goal and the referral itself.
    let sdoh =
        "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes";
    for kind in ["Condition", "Goal", "ServiceRequest"] {
        let (_, money) = search(
            &app,
            &lw,
            &format!("/{kind}?{patient}&category={sdoh}|financial-insecurity"),
        )
        .await;
        let (_, food) = search(
            &app,
            &lw,
            &format!("/{kind}?{patient}&category=food-insecurity"),
        )
        .await;
        assert_eq!(
            (kind, money["total"].as_u64(), food["total"].as_u64()),
            (kind, Some(1), Some(0))
        );
    }
    let (_, consents) = search(
        &app,
        &lw,
        &format!("/Consent?{patient}&category=IDSCL&status=active"),
    )
    .await;
    assert_eq!(consents["total"], 1);
    assert_eq!(
        consents["entry"][0]["resource"]["provision"]["actor"][0]["reference"]["display"],
        crate::helpers::SERVICE_ORGANISATION
    );

    // Status, by each resource's own status parameter.
    let status_of = [
        ("ServiceRequest", "status", "active", "revoked"),
        ("Task", "status", "requested", "completed"),
        ("Goal", "lifecycle-status", "active", "completed"),
        ("Condition", "clinical-status", "active", "inactive"),
        (
            "QuestionnaireResponse",
            "status",
            "completed",
            "in-progress",
        ),
    ];
    for (kind, param, yes, no) in status_of {
        let (_, found) = search(&app, &lw, &format!("/{kind}?{patient}&{param}={yes}")).await;
        let (_, none) = search(&app, &lw, &format!("/{kind}?{patient}&{param}={no}")).await;
        assert_eq!(
            (kind, found["total"].as_u64(), none["total"].as_u64()),
            (kind, Some(1), Some(0))
        );
    }

    // Paging: one per page, with a next link that finds the other.
    let (_, first) = search(&app, &lw, "/Goal?_count=1").await;
    assert_eq!((first["total"].as_u64(), ids(&first).len()), (Some(2), 1));
    let next = first["link"][1]["url"]
        .as_str()
        .unwrap()
        .strip_prefix(&format!("{}/fhir", app.address))
        .unwrap()
        .to_string();
    let (_, second) = search(&app, &lw, &next).await;
    assert_eq!(ids(&second).len(), 1);
    assert_ne!(ids(&first), ids(&second));

    // Each returned resource is an audited read of that person's record.
    let audited = app.count("audit_log").await;
    let (_, _) = search(&app, &lw, &format!("/Condition?{patient}")).await;
    assert_eq!(app.count("audit_log").await, audited + 1);

    // Another team sees none of it; a referrer sees no casework; a typo is refused.
    let (_, theirs) = search(&app, &app.other_team_worker, "/Goal").await;
    assert_eq!(theirs["total"], 0);
    let (status, _) = search(
        &app,
        &app.other_team_worker,
        &format!("/Goal/{}", ids(&first)[0]),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, outcome) = search(&app, &app.referrer, "/Condition").await;
    assert_eq!(
        (status, outcome["resourceType"].as_str()),
        (StatusCode::FORBIDDEN, Some("OperationOutcome"))
    );
    let (status, outcome) = search(&app, &lw, "/Goal?patinet=Patient/1").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        outcome["issue"][0]["diagnostics"]
            .as_str()
            .unwrap()
            .contains("patinet"),
        "{outcome}"
    );
    let _ = referral;
}

pub(crate) fn transaction(identifier: &str, with_consent: Value) -> Value {
    let mut request = service_request(identifier);
    let patient = request["contained"][0].clone();
    request.as_object_mut().unwrap().remove("contained");
    request["subject"] = json!({"reference": "urn:uuid:2b8f0a7e-4c39-4d3c-9a4f-0a5d8c1e7b11"});
    let mut entries = vec![
        json!({"fullUrl": "urn:uuid:2b8f0a7e-4c39-4d3c-9a4f-0a5d8c1e7b11", "resource": patient,
               "request": {"method": "POST", "url": "Patient"}}),
        json!({"fullUrl": "urn:uuid:7c1d2e3f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "resource": request,
               "request": {"method": "POST", "url": "ServiceRequest"}}),
    ];
    if !with_consent.is_null() {
        entries.push(json!({"fullUrl": "urn:uuid:9e8d7c6b-5a49-4382-a716-0f1e2d3c4b5a", "resource": with_consent,
                            "request": {"method": "POST", "url": "Consent"}}));
    }
    json!({"resourceType": "Bundle", "type": "transaction", "entry": entries})
}

pub(crate) fn consent_resource(method: Option<&str>) -> Value {
    let mut consent = json!({
        "resourceType": "Consent",
        "status": "active",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IDSCL"}]}],
        "patient": {"reference": "urn:uuid:2b8f0a7e-4c39-4d3c-9a4f-0a5d8c1e7b11"},
        "provision": {
            "type": "permit",
            "actor": [{"role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "IRCP"}]},
                       "reference": {"display": "Age Concern Birmingham"}}],
            "code": [{"coding": [{"system": "urn:linkwell:CodeSystem:shared-field", "code": "name"}]},
                     {"coding": [{"system": "urn:linkwell:CodeSystem:shared-field", "code": "needs"}]}]
        }
    });
    if let Some(method) = method {
        consent["extension"] =
            json!([{"url": "urn:linkwell:extension:consent-method", "valueCode": method}]);
    }
    consent
}

async fn counts(app: &TestApp) -> (i64, i64, i64) {
    (
        app.count("people").await,
        app.count("referrals").await,
        app.count("consents").await,
    )
}

on_both_databases!(a_transaction_admits_patient_referral_and_consent_together_once);

async fn a_transaction_admits_patient_referral_and_consent_together_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let before = counts(&app).await;
    let body = transaction("gp-tx-1", consent_resource(Some("written")));
    let fhir_json = "application/fhir+json";

    // A consent without how it was given: refused, and neither person nor referral is kept.
    let refused = transaction("gp-tx-1", consent_resource(None));
    let (status, outcome, _) = fhir(
        &app,
        "POST",
        "",
        Some(&app.link_worker),
        Some((fhir_json, refused)),
    )
    .await;
    assert_eq!(
        (status, outcome["resourceType"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("OperationOutcome"))
    );
    assert!(
        outcome["issue"][0]["diagnostics"]
            .as_str()
            .unwrap()
            .contains("consent-method"),
        "{outcome}"
    );
    assert_eq!(counts(&app).await, before);

    let (status, response, _) = fhir(
        &app,
        "POST",
        "",
        Some(&app.link_worker),
        Some((fhir_json, body.clone())),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{response}");
    assert_eq!(response["type"], "transaction-response");
    let statuses: Vec<&str> = response["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["response"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["201 Created"; 3]);
    assert_eq!(
        counts(&app).await,
        (before.0 + 1, before.1 + 1, before.2 + 1)
    );
    let location = |n: usize| {
        response["entry"][n]["response"]["location"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (status, consent) = search(&app, &app.link_worker, &format!("/{}", location(2))).await;
    assert_eq!(status, StatusCode::OK, "{consent}");
    assert_eq!(consent["patient"]["reference"], location(0).as_str());
    assert_eq!(consent["extension"][0]["valueCode"], "written");
    let shared: Vec<&str> = consent["provision"]["code"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["coding"][0]["code"].as_str().unwrap())
        .collect();
    assert_eq!(shared, ["name", "needs"]);
    let (_, request) = search(&app, &app.link_worker, &format!("/{}", location(1))).await;
    assert_eq!(request["subject"]["reference"], location(0).as_str());

    // The same transaction again: what was made, nothing more.
    let (status, again, _) = fhir(
        &app,
        "POST",
        "",
        Some(&app.link_worker),
        Some((fhir_json, body)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["entry"][1]["response"]["status"], "200 OK");
    assert_eq!(
        again["entry"][1]["response"]["location"],
        location(1).as_str()
    );
    assert_eq!(
        counts(&app).await,
        (before.0 + 1, before.1 + 1, before.2 + 1)
    );

    // Two ServiceRequests, or a Consent for someone else: refused whole.
    let mut two = transaction("gp-tx-2", Value::Null);
    let extra = two["entry"][1].clone();
    two["entry"].as_array_mut().unwrap().push(extra);
    let (status, _, _) = fhir(
        &app,
        "POST",
        "",
        Some(&app.link_worker),
        Some((fhir_json, two)),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut elsewhere = consent_resource(Some("verbal"));
    elsewhere["patient"] = json!({"reference": "Patient/1"});
    let (status, _, _) = fhir(
        &app,
        "POST",
        "",
        Some(&app.link_worker),
        Some((fhir_json, transaction("gp-tx-3", elsewhere))),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        counts(&app).await,
        (before.0 + 1, before.1 + 1, before.2 + 1)
    );
}

on_both_databases!(the_gp_message_carries_coded_events_and_free_text_only_when_agreed);

async fn the_gp_message_carries_coded_events_and_free_text_only_when_agreed(backend: Backend) {
    let app = spawn_app(backend).await;
    let (person, referral) = recorded_episode(&app).await;
    app.execute(&format!(
        "UPDATE people SET practice_id = {} WHERE id = {person}",
        app.practice_id
    ))
    .await;
    // The person accepts: the referral code is recorded then (issue 16). (The episode's
    // first contact moved the referral on, so its version is read first.)
    let (_, read) = app
        .get(&format!("/referrals/{referral}"), &app.link_worker)
        .await;
    let (status, body) = app
        .post(
            &format!("/referrals/{referral}/transitions"),
            &app.link_worker,
            json!({"to": "active", "expected_version": read["referral"]["version"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let path = format!("/ServiceRequest/{referral}/$gp-message");
    let (status, message) = search(&app, &app.link_worker, &path).await;
    assert_eq!(status, StatusCode::OK, "{message}");
    let (status, again) = search(&app, &app.link_worker, &path.replace('$', "%24")).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "an escaped $ names the same operation"
    );
    // The same message has the same id: a name-based (version 5) UUID of what it says.
    let id = message["identifier"]["value"].as_str().unwrap().to_string();
    assert_eq!(again["identifier"]["value"], id.as_str());
    let uuid = id.strip_prefix("urn:uuid:").expect("a urn:uuid");
    assert_eq!(
        (uuid.len(), &uuid[14..15]),
        (36, "5"),
        "a version 5 UUID: {id}"
    );
    assert_eq!(
        (message["resourceType"].as_str(), message["type"].as_str()),
        (Some("Bundle"), Some("message"))
    );
    let resources: Vec<&Value> = message["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .collect();
    let header = resources[0];
    assert_eq!(header["resourceType"], "MessageHeader");
    assert_eq!(
        header["destination"][0]["receiver"]["identifier"]["value"],
        "M00001"
    );
    let types: Vec<&str> = resources
        .iter()
        .map(|r| r["resourceType"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "MessageHeader",
            "Patient",
            "ServiceRequest",
            "Encounter",
            "Observation"
        ]
    );
    assert_eq!(resources[2]["code"]["coding"][0]["code"], "871731000000106");
    assert_eq!(resources[3]["class"]["code"], "HH", "a home visit");
    // SWEMWBS answers 2,3,2,3,2,3,2 are raw 17: metric 16.88 (published conversion table).
    assert_eq!(resources[4]["valueQuantity"]["value"], 16.88);
    assert_eq!(resources[4]["component"][0]["valueInteger"], 17);
    let text = message.to_string();
    for private in [
        "Getting on top of the bills",
        "Rent arrears",
        "Clear the rent arrears",
        "Lonely since moving",
    ] {
        assert!(
            !text.contains(private),
            "{private:?} is free text the person did not agree to share"
        );
    }

    // The person agrees to share what matters and their needs with their practice.
    let (status, _) = app
        .post(&format!("/referrals/{referral}/consents"), &app.link_worker,
              json!({"organisation": "Test Surgery", "share": ["what_matters", "needs"], "method": "verbal"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, message) = search(&app, &app.link_worker, &path).await;
    assert_ne!(
        message["identifier"]["value"],
        id.as_str(),
        "a message that says more is a new message"
    );
    let text = message.to_string();
    for shared in [
        "Getting on top of the bills",
        "Rent arrears",
        "Clear the rent arrears",
    ] {
        assert!(text.contains(shared), "{shared:?} agreed, so shared");
    }

    // Declining is coded 871711000000103.
    let (declined_person, declined) = app.person_with_referral("B25 8DS").await;
    app.execute(&format!(
        "UPDATE people SET practice_id = {} WHERE id = {}",
        app.practice_id, declined_person["id"]
    ))
    .await;
    let (status, body) = app
        .post(
            &format!("/referrals/{}/transitions", declined["id"]),
            &app.link_worker,
            json!({"to": "declined", "expected_version": declined["version"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, message) = search(
        &app,
        &app.link_worker,
        &format!("/ServiceRequest/{}/$gp-message", declined["id"]),
    )
    .await;
    let declined: Vec<&Value> = message["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["code"]["coding"][0]["code"] == "871711000000103")
        .collect();
    assert_eq!(declined.len(), 1, "{message}");
    assert_eq!(message["entry"][2]["resource"]["status"], "revoked");
    let (status, _) = search(&app, &app.referrer, &path).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "referrers do not see casework"
    );
}

on_both_databases!(a_patient_sent_again_is_the_same_person_and_one_identifier_is_one_referral);

async fn a_patient_sent_again_is_the_same_person_and_one_identifier_is_one_referral(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let fhir_json = "application/fhir+json";
    let post = |body: Value| {
        let app = &app;
        async move {
            let (status, body, _) = fhir(
                app,
                "POST",
                "/ServiceRequest",
                Some(&app.link_worker),
                Some((fhir_json, body)),
            )
            .await;
            (status, body)
        }
    };
    let (status, first) = post(service_request("gp-1")).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let people = app.count("people").await;

    // A new referral for the same NHS number: the person on file, not a second record.
    let (status, second) = post(service_request("gp-2")).await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    assert_ne!(second["id"], first["id"]);
    assert_eq!(second["subject"], first["subject"]);
    assert_eq!(app.count("people").await, people);

    // The same NHS number with another family name is a conflict, and changes nothing.
    let mut other = service_request("gp-3");
    other["contained"][0]["name"][0]["family"] = json!("Someone-Else");
    let referrals = app.count("referrals").await;
    let (status, outcome) = post(other).await;
    assert_eq!(status, StatusCode::CONFLICT, "{outcome}");
    assert_eq!(outcome["resourceType"], "OperationOutcome");
    assert_eq!(app.count("referrals").await, referrals);

    // Eight posts of one identifier at once make one referral, and all say which.
    let posts = (0..8).map(|_| post(service_request("gp-4")));
    let answers = futures_util::future::join_all(posts).await;
    let ids: std::collections::HashSet<String> = answers
        .iter()
        .map(|(status, body)| {
            assert!(
                *status == StatusCode::CREATED || *status == StatusCode::OK,
                "{status} {body}"
            );
            body["id"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(ids.len(), 1, "{answers:?}");
    assert_eq!(app.count("referrals").await, referrals + 1);
    assert_eq!(app.count("people").await, people);
}

/// Every path to a value inside a JSON document, as JSON pointers.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                pointers(child, format!("{at}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                pointers(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

on_both_databases!(mutated_resources_get_an_operation_outcome_never_a_server_error);

/// Valid resources with one part removed or replaced by a value of another kind: each
/// answer is a success or a 4xx OperationOutcome, never a 5xx.
async fn mutated_resources_get_an_operation_outcome_never_a_server_error(backend: Backend) {
    use rand::{Rng, SeedableRng};
    let app = spawn_app(backend).await;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(6);
    let replacements = [
        json!(null),
        json!(0),
        json!(-1),
        json!(1e308),
        json!(""),
        json!("Patient/999999999999999999999"),
        json!("#nobody"),
        json!([]),
        json!({}),
        json!([{"system": 5}]),
        json!("x".repeat(5000)),
    ];
    let originals = [
        ("/ServiceRequest", service_request("fuzz-seed")),
        (
            "",
            transaction("fuzz-seed-tx", consent_resource(Some("verbal"))),
        ),
    ];
    let (mut accepted, mut refused) = (0, 0);
    for case in 0..120 {
        let (path, original) = &originals[case % originals.len()];
        let mut body = original.clone();
        let mut places = Vec::new();
        pointers(&body, String::new(), &mut places);
        let place = places[rng.gen_range(0..places.len())].clone();
        if place.is_empty() {
            body = replacements[rng.gen_range(0..replacements.len())].clone();
        } else if rng.gen_bool(0.3) {
            let (parent, key) = place.rsplit_once('/').unwrap();
            match body.pointer_mut(parent) {
                Some(Value::Object(map)) => {
                    map.remove(key);
                }
                Some(Value::Array(items)) => {
                    items.remove(key.parse::<usize>().unwrap());
                }
                _ => {}
            }
        } else {
            *body.pointer_mut(&place).unwrap() =
                replacements[rng.gen_range(0..replacements.len())].clone();
        }
        // Distinct identifiers, so an accepted mutation does not just return the first.
        for pointer in [
            "/identifier/0/value",
            "/entry/1/resource/identifier/0/value",
        ] {
            if let Some(value) = body.pointer_mut(pointer).filter(|v| v.is_string()) {
                *value = json!(format!("fuzz-{case}"));
            }
        }
        let (status, answer, _) = fhir(
            &app,
            "POST",
            path,
            Some(&app.link_worker),
            Some(("application/fhir+json", body.clone())),
        )
        .await;
        assert!(
            !status.is_server_error(),
            "{status} for {place} in {body}: {answer}"
        );
        if status.is_client_error() {
            assert_eq!(answer["resourceType"], "OperationOutcome", "{answer}");
            refused += 1;
        } else {
            accepted += 1;
        }
    }
    // The mutations exercise both paths: some still make a valid referral, most are refused.
    assert!(
        accepted > 0 && refused > 0,
        "{accepted} accepted, {refused} refused"
    );
}

on_both_databases!(a_role_that_may_not_refer_is_refused_before_any_patient_is_matched);

/// The policy is asked by the intake use cases, not the handler: a role that may not make
/// referrals, posting a ServiceRequest or transaction without an identifier (so no earlier
/// referral is looked up) and a Patient with an NHS number, is refused before the number is
/// matched: nothing written, not even a match attempt or its audit record.
async fn a_role_that_may_not_refer_is_refused_before_any_patient_is_matched(backend: Backend) {
    let app = spawn_app(backend).await;
    let fhir_json = "application/fhir+json";
    // The NHS number is on file; the posts below give another family name, so matching
    // them would be a refusal, audited.
    let (status, made, _) = fhir(
        &app,
        "POST",
        "/ServiceRequest",
        Some(&app.link_worker),
        Some((fhir_json, service_request("first"))),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let before = (counts(&app).await, app.count("audit_log").await);
    let mut request = service_request("unused");
    request.as_object_mut().unwrap().remove("identifier");
    request["contained"][0]["name"][0]["family"] = json!("Other");
    let mut bundle = transaction("unused", Value::Null);
    bundle["entry"][1]["resource"]
        .as_object_mut()
        .unwrap()
        .remove("identifier");
    bundle["entry"][0]["resource"]["name"][0]["family"] = json!("Other");
    for token in [&app.analyst, &app.vcse] {
        for (path, body) in [("/ServiceRequest", &request), ("", &bundle)] {
            let (status, outcome, _) = fhir(
                &app,
                "POST",
                path,
                Some(token),
                Some((fhir_json, body.clone())),
            )
            .await;
            assert_eq!(
                (status, outcome["issue"][0]["code"].as_str()),
                (StatusCode::FORBIDDEN, Some("forbidden")),
                "POST /fhir{path}: {outcome}"
            );
        }
    }
    let after = (counts(&app).await, app.count("audit_log").await);
    assert_eq!(after, before, "nothing written, nothing matched");
}
