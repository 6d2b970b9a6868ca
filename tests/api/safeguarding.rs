//! Risk and safeguarding (issue 16 item 6) and the volunteer's visit page (issue 15 item 12):
//! a concern is recorded by the team, flagged on the caseload and the person's page, read
//! only by the team (organisations and volunteers refused, another team not finding it),
//! every read and write audited; a volunteer sees the time, place and whom to call, records
//! a visit that did not happen, and "I'm worried about them" reaches the link worker at once.

use crate::helpers::{
    assert_problem, linkwell, person_body, spawn_app, Backend, TestApp, LINK_WORKER_PASSWORD,
};
use crate::on_both_databases;
use crate::pages::{csrf_of, page, post_form, sign_in_as};
use linkwell::auth::Role;
use linkwell::input::UkPhone;
use linkwell::store::NewUser;
use linkwell::usecases::{teams, users::Administrator};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_databases!(
    a_concern_is_recorded_flagged_and_read_only_by_the_team,
    a_volunteers_worry_reaches_the_link_worker_at_once_and_is_never_read_back,
    a_volunteer_records_a_visit_that_did_not_happen_and_why,
    a_persons_concerns_are_erased_with_their_casework
);

/// Audit records of this type and action.
async fn audited(
    app: &TestApp,
    record_type: &str,
    action: &str,
) -> Vec<linkwell::audit::AuditRecord> {
    app.store
        .audit_records(0, 100_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.record_type == record_type && r.action == action)
        .collect()
}

