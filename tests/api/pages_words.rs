//! The words and marks of refused forms (issue 15, item 13): plain messages, "Error: " in the
//! title, fields marked `aria-invalid` and described by their message, and no codes or raw
//! scores in front of a link worker except inside "Technical details".

use crate::helpers::{spawn_app, Backend};
use crate::on_both_databases;
use crate::pages::{csrf_of, page, post_form, sign_in_as};
use reqwest::StatusCode;

on_both_databases!(
    a_refused_referral_form_says_error_in_its_title_and_marks_each_field,
    the_person_page_keeps_codes_and_raw_scores_in_technical_details,
    a_refused_sign_in_says_error_in_its_title,
);

async fn a_refused_sign_in_says_error_in_its_title(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = crate::pages::post_sign_in(&app, "lw", "not the password").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let html = response.text().await.unwrap();
    assert!(
        title_of(&html).starts_with("Error: "),
        "{}",
        title_of(&html)
    );
    let tag = tag_of(&html, "username");
    assert_eq!(attribute(tag, "aria-invalid"), Some("true"), "{tag}");
    assert_eq!(attribute(tag, "aria-describedby"), Some("username-error"));
    assert!(!text_of(&html, "username-error").is_empty());
}

/// The opening tag of the element with this id (`<input id="x" ...>`).
fn tag_of<'a>(html: &'a str, id: &str) -> &'a str {
    let marker = format!(" id=\"{id}\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no element with id {id}"));
    let start = html[..at].rfind('<').unwrap();
    let end = at + html[at..].find('>').unwrap();
    &html[start..=end]
}

fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    let end = start + tag[start..].find('"')?;
    Some(&tag[start..end])
}

/// The text of the element with this id (up to its closing tag).
fn text_of<'a>(html: &'a str, id: &str) -> &'a str {
    let tag = tag_of(html, id);
    let start = html.find(tag).unwrap() + tag.len();
    let end = start + html[start..].find("</").unwrap();
    &html[start..end]
}

/// Asserts the field is marked invalid and described by a message saying `message`.
fn assert_marked(html: &str, field: &str, message: &str) {
    let tag = tag_of(html, field);
    assert_eq!(
        attribute(tag, "aria-invalid"),
        Some("true"),
        "{field} is marked invalid: {tag}"
    );
    let described = attribute(tag, "aria-describedby")
        .unwrap_or_else(|| panic!("{field} is described by its message: {tag}"));
    let error_id = format!("{field}-error");
    assert!(
        described.split(' ').any(|id| id == error_id),
        "{field} points at {error_id}: {described}"
    );
    assert_eq!(text_of(html, &error_id), message, "{field}'s message");
    assert!(
        html.contains(&format!("<a href=\"#{field}\">{message}</a>")),
        "the summary links {message:?} to #{field}"
    );
}

fn title_of(html: &str) -> &str {
    let start = html.find("<title>").unwrap() + "<title>".len();
    &html[start..start + html[start..].find("</title>").unwrap()]
}

async fn a_refused_referral_form_says_error_in_its_title_and_marks_each_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let cookie = sign_in_as(&app, "gp").await;
    let (status, html) = page(&app, &cookie, "/referrals/new").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(title_of(&html), "Make a referral – Linkwell");
    assert!(!html.contains("aria-invalid"), "nothing is in error yet");
    let csrf = csrf_of(&html);

    // 943 476 5918: ten digits whose check digit should be 9 (Modulus 11 of 943476591).
    let form = vec![
        ("csrf", csrf.clone()),
        ("given_name", "Rosa".to_string()),
        ("family_name", "Parks".to_string()),
        ("nhs_number", "943 476 5918".to_string()),
        ("dob_day", "4".to_string()),
        ("dob_month", "2".to_string()),
        ("dob_year", "2999".to_string()),
        ("sex", "".to_string()),
        ("postcode", "b25 8ds".to_string()),
        ("practice", "M00001".to_string()),
        ("referrer_kind", "gp".to_string()),
        ("reason", "Lonely".to_string()),
    ];
    let referrals = app.count("referrals").await;
    let response = post_form(&app, &cookie, "/referrals/new", &form).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert_eq!(title_of(&html), "Error: Make a referral – Linkwell");
    assert_marked(&html, "nhs_number", "Enter a valid 10-digit NHS number");
    assert!(
        !html.contains("Modulus") && !html.contains("check digit"),
        "the page says what to do, not how the check works"
    );
    assert_marked(&html, "dob_day", "Date of birth must be in the past");
    for part in ["dob_month", "dob_year"] {
        assert_eq!(attribute(tag_of(&html, part), "aria-invalid"), Some("true"));
    }
    assert_marked(&html, "sex", "Select their sex as recorded by their GP");
    assert_marked(
        &html,
        "agreed",
        "Confirm that the person agrees to be referred",
    );
    // Fields answered well are not marked.
    for fine in ["given_name", "postcode", "practice", "reason"] {
        assert_eq!(
            attribute(tag_of(&html, fine), "aria-invalid"),
            None,
            "{fine}"
        );
    }
    assert_eq!(app.count("referrals").await, referrals, "nothing saved");

    // The API keeps the precise reason for a developer.
    let mut body = crate::helpers::person_body("B25 8DS");
    body["nhs_number"] = serde_json::json!("943 476 5918");
    let (status, problem) = app.post("/people", &app.referrer, body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        problem["detail"].as_str().unwrap().contains("Modulus 11"),
        "{problem}"
    );
}

