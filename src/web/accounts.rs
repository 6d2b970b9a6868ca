//! A user's own password: chosen at a one-time link (a new account, or after a reset) and
//! changed from the account page with the current one. Both use the one password policy,
//! and both end the account's other sessions.

use super::extract::{check_csrf, PageForm, PageUser};
use super::render::{error_page, render};
use super::views::Layout;
use crate::accounts::PasswordChange;
use crate::auth::{self, password_policy, CurrentUser};
use crate::state::AppState;
use crate::usecases::accounts;
use askama::Template;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::net::SocketAddr;

/// Cookie holding the password-link form's CSRF token (double submit: no session yet).
const LINK_FORM_COOKIE: &str = "linkwell_password_link";

#[derive(Template)]
#[template(path = "password_set.html")]
pub struct PasswordPage {
    pub layout: Layout,
    pub intro: String,
    pub action: String,
    pub button: &'static str,
    pub ask_current: bool,
    pub username: String,
    pub csrf: String,
    pub error: Option<String>,
    pub error_field: &'static str,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

/// The new password's problem, if any, and the field it belongs to.
fn new_password_problem(form: &PasswordForm, username: &str) -> Option<(String, &'static str)> {
    if let Err(why) = password_policy::check(&form.new_password, username) {
        let mut why = why;
        if let Some(first) = why.get(0..1) {
            why = first.to_uppercase() + &why[1..];
        }
        return Some((why, "new_password"));
    }
    if form.new_password != form.confirm_password {
        return Some((
            "The two new passwords are not the same; type it again in both boxes".into(),
            "confirm_password",
        ));
    }
    None
}

// ---- One-time links -------------------------------------------------------------------

fn link_form(
    secret: &str,
    username: &str,
    display_name: &str,
    error: Option<(String, &'static str)>,
    status: StatusCode,
    secure: bool,
) -> Response {
    let (token, _) = auth::new_secret("");
    let (error, error_field) = match error {
        Some((message, field)) => (Some(message), field),
        None => (None, "new_password"),
    };
    let page = PasswordPage {
        layout: Layout::new("Choose your password", None),
        intro: format!(
            "Welcome, {display_name}. Your username is {username}. Choose the password you will sign in with."
        ),
        action: crate::public_url::password_link_path(secret),
        button: "Save my password",
        ask_current: false,
        username: username.to_string(),
        csrf: token.clone(),
        error,
        error_field,
    };
    let cookie = format!(
        "{LINK_FORM_COOKIE}={token}; Path=/password-links; HttpOnly; SameSite=Strict; Max-Age=3600{}",
        if secure { "; Secure" } else { "" }
    );
    ([(header::SET_COOKIE, cookie)], render(&page, status)).into_response()
}

/// The same answer for a link that never existed, was used or has expired.
fn link_gone() -> Response {
    super::render::problem_page(
        StatusCode::NOT_FOUND,
        crate::error::Problem {
            problem_type: "/problems/not-found".into(),
            title: "This link does not work".into(),
            status: 404,
            detail:
                "It may have been used already or have expired. Ask an administrator for a new one."
                    .into(),
            field: None,
        },
    )
}

pub async fn password_link_page(
    State(state): State<AppState>,
    Path(secret): Path<String>,
) -> Response {
    match accounts::password_link_holder(&state.store, &secret).await {
        Ok(Some(holder)) => link_form(
            &secret,
            &holder.username,
            &holder.display_name,
            None,
            StatusCode::OK,
            state.settings.secure_cookies,
        ),
        Ok(None) => link_gone(),
        Err(e) => error_page(None, e),
    }
}

pub async fn use_password_link(
    State(state): State<AppState>,
    Path(secret): Path<String>,
    headers: HeaderMap,
    PageForm { fields: form, .. }: PageForm<PasswordForm>,
) -> Response {
    let holder = match accounts::password_link_holder(&state.store, &secret).await {
        Ok(Some(holder)) => holder,
        Ok(None) => return link_gone(),
        Err(e) => return error_page(None, e),
    };
    let secure = state.settings.secure_cookies;
    let refuse = |problem: (String, &'static str), status: StatusCode| {
        link_form(
            &secret,
            &holder.username,
            &holder.display_name,
            Some(problem),
            status,
            secure,
        )
    };
    let cookie = auth::cookie(&headers, LINK_FORM_COOKIE);
    if !cookie.is_some_and(|c| auth::same_secret(c, &form.csrf)) {
        return refuse(
            (
                "The form had expired. Enter your new password again.".into(),
                "new_password",
            ),
            StatusCode::FORBIDDEN,
        );
    }
    if let Some(problem) = new_password_problem(&form, &holder.username) {
        return refuse(problem, StatusCode::UNPROCESSABLE_ENTITY);
    }
    match accounts::use_password_link(
        &state.store,
        &secret,
        &form.new_password,
        &auth::request_id(&headers),
    )
    .await
    {
        Ok(Some(_)) => Redirect::to("/sign-in").into_response(),
        // Used by a request that got there first.
        Ok(None) => link_gone(),
        Err(e) => error_page(None, e),
    }
}

// ---- Changing one's own password ------------------------------------------------------

fn change_form(
    user: &CurrentUser,
    error: Option<(String, &'static str)>,
    done: bool,
    status: StatusCode,
) -> Response {
    let (error, error_field) = match error {
        Some((message, field)) => (Some(message), field),
        None => (None, "current_password"),
    };
    let page = PasswordPage {
        layout: Layout::new("Change your password", Some(user)),
        intro: if done {
            "Your password has been changed, and you have been signed out everywhere else.".into()
        } else {
            "Changing your password signs you out everywhere else.".into()
        },
        action: "/account/password".into(),
        button: "Change my password",
        ask_current: true,
        username: user.username.clone(),
        csrf: user.csrf_token.clone().unwrap_or_default(),
        error,
        error_field,
    };
    render(&page, status)
}

pub async fn change_password_page(PageUser(user): PageUser) -> Response {
    change_form(&user, None, false, StatusCode::OK)
}

pub async fn change_password(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    PageForm { fields: form, .. }: PageForm<PasswordForm>,
) -> Response {
    if let Err(e) = check_csrf(&user, &form.csrf) {
        return error_page(Some(&user), e);
    }
    if let Some(problem) = new_password_problem(&form, &user.username) {
        return change_form(
            &user,
            Some(problem),
            false,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let change = accounts::change_password(
        &state,
        &user,
        peer.ip(),
        &form.current_password,
        &form.new_password,
        auth::session_cookie(&headers),
    )
    .await;
    match change {
        Ok(PasswordChange::Changed) => change_form(&user, None, true, StatusCode::OK),
        Ok(PasswordChange::Throttled) => change_form(
            &user,
            Some((
                "Too many wrong passwords. Wait 15 minutes and try again, or ask an administrator"
                    .into(),
                "current_password",
            )),
            false,
            StatusCode::TOO_MANY_REQUESTS,
        ),
        Ok(PasswordChange::WrongCurrentPassword) => change_form(
            &user,
            Some((
                "Your current password is not right; nothing was changed".into(),
                "current_password",
            )),
            false,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => error_page(Some(&user), e),
    }
}
