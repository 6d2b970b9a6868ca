//! Places: where a postcode is and how deprived its area is (IMD 2019, Core20).

use crate::auth::policy::Action;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::geo::{GeoError, Geography, Location, Postcode};
use crate::state::AppState;

/// Looks a postcode up for a user whose role may (the `/api/v1/postcodes` endpoint).
pub async fn look_up(
    state: &AppState,
    user: &CurrentUser,
    postcode: &Postcode,
) -> AppResult<Location> {
    user.require(Action::LookUpPostcode)?;
    locate(state, postcode).await
}

/// Places a postcode with the shipped lookup, for a use case that has already applied its
/// own policy (a directory search from a postcode, a person's home for matching).
pub async fn locate(state: &AppState, postcode: &Postcode) -> AppResult<Location> {
    locate_in(&*state.geography().await?, postcode)
}

/// As [`locate`], with the reference data given (imports outside the server). A postcode
/// the lookup cannot place, even by sector or district, is a field error.
pub fn locate_in(geography: &Geography, postcode: &Postcode) -> AppResult<Location> {
    geography.resolve(postcode).map_err(|e| match e {
        GeoError::Malformed(e) => {
            AppError::invalid_field("postcode", "Invalid postcode", e.to_string())
        }
        GeoError::Unknown(_) => {
            AppError::invalid_field("postcode", "Unknown postcode", e.to_string())
        }
    })
}
