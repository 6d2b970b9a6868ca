//! `/admin/outbox`: the administrators' view of GP messages (docs/gp-record.md): how many are
//! waiting, failing, dead and delivered, and the latest of each with its tries and last
//! error. Ids, codes and practice codes only: no one's record is shown here.

use super::extract::PageUser;
use super::render::{error_page, render};
use super::views::Layout;
use crate::outbox::{OutboxCounts, OutboxEntry};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

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

pub async fn outbox_page(State(state): State<AppState>, PageUser(user): PageUser) -> Response {
    match crate::usecases::outbox::overview(&state.store, &user).await {
        Ok(o) => render(
            &OutboxPage {
                layout: Layout::new("GP messages", Some(&user)),
                counts: o.counts,
                pending: o.pending.into_iter().map(OutboxLine::new).collect(),
                dead: o.dead.into_iter().map(OutboxLine::new).collect(),
                delivered: o.delivered.into_iter().map(OutboxLine::new).collect(),
                shown: crate::usecases::outbox::ENTRIES_SHOWN,
                retries: retry_rule(&state.settings.gp_delivery.policy),
            },
            StatusCode::OK,
        ),
        Err(e) => error_page(Some(&user), e),
    }
}
