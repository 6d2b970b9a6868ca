//! The audit trail: reads and writes are recorded; tampering is detected and named.

use crate::helpers::{spawn_app, Backend, TestApp};
use crate::on_both_databases;
use reqwest::StatusCode;
use serde_json::json;

on_both_databases!(reads_and_writes_are_audited_and_tampering_is_detected);

async fn audit_of_person(app: &TestApp, person_id: i64) -> Vec<(String, String, Option<i64>)> {
    let mut rows: Vec<_> = app
        .store
        .accesses_of_person(person_id, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|(r, _)| (r.action, r.record_type, r.actor_id))
        .collect();
    rows.reverse();
    rows
}

async fn reads_and_writes_are_audited_and_tampering_is_detected(backend: Backend) {
    let app = spawn_app(backend).await;
    let (person, referral) = app.person_with_referral("SW1A 1AA").await;
    let person_id = person["id"].as_i64().unwrap();
    let response = app
        .client
        .get(format!("{}/api/v1/people/{person_id}", app.address))
        .bearer_auth(&app.link_worker)
        .header("x-request-id", "trace-123")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (s, _) = app
        .post(
            &format!("/referrals/{}/needs", referral["id"]),
            &app.link_worker,
            json!({"need": "money"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    // Someone outside the team is refused, and a refusal reads nothing.
    let (s, _) = app
        .get(&format!("/people/{person_id}"), &app.other_team_worker)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let lw = Some(app.link_worker_id);
    assert_eq!(
        audit_of_person(&app, person_id).await,
        [
            ("create".into(), "person".into(), lw),
            ("create".into(), "referral".into(), lw),
            ("read".into(), "person".into(), lw),
            ("create".into(), "need".into(), lw),
        ]
    );
    let records = app.store.audit_records(0, 100).await.unwrap();
    assert!(records
        .iter()
        .any(|r| r.request_id == "trace-123" && r.purpose == "direct care"));
    let (count, tip) = app.store.verify_audit().await.unwrap().unwrap();
    assert_eq!(count, records.len() as i64);
    assert_eq!(tip, records.last().unwrap().hash);

    // Tamper with the second record, as someone with database access might.
    app.execute("UPDATE audit_log SET actor_id = 999 WHERE id = 2")
        .await;
    let broken = app.store.verify_audit().await.unwrap().unwrap_err();
    assert_eq!(broken.id, 2, "{broken}");

    // The command-line check says the same, and fails.
    let output =
        crate::helpers::linkwell(&["audit", "verify", "--database-url", &app.database_url]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("BROKEN at record 2"), "{stderr}");

    // Put it back: the chain holds again. Then delete a record instead: caught too.
    app.execute(&format!(
        "UPDATE audit_log SET actor_id = {} WHERE id = 2",
        app.link_worker_id
    ))
    .await;
    assert!(app.store.verify_audit().await.unwrap().is_ok());
    let last = records.last().unwrap().id;
    app.execute(&format!("DELETE FROM audit_log WHERE id = {last}"))
        .await;
    let tail = app.store.verify_audit().await.unwrap().unwrap_err();
    assert!(tail.reason.contains("removed from the end"), "{tail}");
    app.execute("DELETE FROM audit_log WHERE id = 3").await;
    assert_eq!(app.store.verify_audit().await.unwrap().unwrap_err().id, 3);
    let export =
        crate::helpers::linkwell(&["audit", "export", "--database-url", &app.database_url]);
    assert!(export.status.success());
    let csv = String::from_utf8_lossy(&export.stdout);
    assert!(
        csv.starts_with("id,at,actor_id,actor_role,action,record_type"),
        "{csv}"
    );
}
