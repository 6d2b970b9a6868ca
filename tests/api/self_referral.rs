//! The public self-referral page (issue 16 item 4; docs/self-referral.md): no sign-in, a
//! plain form post, and every abuse control refusing with nothing written.

use crate::helpers::{spawn_app, Backend, TestApp};
use crate::on_both_databases;
use crate::pages::{csrf_of, fetch_form, sign_in_as};
use reqwest::StatusCode;

on_both_databases!(
    the_page_needs_no_sign_in_and_a_plain_post_lands_unassigned_as_a_self_referral,
    an_nhs_number_on_file_gets_the_same_answer_and_a_separate_unmatched_referral,
    a_filled_honeypot_is_answered_as_received_and_writes_nothing,
    the_sixth_submission_from_one_address_in_an_hour_is_refused_and_writes_nothing,
    an_oversize_body_or_answer_is_refused_with_the_error_summary,
    a_missing_answer_shows_the_form_again_with_the_summary_and_what_was_typed,
    the_prsb_answers_land_in_the_record_and_bad_ones_are_refused_with_nothing_written,
);

/// A complete, good submission (no CSRF token: added by `submit`).
fn good_form() -> Vec<(&'static str, String)> {
    [
        ("given_name", "Grace"),
        ("family_name", "Hopper"),
        ("dob_day", "9"),
        ("dob_month", "12"),
        ("dob_year", "1956"),
        ("phone", "07700 900123"),
        ("call_time", "morning"),
        ("postcode", "B25 8DS"),
        ("address_line1", "14 Acacia Avenue"),
        ("town", "Birmingham"),
        ("nhs_number", ""),
        ("needs", "loneliness"),
        ("needs", "money"),
        (
            "in_their_words",
            "I have not left the house much since my husband died",
        ),
        ("consent", "1"),
        ("website", ""),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_string()))
    .collect()
}

/// Fetches the page as a browser with no sign-in (its CSRF cookie and token), then posts
/// the form as a browser without JavaScript does.
async fn submit(app: &TestApp, form: &[(&str, String)]) -> (StatusCode, String) {
    let url = format!("{}/self-referral", app.address);
    let (status, cookie, html) = fetch_form(&app.client, &url).await;
    assert_eq!(status, StatusCode::OK);
    let mut form = form.to_vec();
    form.push(("csrf", csrf_of(&html)));
    let response = app
        .client
        .post(&url)
        .header("cookie", cookie)
        .form(&form)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

/// The reference on the success page.
fn reference_of(html: &str) -> String {
    let marker = "<strong class=\"reference\">";
    let start = html.find(marker).expect("a reference") + marker.len();
    let end = start + html[start..].find('<').unwrap();
    html[start..end].to_string()
}

/// The team's unassigned referrals, as the link worker's API sees them.
async fn unassigned_self_referrals(app: &TestApp) -> Vec<serde_json::Value> {
    let (status, rows) = app.get("/caseload?limit=100", &app.link_worker).await;
    assert_eq!(status, StatusCode::OK, "{rows}");
    rows.as_array()
        .unwrap()
        .iter()
        .filter(|r| r["referrer_kind"] == "self" && r["link_worker_id"].is_null())
        .cloned()
        .collect()
}

async fn the_page_needs_no_sign_in_and_a_plain_post_lands_unassigned_as_a_self_referral(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let page = app
        .client
        .get(format!("{}/self-referral", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    for words in [
        "What social prescribing is",
        "What happens next",
        "usually within a week",
        "privacy notice",
        "<form method=\"post\" action=\"/self-referral\"",
        "name=\"needs\" type=\"checkbox\" value=\"loneliness\"",
    ] {
        assert!(html.contains(words), "{words} missing");
    }

    let (status, done) = submit(&app, &good_form()).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    let reference = reference_of(&done);
    assert_eq!(reference.len(), 8);
    assert!(
        reference
            .chars()
            .all(|c| "ACDEFGHJKMNPQRTUVWXY34679".contains(c)),
        "{reference}"
    );
    assert!(done.contains("Thank you, Grace."));
    for personal in ["Hopper", "07700", "1956", "B25 8DS", "husband"] {
        assert!(!done.contains(personal), "{personal} echoed back");
    }

    let rows = unassigned_self_referrals(&app).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["person_name"], "Grace Hopper");
    // The link worker finds the reference the person was given in the referral.
    let (status, referral) = app
        .get(
            &format!("/referrals/{}", rows[0]["referral_id"]),
            &app.link_worker,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{referral}");
    let reason = referral["referral"]["reason"].as_str().unwrap();
    assert!(
        reason.contains(&format!("reference {reference}")) && reason.contains("Loneliness"),
        "{reason}"
    );
    assert_eq!(app.count("self_referrals").await, 1);

    // The team's list marks it.
    let cookie = sign_in_as(&app, "lw").await;
    let (status, list) = crate::pages::page(&app, &cookie, "/caseload?unassigned=1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        list.contains("Grace Hopper") && list.contains("<span class=\"tag\">Self-referral</span>"),
        "{list}"
    );

    // A second one has a different reference (not a sequence).
    let (_, again) = submit(&app, &good_form()).await;
    assert_ne!(reference_of(&again), reference);
}

async fn an_nhs_number_on_file_gets_the_same_answer_and_a_separate_unmatched_referral(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let mut existing = crate::helpers::person_body("B25 8DS");
    existing["nhs_number"] = serde_json::json!("9434765919");
    existing["given_name"] = serde_json::json!("Grace");
    existing["family_name"] = serde_json::json!("Hopper");
    existing["date_of_birth"] = serde_json::json!("1956-12-09");
    let (status, person) = app.post("/people", &app.link_worker, existing).await;
    assert_eq!(status, StatusCode::CREATED, "{person}");
    let people = app.count("people").await;

    let with_nhs = |nhs: &str| {
        let mut form = good_form();
        for (k, v) in form.iter_mut() {
            if *k == "nhs_number" {
                *v = nhs.to_string();
            }
        }
        form
    };
    let (on_file_status, on_file) = submit(&app, &with_nhs("943 476 5919")).await;
    let (not_on_file_status, not_on_file) = submit(&app, &with_nhs("")).await;
    assert_eq!(on_file_status, StatusCode::OK);
    assert_eq!(on_file_status, not_on_file_status);
    // The same page, word for word, but for the reference.
    assert_eq!(
        on_file.replace(&reference_of(&on_file), "REF"),
        not_on_file.replace(&reference_of(&not_on_file), "REF")
    );
    // Two new people: the one on file was not matched, and keeps no new referral.
    assert_eq!(app.count("people").await, people + 2);
    let rows = unassigned_self_referrals(&app).await;
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter().all(|r| r["person_id"] != person["id"]),
        "{rows:?}"
    );
}

async fn a_filled_honeypot_is_answered_as_received_and_writes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let (people, referrals) = (app.count("people").await, app.count("referrals").await);
    let mut form = good_form();
    form.retain(|(k, _)| *k != "website");
    form.push(("website", "http://spam.example".into()));
    let (status, html) = submit(&app, &form).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(reference_of(&html).len(), 8);
    assert!(html.contains("Thank you, Grace."));
    assert_eq!(app.count("people").await, people);
    assert_eq!(app.count("referrals").await, referrals);
    assert_eq!(app.count("self_referrals").await, 0);
}

