//! Arranging a volunteer's visit from the person's page.

use super::{finish, form_id};
use crate::error::AppError;
use crate::referrals::VisitPlan;
use crate::state::AppState;
use crate::usecases::visits;
use crate::web::extract::{PageForm, PageUser};
use crate::web::views::Panel;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(in crate::web) struct ArrangeForm {
    csrf: String,
    volunteer_id: String,
    activity: String,
    visit_on: String,
    #[serde(default)]
    visit_time: String,
    #[serde(default)]
    meeting_place: String,
}

pub(in crate::web) async fn arrange_visit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    sent: PageForm<ArrangeForm>,
) -> Response {
    let result = async {
        sent.accept(&user)?;
        let form = &sent.fields;
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
        let visit_time = match form.visit_time.trim() {
            "" => None,
            time => Some(
                chrono::NaiveTime::parse_from_str(time, "%H:%M").map_err(|_| {
                    AppError::invalid_field(
                        "visit_time",
                        "Enter the time",
                        "the time must be like 14:30, or left empty",
                    )
                })?,
            ),
        };
        let meeting_place = crate::api::line_field("meeting_place", &form.meeting_place, 0, 200)?;
        let plan = VisitPlan {
            activity,
            visit_on,
            visit_time,
            meeting_place,
        };
        visits::arrange(&state.store, &user, id, volunteer, &plan).await?;
        Ok(id)
    }
    .await;
    finish(&state, &user, &id, Panel::Visit, sent.kept, result).await
}
