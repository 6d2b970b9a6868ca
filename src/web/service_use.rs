//! The system outcomes report page for analysts and team leads, and its downloads.
//! Aggregate and disclosure-controlled: nothing here links to a person.

use super::report_page::{self, Asked};
use super::views::Layout;
use super::{render, report_file, PageUser};
use crate::equity::render::Format;
use crate::service_use::render::{render as render_file, ServiceUseBody};
use crate::service_use::report::ServiceUseReport;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

const PATH: &str = "/reports/service-use";

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

pub async fn service_use_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(form): Query<ServiceUseQuery>,
) -> Response {
    let asked = match Asked::run(&state, &user, form.programme.as_deref(), |programme| {
        crate::usecases::service_use::report(&state.store, &user, form.period.as_deref(), programme)
    })
    .await
    {
        Ok(asked) => asked,
        Err(page) => return page,
    };
    let (title, status) = asked.title_and_status("System outcomes");
    fn period(r: &ServiceUseReport) -> &str {
        &r.period
    }
    let page = ServiceUsePage {
        layout: Layout::new(&title, Some(&user)),
        period: match &asked.report {
            Some(r) => r.period.clone(),
            None => form.period.clone().unwrap_or_default(),
        },
        csv_link: asked.download_link(PATH, Format::Csv, period),
        html_link: asked.download_link(PATH, Format::Html, period),
        body: asked.report.as_ref().map(ServiceUseBody::of),
        error: asked.summary(),
        programmes: asked.programmes,
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
    let (format, report) =
        match report_page::download_file(&user, &file, form.programme.as_deref(), |programme| {
            crate::usecases::service_use::report(
                &state.store,
                &user,
                form.period.as_deref(),
                programme,
            )
        })
        .await
        {
            Ok(found) => found,
            Err(page) => return page,
        };
    report_file(
        &user,
        format,
        &format!("service-use-{}", report.period),
        render_file(&report, format),
    )
}
