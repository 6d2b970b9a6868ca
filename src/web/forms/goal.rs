//! Recording a goal agreed with the person, and progress on it.

use super::need::need;
use super::{finish, form_id};
use crate::error::AppError;
use crate::state::AppState;
use crate::usecases::casework;
use crate::web::extract::{PageForm, PageUser};
use crate::web::views::Panel;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(in crate::web) struct GoalForm {
    csrf: String,
    description: String,
    #[serde(default)]
    need: String,
}

pub(in crate::web) async fn record_goal(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    sent: PageForm<GoalForm>,
) -> Response {
    let result = async {
        sent.accept(&user)?;
        let form = &sent.fields;
        let id = form_id(&id)?;
        let description = crate::api::text_field("description", &form.description, 1, 1000)?;
        let need = match form.need.as_str() {
            "" => None,
            code => Some(need(code)?),
        };
        casework::add_goal(&state.store, &user, id, &description, need).await?;
        Ok(id)
    }
    .await;
    finish(&state, &user, &id, Panel::Goal, sent.kept, result).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(in crate::web) struct ProgressForm {
    csrf: String,
    /// The referral the goal belongs to, to come back to.
    referral: String,
    progress: String,
    #[serde(default)]
    note: String,
}

pub(in crate::web) async fn record_progress(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(goal): Path<String>,
    sent: PageForm<ProgressForm>,
) -> Response {
    let result = async {
        sent.accept(&user)?;
        let form = &sent.fields;
        let goal: i64 = goal.parse().map_err(|_| AppError::NotFound("goal"))?;
        let progress = form
            .progress
            .parse::<i32>()
            .ok()
            .filter(|p| (0..=10).contains(p))
            .ok_or_else(|| {
                AppError::invalid_field(
                    "progress",
                    "Choose how far along the goal is",
                    "progress is 0 (not started) to 10 (achieved)",
                )
            })?;
        let note = crate::api::text_field("note", &form.note, 0, 2000)?;
        let goal = casework::add_goal_progress(&state.store, &user, goal, progress, &note).await?;
        Ok(goal.referral_id)
    }
    .await;
    finish(
        &state,
        &user,
        &sent.fields.referral,
        Panel::Progress(goal.parse().unwrap_or(0)),
        sent.kept,
        result,
    )
    .await
}
