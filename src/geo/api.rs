//! Postcode lookup endpoint.

use super::Location;
use crate::api::ReadProblems;
use crate::auth::policy::Action;
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::Json;

/// Where a postcode is and how deprived its area is (IMD 2019, Core20).
#[utoipa::path(get, path = "/postcodes/{postcode}", tag = "geography",
    params(("postcode" = String, Path, description = "A UK postcode, any spacing or case")),
    responses(
        (status = 200, body = Location), ReadProblems))]
pub async fn look_up_postcode(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(postcode): Path<String>,
) -> AppResult<Json<Location>> {
    user.require(Action::LookUpPostcode)?;
    Ok(Json(resolve(&state, &postcode).await?))
}

/// Parses and resolves a postcode, turning failures into field errors.
pub async fn resolve(state: &AppState, input: &str) -> AppResult<Location> {
    resolve_with(&*state.geography().await?, input)
}

/// As `resolve`, with the reference data given (for imports outside the server).
pub fn resolve_with(geography: &super::Geography, input: &str) -> AppResult<Location> {
    Ok(geography.resolve_field(input)?)
}
