//! Saves are confirmed and endings are asked about (issue 15, item 9): a form saved comes
//! back to its page with the NHS success banner where the user lands, announced and
//! focusable; ending a referral first shows what will happen, naming its open connections,
//! and changes nothing until the link worker says yes.

use crate::helpers::{spawn_app, Backend};
use crate::on_both_databases;
use crate::pages::{csrf_of, page, post_form, sign_in_as};
use reqwest::StatusCode;
use serde_json::json;

on_both_databases!(
    a_saved_form_comes_back_with_a_success_banner_in_its_referral,
    ending_a_referral_asks_first_and_names_its_open_connections,
);

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_string()
}

/// The banner's markup, as the NHS design system's success notification banner.
fn banner_of(html: &str) -> Option<&str> {
    let start = html.find("<div class=\"notification-banner notification-banner--success\"")?;
    let end = start + html[start..].find("</div>\n</div>")?;
    Some(&html[start..end])
}

async fn a_saved_form_comes_back_with_a_success_banner_in_its_referral(backend: Backend) {
    let app = spawn_app(backend).await;
    let (person, referral) = app.person_with_referral("B25 8DS").await;
    let (p, r) = (
        person["id"].as_i64().unwrap(),
        referral["id"].as_i64().unwrap(),
    );
    let cookie = sign_in_as(&app, "lw").await;
    let (_, html) = page(&app, &cookie, &format!("/people/{p}")).await;
    assert!(banner_of(&html).is_none(), "no banner before a save");
    let saved = post_form(
        &app,
        &cookie,
        &format!("/referrals/{r}/needs"),
        &[
            ("csrf", csrf_of(&html)),
            ("need", "loneliness".into()),
            ("notes", "".into()),
        ],
    )
    .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let back = location(&saved);
    assert_eq!(back, format!("/people/{p}?saved=need&referral={r}#saved"));
    let (status, html) = page(&app, &cookie, &back).await;
    assert_eq!(status, StatusCode::OK);
    let banner = banner_of(&html).expect("a success banner");
    for part in [
        "role=\"alert\"",
        "tabindex=\"-1\"",
        "aria-labelledby=\"notification-banner-title\"",
        ">Success</h2>",
        "Need recorded",
    ] {
        assert!(banner.contains(part), "{part} in {banner}");
    }
    // It stands in the referral saved, where the redirect lands.
    let section = html.find(&format!("<section id=\"referral-{r}\"")).unwrap();
    let at = html.find("notification-banner--success").unwrap();
    assert!(at > section, "the banner is inside the referral's section");
    // An unknown code, typed into the address, shows nothing.
    let (_, html) = page(
        &app,
        &cookie,
        &format!("/people/{p}?saved=%3Cb%3E&referral={r}"),
    )
    .await;
    assert!(banner_of(&html).is_none());

    // Other pages: a listing kept current, and a visit recorded.
    let vcse = sign_in_as(&app, "vcse").await;
    let hsds = format!("linkwell-service-{}", app.service_id);
    let (_, html) = page(&app, &vcse, &format!("/directory/services/{hsds}")).await;
    let saved = post_form(
        &app,
        &vcse,
        &format!("/directory/services/{hsds}/changes"),
        &[("csrf", csrf_of(&html)), ("available", "4".into())],
    )
    .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let (_, html) = page(&app, &vcse, &location(&saved)).await;
    assert!(
        banner_of(&html).is_some_and(|b| b.contains("Listing saved")),
        "{html}"
    );
}

async fn ending_a_referral_asks_first_and_names_its_open_connections(backend: Backend) {
    let app = spawn_app(backend).await;
    let (person, referral) = app.person_with_referral("B25 8DS").await;
    let (p, r) = (
        person["id"].as_i64().unwrap(),
        referral["id"].as_i64().unwrap(),
    );
    let consent = app.consent_to_share(&json!(r), &app.link_worker).await;
    let (s, _) = app
        .post(
            &format!("/referrals/{r}/connections"),
            &app.link_worker,
            json!({"service_id": app.service_id, "consent_id": consent["id"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let cookie = sign_in_as(&app, "lw").await;
    let (_, html) = page(&app, &cookie, &format!("/people/{p}")).await;
    let decline = vec![
        ("csrf", csrf_of(&html)),
        ("to", "declined".to_string()),
        ("expected_version", referral["version"].to_string()),
        ("reason", "".to_string()),
        ("note", "Referred twice".to_string()),
    ];
    let events = app.count("referral_events").await;
    let asked = post_form(
        &app,
        &cookie,
        &format!("/referrals/{r}/transitions"),
        &decline,
    )
    .await;
    assert_eq!(asked.status(), StatusCode::OK, "asked, not saved");
    let html = asked.text().await.unwrap();
    assert!(
        html.contains(&format!("<title>End referral {r} for ")),
        "{html}"
    );
    assert!(
        html.contains("Walking group: Requested"),
        "the open connection is named"
    );
    assert!(
        html.contains("These stay open after the referral ends"),
        "and what happens to it"
    );
    assert!(html.contains("The GP practice is told the person declined"));
    // The answer carries the form as sent, with "yes".
    for hidden in [
        "name=\"to\" value=\"declined\"",
        "name=\"note\" value=\"Referred twice\"",
        "name=\"confirm\" value=\"yes\"",
    ] {
        assert!(html.contains(hidden), "{hidden}");
    }
    assert_eq!(
        app.count("referral_events").await,
        events,
        "nothing changed yet"
    );
    let (_, now) = app.get(&format!("/referrals/{r}"), &app.link_worker).await;
    assert_eq!(now["referral"]["state"], "received", "{now}");

    let mut yes = decline.clone();
    yes.push(("confirm", "yes".into()));
    let done = post_form(&app, &cookie, &format!("/referrals/{r}/transitions"), &yes).await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&done),
        format!("/people/{p}?saved=declined&referral={r}#saved")
    );
    let (_, now) = app.get(&format!("/referrals/{r}"), &app.link_worker).await;
    assert_eq!(now["referral"]["state"], "declined", "{now}");
    let (_, html) = page(&app, &cookie, &location(&done)).await;
    assert!(banner_of(&html).is_some_and(|b| b.contains("Referral recorded as declined")));

    // A move that would be refused is not asked about: the refusal shows at once.
    let again = post_form(
        &app,
        &cookie,
        &format!("/referrals/{r}/transitions"),
        &decline,
    )
    .await;
    assert!(again.status().is_client_error(), "{}", again.status());
}
