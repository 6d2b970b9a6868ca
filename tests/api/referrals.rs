use crate::helpers::{assert_problem, spawn_app, Backend};
use crate::on_both_databases;
use linkwell::referrals::{derive_state, ReferralEvent, ReferralState};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_databases!(
    referral_goes_from_received_to_closed,
    stale_version_gets_conflict,
    other_team_and_analyst_cannot_see_the_referral,
    referrer_sees_status_but_not_casework,
    caseload_filters_by_state_link_worker_and_overdue,
    unable_to_contact_needs_three_attempts,
    anonymous_requests_are_refused,
    shown_state_is_derived_from_events,
    referral_needs_a_team_to_hold_it,
);

async fn shown_state_is_derived_from_events(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, referral) = app.person_with_referral("SW1A 1AA").await;
    let id = referral["id"].as_i64().unwrap();
    app.execute(&format!(
        "UPDATE referrals SET state = 'closed' WHERE id = {id}"
    ))
    .await;
    let (s, detail) = app.get(&format!("/referrals/{id}"), &app.link_worker).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        detail["referral"]["state"], "received",
        "the events, not the projection, decide"
    );
    let (s, r) = transition(
        &app,
        &json!(id),
        json!({"to": "contacting", "expected_version": 1}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "transitions follow the events too: {r}");
    assert_eq!(r["state"], "contacting", "and the projection is put right");
}

async fn transition(app: &crate::helpers::TestApp, id: &Value, body: Value) -> (StatusCode, Value) {
    app.post(
        &format!("/referrals/{id}/transitions"),
        &app.link_worker,
        body,
    )
    .await
}

