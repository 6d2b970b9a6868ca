//! Volunteer visits: a link worker arranges one from the person's page; the volunteer sees
//! their visits (name, phone, what, when; nothing more) and records that each happened.

use super::extract::{check_csrf, KeptForm, PageUser};
use super::forms::{finish, form_id};
use super::render::{error_page, render};
use super::views::Layout;
use super::views::Panel;
use crate::auth::policy::Action;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::visits::VisitToMake;
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct ArrangeForm {
    csrf: String,
    volunteer_id: String,
    activity: String,
    visit_on: String,
}

pub async fn arrange_visit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    KeptForm(form, kept): KeptForm<ArrangeForm>,
) -> Response {
    let result = async {
        check_csrf(&user, &form.csrf)?;
        user.require(Action::WriteCasework)?;
        let id = form_id(&id)?;
        let volunteer = form.volunteer_id.parse().map_err(|_| {
            AppError::invalid_field(
                "volunteer_id",
                "Choose a volunteer",
                "choose who will visit",
            )
        })?;
        let activity = crate::api::text_field("activity", &form.activity, 1, 200)?;
        let visit_on: chrono::NaiveDate = form.visit_on.trim().parse().map_err(|_| {
            AppError::invalid_field(
                "visit_on",
                "Enter the day",
                "the day must be a date like 2026-12-01",
            )
        })?;
        let visit_on = crate::input::DateKind::Visit
            .check(visit_on, chrono::Utc::now().date_naive())
            .map_err(|why| {
                AppError::invalid_field("visit_on", "Choose a day from today on", why)
            })?;
        state
            .store
            .arrange_visit(
                id,
                user.case_scope(),
                volunteer,
                &activity,
                visit_on,
                &user.audit_context(),
            )
            .await?;
        Ok(id)
    }
    .await;
    finish(&state, &user, &id, Panel::Visit, kept, result).await
}

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
}

pub async fn visits_page(State(state): State<AppState>, PageUser(user): PageUser) -> Response {
    let result = async {
        user.require(Action::MakeVisits)?;
        let today = chrono::Utc::now().date_naive();
        // This week's past visits stay on the list so they can still be recorded.
        let since = today - chrono::Duration::days(7);
        let visits = state
            .store
            .visits_to_make(user.id, since, &user.audit_context())
            .await?;
        Ok::<_, AppError>(VisitsPage {
            layout: Layout::new("Your visits", Some(&user)),
            visits: visits
                .into_iter()
                .map(|v| VisitLine::new(v, today))
                .collect(),
        })
    }
    .await;
    match result {
        Ok(page) => render(&page, StatusCode::OK),
        Err(e) => error_page(Some(&user), e),
    }
}

#[derive(Deserialize)]
pub struct DoneForm {
    csrf: String,
    #[serde(default)]
    note: String,
}

pub async fn record_visit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    Form(form): Form<DoneForm>,
) -> Response {
    let result = async {
        check_csrf(&user, &form.csrf)?;
        user.require(Action::MakeVisits)?;
        let id: i64 = id.parse().map_err(|_| AppError::NotFound("visit"))?;
        let note = crate::api::text_field("note", &form.note, 0, 500)?;
        state
            .store
            .record_visit(id, user.id, &note, &user.audit_context())
            .await
            .map_err(AppError::from)
    }
    .await;
    match result {
        Ok(()) => Redirect::to("/visits").into_response(),
        Err(e) => error_page(Some(&user), e),
    }
}
