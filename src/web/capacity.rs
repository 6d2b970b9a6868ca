//! "What the community is missing" (`/reports/capacity`) for analysts, team leads and
//! administrators, and the same as CSV (`/reports/capacity.csv`, or `?format=csv`) or one
//! HTML file (`?format=html`). Aggregate and disclosure-controlled: nothing links to a person.

use super::programme_filter;
use super::views::Layout;
use super::{error_page, render, report_file, PageUser};
use crate::capacity::render::{html_body, render as render_file};
use crate::capacity::CapacityReport;
use crate::equity::render::Format;
use crate::error::AppError;
use crate::state::AppState;
use crate::usecases;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct CapacityForm {
    period: Option<String>,
    format: Option<String>,
    programme: Option<String>,
}

#[derive(Template)]
#[template(path = "capacity_page.html")]
struct CapacityPage {
    layout: Layout,
    /// The report as HTML, built by `capacity::render` (its text is escaped there).
    body: String,
    period: String,
    error: Option<String>,
    csv_link: String,
    programmes: Vec<super::views::Choice>,
}

pub async fn capacity_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(form): Query<CapacityForm>,
) -> Response {
    if let Some(format) = form.format.as_deref().filter(|f| !f.is_empty()) {
        return match Format::from_name(format) {
            Some(format) => download(&state, &user, &form, format).await,
            None => error_page(
                Some(&user),
                AppError::invalid_field(
                    "format",
                    "Unknown format",
                    "format is one of json, csv, html",
                ),
            ),
        };
    }
    let typed = form.period.clone().unwrap_or_default();
    let asked = programme_filter::asked(form.programme.as_deref());
    let programme = asked.as_ref().ok().copied().flatten();
    let result = match asked {
        Ok(programme) => {
            usecases::capacity::report(&state, &user, form.period.as_deref(), programme).await
        }
        Err(e) => Err(e),
    };
    let (report, error) = match result {
        Ok(r) => (Some(r), None),
        Err(e @ AppError::Validation { .. }) => (None, Some(e.problem().detail)),
        Err(e) => return error_page(Some(&user), e),
    };
    let programmes = match programme_filter::choices(&state, &user, programme).await {
        Ok(p) => p,
        Err(e) => return error_page(Some(&user), e),
    };
    let title = if error.is_some() {
        "Error: What the community is missing"
    } else {
        "What the community is missing"
    };
    let page = CapacityPage {
        layout: Layout::new(title, Some(&user)),
        body: report.as_ref().map(html_body).unwrap_or_default(),
        period: typed.clone(),
        csv_link: format!(
            "/reports/capacity.csv?period={}{}",
            urlencode(&typed),
            programme_filter::query_part(programme)
        ),
        programmes,
        error: error.clone(),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render(&page, status)
}

/// `/reports/capacity.csv`: the report as CSV.
pub async fn capacity_csv(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(form): Query<CapacityForm>,
) -> Response {
    download(&state, &user, &form, Format::Csv).await
}

async fn download(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    form: &CapacityForm,
    format: Format,
) -> Response {
    let programme = match programme_filter::asked(form.programme.as_deref()) {
        Ok(p) => p,
        Err(e) => return error_page(Some(user), e),
    };
    let period = form.period.as_deref();
    let report: CapacityReport =
        match usecases::capacity::report(state, user, period, programme).await {
            Ok(r) => r,
            Err(e) => return error_page(Some(user), e),
        };
    report_file(
        user,
        format,
        &format!("capacity-{}-to-{}", report.period.from, report.period.to),
        render_file(&report, format),
    )
}

/// A period code holds only digits, `-`, `Q` and `/`; anything else is escaped.
fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z' | b'-' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
