//! The link worker confirms, with the person, consent that arrived with a referral.

use crate::error::AppError;
use crate::state::AppState;
use crate::usecases::consent;
use crate::web::extract::{NoFields, PageForm, PageUser};
use crate::web::render::error_page;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

pub(in crate::web) async fn confirm_consent(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    sent: PageForm<NoFields>,
) -> Response {
    let result = async {
        sent.accept(&user)?;
        let id: i64 = id.parse().map_err(|_| AppError::NotFound("consent"))?;
        consent::confirm(&state.store, &user, id).await
    }
    .await;
    match result {
        Ok(consent) => Redirect::to(&format!(
            "/people/{}?saved=consent#saved",
            consent.person_id
        ))
        .into_response(),
        Err(e) => error_page(Some(&user), e),
    }
}
