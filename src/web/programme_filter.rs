//! The programme filter every report page offers (docs/programmes.md): a select of the
//! programmes, "All programmes" by default, read back from `?programme=ID`.

use super::views::Choice;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The programme asked for: none when the field is empty or absent; a field error when it
/// is not a programme id.
pub fn asked(text: Option<&str>) -> AppResult<Option<i64>> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => t.parse::<i64>().map(Some).map_err(|_| {
            AppError::invalid_field(
                "programme",
                "Unknown programme",
                "choose a programme from the list",
            )
        }),
    }
}

/// The programmes to choose from, the one asked for selected.
pub async fn choices(
    state: &AppState,
    user: &CurrentUser,
    selected: Option<i64>,
) -> AppResult<Vec<Choice>> {
    Ok(crate::usecases::programmes::list(&state.store, user)
        .await?
        .iter()
        .map(|p| Choice::new(&p.id.to_string(), &p.name, Some(p.id) == selected))
        .collect())
}

/// `&programme=ID` for links that carry the filter, or nothing.
pub fn query_part(programme: Option<i64>) -> String {
    programme.map_or_else(String::new, |p| format!("&programme={p}"))
}
