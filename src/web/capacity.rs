//! "What the community is missing" (`/reports/capacity`) for analysts, team leads and
//! administrators, and the same as CSV (`/reports/capacity.csv`, or `?format=csv`) or one
//! HTML file (`?format=html`). Aggregate and disclosure-controlled: nothing links to a person.

use super::programme_filter;
use super::report_page::{self, Asked};
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
    let asked = match Asked::run(&state, &user, form.programme.as_deref(), |programme| {
        usecases::capacity::report(&state, &user, form.period.as_deref(), programme)
    })
    .await
    {
        Ok(asked) => asked,
        Err(page) => return page,
    };
    let (title, status) = asked.title_and_status("What the community is missing");
    let page = CapacityPage {
        layout: Layout::new(&title, Some(&user)),
        body: asked.report.as_ref().map(html_body).unwrap_or_default(),
        period: typed.clone(),
        csv_link: format!(
            "/reports/capacity.csv?period={}{}",
            urlencode(&typed),
            programme_filter::query_part(asked.programme)
        ),
        error: asked.detail(),
        programmes: asked.programmes,
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
    let report: CapacityReport =
        match report_page::downloaded(user, form.programme.as_deref(), |programme| {
            usecases::capacity::report(state, user, form.period.as_deref(), programme)
        })
        .await
        {
            Ok(r) => r,
            Err(page) => return page,
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
