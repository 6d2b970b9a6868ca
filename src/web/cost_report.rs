//! The cost report page for commissioners' analysts, and its downloads. Aggregate and
//! disclosure-controlled: costs beside published counts, nothing that links to a person
//! (docs/cost-report.md).

use super::report_page::{self, Asked};
use super::views::Layout;
use super::{render, report_file, PageUser};
use crate::costs::render::{render as render_file, CostBody};
use crate::costs::report::CostReport;
use crate::equity::render::Format;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
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

const PATH: &str = "/reports/cost";

fn period(r: &CostReport) -> &str {
    &r.period.code
}

pub async fn cost_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(form): Query<CostReportForm>,
) -> Response {
    // A period or programme that cannot be reported comes back as the form with an error
    // summary; anything else (no permission) is an error page.
    let asked = match Asked::run(&state, &user, form.programme.as_deref(), |programme| {
        crate::usecases::costs::report(&state, &user, form.period.as_deref(), programme)
    })
    .await
    {
        Ok(asked) => asked,
        Err(page) => return page,
    };
    let (title, status) = asked.title_and_status("Programme costs");
    let page = CostPage {
        layout: Layout::new(&title, Some(&user)),
        period: match &asked.report {
            Some(r) => r.period.code.clone(),
            None => form.period.clone().unwrap_or_default(),
        },
        choices: super::activity::recent_periods(chrono::Utc::now().date_naive()),
        csv_link: asked.download_link(PATH, Format::Csv, period),
        html_link: asked.download_link(PATH, Format::Html, period),
        body: asked.report.as_ref().map(CostBody::of),
        error: asked.summary(),
        programmes: asked.programmes,
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
    let (format, report) =
        match report_page::download_file(&user, &file, form.programme.as_deref(), |programme| {
            crate::usecases::costs::report(&state, &user, form.period.as_deref(), programme)
        })
        .await
        {
            Ok(found) => found,
            Err(page) => return page,
        };
    report_file(
        &user,
        format,
        &format!("cost-{}", report.period.code),
        render_file(&report, format),
    )
}
