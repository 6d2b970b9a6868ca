//! Bad input is refused with a 4xx problem document and changes nothing.

use crate::helpers::{assert_problem, person_body, spawn_app, Backend, TestApp};
use crate::on_both_databases;
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_databases!(
    invalid_nhs_number_is_refused,
    invalid_and_unknown_postcodes_are_refused,
    invalid_transitions_are_refused,
    invalid_questionnaires_are_refused_and_incomplete_ones_kept_unscored,
    malformed_and_unexpected_bodies_are_refused,
    duplicate_nhs_number_is_a_conflict,
);

/// Row counts of every casework table, to prove a refused request wrote nothing.
async fn snapshot(app: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in linkwell::store::COUNTABLE_TABLES {
        counts.push(app.count(table).await);
    }
    counts
}

async fn refused(app: &TestApp, path: &str, body: Value, expected: StatusCode) -> Value {
    let before = snapshot(app).await;
    let (status, problem) = app.post(path, &app.link_worker, body).await;
    assert_problem(status, &problem, expected);
    assert_eq!(
        snapshot(app).await,
        before,
        "no row written for {path}: {problem}"
    );
    problem
}

async fn invalid_nhs_number_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    for bad in ["943 476 5918", "12345", "94347659190"] {
        let mut body = person_body("SW1A 1AA");
        body["nhs_number"] = json!(bad);
        let problem = refused(&app, "/people", body, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(problem["field"], "nhs_number");
    }
    let mut body = person_body("SW1A 1AA");
    body["nhs_number"] = json!("943 476 5919");
    let (s, person) = app.post("/people", &app.link_worker, body).await;
    assert_eq!(s, StatusCode::CREATED, "{person}");
    assert_eq!(person["nhs_number"], "943 476 5919");
}

async fn invalid_and_unknown_postcodes_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let malformed = refused(
        &app,
        "/people",
        person_body("SW1A 1A1"),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(malformed["title"], "Invalid postcode");
    let unknown = refused(
        &app,
        "/people",
        person_body("ZZ9 9ZZ"),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(unknown["title"], "Unknown postcode");
    let (s, p) = app.get("/postcodes/not-a-postcode", &app.link_worker).await;
    assert_problem(s, &p, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn invalid_transitions_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, referral) = app.person_with_referral("SW1A 1AA").await;
    let path = format!("/referrals/{}/transitions", referral["id"]);
    let jump = refused(
        &app,
        &path,
        json!({"to": "closed", "expected_version": 1, "reason": "goals_met"}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        jump["detail"].as_str().unwrap().contains("cannot become"),
        "{jump}"
    );
    refused(
        &app,
        &path,
        json!({"to": "contacting", "expected_version": 1, "reason": "died"}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    refused(
        &app,
        &path,
        json!({"to": "finished", "expected_version": 1}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    refused(
        &app,
        "/referrals/999999/transitions",
        json!({"to": "contacting", "expected_version": 1}),
        StatusCode::NOT_FOUND,
    )
    .await;
}

async fn invalid_questionnaires_are_refused_and_incomplete_ones_kept_unscored(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, referral) = app.person_with_referral("SW1A 1AA").await;
    let path = format!("/referrals/{}/measures", referral["id"]);
    for answers in [
        json!([1, 2, 3, 4, 5, 6, 1]),
        json!([3, 3, 3]),
        json!([0, 0, 0, 0, 0, 0, 0]),
        json!(["a", 1, 1, 1, 1, 1, 1]),
    ] {
        refused(
            &app,
            &path,
            json!({"instrument": "swemwbs", "timing": "baseline", "answers": answers}),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    refused(
        &app,
        &path,
        json!({"instrument": "ucla3", "timing": "baseline", "answers": [4, 1, 1]}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let (s, m) = app
        .post(
            &path,
            &app.link_worker,
            json!({"instrument": "ucla3", "timing": "baseline", "answers": [3, null, 2]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    assert_eq!(m["complete"], false);
    assert!(
        m.get("score").is_none(),
        "incomplete questionnaires are never scored: {m}"
    );
    let (s, m) = app
        .post(
            &path,
            &app.link_worker,
            json!({"instrument": "ons4", "timing": "baseline", "answers": [4, 6, 8, 2]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    assert_eq!(m["score"]["life_satisfaction_band"], "low");
    assert_eq!(m["score"]["worthwhile_band"], "medium");
    assert_eq!(m["score"]["happiness_band"], "high");
    assert_eq!(m["score"]["anxiety_band"], "low");
}

async fn malformed_and_unexpected_bodies_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let before = snapshot(&app).await;
    let response = app
        .client
        .post(format!("{}/api/v1/people", app.address))
        .bearer_auth(&app.link_worker)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let mut body = person_body("SW1A 1AA");
    body["postocde"] = json!("typo");
    refused(&app, "/people", body, StatusCode::UNPROCESSABLE_ENTITY).await;
    let huge = "x".repeat(300 * 1024);
    let response = app
        .client
        .post(format!("{}/api/v1/services", app.address))
        .bearer_auth(&app.team_lead)
        .json(&json!({"name": huge, "organisation": "o"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let response = app
        .client
        .post(format!("{}/api/v1/people", app.address))
        .bearer_auth(&app.link_worker)
        .header("content-type", "text/plain")
        .body(person_body("SW1A 1AA").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (s, p) = app.get("/people/abc", &app.link_worker).await;
    assert!(s.is_client_error(), "{p}");
    assert_eq!(snapshot(&app).await, before);
}

async fn duplicate_nhs_number_is_a_conflict(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut body = person_body("SW1A 1AA");
    body["nhs_number"] = json!("4010232137");
    let (s, _) = app.post("/people", &app.link_worker, body.clone()).await;
    assert_eq!(s, StatusCode::CREATED);
    let people = app.count("people").await;
    let audited = app.count("audit_log").await;
    let (s, problem) = app.post("/people", &app.link_worker, body).await;
    assert_problem(s, &problem, StatusCode::CONFLICT);
    assert_eq!(app.count("people").await, people);
    // The refusal is audited (a registration attempt is an identity match): nothing else.
    assert_eq!(app.count("audit_log").await, audited + 1);
}
