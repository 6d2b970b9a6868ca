//! Issue 12 (outside security test), the data items: identity matching is no oracle and
//! no key (1), consent is recorded by the team holding the case (2), organisations get
//! only what consent covers (6), access-log scope and audited reads (8), input ranges
//! (10) and CSV cells that cannot become formulas (11).

use crate::fhir::{fhir, service_request};
use crate::helpers::{assert_problem, person_body, spawn_app, Backend, TestApp};
use crate::on_both_databases;
use reqwest::StatusCode;
use serde_json::{json, Value};

const FHIR_JSON: &str = "application/fhir+json";
/// The NHS number of the Patient in `fhir::service_request` (NHS Digital's test number).
const NHS: &str = "9434765919";

/// A person the link worker registered, with details only the team should see.
async fn person_on_file(app: &TestApp) -> Value {
    let mut body = person_body("B25 8DS");
    body["nhs_number"] = json!(NHS);
    body["given_name"] = json!("Pat");
    body["family_name"] = json!("Example");
    body["date_of_birth"] = json!("1950-02-01");
    body["phone"] = json!("07700 900456");
    body["conditions"] = json!(["depression"]);
    body["practice_id"] = json!(app.practice_id);
    let (s, person) = app.post("/people", &app.link_worker, body).await;
    assert_eq!(s, StatusCode::CREATED, "{person}");
    person
}

/// A ServiceRequest for the test Patient, born on `born`, as the referrer posts it.
async fn refer(app: &TestApp, identifier: &str, born: &str) -> (StatusCode, Value) {
    let mut request = service_request(identifier);
    request["contained"][0]["birthDate"] = json!(born);
    let (status, body, _) = fhir(
        app,
        "POST",
        "/ServiceRequest",
        Some(&app.referrer),
        Some((FHIR_JSON, request)),
    )
    .await;
    (status, body)
}

async fn user_id(app: &TestApp, token: &str) -> i64 {
    let (_, me) = app.get("/me", token).await;
    me["id"].as_i64().unwrap()
}

/// Audit records of refused identity matches made by this user.
async fn refusals_audited(app: &TestApp, actor: i64) -> Vec<linkwell::audit::AuditRecord> {
    app.store
        .audit_records(0, 100_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.action == "match_refused" && r.actor_id == Some(actor))
        .collect()
}

on_both_databases!(
    a_refused_match_says_nothing_is_audited_and_is_throttled,
    concurrent_wrong_matches_check_no_more_than_the_limit,
    a_match_never_widens_what_a_referrer_reads,
);

