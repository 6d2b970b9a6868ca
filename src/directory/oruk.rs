//! The Open Referral UK read API, public and anonymous as the standard requires, under
//! `/oruk`: pagination envelope, documented filters combining as AND, empty optional
//! fields omitted (records are served as received, and feeds carry no nulls), and
//! `Access-Control-Allow-Origin: *`. Every parameter of the current ORUK OpenAPI is taken
//! with its documented meaning; `/oruk/openapi.json` ([`openapi`]) lists them per path,
//! and any other parameter gets a problem document, as do bad values.

pub mod openapi;

use super::catalogue::{Catalogue, Entry};
use super::feed::{one_to_one, page, service_summary};
use crate::api::ApiQuery;
use crate::error::{AppError, AppResult};
use crate::geo::metres_between;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
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
        .route("/openapi.json", get(openapi_document))
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

/// Where the OpenAPI document of this API is served, under the public URL.
const OPENAPI_PATH: &str = "/oruk/openapi.json";

/// What this API is (`/oruk` and `/oruk/`): the ORUK validator starts here and follows
/// `openapi_url`, built on the configured public URL (never the request's `Host`).
pub async fn about(State(state): State<AppState>) -> Json<Value> {
    Json(json!({
        "version": "3.0",
        "profile": "https://openreferral.org/open-referral-uk/",
        "openapi_url": state.settings.public_url().join(OPENAPI_PATH),
    }))
}

/// The OpenAPI document `openapi_url` names, its server on the public URL.
async fn openapi_document(State(state): State<AppState>) -> Json<Value> {
    Json(openapi::document(
        &state.settings.public_url().join("/oruk"),
    ))
}

/// A by-id path takes no query parameters; any given is refused like a list's unknown one.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParameters {}

/// How a list is answered (`format`): a page of JSON, or every result as NDJSON.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Json,
    /// One JSON object a line, every result, no pagination envelope.
    Ndjson,
}

/// The page request of a list, and its format.
#[derive(Debug, Default)]
struct Paging {
    page: Option<usize>,
    per_page: Option<usize>,
    format: Option<Format>,
    /// With no `per_page`, the whole list on one page (`minimal`: "aim to return all
    /// services within one call").
    all_by_default: bool,
}

impl Paging {
    fn new(page: Option<usize>, per_page: Option<usize>, format: Option<Format>) -> Paging {
        Paging {
            page,
            per_page,
            format,
            all_by_default: false,
        }
    }

    /// Checks the page request, cuts one page from `items` (or takes them all for
    /// NDJSON), and only then turns each into what is shown, so a page of a big directory
    /// does not build records for every match. NDJSON is streamed: each line is built as
    /// the client reads, so the whole directory is never held as one body.
    fn answer<T: Send + 'static>(
        &self,
        items: Vec<T>,
        show: impl Fn(T) -> Value + Send + 'static,
    ) -> AppResult<Response> {
        let (number, per_page) = self.checked(items.len())?;
        if self.format == Some(Format::Ndjson) {
            let lines = futures_util::stream::iter(items.into_iter().map(move |item| {
                let mut line = show(item).to_string();
                line.push('\n');
                Ok::<_, std::convert::Infallible>(line)
            }));
            return Ok((
                [(header::CONTENT_TYPE, "application/x-ndjson")],
                Body::from_stream(lines),
            )
                .into_response());
        }
        let total = items.len();
        let contents = items
            .into_iter()
            .skip((number - 1).saturating_mul(per_page))
            .take(per_page)
            .map(show)
            .collect();
        Ok(Json(page(total, number, per_page, contents)).into_response())
    }

    fn checked(&self, total: usize) -> AppResult<(usize, usize)> {
        let number = self.page.unwrap_or(1);
        let per_page = match self.per_page {
            Some(n) => n,
            None if self.all_by_default => total.max(1),
            None => DEFAULT_PER_PAGE,
        };
        if number == 0 {
            return Err(AppError::invalid_field(
                "page",
                "Invalid page",
                "pages are numbered from 1",
            ));
        }
        if self
            .per_page
            .is_some_and(|n| !(1..=MOST_PER_PAGE).contains(&n))
        {
            return Err(AppError::invalid_field(
                "per_page",
                "Invalid page size",
                format!("per_page must be from 1 to {MOST_PER_PAGE}"),
            ));
        }
        Ok((number, per_page))
    }
}

