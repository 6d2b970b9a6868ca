//! `/connections/{id}/messages`: a connection's message thread as a page, for the team
//! holding the referral and the organisation it was sent to, with a form to write; a refused
//! message comes back with the error summary and what was typed.

use super::extract::{check_csrf, PageForm, PageUser};
use super::render::{error_page, render};
use super::views::Layout;
use crate::error::AppError;
use crate::messages::{message_body, MessageSide, Thread, MAX_MESSAGE_CHARS};
use crate::state::AppState;
use crate::usecases;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

struct MessageLine {
    from_organisation: bool,
    who: String,
    when: String,
    body: String,
    unread: bool,
}

/// A refused message: why, and what was typed.
struct Refused {
    title: String,
    detail: String,
    typed: String,
}

#[derive(Template)]
#[template(path = "messages.html")]
struct ThreadPage {
    layout: Layout,
    connection_id: i64,
    service: String,
    organisation: String,
    /// Where "back" goes: the person's page for the team, the inbox for the organisation.
    back_link: String,
    back_label: String,
    for_team: bool,
    consent_in_force: bool,
    messages: Vec<MessageLine>,
    sent: bool,
    error: Option<Refused>,
    max_chars: usize,
}

fn thread_page(thread: Thread, layout: Layout, sent: bool, error: Option<Refused>) -> ThreadPage {
    let for_team = thread.person_id.is_some();
    let (back_link, back_label) = match thread.person_id {
        Some(person) => (
            format!("/people/{person}"),
            "Back to the person's page".to_string(),
        ),
        None => (
            format!("/vcse/inbox#connection-{}", thread.connection_id),
            "Back to your inbox".to_string(),
        ),
    };
    ThreadPage {
        layout,
        connection_id: thread.connection_id,
        service: thread.service_name,
        organisation: thread.organisation,
        back_link,
        back_label,
        for_team,
        consent_in_force: thread.consent_in_force,
        messages: thread
            .messages
            .into_iter()
            .map(|m| MessageLine {
                from_organisation: m.side == MessageSide::Organisation,
                who: format!("{} ({})", m.author, m.side.label().to_lowercase()),
                when: m.sent_at.format("%-d %b %Y %H:%M").to_string(),
                body: m.body,
                unread: m.unread,
            })
            .collect(),
        sent,
        error,
        max_chars: MAX_MESSAGE_CHARS,
    }
}

#[derive(Deserialize, Default)]
pub(super) struct ThreadParams {
    sent: Option<String>,
}

fn connection_id(raw: &str) -> Result<i64, AppError> {
    raw.parse().map_err(|_| AppError::NotFound("connection"))
}

pub(super) async fn messages_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    Query(params): Query<ThreadParams>,
) -> Response {
    show(
        &state,
        &user,
        &id,
        params.sent.is_some(),
        None,
        StatusCode::OK,
    )
    .await
}

async fn show(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    raw_id: &str,
    sent: bool,
    error: Option<Refused>,
    status: StatusCode,
) -> Response {
    let thread = match connection_id(raw_id) {
        Ok(id) => usecases::messages::thread(&state.store, user, id).await,
        Err(e) => Err(e),
    };
    match thread {
        Ok(thread) => {
            let title = format!("Messages: {}", thread.service_name);
            let layout = Layout::new(
                &if error.is_some() {
                    format!("Error: {title}")
                } else {
                    title
                },
                Some(user),
            );
            render(&thread_page(thread, layout, sent, error), status)
        }
        Err(e) => error_page(Some(user), e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct MessageForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    body: String,
}

pub(super) async fn send_message(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    PageForm { fields: form, .. }: PageForm<MessageForm>,
) -> Response {
    let result = async {
        check_csrf(&user, &form.csrf)?;
        let connection = connection_id(&id)?;
        let body = message_body(&form.body)?;
        usecases::messages::send(&state.store, &user, connection, &body).await?;
        Ok::<_, AppError>(connection)
    }
    .await;
    match result {
        Ok(connection) => {
            Redirect::to(&format!("/connections/{connection}/messages?sent=1#latest"))
                .into_response()
        }
        Err(err @ (AppError::Internal(_) | AppError::Forbidden(_) | AppError::NotFound(_))) => {
            error_page(Some(&user), err)
        }
        Err(err) => {
            let status = err.status();
            let problem = err.problem();
            let refused = Refused {
                title: problem.title,
                detail: problem.detail,
                typed: form.body,
            };
            show(&state, &user, &id, false, Some(refused), status).await
        }
    }
}
