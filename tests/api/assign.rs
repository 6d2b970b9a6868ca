//! Taking referrals and following the work (issue 15, items 1, 2 and 10): "Assign to me",
//! a referral taken on at first contact and moved to "contacting", the team lead's paged
//! lists with "Give to" showing loads, handing a caseload over, and finding people.

use crate::helpers::{person_body, spawn_app, Backend, TestApp, LINK_WORKER_PASSWORD};
use crate::on_both_databases;
use crate::pages::{csrf_of, page, post_form, sign_in_as};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_databases!(
    a_link_workers_first_contact_takes_the_referral_and_moves_it_to_contacting,
    active_is_offered_after_a_reached_contact_and_assign_to_me_takes_it,
    a_team_lead_pages_the_lists_gives_out_with_loads_and_hands_a_caseload_over,
    a_caseload_handover_over_the_api_moves_all_open_referrals_or_nothing,
    the_caseload_is_searched_by_name_nhs_number_or_date_of_birth,
    overdue_follow_ups_are_listed_most_overdue_first,
    refused_team_forms_answer_with_the_team_page_and_its_error_summary,
);

/// Registers a person with these details and refers them (by the team's link worker, so the
/// referral is the team's and unassigned); returns (person id, referral).
async fn refer(
    app: &TestApp,
    given: &str,
    family: &str,
    nhs: Option<&str>,
    born: &str,
) -> (i64, Value) {
    let mut body = person_body("B25 8DS");
    body["given_name"] = json!(given);
    body["family_name"] = json!(family);
    body["nhs_number"] = json!(nhs);
    body["date_of_birth"] = json!(born);
    let (status, person) = app.post("/people", &app.link_worker, body).await;
    assert_eq!(status, StatusCode::CREATED, "{person}");
    let (status, referral) = app
        .post(
            "/referrals",
            &app.link_worker,
            json!({"person_id": person["id"], "referrer_kind": "gp", "reason": "Lonely"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{referral}");
    (person["id"].as_i64().unwrap(), referral)
}

async fn detail(app: &TestApp, referral: &Value) -> Value {
    let (status, d) = app
        .get(&format!("/referrals/{}", referral["id"]), &app.link_worker)
        .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    d
}

async fn team_lead_id(app: &TestApp) -> i64 {
    let (_, me) = app.get("/me", &app.team_lead).await;
    me["id"].as_i64().unwrap()
}

/// Audit records of changes to this referral after audit record `after`.
async fn referral_updates(app: &TestApp, referral_id: i64, after: i64) -> usize {
    app.store
        .audit_records(after, 100_000)
        .await
        .unwrap()
        .iter()
        .filter(|r| {
            r.action == "update" && r.record_type == "referral" && r.record_id == Some(referral_id)
        })
        .count()
}

async fn last_audit_id(app: &TestApp) -> i64 {
    app.store
        .audit_records(0, 1_000_000)
        .await
        .unwrap()
        .last()
        .map_or(0, |r| r.id)
}

async fn a_link_workers_first_contact_takes_the_referral_and_moves_it_to_contacting(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let (_, referral) = refer(&app, "Ada", "Lovelace", None, "1950-12-10").await;
    let id = referral["id"].as_i64().unwrap();
    assert_eq!(referral["state"], "received");
    assert!(referral.get("link_worker_id").is_none(), "{referral}");
    let audit_before = last_audit_id(&app).await;

    let (status, contact) = app
        .post(
            &format!("/referrals/{id}/contacts"),
            &app.link_worker,
            json!({"mode": "phone", "duration_minutes": 20, "reached": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{contact}");
    let d = detail(&app, &referral).await;
    assert_eq!(d["referral"]["link_worker_id"], app.link_worker_id, "{d}");
    assert_eq!(d["referral"]["state"], "contacting", "{d}");
    assert_eq!(
        d["referral"]["version"],
        referral["version"].as_i64().unwrap() + 2
    );
    // Never accepted on the person's behalf: no referral code for the GP yet.
    assert!(d["referral"].get("snomed_code").is_none(), "{d}");
    let history = d["history"].as_array().unwrap();
    let assigned = history
        .iter()
        .find(|e| e["kind"] == "assigned")
        .expect("an assigned event");
    assert_eq!(assigned["link_worker_id"], app.link_worker_id);
    assert_eq!(assigned["actor_id"], app.link_worker_id);
    assert_eq!(
        assigned["note"],
        "on recording a contact with the referral unassigned"
    );
    let moved = history
        .iter()
        .find(|e| e["kind"] == "transition")
        .expect("a transition event");
    assert_eq!(moved["to_state"], "contacting");
    assert_eq!(moved["note"], "on recording the first contact");
    // Both changes are audited as updates of the referral, beside the contact's creation.
    assert_eq!(referral_updates(&app, id, audit_before).await, 2);
    assert!(app.store.verify_audit().await.unwrap().is_ok());

    // A second contact changes nothing more on the referral.
    let events = app.count("referral_events").await;
    let (status, _) = app
        .post(
            &format!("/referrals/{id}/contacts"),
            &app.link_worker,
            json!({"mode": "phone", "duration_minutes": 5, "reached": false}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(app.count("referral_events").await, events);

    // A team lead's contact moves a received referral but does not take it (they often
    // record for someone else); an unreached attempt moves it too: the work has begun.
    let (_, other) = refer(&app, "Grace", "Hopper", None, "1946-12-09").await;
    let (status, _) = app
        .post(
            &format!("/referrals/{}/contacts", other["id"]),
            &app.team_lead,
            json!({"mode": "phone", "duration_minutes": 2, "reached": false}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let d = detail(&app, &other).await;
    assert!(d["referral"].get("link_worker_id").is_none(), "{d}");
    assert_eq!(d["referral"]["state"], "contacting");

    // A referral someone else holds stays theirs.
    let lead = team_lead_id(&app).await;
    let (_, third) = refer(&app, "Mary", "Somerville", None, "1940-12-26").await;
    let (status, _) = app
        .post(
            &format!("/referrals/{}/assignment", third["id"]),
            &app.team_lead,
            json!({"link_worker_id": lead, "expected_version": third["version"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    app.post(
        &format!("/referrals/{}/contacts", third["id"]),
        &app.link_worker,
        json!({"mode": "video", "duration_minutes": 10}),
    )
    .await;
    let d = detail(&app, &third).await;
    assert_eq!(d["referral"]["link_worker_id"], lead);

    // The taken referral is the link worker's: in "Only my referrals" and their day.
    let (_, mine) = app
        .get(
            &format!("/caseload?link_worker={}", app.link_worker_id),
            &app.link_worker,
        )
        .await;
    let ids: Vec<i64> = mine
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["referral_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![id]);
}

async fn active_is_offered_after_a_reached_contact_and_assign_to_me_takes_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let (person, referral) = refer(&app, "Ada", "Lovelace", None, "1950-12-10").await;
    let id = referral["id"].as_i64().unwrap();
    let worker = sign_in_as(&app, "lw").await;
    let (_, html) = page(&app, &worker, &format!("/people/{person}")).await;
    assert!(
        html.contains("Link worker: <strong>Not assigned</strong>"),
        "{html}"
    );
    assert!(html.contains(">Assign to me</button>"), "{html}");
    assert!(!html.contains("They agreed to work with us"), "{html}");

    // An unsuccessful attempt from the page: moved and taken, said in the banner, but
    // nobody was reached, so "active" is not offered.
    let response = post_form(
        &app,
        &worker,
        &format!("/referrals/{id}/contacts"),
        &[
            ("csrf", csrf_of(&html)),
            ("mode", "phone".into()),
            ("duration_minutes", "3".into()),
            ("notes", "No answer".into()),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(
        location,
        // What it changed beyond itself (`notice`), and the save's own banner (`saved`).
        format!("/people/{person}?notice=contact-taken-moved&saved=contact&referral={id}#saved")
    );
    let (_, html) = page(&app, &worker, &location).await;
    assert!(
        html.contains("success-banner") && html.contains("it is now assigned to you"),
        "{html}"
    );
    assert!(html.contains("moved from Received to Contacting"));
    assert!(html.contains("Link worker: <strong>You</strong>"), "{html}");
    assert!(
        !html.contains(">Assign to me</button>"),
        "held by the viewer"
    );
    assert!(
        !html.contains("They agreed to work with us"),
        "nobody reached yet"
    );

    // A contact that reached them: "active" is offered as one button, not set for them.
    post_form(
        &app,
        &worker,
        &format!("/referrals/{id}/contacts"),
        &[
            ("csrf", csrf_of(&html)),
            ("mode", "phone".into()),
            ("duration_minutes", "25".into()),
            ("reached", "1".into()),
            ("notes", "Spoke".into()),
        ],
    )
    .await;
    let (_, html) = page(&app, &worker, &format!("/people/{person}")).await;
    assert!(
        html.contains("They agreed to work with us: mark active"),
        "{html}"
    );
    assert_eq!(
        detail(&app, &referral).await["referral"]["state"],
        "contacting"
    );
    let version = detail(&app, &referral).await["referral"]["version"].clone();
    let response = post_form(
        &app,
        &worker,
        &format!("/referrals/{id}/transitions"),
        &[
            ("csrf", csrf_of(&html)),
            ("expected_version", version.to_string()),
            ("to", "active".into()),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let d = detail(&app, &referral).await;
    assert_eq!(d["referral"]["state"], "active");
    assert_eq!(d["referral"]["snomed_code"], "871731000000106");
    let (_, html) = page(&app, &worker, &format!("/people/{person}")).await;
    assert!(
        !html.contains("They agreed to work with us"),
        "already active"
    );

    // "Assign to me" from the caseload list takes an unassigned referral.
    let (person2, second) = refer(&app, "Grace", "Hopper", None, "1946-12-09").await;
    let (_, list) = page(&app, &worker, "/caseload?unassigned=1").await;
    assert!(list.contains(">Assign to me<span"), "{list}");
    let response = post_form(
        &app,
        &worker,
        &format!("/referrals/{}/assignment", second["id"]),
        &[
            ("csrf", csrf_of(&list)),
            ("expected_version", second["version"].to_string()),
            ("link_worker_id", app.link_worker_id.to_string()),
        ],
    )
    .await;
    assert_eq!(
        response.headers()["location"].to_str().unwrap(),
        format!(
            "/people/{person2}?notice=assigned#referral-{}",
            second["id"]
        )
    );
    assert_eq!(
        detail(&app, &second).await["referral"]["link_worker_id"],
        app.link_worker_id
    );
    let (_, list) = page(&app, &worker, "/caseload?mine=1").await;
    assert!(list.contains(&format!("#referral-{}", second["id"])));
    assert!(list.contains(&format!("#referral-{id}")));
    // A link worker cannot give a referral to someone else.
    let lead = team_lead_id(&app).await;
    let (_, third) = refer(&app, "Mary", "Somerville", None, "1940-12-26").await;
    let response = post_form(
        &app,
        &worker,
        &format!("/referrals/{}/assignment", third["id"]),
        &[
            ("csrf", csrf_of(&list)),
            ("expected_version", third["version"].to_string()),
            ("link_worker_id", lead.to_string()),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(detail(&app, &third).await["referral"]
        .get("link_worker_id")
        .is_none());
}

async fn a_team_lead_pages_the_lists_gives_out_with_loads_and_hands_a_caseload_over(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let mut referrals = Vec::new();
    for n in 0..53 {
        let (_, r) = refer(&app, "Person", &format!("Number{n:02}"), None, "1960-01-01").await;
        referrals.push(r);
    }
    app.store
        .set_password("lead", LINK_WORKER_PASSWORD)
        .await
        .unwrap();
    let lead = sign_in_as(&app, "lead").await;
    let (status, html) = page(&app, &lead, "/team").await;
    assert_eq!(status, StatusCode::OK);
    let section = |html: &str, id: &str| -> String {
        let start = html.find(&format!("id=\"{id}\"")).unwrap();
        let end = html[start..].find("</section>").unwrap() + start;
        html[start..end].to_string()
    };
    let unassigned = section(&html, "unassigned-heading");
    assert_eq!(unassigned.matches("Give to</button>").count(), 50);
    assert!(unassigned.contains("Next page"), "{unassigned}");
    // Each worker's open caseload is in the choice.
    assert!(unassigned.contains(">lw (0 open)</option>"), "{unassigned}");
    let (_, page2) = page(&app, &lead, "/team?unassigned=2").await;
    let unassigned2 = section(&page2, "unassigned-heading");
    assert_eq!(unassigned2.matches("Give to</button>").count(), 3);
    assert!(unassigned2.contains("Previous page") && !unassigned2.contains("Next page"));
    let waiting2 = section(&page2, "waiting-heading");
    assert_eq!(
        waiting2.matches("Give to</button>").count(),
        50,
        "first page of the other list"
    );
    let (_, page2) = page(&app, &lead, "/team?waiting=2").await;
    assert_eq!(
        section(&page2, "waiting-heading")
            .matches("Give to</button>")
            .count(),
        3
    );

    // Give three to the link worker from the team page; their load shows in the choices.
    for r in &referrals[..3] {
        let response = post_form(
            &app,
            &lead,
            &format!("/referrals/{}/assignment", r["id"]),
            &[
                ("csrf", csrf_of(&html)),
                ("link_worker_id", app.link_worker_id.to_string()),
                ("expected_version", r["version"].to_string()),
                ("back", "team".into()),
            ],
        )
        .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()["location"], "/team");
    }
    let (_, html) = page(&app, &lead, "/team").await;
    assert!(html.contains(">lw (3 open)</option>"), "{html}");
    // The person's page offers a team lead "Give to" with the same loads.
    let (_, person_page) = page(
        &app,
        &lead,
        &format!("/people/{}", referrals[3]["person_id"]),
    )
    .await;
    assert!(
        person_page.contains("Give to (open referrals each holds)")
            && person_page.contains(">lw (3 open)</option>"),
        "{person_page}"
    );
    let (_, html2) = page(&app, &lead, "/team?unassigned=2").await;
    assert!(
        section(&html2, "unassigned-heading").contains("Previous page")
            && !section(&html2, "unassigned-heading").contains("Give to</button>"),
        "50 left fit on the first page"
    );

    // One of the three is closed (declined): it stays with the link worker.
    let closed = &referrals[0];
    let (status, body) = app
        .post(
            &format!("/referrals/{}/transitions", closed["id"]),
            &app.link_worker,
            json!({"to": "declined", "expected_version": closed["version"].as_i64().unwrap() + 1}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Hand the link worker's caseload to the team lead: first a confirmation, nothing moved.
    let lead_id = team_lead_id(&app).await;
    let events = app.count("referral_events").await;
    let (status, confirm) = page(
        &app,
        &lead,
        &format!("/team/handover?from={}&to={lead_id}", app.link_worker_id),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        confirm.contains("All <strong>2</strong> open referrals held by <strong>lw</strong>"),
        "{confirm}"
    );
    assert_eq!(
        app.count("referral_events").await,
        events,
        "nothing moved yet"
    );
    let audit_before = last_audit_id(&app).await;
    let response = post_form(
        &app,
        &lead,
        "/team/handover",
        &[
            ("csrf", csrf_of(&confirm)),
            ("from", app.link_worker_id.to_string()),
            ("to", lead_id.to_string()),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let (_, html) = page(&app, &lead, &location).await;
    assert!(
        html.contains("2 open referrals handed over to lead."),
        "{html}"
    );
    assert!(html.contains(">lw (0 open)</option>") && html.contains(">lead (2 open)</option>"));
    for r in &referrals[1..3] {
        let d = detail(&app, r).await;
        assert_eq!(d["referral"]["link_worker_id"], lead_id);
        let last = d["history"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["kind"], "assigned");
        assert_eq!(last["note"], "caseload handed over by the team lead");
        assert_eq!(
            referral_updates(&app, r["id"].as_i64().unwrap(), audit_before).await,
            1
        );
    }
    let d = detail(&app, closed).await;
    assert_eq!(
        d["referral"]["link_worker_id"], app.link_worker_id,
        "ended: not moved"
    );
    assert_eq!(app.count("referral_events").await, events + 2);

    // A link worker may not hand over, nor see the team page.
    let worker = sign_in_as(&app, "lw").await;
    let (status, _) = page(&app, &worker, "/team/handover?from=1&to=2").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Handing to oneself is refused with words, and moves nothing.
    let (status, refused) = page(
        &app,
        &lead,
        &format!("/team/handover?from={lead_id}&to={lead_id}"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.contains("someone other than the person who holds it"),
        "{refused}"
    );
}

async fn a_caseload_handover_over_the_api_moves_all_open_referrals_or_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let lead = team_lead_id(&app).await;
    let mut ids = Vec::new();
    for family in ["One", "Two"] {
        let (_, r) = refer(&app, "Person", family, None, "1960-01-01").await;
        let (status, _) = app
            .post(
                &format!("/referrals/{}/assignment", r["id"]),
                &app.link_worker,
                json!({"link_worker_id": app.link_worker_id, "expected_version": r["version"]}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        ids.push(r["id"].as_i64().unwrap());
    }
    let body = json!({"from_link_worker_id": app.link_worker_id, "to_link_worker_id": lead});
    let (status, refused) = app
        .post("/caseload/handover", &app.link_worker, body.clone())
        .await;
    crate::helpers::assert_problem(status, &refused, StatusCode::FORBIDDEN);
    // A worker of another team cannot take the caseload: refused, nothing moved.
    let (_, other) = app.get("/me", &app.other_team_worker).await;
    let events = app.count("referral_events").await;
    let (status, refused) = app
        .post(
            "/caseload/handover",
            &app.team_lead,
            json!({"from_link_worker_id": app.link_worker_id, "to_link_worker_id": other["id"]}),
        )
        .await;
    crate::helpers::assert_problem(status, &refused, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("referral_events").await, events);

    let (status, moved) = app.post("/caseload/handover", &app.team_lead, body).await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["referral_ids"], json!(ids));
    for id in &ids {
        let (_, d) = app.get(&format!("/referrals/{id}"), &app.team_lead).await;
        assert_eq!(d["referral"]["link_worker_id"], lead);
    }
    assert_eq!(app.count("referral_events").await, events + 2);
    // Again: nothing left to move.
    let (status, moved) = app
        .post(
            "/caseload/handover",
            &app.team_lead,
            json!({"from_link_worker_id": app.link_worker_id, "to_link_worker_id": lead}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(moved["referral_ids"], json!([]));
}

async fn the_caseload_is_searched_by_name_nhs_number_or_date_of_birth(backend: Backend) {
    let app = spawn_app(backend).await;
    let (ada, _) = refer(&app, "Ada", "Lovelace", Some("9434765919"), "1950-12-10").await;
    let (grace, _) = refer(&app, "Grace", "Hopper", Some("4010232137"), "1946-12-09").await;
    let (percent, _) = refer(&app, "Per%cy", "Shelley", None, "1946-12-09").await;
    // Someone in another team's caseload with the same name is never found.
    let mut body = person_body("SW1A 1AA");
    body["nhs_number"] = json!("9876543210");
    let (_, outsider) = app.post("/people", &app.other_team_worker, body).await;
    let (status, _) = app
        .post(
            "/referrals",
            &app.other_team_worker,
            json!({"person_id": outsider["id"], "referrer_kind": "gp", "reason": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    let found = |rows: &Value| -> Vec<i64> {
        let mut ids: Vec<i64> = rows
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["person_id"].as_i64().unwrap())
            .collect();
        ids.sort_unstable();
        ids
    };
    for (search, expected) in [
        ("lovelace", vec![ada]),
        ("ADA LOVE", vec![ada]),
        ("Lovelace Ada", vec![ada]),
        ("943 476 5919", vec![ada]),
        ("9434765919", vec![ada]),
        ("401-023-2137", vec![grace]),
        ("09/12/1946", vec![grace, percent]),
        ("1946-12-09", vec![grace, percent]),
        ("10/12/1950", vec![ada]),
        // A % typed is a %, not "anything".
        ("r%c", vec![percent]),
        ("9876543210", vec![]),
        ("nobody", vec![]),
    ] {
        let path = format!(
            "/caseload?{}",
            serde_urlencoded::to_string([("search", search)]).unwrap()
        );
        let (status, rows) = app.get(&path, &app.link_worker).await;
        assert_eq!(status, StatusCode::OK, "{search}: {rows}");
        assert_eq!(found(&rows), expected, "{search}");
    }
    let (status, refused) = app
        .get("/caseload?search=31%2F02%2F1950", &app.link_worker)
        .await;
    crate::helpers::assert_problem(status, &refused, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused["detail"]
        .as_str()
        .unwrap()
        .contains("real date of birth"));

    // The page: the box keeps what was found, spaced as the NHS writes it; the listing is
    // audited as a caseload read, like any list.
    let worker = sign_in_as(&app, "lw").await;
    let audit_before = last_audit_id(&app).await;
    let (status, html) = page(&app, &worker, "/caseload?q=9434765919").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("value=\"943 476 5919\""), "{html}");
    assert!(
        html.contains(&format!("/people/{ada}#")) && !html.contains(&format!("/people/{grace}#"))
    );
    let listed = app
        .store
        .audit_records(audit_before, 1000)
        .await
        .unwrap()
        .iter()
        .filter(|r| r.action == "list" && r.record_type == "caseload")
        .count();
    assert_eq!(listed, 1);
    let (status, html) = page(&app, &worker, "/caseload?q=31%2F02%2F1950").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        html.contains("error-summary") && html.contains("aria-invalid=\"true\""),
        "{html}"
    );
    assert!(
        !html.contains("/people/"),
        "nobody listed for a search not understood"
    );
    let (_, html) = page(&app, &worker, "/caseload?q=zzzz").await;
    assert!(html.contains("Nobody in your caseload matches"), "{html}");
}

async fn overdue_follow_ups_are_listed_most_overdue_first(backend: Backend) {
    let app = spawn_app(backend).await;
    let today = chrono::Utc::now().date_naive();
    let mut by_days = Vec::new();
    for (family, days) in [("Three", 3), ("Ten", 10), ("One", 1), ("None", -2)] {
        let (_, r) = refer(&app, "Person", family, None, "1960-01-01").await;
        app.execute(&format!(
            "UPDATE referrals SET next_follow_up_on = '{}' WHERE id = {}",
            today - chrono::Duration::days(days),
            r["id"]
        ))
        .await;
        by_days.push((days, r["id"].as_i64().unwrap()));
    }
    let (_, rows) = app.get("/caseload?overdue=true", &app.link_worker).await;
    let order: Vec<i64> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["referral_id"].as_i64().unwrap())
        .collect();
    // Worked out by hand: 10, 3, then 1 day overdue; the one due in 2 days is not overdue.
    assert_eq!(order, vec![by_days[1].1, by_days[0].1, by_days[2].1]);
    let worker = sign_in_as(&app, "lw").await;
    let (_, html) = page(&app, &worker, "/caseload?overdue=1").await;
    let ten = html.find("10 days overdue").expect("10 days overdue");
    let three = html.find("3 days overdue").expect("3 days overdue");
    let one = html.find("1 day overdue").expect("1 day overdue");
    assert!(ten < three && three < one, "{html}");
    assert!(html.contains("most overdue first"));
}

/// The team page's forms, refused (issue 15, items 7 and 13): the answer is the team page
/// itself with the NHS error summary linking to the field, that field marked invalid and
/// what was chosen kept, never an error page (a merge had lost this).
async fn refused_team_forms_answer_with_the_team_page_and_its_error_summary(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, referral) = refer(&app, "Ada", "Stale", None, "1960-01-01").await;
    let r = referral["id"].as_i64().unwrap();
    app.store
        .set_password("lead", LINK_WORKER_PASSWORD)
        .await
        .unwrap();
    let lead = sign_in_as(&app, "lead").await;
    let lead_id = team_lead_id(&app).await;
    let (_, html) = page(&app, &lead, "/team").await;
    let events = app.count("referral_events").await;

    // "Give to" from a stale page (someone changed the referral since): 409, the team page.
    let response = post_form(
        &app,
        &lead,
        &format!("/referrals/{r}/assignment"),
        &[
            ("csrf", csrf_of(&html)),
            ("link_worker_id", lead_id.to_string()),
            ("expected_version", "999".into()),
            ("back", "team".into()),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let refused = response.text().await.unwrap();
    assert!(refused.contains("<title>Error: Your team"), "{refused}");
    assert!(
        refused.contains("<h1>Your team</h1>"),
        "the team page itself"
    );
    assert!(refused.contains("class=\"error-summary\""), "{refused}");
    let select = format!("id=\"unassigned-assign-{r}\"");
    assert!(
        refused.contains(&format!("href=\"#unassigned-assign-{r}\"")),
        "{refused}"
    );
    assert!(
        refused.contains(&format!(
            "{select} name=\"link_worker_id\" aria-invalid=\"true\""
        )),
        "{refused}"
    );
    // The worker chosen is still chosen in that row.
    let row = &refused[refused.find(&select).unwrap()..];
    let row = &row[..row.find("</select>").unwrap()];
    assert!(
        row.contains(&format!("<option value=\"{lead_id}\" selected>")),
        "{row}"
    );
    // No worker chosen: 422, the summary names the choice.
    let response = post_form(
        &app,
        &lead,
        &format!("/referrals/{r}/assignment"),
        &[
            ("csrf", csrf_of(&html)),
            ("link_worker_id", String::new()),
            ("expected_version", referral["version"].to_string()),
            ("back", "team".into()),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = response.text().await.unwrap();
    assert!(
        refused.contains("Choose who will work with them")
            && refused.contains("<h1>Your team</h1>")
    );

    // The hand-over to the same person, at the review step and posted: 422, the team page,
    // "To" marked invalid, both choices kept.
    let same = format!("/team/handover?from={lead_id}&to={lead_id}");
    let (status, refused) = page(&app, &lead, &same).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let posted = post_form(
        &app,
        &lead,
        "/team/handover",
        &[
            ("csrf", csrf_of(&html)),
            ("from", lead_id.to_string()),
            ("to", lead_id.to_string()),
        ],
    )
    .await;
    assert_eq!(posted.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let posted = posted.text().await.unwrap();
    for refused in [refused, posted] {
        assert!(
            refused.contains("<title>Error: Your team") && refused.contains("<h1>Your team</h1>")
        );
        assert!(refused.contains("href=\"#handover-to\""), "{refused}");
        assert!(refused.contains("Hand the caseload to someone other than the person who holds it"));
        assert!(refused.contains("<p class=\"error-message\" id=\"handover-to-error\">"));
        assert!(
            refused.contains(
                "<select id=\"handover-to\" name=\"to\" aria-invalid=\"true\" aria-describedby=\"handover-to-error\">"
            ),
            "{refused}"
        );
        assert!(!refused.contains("id=\"handover-from\" name=\"from\" aria-invalid"));
        for id in ["handover-from", "handover-to"] {
            let at = &refused[refused.find(&format!("id=\"{id}\"")).unwrap()..];
            let select = &at[..at.find("</select>").unwrap()];
            assert!(
                select.contains(&format!("<option value=\"{lead_id}\" selected>")),
                "{id}: {select}"
            );
        }
    }
    assert_eq!(app.count("referral_events").await, events, "nothing moved");
}

on_both_databases!(a_refused_give_to_on_the_person_page_answers_with_that_page_and_its_summary);
/// "Give to" on a person's page with no one chosen, or from a stale page: the person's page
/// again (not an error page), its error summary linking to the choice, the choice marked.
async fn a_refused_give_to_on_the_person_page_answers_with_that_page_and_its_summary(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let (_, referral) = refer(&app, "Ada", "Person", None, "1960-01-01").await;
    let r = referral["id"].as_i64().unwrap();
    let person = referral["person_id"].as_i64().unwrap();
    app.store
        .set_password("lead", LINK_WORKER_PASSWORD)
        .await
        .unwrap();
    let lead = sign_in_as(&app, "lead").await;
    let lead_id = team_lead_id(&app).await;
    let (_, html) = page(&app, &lead, &format!("/people/{person}")).await;
    let events = app.count("referral_events").await;
    for (chosen, version, status) in [
        (
            String::new(),
            referral["version"].to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (lead_id.to_string(), "999".to_string(), StatusCode::CONFLICT),
    ] {
        let response = post_form(
            &app,
            &lead,
            &format!("/referrals/{r}/assignment"),
            &[
                ("csrf", csrf_of(&html)),
                ("link_worker_id", chosen),
                ("expected_version", version),
            ],
        )
        .await;
        assert_eq!(response.status(), status);
        let refused = response.text().await.unwrap();
        assert!(refused.contains("<title>Error: "), "{refused}");
        assert!(refused.contains("class=\"error-summary\""), "{refused}");
        assert!(
            refused.contains(&format!("href=\"#give-{r}\"")),
            "the summary links to the choice: {refused}"
        );
        assert!(
            refused.contains(&format!(
                "id=\"give-{r}\" name=\"link_worker_id\" aria-invalid=\"true\""
            )),
            "{refused}"
        );
        assert!(
            refused.contains(&format!("id=\"referral-{r}-heading\"")),
            "the person's page itself"
        );
    }
    assert_eq!(
        app.count("referral_events").await,
        events,
        "nothing written"
    );
}