async fn referral_goes_from_received_to_closed(backend: Backend) {
    let app = spawn_app(backend).await;
    let (person, referral) = app.person_with_referral("SW1A 1AA").await;
    assert_eq!(person["lsoa"], "E01004736");
    assert_eq!(person["imd_decile"], 8);
    assert_eq!(referral["state"], "received");
    // The referral code is recorded when the person accepts, not on receipt (issue 16).
    assert!(referral.get("snomed_code").is_none(), "{referral}");
    let id = referral["id"].clone();

    let (s, r) = app
        .post(
            &format!("/referrals/{id}/assignment"),
            &app.team_lead,
            json!({"link_worker_id": app.link_worker_id, "expected_version": 1}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (s, r) = transition(
        &app,
        &id,
        json!({"to": "contacting", "expected_version": r["version"]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (s, c) = app
        .post(
            &format!("/referrals/{id}/contacts"),
            &app.link_worker,
            json!({
                "mode": "home_visit", "duration_minutes": 45, "notes": "Met at home",
                "what_matters": "Getting out of the house again"
            }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let (s, r) = transition(
        &app,
        &id,
        json!({"to": "active", "expected_version": r["version"]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");

    let (s, need) = app
        .post(
            &format!("/referrals/{id}/needs"),
            &app.link_worker,
            json!({"need": "loneliness"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{need}");
    assert_eq!(need["gravity_category"], "social-connection");
    let (s, goal) = app
        .post(
            &format!("/referrals/{id}/goals"),
            &app.link_worker,
            json!({"description": "Join a walking group", "need": "loneliness"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{goal}");
    let (s, baseline) = app
        .post(
            &format!("/referrals/{id}/measures"),
            &app.link_worker,
            json!({
                "instrument": "swemwbs", "timing": "baseline", "answers": [2, 2, 3, 2, 3, 2, 3]
            }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{baseline}");
    // Raw 17 -> 16.88 in the published conversion table.
    assert_eq!(baseline["score"]["raw"], 17);
    assert_eq!(baseline["score"]["metric"], 16.88);

    let consent = app.consent_to_share(&id, &app.link_worker).await;
    let (s, conn) = app
        .post(
            &format!("/referrals/{id}/connections"),
            &app.link_worker,
            json!({"service_id": app.service_id, "accompanied": true, "consent_id": consent["id"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{conn}");
    assert_eq!(conn["status"], "requested");
    for status in ["accepted", "attended_first_session", "completed"] {
        let (s, c) = app
            .post(
                &format!("/connections/{}/status", conn["id"]),
                &app.link_worker,
                json!({"status": status}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{c}");
        assert_eq!(c["status"], status);
    }
    let (s, g) = app
        .post(
            &format!("/goals/{}/progress", goal["id"]),
            &app.link_worker,
            json!({"progress": 9, "note": "goes weekly"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{g}");
    assert_eq!(g["progress"], 9);
    let (s, follow) = app
        .post(
            &format!("/referrals/{id}/measures"),
            &app.link_worker,
            json!({
                "instrument": "swemwbs", "timing": "follow_up", "answers": [4, 3, 4, 3, 4, 4, 3]
            }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{follow}");
    assert_eq!(follow["score"]["metric"], 22.35, "raw 25 -> 22.35");

    let (s, r) = transition(
        &app,
        &id,
        json!({"to": "closed", "expected_version": r["version"], "reason": "goals_met"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["state"], "closed");
    assert_eq!(r["close_reason"], "goals_met");

    let (s, detail) = app.get(&format!("/referrals/{id}"), &app.link_worker).await;
    assert_eq!(s, StatusCode::OK);
    let history: Vec<ReferralEvent> = serde_json::from_value(detail["history"].clone()).unwrap();
    let kinds: Vec<String> = history
        .iter()
        .map(|e| {
            e.to_state
                .map(|s| s.code().to_string())
                .unwrap_or_else(|| e.kind.code().to_string())
        })
        .collect();
    assert_eq!(
        kinds,
        ["received", "assigned", "contacting", "active", "closed"]
    );
    assert_eq!(
        derive_state(&history),
        ReferralState::Closed,
        "state is derived from events"
    );
    let casework = &detail["casework"];
    assert_eq!(
        casework["contacts"][0]["what_matters"],
        "Getting out of the house again"
    );
    assert_eq!(casework["measures"].as_array().unwrap().len(), 2);
    assert_eq!(casework["connections"][0]["status"], "completed");
    assert_eq!(
        casework["goals"][0]["progress_history"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Nothing more can be recorded on a closed referral.
    let (s, p) = app
        .post(
            &format!("/referrals/{id}/contacts"),
            &app.link_worker,
            json!({"mode": "phone", "duration_minutes": 5}),
        )
        .await;
    assert_problem(s, &p, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn stale_version_gets_conflict(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, referral) = app.person_with_referral("SW1A 1AA").await;
    let id = referral["id"].clone();
    let (s, _) = transition(
        &app,
        &id,
        json!({"to": "contacting", "expected_version": 1}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let events = app.count("referral_events").await;
    // A second writer who also read version 1.
    let (s, p) = transition(&app, &id, json!({"to": "declined", "expected_version": 1})).await;
    assert_problem(s, &p, StatusCode::CONFLICT);
    assert_eq!(
        app.count("referral_events").await,
        events,
        "nothing written on conflict"
    );
}

async fn other_team_and_analyst_cannot_see_the_referral(backend: Backend) {
    let app = spawn_app(backend).await;
    let (person, referral) = app.person_with_referral("SW1A 1AA").await;
    for token in [&app.other_team_worker, &app.analyst] {
        let (s, p) = app
            .get(&format!("/referrals/{}", referral["id"]), token)
            .await;
        assert_problem(s, &p, StatusCode::NOT_FOUND);
        let (s, p) = app.get(&format!("/people/{}", person["id"]), token).await;
        assert_problem(s, &p, StatusCode::NOT_FOUND);
    }
    let (s, p) = app
        .post(
            &format!("/referrals/{}/transitions", referral["id"]),
            &app.other_team_worker,
            json!({"to": "contacting", "expected_version": 1}),
        )
        .await;
    assert_problem(s, &p, StatusCode::NOT_FOUND);
    let (s, p) = app
        .post(
            "/people",
            &app.analyst,
            crate::helpers::person_body("SW1A 1AA"),
        )
        .await;
    assert_problem(s, &p, StatusCode::FORBIDDEN);
}

async fn referrer_sees_status_but_not_casework(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut body = crate::helpers::person_body("B25 8DS");
    body["practice_id"] = json!(app.practice_id);
    let (s, person) = app.post("/people", &app.referrer, body).await;
    assert_eq!(s, StatusCode::CREATED, "{person}");
    let (s, referral) = app
        .post("/referrals", &app.referrer, json!({"person_id": person["id"], "referrer_kind": "gp", "reason": "Low mood, isolated"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{referral}");
    let id = &referral["id"];
    // The practice's team holds the referral, so its link worker can work it.
    let (s, t) = app
        .post(
            &format!("/referrals/{id}/transitions"),
            &app.link_worker,
            json!({"to": "contacting", "expected_version": 1, "note": "private transition note"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{t}");
    let (s, c) = app
        .post(
            &format!("/referrals/{id}/contacts"),
            &app.link_worker,
            json!({"mode": "phone", "duration_minutes": 10, "notes": "private contact note"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let (s, detail) = app.get(&format!("/referrals/{id}"), &app.referrer).await;
    assert_eq!(s, StatusCode::OK, "{detail}");
    assert_eq!(detail["referral"]["state"], "contacting");
    assert!(
        detail.get("casework").is_none(),
        "referrer must not see casework: {detail}"
    );
    assert!(
        !detail.to_string().contains("private"),
        "no casework text at all: {detail}"
    );
    let (s, p) = app
        .post(
            &format!("/referrals/{id}/transitions"),
            &app.referrer,
            json!({"to": "active", "expected_version": 2}),
        )
        .await;
    assert_problem(s, &p, StatusCode::FORBIDDEN);
}

async fn referral_needs_a_team_to_hold_it(backend: Backend) {
    let app = spawn_app(backend).await;
    // A referrer's patient with no practice on record: no team can be inferred.
    let (s, person) = app
        .post(
            "/people",
            &app.referrer,
            crate::helpers::person_body("B25 8DS"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let before = app.count("referrals").await;
    let (s, p) = app
        .post(
            "/referrals",
            &app.referrer,
            json!({"person_id": person["id"], "referrer_kind": "gp", "reason": "x"}),
        )
        .await;
    assert_problem(s, &p, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("referrals").await, before);
}

async fn caseload_filters_by_state_link_worker_and_overdue(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, first) = app.person_with_referral("SW1A 1AA").await;
    let (_, second) = app.person_with_referral("B25 8DS").await;
    let (s, _) = transition(
        &app,
        &first["id"],
        json!({"to": "contacting", "expected_version": 1}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let yesterday = (chrono::Utc::now().date_naive() - chrono::Duration::days(1)).to_string();
    let (s, _) = app
        .post(
            &format!("/referrals/{}/contacts", first["id"]),
            &app.link_worker,
            json!({"mode": "phone", "duration_minutes": 10, "follow_up_on": yesterday}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = app
        .post(
            &format!("/referrals/{}/assignment", second["id"]),
            &app.link_worker,
            json!({"link_worker_id": app.link_worker_id, "expected_version": 1}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    let ids = |v: &Value| -> Vec<i64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r["referral_id"].as_i64().unwrap())
            .collect()
    };
    let (_, all) = app.get("/caseload", &app.link_worker).await;
    assert_eq!(ids(&all).len(), 2);
    let (_, contacting) = app
        .get("/caseload?state=contacting", &app.link_worker)
        .await;
    assert_eq!(ids(&contacting), [first["id"].as_i64().unwrap()]);
    let (_, overdue) = app.get("/caseload?overdue=true", &app.link_worker).await;
    assert_eq!(ids(&overdue), [first["id"].as_i64().unwrap()]);
    let (_, mine) = app
        .get(
            &format!("/caseload?link_worker={}", app.link_worker_id),
            &app.link_worker,
        )
        .await;
    // The first is the link worker's too: they recorded its first contact (issue 15).
    assert_eq!(
        ids(&mine),
        [
            second["id"].as_i64().unwrap(),
            first["id"].as_i64().unwrap()
        ]
    );
    let (_, other) = app.get("/caseload", &app.other_team_worker).await;
    assert!(ids(&other).is_empty(), "another team sees none of it");
    let (s, p) = app.get("/caseload?state=lost", &app.link_worker).await;
    assert_problem(s, &p, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn unable_to_contact_needs_three_attempts(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, referral) = app.person_with_referral("SW1A 1AA").await;
    let id = referral["id"].clone();
    let (_, r) = transition(
        &app,
        &id,
        json!({"to": "contacting", "expected_version": 1}),
    )
    .await;
    let attempt =
        json!({"mode": "phone", "duration_minutes": 2, "reached": false, "notes": "no answer"});
    for _ in 0..2 {
        app.post(
            &format!("/referrals/{id}/contacts"),
            &app.link_worker,
            attempt.clone(),
        )
        .await;
    }
    // The first attempt made the referral the link worker's: read its version again.
    let (_, read) = app.get(&format!("/referrals/{id}"), &app.link_worker).await;
    assert_eq!(
        read["referral"]["version"],
        r["version"].as_i64().unwrap() + 1
    );
    let r = read["referral"].clone();
    let (s, p) = transition(
        &app,
        &id,
        json!({"to": "unable_to_contact", "expected_version": r["version"]}),
    )
    .await;
    assert_problem(s, &p, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p["detail"].as_str().unwrap().contains("3 unsuccessful"),
        "{p}"
    );
    app.post(
        &format!("/referrals/{id}/contacts"),
        &app.link_worker,
        attempt,
    )
    .await;
    let (s, r) = transition(
        &app,
        &id,
        json!({"to": "unable_to_contact", "expected_version": r["version"]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["state"], "unable_to_contact");
}

async fn anonymous_requests_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let health = app
        .client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    for path in [
        "/caseload",
        "/people/1",
        "/referrals/1",
        "/services",
        "/postcodes/SW1A1AA",
        "/openapi.json",
    ] {
        let (s, p) = app.get(path, "not-a-real-token").await;
        assert_problem(s, &p, StatusCode::UNAUTHORIZED);
    }
    let response = app
        .client
        .get(format!("{}/api/v1/caseload", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}
