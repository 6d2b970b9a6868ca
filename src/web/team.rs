//! A team lead's view of the team: who carries which caseload, how long people wait to be
//! reached, and who is still waiting (with a way to give each referral to someone).

use super::extract::{check_csrf, PageForm, PageUser};
use super::render::{error_page, render};
use super::views::{Choice, Layout, Notice};
use crate::auth::{CurrentUser, Role};
use crate::error::AppError;
use crate::referrals::WorkerLoad;
use crate::state::AppState;
use crate::usecases::{casework, workload};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

pub struct WaitingLine {
    pub referral_id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub received: String,
    pub days: i64,
    pub version: i64,
    pub assigned: bool,
    pub workers: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "team.html")]
pub struct TeamPage {
    pub layout: Layout,
    pub loads: Vec<WorkerLoad>,
    pub waiting: Vec<WaitingLine>,
    pub median_days: Option<String>,
    pub reached: usize,
    /// An assignment refused: the referral and the message, shown in the error summary.
    pub refused: Option<(i64, String)>,
    /// A save just made: its success banner.
    pub notice: Option<Notice>,
}

/// The middle value (the mean of the middle two for an even count).
fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    })
}

/// What a form's redirect says was saved.
#[derive(Deserialize, Default)]
pub struct SavedParams {
    saved: Option<String>,
}

pub async fn team_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(params): Query<SavedParams>,
) -> Response {
    let notice = params.saved.as_deref().and_then(Notice::saved);
    show_team(&state, &user, None, notice, StatusCode::OK).await
}

/// The team page, with a refused assignment's message (the referral and why) if there is one.
async fn show_team(
    state: &AppState,
    user: &CurrentUser,
    refused: Option<(i64, String)>,
    notice: Option<Notice>,
    status: StatusCode,
) -> Response {
    let result = async {
        let now = chrono::Utc::now();
        let found = workload::overview(&state.store, user, now).await?;
        let (loads, waiting, days) = (found.loads, found.waiting, found.days_to_first_contact);
        let reached = days.len();
        let workers = |chosen: Option<i64>| -> Vec<Choice> {
            loads
                .iter()
                .map(|w| Choice::new(&w.id.to_string(), &w.name, Some(w.id) == chosen))
                .collect()
        };
        let waiting = waiting
            .into_iter()
            .map(|w| WaitingLine {
                referral_id: w.referral_id,
                person_id: w.person_id,
                person_name: w.person_name,
                received: w.received_at.format("%-d %b %Y").to_string(),
                days: (now - w.received_at).num_days(),
                version: w.version,
                assigned: w.link_worker_id.is_some(),
                workers: workers(w.link_worker_id),
            })
            .collect();
        Ok::<_, AppError>(TeamPage {
            layout: Layout::new("Your team", Some(user)),
            median_days: median(days).map(|d| format!("{d:.1}")),
            reached,
            loads,
            waiting,
            refused,
            notice,
        })
    }
    .await;
    match result {
        Ok(page) => render(&page, status),
        Err(e) => error_page(Some(user), e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AssignForm {
    csrf: String,
    link_worker_id: String,
    expected_version: String,
}

/// Gives a referral to a link worker in the team (team leads; or a link worker takes one).
pub async fn assign(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    PageForm { fields: form, .. }: PageForm<AssignForm>,
) -> Response {
    let result = async {
        check_csrf(&user, &form.csrf)?;
        let id: i64 = id.parse().map_err(|_| AppError::NotFound("referral"))?;
        let worker: i64 = form.link_worker_id.parse().map_err(|_| {
            AppError::invalid_field(
                "link_worker_id",
                "Choose a link worker",
                "choose who will work with them",
            )
        })?;
        let version: i64 = form.expected_version.parse().map_err(|_| {
            AppError::invalid_field(
                "expected_version",
                "The page was out of date",
                "the page was out of date: reload it and try again",
            )
        })?;
        casework::assign(&state.store, &user, id, version, worker).await
    }
    .await;
    match result {
        Ok(_) if user.role == Role::TeamLead => {
            Redirect::to("/team?saved=assigned").into_response()
        }
        Ok(referral) => Redirect::to(&format!(
            "/people/{}?saved=assigned&referral={}#saved",
            referral.person_id, referral.id
        ))
        .into_response(),
        Err(err @ AppError::Validation { .. }) if user.role == Role::TeamLead => {
            let status = err.status();
            let referral = id.parse().unwrap_or_default();
            let message = crate::web::referral_form::capitalised(&err.problem().detail);
            show_team(&state, &user, Some((referral, message)), None, status).await
        }
        Err(e) => error_page(Some(&user), e),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_median_is_the_middle_value() {
        assert_eq!(super::median(vec![]), None);
        assert_eq!(super::median(vec![5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(super::median(vec![4.0, 1.0, 3.0, 10.0]), Some(3.5));
    }
}
