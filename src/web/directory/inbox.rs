//! `/vcse/inbox`: a community organisation's connections and own listings, and its answers.

use super::Fact;
use crate::auth::CurrentUser;
use crate::consent::inbox::{InboxFilter, INBOX_PAGE_SIZE};
use crate::directory::catalogue::Entry;
use crate::directory::search::STALE_AFTER_DAYS;
use crate::error::AppError;
use crate::referrals::{ConnectionStatus, DeclineReason};
use crate::state::AppState;
use crate::usecases;
use crate::web::extract::{PageForm, PageUser};
use crate::web::referral_form::capitalised;
use crate::web::render::{error_page, render};
use crate::web::views::Layout;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

struct InboxLine {
    id: i64,
    unread: i64,
    service: String,
    status: String,
    open: bool,
    requested: bool,
    answers: &'static [(&'static str, &'static str, &'static str)],
    sent: String,
    who: Vec<Fact>,
}

/// One of the organisation's own listings, to keep current.
struct OwnListing {
    hsds_id: String,
    name: String,
    status: String,
    places: String,
    checked: String,
    stale: bool,
}

/// A listing as the inbox shows it: places free, and when it was last confirmed correct.
fn own_listing(e: &Entry, today: chrono::NaiveDate) -> OwnListing {
    let s = &e.service;
    let checked = s
        .assured_date
        .as_deref()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let capacity = s.service_capacity.first();
    OwnListing {
        hsds_id: s.id.clone(),
        name: s.name.clone(),
        status: e.document["status"]
            .as_str()
            .unwrap_or("active")
            .to_string(),
        places: match capacity.map(|c| (c.available, c.maximum)) {
            Some((Some(a), Some(m))) => format!("{a} of {m} free"),
            Some((Some(a), None)) => format!("{a} free"),
            _ => "Not said".into(),
        },
        checked: checked.map_or("Never".into(), |d| d.format("%-d %b %Y").to_string()),
        stale: checked.is_none_or(|d| (today - d).num_days() > STALE_AFTER_DAYS),
    }
}

/// The answers offered for a connection (its radios' id prefix, value and label): accept or
/// decline a request, else how it went.
fn answers_for(requested: bool) -> &'static [(&'static str, &'static str, &'static str)] {
    if requested {
        &[
            ("accept", "accepted", "Accept"),
            ("decline", "rejected", "Decline (say why below)"),
        ]
    } else {
        &[
            (
                "attended",
                "attended_first_session",
                "Attended a first session",
            ),
            ("completed", "completed", "Completed"),
            ("failed", "failed", "Did not take place"),
        ]
    }
}

/// One of the inbox's filters, as a link with its count.
struct FilterTab {
    href: String,
    label: &'static str,
    count: i64,
    current: bool,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    layout: Layout,
    organisation: String,
    tabs: Vec<FilterTab>,
    /// The current filter's code and label, and its page, for the forms to come back to.
    show: &'static str,
    showing: &'static str,
    page: i64,
    /// "Showing 26 to 30 of 30".
    range: String,
    previous_link: Option<String>,
    next_link: Option<String>,
    /// An answer was just sent for this connection: say so (and, if its line has left this
    /// list, carry its anchor so the user stays in place).
    answered: Option<i64>,
    answered_here: bool,
    lines: Vec<InboxLine>,
    listings: Vec<OwnListing>,
    /// An answer refused (nothing chosen, a decline without a reason...), shown again.
    refused: Option<AnswerRefused>,
}

/// An answer the inbox refused: which connection, the field and message, what was sent.
struct AnswerRefused {
    connection: i64,
    field: String,
    title: String,
    message: String,
    kept: Vec<(String, String)>,
}

impl InboxPage {
    /// What was sent in a field of this connection's refused answer (empty otherwise).
    fn kept(&self, id: &i64, field: &str) -> &str {
        self.refused
            .as_ref()
            .filter(|r| r.connection == *id)
            .and_then(|r| r.kept.iter().find(|(n, _)| n == field))
            .map_or("", |(_, v)| v.as_str())
    }

    /// The message for a field of this connection's answer, if it is the one refused.
    fn error_for(&self, id: &i64, field: &str) -> Option<&str> {
        self.refused
            .as_ref()
            .filter(|r| r.connection == *id && r.field == field)
            .map(|r| r.message.as_str())
    }

    /// Where the error summary links: the refused field of the refused connection's form.
    fn anchor(&self) -> String {
        let Some(r) = &self.refused else {
            return String::new();
        };
        let requested = self
            .lines
            .iter()
            .any(|l| l.id == r.connection && l.requested);
        match r.field.as_str() {
            "reason" if requested => format!("reason-{}", r.connection),
            "note" => format!("note-{}", r.connection),
            _ if requested => format!("accept-{}", r.connection),
            _ => format!("attended-{}", r.connection),
        }
    }
}

/// The inbox's query string: which filter, which page, and an answer just sent.
#[derive(Deserialize, Default)]
pub struct InboxParams {
    show: Option<String>,
    page: Option<String>,
    answered: Option<String>,
}

/// Page numbers beyond this are treated as this (offsets cannot overflow).
const MAX_PAGE: i64 = 1_000_000;

fn inbox_link(filter: InboxFilter, page: i64) -> String {
    format!("/vcse/inbox?show={}&page={page}", filter.code())
}

pub async fn inbox_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(params): Query<InboxParams>,
) -> Response {
    show_inbox(&state, &user, params, None, StatusCode::OK).await
}

