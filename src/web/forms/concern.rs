//! Recording a risk or safeguarding concern from the person's page.

use super::{finish, form_id};
use crate::error::AppError;
use crate::safeguarding::{ConcernKind, NewConcern};
use crate::state::AppState;
use crate::usecases::concerns;
use crate::web::extract::{check_csrf, PageForm, PageUser};
use crate::web::views::Panel;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

/// Every field defaults to empty, so a missing field is answered by the error summary.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(in crate::web) struct ConcernForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    action_taken: String,
    #[serde(default)]
    referred_to_lead_on: String,
}

pub(in crate::web) async fn record_concern(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    PageForm {
        fields: form, kept, ..
    }: PageForm<ConcernForm>,
) -> Response {
    let result = async {
        check_csrf(&user, &form.csrf)?;
        let id = form_id(&id)?;
        let kind = ConcernKind::from_code(form.kind.trim()).ok_or_else(|| {
            AppError::invalid_field(
                "kind",
                "Choose the kind of concern",
                "choose the kind of concern, or \"Another risk to the person or to others\"",
            )
        })?;
        let referred = match form.referred_to_lead_on.trim() {
            "" => None,
            day => Some(day.parse().map_err(|_| {
                AppError::invalid_field(
                    "referred_to_lead_on",
                    "Enter the day",
                    "the day it was referred must be a date like 2026-11-30, or left empty",
                )
            })?),
        };
        let concern = NewConcern::check(
            kind,
            &form.description,
            &form.action_taken,
            referred,
            chrono::Utc::now().date_naive(),
        )?;
        concerns::record(&state.store, &user, id, &concern).await?;
        Ok(id)
    }
    .await;
    finish(&state, &user, &id, Panel::Concern, kept, result).await
}
