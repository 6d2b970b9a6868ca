//! Recording GP consultations and A&E attendances before or after a referral from the
//! person's page (docs/service-use.md).

use super::{finish, form_id};
use crate::error::AppError;
use crate::service_use::{Counts, NewServiceUse, Source, Window};
use crate::state::AppState;
use crate::usecases;
use crate::web::extract::{PageForm, PageUser};
use crate::web::views::Panel;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

/// Every field defaults to empty, so a missing field is answered by the error summary.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(in crate::web) struct ServiceUseForm {
    csrf: String,
    window: String,
    gp_consultations: String,
    ae_attendances: String,
}

/// A count typed on the form: empty is "not given".
fn typed(field: &str, text: &str) -> Result<Option<i64>, AppError> {
    match text.trim() {
        "" => Ok(None),
        t => t.parse().map(Some).map_err(|_| {
            AppError::invalid_field(
                field,
                "Enter a whole number",
                format!(
                    "the number of {} must be a whole number, like 3, or left empty",
                    if field == "gp_consultations" {
                        "GP consultations"
                    } else {
                        "A&E attendances"
                    }
                ),
            )
        }),
    }
}

pub(in crate::web) async fn record_service_use(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    sent: PageForm<ServiceUseForm>,
) -> Response {
    let result = async {
        sent.accept(&user)?;
        let form = &sent.fields;
        let id = form_id(&id)?;
        let window = Window::from_code(form.window.trim()).ok_or_else(|| {
            AppError::invalid_field(
                "window",
                "Choose the 6 months",
                "choose the 6 months before or after the referral",
            )
        })?;
        let counts = Counts::check(
            typed("gp_consultations", &form.gp_consultations)?,
            typed("ae_attendances", &form.ae_attendances)?,
        )?;
        let new = NewServiceUse {
            window,
            counts,
            source: Source::LinkWorker,
        };
        usecases::service_use::record(&state.store, &user, id, new).await?;
        Ok(id)
    }
    .await;
    finish(&state, &user, &id, Panel::ServiceUse, sent.kept, result).await
}
