//! Issue 12, item 7: the account lifecycle. Tokens expire and are listed and revoked;
//! administrators invite by one-time link, disable, enable, unlock, end sessions and revoke
//! tokens; users choose and change their own passwords under one policy; all audited.

use crate::helpers::{spawn_app, Backend, TestApp, LINK_WORKER_PASSWORD};
use crate::on_both_databases;
use crate::pages::{csrf_of, page, post_form, sign_in_as};
use reqwest::StatusCode;
use serde_json::json;

on_both_databases!(
    api_tokens_carry_a_label_and_an_expiry_and_are_listed_and_revoked,
    disabling_an_account_ends_its_sessions_and_tokens_at_once,
    an_invitation_link_lets_the_user_choose_their_own_password_once,
    users_change_their_own_password_and_their_other_sessions_end,
    an_administrator_unlocks_a_throttled_account_ends_sessions_and_revokes_tokens,
    account_administration_asks_the_policy_before_it_looks_for_the_account,
);

/// How many audit records of this kind (e.g. `account.disabled`) there are.
async fn audited(app: &TestApp, record_type: &str) -> usize {
    app.store
        .audit_records(0, 100_000)
        .await
        .unwrap()
        .iter()
        .filter(|r| r.record_type == record_type)
        .count()
}

async fn me(app: &TestApp, token: &str) -> StatusCode {
    app.get("/me", token).await.0
}

