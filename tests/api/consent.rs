//! Consent before sharing with a community organisation, and only what was agreed.

use crate::helpers::{assert_problem, spawn_app, Backend};
use crate::on_both_databases;
use reqwest::StatusCode;
use serde_json::json;

on_both_databases!(connections_need_consent_and_share_only_what_was_agreed);

async fn connections_need_consent_and_share_only_what_was_agreed(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, referral) = app.person_with_referral("SW1A 1AA").await;
    let id = &referral["id"];
    let (s, _) = app
        .post(&format!("/referrals/{id}/contacts"), &app.link_worker, json!({"mode": "phone", "duration_minutes": 20, "what_matters": "Seeing my grandchildren"}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    app.post(
        &format!("/referrals/{id}/needs"),
        &app.link_worker,
        json!({"need": "loneliness"}),
    )
    .await;

    // No consent named: the connection is refused and nothing is written.
    let before = app.count("connections").await;
    let connect = json!({"service_id": app.service_id});
    let (s, p) = app
        .post(
            &format!("/referrals/{id}/connections"),
            &app.link_worker,
            connect.clone(),
        )
        .await;
    assert_problem(s, &p, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p["detail"].as_str().unwrap().contains("consent"), "{p}");
    assert_eq!(app.count("connections").await, before);

    // Consent to share name and needs only.
    let consent = app.consent_to_share(id, &app.link_worker).await;
    assert_eq!(consent["share"], json!(["name", "needs"]));
    assert_eq!(consent["method"], "verbal");
    let connect = json!({"service_id": app.service_id, "consent_id": consent["id"]});
    let (s, connection) = app
        .post(
            &format!("/referrals/{id}/connections"),
            &app.link_worker,
            connect.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{connection}");

    // The organisation sees the connection with exactly the agreed fields.
    let (s, inbox) = app.get("/vcse/connections", &app.vcse).await;
    assert_eq!(s, StatusCode::OK, "{inbox}");
    let shared = &inbox.as_array().unwrap()[0];
    assert_eq!(shared["connection_id"], connection["id"]);
    assert_eq!(
        shared["person"],
        json!({"name": "Ada Lovelace", "needs": ["Loneliness and social connection"]})
    );
    let text = inbox.to_string();
    assert!(
        !text.contains("grandchildren") && !text.contains("1950"),
        "nothing unconsented: {text}"
    );
    // Link workers and others cannot use the organisation's view.
    let (s, p) = app.get("/vcse/connections", &app.link_worker).await;
    assert_problem(s, &p, StatusCode::FORBIDDEN);

    // Withdrawal stops further sharing: the inbox empties and new connections are refused.
    let (s, withdrawn) = app
        .post(
            &format!("/consents/{}/withdrawal", consent["id"]),
            &app.link_worker,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{withdrawn}");
    assert!(withdrawn["withdrawn_at"].is_string());
    let (_, inbox) = app.get("/vcse/connections", &app.vcse).await;
    assert_eq!(inbox, json!([]));
    let (s, p) = app
        .post(
            &format!("/referrals/{id}/connections"),
            &app.link_worker,
            connect,
        )
        .await;
    assert_problem(s, &p, StatusCode::UNPROCESSABLE_ENTITY);
    // Another team cannot withdraw (or learn of) this person's consents.
    let (s, p) = app
        .post(
            &format!("/consents/{}/withdrawal", consent["id"]),
            &app.other_team_worker,
            json!({}),
        )
        .await;
    assert_problem(s, &p, StatusCode::NOT_FOUND);
}

on_both_databases!(the_organisation_answers_its_connections_and_records_attendance);

async fn the_organisation_answers_its_connections_and_records_attendance(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, referral) = app.person_with_referral("B25 8DS").await;
    let consent = app
        .consent_to_share(&referral["id"], &app.link_worker)
        .await;
    let connect = || async {
        let (s, c) = app
            .post(
                &format!("/referrals/{}/connections", referral["id"]),
                &app.link_worker,
                json!({"service_id": app.service_id, "consent_id": consent["id"]}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{c}");
        c["id"].as_i64().unwrap()
    };
    let (first, second) = (connect().await, connect().await);
    let answer = |id: i64, body: serde_json::Value| {
        let app = &app;
        async move {
            app.post(&format!("/vcse/connections/{id}/status"), &app.vcse, body)
                .await
        }
    };

    // Unanswered for over 14 days: flagged on the link worker's caseload until answered.
    let unanswered = || async {
        let (_, caseload) = app.get("/caseload", &app.link_worker).await;
        caseload
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["referral_id"] == referral["id"])
            .unwrap()["unanswered_connections"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(unanswered().await, 0);
    app.execute(&format!(
        "UPDATE connections SET sent_at = '2020-01-01T00:00:00+00:00' WHERE id = {first}"
    ))
    .await;
    assert_eq!(unanswered().await, 1, "only the old one");
    let (s, problem) = answer(first, json!({"status": "rejected"})).await;
    assert_eq!(
        (s, problem["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("note")),
        "a reason is needed"
    );
    let (s, declined) = answer(
        first,
        json!({"status": "rejected", "note": "Group full until March"}),
    )
    .await;
    assert_eq!(
        (s, declined["status"].as_str()),
        (StatusCode::OK, Some("rejected"))
    );
    let (s, _) = answer(second, json!({"status": "cancelled"})).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "cancelling is the link worker's"
    );
    for status in ["accepted", "attended_first_session", "completed"] {
        let (s, c) = answer(second, json!({"status": status})).await;
        assert_eq!(
            (s, c["status"].as_str()),
            (StatusCode::OK, Some(status)),
            "{c}"
        );
    }
    let (s, _) = answer(second, json!({"status": "accepted"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "completed is final");

    // The link worker sees the organisation's answers, with the reason for declining.
    let (_, detail) = app
        .get(&format!("/referrals/{}", referral["id"]), &app.link_worker)
        .await;
    let statuses: Vec<&str> = detail["casework"]["connections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["rejected", "completed"]);
    assert_eq!(unanswered().await, 0, "answered");

    // Withdrawn consent: the organisation can no longer see or answer.
    let third = connect().await;
    let (s, _) = app
        .post(
            &format!("/consents/{}/withdrawal", consent["id"]),
            &app.link_worker,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = answer(third, json!({"status": "accepted"})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