/// A person with a phone number, referred; returns (person id, referral id).
async fn referred_person(app: &TestApp) -> (i64, i64) {
    let mut body = person_body("B25 8DS");
    body["phone"] = json!("07700 900123");
    let (s, person) = app.post("/people", &app.link_worker, body).await;
    assert_eq!(s, StatusCode::CREATED, "{person}");
    let (s, referral) = app
        .post(
            "/referrals",
            &app.link_worker,
            json!({"person_id": person["id"], "referrer_kind": "gp", "reason": "Lonely since moving"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{referral}");
    (
        person["id"].as_i64().unwrap(),
        referral["id"].as_i64().unwrap(),
    )
}

async fn a_concern_is_recorded_flagged_and_read_only_by_the_team(backend: Backend) {
    let app = spawn_app(backend).await;
    let (person, referral) = referred_person(&app).await;
    let concerns = format!("/referrals/{referral}/concerns");
    let read = format!("/people/{person}/concerns");
    let today = chrono::Utc::now().date_naive();

    // Bad input is refused with a problem document, and nothing is written.
    for (body, field) in [
        (
            json!({"kind": "gossip", "description": "x", "action_taken": "y"}),
            None,
        ),
        (
            json!({"kind": "financial", "description": "  ", "action_taken": "y"}),
            Some("description"),
        ),
        (
            json!({"kind": "financial", "description": "x", "action_taken": ""}),
            Some("action_taken"),
        ),
        (
            json!({"kind": "financial", "description": "x", "action_taken": "y",
                   "referred_to_lead_on": (today + chrono::Duration::days(1)).to_string()}),
            Some("referred_to_lead_on"),
        ),
        (
            json!({"kind": "financial", "description": "x", "action_taken": "y", "extra": 1}),
            None,
        ),
    ] {
        let (s, problem) = app.post(&concerns, &app.link_worker, body).await;
        assert_problem(s, &problem, StatusCode::UNPROCESSABLE_ENTITY);
        if let Some(field) = field {
            assert_eq!(problem["field"], field, "{problem}");
        }
    }
    assert_eq!(app.count("concerns").await, 0, "nothing written");

    let (s, recorded) = app
        .post(
            &concerns,
            &app.link_worker,
            json!({"kind": "financial", "description": "Her son takes her pension each week",
                   "action_taken": "Talked it through with her; told the safeguarding lead",
                   "referred_to_lead_on": today.to_string()}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{recorded}");
    assert_eq!(recorded["kind"], "financial");
    assert_eq!(recorded["raised_by"], "team");
    assert_eq!(recorded["referred_to_lead_on"], today.to_string());
    assert_eq!(recorded["new"], false, "not new to the one who wrote it");

    // The team lead reads it: new to them the first time, then read.
    let (s, list) = app.get(&read, &app.team_lead).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(
        list[0]["description"],
        "Her son takes her pension each week"
    );
    assert_eq!(list[0]["new"], true, "{list}");
    let (_, list) = app.get(&read, &app.team_lead).await;
    assert_eq!(list[0]["new"], false, "read once, no longer new");

    // Never organisations, volunteers, referrers, analysts or administrators; another
    // team does not even find the person.
    let body = json!({"kind": "neglect", "description": "x", "action_taken": "y"});
    for (who, token) in [
        ("organisation", &app.vcse),
        ("volunteer", &app.volunteer),
        ("referrer", &app.referrer),
        ("analyst", &app.analyst),
        ("administrator", &app.admin),
    ] {
        let (s, problem) = app.get(&read, token).await;
        assert_problem(s, &problem, StatusCode::FORBIDDEN);
        let (s, problem) = app.post(&concerns, token, body.clone()).await;
        assert_problem(s, &problem, StatusCode::FORBIDDEN);
        assert!(!problem.to_string().contains("pension"), "{who}: {problem}");
    }
    let (s, problem) = app.get(&read, &app.other_team_worker).await;
    assert_problem(s, &problem, StatusCode::NOT_FOUND);
    let (s, problem) = app.post(&concerns, &app.other_team_worker, body).await;
    assert_problem(s, &problem, StatusCode::NOT_FOUND);
    assert_eq!(app.count("concerns").await, 1, "refusals write nothing");

    // The organisation the person is connected to sees the connection, never the concern.
    let consent = app
        .consent_to_share(&json!(referral), &app.link_worker)
        .await;
    let (s, _) = app
        .post(
            &format!("/referrals/{referral}/connections"),
            &app.link_worker,
            json!({"service_id": app.service_id, "consent_id": consent["id"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, inbox) = app.get("/vcse/connections", &app.vcse).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(inbox.as_array().unwrap().len(), 1, "{inbox}");
    assert!(!inbox.to_string().contains("pension"), "{inbox}");

    // Flagged on the caseload and the person's page.
    let worker = sign_in_as(&app, "lw").await;
    let (_, caseload) = page(&app, &worker, "/caseload").await;
    assert!(
        caseload.contains("class=\"tag concern\">Safeguarding concern</strong>"),
        "{caseload}"
    );
    let (_, html) = page(&app, &worker, &format!("/people/{person}")).await;
    assert!(
        html.contains("id=\"concern-flag\"")
            && html.contains("<strong>Safeguarding concern:</strong> 1 recorded.")
            && html.contains("Financial or material abuse")
            && html.contains("Her son takes her pension each week"),
        "{html}"
    );

    // Audited: the write with the person it is about, and every read by whom.
    let created = audited(&app, "concern", "create").await;
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].person_id, Some(person));
    assert_eq!(created[0].record_id, recorded["id"].as_i64());
    let reads = audited(&app, "concerns", "read").await;
    let by_role = |role: &str| reads.iter().filter(|r| r.actor_role == role).count();
    assert_eq!(by_role("team_lead"), 2, "two API reads");
    assert_eq!(by_role("link_worker"), 1, "the person's page");
    assert!(reads.iter().all(|r| r.person_id == Some(person)));
    assert!(
        !audited(&app, "concern_flags", "list").await.is_empty(),
        "the caseload's flags"
    );
}

/// Signs in as a volunteer with the test password.
async fn volunteer_session(app: &TestApp, username: &str) -> String {
    app.store
        .set_password(username, LINK_WORKER_PASSWORD)
        .await
        .unwrap();
    sign_in_as(app, username).await
}

/// Arranges a visit today at 14:30 outside the library, from the person's page; returns
/// the visits page the volunteer then sees and the visit's id.
async fn arranged_visit(app: &TestApp, person: i64, referral: i64) -> (String, String, i64) {
    let worker = sign_in_as(app, "lw").await;
    let (_, html) = page(app, &worker, &format!("/people/{person}")).await;
    let volunteer_id = app.store.user_id("volunteer").await.unwrap().unwrap();
    let form = [
        ("csrf", csrf_of(&html)),
        ("volunteer_id", volunteer_id.to_string()),
        ("activity", "Walk to the lunch club".into()),
        ("visit_on", chrono::Utc::now().date_naive().to_string()),
        ("visit_time", "14:30".into()),
        ("meeting_place", "Outside the library".into()),
    ];
    let response = post_form(
        app,
        &worker,
        &format!("/referrals/{referral}/visits"),
        &form,
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let volunteer = volunteer_session(app, "volunteer").await;
    let (status, html) = page(app, &volunteer, "/visits").await;
    assert_eq!(status, StatusCode::OK);
    let start = html.find("action=\"/visits/").expect("a visit form") + "action=\"/visits/".len();
    let visit = html[start..].split('/').next().unwrap().parse().unwrap();
    (volunteer, html, visit)
}

async fn a_volunteers_worry_reaches_the_link_worker_at_once_and_is_never_read_back(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    // Team A is the first team made (id 1); the operator sets its phone at the command line,
    // which takes UK numbers only.
    let phone = |number: &str| {
        linkwell(&[
            "teams",
            "phone",
            "--team",
            "1",
            "--phone",
            number,
            "--database-url",
            &app.database_url,
        ])
    };
    let refused = phone("+1 555 0100");
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("UK phone number"),
        "{refused:?}"
    );
    let set = phone("0121 496 0123");
    assert!(set.status.success(), "{set:?}");
    let missing = UkPhone::parse("0121 496 0999").unwrap();
    assert!(
        teams::set_phone(&app.store, Administrator::Operator, 999, &missing)
            .await
            .is_err(),
        "no such team"
    );
    let (person, referral) = referred_person(&app).await;
    let (volunteer, html, visit) = arranged_visit(&app, person, referral).await;

    // Time, place, whom to call: each number a tel: link.
    for shown in [
        "at 14:30",
        "Outside the library",
        "<a href=\"tel:07700900123\">07700 900123</a>",
        "lw, team phone <a href=\"tel:01214960123\">0121 496 0123</a>",
        "It didn't happen",
        "I'm worried about them",
    ] {
        assert!(html.contains(shown), "{shown} in {html}");
    }

    // An empty worry is refused on the page, with the summary, and nothing is sent.
    let worry = format!("/visits/{visit}/worry");
    let refused = post_form(
        &app,
        &volunteer,
        &worry,
        &[("csrf", csrf_of(&html)), ("worry", " ".into())],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = refused.text().await.unwrap();
    assert!(
        text.contains("class=\"error-summary\"")
            && text.contains("<title>Error: ")
            && text.contains("href=\"#worry-"),
        "{text}"
    );
    assert_eq!(app.count("concerns").await, 0);

    // Another volunteer cannot send one from this visit.
    app.store
        .create_user(&NewUser {
            username: "volunteer-2",
            display_name: "Second volunteer",
            role: Role::Volunteer,
            team_id: None,
            organisation: None,
            password: Some(LINK_WORKER_PASSWORD),
        })
        .await
        .unwrap();
    let other = sign_in_as(&app, "volunteer-2").await;
    let (_, other_html) = page(&app, &other, "/visits").await;
    let response = post_form(
        &app,
        &other,
        &worry,
        &[("csrf", csrf_of(&other_html)), ("worry", "x".into())],
    )
    .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.count("concerns").await, 0);

    let sent = post_form(
        &app,
        &volunteer,
        &worry,
        &[
            ("csrf", csrf_of(&html)),
            ("worry", "Bruises on her arms; she would not say how".into()),
        ],
    )
    .await;
    assert_eq!(sent.status(), StatusCode::SEE_OTHER);
    let then = sent.headers()["location"].to_str().unwrap().to_string();
    let (_, after) = page(&app, &volunteer, &then).await;
    assert!(after.contains("Sent to the link worker's team"), "{after}");
    assert!(
        !after.contains("Bruises"),
        "the volunteer never reads it back: {after}"
    );
    let (s, problem) = app
        .get(&format!("/people/{person}/concerns"), &app.volunteer)
        .await;
    assert_problem(s, &problem, StatusCode::FORBIDDEN);

    // At once, for the link worker: counted new on the caseload, flagged on the person.
    let worker = sign_in_as(&app, "lw").await;
    let (_, caseload) = page(&app, &worker, "/caseload").await;
    assert!(
        caseload.contains("1 new safeguarding concern</strong>")
            && caseload.contains("Safeguarding concern: 1 new</strong>"),
        "{caseload}"
    );
    let (s, list) = app
        .get(&format!("/people/{person}/concerns"), &app.link_worker)
        .await;
    assert_eq!(s, StatusCode::OK);
    let concern: &Value = &list[0];
    assert_eq!(concern["raised_by"], "volunteer", "{list}");
    assert_eq!(concern["raised_by_name"], "volunteer");
    assert!(concern.get("kind").is_none(), "not yet assessed: {concern}");
    assert_eq!(concern["visit_id"], visit);
    assert_eq!(concern["referral_id"], referral);
    assert_eq!(concern["new"], true);
    // Read now: the caseload no longer counts it new, but still flags the person.
    let (_, caseload) = page(&app, &worker, "/caseload").await;
    assert!(!caseload.contains("new safeguarding concern"), "{caseload}");
    assert!(
        caseload.contains("class=\"tag concern\">Safeguarding concern</strong>"),
        "{caseload}"
    );
    let (_, html) = page(&app, &worker, &format!("/people/{person}")).await;
    assert!(
        html.contains("Not yet assessed: a volunteer&#x27;s worry")
            || html.contains("Not yet assessed: a volunteer&#39;s worry"),
        "{html}"
    );

    let created = audited(&app, "concern", "create").await;
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].actor_role, "volunteer");
    assert_eq!(created[0].person_id, Some(person));
}

async fn a_volunteer_records_a_visit_that_did_not_happen_and_why(backend: Backend) {
    let app = spawn_app(backend).await;
    let (person, referral) = referred_person(&app).await;
    let (volunteer, html, visit) = arranged_visit(&app, person, referral).await;
    let path = format!("/visits/{visit}/not-happened");
    let refused = post_form(
        &app,
        &volunteer,
        &path,
        &[("csrf", csrf_of(&html)), ("reason", "".into())],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = refused.text().await.unwrap();
    assert!(
        text.contains("Say why it did not happen") && text.contains("href=\"#reason-"),
        "{text}"
    );
    let missing = post_form(&app, &volunteer, &path, &[("csrf", csrf_of(&html))]).await;
    assert_eq!(
        missing.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a missing field too"
    );

    let done = post_form(
        &app,
        &volunteer,
        &path,
        &[
            ("csrf", csrf_of(&html)),
            ("reason", "She was not in".into()),
        ],
    )
    .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let (_, after) = page(&app, &volunteer, "/visits").await;
    assert!(after.contains("Recorded as not happened"), "{after}");
    // Recorded once: neither "happened" nor "did not happen" again.
    let again = post_form(
        &app,
        &volunteer,
        &format!("/visits/{visit}/done"),
        &[("csrf", csrf_of(&html)), ("note", "".into())],
    )
    .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let again = post_form(
        &app,
        &volunteer,
        &path,
        &[("csrf", csrf_of(&html)), ("reason", "x".into())],
    )
    .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);

    let worker = sign_in_as(&app, "lw").await;
    let (_, html) = page(&app, &worker, &format!("/people/{person}")).await;
    assert!(
        html.contains("meeting Outside the library")
            && html.contains("did not happen (recorded")
            && html.contains("She was not in"),
        "{html}"
    );
    let updates = audited(&app, "visit", "update").await;
    assert_eq!(updates.len(), 1, "the one record, audited");
    assert_eq!(updates[0].actor_role, "volunteer");
}

async fn a_persons_concerns_are_erased_with_their_casework(backend: Backend) {
    let app = spawn_app(backend).await;
    let (person, referral) = referred_person(&app).await;
    let (s, _) = app
        .post(
            &format!("/referrals/{referral}/concerns"),
            &app.link_worker,
            json!({"kind": "self_neglect", "description": "The flat is cold and there is no food",
                   "action_taken": "Asked the lead for advice"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let erased = linkwell(&[
        "people",
        "erase",
        "--id",
        &person.to_string(),
        "--by",
        "admin",
        "--database-url",
        &app.database_url,
    ]);
    assert!(erased.status.success(), "{erased:?}");
    let (s, list) = app
        .get(&format!("/people/{person}/concerns"), &app.link_worker)
        .await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert_eq!(list[0]["description"], "[erased]", "{list}");
    assert_eq!(list[0]["action_taken"], "[erased]");
    assert_eq!(list[0]["kind"], "self_neglect", "the coded kind is kept");
}
