//! The directory's JSON endpoints: search, matches for a referral, and keeping listings
//! current. Each checks its input and calls its use case (`usecases::directory`).

use super::curation::{ListingChange, ListingChangeRecord};
use super::results::{MatchResult, SearchResults};
use super::search::{weekday, Feature, Mode, SearchQuery};
use crate::api::{ApiQuery, ReadProblems};
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::referrals::Need;
use crate::state::AppState;
use crate::usecases;
use axum::extract::State;
use axum::Json;
use chrono::NaiveTime;
use serde::Deserialize;
use utoipa::IntoParams;

/// Results returned at most.
pub const MOST_RESULTS: usize = 100;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words to look for (ranked; one typo per word is forgiven).
    pub q: Option<String>,
    /// A Linkwell need code: services listed under that need.
    pub need: Option<String>,
    /// A taxonomy term id.
    pub taxonomy_term_id: Option<String>,
    /// Measure distance from this postcode.
    pub postcode: Option<String>,
    /// Only in-person services within this many kilometres of the postcode.
    pub within_km: Option<f64>,
    /// The person's age.
    pub age: Option<f64>,
    /// Open on this day (a name like "Monday", or "today").
    pub day: Option<String>,
    /// Open at this time (HH:MM).
    pub time: Option<String>,
    /// Delivered in any of these ways: comma-separated in_person, phone, online.
    pub mode: Option<String>,
    /// Free of charge only.
    pub free: Option<bool>,
    /// Every one of these: comma-separated step_free, hearing_loop.
    pub accessibility: Option<String>,
    /// Only services with places free now.
    pub has_capacity: Option<bool>,
    /// Results wanted (1-100, default 20).
    pub limit: Option<usize>,
    /// `relevance` (best match first, the default) or `distance` (nearest to the postcode
    /// first; needs a postcode).
    pub sort: Option<String>,
}

fn list<T>(
    field: &str,
    text: &Option<String>,
    parse: impl Fn(&str) -> Option<T>,
) -> AppResult<Vec<T>> {
    text.as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| {
            parse(c).ok_or_else(|| {
                AppError::invalid_field(
                    field,
                    "Unknown value",
                    format!("{c:?} is not a known {field}"),
                )
            })
        })
        .collect()
}

impl SearchParams {
    /// Checks every parameter into a query (the postcode is resolved by the caller).
    pub fn query(&self, today: chrono::NaiveDate) -> AppResult<SearchQuery> {
        let day = match self.day.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(d) if d.eq_ignore_ascii_case("today") => Some(weekday(today)),
            Some(d) => Some(
                super::search::DAY_NAMES
                    .iter()
                    .position(|n| n.eq_ignore_ascii_case(d) || n[..2].eq_ignore_ascii_case(d))
                    .ok_or_else(|| {
                        AppError::invalid_field(
                            "day",
                            "Invalid day",
                            "day must be a day name or \"today\"",
                        )
                    })?,
            ),
        };
        let time = match self.time.as_deref().filter(|t| !t.trim().is_empty()) {
            None => None,
            Some(t) => Some(NaiveTime::parse_from_str(t.trim(), "%H:%M").map_err(|_| {
                AppError::invalid_field("time", "Invalid time", "time must be like 14:30")
            })?),
        };
        let term = match (&self.need, &self.taxonomy_term_id) {
            (Some(_), Some(_)) => {
                return Err(AppError::invalid_field(
                    "need",
                    "Two categories",
                    "give a need or a taxonomy_term_id, not both",
                ))
            }
            (Some(code), None) => Some(super::taxonomy::need_term_id(
                Need::from_code(code).ok_or_else(|| {
                    AppError::invalid_field(
                        "need",
                        "Unknown need",
                        format!("{code:?} is not a need code"),
                    )
                })?,
            )),
            (None, term) => term.clone(),
        };
        if self.age.is_some_and(|a| !(0.0..=150.0).contains(&a)) {
            return Err(AppError::invalid_field(
                "age",
                "Invalid age",
                "age must be from 0 to 150",
            ));
        }
        let within = match self.within_km {
            Some(km) if !(km > 0.0 && km <= 500.0) => {
                return Err(AppError::invalid_field(
                    "within_km",
                    "Invalid distance",
                    "within_km must be above 0 and at most 500",
                ))
            }
            Some(_) if self.postcode.is_none() => {
                return Err(AppError::invalid_field(
                    "within_km",
                    "Distance needs a postcode",
                    "give the postcode to measure from",
                ))
            }
            km => km.map(|k| k * 1000.0),
        };
        let nearest_first = match self.sort.as_deref().map(str::trim) {
            None | Some("") | Some("relevance") => false,
            Some("distance") if self.postcode.is_some() => true,
            Some("distance") => {
                return Err(AppError::invalid_field(
                    "sort",
                    "Sorting by distance needs a postcode",
                    "give the postcode to measure from",
                ))
            }
            Some(other) => {
                return Err(AppError::invalid_field(
                    "sort",
                    "Unknown sort",
                    format!("{other:?} is not relevance or distance"),
                ))
            }
        };
        let limit = self.limit.unwrap_or(20);
        if !(1..=MOST_RESULTS).contains(&limit) {
            return Err(AppError::invalid_field(
                "limit",
                "Invalid limit",
                format!("limit must be from 1 to {MOST_RESULTS}"),
            ));
        }
        if self.q.as_deref().is_some_and(|q| q.chars().count() > 200) {
            return Err(AppError::invalid_field(
                "q",
                "Text too long",
                "q must be at most 200 characters",
            ));
        }
        Ok(SearchQuery {
            text: self.q.clone(),
            term,
            within_metres: within,
            age: self.age,
            day,
            time,
            modes: list("mode", &self.mode, Mode::from_code)?,
            free_only: self.free.unwrap_or(false),
            features: list("accessibility", &self.accessibility, Feature::from_code)?,
            has_capacity: self.has_capacity.unwrap_or(false),
            today: Some(today),
            limit,
            nearest_first,
            ..SearchQuery::default()
        })
    }
}

