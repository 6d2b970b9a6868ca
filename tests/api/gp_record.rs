//! The GP record (issue 16 items 2 and 3, docs/gp-record.md): the referral code only once the
//! person accepts; one outbox row per event in the event's own transaction; delivery to a
//! real HTTP receiver (refusing, then accepting), to a mailbox folder, by two workers at once,
//! and a dead letter after the last try; the administrators' page and the metrics.

use crate::helpers::{linkwell, spawn_app, Backend, TestApp, LINK_WORKER_PASSWORD};
use crate::on_both_databases;
use crate::pages::{page, sign_in_as};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use linkwell::outbox::worker::{PassReport, Worker};
use linkwell::outbox::{DeliveryPolicy, DeliverySettings, Endpoint};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ACCEPTED: &str = "871731000000106";
const DECLINED: &str = "871711000000103";

/// A person at the test practice (M00001) with a referral; returns the referral.
async fn referral_at_practice(app: &TestApp) -> Value {
    let (person, referral) = app.person_with_referral("B25 8DS").await;
    app.execute(&format!(
        "UPDATE people SET practice_id = {} WHERE id = {}",
        app.practice_id, person["id"]
    ))
    .await;
    referral
}

async fn move_to(app: &TestApp, referral: &Value, to: &str, extra: Value) -> Value {
    let (_, detail) = app
        .get(&format!("/referrals/{}", referral["id"]), &app.link_worker)
        .await;
    let mut body = json!({"to": to, "expected_version": detail["referral"]["version"]});
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let (status, moved) = app
        .post(
            &format!("/referrals/{}/transitions", referral["id"]),
            &app.link_worker,
            body,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    moved
}

async fn gp_message(app: &TestApp, referral: &Value) -> Value {
    let (status, message, _) = crate::fhir::fhir(
        app,
        "GET",
        &format!("/ServiceRequest/{}/$gp-message", referral["id"]),
        Some(&app.link_worker),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{message}");
    message
}

on_both_databases!(
    the_referral_code_is_recorded_when_the_person_accepts_and_never_beside_a_decline
);

/// Regression (issue 16 item 3): the referral code was stamped on receipt, so a declined
/// referral's GP message carried both codes.
async fn the_referral_code_is_recorded_when_the_person_accepts_and_never_beside_a_decline(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let declined = referral_at_practice(&app).await;
    assert!(
        declined.get("snomed_code").is_none(),
        "no code on receipt: {declined}"
    );
    move_to(&app, &declined, "contacting", json!({})).await;
    let moved = move_to(&app, &declined, "declined", json!({})).await;
    assert_eq!(moved["snomed_code"], DECLINED);
    let text = gp_message(&app, &declined).await.to_string();
    assert!(text.contains(DECLINED), "{text}");
    assert!(
        !text.contains(ACCEPTED),
        "a decline is not a referral: {text}"
    );

    let accepted = referral_at_practice(&app).await;
    let before = gp_message(&app, &accepted).await.to_string();
    assert!(!before.contains(ACCEPTED), "not yet accepted: {before}");
    let moved = move_to(&app, &accepted, "active", json!({})).await;
    assert_eq!(moved["snomed_code"], ACCEPTED);
    let message = gp_message(&app, &accepted).await;
    let text = message.to_string();
    assert!(!text.contains(DECLINED), "{text}");
    let request = message["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .find(|r| r["resourceType"] == "ServiceRequest")
        .unwrap();
    assert_eq!(request["code"]["coding"][0]["code"], ACCEPTED);
    assert_eq!(
        request["code"]["coding"][0]["system"],
        "http://snomed.info/sct"
    );
    // The history says when: the accept event carries the code, receipt none.
    let (_, detail) = app
        .get(&format!("/referrals/{}", accepted["id"]), &app.link_worker)
        .await;
    let codes: Vec<(String, Value)> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["to_state"].as_str().unwrap_or("").to_string(),
                e["snomed_code"].clone(),
            )
        })
        .collect();
    assert_eq!(
        codes,
        [
            ("received".to_string(), Value::Null),
            ("active".to_string(), json!(ACCEPTED))
        ]
    );
}