async fn show_inbox(
    state: &AppState,
    user: &CurrentUser,
    params: InboxParams,
    refused: Option<AnswerRefused>,
    status: StatusCode,
) -> Response {
    let filter = InboxFilter::from_code(params.show.as_deref().unwrap_or_default());
    let page = params
        .page
        .as_deref()
        .and_then(|p| p.parse::<i64>().ok())
        .unwrap_or(1)
        .clamp(1, MAX_PAGE);
    let inbox = match usecases::directory::inbox(state, user, filter, page).await {
        Ok(inbox) => inbox,
        Err(e) => return error_page(Some(user), e),
    };
    let today = chrono::Utc::now().date_naive();
    let listings = inbox.listings().map(|e| own_listing(e, today)).collect();
    let total = inbox.total();
    let page = inbox.page;
    let first = (page - 1) * INBOX_PAGE_SIZE;
    let shown = inbox.lines.len() as i64;
    let range = if total == 0 {
        String::new()
    } else {
        format!("Showing {} to {} of {total}", first + 1, first + shown)
    };
    let tabs = InboxFilter::ALL
        .into_iter()
        .map(|f| FilterTab {
            href: inbox_link(f, 1),
            label: f.label(),
            count: inbox.counts.of(f),
            current: f == filter,
        })
        .collect();
    let answered = params
        .answered
        .as_deref()
        .and_then(|a| a.parse::<i64>().ok());
    let answered_here =
        answered.is_some_and(|a| inbox.lines.iter().any(|l| l.connection.connection_id == a));
    let lines = inbox
        .lines
        .into_iter()
        .map(|line| {
            let unread = line.unread_messages;
            let c = line.connection;
            let p = c.person;
            let mut who = Vec::new();
            let mut add = |label, value: Option<String>| {
                if let Some(value) = value.filter(|v| !v.is_empty()) {
                    who.push(Fact { label, value });
                }
            };
            add("Name", p.name);
            add("Phone", p.phone);
            add("Born", p.date_of_birth.map(|d| d.to_string()));
            add("Needs", p.needs.map(|n| n.join(", ")));
            add("What matters", p.what_matters.map(|w| w.join("; ")));
            InboxLine {
                id: c.connection_id,
                unread,
                service: c.service_name,
                status: c.status.label().to_string(),
                open: c.status.is_open(),
                requested: c.status == ConnectionStatus::Requested,
                answers: answers_for(c.status == ConnectionStatus::Requested),
                sent: c.sent_at.format("%-d %b %Y").to_string(),
                who,
            }
        })
        .collect();
    render(
        &InboxPage {
            layout: Layout::new("Connections sent to you", Some(user)),
            organisation: inbox.organisation,
            tabs,
            show: filter.code(),
            showing: filter.label(),
            page,
            range,
            previous_link: (page > 1).then(|| inbox_link(filter, page - 1)),
            next_link: (first + shown < total).then(|| inbox_link(filter, page + 1)),
            answered,
            answered_here,
            lines,
            listings,
            refused,
        },
        status,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AnswerForm {
    status: String,
    #[serde(default)]
    note: String,
    /// The filter and page the answer was sent from, to come back to.
    #[serde(default)]
    show: String,
    #[serde(default)]
    page: String,
    /// A coded decline reason; empty when not declining.
    #[serde(default)]
    reason: String,
}

pub async fn answer_connection(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    sent: PageForm<AnswerForm>,
) -> Response {
    let form = &sent.fields;
    let connection: Option<i64> = id.parse().ok();
    let result = async {
        sent.accept(&user)?;
        let id = connection.ok_or(AppError::NotFound("connection"))?;
        let status = ConnectionStatus::from_code(&form.status).ok_or_else(|| {
            AppError::invalid_field(
                "status",
                "Choose an answer",
                "choose one of the answers offered",
            )
        })?;
        let reason = match form.reason.trim() {
            "" => None,
            code => Some(DeclineReason::from_code(code).ok_or_else(|| {
                AppError::invalid_field(
                    "reason",
                    "Choose a reason",
                    "choose one of the reasons offered",
                )
            })?),
        };
        let reason = crate::referrals::checked_decline_reason(status, reason)?;
        crate::usecases::consent::answer(&state.store, &user, id, status, &form.note, reason).await
    }
    .await;
    match result {
        // Back to the same list and page, at the line answered, with "Answer sent".
        Ok(answered) => {
            let id = answered.connection_id;
            let page = form.page.parse::<i64>().unwrap_or(1).clamp(1, MAX_PAGE);
            let filter = InboxFilter::from_code(&form.show);
            Redirect::to(&format!(
                "{}&answered={id}#connection-{id}",
                inbox_link(filter, page)
            ))
            .into_response()
        }
        // Nothing chosen, or an answer that does not fit: the same list again, at this
        // connection's form, with the error summary and what was sent.
        Err(err @ AppError::Validation { .. }) if connection.is_some() => {
            let status = err.status();
            let problem = err.problem();
            let refused = AnswerRefused {
                connection: connection.unwrap_or_default(),
                field: problem.field.unwrap_or_default(),
                title: problem.title,
                message: capitalised(&problem.detail),
                kept: sent.kept.clone(),
            };
            let params = InboxParams {
                show: Some(sent.fields.show.clone()),
                page: Some(sent.fields.page.clone()),
                answered: None,
            };
            show_inbox(&state, &user, params, Some(refused), status).await
        }
        Err(e) => error_page(Some(&user), e),
    }
}
