//! Directory pages: search with filters, a service's page, matches for a referral, and a
//! community organisation's inbox of connections with the answers it can give.

use super::views::{Choice, Layout};
use super::{check_csrf, error_page, render, PageUser};
use crate::app::AppState;
use crate::auth::policy::Action;
use crate::directory::api::{
    matches_for, search_directory, MatchResult, SearchParams, SearchResult,
};
use crate::directory::search::STALE_AFTER_DAYS;
use crate::error::AppError;
use crate::referrals::{ConnectionStatus, Need};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The search form as browsers send it: every field text, empty when unused.
#[derive(Debug, Default, Deserialize)]
pub struct SearchForm {
    q: Option<String>,
    need: Option<String>,
    postcode: Option<String>,
    within_km: Option<String>,
    age: Option<String>,
    day: Option<String>,
    mode: Option<String>,
    free: Option<String>,
    step_free: Option<String>,
    has_capacity: Option<String>,
    /// Searching on someone's behalf: results lead to connecting them.
    referral: Option<String>,
}

/// The person a link worker is finding support for, while their referral is open.
pub struct ForPerson {
    pub referral_id: i64,
    pub person_id: i64,
    pub person_name: String,
}

/// The referral named in a query, if the viewer may connect its person to services.
async fn for_person(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    raw: Option<&str>,
) -> Option<ForPerson> {
    let id: i64 = raw?.trim().parse().ok()?;
    if !user.may(Action::WriteCasework) {
        return None;
    }
    let referral = state.store.referral(id, user.case_scope()).await.ok()??;
    if !referral.state.is_open() {
        return None;
    }
    let person = state
        .store
        .read_person(referral.person_id, user.case_scope(), &user.audit_context())
        .await
        .ok()??;
    Some(ForPerson {
        referral_id: id,
        person_id: person.id,
        person_name: person.full_name(),
    })
}

/// A confirmed consent a connection may rest on, offered on the connect form.
pub struct ConsentChoice {
    pub id: i64,
    pub organisation: String,
    pub label: String,
}

/// The person's confirmed consents in force that a connection for this referral may name:
/// recorded for it, or before consents named a referral.
async fn usable_consents(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    referral_id: i64,
    person_id: i64,
) -> Vec<ConsentChoice> {
    let Ok(consents) = state
        .store
        .consents_in_scope(user.case_scope(), Some(person_id), None)
        .await
    else {
        return Vec::new();
    };
    consents
        .into_iter()
        .filter(|k| k.is_active() && k.referral_id.is_none_or(|r| r == referral_id))
        .map(|k| ConsentChoice {
            id: k.id,
            label: format!(
                "{} ({}, {})",
                k.share
                    .iter()
                    .map(|f| f.label())
                    .collect::<Vec<_>>()
                    .join(", "),
                k.method.label().to_lowercase(),
                k.given_at.format("%-d %b %Y")
            ),
            organisation: k.organisation,
        })
        .collect()
}

fn consent_choices() -> (Vec<Choice>, Vec<Choice>) {
    (
        crate::consent::SharedField::ALL
            .iter()
            .map(|f| Choice::new(f.code(), f.label(), false))
            .collect(),
        crate::consent::ConsentMethod::ALL
            .iter()
            .map(|m| Choice::new(m.code(), m.label(), false))
            .collect(),
    )
}

