//! The link worker confirms, with the person, consent that arrived with a referral.

use crate::error::AppError;
use crate::state::AppState;
use crate::usecases::consent;
use crate::web::extract::{check_csrf, PageUser};
use crate::web::render::error_page;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Deserialize)]
pub(in crate::web) struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

pub(in crate::web) async fn confirm_consent(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Response {
    let result = async {
        check_csrf(&user, &form.csrf)?;
        let id: i64 = id.parse().map_err(|_| AppError::NotFound("consent"))?;
        consent::confirm(&state.store, &user, id).await
    }
    .await;
    match result {
        Ok(consent) => {
            Redirect::to(&format!("/people/{}#consents-heading", consent.person_id)).into_response()
        }
        Err(e) => error_page(Some(&user), e),
    }
}
