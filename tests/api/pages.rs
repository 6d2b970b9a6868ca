//! Pages: sign in with a form, see the caseload, record a contact, refuse a forged form.

use crate::helpers::{spawn_app, Backend, TestApp, LINK_WORKER_PASSWORD};
use crate::on_both_databases;
use reqwest::StatusCode;

on_both_databases!(
    sign_in_and_see_the_caseload,
    person_page_forms_record_and_refuse,
    referrer_sees_their_referrals_without_casework,
    repeated_failed_sign_ins_are_throttled,
);

async fn repeated_failed_sign_ins_are_throttled(backend: Backend) {
    let app = spawn_app(backend).await;
    let attempt = |password: &'static str| {
        let app = &app;
        async move { post_sign_in(app, "lw", password).await.status() }
    };
    for _ in 0..5 {
        assert_eq!(attempt("guess").await, StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused while the account is throttled.
    assert_eq!(
        attempt(LINK_WORKER_PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

async fn referrer_sees_their_referrals_without_casework(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut body = crate::helpers::person_body("B25 8DS");
    body["practice_id"] = serde_json::json!(app.practice_id);
    let (_, person) = app.post("/people", &app.referrer, body).await;
    let (s, _) = app
        .post("/referrals", &app.referrer, serde_json::json!({"person_id": person["id"], "referrer_kind": "gp", "reason": "isolated"}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let cookie = sign_in_as(&app, "gp").await;
    let (status, html) = page(&app, &cookie, "/caseload").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("<h1>Your referrals</h1>") && html.contains("Ada Lovelace"),
        "{html}"
    );
    assert!(!html.contains("/people/"), "no way into casework");
    let (status, _) = page(&app, &cookie, &format!("/people/{}", person["id"])).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn sign_in(app: &TestApp) -> String {
    sign_in_as(app, "lw").await
}

/// Posts a page's form as a signed-in browser would (no redirects followed).
pub async fn post_form(
    app: &TestApp,
    cookie: &str,
    path: &str,
    form: &[(&str, String)],
) -> reqwest::Response {
    app.client
        .post(format!("{}{path}", app.address))
        .header("cookie", cookie)
        .form(form)
        .send()
        .await
        .unwrap()
}

/// Fetches a form that sets its own CSRF cookie (sign-in, a one-time password link), as a
/// browser would: its status, the cookie to send back, and the page.
pub async fn fetch_form(client: &reqwest::Client, url: &str) -> (StatusCode, String, String) {
    let form = client.get(url).send().await.unwrap();
    let status = form.status();
    let cookie = form.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    (status, cookie, form.text().await.unwrap())
}

/// Posts the sign-in form as a browser would: fetch it (token and cookie), then submit.
pub async fn post_sign_in(app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    let (_, cookie, html) = fetch_form(&app.client, &format!("{}/sign-in", app.address)).await;
    app.client
        .post(format!("{}/sign-in", app.address))
        .header("cookie", cookie)
        .form(&[
            ("username", username),
            ("password", password),
            ("csrf", &csrf_of(&html)),
        ])
        .send()
        .await
        .unwrap()
}

pub async fn sign_in_as(app: &TestApp, username: &str) -> String {
    let response = post_sign_in(app, username, LINK_WORKER_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookie = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    cookie.split(';').next().unwrap().to_string()
}

pub async fn page(app: &TestApp, cookie: &str, path: &str) -> (StatusCode, String) {
    let response = app
        .client
        .get(format!("{}{path}", app.address))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn sign_in_and_see_the_caseload(backend: Backend) {
    let app = spawn_app(backend).await;
    let (person, _) = app.person_with_referral("SW1A 1AA").await;

    let anonymous = app
        .client
        .get(format!("{}/caseload", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert_eq!(anonymous.headers()["location"], "/sign-in");

    let wrong = post_sign_in(&app, "lw", "wrong").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let forged = app
        .client
        .post(format!("{}/sign-in", app.address))
        .form(&[
            ("username", "lw"),
            ("password", LINK_WORKER_PASSWORD),
            ("csrf", "forged"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        forged.status(),
        StatusCode::FORBIDDEN,
        "sign-in without the form's token is refused"
    );
    assert!(wrong.text().await.unwrap().contains("There is a problem"));

    let cookie = sign_in(&app).await;
    let (status, html) = page(&app, &cookie, "/caseload").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<h1>Caseload</h1>"));
    assert!(
        html.contains("Ada Lovelace"),
        "the referral appears in the caseload"
    );
    assert!(html.contains(&format!("/people/{}", person["id"])));
    let (status, html) = page(&app, &cookie, "/caseload?state=closed").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("Ada Lovelace"), "filtered out");

    let (_, html) = page(&app, &cookie, "/caseload").await;
    let signed_out = app
        .client
        .post(format!("{}/sign-out", app.address))
        .header("cookie", &cookie)
        .form(&[("csrf", csrf_of(&html))])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), StatusCode::SEE_OTHER);
    let (status, _) = page(&app, &cookie, "/caseload").await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "the old session no longer works"
    );
}

pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("form has a csrf field") + marker.len();
    html[start..start + 64].to_string()
}

async fn person_page_forms_record_and_refuse(backend: Backend) {
    let app = spawn_app(backend).await;
    let (person, referral) = app.person_with_referral("B25 8DS").await;
    let cookie = sign_in(&app).await;
    let (status, html) = page(&app, &cookie, &format!("/people/{}", person["id"])).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Core20"), "deprivation is shown");
    let csrf = csrf_of(&html);

    let post = |path: String, form: Vec<(&'static str, String)>| {
        let (app, cookie) = (&app, cookie.clone());
        async move { post_form(app, &cookie, &path, &form).await }
    };
    let contact = vec![
        ("csrf", csrf.clone()),
        ("mode", "phone".into()),
        ("duration_minutes", "20".into()),
        ("reached", "1".into()),
        ("notes", "Talked about the lunch club".into()),
        ("what_matters", "Seeing people".into()),
        ("follow_up_on", "".into()),
    ];
    let before = app.count("contacts").await;
    let mut forged = contact.clone();
    forged[0].1 = "0".repeat(64);
    let response = post(format!("/referrals/{}/contacts", referral["id"]), forged).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.count("contacts").await,
        before,
        "forged form wrote nothing"
    );

    let response = post(format!("/referrals/{}/contacts", referral["id"]), contact).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("contacts").await, before + 1);

    let measure = vec![
        ("csrf", csrf.clone()),
        ("instrument", "swemwbs".into()),
        ("timing", "baseline".into()),
        ("item1", "3".into()),
        ("item2", "3".into()),
        ("item3", "3".into()),
        ("item4", "3".into()),
        ("item5", "3".into()),
        ("item6", "3".into()),
        ("item7", "3".into()),
    ];
    let response = post(format!("/referrals/{}/measures", referral["id"]), measure).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    // The contact above took the referral on and moved it: its version is read again.
    let (_, read) = app
        .get(&format!("/referrals/{}", referral["id"]), &app.link_worker)
        .await;
    assert_eq!(read["referral"]["state"], "contacting");
    let bad_transition = vec![
        ("csrf", csrf.clone()),
        ("to", "closed".into()),
        ("expected_version", read["referral"]["version"].to_string()),
        ("reason", "".into()),
        ("note", "".into()),
    ];
    let response = post(
        format!("/referrals/{}/transitions", referral["id"]),
        bad_transition,
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("There is a problem") && html.contains("Nothing was saved"),
        "error summary shown"
    );

    let (_, html) = page(&app, &cookie, &format!("/people/{}", person["id"])).await;
    assert!(html.contains("Seeing people"), "what matters is shown");
    assert!(
        html.contains("metric 19.25 (raw 21)"),
        "SWEMWBS score shown converted"
    );
    assert!(
        html.contains("Who has seen or changed this record") && html.contains("Read person"),
        "the person page shows its own audit trail"
    );
}

on_both_databases!(a_referrer_makes_a_referral_on_one_page_and_sees_every_problem_at_once);

async fn a_referrer_makes_a_referral_on_one_page_and_sees_every_problem_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let cookie = sign_in_as(&app, "gp").await;
    let (status, html) = page(&app, &cookie, "/referrals/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("M00001"), "practices to choose from");
    let csrf = csrf_of(&html);
    let post = |form: Vec<(&'static str, String)>| {
        let (app, cookie) = (&app, cookie.clone());
        async move { post_form(app, &cookie, "/referrals/new", &form).await }
    };
    let referrals = app.count("referrals").await;
    let people = app.count("people").await;

    // Nothing filled in: every problem listed at the top, each linking to its field.
    let response = post(vec![("csrf", csrf.clone())]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    for field in [
        "given_name",
        "family_name",
        "dob_day",
        "sex",
        "postcode",
        "address_line1",
        "town",
        "reason",
        "agreed",
        "practice",
    ] {
        assert!(
            html.contains(&format!("href=\"#{field}\"")),
            "{field} in the summary"
        );
        assert!(
            html.contains(&format!("id=\"{field}\"")),
            "{field} is a field to link to"
        );
    }
    assert_eq!(
        (app.count("referrals").await, app.count("people").await),
        (referrals, people)
    );

    let good = vec![
        ("csrf", csrf.clone()),
        ("given_name", "Rosa".to_string()),
        ("family_name", "Parks".to_string()),
        ("nhs_number", "999 000 0034".to_string()),
        ("dob_day", "4".to_string()),
        ("dob_month", "2".to_string()),
        ("dob_year", "1944".to_string()),
        ("sex", "female".to_string()),
        ("ethnicity", "black".to_string()),
        ("postcode", "b25 8ds".to_string()),
        ("phone", "".to_string()),
        ("practice", "M00001".to_string()),
        ("referrer_kind", "gp".to_string()),
        ("reason", "Lonely since her husband died".to_string()),
        ("agreed", "1".to_string()),
        ("address_line1", "14 Acacia Avenue".to_string()),
        ("town", "Birmingham".to_string()),
    ];
    // An unknown postcode is named beside its field, and what was typed is kept.
    let mut unknown = good.clone();
    unknown[9].1 = "ZZ99 9ZZ".into();
    let response = post(unknown).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("href=\"#postcode\""), "{html}");
    assert!(html.contains("value=\"Rosa\""));
    assert_eq!(app.count("referrals").await, referrals);

    let response = post(good).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/caseload?made="), "{location}");
    assert_eq!(
        (app.count("referrals").await, app.count("people").await),
        (referrals + 1, people + 1)
    );
    let (status, html) = page(&app, &cookie, &location).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Referral made for Rosa Parks"), "{html}");
    assert!(
        !html.contains("/people/"),
        "referrers get status, not casework links"
    );

    // The referral went to the team serving the practice: its link worker sees it.
    let worker = sign_in_as(&app, "lw").await;
    let (_, caseload) = page(&app, &worker, "/caseload").await;
    assert!(caseload.contains("Rosa Parks"));

    // The postcode check the form's script uses.
    let (status, found) = page(&app, &cookie, "/postcode-check?postcode=b258ds").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        found.contains("\"found\":true") && found.contains("B25 8DS"),
        "{found}"
    );
    let (_, missing) = page(&app, &cookie, "/postcode-check?postcode=ZZ99%209ZZ").await;
    assert!(missing.contains("\"found\":false"), "{missing}");
}

on_both_databases!(needs_goals_progress_and_a_consented_connection_are_recorded_from_pages);

async fn needs_goals_progress_and_a_consented_connection_are_recorded_from_pages(backend: Backend) {
    let app = spawn_app(backend).await;
    let (person, referral) = app.person_with_referral("B25 8DS").await;
    let rid = referral["id"].as_i64().unwrap();
    let cookie = sign_in(&app).await;
    let (_, html) = page(&app, &cookie, &format!("/people/{}", person["id"])).await;
    let csrf = csrf_of(&html);
    let post = |path: String, form: Vec<(&'static str, String)>| {
        let (app, cookie) = (&app, cookie.clone());
        async move { post_form(app, &cookie, &path, &form).await }
    };
    let ok = |status: StatusCode| assert_eq!(status, StatusCode::SEE_OTHER);
    ok(post(
        format!("/referrals/{rid}/needs"),
        vec![
            ("csrf", csrf.clone()),
            ("need", "loneliness".into()),
            ("notes", "".into()),
        ],
    )
    .await
    .status());
    ok(post(
        format!("/referrals/{rid}/goals"),
        vec![
            ("csrf", csrf.clone()),
            ("description", "Join a walking group".into()),
            ("need", "loneliness".into()),
        ],
    )
    .await
    .status());
    let (_, detail) = app
        .get(&format!("/referrals/{rid}"), &app.link_worker)
        .await;
    let goal = detail["casework"]["goals"][0]["id"].as_i64().unwrap();
    ok(post(
        format!("/goals/{goal}/progress"),
        vec![
            ("csrf", csrf.clone()),
            ("referral", rid.to_string()),
            ("progress", "6".into()),
            ("note", "Went twice".into()),
        ],
    )
    .await
    .status());
    let refused = post(
        format!("/goals/{goal}/progress"),
        vec![
            ("csrf", csrf.clone()),
            ("referral", rid.to_string()),
            ("progress", "11".into()),
            ("note", "".into()),
        ],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // The summary links to the field, and the refused form is open again.
    let html = refused.text().await.unwrap();
    assert!(
        html.contains(&format!("href=\"#progress-{goal}\"")),
        "{html}"
    );
    assert!(html.contains("open>\n  <summary>Update progress"), "{html}");
    let (_, html) = page(&app, &cookie, &format!("/people/{}", person["id"])).await;
    assert!(
        html.contains("Join a walking group") && html.contains("Progress 6 of 10"),
        "{html}"
    );
    assert!(html.contains("value=\"6\""), "the progress meter");

    // The matches page connects with the person's consent, recorded first.
    let (status, matches) = page(&app, &cookie, &format!("/referrals/{rid}/matches")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(matches.contains("Back to Ada Lovelace"), "{matches}");
    let connect = |share: Vec<&'static str>| {
        let mut form = vec![
            ("csrf", csrf.clone()),
            ("service_id", app.service_id.to_string()),
            // Sent from the service's page, as its form says.
            ("from", "service".into()),
            ("service", format!("linkwell-service-{}", app.service_id)),
            ("method", "verbal".into()),
            ("notes", "".into()),
        ];
        form.extend(share.into_iter().map(|s| ("share", s.to_string())));
        post(format!("/referrals/{rid}/connections"), form)
    };
    let (consents, connections) = (app.count("consents").await, app.count("connections").await);
    let nothing_shared = connect(vec![]).await;
    assert_eq!(nothing_shared.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // The user stays on the connect page, at that service's form, with what they chose.
    let html = nothing_shared.text().await.unwrap();
    assert!(
        html.contains("<title>Error: Walking group")
            && html.contains("There is a problem")
            && html.contains(&format!("href=\"#share-{}-name\"", app.service_id))
            && html.contains(&format!("id=\"connect-{}\" open", app.service_id))
            && html.contains(&format!(
                "id=\"method-{}-verbal\" name=\"method\" value=\"verbal\" checked",
                app.service_id
            )),
        "{html}"
    );
    assert_eq!(
        (app.count("consents").await, app.count("connections").await),
        (consents, connections)
    );
    ok(connect(vec!["name", "needs"]).await.status());
    assert_eq!(
        (app.count("consents").await, app.count("connections").await),
        (consents + 1, connections + 1)
    );
    let (_, inbox) = app.get("/vcse/connections", &app.vcse).await;
    assert_eq!(inbox[0]["person"]["name"], "Ada Lovelace", "{inbox}");
}

on_both_databases!(a_persons_plan_prints_what_matters_goals_and_services_in_plain_words);

async fn a_persons_plan_prints_what_matters_goals_and_services_in_plain_words(backend: Backend) {
    let app = spawn_app(backend).await;
    let (person, referral) = app.person_with_referral("B25 8DS").await;
    let rid = referral["id"].as_i64().unwrap();
    // A follow-up within the two years ahead a follow-up may be set.
    let follow_up = chrono::Utc::now().date_naive() + chrono::Duration::days(40);
    let (s, _) = app.post(&format!("/referrals/{rid}/contacts"), &app.link_worker, serde_json::json!({"mode": "phone", "duration_minutes": 10, "what_matters": "My allotment", "follow_up_on": follow_up})).await;
    assert_eq!(s, StatusCode::CREATED);
    app.post(
        &format!("/referrals/{rid}/goals"),
        &app.link_worker,
        serde_json::json!({"description": "Grow vegetables again"}),
    )
    .await;
    for (timing, answers) in [
        ("baseline", [2, 2, 2, 2, 2, 2, 2]),
        ("follow_up", [4, 4, 4, 4, 4, 4, 4]),
    ] {
        app.post(
            &format!("/referrals/{rid}/measures"),
            &app.link_worker,
            serde_json::json!({"instrument": "swemwbs", "timing": timing, "answers": answers}),
        )
        .await;
    }
    let follow_up_text = follow_up.format("%A %-d %B %Y").to_string();
    let cookie = sign_in(&app).await;
    let (status, html) = page(&app, &cookie, &format!("/people/{}/plan", person["id"])).await;
    assert_eq!(status, StatusCode::OK);
    for expected in [
        "Ada's plan",
        "My allotment",
        "Grow vegetables again",
        follow_up_text.as_str(),
    ] {
        assert!(html.contains(expected), "{expected} in {html}");
    }
    // The person page charts the SWEMWBS change: raw 14 is 15.32, raw 28 is 25.03 (published conversion table).
    let (_, html) = page(&app, &cookie, &format!("/people/{}", person["id"])).await;
    assert!(
        html.contains("15.32 on") && html.contains("25.03 on"),
        "{html}"
    );
    assert!(html.contains("a change of +9.71"), "{html}");
    // Referrers never see a plan.
    let gp = sign_in_as(&app, "gp").await;
    let (status, _) = page(&app, &gp, &format!("/people/{}/plan", person["id"])).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

on_both_databases!(the_day_summary_counts_what_needs_attention_and_team_leads_give_out_referrals);

async fn the_day_summary_counts_what_needs_attention_and_team_leads_give_out_referrals(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let (_, due) = app.person_with_referral("B25 8DS").await;
    let (_, late) = app.person_with_referral("B25 8DS").await;
    let (waiting, unassigned) = app.person_with_referral("B25 8DS").await;
    let today = chrono::Utc::now().date_naive();
    for (referral, day) in [(&due, today.to_string()), (&late, "2020-01-06".to_string())] {
        app.execute(&format!(
            "UPDATE referrals SET next_follow_up_on = '{day}', link_worker_id = {} WHERE id = {}",
            app.link_worker_id, referral["id"]
        ))
        .await;
    }
    let worker = sign_in(&app).await;
    let (_, html) = page(&app, &worker, "/caseload").await;
    let count = |html: &str, words: &str| -> String {
        let end = html
            .find(words)
            .unwrap_or_else(|| panic!("{words} in {html}"));
        let start = html[..end].rfind("<strong>").unwrap() + "<strong>".len();
        html[start..end].trim_end_matches("</strong> ").to_string()
    };
    assert_eq!(count(&html, "follow-up due today"), "1");
    assert_eq!(count(&html, "overdue follow-up"), "1");
    assert_eq!(count(&html, "new referral not yet assigned"), "1");
    let (_, listed) = page(&app, &worker, "/caseload?due=today&mine=1").await;
    assert!(listed.contains(&format!("#referral-{}", due["id"])));
    assert!(!listed.contains(&format!("#referral-{}", late["id"])));
    let (_, listed) = page(&app, &worker, "/caseload?unassigned=1").await;
    assert!(listed.contains(&format!("#referral-{}", unassigned["id"])));
    assert!(!listed.contains(&format!("#referral-{}", due["id"])));
    let (status, _) = page(&app, &worker, "/team").await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the team page is for team leads"
    );

    app.store
        .set_password("lead", LINK_WORKER_PASSWORD)
        .await
        .unwrap();
    let lead = sign_in_as(&app, "lead").await;
    let (status, html) = page(&app, &lead, "/team").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!(
            "/people/{}#referral-{}",
            waiting["id"], unassigned["id"]
        )),
        "{html}"
    );
    let response = post_form(
        &app,
        &lead,
        &format!("/referrals/{}/assignment", unassigned["id"]),
        &[
            ("csrf", csrf_of(&html)),
            ("link_worker_id", app.link_worker_id.to_string()),
            ("expected_version", unassigned["version"].to_string()),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, detail) = app
        .get(
            &format!("/referrals/{}", unassigned["id"]),
            &app.link_worker,
        )
        .await;
    assert_eq!(detail["referral"]["link_worker_id"], app.link_worker_id);
    let (_, html) = page(&app, &worker, "/caseload").await;
    assert_eq!(count(&html, "new referrals not yet assigned"), "0");
}

on_both_databases!(administrators_land_on_accounts_and_teams_and_nobody_else_sees_them);

async fn administrators_land_on_accounts_and_teams_and_nobody_else_sees_them(backend: Backend) {
    let app = spawn_app(backend).await;
    app.store
        .set_password("admin", LINK_WORKER_PASSWORD)
        .await
        .unwrap();
    let admin = sign_in_as(&app, "admin").await;
    let home = app
        .client
        .get(format!("{}/", app.address))
        .header("cookie", &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(home.headers()["location"], "/admin");
    let (status, html) = page(&app, &admin, "/admin").await;
    assert_eq!(status, StatusCode::OK);
    for expected in ["Team B", "lw-b", "Link worker", "Parks Trust"] {
        assert!(html.contains(expected), "{expected} in {html}");
    }
    let worker = sign_in(&app).await;
    let (status, _) = page(&app, &worker, "/admin").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

on_both_databases!(a_volunteer_sees_only_their_visits_and_records_that_each_happened);

async fn a_volunteer_sees_only_their_visits_and_records_that_each_happened(backend: Backend) {
    let app = spawn_app(backend).await;
    let (person, referral) = app.person_with_referral("B25 8DS").await;
    let rid = referral["id"].as_i64().unwrap();
    let worker = sign_in(&app).await;
    let (_, html) = page(&app, &worker, &format!("/people/{}", person["id"])).await;
    assert!(html.contains("Arrange a volunteer visit"), "{html}");
    let csrf = csrf_of(&html);
    let volunteer_id = app.store.user_id("volunteer").await.unwrap().unwrap();
    let arrange = |day: String| {
        let form = [
            ("csrf", csrf.clone()),
            ("volunteer_id", volunteer_id.to_string()),
            ("activity", "Walk to the lunch club".into()),
            ("visit_on", day),
        ];
        let (app, worker) = (&app, worker.clone());
        async move { post_form(app, &worker, &format!("/referrals/{rid}/visits"), &form).await }
    };
    let today = chrono::Utc::now().date_naive();
    assert_eq!(
        arrange((today - chrono::Duration::days(1)).to_string())
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Nor years ahead (issue 12 item 10): at most two years.
    assert_eq!(
        arrange("9999-12-31".into()).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        arrange(today.to_string()).await.status(),
        StatusCode::SEE_OTHER
    );

    app.store
        .set_password("volunteer", LINK_WORKER_PASSWORD)
        .await
        .unwrap();
    let volunteer = sign_in_as(&app, "volunteer").await;
    let (status, html) = page(&app, &volunteer, "/visits").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Ada Lovelace")
            && html.contains("Walk to the lunch club")
            && html.contains("(today)"),
        "{html}"
    );
    for private in ["Lonely since moving", "B25 8DS", "1950"] {
        assert!(!html.contains(private), "{private} is not for volunteers");
    }
    let visit = {
        let start = html.find("/visits/").unwrap() + "/visits/".len();
        html[start..].split('/').next().unwrap().to_string()
    };
    let done = |csrf: String| {
        let (app, volunteer, path) = (&app, volunteer.clone(), format!("/visits/{visit}/done"));
        async move {
            post_form(
                app,
                &volunteer,
                &path,
                &[("csrf", csrf), ("note", "Enjoyed it".into())],
            )
            .await
        }
    };
    assert_eq!(done(csrf_of(&html)).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        done(csrf_of(&html)).await.status(),
        StatusCode::CONFLICT,
        "recorded once"
    );
    let (_, html) = page(&app, &worker, &format!("/people/{}", person["id"])).await;
    assert!(
        html.contains("Walk to the lunch club with volunteer") && html.contains("Enjoyed it"),
        "{html}"
    );
    let (status, _) = page(&app, &worker, "/visits").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

on_both_databases!(a_refused_form_comes_back_with_what_was_typed);

async fn a_refused_form_comes_back_with_what_was_typed(backend: Backend) {
    let app = spawn_app(backend).await;
    let (person, referral) = app.person_with_referral("B25 8DS").await;
    let rid = referral["id"].as_i64().unwrap();
    let cookie = sign_in(&app).await;
    let (_, html) = page(&app, &cookie, &format!("/people/{}", person["id"])).await;
    let csrf = csrf_of(&html);
    let contacts = app.count("contacts").await;
    let refused = post_form(
        &app,
        &cookie,
        &format!("/referrals/{rid}/contacts"),
        &[
            ("csrf", csrf.clone()),
            ("mode", "home_visit".into()),
            ("duration_minutes", "half an hour".into()),
            ("notes", "Long chat about the garden".into()),
            ("what_matters", "Seeing my grandson".into()),
            ("follow_up_on", "".into()),
        ],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("contacts").await, contacts);
    let html = refused.text().await.unwrap();
    assert!(
        html.contains(&format!("href=\"#duration-{rid}\"")),
        "{html}"
    );
    for kept in [
        "value=\"half an hour\"",
        ">Seeing my grandson</textarea>",
        ">Long chat about the garden</textarea>",
        "<option value=\"home_visit\" selected>",
    ] {
        assert!(html.contains(kept), "{kept} kept in {html}");
    }
    assert!(
        !html.contains(&format!(
            "id=\"reached-{rid}\" name=\"reached\" type=\"checkbox\" value=\"1\" checked"
        )),
        "an unticked box stays unticked"
    );

    // A questionnaire with a bad answer keeps the answers given.
    let refused = post_form(
        &app,
        &cookie,
        &format!("/referrals/{rid}/measures"),
        &[
            ("csrf", csrf),
            ("instrument", "ucla3".into()),
            ("timing", "baseline".into()),
            ("item1", "2".into()),
            ("item2", "7".into()),
            ("item3", "3".into()),
        ],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    let ucla = &html[html.find("Record UCLA").unwrap()..];
    let ucla = &ucla[..ucla.find("</form>").unwrap()];
    assert!(ucla.contains("<option value=\"3\" selected>"), "{ucla}");
    assert!(
        ucla.contains("<option value=\"baseline\" selected>"),
        "{ucla}"
    );
}