async fn the_sixth_submission_from_one_address_in_an_hour_is_refused_and_writes_nothing(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    for n in 1..=5 {
        let (status, html) = submit(&app, &good_form()).await;
        assert_eq!(status, StatusCode::OK, "submission {n}: {html}");
    }
    let referrals = app.count("referrals").await;
    let (status, html) = submit(&app, &good_form()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        html.contains("Please try again in 60 minutes")
            || html.contains("Please try again in 59 minutes"),
        "{html}"
    );
    assert!(!html.contains("Grace"));
    assert_eq!(app.count("referrals").await, referrals);
    assert_eq!(app.count("self_referrals").await, 5);
}

async fn an_oversize_body_or_answer_is_refused_with_the_error_summary(backend: Backend) {
    let app = spawn_app(backend).await;
    // One answer longer than 2,000 characters (the body is under 16 KiB).
    let mut form = good_form();
    form.retain(|(k, _)| *k != "family_name");
    form.push(("family_name", "H".repeat(2001)));
    let (status, html) = submit(&app, &form).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        html.contains("There is a problem") && html.contains("too long"),
        "{html}"
    );
    // A body over 16 KiB.
    let mut form = good_form();
    form.retain(|(k, _)| *k != "in_their_words");
    form.push(("in_their_words", "x".repeat(20_000)));
    let (status, html) = submit(&app, &form).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        html.contains("There is a problem") && html.contains("too long"),
        "{html}"
    );
    assert_eq!(app.count("self_referrals").await, 0);
    assert_eq!(app.count("referrals").await, 0);
}

async fn a_missing_answer_shows_the_form_again_with_the_summary_and_what_was_typed(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let mut form = good_form();
    form.retain(|(k, _)| *k != "phone" && *k != "consent");
    let (status, html) = submit(&app, &form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("There is a problem"), "{html}");
    assert!(html.contains("<a href=\"#phone\">Enter a phone number we can call you on</a>"));
    assert!(html.contains("<a href=\"#consent\">"));
    assert!(html.contains("value=\"Hopper\"") && html.contains("my husband died"));
    assert!(html.contains("value=\"loneliness\" checked"));
    assert_eq!(app.count("referrals").await, 0);
    // Without the page's cookie the form is refused (CSRF) and nothing is written.
    let response = app
        .client
        .post(format!("{}/self-referral", app.address))
        .form(&good_form())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("referrals").await, 0);
}

