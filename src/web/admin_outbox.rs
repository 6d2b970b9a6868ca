//! `/admin/outbox`: the administrators' view of GP messages (docs/gp-record.md): how many are
//! waiting, failing, dead and delivered, and the latest of each with its tries and last
//! error. Ids, codes and practice codes only: no one's record is shown here. An administrator
//! who has fixed a practice's endpoint sends its dead letters again from here (one, or all
//! of a practice's), after ticking a confirmation.

use super::extract::{check_csrf, PageForm, PageUser};
use super::render::{error_page, render};
use super::views::{FieldErrors, Layout};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::outbox::{OutboxCounts, OutboxEntry, Requeue};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// One message as a table row.
pub struct OutboxLine {
    pub id: i64,
    pub event: String,
    pub referral_id: i64,
    pub practice: String,
    pub attempts: u32,
    pub created: String,
    pub next_try: String,
    pub last_try: String,
    pub delivered: String,
    pub last_error: String,
}

fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%-d %b %Y %H:%M:%S UTC").to_string()
}

impl OutboxLine {
    fn new(e: OutboxEntry) -> OutboxLine {
        OutboxLine {
            id: e.id,
            event: e.event.label().to_string(),
            referral_id: e.referral_id,
            practice: e.practice_code,
            attempts: e.attempts,
            created: when(e.created_at),
            next_try: if e.has_endpoint {
                when(e.next_attempt_at)
            } else {
                "when the practice has an endpoint".into()
            },
            last_try: e.last_attempt_at.map(when).unwrap_or_default(),
            delivered: e.delivered_at.map(when).unwrap_or_default(),
            last_error: e.last_error.unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "admin_outbox.html")]
pub struct OutboxPage {
    pub layout: Layout,
    pub counts: OutboxCounts,
    pub pending: Vec<OutboxLine>,
    pub dead: Vec<OutboxLine>,
    pub delivered: Vec<OutboxLine>,
    pub shown: i64,
    /// The retry rule in words, from the running settings.
    pub retries: String,
    /// The practices with dead letters shown, for "send all of a practice's again".
    pub dead_practices: Vec<String>,
    pub errors: FieldErrors,
    /// What the last re-queue did, in words.
    pub done: Option<String>,
}

/// "after 30 s, doubling up to 1 h; dead after 8 tries"
fn retry_rule(policy: &crate::outbox::DeliveryPolicy) -> String {
    let words = |d: std::time::Duration| {
        let s = d.as_secs_f64();
        if s >= 3600.0 {
            format!("{} h", s / 3600.0)
        } else if s >= 60.0 {
            format!("{} min", s / 60.0)
        } else {
            format!("{s} s")
        }
    };
    format!(
        "A message that fails is tried again after {}, then twice as long each time up to {}; after {} tries it is a dead letter and is not sent again by itself.",
        words(policy.backoff_base),
        words(policy.backoff_cap),
        policy.max_attempts
    )
}

#[derive(Deserialize)]
pub struct OutboxQuery {
    requeued: Option<usize>,
}

pub async fn outbox_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(query): Query<OutboxQuery>,
) -> Response {
    let done = query.requeued.map(|n| match n {
        0 => "No dead letters were sent again.".to_string(),
        1 => "1 message will be sent again now.".to_string(),
        n => format!("{n} messages will be sent again now."),
    });
    show(&state, &user, FieldErrors::default(), done, StatusCode::OK).await
}

async fn show(
    state: &AppState,
    user: &CurrentUser,
    errors: FieldErrors,
    done: Option<String>,
    status: StatusCode,
) -> Response {
    match crate::usecases::outbox::overview(&state.store, user).await {
        Ok(o) => {
            let mut dead_practices: Vec<String> =
                o.dead.iter().map(|e| e.practice_code.clone()).collect();
            dead_practices.sort();
            dead_practices.dedup();
            render(
                &OutboxPage {
                    layout: Layout::new("GP messages", Some(user)),
                    counts: o.counts,
                    pending: o.pending.into_iter().map(OutboxLine::new).collect(),
                    dead: o.dead.into_iter().map(OutboxLine::new).collect(),
                    delivered: o.delivered.into_iter().map(OutboxLine::new).collect(),
                    shown: crate::usecases::outbox::ENTRIES_SHOWN,
                    retries: retry_rule(&state.settings.gp_delivery.policy),
                    dead_practices,
                    errors,
                    done,
                },
                status,
            )
        }
        Err(e) => error_page(Some(user), e),
    }
}

/// The "send again" forms: a message's number, or a practice's code, and the confirmation.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RequeueForm {
    csrf: String,
    message: String,
    practice: String,
    confirm: String,
}

/// Sends dead letters again (one, or a practice's), then back to the page with what was
/// done; a missing confirmation re-shows the page with the error summary, nothing changed.
pub async fn requeue(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    PageForm { fields: form, .. }: PageForm<RequeueForm>,
) -> Response {
    if let Err(e) = check_csrf(&user, &form.csrf) {
        return error_page(Some(&user), e);
    }
    // The confirmation box of the form used: each dead letter's row has its own.
    let (which, confirm_field) = match (form.message.trim(), form.practice.trim()) {
        ("", "") => {
            let mut errors = FieldErrors::default();
            errors.add(
                "practice",
                "Choose the practice whose messages to send again".into(),
            );
            return show(
                &state,
                &user,
                errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        // Not a number: no such dead letter (404), as for an unknown one.
        (id, _) if !id.is_empty() => {
            let id = id.parse::<i64>().unwrap_or(0);
            (Requeue::Message(id), format!("confirm-{id}"))
        }
        (_, code) => (Requeue::Practice(code.to_string()), "confirm".to_string()),
    };
    let confirmed = form.confirm == "yes";
    match crate::usecases::outbox::requeue(&state.store, &user, &which, confirmed).await {
        Ok(ids) => Redirect::to(&format!("/admin/outbox?requeued={}", ids.len())).into_response(),
        Err(AppError::Validation { field, detail, .. }) => {
            let field = match field.as_deref() {
                Some("confirm") | None => confirm_field,
                Some(other) => other.to_string(),
            };
            let mut errors = FieldErrors::default();
            errors.add(&field, super::referral_form::capitalised(&detail));
            show(
                &state,
                &user,
                errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => error_page(Some(&user), e),
    }
}