/// One request the receiver took.
#[derive(Debug, Clone)]
struct Hit {
    at: Instant,
    content_type: String,
    body: Value,
}

struct Receiver {
    url: String,
    hits: Arc<Mutex<Vec<Hit>>>,
}

/// A real FHIR receiver on 127.0.0.1: answers 503 to the first `refusals` requests and then
/// `then`, after `delay`.
async fn receiver(refusals: usize, then: AxumStatus, delay: Duration) -> Receiver {
    type Shared = (Arc<Mutex<Vec<Hit>>>, usize, AxumStatus, Duration);
    async fn process(State(state): State<Shared>, headers: HeaderMap, body: String) -> AxumStatus {
        let (hits, refusals, then, delay) = state;
        let seen = {
            let mut hits = hits.lock().unwrap();
            hits.push(Hit {
                at: Instant::now(),
                content_type: headers
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string(),
                body: serde_json::from_str(&body).unwrap_or(Value::Null),
            });
            hits.len()
        };
        tokio::time::sleep(delay).await;
        if seen <= refusals {
            AxumStatus::SERVICE_UNAVAILABLE
        } else {
            then
        }
    }
    let hits = Arc::new(Mutex::new(Vec::new()));
    let router = axum::Router::new()
        .route("/fhir/$process-message", axum::routing::post(process))
        .with_state((hits.clone(), refusals, then, delay));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://127.0.0.1:{}/fhir/$process-message",
        listener.local_addr().unwrap().port()
    );
    tokio::spawn(async move { axum::serve(listener, router).await });
    Receiver { url, hits }
}

fn settings(base_ms: u64, max_attempts: u32) -> DeliverySettings {
    DeliverySettings {
        policy: DeliveryPolicy {
            backoff_base: Duration::from_millis(base_ms),
            backoff_cap: Duration::from_secs(5),
            max_attempts,
            lease: Duration::from_secs(30),
            timeout: Duration::from_secs(10),
        },
        from_mailbox: "LINKWELL01".into(),
        ..DeliverySettings::default()
    }
}

async fn set_fhir_endpoint(app: &TestApp, url: &str) {
    linkwell::usecases::outbox::set_endpoint(
        &app.store,
        "M00001",
        &Endpoint::Fhir { url: url.into() },
    )
    .await
    .unwrap();
}

/// (status, attempts) of every outbox row, oldest first, read through the admin page's
/// use case as an administrator would see it.
async fn outbox_rows(app: &TestApp) -> Vec<(String, u32, String)> {
    let mut rows = Vec::new();
    for status in [
        linkwell::outbox::OutboxStatus::Pending,
        linkwell::outbox::OutboxStatus::Delivered,
        linkwell::outbox::OutboxStatus::Dead,
    ] {
        for e in app.store.gp_outbox_entries(status, 100).await.unwrap() {
            rows.push((
                e.id,
                e.status.code().to_string(),
                e.attempts,
                e.event.code().to_string(),
            ));
        }
    }
    rows.sort();
    rows.into_iter().map(|(_, s, a, e)| (s, a, e)).collect()
}

on_both_databases!(each_event_queues_one_message_in_its_own_transaction);

