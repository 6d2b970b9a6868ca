//! `GET /api/v1/directory/search`: the link workers' directory search.

use super::curation::ListingChange;
use super::search::{weekday, Feature, Mode, SearchQuery};
use crate::api::{ApiQuery, ReadProblems};
use crate::auth::policy::Action;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::referrals::Need;
use crate::state::AppState;
use crate::store::directory::ListingChangeRecord;
use axum::extract::State;
use axum::Json;
use chrono::NaiveTime;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

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
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResult {
    /// Linkwell's service id, for connections.
    pub service_id: i64,
    /// The HSDS id.
    pub id: String,
    pub name: String,
    pub organisation: Option<String>,
    pub distance_km: Option<f64>,
    /// Not checked as correct for over a year.
    pub stale: bool,
    pub assured_date: Option<String>,
    /// Why it matched, in plain words.
    pub reasons: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    /// Matches in all (only the first `limit` are listed).
    pub total: usize,
    pub results: Vec<SearchResult>,
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
    user.require(Action::ReadServices)?;
    Ok(Json(search_directory(&state, &params).await?))
}

/// Runs a checked search (for the API and the directory page).
pub async fn search_directory(state: &AppState, params: &SearchParams) -> AppResult<SearchResults> {
    let mut query = params.query(chrono::Utc::now().date_naive())?;
    if let Some(postcode) = params.postcode.as_deref() {
        let place = crate::geo::api::resolve(state, postcode).await?;
        query.origin = place.latitude.zip(place.longitude);
        if query.origin.is_none() {
            return Err(AppError::invalid_field(
                "postcode",
                "Postcode has no position",
                "that postcode has no known position",
            ));
        }
        query.origin_label = place.postcode;
    }
    let catalogue = state.directory.get(&state.store).await?;
    let limit = query.limit;
    query.limit = 0;
    let hits = catalogue.index.search(&query);
    let results = hits
        .iter()
        .take(limit)
        .map(|hit| {
            let entry = &catalogue.entries[hit.entry];
            SearchResult {
                service_id: entry.id,
                id: entry.service.id.clone(),
                name: entry.service.name.clone(),
                organisation: entry.service.organization.as_ref().map(|o| o.name.clone()),
                distance_km: hit.distance_metres.map(|m| (m / 100.0).round() / 10.0),
                stale: hit.stale,
                assured_date: entry.service.assured_date.clone(),
                reasons: hit.reasons.clone(),
            }
        })
        .collect();
    Ok(SearchResults {
        total: hits.len(),
        results,
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MatchResult {
    /// Linkwell's service id, for a connection.
    pub service_id: i64,
    /// The HSDS id.
    pub id: String,
    pub name: String,
    pub organisation: Option<String>,
    /// The need this service is for.
    pub need: Need,
    pub distance_km: Option<f64>,
    /// Why it ranks where it does.
    pub why: String,
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
    Ok(Json(matches_for(&state, &user, id).await?))
}

/// Matches for one referral the user may see (for the API and the matches page).
pub async fn matches_for(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> AppResult<Vec<MatchResult>> {
    user.require(Action::ReadCasework)?;
    let detail = crate::usecases::referrals::detail(&state.store, user, id).await?;
    let casework = detail.casework.ok_or(AppError::NotFound("referral"))?;
    let mut needs: Vec<Need> = Vec::new();
    for n in &casework.needs {
        if !needs.contains(&n.need) {
            needs.push(n.need);
        }
    }
    if needs.is_empty() {
        return Err(AppError::invalid_field(
            "needs",
            "No needs recorded",
            "record what the person wants help with before matching services",
        ));
    }
    let person = state
        .store
        .person(detail.referral.person_id, user.case_scope())
        .await?
        .ok_or(AppError::NotFound("referral"))?;
    let geography = state.geography().await?;
    let home = crate::geo::Postcode::parse(&person.postcode)
        .ok()
        .and_then(|p| geography.resolve(&p).ok())
        .and_then(|l| l.latitude.zip(l.longitude));
    let today = chrono::Utc::now().date_naive();
    let age = today.years_since(person.date_of_birth).map(f64::from);
    let circumstances = super::matching::Circumstances {
        needs,
        barriers: casework.barriers.iter().map(|b| b.barrier).collect(),
        age,
        home,
        today: Some(today),
    };
    let catalogue = state.directory.get(&state.store).await?;
    let found = catalogue.index.match_for(&circumstances, 5);
    Ok(found
        .into_iter()
        .map(|m| {
            let entry = &catalogue.entries[m.entry];
            MatchResult {
                service_id: entry.id,
                id: entry.service.id.clone(),
                name: entry.service.name.clone(),
                organisation: entry.service.organization.as_ref().map(|o| o.name.clone()),
                need: m.need,
                distance_km: m.distance_km.map(|d| (d * 10.0).round() / 10.0),
                why: m.why,
            }
        })
        .collect())
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
        apply_listing_change(&state, &user, &id, &change).await?,
    ))
}

/// Changes a listing for a user who may: an administrator any, an organisation its own
/// (for the API and the service page).
pub async fn apply_listing_change(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    change: &ListingChange,
) -> AppResult<serde_json::Value> {
    user.require(Action::CurateListings)?;
    let organisation = match user.role {
        crate::auth::Role::Admin => None,
        _ => Some(user.organisation.clone().ok_or_else(|| {
            AppError::Forbidden("this account is not linked to an organisation".into())
        })?),
    };
    state
        .store
        .change_listing(id, organisation.as_deref(), change, user.id)
        .await
        .map_err(AppError::from)
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
    user.require(Action::ReadServices)?;
    let catalogue = state.directory.get(&state.store).await?;
    let entry = catalogue.entry(&id).ok_or(AppError::NotFound("service"))?;
    Ok(Json(state.store.listing_history(entry.id).await?))
}
