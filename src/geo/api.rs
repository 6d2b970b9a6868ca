//! Postcode lookup endpoint.

use super::{GeoError, Location, Postcode};
use crate::api::ReadProblems;
use crate::auth::policy::Action;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
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
    let postcode = Postcode::parse(input)
        .map_err(|e| AppError::invalid_field("postcode", "Invalid postcode", e.to_string()))?;
    geography.resolve(&postcode).map_err(|e| match e {
        GeoError::Malformed(e) => {
            AppError::invalid_field("postcode", "Invalid postcode", e.to_string())
        }
        GeoError::Unknown(_) => {
            AppError::invalid_field("postcode", "Unknown postcode", e.to_string())
        }
    })
}