async fn each_event_queues_one_message_in_its_own_transaction(backend: Backend) {
    let app = spawn_app(backend).await;
    let referral = referral_at_practice(&app).await;
    let id = &referral["id"];
    let lw = &app.link_worker;
    // Receipt is not an event the GP record hears of.
    assert!(outbox_rows(&app).await.is_empty());
    move_to(&app, &referral, "active", json!({})).await;
    for (what, body) in [
        (
            "contacts",
            json!({"mode": "phone", "duration_minutes": 20, "reached": true}),
        ),
        // An unanswered attempt and an unfinished questionnaire are not coded in the record.
        (
            "contacts",
            json!({"mode": "phone", "duration_minutes": 2, "reached": false}),
        ),
        (
            "measures",
            json!({"instrument": "ucla3", "timing": "baseline", "answers": [1, 2, 3]}),
        ),
        (
            "measures",
            json!({"instrument": "ucla3", "timing": "baseline", "answers": [1, null, 3]}),
        ),
    ] {
        let (status, body) = app.post(&format!("/referrals/{id}/{what}"), lw, body).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    // A refused change writes no event, so no message: a stale version changes nothing.
    let (status, body) = app
        .post(
            &format!("/referrals/{id}/transitions"),
            lw,
            json!({"to": "closed", "reason": "goals_met", "expected_version": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    move_to(&app, &referral, "closed", json!({"reason": "goals_met"})).await;
    let pending = |event: &str| ("pending".to_string(), 0, event.to_string());
    assert_eq!(
        outbox_rows(&app).await,
        [
            pending("accepted"),
            pending("contact"),
            pending("score"),
            pending("closed")
        ]
    );
    // Someone with no practice: nowhere to send, nothing queued.
    let (_, orphan) = app.person_with_referral("B25 8DS").await;
    move_to(&app, &orphan, "active", json!({})).await;
    assert_eq!(outbox_rows(&app).await.len(), 4);
}

on_both_databases!(a_refused_message_is_retried_after_the_backoff_and_delivered_once);

async fn a_refused_message_is_retried_after_the_backoff_and_delivered_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let receiver = receiver(2, AxumStatus::OK, Duration::ZERO).await;
    set_fhir_endpoint(&app, &receiver.url).await;
    let referral = referral_at_practice(&app).await;
    move_to(&app, &referral, "active", json!({})).await;
    let text = metrics(&app).await;
    assert!(text.contains("linkwell_gp_outbox_depth 1"), "{text}");

    let base = Duration::from_millis(300);
    let worker = Worker::new(
        app.store.clone(),
        settings(300, 8),
        format!("{}/fhir", app.address),
    )
    .unwrap();
    let pass = |expected: PassReport| {
        let worker = &worker;
        async move { assert_eq!(worker.deliver_due().await.unwrap(), expected) }
    };
    let retrying = PassReport {
        retrying: 1,
        ..PassReport::default()
    };
    pass(retrying).await; // 503
                          // Due again only after the backoff: a pass straight away sends nothing.
    pass(PassReport::default()).await;
    tokio::time::sleep(base + Duration::from_millis(50)).await;
    pass(retrying).await; // 503 again; the wait doubles
    tokio::time::sleep(base + Duration::from_millis(50)).await;
    pass(PassReport::default()).await;
    tokio::time::sleep(base).await;
    pass(PassReport {
        delivered: 1,
        ..PassReport::default()
    })
    .await;
    // Delivered once: nothing more is sent, however often the worker looks.
    pass(PassReport::default()).await;

    let hits = receiver.hits.lock().unwrap().clone();
    assert_eq!(hits.len(), 3, "two refusals and the delivery");
    assert!(
        hits[1].at - hits[0].at >= base,
        "first backoff: {:?}",
        hits[1].at - hits[0].at
    );
    assert!(
        hits[2].at - hits[1].at >= base * 2,
        "doubled: {:?}",
        hits[2].at - hits[1].at
    );
    for hit in &hits {
        assert_eq!(hit.content_type, "application/fhir+json");
        assert_eq!(hit.body["resourceType"], "Bundle");
        assert_eq!(hit.body["type"], "message");
    }
    // One event, one id, on every try: a name-based (version 5) UUID.
    let id = hits[0].body["id"].as_str().unwrap().to_string();
    assert!(hits.iter().all(|h| h.body["id"] == id.as_str()));
    assert_eq!(
        hits[0].body["identifier"]["value"],
        format!("urn:uuid:{id}")
    );
    assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 5);
    let text = hits[2].body.to_string();
    assert!(
        text.contains(ACCEPTED) && !text.contains(DECLINED),
        "{text}"
    );
    assert_eq!(
        hits[2].body["entry"][0]["resource"]["reason"]["coding"][0]["code"],
        "accepted"
    );
    assert_eq!(
        outbox_rows(&app).await,
        [("delivered".to_string(), 3, "accepted".to_string())]
    );
    let text = metrics(&app).await;
    assert!(text.contains("linkwell_gp_outbox_depth 0"), "{text}");
}

async fn metrics(app: &TestApp) -> String {
    app.client
        .get(format!("{}/metrics", app.address))
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

on_both_databases!(two_workers_at_once_send_each_message_once);

async fn two_workers_at_once_send_each_message_once(backend: Backend) {
    let app = spawn_app(backend).await;
    // Slow answers, so the two workers' sends overlap.
    let receiver = receiver(0, AxumStatus::OK, Duration::from_millis(40)).await;
    set_fhir_endpoint(&app, &receiver.url).await;
    const MESSAGES: usize = 8;
    for _ in 0..MESSAGES {
        let referral = referral_at_practice(&app).await;
        move_to(&app, &referral, "active", json!({})).await;
    }
    if backend == Backend::Postgres {
        // A row another worker holds locked is skipped, not waited for (SKIP LOCKED).
        let pool = sqlx::PgPool::connect(&app.database_url).await.unwrap();
        let mut other = pool.begin().await.unwrap();
        let (locked,): (i64,) = sqlx::query_as(
            "SELECT id FROM gp_outbox ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE",
        )
        .fetch_one(&mut *other)
        .await
        .unwrap();
        let now = chrono::Utc::now();
        let taken = tokio::time::timeout(
            Duration::from_secs(5),
            app.store.lease_gp_message("probe", now, now),
        )
        .await
        .expect("the lease does not wait for a locked row")
        .unwrap()
        .expect("another row is due");
        assert_ne!(taken.id, locked);
        other.rollback().await.unwrap();
    }
    // Two instances: each its own connection pool, as two servers would have.
    let other_store = linkwell::store::Store::connect(&app.database_url)
        .await
        .unwrap();
    let fhir = format!("{}/fhir", app.address);
    let one = Worker::new(app.store.clone(), settings(50, 8), fhir.clone()).unwrap();
    let two = Worker::new(other_store, settings(50, 8), fhir).unwrap();
    let (a, b) = tokio::join!(one.deliver_due(), two.deliver_due());
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.delivered + b.delivered, MESSAGES as u32, "{a:?} {b:?}");
    let hits = receiver.hits.lock().unwrap().clone();
    let mut ids: Vec<String> = hits
        .iter()
        .map(|h| h.body["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), MESSAGES, "one request per message");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), MESSAGES, "never the same message twice");
    assert!(outbox_rows(&app)
        .await
        .iter()
        .all(|(s, a, _)| s == "delivered" && *a == 1));
}

on_both_databases!(a_mailbox_folder_gets_a_data_file_and_its_control_file);

async fn a_mailbox_folder_gets_a_data_file_and_its_control_file(backend: Backend) {
    let app = spawn_app(backend).await;
    let folder = tempfile::tempdir().unwrap();
    let dir = folder.path().display().to_string();
    let db = app.database_url.as_str();
    // A bad endpoint is refused, clearly, and nothing is stored.
    let refused = linkwell(&[
        "practices",
        "endpoint",
        "set",
        "--database-url",
        db,
        "--practice",
        "M00001",
        "--fhir-url",
        "ftp://gp.example",
    ]);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("https://"), "{said}");
    let unknown = linkwell(&[
        "practices",
        "endpoint",
        "set",
        "--database-url",
        db,
        "--practice",
        "Z99999",
        "--mailbox-dir",
        &dir,
        "--mailbox-id",
        "X26AB001",
    ]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no practice has this ODS code"));
    let set = linkwell(&[
        "practices",
        "endpoint",
        "set",
        "--database-url",
        db,
        "--practice",
        "M00001",
        "--mailbox-dir",
        &dir,
        "--mailbox-id",
        "X26AB001",
    ]);
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );

    let referral = referral_at_practice(&app).await;
    move_to(&app, &referral, "contacting", json!({})).await;
    move_to(&app, &referral, "declined", json!({})).await;
    let deliver = linkwell(&[
        "outbox",
        "deliver",
        "--once",
        "--database-url",
        db,
        "--mesh-from-mailbox",
        "LINKWELL01",
    ]);
    let out = String::from_utf8_lossy(&deliver.stdout);
    assert!(
        deliver.status.success(),
        "{}",
        String::from_utf8_lossy(&deliver.stderr)
    );
    assert!(
        out.contains("delivered 1, to retry 0, dead letters 0"),
        "{out}"
    );

    let mut names: Vec<String> = std::fs::read_dir(folder.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert_eq!(
        names.len(),
        2,
        "one data file and one control file, no temporary left: {names:?}"
    );
    let id = names[0]
        .strip_suffix(".ctl")
        .expect("control file")
        .to_string();
    assert_eq!(names[1], format!("{id}.dat"));
    let data: Value =
        serde_json::from_slice(&std::fs::read(folder.path().join(&names[1])).unwrap()).unwrap();
    assert_eq!(data["id"], id.as_str());
    let text = data.to_string();
    assert!(
        text.contains(DECLINED) && !text.contains(ACCEPTED),
        "{text}"
    );
    let control = std::fs::read_to_string(folder.path().join(&names[0])).unwrap();
    for expected in [
        format!("<LocalId>{id}</LocalId>"),
        "<To_DTS>X26AB001</To_DTS>".into(),
        "<From_DTS>LINKWELL01</From_DTS>".into(),
        "<MessageType>Data</MessageType>".into(),
    ] {
        assert!(control.contains(&expected), "{expected} in {control}");
    }
    let again = linkwell(&["outbox", "deliver", "--once", "--database-url", db]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("delivered 0"));
    let status = linkwell(&["outbox", "status", "--database-url", db]);
    assert!(String::from_utf8_lossy(&status.stdout)
        .contains("pending 0, retrying 0, dead 0, delivered 1"));
}

on_both_databases!(a_message_refused_every_time_becomes_a_dead_letter_shown_to_administrators);

async fn a_message_refused_every_time_becomes_a_dead_letter_shown_to_administrators(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let receiver = receiver(usize::MAX, AxumStatus::OK, Duration::ZERO).await;
    set_fhir_endpoint(&app, &receiver.url).await;
    let referral = referral_at_practice(&app).await;
    move_to(&app, &referral, "active", json!({})).await;
    let worker = Worker::new(
        app.store.clone(),
        settings(20, 3),
        format!("{}/fhir", app.address),
    )
    .unwrap();
    let mut dead = 0;
    for _ in 0..40 {
        dead += worker.deliver_due().await.unwrap().dead;
        if dead > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(dead, 1);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        worker.deliver_due().await.unwrap(),
        PassReport::default(),
        "a dead letter is not sent again"
    );
    assert_eq!(
        receiver.hits.lock().unwrap().len(),
        3,
        "exactly the three tries allowed"
    );
    assert_eq!(
        outbox_rows(&app).await,
        [("dead".to_string(), 3, "accepted".to_string())]
    );

    app.store
        .set_password("admin", LINK_WORKER_PASSWORD)
        .await
        .unwrap();
    let admin = sign_in_as(&app, "admin").await;
    let response = app
        .client
        .get(format!("{}/admin/outbox", app.address))
        .header("cookie", &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let html = response.text().await.unwrap();
    assert!(html.contains(r#"<td id="count-dead">1</td>"#), "{html}");
    assert!(
        html.contains(r#"<td id="count-delivered">0</td>"#),
        "{html}"
    );
    assert!(
        html.contains("the endpoint answered HTTP 503"),
        "the last error is shown: {html}"
    );
    let text = metrics(&app).await;
    assert!(text.contains("linkwell_gp_outbox_dead 1"), "{text}");
    assert!(text.contains("linkwell_gp_outbox_depth 0"), "{text}");
    // Administrators only.
    let worker_cookie = sign_in_as(&app, "lw").await;
    let (status, _) = page(&app, &worker_cookie, "/admin/outbox").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

on_both_databases!(a_dead_letter_requeued_by_an_administrator_is_delivered_once);

/// Issue 16 follow-up: a message that died (the endpoint refused every try) is sent again
/// once an administrator has fixed the endpoint and confirmed, from `/admin/outbox` or the
/// API; it is then delivered exactly once, and each re-queue is audited. Without the
/// confirmation nothing changes; other roles may not.
async fn a_dead_letter_requeued_by_an_administrator_is_delivered_once(backend: Backend) {
    let app = spawn_app(backend).await;
    // Refuses the three tries allowed, then takes whatever comes.
    let receiver = receiver(3, AxumStatus::OK, Duration::ZERO).await;
    set_fhir_endpoint(&app, &receiver.url).await;
    let first = referral_at_practice(&app).await;
    move_to(&app, &first, "active", json!({})).await;
    let worker = Worker::new(
        app.store.clone(),
        settings(20, 3),
        format!("{}/fhir", app.address),
    )
    .unwrap();
    let mut dead = 0;
    for _ in 0..40 {
        dead += worker.deliver_due().await.unwrap().dead;
        if dead > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(dead, 1);
    assert_eq!(
        outbox_rows(&app).await,
        [("dead".to_string(), 3, "accepted".to_string())]
    );
    let id = app
        .store
        .gp_outbox_entries(linkwell::outbox::OutboxStatus::Dead, 10)
        .await
        .unwrap()[0]
        .id;

    app.store
        .set_password("admin", LINK_WORKER_PASSWORD)
        .await
        .unwrap();
    let admin = sign_in_as(&app, "admin").await;
    let (status, html) = page(&app, &admin, "/admin/outbox").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!(r#"name="message" value="{id}""#)),
        "{html}"
    );
    let csrf = crate::pages::csrf_of(&html);
    // Not confirmed: the page again with the error summary, and the message still dead.
    let response = crate::pages::post_form(
        &app,
        &admin,
        "/admin/outbox/requeue",
        &[("csrf", csrf.clone()), ("message", id.to_string())],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("There is a problem"), "{html}");
    assert!(html.contains(&format!("href=\"#confirm-{id}\"")), "{html}");
    assert_eq!(outbox_rows(&app).await[0].0, "dead");
    // A link worker may not, even with the box ticked.
    let lw = sign_in_as(&app, "lw").await;
    let (_, lw_html) = page(&app, &lw, "/caseload").await;
    let response = crate::pages::post_form(
        &app,
        &lw,
        "/admin/outbox/requeue",
        &[
            ("csrf", crate::pages::csrf_of(&lw_html)),
            ("message", id.to_string()),
            ("confirm", "yes".into()),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(outbox_rows(&app).await[0].0, "dead");

    // Confirmed: back in the queue with a fresh set of tries, due now.
    let response = crate::pages::post_form(
        &app,
        &admin,
        "/admin/outbox/requeue",
        &[
            ("csrf", csrf.clone()),
            ("message", id.to_string()),
            ("confirm", "yes".into()),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/admin/outbox?requeued=1");
    assert_eq!(
        outbox_rows(&app).await,
        [("pending".to_string(), 0, "accepted".to_string())]
    );
    let (_, html) = page(&app, &admin, "/admin/outbox?requeued=1").await;
    assert!(html.contains("1 message will be sent again now."), "{html}");
    // The same message again: it is no longer a dead letter.
    let (status, body) = app
        .post(
            "/gp-outbox/requeue",
            &app.admin,
            json!({"message_id": id, "confirm": true}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    // The worker leases it again and it is delivered once (the receiver now accepts).
    let report = worker.deliver_due().await.unwrap();
    assert_eq!(
        report,
        PassReport {
            delivered: 1,
            ..PassReport::default()
        }
    );
    assert_eq!(worker.deliver_due().await.unwrap(), PassReport::default());
    let hits = receiver.hits.lock().unwrap().clone();
    assert_eq!(hits.len(), 4, "three refusals, then the one delivery");
    assert_eq!(
        hits[3].body["id"], hits[0].body["id"],
        "the same message id"
    );
    assert_eq!(
        outbox_rows(&app).await,
        [("delivered".to_string(), 1, "accepted".to_string())]
    );

    // The API, for a whole practice: confirmation required (422, nothing changed), unknown
    // practice refused, then every dead letter of the practice re-queued.
    let second = referral_at_practice(&app).await;
    move_to(&app, &second, "active", json!({})).await;
    app.execute("UPDATE gp_outbox SET status = 'dead', attempts = 3 WHERE status = 'pending'")
        .await;
    for (body, expected) in [
        (
            json!({"practice": "M00001", "confirm": false}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"practice": "X99999", "confirm": true}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (json!({"confirm": true}), StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let (status, problem) = app.post("/gp-outbox/requeue", &app.admin, body).await;
        assert_eq!(status, expected, "{problem}");
        assert_eq!(outbox_rows(&app).await[1].0, "dead");
    }
    let (status, body) = app
        .post(
            "/gp-outbox/requeue",
            &app.admin,
            json!({"practice": "M00001", "confirm": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["requeued"].as_array().unwrap().len(), 1);
    assert_eq!(worker.deliver_due().await.unwrap().delivered, 1);
    assert_eq!(receiver.hits.lock().unwrap().len(), 5);

    // Each re-queue is in the audit log, by the administrator.
    let audited = app
        .store
        .audit_records(0, 100_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.record_type == "gp_message" && r.action == "update")
        .map(|r| (r.actor_role, r.record_id.is_some(), r.person_id.is_some()))
        .collect::<Vec<_>>();
    assert_eq!(audited, vec![("admin".to_string(), true, true); 2]);
}

/// A real HTTPS receiver on 127.0.0.1 with a certificate for that address signed by a
/// certificate authority made here (rcgen); it takes every message (200). Returns its URL,
/// the CA's certificate (PEM) and what it took.
async fn tls_receiver() -> (String, String, Arc<Mutex<Vec<Hit>>>) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
    use tokio_rustls::rustls;
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "Linkwell test practice CA");
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
    let server_cert = server.signed_by(&server_key, &ca_cert, &ca_key).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![server_cert.der().clone()],
        rustls::pki_types::PrivateKeyDer::Pkcs8(server_key.serialize_der().into()),
    )
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));

    async fn take(State(hits): State<Arc<Mutex<Vec<Hit>>>>, body: String) -> AxumStatus {
        hits.lock().unwrap().push(Hit {
            at: Instant::now(),
            content_type: String::new(),
            body: serde_json::from_str(&body).unwrap_or(Value::Null),
        });
        AxumStatus::OK
    }
    let hits = Arc::new(Mutex::new(Vec::new()));
    let router = axum::Router::new()
        .route("/fhir/$process-message", axum::routing::post(take))
        .with_state(hits.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "https://127.0.0.1:{}/fhir/$process-message",
        listener.local_addr().unwrap().port()
    );
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, router) = (acceptor.clone(), router.clone());
            tokio::spawn(async move {
                // A client that does not trust the certificate ends the handshake here.
                if let Ok(tls) = acceptor.accept(tcp).await {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(
                            hyper_util::rt::TokioIo::new(tls),
                            hyper_util::service::TowerToHyperService::new(router),
                        )
                        .await;
                }
            });
        }
    });
    (url, ca_cert.pem(), hits)
}

on_both_databases!(https_delivery_trusts_only_the_configured_authority);

/// Issue 16 follow-up: delivery over HTTPS. A practice endpoint whose certificate is signed
/// by a CA the worker does not trust is refused before anything is sent (the message stays
/// pending, failing, with the reason in words); with the CA given
/// (`--gp-delivery-ca-file`), the same message is delivered over TLS, once.
async fn https_delivery_trusts_only_the_configured_authority(backend: Backend) {
    let app = spawn_app(backend).await;
    let (url, ca_pem, hits) = tls_receiver().await;
    set_fhir_endpoint(&app, &url).await;
    let referral = referral_at_practice(&app).await;
    move_to(&app, &referral, "active", json!({})).await;

    let untrusting = Worker::new(
        app.store.clone(),
        settings(20, 8),
        format!("{}/fhir", app.address),
    )
    .unwrap();
    assert_eq!(
        untrusting.deliver_due().await.unwrap(),
        PassReport {
            retrying: 1,
            ..PassReport::default()
        }
    );
    assert!(
        hits.lock().unwrap().is_empty(),
        "nothing reached the server"
    );
    let pending = app
        .store
        .gp_outbox_entries(linkwell::outbox::OutboxStatus::Pending, 10)
        .await
        .unwrap();
    assert_eq!(pending.len(), 1);
    let error = pending[0].last_error.clone().unwrap();
    assert!(
        error.starts_with("the endpoint's HTTPS certificate is not trusted")
            && error.contains("--gp-delivery-ca-file"),
        "{error}"
    );

    // A CA file that holds no certificate stops the worker from starting.
    let dir = tempfile::tempdir().unwrap();
    let not_pem = dir.path().join("not-a-ca.pem");
    std::fs::write(&not_pem, "not a certificate").unwrap();
    let mut broken = settings(20, 8);
    broken.ca_file = Some(not_pem);
    let refused = Worker::new(app.store.clone(), broken, format!("{}/fhir", app.address));
    let message = refused.err().expect("refused").to_string();
    assert!(message.contains("--gp-delivery-ca-file"), "{message}");

    let ca_file = dir.path().join("practice-ca.pem");
    std::fs::write(&ca_file, &ca_pem).unwrap();
    let mut trusting_settings = settings(20, 8);
    trusting_settings.ca_file = Some(ca_file);
    let trusting = Worker::new(
        app.store.clone(),
        trusting_settings,
        format!("{}/fhir", app.address),
    )
    .unwrap();
    tokio::time::sleep(Duration::from_millis(60)).await;
    assert_eq!(
        trusting.deliver_due().await.unwrap(),
        PassReport {
            delivered: 1,
            ..PassReport::default()
        }
    );
    assert_eq!(trusting.deliver_due().await.unwrap(), PassReport::default());
    let taken = hits.lock().unwrap().clone();
    assert_eq!(taken.len(), 1, "delivered once, over TLS");
    assert_eq!(taken[0].body["type"], "message");
    assert_eq!(
        outbox_rows(&app).await,
        [("delivered".to_string(), 2, "accepted".to_string())]
    );
}

on_both_databases!(the_gp_message_patient_carries_only_what_the_practice_needs_to_match);

/// Issue 16 follow-up (data minimisation, UK GDPR Art. 5(1)(c); docs/gp-record.md): the
/// practice holds the person's demographic record, so the message's Patient carries only
/// what it needs to find them and file the message: NHS number, official name, date of
/// birth and the practice. The PRSB fields, phone, address, sex and ethnicity recorded in
/// Linkwell are not sent.
async fn the_gp_message_patient_carries_only_what_the_practice_needs_to_match(backend: Backend) {
    let app = spawn_app(backend).await;
    let referral = referral_at_practice(&app).await;
    let (_, detail) = app
        .get(&format!("/referrals/{}", referral["id"]), &app.link_worker)
        .await;
    let person_id = &detail["referral"]["person_id"];
    // A synthetic NHS number (valid check digit), as the practice would match on.
    app.execute(&format!(
        "UPDATE people SET nhs_number = '9434765919' WHERE id = {person_id}"
    ))
    .await;
    let (status, record) = app
        .post(
            &format!("/people/{person_id}/record"),
            &app.link_worker,
            json!({
                "address_line1": "14 Acacia Avenue", "town": "Birmingham",
                "preferred_name": "Gracie", "gender_identity": "woman",
                "preferred_language": "pl", "interpreter_needed": true,
                "communication_needs": "Hard of hearing", "written_format": "large_print",
                "preferred_contact_method": "sms", "preferred_contact_times": "mornings"
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{record}");
    move_to(&app, &referral, "active", json!({})).await;
    let message = gp_message(&app, &referral).await;
    let patient = message["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .find(|r| r["resourceType"] == "Patient")
        .unwrap()
        .clone();
    let mut keys: Vec<&str> = patient
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "birthDate",
            "generalPractitioner",
            "id",
            "identifier",
            "name",
            "resourceType"
        ],
        "{patient}"
    );
    assert_eq!(
        patient["identifier"][0]["system"],
        "https://fhir.nhs.uk/Id/nhs-number"
    );
    assert_eq!(
        patient["name"].as_array().unwrap().len(),
        1,
        "official name only"
    );
    assert_eq!(patient["name"][0]["use"], "official");
    assert_eq!(
        patient["generalPractitioner"][0]["identifier"]["value"],
        "M00001"
    );
    let text = message.to_string();
    for absent in [
        "Gracie",
        "Acacia",
        "Hard of hearing",
        "mornings",
        "Polish",
        "\"pl\"",
    ] {
        assert!(
            !text.contains(absent),
            "{absent} sent to the practice: {text}"
        );
    }
    // The same person's full Patient (FHIR read, for the team) still has them.
    let (status, full, _) = crate::fhir::fhir(
        &app,
        "GET",
        &format!("/Patient/{person_id}"),
        Some(&app.link_worker),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{full}");
    assert!(full.to_string().contains("Gracie"), "{full}");
}