/// The page with every `<details>` element taken out.
fn outside_details(html: &str) -> String {
    let mut rest = html;
    let mut out = String::new();
    while let Some(start) = rest.find("<details") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("</details>").unwrap() + start + "</details>".len();
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

async fn the_person_page_keeps_codes_and_raw_scores_in_technical_details(backend: Backend) {
    let app = spawn_app(backend).await;
    let (person, referral) = app.person_with_referral("B25 8DS").await;
    // Accepted, so the referral carries its SNOMED CT code (recorded on acceptance).
    let (status, moved) = app
        .post(
            &format!("/referrals/{}/transitions", referral["id"]),
            &app.link_worker,
            serde_json::json!({"to": "active", "expected_version": referral["version"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    let cookie = sign_in_as(&app, "lw").await;
    let path = format!("/people/{}", person["id"]);
    let (_, html) = page(&app, &cookie, &path).await;
    let csrf = csrf_of(&html);
    // SWEMWBS all 3s: raw 21, metric 19.25 (the published conversion table).
    let mut measure = vec![
        ("csrf", csrf.clone()),
        ("instrument", "swemwbs".to_string()),
        ("timing", "baseline".to_string()),
    ];
    for item in [
        "item1", "item2", "item3", "item4", "item5", "item6", "item7",
    ] {
        measure.push((item, "3".to_string()));
    }
    let response = post_form(
        &app,
        &cookie,
        &format!("/referrals/{}/measures", referral["id"]),
        &measure,
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    let (status, html) = page(&app, &cookie, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!title_of(&html).starts_with("Error"), "{}", title_of(&html));
    let words = outside_details(&html);
    for code in ["SNOMED", "871731000000106", "(raw 21)", "metric 19.25"] {
        assert!(html.contains(code), "{code} is kept, in technical details");
        assert!(
            !words.contains(code),
            "{code} is not in front of the link worker"
        );
    }
    assert!(html.contains("<summary>Technical details</summary>"));
    assert!(
        words.contains("19.25 on a scale of 7 to 35 (higher is better)"),
        "the score in plain words"
    );

    // A refused casework form: "Error: " in the title, the field marked and described.
    let close_without_reason = vec![
        ("csrf", csrf.clone()),
        ("to", "closed".to_string()),
        ("expected_version", moved["version"].to_string()),
        ("reason", "".to_string()),
        ("note", "".to_string()),
    ];
    let response = post_form(
        &app,
        &cookie,
        &format!("/referrals/{}/transitions", referral["id"]),
        &close_without_reason,
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(
        title_of(&html).starts_with("Error: "),
        "{}",
        title_of(&html)
    );
    let anchor = {
        let start = html.find("error-summary").unwrap();
        let at = start + html[start..].find("<a href=\"#").unwrap() + "<a href=\"#".len();
        html[at..at + html[at..].find('"').unwrap()].to_string()
    };
    let tag = tag_of(&html, &anchor);
    assert_eq!(attribute(tag, "aria-invalid"), Some("true"), "{tag}");
    assert_eq!(
        attribute(tag, "aria-describedby"),
        Some(format!("{anchor}-error").as_str()),
        "{tag}"
    );
    assert!(!text_of(&html, &format!("{anchor}-error")).is_empty());
}
