//! The Open Referral UK read API, public and anonymous as the standard requires, under
//! `/oruk`: pagination envelope, documented filters combining as AND, empty optional
//! fields omitted (records are served as received, and feeds carry no nulls), and
//! `Access-Control-Allow-Origin: *`. Bad parameters get a problem document.

use super::catalogue::{Catalogue, Entry};
use super::feed::{one_to_one, page, service_summary};
use crate::api::ApiQuery;
use crate::error::{AppError, AppResult};
use crate::geo::metres_between;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, NaiveTime};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;

/// Largest page a client may ask for.
pub const MOST_PER_PAGE: usize = 500;
const DEFAULT_PER_PAGE: usize = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(about))
        .route("/services", get(services))
        .route("/services/{id}", get(service))
        .route("/service_at_locations", get(service_at_locations))
        .route("/service_at_locations/{id}", get(service_at_location))
        .route("/organizations", get(organizations))
        .route("/organizations/{id}", get(organization))
        .route("/taxonomies", get(taxonomies))
        .route("/taxonomies/{id}", get(taxonomy))
        .route("/taxonomy_terms", get(taxonomy_terms))
        .route("/taxonomy_terms/{id}", get(taxonomy_term))
        .layer(open_to_any_origin())
}

/// `Access-Control-Allow-Origin: *`: the standard's API is for any site to read.
pub fn open_to_any_origin() -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    )
}

async fn catalogue(state: &AppState) -> AppResult<Arc<Catalogue>> {
    Ok(state.directory.get(&state.store).await?)
}