/// Searches the directory: every given filter must hold; results say why they matched.
#[utoipa::path(get, path = "/directory/search", tag = "directory",
    params(SearchParams),
    responses((status = 200, body = SearchResults), ReadProblems))]
pub async fn search(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> AppResult<Json<SearchResults>> {
    Ok(Json(search_directory(&state, &user, &params).await?))
}

/// Checks the parameters and runs the search (for the API and the directory page).
pub async fn search_directory(
    state: &AppState,
    user: &CurrentUser,
    params: &SearchParams,
) -> AppResult<SearchResults> {
    let query = params.query(chrono::Utc::now().date_naive())?;
    let from = params
        .postcode
        .as_deref()
        .map(crate::geo::api::parse_postcode)
        .transpose()?;
    usecases::directory::search(state, user, query, from.as_ref()).await
}

/// Services matched to one referral's person: their recorded needs and barriers, age and
/// home. Five per need at most, best first.
#[utoipa::path(get, path = "/referrals/{id}/matches", tag = "directory",
    params(("id" = i64, Path, description = "Referral id")),
    responses((status = 200, body = Vec<MatchResult>), ReadProblems))]
pub async fn matches(
    State(state): State<AppState>,
    user: CurrentUser,
    crate::api::Id(id): crate::api::Id,
) -> AppResult<Json<Vec<MatchResult>>> {
    let found = usecases::directory::matches(&state, &user, id).await?;
    Ok(Json(found.services))
}

/// Changes a listing: its organisation (its own listings only) or an administrator.
/// Places, status, ages, wording, or "confirmed correct today"; kept in its history.
#[utoipa::path(post, path = "/directory/services/{id}/changes", tag = "directory",
    params(("id" = String, Path, description = "The service's HSDS id")),
    request_body = ListingChange,
    responses((status = 200, description = "The listing's HSDS record after the change", body = Object), crate::api::WriteProblems))]
pub async fn change_listing(
    State(state): State<AppState>,
    user: CurrentUser,
    axum::extract::Path(id): axum::extract::Path<String>,
    crate::api::ApiJson(change): crate::api::ApiJson<ListingChange>,
) -> AppResult<Json<serde_json::Value>> {
    Ok(Json(
        usecases::directory::change_listing(&state.store, &user, &id, &change).await?,
    ))
}

/// Changes made to a listing in Linkwell, newest first.
#[utoipa::path(get, path = "/directory/services/{id}/history", tag = "directory",
    params(("id" = String, Path, description = "The service's HSDS id")),
    responses((status = 200, body = Vec<ListingChangeRecord>), ReadProblems))]
pub async fn listing_history(
    State(state): State<AppState>,
    user: CurrentUser,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> AppResult<Json<Vec<ListingChangeRecord>>> {
    Ok(Json(
        usecases::directory::listing_history(&state, &user, &id).await?,
    ))
}
