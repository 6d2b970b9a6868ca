//! Recording something the person wants help with.

use super::{finish, form_id};
use crate::error::AppError;
use crate::referrals::Need;
use crate::state::AppState;
use crate::usecases::casework;
use crate::web::extract::{PageForm, PageUser};
use crate::web::views::Panel;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(in crate::web) struct NeedForm {
    csrf: String,
    need: String,
    #[serde(default)]
    notes: String,
}

/// A need chosen on a form, by its code.
pub(super) fn need(code: &str) -> Result<Need, AppError> {
    Need::from_code(code).ok_or_else(|| {
        AppError::invalid_field("need", "Choose a need", "choose what they want help with")
    })
}

pub(in crate::web) async fn record_need(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    sent: PageForm<NeedForm>,
) -> Response {
    let result = async {
        sent.accept(&user)?;
        let form = &sent.fields;
        let id = form_id(&id)?;
        let notes = crate::api::text_field("notes", &form.notes, 0, 2000)?;
        casework::add_need(&state.store, &user, id, need(&form.need)?, &notes).await?;
        Ok(id)
    }
    .await;
    finish(&state, &user, &id, Panel::Need, sent.kept, result).await
}
