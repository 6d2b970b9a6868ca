//! The system outcomes report page for analysts and team leads, and its downloads.
//! Aggregate and disclosure-controlled: nothing here links to a person.

use super::programme_filter;
use super::views::Layout;
use super::{error_page, render, report_file, PageUser};
use crate::equity::render::Format;
use crate::error::AppError;
use crate::service_use::render::{render as render_file, ServiceUseBody};
use crate::service_use::report::ServiceUseReport;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct ServiceUseQuery {
    period: Option<String>,
    programme: Option<String>,
}

#[derive(Template)]
#[template(path = "service_use_page.html")]
struct ServiceUsePage<'a> {
    layout: Layout,
    body: Option<ServiceUseBody<'a>>,
    period: String,
    programmes: Vec<super::views::Choice>,
    /// The refused field ("period" or "programme") and why.
    error: Option<(String, String)>,
    csv_link: String,
    html_link: String,
}

fn link(report: &ServiceUseReport, format: Format, programme: Option<i64>) -> String {
    format!(
        "/reports/service-use/download.{}?period={}{}",
        format.extension(),
        report.period.replace('/', "%2F"),
        programme_filter::query_part(programme)
    )
}

pub async fn service_use_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(form): Query<ServiceUseQuery>,
) -> Response {
    // A period or programme that cannot be reported: the form again, with the error summary.
    let asked = programme_filter::asked(form.programme.as_deref());
    let programme = asked.as_ref().ok().copied().flatten();
    let result = match asked {
        Ok(programme) => {
            let period = form.period.as_deref();
            crate::usecases::service_use::report(&state.store, &user, period, programme).await
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
        ("Error: System outcomes", StatusCode::UNPROCESSABLE_ENTITY)
    } else {
        ("System outcomes", StatusCode::OK)
    };
    let page = ServiceUsePage {
        layout: Layout::new(title, Some(&user)),
        period: match &report {
            Some(r) => r.period.clone(),
            None => form.period.clone().unwrap_or_default(),
        },
        programmes,
        csv_link: report
            .as_ref()
            .map(|r| link(r, Format::Csv, programme))
            .unwrap_or_default(),
        html_link: report
            .as_ref()
            .map(|r| link(r, Format::Html, programme))
            .unwrap_or_default(),
        body: report.as_ref().map(ServiceUseBody::of),
        error,
    };
    render(&page, status)
}

/// `download.csv`, `download.json` or `download.html`: the same report as a file.
pub async fn service_use_download(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(file): Path<String>,
    Query(form): Query<ServiceUseQuery>,
) -> Response {
    let Some(format) = file.strip_prefix("download.").and_then(Format::from_name) else {
        return error_page(Some(&user), AppError::NotFound("download"));
    };
    let programme = match programme_filter::asked(form.programme.as_deref()) {
        Ok(p) => p,
        Err(e) => return error_page(Some(&user), e),
    };
    let period = form.period.as_deref();
    let report =
        match crate::usecases::service_use::report(&state.store, &user, period, programme).await {
            Ok(r) => r,
            Err(e) => return error_page(Some(&user), e),
        };
    report_file(
        &user,
        format,
        &format!("service-use-{}", report.period),
        render_file(&report, format),
    )
}
