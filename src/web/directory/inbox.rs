//! `/vcse/inbox`: a community organisation's connections and own listings, and its answers.

use super::Fact;
use crate::directory::catalogue::Entry;
use crate::directory::search::STALE_AFTER_DAYS;
use crate::error::AppError;
use crate::referrals::ConnectionStatus;
use crate::state::AppState;
use crate::usecases;
use crate::web::extract::{check_csrf, PageUser};
use crate::web::render::{error_page, render};
use crate::web::views::Layout;
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

struct InboxLine {
    id: i64,
    service: String,
    status: String,
    open: bool,
    requested: bool,
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

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    layout: Layout,
    organisation: String,
    lines: Vec<InboxLine>,
    listings: Vec<OwnListing>,
}

pub async fn inbox_page(State(state): State<AppState>, PageUser(user): PageUser) -> Response {
    let inbox = match usecases::directory::inbox(&state, &user).await {
        Ok(inbox) => inbox,
        Err(e) => return error_page(Some(&user), e),
    };
    let today = chrono::Utc::now().date_naive();
    let listings = inbox.listings().map(|e| own_listing(e, today)).collect();
    let lines = inbox
        .connections
        .into_iter()
        .map(|c| {
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
                service: c.service_name,
                status: c.status.label().to_string(),
                open: c.status.is_open(),
                requested: c.status == ConnectionStatus::Requested,
                sent: c.sent_at.format("%-d %b %Y").to_string(),
                who,
            }
        })
        .collect();
    render(
        &InboxPage {
            layout: Layout::new("Connections sent to you", Some(&user)),
            organisation: inbox.organisation,
            lines,
            listings,
        },
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub struct AnswerForm {
    csrf: String,
    status: String,
    #[serde(default)]
    note: String,
}

pub async fn answer_connection(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    Form(form): Form<AnswerForm>,
) -> Response {
    let result = async {
        check_csrf(&user, &form.csrf)?;
        let id: i64 = id.parse().map_err(|_| AppError::NotFound("connection"))?;
        let status = ConnectionStatus::from_code(&form.status).ok_or_else(|| {
            AppError::invalid_field(
                "status",
                "Choose an answer",
                "choose one of the answers offered",
            )
        })?;
        crate::consent::api::answer(&state, &user, id, status, &form.note).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to("/vcse/inbox").into_response(),
        Err(e) => error_page(Some(&user), e),
    }
}