/// The positions of the records that match: what a list keeps until it shows a page.
fn positions(records: &[Value], keep: impl Fn(&Value) -> bool) -> Vec<usize> {
    (0..records.len()).filter(|&i| keep(&records[i])).collect()
}

/// The words of a `search`, lower-cased: a record matches when it holds every one.
fn search_words(search: Option<&str>) -> Vec<String> {
    search
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_lowercase)
        .collect()
}

/// Every word is in the record's name or description (as services are searched).
fn name_or_description_holds(words: &[String], record: &Value) -> bool {
    if words.is_empty() {
        return true;
    }
    let text = |field: &str| record.get(field).and_then(Value::as_str).unwrap_or("");
    let text = format!("{} {}", text("name"), text("description")).to_lowercase();
    words.iter().all(|w| text.contains(w.as_str()))
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
    format: Option<Format>,
    minimal: Option<bool>,
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
            words: search_words(q.search.as_deref()),
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
) -> AppResult<Response> {
    if q.postcode.is_some() || q.proximity.is_some() {
        return Err(AppError::invalid_field(
            "postcode",
            "Not a services filter",
            "postcode and proximity filter /service_at_locations",
        ));
    }
    let minimal = q.minimal.unwrap_or(false);
    let full = q.full.unwrap_or(false);
    if minimal && full {
        return Err(AppError::invalid_field(
            "minimal",
            "Conflicting parameters",
            "minimal and full cannot both be true",
        ));
    }
    let filter = Filter::new(&q)?;
    let catalogue = catalogue(&state).await?;
    let matching: Vec<usize> = (0..catalogue.entries.len())
        .filter(|&i| filter.matches(&catalogue.entries[i]))
        .collect();
    let mut paging = Paging::new(q.page, q.per_page, q.format);
    paging.all_by_default = minimal;
    paging.answer(matching, move |i| {
        let e = &catalogue.entries[i];
        if minimal {
            service_minimal(e)
        } else if full {
            e.document.clone()
        } else {
            service_summary(&e.document)
        }
    })
}

/// A service as `minimal` lists it: its id and when it was last modified, if known.
fn service_minimal(entry: &Entry) -> Value {
    let mut item = serde_json::Map::new();
    item.insert("id".into(), json!(entry.service.id));
    if let Some(modified) = entry.document.get("last_modified").filter(|v| !v.is_null()) {
        item.insert("last_modified".into(), modified.clone());
    }
    Value::Object(item)
}