/// Issue 16 follow-up (the PRSB record, docs/self-referral.md): the page asks for the address
/// lines and town, a preferred name, language and interpreter, communication needs, written
/// format and how to contact them; posted without JavaScript they land in the person's
/// record (the time to call as their contact times), and nothing typed is echoed on the
/// thank-you page. An answer not on its list, or no address without "no fixed address",
/// comes back with the error summary and writes nothing.
async fn the_prsb_answers_land_in_the_record_and_bad_ones_are_refused_with_nothing_written(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let page = app
        .client
        .get(format!("{}/self-referral", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for field in [
        "address_line1",
        "address_line2",
        "town",
        "preferred_name",
        "preferred_language",
        "interpreter_needed",
        "communication_needs",
        "written_format",
        "preferred_contact_method",
    ] {
        assert!(
            page.contains(&format!("name=\"{field}\"")),
            "{field} not asked"
        );
    }
    let mut form = good_form();
    for (k, v) in [
        ("address_line2", "Flat 2"),
        ("preferred_name", "Amazing Grace"),
        ("preferred_language", "pl"),
        ("interpreter_needed", "yes"),
        (
            "communication_needs",
            "Hard of hearing: please speak slowly",
        ),
        ("written_format", "large_print"),
        ("preferred_contact_method", "sms"),
    ] {
        form.push((k, v.to_string()));
    }
    let (people, referrals) = (app.count("people").await, app.count("referrals").await);

    // Refused, nothing written: a language not on the list; a contact method not on the
    // list; no address and no "no fixed address".
    for (field, bad, summary) in [
        (
            "preferred_language",
            "klingon",
            "Select a language from the list",
        ),
        (
            "preferred_contact_method",
            "pigeon",
            "Select a way to contact you from the list",
        ),
        ("address_line1", "", "Enter the first line of your address"),
    ] {
        let mut refused = form.clone();
        for (k, v) in refused.iter_mut() {
            if *k == field {
                *v = bad.to_string();
            }
        }
        let (status, html) = submit(&app, &refused).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(html.contains("There is a problem"), "{field}");
        assert!(
            html.contains(&format!("href=\"#{field}\"")),
            "{field}: {html}"
        );
        assert!(html.contains(summary), "{field}: {summary}");
        assert_eq!(app.count("people").await, people, "{field}");
        assert_eq!(app.count("referrals").await, referrals, "{field}");
        assert_eq!(app.count("self_referrals").await, 0, "{field}");
    }
    // With no fixed address, no address is asked for.
    let mut homeless = form.clone();
    homeless
        .retain(|(k, _)| !matches!(*k, "address_line1" | "address_line2" | "town" | "postcode"));
    homeless.push(("no_fixed_address", "1".into()));
    let (status, _) = submit(&app, &homeless).await;
    assert_eq!(status, StatusCode::OK);

    let (status, done) = submit(&app, &form).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    for personal in [
        "Acacia",
        "Flat 2",
        "Amazing",
        "Polish",
        "Hard of hearing",
        "Birmingham",
    ] {
        assert!(!done.contains(personal), "{personal} echoed back");
    }
    let rows = unassigned_self_referrals(&app).await;
    assert_eq!(rows.len(), 2);
    // The later one: the full form (the first was the one with no fixed address).
    let latest = rows
        .iter()
        .map(|r| r["referral_id"].as_i64().unwrap())
        .max()
        .unwrap();
    let (status, referral) = app
        .get(&format!("/referrals/{latest}"), &app.link_worker)
        .await;
    assert_eq!(status, StatusCode::OK, "{referral}");
    let person_id = &referral["referral"]["person_id"];
    let (status, person) = app
        .get(&format!("/people/{person_id}"), &app.link_worker)
        .await;
    assert_eq!(status, StatusCode::OK, "{person}");
    for (field, expected) in [
        ("address_line1", serde_json::json!("14 Acacia Avenue")),
        ("address_line2", serde_json::json!("Flat 2")),
        ("town", serde_json::json!("Birmingham")),
        ("postcode", serde_json::json!("B25 8DS")),
        ("preferred_name", serde_json::json!("Amazing Grace")),
        ("preferred_language", serde_json::json!("pl")),
        ("interpreter_needed", serde_json::json!(true)),
        (
            "communication_needs",
            serde_json::json!("Hard of hearing: please speak slowly"),
        ),
        ("written_format", serde_json::json!("large_print")),
        ("preferred_contact_method", serde_json::json!("sms")),
        (
            "preferred_contact_times",
            serde_json::json!("Morning (9am to 12 noon)"),
        ),
    ] {
        assert_eq!(person[field], expected, "{field}: {person}");
    }
}
