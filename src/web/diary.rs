//! The diary's pages: an appointment's printable letter, cancelling an appointment, the
//! user's calendar link (make, replace, stop) and the calendar feed itself, which a
//! calendar program fetches with no session: the secret in its address is the key.

use super::extract::{check_csrf, PageForm, PageUser};
use super::render::{error_page, render};
use super::views::{CalendarPage, Layout, LetterPage};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::state::AppState;
use crate::usecases::diary;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

fn appointment_id(raw: &str) -> Result<i64, AppError> {
    raw.parse().map_err(|_| AppError::NotFound("appointment"))
}

/// `/appointments/{id}/letter`: the letter to print (an audited read).
pub(super) async fn letter_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let id = appointment_id(&id)?;
        diary::letter(&state.store, &user, id).await
    }
    .await;
    match result {
        Ok(letter) => render(
            &LetterPage {
                layout: Layout::new(
                    &format!("Appointment letter for {}", letter.to),
                    Some(&user),
                ),
                printed: crate::diary::london::long_date(chrono::Utc::now()),
                letter,
            },
            StatusCode::OK,
        ),
        Err(e) => error_page(Some(&user), e),
    }
}

#[derive(Deserialize, Default)]
pub(super) struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /appointments/{id}/cancel`: cancels it and goes back to the person's page.
pub(super) async fn cancel(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    PageForm { fields: form, .. }: PageForm<CsrfForm>,
) -> Response {
    let result = async {
        check_csrf(&user, &form.csrf)?;
        let id = appointment_id(&id)?;
        diary::cancel(&state.store, &user, id).await
    }
    .await;
    match result {
        Ok(a) => Redirect::to(&format!(
            "/people/{}#referral-{}",
            a.person_id, a.referral_id
        ))
        .into_response(),
        Err(e) => error_page(Some(&user), e),
    }
}

/// `/calendar/{secret}.ics`: the holder's diary as iCalendar. No session: the secret is
/// the key. Never cached (`no-store`), so a stopped link stops at once.
pub(super) async fn feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Response {
    let Some(secret) = file.strip_suffix(".ics") else {
        return AppError::NotFound("calendar").into_response();
    };
    let request_id = crate::auth::request_id(&headers);
    match diary::feed(
        &state.store,
        state.settings.public_url(),
        secret,
        &request_id,
        chrono::Utc::now(),
    )
    .await
    {
        Ok(text) => (
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
                (
                    header::CONTENT_DISPOSITION,
                    "inline; filename=\"linkwell.ics\"",
                ),
            ],
            text,
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

async fn calendar_page(
    state: &AppState,
    user: &CurrentUser,
    new_link: Option<String>,
    revoked: bool,
) -> Response {
    match diary::feed_made(&state.store, user).await {
        Ok(made) => render(
            &CalendarPage {
                layout: Layout::new("Your calendar link", Some(user)),
                made: made.map(|t| {
                    format!(
                        "{} at {}",
                        crate::diary::london::long_date(t),
                        crate::diary::london::clock(t)
                    )
                }),
                new_link,
                revoked,
            },
            StatusCode::OK,
        ),
        Err(e) => error_page(Some(user), e),
    }
}

/// `/account/calendar`: whether the user has a calendar link, and the buttons to make,
/// replace or stop it.
pub(super) async fn calendar_link_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
) -> Response {
    calendar_page(&state, &user, None, false).await
}

/// `POST /account/calendar`: a new link (the old one stops working), shown this once.
pub(super) async fn make_calendar_link(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    PageForm { fields: form, .. }: PageForm<CsrfForm>,
) -> Response {
    let result = async {
        check_csrf(&user, &form.csrf)?;
        diary::issue_feed(&state.store, &user).await
    }
    .await;
    match result {
        Ok(secret) => {
            let link = state.settings.public_url().join(&diary::feed_path(&secret));
            calendar_page(&state, &user, Some(link), false).await
        }
        Err(e) => error_page(Some(&user), e),
    }
}

/// `POST /account/calendar/stop`: the link stops working.
pub(super) async fn stop_calendar_link(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    PageForm { fields: form, .. }: PageForm<CsrfForm>,
) -> Response {
    let result = async {
        check_csrf(&user, &form.csrf)?;
        diary::revoke_feed(&state.store, &user).await
    }
    .await;
    match result {
        Ok(_) => calendar_page(&state, &user, None, true).await,
        Err(e) => error_page(Some(&user), e),
    }
}
