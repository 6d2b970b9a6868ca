//! `/directory/services/{id}`: a service's page, with the connect form for a person and its
//! organisation's form to keep the listing current.

use super::{
    consent_choices, for_person, given, usable_consents, ConnectKept, ConsentChoice, Fact,
    ForPerson,
};
use crate::auth::CurrentUser;
use crate::directory::curation::{ListingChange, ListingChangeRecord};
use crate::directory::hsds::Service;
use crate::directory::search::STALE_AFTER_DAYS;
use crate::error::AppError;
use crate::state::AppState;
use crate::usecases;
use crate::web::extract::{PageForm, PageUser};
use crate::web::render::{error_page, render};
use crate::web::views::{Choice, Layout, Saved};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "service.html")]
struct ServicePage {
    layout: Layout,
    name: String,
    organisation: String,
    description: String,
    status: String,
    facts: Vec<Fact>,
    stale: Option<String>,
    hsds_id: String,
    /// The viewer may change this listing (its organisation, or an administrator).
    may_change: bool,
    available: String,
    maximum: String,
    history: Vec<ListingChangeRecord>,
    /// Linkwell's id for the service, which connections point at.
    service_id: i64,
    for_person: Option<ForPerson>,
    /// Confirmed consents the connection may rest on instead of recording one now.
    consents: Vec<ConsentChoice>,
    shared_fields: Vec<Choice>,
    methods: Vec<Choice>,
    /// A refused connect form, shown again with its choices.
    connect: ConnectKept,
    /// A refused listing form: its message (linked to `listing_field`).
    listing_error: Option<String>,
    listing_field: String,
    saved: Option<Saved>,
}

#[derive(Deserialize)]
pub struct ServiceQuery {
    referral: Option<String>,
    /// What a form's redirect says was saved.
    saved: Option<String>,
}

pub async fn service_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    Query(query): Query<ServiceQuery>,
) -> Response {
    let shown = Shown {
        referral: query.referral,
        saved: query.saved.as_deref().and_then(Saved::of_code),
        ..Shown::default()
    };
    show_service(&state, &user, &id, shown, StatusCode::OK).await
}

/// What the service page shows beside the listing: whose connection it is for, and a form
/// refused (connect or listing) with what was typed.
#[derive(Default)]
pub(in crate::web) struct Shown {
    pub referral: Option<String>,
    pub connect: ConnectKept,
    /// The listing form refused: the field, its message, and the places as typed.
    pub listing: Option<(String, String, ListingForm)>,
    /// A save just made: its success banner.
    pub saved: Option<Saved>,
}

pub(in crate::web) async fn show_service(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    shown: Shown,
    status: StatusCode,
) -> Response {
    let (state, user) = (state.clone(), user);
    let listing = match usecases::directory::listing(&state, user, id).await {
        Ok(listing) => listing,
        Err(e) => return error_page(Some(user), e),
    };
    let entry = &listing.entry;
    let s = &entry.service;
    let d = &entry.document;
    let facts = service_facts(s);
    let stale = staleness(s.assured_date.as_deref());
    let capacity = s.service_capacity.first();
    let for_person = for_person(&state, user, shown.referral.as_deref()).await;
    let (listing_field, listing_error, typed) = match shown.listing {
        Some((field, message, typed)) => (field, Some(message), Some(typed)),
        None => ("available".to_string(), None, None),
    };
    let page = ServicePage {
        may_change: listing.may_change,
        available: match &typed {
            Some(t) => t.available.clone().unwrap_or_default(),
            None => capacity
                .and_then(|c| c.available)
                .map(|n| n.to_string())
                .unwrap_or_default(),
        },
        maximum: match &typed {
            Some(t) => t.maximum.clone().unwrap_or_default(),
            None => capacity
                .and_then(|c| c.maximum)
                .map(|n| n.to_string())
                .unwrap_or_default(),
        },
        history: listing.history,
        layout: Layout::new(&s.name, Some(user)),
        name: s.name.clone(),
        organisation: s
            .organization
            .as_ref()
            .map(|o| o.name.clone())
            .unwrap_or_default(),
        description: s.description.clone().unwrap_or_default(),
        status: d["status"].as_str().unwrap_or("active").to_string(),
        facts,
        stale,
        hsds_id: s.id.clone(),
        service_id: entry.id,
        consents: match &for_person {
            Some(f) => usable_consents(&state, user, f.referral_id, f.person_id).await,
            None => Vec::new(),
        },
        for_person,
        shared_fields: consent_choices().0,
        methods: consent_choices().1,
        connect: shown.connect,
        saved: shown.saved,
        listing_error,
        listing_field,
    };
    render(&page, status)
}