fn given(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn number(field: &str, v: &Option<String>) -> Result<Option<f64>, AppError> {
    given(v)
        .map(|t| {
            t.parse::<f64>().map_err(|_| {
                AppError::invalid_field(
                    field,
                    "Enter a number",
                    format!("{field} must be a number"),
                )
            })
        })
        .transpose()
}

impl SearchForm {
    fn params(&self) -> Result<SearchParams, AppError> {
        Ok(SearchParams {
            q: given(&self.q),
            need: given(&self.need),
            postcode: given(&self.postcode),
            within_km: number("within_km", &self.within_km)?.or(given(&self.postcode).map(|_| 5.0)),
            age: number("age", &self.age)?,
            day: given(&self.day),
            mode: given(&self.mode),
            free: self.free.as_ref().map(|_| true),
            accessibility: self.step_free.as_ref().map(|_| "step_free".to_string()),
            has_capacity: self.has_capacity.as_ref().map(|_| true),
            limit: Some(50),
            ..SearchParams::default()
        })
    }

    fn searched(&self) -> bool {
        [&self.q, &self.need, &self.postcode, &self.day, &self.mode]
            .iter()
            .any(|v| given(v).is_some())
            || self.free.is_some()
            || self.step_free.is_some()
            || self.has_capacity.is_some()
    }
}

#[derive(Template)]
#[template(path = "directory.html")]
struct DirectoryPage {
    layout: Layout,
    form_q: String,
    form_postcode: String,
    form_within: String,
    form_age: String,
    needs: Vec<Choice>,
    days: Vec<Choice>,
    modes: Vec<Choice>,
    free: bool,
    step_free: bool,
    has_capacity: bool,
    searched: bool,
    total: usize,
    results: Vec<SearchResult>,
    error: Option<String>,
    for_person: Option<ForPerson>,
}

pub async fn directory_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(form): Query<SearchForm>,
) -> Response {
    if let Err(e) = user.require(Action::ReadServices) {
        return error_page(Some(&user), e);
    }
    let (mut total, mut results, mut error) = (0, Vec::new(), None);
    if form.searched() {
        match async { search_directory(&state, &form.params()?).await }.await {
            Ok(found) => {
                total = found.total;
                results = found.results;
            }
            Err(e @ AppError::Validation { .. }) => error = Some(e.to_string()),
            Err(e) => return error_page(Some(&user), e),
        }
    }
    let chosen = |v: &Option<String>, value: &str| given(v).as_deref() == Some(value);
    let page = DirectoryPage {
        layout: Layout::new("Find community support", Some(&user)),
        form_q: given(&form.q).unwrap_or_default(),
        form_postcode: given(&form.postcode).unwrap_or_default(),
        form_within: given(&form.within_km).unwrap_or_default(),
        form_age: given(&form.age).unwrap_or_default(),
        needs: Need::ALL
            .iter()
            .map(|n| Choice::new(n.code(), n.label(), chosen(&form.need, n.code())))
            .collect(),
        days: std::iter::once("Today")
            .chain(crate::directory::search::DAY_NAMES)
            .map(|name| {
                let value = name.to_lowercase();
                Choice::new(&value, name, chosen(&form.day, &value))
            })
            .collect(),
        modes: [
            ("in_person", "In person"),
            ("phone", "By phone"),
            ("online", "Online"),
        ]
        .iter()
        .map(|(v, l)| Choice::new(v, l, chosen(&form.mode, v)))
        .collect(),
        free: form.free.is_some(),
        step_free: form.step_free.is_some(),
        has_capacity: form.has_capacity.is_some(),
        searched: form.searched(),
        total,
        results,
        error,
        for_person: for_person(&state, &user, form.referral.as_deref()).await,
    };
    render(&page, StatusCode::OK)
}

/// One fact about a service, as a label and a value.
struct Fact {
    label: &'static str,
    value: String,
}

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
    history: Vec<crate::store::directory::ListingChangeRecord>,
    /// Linkwell's id for the service, which connections point at.
    service_id: i64,
    for_person: Option<ForPerson>,
    /// Confirmed consents the connection may rest on instead of recording one now.
    consents: Vec<ConsentChoice>,
    shared_fields: Vec<Choice>,
    methods: Vec<Choice>,
}

#[derive(Deserialize)]
pub struct ServiceQuery {
    referral: Option<String>,
}

