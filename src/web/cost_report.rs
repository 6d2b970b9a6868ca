//! The cost report page for commissioners' analysts, and its downloads. Aggregate and
//! disclosure-controlled: costs beside published counts, nothing that links to a person
//! (docs/cost-report.md).

use super::programme_filter;
use super::views::Layout;
use super::{error_page, render, report_file, PageUser};
use crate::costs::render::{render as render_file, CostBody};
use crate::costs::report::CostReport;
use crate::equity::render::Format;
use crate::error::AppError;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct CostReportForm {
    period: Option<String>,
    programme: Option<String>,
}

#[derive(Template)]
#[template(path = "cost_page.html")]
struct CostPage<'a> {
    layout: Layout,
    /// The report, or none when the period or programme asked for was refused.
    body: Option<CostBody<'a>>,
    period: String,
    choices: Vec<String>,
    programmes: Vec<super::views::Choice>,
    /// The refused field ("period" or "programme") and why.
    error: Option<(String, String)>,
    csv_link: String,
    html_link: String,
}

fn link(report: &CostReport, format: Format, programme: Option<i64>) -> String {
    format!(
        "/reports/cost/download.{}?period={}{}",
        format.extension(),
        report.period.code.replace('/', "%2F"),
        programme_filter::query_part(programme)
    )
}

pub async fn cost_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(form): Query<CostReportForm>,
) -> Response {
    // A period or programme that cannot be reported comes back as the form with an error
    // summary; anything else (no permission) is an error page.
    let asked = programme_filter::asked(form.programme.as_deref());
    let programme = asked.as_ref().ok().copied().flatten();
    let result = match asked {
        Ok(programme) => {
            crate::usecases::costs::report(&state, &user, form.period.as_deref(), programme).await
        }
        Err(e) => Err(e),
    };
    let (report, error) = match result {
        Ok(r) => (Some(r), None),
        Err(AppError::Validation { field, detail, .. }) => (
            None,
            Some((
                field.unwrap_or_else(|| "period".into()),
                super::referral_form::capitalised(&detail),
            )),
        ),
        Err(e) => return error_page(Some(&user), e),
    };
    let programmes = match programme_filter::choices(&state, &user, programme).await {
        Ok(p) => p,
        Err(e) => return error_page(Some(&user), e),
    };
    let (title, status) = if error.is_some() {
        ("Error: Programme costs", StatusCode::UNPROCESSABLE_ENTITY)
    } else {
        ("Programme costs", StatusCode::OK)
    };
    let page = CostPage {
        layout: Layout::new(title, Some(&user)),
        period: match &report {
            Some(r) => r.period.code.clone(),
            None => form.period.clone().unwrap_or_default(),
        },
        choices: super::activity::recent_periods(chrono::Utc::now().date_naive()),
        programmes,
        csv_link: report
            .as_ref()
            .map(|r| link(r, Format::Csv, programme))
            .unwrap_or_default(),
        html_link: report
            .as_ref()
            .map(|r| link(r, Format::Html, programme))
            .unwrap_or_default(),
        body: report.as_ref().map(CostBody::of),
        error,
    };
    render(&page, status)
}

/// `download.csv`, `download.json` or `download.html`: the same report as a file.
pub async fn cost_download(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(file): Path<String>,
    Query(form): Query<CostReportForm>,
) -> Response {
    let Some(format) = file.strip_prefix("download.").and_then(Format::from_name) else {
        return error_page(Some(&user), AppError::NotFound("download"));
    };
    let programme = match programme_filter::asked(form.programme.as_deref()) {
        Ok(p) => p,
        Err(e) => return error_page(Some(&user), e),
    };
    let report = match crate::usecases::costs::report(
        &state,
        &user,
        form.period.as_deref(),
        programme,
    )
    .await
    {
        Ok(r) => r,
        Err(e) => return error_page(Some(&user), e),
    };
    report_file(
        &user,
        format,
        &format!("cost-{}", report.period.code),
        render_file(&report, format),
    )
}