/// The service's facts in plain words, in the page's order; empty ones are left out.
fn service_facts(s: &Service) -> Vec<Fact> {
    let mut facts = Vec::new();
    let mut add = |label, value: String| {
        if !value.is_empty() {
            facts.push(Fact { label, value });
        }
    };
    add(
        "For",
        s.attributes
            .iter()
            .filter_map(|a| a.taxonomy_term.as_ref().map(|t| t.name.clone()))
            .collect::<Vec<_>>()
            .join(", "),
    );
    let places: Vec<String> = s
        .service_at_locations
        .iter()
        .filter_map(|p| p.location.as_ref())
        .map(|l| match (l.location_type.as_str(), l.addresses.first()) {
            ("virtual", _) => "Online".to_string(),
            (_, Some(a)) => format!("{}, {}, {}", a.address_1, a.city, a.postal_code),
            (_, None) => l.name.clone().unwrap_or_default(),
        })
        .collect();
    add("Where", places.join("; "));
    let when: Vec<String> = s
        .schedules
        .iter()
        .map(|x| {
            format!(
                "{} {}-{}{}",
                crate::directory::search::day_names(x.byday.as_deref().unwrap_or("")),
                x.opens_at.as_deref().unwrap_or(""),
                x.closes_at.as_deref().unwrap_or(""),
                x.attending_type
                    .as_deref()
                    .map(|t| format!(" ({t})"))
                    .unwrap_or_default()
            )
        })
        .collect();
    add("When", when.join("; "));
    add(
        "Cost",
        s.cost_options
            .iter()
            .map(|c| match c.amount {
                Some(a) if a > 0.0 => format!("£{a} {}", c.option.as_deref().unwrap_or(""))
                    .trim()
                    .to_string(),
                _ => "Free".to_string(),
            })
            .collect::<Vec<_>>()
            .join("; "),
    );
    add(
        "Ages",
        match (s.minimum_age, s.maximum_age) {
            (Some(min), Some(max)) if max < 120.0 => format!("{min} to {max}"),
            (Some(min), _) => format!("{min} and over"),
            _ => String::new(),
        },
    );
    add(
        "Languages",
        s.languages
            .iter()
            .filter_map(|l| l.name.clone())
            .collect::<Vec<_>>()
            .join(", "),
    );
    let access: Vec<String> = s
        .service_at_locations
        .iter()
        .filter_map(|p| p.location.as_ref())
        .flat_map(|l| l.accessibility.iter().filter_map(|a| a.description.clone()))
        .collect();
    add("Accessibility", access.join("; "));
    add(
        "Places",
        s.service_capacity
            .first()
            .and_then(|c| {
                Some(format!(
                    "{} free of {}",
                    c.available?,
                    c.maximum.map_or("?".into(), |m| m.to_string())
                ))
            })
            .unwrap_or_default(),
    );
    add(
        "Checked",
        s.assured_date.clone().unwrap_or_else(|| "Never".into()),
    );
    facts
}

/// A warning when the listing was never checked or was last checked too long ago.
fn staleness(assured_date: Option<&str>) -> Option<String> {
    let today = chrono::Utc::now().date_naive();
    match assured_date.and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()) {
        Some(d) if (today - d).num_days() <= STALE_AFTER_DAYS => None,
        Some(d) => Some(format!("This listing was last checked on {d}: confirm the details with the organisation before referring.")),
        None => Some("This listing has never been checked: confirm the details with the organisation before referring.".into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(in crate::web) struct ListingForm {
    available: Option<String>,
    maximum: Option<String>,
    confirm_correct: Option<String>,
}

/// The service page's form for its organisation: places now, and "still correct".
pub async fn change_listing(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    sent: PageForm<ListingForm>,
) -> Response {
    let form = &sent.fields;
    let result = async {
        sent.accept(&user)?;
        let whole = |field: &str, v: &Option<String>| -> Result<Option<u32>, AppError> {
            given(v)
                .map(|t| {
                    t.parse::<u32>().map_err(|_| {
                        AppError::invalid_field(
                            field,
                            "Enter a whole number",
                            format!("{field} must be a whole number"),
                        )
                    })
                })
                .transpose()
        };
        let change = ListingChange {
            available: whole("available", &form.available)?,
            maximum: whole("maximum", &form.maximum)?,
            confirm_correct: form.confirm_correct.is_some(),
            ..Default::default()
        };
        usecases::directory::change_listing(&state.store, &user, &id, &change).await
    }
    .await;
    match result {
        Ok(record) => Redirect::to(&format!(
            "/directory/services/{}?saved=listing#saved",
            record["id"].as_str().unwrap_or(&id)
        ))
        .into_response(),
        Err(err @ AppError::Validation { .. }) => {
            let status = err.status();
            let problem = err.problem();
            let field = problem
                .field
                .filter(|f| f == "maximum")
                .unwrap_or_else(|| "available".into());
            let shown = Shown {
                listing: Some((field, problem.detail, sent.fields)),
                ..Shown::default()
            };
            show_service(&state, &user, &id, shown, status).await
        }
        Err(e) => error_page(Some(&user), e),
    }
}