async fn service(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(_): ApiQuery<NoParameters>,
) -> AppResult<Json<Value>> {
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

/// A service-at-location fully nested (by id, and listed with `full=true`): the record as
/// received, with its service in list form.
fn place_full(place: &Value, entry: &Entry) -> Value {
    let mut full = place.clone();
    full["service_id"] = json!(entry.service.id);
    full["service"] = service_summary(&entry.document);
    full
}

async fn service_at_locations(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ServiceQuery>,
) -> AppResult<Response> {
    if q.minimal.is_some() {
        return Err(AppError::invalid_field(
            "minimal",
            "Not a service-at-location parameter",
            "minimal lists /services",
        ));
    }
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
    let full = q.full.unwrap_or(false);
    let catalogue = catalogue(&state).await?;
    // (distance, the listing's index, the place's index in it)
    let mut found: Vec<(f64, usize, usize)> = Vec::new();
    for (i, entry) in catalogue.entries.iter().enumerate() {
        if !filter.matches(entry) {
            continue;
        }
        let places = entry.document["service_at_locations"]
            .as_array()
            .into_iter()
            .flatten();
        for (p, (_, typed)) in places.zip(&entry.service.service_at_locations).enumerate() {
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
                found.push((distance, i, p));
            }
        }
    }
    if origin.is_some() {
        found.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    Paging::new(q.page, q.per_page, q.format).answer(found, move |(_, i, p)| {
        let entry = &catalogue.entries[i];
        let place = &entry.document["service_at_locations"][p];
        if full {
            place_full(place, entry)
        } else {
            place_summary(place, entry)
        }
    })
}

async fn service_at_location(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(_): ApiQuery<NoParameters>,
) -> AppResult<Json<Value>> {
    let catalogue = catalogue(&state).await?;
    for entry in &catalogue.entries {
        for place in entry.document["service_at_locations"]
            .as_array()
            .into_iter()
            .flatten()
        {
            if place.get("id").and_then(Value::as_str) == Some(id.as_str()) {
                return Ok(Json(place_full(place, entry)));
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

/// The parameters of `/organizations`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationQuery {
    search: Option<String>,
    full: Option<bool>,
    full_service: Option<bool>,
    page: Option<usize>,
    per_page: Option<usize>,
    format: Option<Format>,
}

/// The parameter of `/organizations/{id}`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationRecordQuery {
    full_service: Option<bool>,
}

/// An organisation fully nested: its record with the services it runs, in list form or
/// (`full_service`) in full.
fn organization_nested(org: &Value, catalogue: &Catalogue, full_service: bool) -> Value {
    let id = org.get("id").and_then(Value::as_str);
    let services: Vec<Value> = catalogue
        .entries
        .iter()
        .filter(|e| id.is_some() && e.organization_id.as_deref() == id)
        .map(|e| {
            if full_service {
                e.document.clone()
            } else {
                service_summary(&e.document)
            }
        })
        .collect();
    let mut nested = org.clone();
    if let Some(fields) = nested.as_object_mut() {
        fields.insert("services".into(), Value::Array(services));
    }
    nested
}

async fn organizations(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<OrganizationQuery>,
) -> AppResult<Response> {
    let c = catalogue(&state).await?;
    let words = search_words(q.search.as_deref());
    let full_service = q.full_service.unwrap_or(false);
    let nested = full_service || q.full.unwrap_or(false);
    let matching = positions(&c.organizations, |o| name_or_description_holds(&words, o));
    Paging::new(q.page, q.per_page, q.format).answer(matching, move |i| {
        let o = &c.organizations[i];
        if nested {
            organization_nested(o, &c, full_service)
        } else {
            Value::Object(one_to_one(o))
        }
    })
}

async fn organization(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<OrganizationRecordQuery>,
) -> AppResult<Json<Value>> {
    let c = catalogue(&state).await?;
    let org = by_id(&c.organizations, &id, "organization")?;
    Ok(Json(organization_nested(
        org,
        &c,
        q.full_service.unwrap_or(false),
    )))
}

/// The parameters of `/taxonomies`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxonomyQuery {
    search: Option<String>,
    page: Option<usize>,
    per_page: Option<usize>,
    format: Option<Format>,
}

async fn taxonomies(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<TaxonomyQuery>,
) -> AppResult<Response> {
    let c = catalogue(&state).await?;
    let words = search_words(q.search.as_deref());
    let matching = positions(&c.taxonomies, |t| name_or_description_holds(&words, t));
    Paging::new(q.page, q.per_page, q.format).answer(matching, move |i| c.taxonomies[i].clone())
}

async fn taxonomy(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(_): ApiQuery<NoParameters>,
) -> AppResult<Json<Value>> {
    let c = catalogue(&state).await?;
    Ok(Json(by_id(&c.taxonomies, &id, "taxonomy")?.clone()))
}

/// The parameters of `/taxonomy_terms`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermQuery {
    search: Option<String>,
    page: Option<usize>,
    per_page: Option<usize>,
    format: Option<Format>,
    taxonomy_id: Option<String>,
    top_only: Option<bool>,
    parent_id: Option<String>,
}

/// A term's field as text, if it has one (an empty or null field counts as none).
fn text_of<'a>(record: &'a Value, field: &str) -> Option<&'a str> {
    record
        .get(field)
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
}

async fn taxonomy_terms(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<TermQuery>,
) -> AppResult<Response> {
    let c = catalogue(&state).await?;
    let words = search_words(q.search.as_deref());
    let top_only = q.top_only.unwrap_or(false);
    let matching = positions(&c.taxonomy_terms, |t| {
        name_or_description_holds(&words, t)
            && q.taxonomy_id
                .as_deref()
                .is_none_or(|x| text_of(t, "taxonomy_id") == Some(x))
            && q.parent_id
                .as_deref()
                .is_none_or(|x| text_of(t, "parent_id") == Some(x))
            && (!top_only || text_of(t, "parent_id").is_none())
    });
    Paging::new(q.page, q.per_page, q.format).answer(matching, move |i| c.taxonomy_terms[i].clone())
}

async fn taxonomy_term(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(_): ApiQuery<NoParameters>,
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