async fn a_refused_match_says_nothing_is_audited_and_is_throttled(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = person_on_file(&app).await;
    let id = person["id"].as_i64().unwrap();
    let referrer = user_id(&app, &app.referrer).await;

    // A wrong birth date and a wrong family name get the same answer, naming nothing.
    let (status, wrong_birth) = refer(&app, "r-1", "1950-02-02").await;
    assert_eq!(status, StatusCode::CONFLICT, "{wrong_birth}");
    assert_eq!(wrong_birth["resourceType"], "OperationOutcome");
    let said = wrong_birth["issue"][0]["diagnostics"].as_str().unwrap();
    let mut wrong_name = service_request("r-2");
    wrong_name["contained"][0]["name"][0]["family"] = json!("Other");
    let (status, body, _) = fhir(
        &app,
        "POST",
        "/ServiceRequest",
        Some(&app.referrer),
        Some((FHIR_JSON, wrong_name)),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["issue"][0]["diagnostics"].as_str(), Some(said));
    for leak in [
        id.to_string().as_str(),
        "belongs",
        "registered person",
        "date of birth differs",
    ] {
        assert!(!said.contains(leak), "{said:?} reveals {leak:?}");
    }
    // Registering the number answers alike (no "already registered" oracle).
    let mut again = person_body("B25 8DS");
    again["nhs_number"] = json!(NHS);
    let (status, problem) = app.post("/people", &app.referrer, again.clone()).await;
    assert_problem(status, &problem, StatusCode::CONFLICT);
    assert_eq!(problem["detail"].as_str(), Some(said));

    // Each refusal is audited: who tried, and against whose record; nothing else was written.
    let audited = refusals_audited(&app, referrer).await;
    assert_eq!(audited.len(), 3, "{audited:?}");
    assert!(audited.iter().all(|r| r.person_id == Some(id)));
    assert_eq!(app.count("referrals").await, 0);

    // Two more refusals reach the limit (5 in 15 minutes); then even the right details,
    // and a number nobody has, are refused alike until the window passes.
    for n in 3..5 {
        let (status, _) = refer(&app, &format!("r-{n}"), "1951-01-01").await;
        assert_eq!(status, StatusCode::CONFLICT);
    }
    let (status, body) = refer(&app, "r-right", "1950-02-01").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["issue"][0]["code"], "throttled");
    let mut unknown = service_request("r-new");
    unknown["contained"][0]["identifier"][0]["value"] = json!("4010232137");
    let (status, _, _) = fhir(
        &app,
        "POST",
        "/ServiceRequest",
        Some(&app.referrer),
        Some((FHIR_JSON, unknown)),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let (status, problem) = app.post("/people", &app.referrer, again).await;
    assert_problem(status, &problem, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.count("referrals").await, 0);
    assert_eq!(refusals_audited(&app, referrer).await.len(), 8);

    // The limit is per user: the link worker still refers the person.
    let (status, body, _) = fhir(
        &app,
        "POST",
        "/ServiceRequest",
        Some(&app.link_worker),
        Some((FHIR_JSON, service_request("lw-1"))),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

async fn concurrent_wrong_matches_check_no_more_than_the_limit(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = person_on_file(&app).await;
    let referrer = user_id(&app, &app.referrer).await;
    // Thirty birth dates at once, the right one among them: no more than five are ever
    // compared, so the right one is found only if it is among the first five.
    let tries = (0..30).map(|n| {
        let born = if n == 29 {
            "1950-02-01".to_string()
        } else {
            format!("1949-01-{:02}", n + 1)
        };
        let app = &app;
        async move { refer(app, &format!("burst-{n}"), &born).await.0 }
    });
    let answers = futures_util::future::join_all(tries).await;
    let count = |s: StatusCode| answers.iter().filter(|a| **a == s).count();
    let refused = count(StatusCode::CONFLICT);
    let matched = count(StatusCode::CREATED);
    assert_eq!(
        refused + matched + count(StatusCode::TOO_MANY_REQUESTS),
        30,
        "{answers:?}"
    );
    assert_eq!(
        refused, 5,
        "exactly the limit compared and refused: {answers:?}"
    );
    let compared_against_person = refusals_audited(&app, referrer)
        .await
        .iter()
        .filter(|r| r.person_id == person["id"].as_i64())
        .count();
    assert_eq!(compared_against_person, 5);
    assert_eq!(app.count("referrals").await, matched as i64);
}

async fn a_match_never_widens_what_a_referrer_reads(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = person_on_file(&app).await;
    let id = person["id"].as_i64().unwrap();
    // The referrer knows the NHS number, family name and birth date: the referral is made
    // for the person on file...
    let (status, request) = refer(&app, "known-1", "1950-02-01").await;
    assert_eq!(status, StatusCode::CREATED, "{request}");
    assert_eq!(request["subject"]["reference"], format!("Patient/{id}"));
    let referral = request["id"].as_str().unwrap();
    // ...and they see its status, never what others recorded about the person.
    let (status, _) = app.get(&format!("/people/{id}"), &app.referrer).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = fhir(
        &app,
        "GET",
        &format!("/Patient/{id}"),
        Some(&app.referrer),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, bundle, _) = fhir(&app, "GET", "/Patient", Some(&app.referrer), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bundle["total"], 0, "{bundle}");
    let (status, detail) = app
        .get(&format!("/referrals/{referral}"), &app.referrer)
        .await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert!(detail.get("casework").is_none());
    let (_, caseload) = app.get("/caseload", &app.referrer).await;
    let row = &caseload[0];
    assert_eq!(
        row["person_name"], "Example",
        "only the family name they matched: {row}"
    );
    assert!(row["imd_decile"].is_null(), "{row}");
    let text = caseload.to_string();
    assert!(
        !text.contains("07700 900456") && !text.contains("Pat Example"),
        "{text}"
    );
    // A person the referrer registered themselves is still theirs to read.
    let (s, own) = app
        .post("/people", &app.referrer, person_body("SW1A 1AA"))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (status, _) = app
        .get(&format!("/people/{}", own["id"]), &app.referrer)
        .await;
    assert_eq!(status, StatusCode::OK);
}
