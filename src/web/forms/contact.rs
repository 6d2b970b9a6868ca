//! Recording a contact with the person (how, how long, whether reached, what matters).

use super::{finish_noting, form_id};
use crate::error::AppError;
use crate::referrals::{ContactMode, NewContact};
use crate::state::AppState;
use crate::usecases::casework;
use crate::web::extract::{PageForm, PageUser};
use crate::web::views::{Notice, Panel};
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(in crate::web) struct ContactForm {
    csrf: String,
    mode: String,
    duration_minutes: String,
    reached: Option<String>,
    notes: String,
    what_matters: Option<String>,
    follow_up_on: Option<String>,
}

pub(in crate::web) async fn record_contact(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    sent: PageForm<ContactForm>,
) -> Response {
    let result = async {
        sent.accept(&user)?;
        let form = &sent.fields;
        let id = form_id(&id)?;
        let mode = ContactMode::from_code(&form.mode).ok_or_else(|| {
            AppError::invalid_field(
                "mode",
                "Choose how the contact happened",
                "choose in person, phone, video, home visit or text",
            )
        })?;
        let duration_minutes = form.duration_minutes.trim().parse().map_err(|_| {
            AppError::invalid_field(
                "duration_minutes",
                "Enter the duration",
                "duration must be a whole number of minutes",
            )
        })?;
        let follow_up_on = match form.follow_up_on.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(d) => Some(d.parse().map_err(|_| {
                AppError::invalid_field(
                    "follow_up_on",
                    "Enter a real date",
                    "the follow-up date must be a date like 2026-12-01",
                )
            })?),
        };
        let now = chrono::Utc::now();
        let contact = NewContact {
            at: now,
            mode,
            duration_minutes,
            reached: form.reached.is_some(),
            notes: form.notes.clone(),
            what_matters: form.what_matters.clone(),
            follow_up_on,
        }
        .checked(now)?;
        let recorded = casework::add_contact(&state.store, &user, id, &contact).await?;
        Ok((
            id,
            Notice::of_contact(recorded.taken, recorded.moved_to.is_some()),
        ))
    }
    .await;
    finish_noting(&state, &user, &id, Panel::Contact, sent.kept, result).await
}
