//! Records management: erasure keeps counts and the audit chain, removes identity and text.

use crate::helpers::{spawn_app, Backend, TestApp};
use crate::on_both_databases;
use reqwest::StatusCode;
use serde_json::json;

on_both_databases!(erasure_removes_identity_and_text_but_keeps_counts_and_chain);

fn linkwell(app: &TestApp, args: &[&str]) -> (bool, String) {
    let args: Vec<&str> = args
        .iter()
        .copied()
        .chain(["--database-url", &app.database_url])
        .collect();
    let output = crate::helpers::linkwell(&args);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

async fn erasure_removes_identity_and_text_but_keeps_counts_and_chain(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut body = crate::helpers::person_body("SW1A 1AA");
    body["nhs_number"] = json!("943 476 5919");
    let (_, person) = app.post("/people", &app.link_worker, body).await;
    let (_, referral) = app
        .post("/referrals", &app.link_worker, json!({"person_id": person["id"], "referrer_kind": "gp", "reason": "Grieving since March"}))
        .await;
    let id = referral["id"].clone();
    app.post(&format!("/referrals/{id}/contacts"), &app.link_worker, json!({"mode": "phone", "duration_minutes": 30, "notes": "Talked about her late husband", "what_matters": "Her garden"})).await;
    app.post(
        &format!("/referrals/{id}/needs"),
        &app.link_worker,
        json!({"need": "bereavement", "notes": "husband died"}),
    )
    .await;
    // A second person whose referral has ended, for the retention sweep.
    let (_, ended) = app.person_with_referral("B25 8DS").await;
    let (s, _) = app
        .post(
            &format!("/referrals/{}/transitions", ended["id"]),
            &app.link_worker,
            json!({"to": "declined", "expected_version": 1}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let counts_before = (
        app.count("referrals").await,
        app.count("contacts").await,
        app.count("needs").await,
    );

    let person_id = person["id"].as_i64().unwrap().to_string();
    let (ok, text) = linkwell(&app, &["people", "erase", "--id", &person_id, "--by", "lw"]);
    assert!(!ok && text.contains("not an administrator"), "{text}");
    let (ok, text) = linkwell(
        &app,
        &["people", "erase", "--id", &person_id, "--by", "admin"],
    );
    assert!(ok, "{text}");

    let (s, erased) = app
        .get(&format!("/people/{person_id}"), &app.link_worker)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(erased["given_name"], "Erased");
    assert!(
        erased.get("nhs_number").is_none() || erased["nhs_number"].is_null(),
        "{erased}"
    );
    assert_eq!(
        erased["date_of_birth"], "1950-07-01",
        "birth year kept for age bands"
    );
    assert_eq!(erased["lsoa"], "E01004736", "area kept for equity counts");
    assert_eq!(erased["imd_decile"], 8);
    let (_, detail) = app.get(&format!("/referrals/{id}"), &app.link_worker).await;
    let text = detail.to_string();
    for secret in ["Grieving", "husband", "garden"] {
        assert!(!text.contains(secret), "{secret} survived erasure: {text}");
    }
    assert_eq!(
        detail["casework"]["needs"][0]["need"], "bereavement",
        "coded facts kept"
    );
    assert_eq!(
        (
            app.count("referrals").await,
            app.count("contacts").await,
            app.count("needs").await
        ),
        counts_before,
        "aggregate counts unchanged"
    );
    assert!(
        app.store.verify_audit().await.unwrap().is_ok(),
        "audit chain still valid"
    );
    assert!(app
        .store
        .audit_records(0, 1000)
        .await
        .unwrap()
        .iter()
        .any(|r| r.action == "erase"));

    // Retention: with a zero-year period only the person whose referrals all ended is due.
    let (ok, text) = linkwell(
        &app,
        &[
            "people",
            "erase-expired",
            "--retention-years",
            "0",
            "--by",
            "admin",
            "--dry-run",
        ],
    );
    assert!(ok, "{text}");
    assert!(
        text.contains(&format!("would erase person {}", ended["person_id"])),
        "{text}"
    );
    assert!(text.contains("would erase 1 people"), "{text}");
}