pub async fn service_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    Query(query): Query<ServiceQuery>,
) -> Response {
    if let Err(e) = user.require(Action::ReadServices) {
        return error_page(Some(&user), e);
    }
    let catalogue = match state.directory.get(&state.store).await {
        Ok(c) => c,
        Err(e) => return error_page(Some(&user), AppError::Internal(e)),
    };
    let Some(entry) = catalogue.entry(&id) else {
        return error_page(Some(&user), AppError::NotFound("service"));
    };
    let s = &entry.service;
    let d = &entry.document;
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
    let today = chrono::Utc::now().date_naive();
    let stale = match s.assured_date.as_deref().and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()) {
        Some(d) if (today - d).num_days() <= STALE_AFTER_DAYS => None,
        Some(d) => Some(format!("This listing was last checked on {d}: confirm the details with the organisation before referring.")),
        None => Some("This listing has never been checked: confirm the details with the organisation before referring.".into()),
    };
    let organisation = s
        .organization
        .as_ref()
        .map(|o| o.name.clone())
        .unwrap_or_default();
    let may_change = user.may(Action::CurateListings)
        && (user.role == crate::auth::Role::Admin
            || user.organisation.as_deref() == Some(organisation.as_str()));
    let history = match state.store.listing_history(entry.id).await {
        Ok(h) => h,
        Err(e) => return error_page(Some(&user), AppError::Internal(e)),
    };
    let capacity = s.service_capacity.first();
    let for_person = for_person(&state, &user, query.referral.as_deref()).await;
    let page = ServicePage {
        may_change,
        available: capacity
            .and_then(|c| c.available)
            .map(|n| n.to_string())
            .unwrap_or_default(),
        maximum: capacity
            .and_then(|c| c.maximum)
            .map(|n| n.to_string())
            .unwrap_or_default(),
        history,
        layout: Layout::new(&s.name, Some(&user)),
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
            Some(f) => usable_consents(&state, &user, f.referral_id, f.person_id).await,
            None => Vec::new(),
        },
        for_person,
        shared_fields: consent_choices().0,
        methods: consent_choices().1,
    };
    render(&page, StatusCode::OK)
}

#[derive(Template)]
#[template(path = "matches.html")]
struct MatchesPage {
    layout: Layout,
    referral_id: i64,
    person_id: i64,
    person_name: String,
    /// Connections can be sent only while the referral is open.
    open: bool,
    matches: Vec<MatchResult>,
    consents: Vec<ConsentChoice>,
    shared_fields: Vec<Choice>,
    methods: Vec<Choice>,
}

pub async fn matches_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let id: i64 = id.parse().map_err(|_| AppError::NotFound("referral"))?;
        let matches = matches_for(&state, &user, id).await?;
        let referral = state
            .store
            .referral(id, user.case_scope())
            .await?
            .ok_or(AppError::NotFound("referral"))?;
        let person = state
            .store
            .person(referral.person_id, user.case_scope())
            .await?
            .ok_or(AppError::NotFound("person"))?;
        Ok::<_, AppError>(MatchesPage {
            layout: Layout::new("Services that fit", Some(&user)),
            referral_id: id,
            person_id: person.id,
            person_name: person.full_name(),
            open: referral.state.is_open(),
            matches,
            consents: usable_consents(&state, &user, id, person.id).await,
            shared_fields: consent_choices().0,
            methods: consent_choices().1,
        })
    }
    .await;
    match result {
        Ok(page) => render(&page, StatusCode::OK),
        Err(e) => error_page(Some(&user), e),
    }
}

struct InboxLine {
    id: i64,
    service: String,
    status: String,
    open: bool,
    requested: bool,
    sent: String,
    who: Vec<Fact>,
}

/// One of the organisation's own listings, to keep current.
struct OwnListing {
    hsds_id: String,
    name: String,
    status: String,
    places: String,
    checked: String,
    stale: bool,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    layout: Layout,
    organisation: String,
    lines: Vec<InboxLine>,
    listings: Vec<OwnListing>,
}

