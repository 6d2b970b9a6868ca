//! FHIR R4: a ServiceRequest makes a referral once per identifier, reads come back as
//! FHIR, and bad or wrong-version resources get an OperationOutcome and change nothing.

use crate::helpers::{spawn_app, Backend, TestApp};
use crate::on_both_databases;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn fhir(
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

fn service_request(identifier: &str) -> Value {
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
            "ServiceRequest",
            "Task",
            "Questionnaire",
            "QuestionnaireResponse",
            "Patient"
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
    app.consent_to_share(&json!(referral), &app.link_worker)
        .await;
    let (s, connection) = app
        .post(
            &format!("/referrals/{referral}/connections"),
            &app.link_worker,
            json!({"service_id": app.service_id}),
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
    // Raw 16 is 16.36 on the SWEMWBS metric (DESIGN.md 1.4 conversion table).
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