/// What this API is (`/oruk` and `/oruk/`).
pub async fn about() -> Json<Value> {
    Json(json!({
        "version": "3.0",
        "profile": "https://openreferral.org/open-referral-uk/",
    }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Paging {
    page: Option<usize>,
    per_page: Option<usize>,
}

impl Paging {
    /// Checks the page request and cuts one page from `items`.
    fn cut(&self, items: Vec<Value>) -> AppResult<Value> {
        self.cut_then_show(items, |v| v)
    }

    /// Cuts one page from `items`, and only then turns each into what is shown, so a
    /// page of a big directory does not build records for every match.
    fn cut_then_show<T>(&self, items: Vec<T>, show: impl Fn(T) -> Value) -> AppResult<Value> {
        let number = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(DEFAULT_PER_PAGE);
        if number == 0 {
            return Err(AppError::invalid_field(
                "page",
                "Invalid page",
                "pages are numbered from 1",
            ));
        }
        if !(1..=MOST_PER_PAGE).contains(&per_page) {
            return Err(AppError::invalid_field(
                "per_page",
                "Invalid page size",
                format!("per_page must be from 1 to {MOST_PER_PAGE}"),
            ));
        }
        let total = items.len();
        let contents = items
            .into_iter()
            .skip((number - 1).saturating_mul(per_page))
            .take(per_page)
            .map(show)
            .collect();
        Ok(page(total, number, per_page, contents))
    }
}

/// The documented filters of `/services` and `/service_at_locations`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceQuery {
    search: Option<String>,
    page: Option<usize>,
    per_page: Option<usize>,
    taxonomy_term_id: Option<String>,
    taxonomy_id: Option<String>,
    organization_id: Option<String>,
    minimum_age: Option<f64>,
    maximum_age: Option<f64>,
    start_time: Option<String>,
    end_time: Option<String>,
    day: Option<String>,
    modified_after: Option<String>,
    full: Option<bool>,
    postcode: Option<String>,
    proximity: Option<f64>,
}

/// RFC 5545 day codes, from a code or an English day name.
fn day_code(day: &str) -> Option<&'static str> {
    const DAYS: [(&str, &str); 7] = [
        ("MO", "monday"),
        ("TU", "tuesday"),
        ("WE", "wednesday"),
        ("TH", "thursday"),
        ("FR", "friday"),
        ("SA", "saturday"),
        ("SU", "sunday"),
    ];
    let day = day.trim().to_lowercase();
    DAYS.iter()
        .find(|(code, name)| code.eq_ignore_ascii_case(&day) || *name == day)
        .map(|(code, _)| *code)
}

fn time(field: &str, value: &str) -> AppResult<NaiveTime> {
    NaiveTime::parse_from_str(value, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(value, "%H:%M"))
        .map_err(|_| {
            AppError::invalid_field(
                field,
                "Invalid time",
                format!("{field} must be a time like 09:30"),
            )
        })
}

/// A service filter, checked once, applied to every entry.
struct Filter {
    words: Vec<String>,
    term: Option<String>,
    taxonomy: Option<String>,
    organization: Option<String>,
    minimum_age: Option<f64>,
    maximum_age: Option<f64>,
    day: Option<&'static str>,
    opens_from: Option<NaiveTime>,
    closes_by: Option<NaiveTime>,
    modified_after: Option<DateTime<chrono::FixedOffset>>,
}

impl Filter {
    fn new(q: &ServiceQuery) -> AppResult<Filter> {
        let day = match q.day.as_deref() {
            None => None,
            Some(d) => Some(day_code(d).ok_or_else(|| {
                AppError::invalid_field(
                    "day",
                    "Invalid day",
                    "day must be a day name or an RFC 5545 code such as MO",
                )
            })?),
        };
        let modified_after = match q.modified_after.as_deref() {
            None => None,
            Some(t) => Some(DateTime::parse_from_rfc3339(t).map_err(|_| {
                AppError::invalid_field(
                    "modified_after",
                    "Invalid date-time",
                    "modified_after must be an RFC 3339 date-time",
                )
            })?),
        };
        for (field, age) in [
            ("minimum_age", q.minimum_age),
            ("maximum_age", q.maximum_age),
        ] {
            if age.is_some_and(|a| !(0.0..=150.0).contains(&a)) {
                return Err(AppError::invalid_field(
                    field,
                    "Invalid age",
                    format!("{field} must be from 0 to 150"),
                ));
            }
        }
        Ok(Filter {
            words: q
                .search
                .as_deref()
                .unwrap_or("")
                .split_whitespace()
                .map(str::to_lowercase)
                .collect(),
            term: q.taxonomy_term_id.clone(),
            taxonomy: q.taxonomy_id.clone(),
            organization: q.organization_id.clone(),
            minimum_age: q.minimum_age,
            maximum_age: q.maximum_age,
            day,
            opens_from: q
                .start_time
                .as_deref()
                .map(|t| time("start_time", t))
                .transpose()?,
            closes_by: q
                .end_time
                .as_deref()
                .map(|t| time("end_time", t))
                .transpose()?,
            modified_after,
        })
    }

    fn schedule_matches(&self, e: &Entry) -> bool {
        if self.day.is_none() && self.opens_from.is_none() && self.closes_by.is_none() {
            return true;
        }
        let at = |t: &Option<String>| t.as_deref().and_then(|t| time("", t).ok());
        e.service.schedules.iter().any(|s| {
            self.day.is_none_or(|d| {
                s.byday
                    .as_deref()
                    .is_some_and(|days| days.split(',').any(|x| x.trim().ends_with(d)))
            }) && self
                .opens_from
                .is_none_or(|from| at(&s.opens_at).is_some_and(|o| o >= from))
                && self
                    .closes_by
                    .is_none_or(|by| at(&s.closes_at).is_some_and(|c| c <= by))
        })
    }

    /// All the given filters hold (the standard's filters combine as AND).
    fn matches(&self, e: &Entry) -> bool {
        self.words.iter().all(|w| e.text.contains(w.as_str()))
            && self
                .term
                .as_deref()
                .is_none_or(|t| e.term_ids().any(|x| x == t))
            && self
                .taxonomy
                .as_deref()
                .is_none_or(|t| e.taxonomy_ids().any(|x| x == t))
            && self
                .organization
                .as_deref()
                .is_none_or(|o| e.organization_id.as_deref() == Some(o))
            && self
                .minimum_age
                .is_none_or(|a| e.service.minimum_age.is_some_and(|m| m >= a))
            && self
                .maximum_age
                .is_none_or(|a| e.service.maximum_age.is_some_and(|m| m <= a))
            && self.modified_after.is_none_or(|after| {
                e.service
                    .last_modified
                    .as_deref()
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                    .is_some_and(|t| t >= after)
            })
            && self.schedule_matches(e)
    }
}

async fn services(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ServiceQuery>,
) -> AppResult<Json<Value>> {
    if q.postcode.is_some() || q.proximity.is_some() {
        return Err(AppError::invalid_field(
            "postcode",
            "Not a services filter",
            "postcode and proximity filter /service_at_locations",
        ));
    }
    let filter = Filter::new(&q)?;
    let catalogue = catalogue(&state).await?;
    let full = q.full.unwrap_or(false);
    let matching: Vec<&Entry> = catalogue
        .entries
        .iter()
        .filter(|e| filter.matches(e))
        .collect();
    let paging = Paging {
        page: q.page,
        per_page: q.per_page,
    };
    Ok(Json(paging.cut_then_show(matching, |e| {
        if full {
            e.document.clone()
        } else {
            service_summary(&e.document)
        }
    })?))
}

async fn service(State(state): State<AppState>, Path(id): Path<String>) -> AppResult<Json<Value>> {
    let catalogue = catalogue(&state).await?;
    let entry = catalogue.entry(&id).ok_or(AppError::NotFound("service"))?;
    Ok(Json(entry.document.clone()))
}

/// A service-at-location in list form: its scalars, its location's and the service's.
fn place_summary(place: &Value, entry: &Entry) -> Value {
    let mut item = one_to_one(place);
    item.insert("service_id".into(), json!(entry.service.id));
    if let Some(location) = place.get("location") {
        item.insert("location".into(), Value::Object(one_to_one(location)));
        if let Some(id) = location.get("id") {
            item.insert("location_id".into(), id.clone());
        }
    }
    item.insert("service".into(), service_summary(&entry.document));
    Value::Object(item)
}

async fn service_at_locations(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ServiceQuery>,
) -> AppResult<Json<Value>> {
    let filter = Filter::new(&q)?;
    if q.proximity.is_some_and(|p| !(p > 0.0 && p <= 1_000_000.0)) {
        return Err(AppError::invalid_field(
            "proximity",
            "Invalid distance",
            "proximity is metres, above 0 and at most 1,000,000",
        ));
    }
    let origin = match q.postcode.as_deref() {
        Some(postcode) => {
            let place = crate::geo::api::resolve(&state, postcode).await?;
            match (place.latitude, place.longitude) {
                (Some(lat), Some(lon)) => Some((lat, lon)),
                _ => {
                    return Err(AppError::invalid_field(
                        "postcode",
                        "Postcode has no position",
                        "that postcode has no known position",
                    ))
                }
            }
        }
        None if q.proximity.is_some() => {
            return Err(AppError::invalid_field(
                "proximity",
                "Proximity needs a postcode",
                "give the postcode to measure from",
            ))
        }
        None => None,
    };
    let catalogue = catalogue(&state).await?;
    let mut found: Vec<(f64, Value)> = Vec::new();
    for entry in catalogue.entries.iter().filter(|e| filter.matches(e)) {
        let places = entry.document["service_at_locations"]
            .as_array()
            .into_iter()
            .flatten();
        for (place, typed) in places.zip(&entry.service.service_at_locations) {
            let position = typed
                .location
                .as_ref()
                .and_then(|l| Some((l.latitude?, l.longitude?)));
            let distance = match (origin, position) {
                (Some(o), Some(p))
                    if (-90.0..=90.0).contains(&p.0) && (-180.0..=180.0).contains(&p.1) =>
                {
                    metres_between(o, p)
                }
                (Some(_), _) => f64::INFINITY,
                (None, _) => 0.0,
            };
            if q.proximity.is_none_or(|limit| distance <= limit) {
                found.push((distance, place_summary(place, entry)));
            }
        }
    }
    if origin.is_some() {
        found.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    let items = found.into_iter().map(|(_, v)| v).collect();
    Ok(Json(
        Paging {
            page: q.page,
            per_page: q.per_page,
        }
        .cut(items)?,
    ))
}

async fn service_at_location(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let catalogue = catalogue(&state).await?;
    for entry in &catalogue.entries {
        for place in entry.document["service_at_locations"]
            .as_array()
            .into_iter()
            .flatten()
        {
            if place.get("id").and_then(Value::as_str) == Some(id.as_str()) {
                let mut full = place.clone();
                full["service_id"] = json!(entry.service.id);
                full["service"] = service_summary(&entry.document);
                return Ok(Json(full));
            }
        }
    }
    Err(AppError::NotFound("service at location"))
}

fn by_id<'a>(records: &'a [Value], id: &str, what: &'static str) -> AppResult<&'a Value> {
    records
        .iter()
        .find(|r| r.get("id").and_then(Value::as_str) == Some(id))
        .ok_or(AppError::NotFound(what))
}

async fn organizations(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<Paging>,
) -> AppResult<Json<Value>> {
    let c = catalogue(&state).await?;
    let items = c
        .organizations
        .iter()
        .map(|o| Value::Object(one_to_one(o)))
        .collect();
    Ok(Json(p.cut(items)?))
}

async fn organization(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let c = catalogue(&state).await?;
    Ok(Json(by_id(&c.organizations, &id, "organization")?.clone()))
}

async fn taxonomies(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<Paging>,
) -> AppResult<Json<Value>> {
    let c = catalogue(&state).await?;
    Ok(Json(p.cut(c.taxonomies.clone())?))
}

async fn taxonomy(State(state): State<AppState>, Path(id): Path<String>) -> AppResult<Json<Value>> {
    let c = catalogue(&state).await?;
    Ok(Json(by_id(&c.taxonomies, &id, "taxonomy")?.clone()))
}

async fn taxonomy_terms(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<Paging>,
) -> AppResult<Json<Value>> {
    let c = catalogue(&state).await?;
    Ok(Json(p.cut(c.taxonomy_terms.clone())?))
}

async fn taxonomy_term(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let c = catalogue(&state).await?;
    Ok(Json(
        by_id(&c.taxonomy_terms, &id, "taxonomy term")?.clone(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_names_and_codes() {
        assert_eq!(day_code("Monday"), Some("MO"));
        assert_eq!(day_code("th"), Some("TH"));
        assert_eq!(day_code("Funday"), None);
    }
}
