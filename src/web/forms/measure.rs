//! Recording a questionnaire (ONS4, SWEMWBS or UCLA-3) with its answers item by item.

use super::{finish, form_id};
use crate::error::AppError;
use crate::measures::Instrument;
use crate::referrals::{MeasureTiming, NewMeasure};
use crate::state::AppState;
use crate::usecases::casework;
use crate::web::extract::{PageForm, PageUser};
use crate::web::views::Panel;
use axum::extract::{Path, State};
use axum::response::Response;
use std::collections::HashMap;

pub(in crate::web) async fn record_measure(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    sent: PageForm<HashMap<String, String>>,
) -> Response {
    let result = async {
        sent.accept(&user)?;
        let form = &sent.fields;
        let id = form_id(&id)?;
        let instrument = form
            .get("instrument")
            .and_then(|i| Instrument::from_code(i))
            .ok_or_else(|| {
                AppError::invalid_field(
                    "instrument",
                    "Choose a questionnaire",
                    "unknown questionnaire",
                )
            })?;
        let timing = form
            .get("timing")
            .and_then(|t| MeasureTiming::from_code(t))
            .ok_or_else(|| {
                AppError::invalid_field(
                    "timing",
                    "Choose baseline or follow-up",
                    "say whether this is a baseline or a follow-up",
                )
            })?;
        let mut items = Vec::with_capacity(instrument.item_count());
        for i in 1..=instrument.item_count() {
            let raw = form
                .get(&format!("item{i}"))
                .map(|s| s.trim())
                .unwrap_or_default();
            items.push(if raw.is_empty() {
                None
            } else {
                Some(raw.parse::<i64>().map_err(|_| {
                    AppError::invalid_field(
                        "answers",
                        "Answers must be numbers",
                        format!("item {i} must be a number"),
                    )
                })?)
            });
        }
        let unanswered = items.iter().filter(|i| i.is_none()).count();
        if unanswered > 0 && form.get("incomplete").map(String::as_str) != Some("yes") {
            // Asked before saving: an incomplete questionnaire is kept but never scored, so
            // it cannot show a change later.
            return Err(AppError::invalid_field(
                "incomplete",
                "Some questions are not answered",
                format!(
                    "{unanswered} of {} questions are not answered. Answer them, or tick \"Save it even if some questions are not answered\": an incomplete questionnaire is kept but never scored",
                    instrument.item_count()
                ),
            ));
        }
        let today = chrono::Utc::now().date_naive();
        let measure = NewMeasure::parse(instrument, &items, timing, None, today)?;
        casework::add_measure(&state.store, &user, id, &measure).await?;
        Ok(id)
    }
    .await;
    let panel = sent
        .fields
        .get("instrument")
        .and_then(|i| Instrument::from_code(i))
        .map_or(Panel::Connect, Panel::Measure);
    finish(&state, &user, &id, panel, sent.kept, result).await
}
