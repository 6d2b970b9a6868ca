//! Moving a referral to its next state (accepting, closing with a reason, ...).

use super::{finish, form_id, out_of_date};
use crate::error::AppError;
use crate::referrals::{CloseReason, NewTransition, ReferralState};
use crate::state::AppState;
use crate::usecases::casework;
use crate::web::extract::{PageForm, PageUser};
use crate::web::views::Panel;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(in crate::web) struct TransitionForm {
    csrf: String,
    to: String,
    expected_version: String,
    reason: Option<String>,
    note: Option<String>,
}

pub(in crate::web) async fn record_transition(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    sent: PageForm<TransitionForm>,
) -> Response {
    let result = async {
        sent.accept(&user)?;
        let form = &sent.fields;
        let id = form_id(&id)?;
        let to = ReferralState::from_code(&form.to).ok_or_else(|| {
            AppError::invalid_field("to", "Choose the new state", "choose what happens next")
        })?;
        let expected_version = form.expected_version.parse().map_err(|_| out_of_date())?;
        let reason = match form.reason.as_deref() {
            None | Some("") => None,
            Some(r) => Some(CloseReason::from_code(r).ok_or_else(|| {
                AppError::invalid_field("reason", "Choose a reason", "unknown reason")
            })?),
        };
        let note = form
            .note
            .as_deref()
            .map(|n| crate::api::text_field("note", n, 0, 2000))
            .transpose()?;
        let change = NewTransition {
            to,
            expected_version,
            reason,
            note,
        };
        casework::transition(&state.store, &user, &state.settings.lifecycle, id, change).await?;
        Ok(id)
    }
    .await;
    finish(&state, &user, &id, Panel::State, sent.kept, result).await
}
