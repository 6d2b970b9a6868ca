//! Every form on every page, posted with each field missing and with each field garbled
//! (issue 15, item 7): the answer is always a page (never the framework's plain text, never
//! a 5xx); a missing or wrong answer a person gives brings back the page's error summary,
//! "Error: " in the title and what was typed. The forms are found in the page router's own
//! source (`src/web/routes.rs`), so a new form without an entry here fails this test.

use crate::helpers::{spawn_app_with, Backend, TestApp, LINK_WORKER_PASSWORD};
use crate::on_both_databases;
use crate::pages::{csrf_of, fetch_form, page, sign_in_as};
use reqwest::StatusCode;
use serde_json::json;

on_both_databases!(every_form_answers_a_missing_or_garbled_field_with_its_page,);

/// What a field is, for what its absence must bring.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    /// An answer the person must give: missing, the form is refused with the error summary
    /// and everything else typed is kept.
    Required,
    /// May be left out: missing, the form may be saved; refused, it is a page.
    Optional,
    /// Put there by the page, not typed (the CSRF token, a version, where to come back to):
    /// missing, the form is refused with a page saying so.
    Hidden,
}
use Kind::*;

/// Who posts a form: a signed-in user (their session cookie), or someone not signed in
/// whose form carries a token bound to a cookie from the page it came from.
#[derive(Clone)]
enum Poster {
    Session(String),
    Anonymous { page: String },
}

