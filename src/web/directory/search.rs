//! `/directory`: search the directory with filters, optionally for a person.

use super::{for_person, given, ForPerson};
use crate::auth::policy::Action;
use crate::directory::api::{search_directory, SearchParams};
use crate::directory::results::SearchResult;
use crate::error::AppError;
use crate::referrals::Need;
use crate::state::AppState;
use crate::web::extract::PageUser;
use crate::web::render::{error_page, render};
use crate::web::views::{Choice, Layout};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
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
    /// `distance` for nearest first; best match first otherwise.
    sort: Option<String>,
    /// Searching on someone's behalf: results lead to connecting them.
    referral: Option<String>,
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
            sort: given(&self.sort),
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
    nearest_first: bool,
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
        return error_page(Some(&user), e.into());
    }
    let for_person = for_person(&state, &user, form.referral.as_deref()).await;
    let mut form = form;
    let home = for_person.as_ref().map(|p| p.postcode.trim()).unwrap_or("");
    if !home.is_empty() && !form.searched() {
        // Opened from the person's page: start near their home, nearest first.
        form.postcode = Some(home.to_string());
        form.within_km = Some("5".into());
        form.sort = Some("distance".into());
    }
    let (mut total, mut results, mut error) = (0, Vec::new(), None);
    if form.searched() {
        match async { search_directory(&state, &user, &form.params()?).await }.await {
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
        nearest_first: given(&form.sort).as_deref() == Some("distance"),
        searched: form.searched(),
        total,
        results,
        error,
        for_person,
    };
    render(&page, StatusCode::OK)
}
