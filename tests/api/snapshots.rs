//! Snapshots (insta) of what outside systems build against: the OpenAPI document, problem
//! documents, FHIR resources and the equity report's JSON. A change to any of them shows up
//! in review as a diff of the committed `.snap` file, never silently. Each runs on both
//! databases against the same snapshot, so the two engines must answer identically.
//!
//! After an intended change: `INSTA_UPDATE=always cargo test --test api snapshots`, then read
//! the diff of `tests/api/snapshots/` before committing it.

use crate::fhir::{fhir, service_request};
use crate::helpers::{spawn_app, Backend};
use crate::on_both_databases;
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_databases!(the_openapi_document);

async fn the_openapi_document(backend: Backend) {
    let app = spawn_app(backend).await;
    insta::assert_json_snapshot!("openapi", app.openapi().await);
}

on_both_databases!(problem_documents);

/// One of each kind of refusal a client must handle.
async fn problem_documents(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut problems = serde_json::Map::new();
    let (status, body) = app.get("/people/999999", &app.link_worker).await;
    problems.insert(format!("not found {status}"), body);
    let (status, body) = app.get("/people/1", "not-a-token").await;
    problems.insert(format!("unauthenticated {status}"), body);
    let (status, body) = app.get("/vcse/connections", &app.link_worker).await;
    problems.insert(format!("forbidden {status}"), body);
    let mut person = crate::helpers::person_body("SW1A 1AA");
    person["postcode"] = json!("not a postcode");
    let (status, body) = app.post("/people", &app.link_worker, person).await;
    problems.insert(format!("validation {status}"), body);
    let (status, body) = app
        .post("/people", &app.link_worker, json!({"unknown": 1}))
        .await;
    problems.insert(format!("bad body {status}"), body);
    insta::assert_json_snapshot!("problem_documents", problems);
}

on_both_databases!(fhir_resources);

/// A referral as FHIR: the CapabilityStatement, the ServiceRequest and Patient made from a
/// posted ServiceRequest, and the OperationOutcome for a refused one. Ids, times and dates
/// that depend on the day the test runs are redacted.
async fn fhir_resources(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, capability, _) = fhir(&app, "GET", "/metadata", None, None).await;
    insta::assert_json_snapshot!("fhir_capability_statement", capability, {
        ".date" => "[date]",
        ".implementation.url" => "[address]",
    });
    let (status, made, _) = fhir(
        &app,
        "POST",
        "/ServiceRequest",
        Some(&app.link_worker),
        Some(("application/fhir+json", service_request("snapshot-1"))),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let patient_ref = made["subject"]["reference"].as_str().unwrap().to_string();
    let (_, patient, _) = fhir(
        &app,
        "GET",
        &format!("/{patient_ref}"),
        Some(&app.link_worker),
        None,
    )
    .await;
    insta::assert_json_snapshot!("fhir_service_request", redact_day(made));
    insta::assert_json_snapshot!("fhir_patient", redact_day(patient));
    let mut wrong = service_request("snapshot-2");
    wrong["status"] = json!("not-a-status");
    let (status, outcome, _) = fhir(
        &app,
        "POST",
        "/ServiceRequest",
        Some(&app.link_worker),
        Some(("application/fhir+json", wrong)),
    )
    .await;
    assert!(status.is_client_error());
    insta::assert_json_snapshot!("fhir_operation_outcome", outcome);
}

/// Replaces what changes from run to run (database ids, the time and day of the run) by
/// placeholders, wherever it appears in a resource.
fn redact_day(value: Value) -> Value {
    let today = chrono::Utc::now().date_naive().to_string();
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, v)| {
                    let v = match key.as_str() {
                        "id" if v.is_string() => json!("[id]"),
                        "lastUpdated" => json!("[time]"),
                        "reference" => json!(v
                            .as_str()
                            .and_then(|r| r.split_once('/'))
                            .map(|(kind, _)| format!("{kind}/[id]"))
                            .unwrap_or_default()),
                        _ => redact_day(v),
                    };
                    (key, v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(redact_day).collect()),
        Value::String(text) if text.starts_with(&today) => json!("[today]"),
        other => other,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_equity_report_json() {
    let dir = tempfile::tempdir().unwrap();
    let (_database, report) =
        crate::equity::generated_report(Backend::Sqlite, &dir, 3_000, 5).await;
    insta::assert_json_snapshot!("equity_report", report, {
        ".generated_at" => "[time]",
        ".data_as_of" => "[time]",
    });
}