async fn api_tokens_carry_a_label_and_an_expiry_and_are_listed_and_revoked(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, issued) = app
        .post(
            "/me/tokens",
            &app.link_worker,
            json!({"label": "nightly export", "expires_in_days": 30}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    let token = issued["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("lw_"));
    assert_eq!(me(&app, &token).await, StatusCode::OK);
    let expires: chrono::DateTime<chrono::Utc> =
        issued["expires_at"].as_str().unwrap().parse().unwrap();
    let days = (expires - chrono::Utc::now()).num_hours() as f64 / 24.0;
    assert!((29.9..=30.0).contains(&days), "{days}");
    // A token cannot outlive the token that issued it, so a stolen one cannot renew itself.
    let (status, child) = app
        .post(
            "/me/tokens",
            &token,
            json!({"label": "renewal", "expires_in_days": 366}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{child}");
    let child_expires: chrono::DateTime<chrono::Utc> =
        child["expires_at"].as_str().unwrap().parse().unwrap();
    assert!(child_expires <= expires, "{child_expires} after {expires}");
    let child_id = child["id"].as_i64().unwrap();
    let (status, _) = app
        .post(
            &format!("/me/tokens/{child_id}/revocation"),
            &app.link_worker,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // The default is 90 days; outside 1..=366 is refused and nothing is issued.
    let (_, default) = app
        .post("/me/tokens", &app.link_worker, json!({"label": "laptop"}))
        .await;
    let expires: chrono::DateTime<chrono::Utc> =
        default["expires_at"].as_str().unwrap().parse().unwrap();
    assert_eq!((expires - chrono::Utc::now()).num_days(), 89);
    for bad in [
        json!({"label": "x", "expires_in_days": 0}),
        json!({"label": "x", "expires_in_days": 400}),
        json!({"label": "", "expires_in_days": 5}),
    ] {
        let (status, problem) = app.post("/me/tokens", &app.link_worker, bad).await;
        crate::helpers::assert_problem(status, &problem, StatusCode::UNPROCESSABLE_ENTITY);
    }

    // Listed (labels and expiry, never the token itself) to their owner only.
    let (status, listed) = app.get("/me/tokens", &app.link_worker).await;
    assert_eq!(status, StatusCode::OK);
    let labels: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        ["laptop", "nightly export", "test"],
        "the revoked renewal is gone"
    );
    assert!(!listed.to_string().contains("lw_"), "{listed}");
    let (_, theirs) = app.get("/me/tokens", &app.team_lead).await;
    assert_eq!(theirs.as_array().unwrap().len(), 1);

    // Another account cannot revoke it; its owner can, and it stops working at once.
    let id = issued["id"].as_i64().unwrap();
    let path = format!("/me/tokens/{id}/revocation");
    let (status, _) = app.post(&path, &app.team_lead, json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(me(&app, &token).await, StatusCode::OK);
    let (status, problem) = app.post(&path, &token, json!({})).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a token does not revoke itself: {problem}"
    );
    assert_eq!(me(&app, &token).await, StatusCode::OK);
    let (status, _) = app.post(&path, &app.link_worker, json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(me(&app, &token).await, StatusCode::UNAUTHORIZED);
    let (status, _) = app.post(&path, &app.link_worker, json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "once");

    // An expired token is refused.
    let laptop = default["token"].as_str().unwrap();
    assert_eq!(me(&app, laptop).await, StatusCode::OK);
    app.execute_at(
        &format!(
            "UPDATE api_tokens SET expires_at = $1 WHERE id = {}",
            default["id"]
        ),
        chrono::Utc::now() - chrono::Duration::seconds(1),
    )
    .await;
    assert_eq!(me(&app, laptop).await, StatusCode::UNAUTHORIZED);

    assert_eq!(
        audited(&app, "api_token").await,
        5,
        "three issued, two revoked"
    );
}

/// Signs the administrator in (the fixture gives them no password).
async fn admin(app: &TestApp) -> String {
    app.store
        .set_password("admin", LINK_WORKER_PASSWORD)
        .await
        .unwrap();
    sign_in_as(app, "admin").await
}

/// Posts one of the account actions on the administration page.
async fn admin_action(
    app: &TestApp,
    cookie: &str,
    user_id: i64,
    action: &str,
) -> reqwest::Response {
    let (_, html) = page(app, cookie, "/admin").await;
    post_form(
        app,
        cookie,
        &format!("/admin/accounts/{user_id}/{action}"),
        &[("csrf", csrf_of(&html))],
    )
    .await
}

async fn disabling_an_account_ends_its_sessions_and_tokens_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let administrator = admin(&app).await;
    let worker = sign_in_as(&app, "lw").await;
    assert_eq!(page(&app, &worker, "/caseload").await.0, StatusCode::OK);
    assert_eq!(me(&app, &app.link_worker).await, StatusCode::OK);

    // A forged form (no CSRF token) changes nothing.
    let forged = post_form(
        &app,
        &administrator,
        &format!("/admin/accounts/{}/disable", app.link_worker_id),
        &[("csrf", "forged".to_string())],
    )
    .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(me(&app, &app.link_worker).await, StatusCode::OK);

    let disabled = admin_action(&app, &administrator, app.link_worker_id, "disable").await;
    assert_eq!(disabled.status(), StatusCode::SEE_OTHER);
    assert_eq!(disabled.headers()["location"], "/admin?done=disabled");
    assert_eq!(
        page(&app, &worker, "/caseload").await.0,
        StatusCode::SEE_OTHER,
        "the session ended"
    );
    assert_eq!(me(&app, &app.link_worker).await, StatusCode::UNAUTHORIZED);
    let (_, html) = page(&app, &administrator, "/admin").await;
    assert!(html.contains("Disabled"), "{html}");
    // Nor can it sign in again, whatever the password.
    let response = crate::pages::post_sign_in(&app, "lw", LINK_WORKER_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    let enabled = admin_action(&app, &administrator, app.link_worker_id, "enable").await;
    assert_eq!(enabled.status(), StatusCode::SEE_OTHER);
    sign_in_as(&app, "lw").await;
    assert_eq!(
        me(&app, &app.link_worker).await,
        StatusCode::UNAUTHORIZED,
        "tokens do not come back"
    );

    // Not by anyone else, and not one's own account.
    let lead = sign_in_as(&app, "analyst").await;
    let refused = admin_action(&app, &lead, app.link_worker_id, "disable").await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let admin_id = app.store.user_id("admin").await.unwrap().unwrap();
    let refused = admin_action(&app, &administrator, admin_id, "disable").await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);

    assert_eq!(audited(&app, "account.disabled").await, 1);
    assert_eq!(audited(&app, "account.enabled").await, 1);
    assert!(app.store.verify_audit().await.unwrap().is_ok());
}

async fn an_invitation_link_lets_the_user_choose_their_own_password_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let administrator = admin(&app).await;
    let (_, html) = page(&app, &administrator, "/admin").await;
    assert!(
        !html.contains("type=\"password\""),
        "an administrator never types a password"
    );
    let csrf = csrf_of(&html);
    let invite = |fields: Vec<(&'static str, &'static str)>| {
        let mut form: Vec<(&str, String)> = vec![("csrf", csrf.clone())];
        form.extend(fields.into_iter().map(|(k, v)| (k, v.to_string())));
        let app = &app;
        let administrator = administrator.clone();
        async move { post_form(app, &administrator, "/admin/invitations", &form).await }
    };
    // Every problem at once, and no account made.
    let refused = invite(vec![("username", "lw"), ("display_name", ""), ("role", "")]).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    for problem in ["That username is taken", "full name", "Choose a role"] {
        assert!(html.contains(problem), "{problem} in {html}");
    }
    let made = invite(vec![
        ("username", "sam"),
        ("display_name", "Sam Okafor"),
        ("role", "referrer"),
    ])
    .await;
    assert_eq!(made.status(), StatusCode::CREATED);
    let html = made.text().await.unwrap();
    let start = html
        .find(&format!("{}/password-links/", app.address))
        .expect("the link, on the public URL");
    let link: String = html[start..].chars().take_while(|c| *c != '<').collect();
    let path = link.strip_prefix(&app.address).unwrap().to_string();
    assert_eq!(audited(&app, "account.invited").await, 1);

    // The invited person chooses their password under the one policy.
    let client = &app.client;
    let (status, cookie, html) =
        crate::pages::fetch_form(client, &format!("{}{path}", app.address)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Sam Okafor") && html.contains("sam"));
    let token = csrf_of(&html);
    let base = app.address.as_str();
    let choose = |new: &'static str, again: &'static str| {
        let cookie = cookie.clone();
        let token = token.clone();
        let path = path.clone();
        async move {
            client
                .post(format!("{base}{path}"))
                .header("cookie", cookie)
                .form(&[
                    ("csrf", token.as_str()),
                    ("new_password", new),
                    ("confirm_password", again),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    for (new, again, problem) in [
        ("", "", "Enter a password"),
        ("short one", "short one", "at least 12 characters"),
        ("Qwerty123456", "Qwerty123456", "common passwords"),
        // Not on the list, but a repeat and a keyboard row: easy to guess (retest F7).
        ("aaaaaaaaaaaa", "aaaaaaaaaaaa", "easy to guess"),
        ("qwertyuiopas", "qwertyuiopas", "easy to guess"),
        (
            "sam-okafor-sam",
            "sam-okafor-sam",
            "must not contain the username",
        ),
        (
            "kettle orbit lantern",
            "kettle orbit lanterns",
            "not the same",
        ),
    ] {
        let refused = choose(new, again).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{new}");
        let html = refused.text().await.unwrap();
        assert!(
            html.contains("There is a problem") && html.contains(problem),
            "{problem}: {html}"
        );
    }
    let chosen = choose("kettle orbit lantern", "kettle orbit lantern").await;
    assert_eq!(chosen.status(), StatusCode::SEE_OTHER);
    assert_eq!(chosen.headers()["location"], "/sign-in");
    let signed_in = crate::pages::post_sign_in(&app, "sam", "kettle orbit lantern").await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    assert_eq!(audited(&app, "account.password_set").await, 1);

    // The link works once.
    let again = choose("another good passphrase", "another good passphrase").await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    let reopened = client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(reopened.status(), StatusCode::NOT_FOUND);

    // And only until it expires.
    let made = invite(vec![
        ("username", "kim"),
        ("display_name", "Kim Lee"),
        ("role", "analyst"),
    ])
    .await;
    assert_eq!(made.status(), StatusCode::CREATED);
    let html = made.text().await.unwrap();
    let start = html.find("/password-links/").unwrap();
    let path: String = html[start..].chars().take_while(|c| *c != '<').collect();
    app.execute_at(
        "UPDATE password_links SET expires_at = $1 WHERE used_at IS NULL",
        chrono::Utc::now() - chrono::Duration::seconds(1),
    )
    .await;
    let expired = client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(expired.status(), StatusCode::NOT_FOUND);
    assert!(expired
        .text()
        .await
        .unwrap()
        .contains("Ask an administrator"));
}

async fn users_change_their_own_password_and_their_other_sessions_end(backend: Backend) {
    let app = spawn_app(backend).await;
    let here = sign_in_as(&app, "lw").await;
    let elsewhere = sign_in_as(&app, "lw").await;
    let (status, html) = page(&app, &here, "/account/password").await;
    assert_eq!(status, StatusCode::OK);
    let change = |current: &str, new: &str| {
        let form = vec![
            ("csrf", csrf_of(&html)),
            ("current_password", current.to_string()),
            ("new_password", new.to_string()),
            ("confirm_password", new.to_string()),
        ];
        let app = &app;
        let here = here.clone();
        async move { post_form(app, &here, "/account/password", &form).await }
    };
    let wrong = change("not my password", "kettle orbit lantern").await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong
        .text()
        .await
        .unwrap()
        .contains("current password is not right"));
    let weak = change(LINK_WORKER_PASSWORD, "password1234").await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        page(&app, &elsewhere, "/caseload").await.0,
        StatusCode::OK,
        "refused changes end nothing"
    );

    let changed = change(LINK_WORKER_PASSWORD, "kettle orbit lantern").await;
    assert_eq!(changed.status(), StatusCode::OK);
    assert!(changed.text().await.unwrap().contains("has been changed"));
    assert_eq!(page(&app, &here, "/caseload").await.0, StatusCode::OK);
    assert_eq!(
        page(&app, &elsewhere, "/caseload").await.0,
        StatusCode::SEE_OTHER,
        "the other session ended"
    );
    let old = crate::pages::post_sign_in(&app, "lw", LINK_WORKER_PASSWORD).await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    let new = crate::pages::post_sign_in(&app, "lw", "kettle orbit lantern").await;
    assert_eq!(new.status(), StatusCode::SEE_OTHER);
    assert_eq!(audited(&app, "account.password_changed").await, 1);
    // A new password also ends the account's API tokens: after a compromise, none of the
    // attacker's tokens outlive the change.
    assert_eq!(me(&app, &app.link_worker).await, StatusCode::UNAUTHORIZED);

    // Guessing the current password from an open session meets the sign-in limit.
    let here = sign_in_as_with(&app, "lw", "kettle orbit lantern").await;
    let (_, html) = page(&app, &here, "/account/password").await;
    let guess = |current: &'static str| {
        let form = vec![
            ("csrf", csrf_of(&html)),
            ("current_password", current.to_string()),
            ("new_password", "another long passphrase".to_string()),
            ("confirm_password", "another long passphrase".to_string()),
        ];
        let app = &app;
        let here = here.clone();
        async move {
            post_form(app, &here, "/account/password", &form)
                .await
                .status()
        }
    };
    for _ in 0..5 {
        assert_eq!(guess("a guess").await, StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(
        guess("kettle orbit lantern").await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

/// Signs in with a given password; returns the session cookie.
async fn sign_in_as_with(app: &TestApp, username: &str, password: &str) -> String {
    let response = crate::pages::post_sign_in(app, username, password).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

async fn an_administrator_unlocks_a_throttled_account_ends_sessions_and_revokes_tokens(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let administrator = admin(&app).await;
    let gp = app.store.user_id("gp").await.unwrap().unwrap();
    for _ in 0..5 {
        let wrong = crate::pages::post_sign_in(&app, "gp", "a wrong password").await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    }
    let locked = crate::pages::post_sign_in(&app, "gp", LINK_WORKER_PASSWORD).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    let (_, html) = page(&app, &administrator, "/admin").await;
    assert!(html.contains("sign-in locked"), "{html}");
    assert_eq!(
        html.matches("Unlock sign-in").count(),
        1,
        "only for the locked account"
    );
    let unlocked = admin_action(&app, &administrator, gp, "unlock").await;
    assert_eq!(unlocked.status(), StatusCode::SEE_OTHER);
    let referrer = sign_in_as(&app, "gp").await;
    assert_eq!(page(&app, &referrer, "/caseload").await.0, StatusCode::OK);
    let (_, html) = page(&app, &administrator, "/admin").await;
    assert!(!html.contains("sign-in locked"));

    let ended = admin_action(&app, &administrator, gp, "sessions/end").await;
    assert_eq!(ended.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        page(&app, &referrer, "/caseload").await.0,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        me(&app, &app.referrer).await,
        StatusCode::OK,
        "tokens are separate"
    );
    let revoked = admin_action(&app, &administrator, gp, "tokens/revoke").await;
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    assert_eq!(me(&app, &app.referrer).await, StatusCode::UNAUTHORIZED);

    // A reset ends the password and gives a new one-time link instead.
    let reset = admin_action(&app, &administrator, gp, "password-reset").await;
    assert_eq!(reset.status(), StatusCode::CREATED);
    assert!(reset.text().await.unwrap().contains("/password-links/"));
    let old = crate::pages::post_sign_in(&app, "gp", LINK_WORKER_PASSWORD).await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);

    for kind in [
        "account.unlocked",
        "account.sessions_ended",
        "account.tokens_revoked",
        "account.password_reset",
    ] {
        assert_eq!(audited(&app, kind).await, 1, "{kind}");
    }
    let records = app.store.audit_records(0, 100_000).await.unwrap();
    let admin_id = app.store.user_id("admin").await.unwrap().unwrap();
    assert!(records
        .iter()
        .filter(|r| r.record_type.starts_with("account."))
        .all(|r| r.actor_id == Some(admin_id) && r.record_id == Some(gp)));
}

/// The administration pages share their use cases (and so their policy check) with the
/// command line: anyone but an administrator is refused before an account is even looked
/// for, so a 404 never tells them which ids exist; an administrator gets 404 for an account
/// that does not exist. Nothing is written or audited for a refusal.
async fn account_administration_asks_the_policy_before_it_looks_for_the_account(backend: Backend) {
    let app = spawn_app(backend).await;
    let administrator = admin(&app).await;
    let worker = sign_in_as(&app, "lw").await;
    let (_, html) = page(&app, &worker, "/caseload").await;
    let csrf = csrf_of(&html);

    assert_eq!(page(&app, &worker, "/admin").await.0, StatusCode::FORBIDDEN);
    for path in [
        "/admin/accounts/not-a-number/disable".to_string(),
        "/admin/accounts/999999/unlock".to_string(),
        format!("/admin/accounts/{}/tokens/revoke", app.link_worker_id),
    ] {
        let refused = post_form(&app, &worker, &path, &[("csrf", csrf.clone())]).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let invitation = post_form(
        &app,
        &worker,
        "/admin/invitations",
        &[
            ("csrf", csrf.clone()),
            ("username", "newcomer".into()),
            ("display_name", "New Comer".into()),
            ("role", "analyst".into()),
        ],
    )
    .await;
    assert_eq!(invitation.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.store.user_id("newcomer").await.unwrap(), None);
    assert_eq!(
        me(&app, &app.link_worker).await,
        StatusCode::OK,
        "tokens kept"
    );

    for path in [
        "/admin/accounts/not-a-number/disable",
        "/admin/accounts/999999/unlock",
    ] {
        let missing = admin_action_on(&app, &administrator, path).await;
        assert_eq!(missing.status(), StatusCode::NOT_FOUND, "{path}");
    }
    for kind in [
        "account.invited",
        "account.disabled",
        "account.unlocked",
        "account.tokens_revoked",
    ] {
        assert_eq!(audited(&app, kind).await, 0, "{kind}");
    }
}

/// Posts to an administration path with the administrator's own CSRF token.
async fn admin_action_on(app: &TestApp, cookie: &str, path: &str) -> reqwest::Response {
    let (_, html) = page(app, cookie, "/admin").await;
    post_form(app, cookie, path, &[("csrf", csrf_of(&html))]).await
}
