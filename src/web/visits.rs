//! A volunteer's visits: the ones they are to make (name, phone, what, when; nothing more),
//! and recording that each happened. Link workers arrange them (`forms/visit.rs`).

use super::extract::{check_csrf, PageForm, PageUser};
use super::render::{error_page, render};
use super::views::{Layout, Saved};
use crate::error::AppError;
use crate::referrals::VisitToMake;
use crate::state::AppState;
use crate::usecases::visits;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

pub struct VisitLine {
    pub id: i64,
    pub name: String,
    pub phone: String,
    pub activity: String,
    pub day: String,
    pub today: bool,
    pub done: bool,
}

impl VisitLine {
    fn new(v: VisitToMake, today: chrono::NaiveDate) -> VisitLine {
        VisitLine {
            id: v.id,
            name: v.person_name,
            phone: v
                .phone
                .unwrap_or_else(|| "No phone number: ask the link worker".into()),
            activity: v.activity,
            day: v.visit_on.format("%A %-d %B").to_string(),
            today: v.visit_on == today,
            done: v.visited_at.is_some(),
        }
    }
}

#[derive(Template)]
#[template(path = "visits.html")]
pub struct VisitsPage {
    pub layout: Layout,
    pub visits: Vec<VisitLine>,
    /// A save just made: its success banner.
    pub saved: Option<Saved>,
}

/// What a form's redirect says was saved.
#[derive(Deserialize, Default)]
pub struct SavedParams {
    saved: Option<String>,
}

pub async fn visits_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(params): Query<SavedParams>,
) -> Response {
    let result = async {
        let today = chrono::Utc::now().date_naive();
        // This week's past visits stay on the list so they can still be recorded.
        let since = today - chrono::Duration::days(7);
        let visits = visits::to_make(&state.store, &user, since).await?;
        Ok::<_, AppError>(VisitsPage {
            layout: Layout::new("Your visits", Some(&user)),
            visits: visits
                .into_iter()
                .map(|v| VisitLine::new(v, today))
                .collect(),
            saved: params.saved.as_deref().and_then(Saved::of_code),
        })
    }
    .await;
    match result {
        Ok(page) => render(&page, StatusCode::OK),
        Err(e) => error_page(Some(&user), e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneForm {
    csrf: String,
    #[serde(default)]
    note: String,
}

pub async fn record_visit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    PageForm { fields: form, .. }: PageForm<DoneForm>,
) -> Response {
    let result = async {
        check_csrf(&user, &form.csrf)?;
        let id: i64 = id.parse().map_err(|_| AppError::NotFound("visit"))?;
        let note = crate::api::text_field("note", &form.note, 0, 500)?;
        visits::record(&state.store, &user, id, &note).await
    }
    .await;
    match result {
        Ok(()) => Redirect::to("/visits?saved=visit_done#saved").into_response(),
        Err(e) => error_page(Some(&user), e),
    }
}