struct Form {
    route: &'static str,
    path: String,
    poster: Poster,
    fields: Vec<(&'static str, String, Kind)>,
    /// A typed answer that must come back on a refused page (when it is not the one left out).
    marker: Option<&'static str>,
    /// Text of the form's own page: a refused answer the person gives must bring back that
    /// page (with the field marked invalid), not an error page.
    page: Option<&'static str>,
}

const MARK: &str = "Words typed here come back";

/// The POST routes of the page router, read from its source.
fn post_routes() -> Vec<String> {
    let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/web/routes.rs"))
        .expect("the page router's source");
    source
        .split(".route(")
        .skip(1)
        .filter(|chunk| chunk.contains("post("))
        .map(|chunk| {
            let start = chunk.find('"').unwrap() + 1;
            let end = start + chunk[start..].find('"').unwrap();
            chunk[start..end].to_string()
        })
        .collect()
}

fn form(
    route: &'static str,
    path: String,
    poster: &Poster,
    fields: &[(&'static str, &str, Kind)],
    marker: Option<&'static str>,
) -> Form {
    Form {
        route,
        path,
        poster: poster.clone(),
        fields: fields
            .iter()
            .map(|(n, v, k)| (*n, v.to_string(), *k))
            .collect(),
        marker,
        page: None,
    }
}

async fn set_password(app: &TestApp, username: &str) -> String {
    app.store
        .set_password(username, LINK_WORKER_PASSWORD)
        .await
        .unwrap();
    sign_in_as(app, username).await
}

/// The first number after `marker` in `html`.
fn number_after(html: &str, marker: &str) -> String {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in page"))
        + marker.len();
    html[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect()
}

async fn every_form_answers_a_missing_or_garbled_field_with_its_page(backend: Backend) {
    // Enough self-referrals from one address for every variation of the form.
    let app = spawn_app_with(backend, |s| s.self_referral_limits.per_address = 1_000).await;
    let (person, referral) = app.person_with_referral("B25 8DS").await;
    let r = referral["id"].as_i64().unwrap();
    let p = person["id"].as_i64().unwrap();
    // A referral nobody holds, for "Give to" on the team page (it stays listed there: the
    // form's version is stale, so no post moves it).
    let (_, waiting) = app.person_with_referral("B25 8DS").await;
    let waiting = waiting["id"].as_i64().unwrap();
    let worker = Poster::Session(sign_in_as(&app, "lw").await);
    let lw = sign_in_as(&app, "lw").await;
    let gp = Poster::Session(sign_in_as(&app, "gp").await);
    let vcse = Poster::Session(sign_in_as(&app, "vcse").await);
    let admin_cookie = set_password(&app, "admin").await;
    let admin = Poster::Session(admin_cookie.clone());
    let lead = Poster::Session(set_password(&app, "lead").await);
    let volunteer_cookie = set_password(&app, "volunteer").await;
    let volunteer = Poster::Session(volunteer_cookie.clone());
    let sign_out = Poster::Session(sign_in_as(&app, "lw").await);

    // A programme whose costs the administrators' form records.
    let (s, programme) = app
        .post(
            "/programmes",
            &app.admin,
            json!({"name": "Forms programme", "model": "hub", "team_ids": [1]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{programme}");
    let programme = programme["id"].as_i64().unwrap();

    // Casework to point at: a goal, a connection under consent, a visit, a password link.
    let (s, goal) = app
        .post(
            &format!("/referrals/{r}/goals"),
            &app.link_worker,
            json!({"description": "Walk to the shops"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{goal}");
    let consent = app.consent_to_share(&json!(r), &app.link_worker).await;
    let (s, connection) = app
        .post(
            &format!("/referrals/{r}/connections"),
            &app.link_worker,
            json!({"service_id": app.service_id, "consent_id": consent["id"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{connection}");
    let (_, html) = page(&app, &lw, &format!("/people/{p}")).await;
    let volunteer_id = number_after(
        &html,
        &format!("<select id=\"volunteer-{r}\" name=\"volunteer_id\"><option value=\""),
    );
    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Duration::days(1)).to_string();
    let arranged = crate::pages::post_form(
        &app,
        &lw,
        &format!("/referrals/{r}/visits"),
        &[
            ("csrf", csrf_of(&html)),
            ("volunteer_id", volunteer_id.clone()),
            ("activity", "Walk to the library".into()),
            ("visit_on", tomorrow.clone()),
        ],
    )
    .await;
    assert_eq!(arranged.status(), StatusCode::SEE_OTHER);
    let (_, visits) = page(&app, &volunteer_cookie, "/visits").await;
    let visit = number_after(&visits, "action=\"/visits/");
    let (_, admin_page) = page(&app, &admin_cookie, "/admin").await;
    let invited = crate::pages::post_form(
        &app,
        &admin_cookie,
        "/admin/invitations",
        &[
            ("csrf", csrf_of(&admin_page)),
            ("username", "newcomer".into()),
            ("display_name", "New Comer".into()),
            ("role", "referrer".into()),
        ],
    )
    .await;
    let html = invited.text().await.unwrap();
    let start = html.find("/password-links/").expect("a password link");
    let secret_path: String = html[start..].chars().take_while(|c| *c != '<').collect();
    let version = referral["version"].as_i64().unwrap_or(1).to_string();
    let (g, c, k) = (
        goal["id"].clone(),
        connection["id"].clone(),
        consent["id"].clone(),
    );
    let account = app.link_worker_id;
    let hsds = format!("linkwell-service-{}", app.service_id);
    let service = app.service_id.to_string();

    let mut forms = vec![
        form(
            "/referrals/new",
            "/referrals/new".into(),
            &gp,
            &[
                ("given_name", "Rosa", Required),
                ("family_name", "Parks", Required),
                ("nhs_number", "", Optional),
                ("dob_day", "4", Required),
                ("dob_month", "2", Required),
                ("dob_year", "1950", Required),
                ("sex", "female", Required),
                ("ethnicity", "", Optional),
                ("postcode", "B25 8DS", Required),
                ("phone", "", Optional),
                ("practice", "M00001", Optional),
                ("referrer_kind", "gp", Required),
                ("reason", MARK, Required),
                ("agreed", "1", Required),
                ("address_line1", "14 Acacia Avenue", Optional),
                ("town", "Birmingham", Optional),
            ],
            Some("reason"),
        ),
        form(
            "/referrals/{id}/contacts",
            format!("/referrals/{r}/contacts"),
            &worker,
            &[
                ("mode", "phone", Required),
                ("duration_minutes", "20", Required),
                ("reached", "1", Optional),
                ("notes", MARK, Optional),
                ("what_matters", "", Optional),
                ("follow_up_on", "", Optional),
            ],
            Some("notes"),
        ),
        form(
            "/referrals/{id}/measures",
            format!("/referrals/{r}/measures"),
            &worker,
            &[
                ("instrument", "ons4", Required),
                ("timing", "baseline", Required),
                ("item1", "7", Optional),
                ("item2", "7", Optional),
                ("item3", "7", Optional),
                ("item4", "3", Optional),
            ],
            None,
        ),
        form(
            "/referrals/{id}/needs",
            format!("/referrals/{r}/needs"),
            &worker,
            &[("need", "loneliness", Required), ("notes", MARK, Optional)],
            Some("notes"),
        ),
        form(
            "/referrals/{id}/goals",
            format!("/referrals/{r}/goals"),
            &worker,
            &[("description", MARK, Required), ("need", "", Optional)],
            None,
        ),
        form(
            "/goals/{id}/progress",
            format!("/goals/{g}/progress"),
            &worker,
            &[
                ("referral", &r.to_string(), Hidden),
                ("progress", "5", Required),
                ("note", MARK, Optional),
            ],
            Some("note"),
        ),
        form(
            "/referrals/{id}/visits",
            format!("/referrals/{r}/visits"),
            &worker,
            &[
                ("volunteer_id", &volunteer_id, Required),
                ("activity", MARK, Required),
                ("visit_on", &tomorrow, Required),
            ],
            Some("activity"),
        ),
        form(
            "/referrals/{id}/connections",
            format!("/referrals/{r}/connections"),
            &worker,
            &[
                ("service_id", &service, Hidden),
                ("from", "service", Optional),
                ("service", &hsds, Optional),
                ("consent_id", "", Optional),
                ("share", "name", Required),
                ("method", "verbal", Required),
                ("accompanied", "1", Optional),
                ("notes", MARK, Optional),
            ],
            Some("notes"),
        ),
        form(
            "/consents/{id}/confirmation",
            format!("/consents/{k}/confirmation"),
            &worker,
            &[],
            None,
        ),
        form(
            "/connections/{id}/messages",
            format!("/connections/{c}/messages"),
            &worker,
            &[("body", MARK, Required)],
            None,
        ),
        form(
            "/vcse/connections/{id}/status",
            format!("/vcse/connections/{c}/status"),
            &vcse,
            &[
                ("status", "rejected", Required),
                ("reason", "no_capacity", Optional),
                ("show", "needs_answer", Optional),
                ("page", "1", Optional),
                ("note", MARK, Optional),
            ],
            Some("note"),
        ),
        form(
            "/directory/services/{id}/changes",
            format!("/directory/services/{hsds}/changes"),
            &vcse,
            &[
                ("available", "3", Optional),
                ("maximum", "12", Optional),
                ("confirm_correct", "1", Optional),
            ],
            None,
        ),
        form(
            "/visits/{id}/done",
            format!("/visits/{visit}/done"),
            &volunteer,
            &[("note", "", Optional)],
            None,
        ),
        form(
            "/referrals/{id}/transitions",
            format!("/referrals/{r}/transitions"),
            &worker,
            &[
                ("to", "declined", Required),
                ("expected_version", &version, Hidden),
                ("reason", "", Optional),
                ("note", MARK, Optional),
            ],
            Some("note"),
        ),
        // The team's forms choose from lists: a refused choice brings back the team page
        // with its error summary and the select marked invalid.
        Form {
            page: Some("<h1>Your team</h1>"),
            ..form(
                "/referrals/{id}/assignment",
                format!("/referrals/{waiting}/assignment"),
                &lead,
                &[
                    ("link_worker_id", &account.to_string(), Required),
                    ("expected_version", "999", Hidden),
                    ("back", "team", Hidden),
                ],
                None,
            )
        },
        Form {
            page: Some("<h1>Your team</h1>"),
            ..form(
                "/team/handover",
                "/team/handover".into(),
                &lead,
                &[
                    ("from", &account.to_string(), Required),
                    ("to", &account.to_string(), Required),
                ],
                None,
            )
        },
        form(
            "/people/{id}/record",
            format!("/people/{p}/record"),
            &worker,
            &[
                ("address_line1", "1 High Street", Optional),
                ("address_line2", "", Optional),
                ("town", "Birmingham", Optional),
                ("preferred_name", MARK, Optional),
                ("gender_identity", "", Optional),
                ("preferred_language", "", Optional),
                ("interpreter_needed", "", Optional),
                ("communication_needs", "", Optional),
                ("written_format", "", Optional),
                ("preferred_contact_method", "", Optional),
                ("preferred_contact_times", "", Optional),
            ],
            None,
        ),
        form(
            "/account/password",
            "/account/password".into(),
            &worker,
            &[
                ("current_password", LINK_WORKER_PASSWORD, Required),
                ("new_password", "another long password 7", Required),
                ("confirm_password", "another long password 8", Required),
            ],
            None,
        ),
        form(
            "/admin/invitations",
            "/admin/invitations".into(),
            &admin,
            &[
                ("username", "lw", Required),
                ("display_name", MARK, Required),
                ("role", "referrer", Required),
                ("team_id", "", Optional),
                ("organisation", "", Optional),
            ],
            Some("display_name"),
        ),
        form(
            "/password-links/{secret}",
            secret_path.clone(),
            &Poster::Anonymous {
                page: secret_path.clone(),
            },
            &[
                ("new_password", "a fresh long password 1", Required),
                ("confirm_password", "a fresh long password 2", Required),
            ],
            None,
        ),
        form(
            "/self-referral",
            "/self-referral".into(),
            &Poster::Anonymous {
                page: "/self-referral".into(),
            },
            &[
                ("given_name", "Grace", Required),
                ("family_name", "Hopper", Required),
                ("dob_day", "9", Required),
                ("dob_month", "12", Required),
                ("dob_year", "1956", Required),
                ("phone", "07700 900123", Optional),
                ("call_time", "morning", Optional),
                ("postcode", "B25 8DS", Required),
                ("address_line1", "14 Acacia Avenue", Required),
                ("town", "Birmingham", Required),
                ("preferred_language", "pl", Optional),
                ("preferred_contact_method", "sms", Optional),
                ("needs", "loneliness", Optional),
                ("in_their_words", MARK, Optional),
                ("consent", "1", Required),
            ],
            Some("in_their_words"),
        ),
        // The diary, concerns, volunteers' answers and programmes (merged from other
        // branches): checked that every refusal is a page, never plain text or a 5xx.
        form(
            "/referrals/{id}/appointments",
            format!("/referrals/{r}/appointments"),
            &worker,
            &[
                ("with_user_id", "", Optional),
                ("day", "1", Optional),
                ("month", "1", Optional),
                ("year", "2099", Optional),
                ("time", "10:00", Optional),
                ("duration_minutes", "30", Optional),
                ("mode", "phone", Optional),
                ("place", MARK, Optional),
                ("what_to_bring", "", Optional),
            ],
            None,
        ),
        form(
            "/appointments/{id}/cancel",
            "/appointments/999999/cancel".into(),
            &worker,
            &[],
            None,
        ),
        form(
            "/referrals/{id}/concerns",
            format!("/referrals/{r}/concerns"),
            &worker,
            &[
                ("kind", "other", Optional),
                ("description", MARK, Optional),
                ("action_taken", "", Optional),
                ("referred_to_lead_on", "", Optional),
            ],
            None,
        ),
        form(
            "/referrals/{id}/service-use",
            format!("/referrals/{r}/service-use"),
            &worker,
            &[
                ("window", "before", Required),
                ("gp_consultations", "3", Optional),
                ("ae_attendances", "", Optional),
            ],
            None,
        ),
        form(
            "/visits/{id}/not-happened",
            format!("/visits/{visit}/not-happened"),
            &volunteer,
            &[("reason", "She was not in", Required)],
            None,
        ),
        form(
            "/visits/{id}/worry",
            format!("/visits/{visit}/worry"),
            &volunteer,
            &[("worry", "She seemed confused", Optional)],
            None,
        ),
        form(
            "/account/calendar",
            "/account/calendar".into(),
            &worker,
            &[],
            None,
        ),
        form(
            "/account/calendar/stop",
            "/account/calendar/stop".into(),
            &worker,
            &[],
            None,
        ),
        form(
            "/admin/programmes",
            "/admin/programmes".into(),
            &admin,
            &[
                ("name", "", Optional),
                ("model", "", Optional),
                ("description", "", Optional),
                ("min_age", "", Optional),
                ("notes", "", Optional),
                ("pathway", "", Optional),
            ],
            None,
        ),
        form(
            "/admin/programmes/{id}",
            "/admin/programmes/999999".into(),
            &admin,
            &[("name", "", Optional)],
            None,
        ),
        form(
            "/admin/programmes/{id}/costs",
            format!("/admin/programmes/{programme}/costs"),
            &admin,
            &[
                ("month", "2026-09", Required),
                ("staff_pence", "1250.50", Required),
                ("grants_pence", "0", Required),
                ("other_pence", "0", Required),
                ("note", MARK, Optional),
            ],
            Some("note"),
        ),
        // Sending a dead letter again: none is dead here, so a complete form is a 404 page;
        // without the message and practice, or the confirmation, the error summary.
        form(
            "/admin/outbox/requeue",
            "/admin/outbox/requeue".into(),
            &admin,
            &[
                ("message", "999999", Optional),
                ("confirm", "yes", Optional),
            ],
            None,
        ),
        form("/sign-out", "/sign-out".into(), &sign_out, &[], None),
        form(
            "/sign-in",
            "/sign-in".into(),
            &Poster::Anonymous {
                page: "/sign-in".into(),
            },
            &[
                ("username", "analyst", Required),
                ("password", "wrong", Required),
            ],
            None,
        ),
    ];
    for action in [
        "disable",
        "enable",
        "unlock",
        "sessions/end",
        "tokens/revoke",
        "password-reset",
    ] {
        let route = match action {
            "disable" => "/admin/accounts/{id}/disable",
            "enable" => "/admin/accounts/{id}/enable",
            "unlock" => "/admin/accounts/{id}/unlock",
            "sessions/end" => "/admin/accounts/{id}/sessions/end",
            "tokens/revoke" => "/admin/accounts/{id}/tokens/revoke",
            _ => "/admin/accounts/{id}/password-reset",
        };
        forms.push(form(
            route,
            format!("/admin/accounts/{account}/{action}"),
            &admin,
            &[],
            None,
        ));
    }

    // Every form the router takes has its entry: a new one cannot escape this test.
    let mut routed = post_routes();
    routed.sort();
    let mut listed: Vec<String> = forms.iter().map(|f| f.route.to_string()).collect();
    listed.sort();
    listed.dedup();
    assert_eq!(
        routed, listed,
        "every POST route of the page router is listed"
    );

    let mut posts = 0;
    for f in &forms {
        // The token is a field like any other: without it the form is refused with a page.
        let mut fields: Vec<(&str, String, Kind)> = vec![("csrf", String::new(), Hidden)];
        fields.extend(f.fields.iter().cloned());
        for (left_out, _, kind) in &fields {
            for garbled in [false, true] {
                let (cookie, token) = poster_token(&app, &f.poster).await;
                let mut body: Vec<(&str, String)> = Vec::new();
                for (name, value, _) in &fields {
                    let value = if *name == "csrf" {
                        token.clone()
                    } else {
                        value.clone()
                    };
                    if name == left_out {
                        if garbled {
                            // Sent twice, the first time as nonsense: the first counts.
                            body.push((name, "\u{FFFD}%%<b>nonsense</b>".into()));
                            body.push((name, value));
                        }
                        continue;
                    }
                    body.push((name, value));
                }
                let response = app
                    .client
                    .post(format!("{}{}", app.address, f.path))
                    .header("cookie", &cookie)
                    .form(&body)
                    .send()
                    .await
                    .unwrap();
                posts += 1;
                let what = format!(
                    "{} with {left_out} {}",
                    f.route,
                    if garbled { "garbled" } else { "missing" }
                );
                check_answer(response, &what, *kind, garbled, f, left_out).await;
            }
        }
        // A body that is not a form at all (JSON, no form content type) is a page too.
        let (cookie, _) = poster_token(&app, &f.poster).await;
        let response = app
            .client
            .post(format!("{}{}", app.address, f.path))
            .header("cookie", &cookie)
            .header("content-type", "application/json")
            .body("{\"status\": \"accepted\"}")
            .send()
            .await
            .unwrap();
        let what = format!("{} sent as JSON", f.route);
        check_answer(response, &what, Hidden, false, f, "csrf").await;
    }
    assert!(posts > 150, "{posts} posts");
}

/// The cookie to send and the token the form carries.
async fn poster_token(app: &TestApp, poster: &Poster) -> (String, String) {
    match poster {
        Poster::Session(cookie) => {
            let (_, html) = page(app, cookie, "/account/password").await;
            (cookie.clone(), csrf_of(&html))
        }
        Poster::Anonymous { page } => {
            let (_, cookie, html) =
                fetch_form(&app.client, &format!("{}{page}", app.address)).await;
            (cookie, csrf_of(&html))
        }
    }
}

async fn check_answer(
    response: reqwest::Response,
    what: &str,
    kind: Kind,
    garbled: bool,
    form: &Form,
    left_out: &str,
) {
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let no_store = response
        .headers()
        .get("cache-control")
        .is_some_and(|v| v.to_str().unwrap().contains("no-store"));
    let html = response.text().await.unwrap();
    assert!(!status.is_server_error(), "{what}: {status} {html}");
    if status.is_redirection() || status.is_success() {
        // Saved: allowed only where the answer may be left out, or was garbled into one of
        // its repeats (a free-text answer takes the nonsense as typed).
        assert!(kind != Hidden, "{what}: saved without {left_out}");
        assert!(
            kind == Optional || garbled,
            "{what}: saved without {left_out}"
        );
        return;
    }
    assert!(status.is_client_error(), "{what}: {status}");
    assert!(
        content_type.starts_with("text/html"),
        "{what}: {content_type} {html}"
    );
    assert!(no_store, "{what}: a refused page is not cached");
    let title_start = html.find("<title>").expect("a title") + "<title>".len();
    assert!(
        html[title_start..].starts_with("Error: "),
        "{what}: title {}",
        &html[title_start..title_start + 60]
    );
    if kind == Required && !garbled {
        assert!(
            status == StatusCode::UNPROCESSABLE_ENTITY
                || status == StatusCode::UNAUTHORIZED
                || status == StatusCode::CONFLICT
                || status == StatusCode::TOO_MANY_REQUESTS,
            "{what}: {status}"
        );
        assert!(
            html.contains("class=\"error-summary\""),
            "{what}: the error summary in {html}"
        );
        if let Some(own_page) = form.page {
            assert!(
                html.contains(own_page),
                "{what}: the form's own page in {html}"
            );
            assert!(
                html.contains("aria-invalid=\"true\""),
                "{what}: the field marked invalid"
            );
        }
        if let Some(marker) = form.marker.filter(|m| *m != left_out) {
            assert!(
                html.contains(MARK),
                "{what}: what was typed in {marker} is kept"
            );
        }
    }
}
