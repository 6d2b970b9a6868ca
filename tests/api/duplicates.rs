//! Duplicates (issue 15, item 4): the referrer is warned before referring again someone
//! whose referral they made is still open (only for people they registered: nothing about
//! anyone else is revealed); the link worker is warned on the person's page; a duplicate is
//! closed as "entered in error", which is no decline: no GP message, no SNOMED code, FHIR's
//! own `entered-in-error`, and left out of the published figures.

use crate::fhir::fhir;
use crate::helpers::{spawn_app, Backend, TestApp};
use crate::on_both_databases;
use crate::pages::{csrf_of, page, post_form, sign_in_as};
use reqwest::StatusCode;
use serde_json::json;

on_both_databases!(a_duplicate_is_warned_of_and_closed_as_entered_in_error_not_declined);

fn rosa(csrf: &str) -> Vec<(&'static str, String)> {
    [
        ("given_name", "Rosa"),
        ("family_name", "Parks"),
        // 943 476 5919: a valid NHS number, so the second referral finds the same person.
        ("nhs_number", "943 476 5919"),
        ("dob_day", "4"),
        ("dob_month", "2"),
        ("dob_year", "1950"),
        ("sex", "female"),
        ("postcode", "B25 8DS"),
        ("practice", "M00001"),
        ("referrer_kind", "gp"),
        ("reason", "Lonely since her sister died"),
        ("agreed", "1"),
        ("address_line1", "14 Acacia Avenue"),
        ("town", "Birmingham"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_string()))
    .chain([("csrf", csrf.to_string())])
    .collect()
}

/// GP messages waiting to go (none is sent: no practice endpoint is set up).
async fn pending_messages(app: &TestApp) -> usize {
    app.store
        .gp_outbox_entries(linkwell::outbox::OutboxStatus::Pending, 100)
        .await
        .unwrap()
        .len()
}

async fn referral_made(app: &TestApp, cookie: &str, form: &[(&str, String)]) -> i64 {
    let made = post_form(app, cookie, "/referrals/new", form).await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let location = made.headers()["location"].to_str().unwrap().to_string();
    location
        .trim_start_matches("/caseload?made=")
        .parse()
        .unwrap()
}

async fn a_duplicate_is_warned_of_and_closed_as_entered_in_error_not_declined(backend: Backend) {
    let app = spawn_app(backend).await;
    let gp = sign_in_as(&app, "gp").await;
    let (_, html) = page(&app, &gp, "/referrals/new").await;
    let csrf = csrf_of(&html);
    let first = referral_made(&app, &gp, &rosa(&csrf)).await;

    // The same person again a minute later: warned, nothing saved.
    let referrals = app.count("referrals").await;
    let warned = post_form(&app, &gp, "/referrals/new", &rosa(&csrf)).await;
    assert_eq!(warned.status(), StatusCode::CONFLICT);
    let html = warned.text().await.unwrap();
    assert!(html.contains("<title>Error: "), "{html}");
    assert!(html.contains(&format!(
        "(referral {first}) and that referral is still open"
    )));
    assert!(html.contains("href=\"#again\"") && html.contains("id=\"again\" name=\"again\""));
    assert!(
        html.contains("Lonely since her sister died"),
        "what was typed is kept"
    );
    assert_eq!(app.count("referrals").await, referrals, "nothing saved");
    // Ticked: a second referral is made, as asked.
    let mut again = rosa(&csrf);
    again.push(("again", "1".into()));
    let second = referral_made(&app, &gp, &again).await;

    // Someone the referrer did not register (a link worker did): no warning, so the form
    // reveals nothing about who else is on file.
    let (ada, _) = app.person_with_referral("B25 8DS").await;
    let mut same_as_ada = rosa(&csrf);
    for (name, value) in same_as_ada.iter_mut() {
        match *name {
            "given_name" => *value = "Ada".into(),
            "family_name" => *value = "Lovelace".into(),
            "dob_day" => *value = "10".into(),
            "dob_month" => *value = "12".into(),
            "nhs_number" => *value = String::new(),
            _ => {}
        }
    }
    referral_made(&app, &gp, &same_as_ada).await;
    assert!(ada["id"].is_number());

    // The link worker is warned on the person's page.
    let (_, referral) = app
        .get(&format!("/referrals/{first}"), &app.link_worker)
        .await;
    let person = referral["referral"]["person_id"].as_i64().unwrap();
    let lw = sign_in_as(&app, "lw").await;
    let (_, html) = page(&app, &lw, &format!("/people/{person}")).await;
    assert!(html.contains("id=\"duplicate-warning\""), "{html}");
    assert!(html.contains("Rosa Parks has 2 open referrals:"));
    assert!(
        html.contains("Closed: entered in error or duplicate"),
        "offered while received"
    );

    // Closing a received referral for any other reason is refused.
    let (_, dup) = app
        .get(&format!("/referrals/{second}"), &app.link_worker)
        .await;
    let version = dup["referral"]["version"].clone();
    let (status, _) = app
        .post(
            &format!("/referrals/{second}/transitions"),
            &app.link_worker,
            json!({"to": "closed", "reason": "goals_met", "expected_version": version}),
        )
        .await;
    assert!(status.is_client_error(), "{status}");

    // Closed as entered in error: asked first, then no GP message, no code, not a decline.
    let close = vec![
        ("csrf", csrf_of(&html)),
        ("to", "closed".to_string()),
        ("expected_version", version.to_string()),
        ("reason", "entered_in_error".to_string()),
        ("note", "Sent twice".to_string()),
    ];
    let asked = post_form(
        &app,
        &lw,
        &format!("/referrals/{second}/transitions"),
        &close,
    )
    .await;
    assert_eq!(asked.status(), StatusCode::OK);
    assert!(asked
        .text()
        .await
        .unwrap()
        .contains("The GP practice is not told"));
    let messages = pending_messages(&app).await;
    let mut yes = close.clone();
    yes.push(("confirm", "yes".into()));
    let done = post_form(&app, &lw, &format!("/referrals/{second}/transitions"), &yes).await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert!(done.headers()["location"]
        .to_str()
        .unwrap()
        .contains("saved=entered_in_error"));
    let (_, closed) = app
        .get(&format!("/referrals/{second}"), &app.link_worker)
        .await;
    assert_eq!(closed["referral"]["state"], "closed", "{closed}");
    assert_eq!(closed["referral"]["close_reason"], "entered_in_error");
    assert!(
        closed["referral"]["snomed_code"].is_null(),
        "no SNOMED code"
    );
    assert_eq!(
        pending_messages(&app).await,
        messages,
        "the practice hears nothing"
    );
    let (status, request, _) = fhir(
        &app,
        "GET",
        &format!("/ServiceRequest/{second}"),
        Some(&app.link_worker),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{request}");
    assert_eq!(request["status"], "entered-in-error");

    // Whereas declining the first tells the practice (one message queued), as it should.
    let (_, one) = app
        .get(&format!("/referrals/{first}"), &app.link_worker)
        .await;
    let (status, _) = app
        .post(
            &format!("/referrals/{first}/transitions"),
            &app.link_worker,
            json!({"to": "declined", "expected_version": one["referral"]["version"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(pending_messages(&app).await, messages + 1);

    // Left out of the figures: 4 referrals on file, 1 entered in error, 3 counted.
    assert_eq!(app.count("referrals").await, 4);
    let activity = app.store.load_activity_facts().await.unwrap();
    assert_eq!(activity.referrals.len(), 3);
    let equity = app.store.load_equity_facts().await.unwrap();
    assert_eq!(equity.referrals.len(), 3);
}