pub async fn inbox_page(State(state): State<AppState>, PageUser(user): PageUser) -> Response {
    let result = async {
        user.require(Action::ReadOrganisationConnections)?;
        let organisation = user.organisation.clone().ok_or_else(|| {
            AppError::Forbidden("this account is not linked to an organisation".into())
        })?;
        let shared = state
            .store
            .organisation_connections(&organisation, &user.audit_context())
            .await?;
        let catalogue = state.directory.get(&state.store).await?;
        let today = chrono::Utc::now().date_naive();
        let listings = catalogue
            .entries_of(&organisation)
            .map(|e| {
                let s = &e.service;
                let checked = s
                    .assured_date
                    .as_deref()
                    .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
                let capacity = s.service_capacity.first();
                OwnListing {
                    hsds_id: s.id.clone(),
                    name: s.name.clone(),
                    status: e.document["status"]
                        .as_str()
                        .unwrap_or("active")
                        .to_string(),
                    places: match capacity.map(|c| (c.available, c.maximum)) {
                        Some((Some(a), Some(m))) => format!("{a} of {m} free"),
                        Some((Some(a), None)) => format!("{a} free"),
                        _ => "Not said".into(),
                    },
                    checked: checked.map_or("Never".into(), |d| d.format("%-d %b %Y").to_string()),
                    stale: checked.is_none_or(|d| (today - d).num_days() > STALE_AFTER_DAYS),
                }
            })
            .collect();
        Ok::<_, AppError>((organisation, shared, listings))
    }
    .await;
    let (organisation, shared, listings) = match result {
        Ok(r) => r,
        Err(e) => return error_page(Some(&user), e),
    };
    let lines = shared
        .into_iter()
        .map(|c| {
            let p = c.person;
            let mut who = Vec::new();
            let mut add = |label, value: Option<String>| {
                if let Some(value) = value.filter(|v| !v.is_empty()) {
                    who.push(Fact { label, value });
                }
            };
            add("Name", p.name);
            add("Phone", p.phone);
            add("Born", p.date_of_birth.map(|d| d.to_string()));
            add("Needs", p.needs.map(|n| n.join(", ")));
            add("What matters", p.what_matters.map(|w| w.join("; ")));
            InboxLine {
                id: c.connection_id,
                service: c.service_name,
                status: c.status.label().to_string(),
                open: c.status.is_open(),
                requested: c.status == ConnectionStatus::Requested,
                sent: c.sent_at.format("%-d %b %Y").to_string(),
                who,
            }
        })
        .collect();
    render(
        &InboxPage {
            layout: Layout::new("Connections sent to you", Some(&user)),
            organisation,
            lines,
            listings,
        },
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub struct AnswerForm {
    csrf: String,
    status: String,
    #[serde(default)]
    note: String,
}

pub async fn answer_connection(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    Form(form): Form<AnswerForm>,
) -> Response {
    let result = async {
        check_csrf(&user, &form.csrf)?;
        let id: i64 = id.parse().map_err(|_| AppError::NotFound("connection"))?;
        let status = ConnectionStatus::from_code(&form.status).ok_or_else(|| {
            AppError::invalid_field(
                "status",
                "Choose an answer",
                "choose one of the answers offered",
            )
        })?;
        crate::consent::api::answer(&state, &user, id, status, &form.note).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to("/vcse/inbox").into_response(),
        Err(e) => error_page(Some(&user), e),
    }
}

#[derive(Deserialize)]
pub struct ListingForm {
    csrf: String,
    available: Option<String>,
    maximum: Option<String>,
    confirm_correct: Option<String>,
}

/// The service page's form for its organisation: places now, and "still correct".
pub async fn change_listing(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    Form(form): Form<ListingForm>,
) -> Response {
    let result = async {
        check_csrf(&user, &form.csrf)?;
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
        let change = crate::directory::curation::ListingChange {
            available: whole("available", &form.available)?,
            maximum: whole("maximum", &form.maximum)?,
            confirm_correct: form.confirm_correct.is_some(),
            ..Default::default()
        };
        crate::directory::api::apply_listing_change(&state, &user, &id, &change).await
    }
    .await;
    match result {
        Ok(record) => Redirect::to(&format!(
            "/directory/services/{}",
            record["id"].as_str().unwrap_or(&id)
        ))
        .into_response(),
        Err(e) => error_page(Some(&user), e),
    }
}
