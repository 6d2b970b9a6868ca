//! Postcode lookup endpoint, and the postcode checks other edges share.

use super::{Location, Postcode};
use crate::api::ReadProblems;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::usecases;
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
    let postcode = parse_postcode(&postcode)?;
    Ok(Json(
        usecases::geo::look_up(&state, &user, &postcode).await?,
    ))
}

/// Reads a postcode as typed (any spacing or case); a malformed one is a field error.
pub fn parse_postcode(input: &str) -> AppResult<Postcode> {
    Postcode::parse(input)
        .map_err(|e| AppError::invalid_field("postcode", "Invalid postcode", e.to_string()))
}

/// Parses and places a postcode, turning failures into field errors.
pub async fn resolve(state: &AppState, input: &str) -> AppResult<Location> {
    usecases::geo::locate(state, &parse_postcode(input)?).await
}

/// As `resolve`, with the reference data given (for imports outside the server).
pub fn resolve_with(geography: &super::Geography, input: &str) -> AppResult<Location> {
    usecases::geo::locate_in(geography, &parse_postcode(input)?)
}
