//! The equity report page for analysts and team leads, and its downloads. Aggregate and
//! disclosure-controlled: nothing here links to a person.

use super::programme_filter;
use super::views::{Choice, Layout};
use super::{error_page, render, report_file, PageUser};
use crate::equity::api::ReportQuery;
use crate::equity::render::{render as render_file, Format, ReportBody};
use crate::equity::EquityReport;
use crate::error::AppError;
use crate::state::AppState;
use crate::usecases;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use serde::Deserialize;

/// Form fields arrive as text (an empty date means "default"), so they are parsed here
/// and an unreadable one is shown as an error on the page.
#[derive(Debug, Default, Deserialize)]
pub struct ReportForm {
    from: Option<String>,
    to: Option<String>,
    practice: Option<String>,
    as_of: Option<String>,
    programme: Option<String>,
}

impl ReportForm {
    fn query(&self) -> Result<ReportQuery, AppError> {
        let date = |field: &str, value: &Option<String>| -> Result<Option<NaiveDate>, AppError> {
            match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(v) => v.parse().map(Some).map_err(|_| {
                    AppError::invalid_field(
                        field,
                        "Invalid date",
                        format!("{field} must be a date like 2026-03-31"),
                    )
                }),
            }
        };
        Ok(ReportQuery {
            from: date("from", &self.from)?,
            to: date("to", &self.to)?,
            practice: self.practice.clone().filter(|p| !p.trim().is_empty()),
            as_of: date("as_of", &self.as_of)?,
            programme: programme_filter::asked(self.programme.as_deref())?,
        })
    }

    fn download_link(&self, report: &EquityReport, format: Format) -> String {
        let mut link = format!(
            "/reports/equity/download.{}?from={}&to={}",
            format.extension(),
            report.period.from,
            report.period.to
        );
        if let Some(p) = &report.practice {
            link.push_str(&format!("&practice={}", p.code));
        }
        link.push_str(&format!("&as_of={}", report.as_of));
        let programme = programme_filter::asked(self.programme.as_deref()).unwrap_or(None);
        link.push_str(&programme_filter::query_part(programme));
        link
    }
}

#[derive(Template)]
#[template(path = "equity_page.html")]
struct EquityPage<'a> {
    layout: Layout,
    /// The report, or none when the period asked for was refused.
    body: Option<ReportBody<'a>>,
    /// What is in the filter fields: the report's own period, or what was typed.
    values: FormValues,
    /// A refused filter: the field at fault and why, shown in the error summary.
    error: Option<(String, String)>,
    practices: Vec<Choice>,
    programmes: Vec<Choice>,
    csv_link: String,
    html_link: String,
}

#[derive(Debug, Default)]
struct FormValues {
    from: String,
    to: String,
    as_of: String,
}

async fn checked_report(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    form: &ReportForm,
) -> Result<EquityReport, AppError> {
    usecases::equity::report(state, user, &form.query()?.asked()).await
}

pub async fn equity_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(form): Query<ReportForm>,
) -> Response {
    // A period or practice that cannot be published comes back as the form, with what was
    // typed and an error summary naming the field; anything else is an error page.
    let (report, error) = match checked_report(&state, &user, &form).await {
        Ok(r) => (Some(r), None),
        Err(e @ AppError::Validation { .. }) => {
            let problem = e.problem();
            let field = problem.field.unwrap_or_else(|| "from".into());
            (None, Some((field, problem.detail)))
        }
        Err(e) => return error_page(Some(&user), e),
    };
    let chosen_practice = match &report {
        Some(r) => r.practice.as_ref().map(|p| p.code.clone()),
        None => form.practice.clone(),
    };
    let practices = match usecases::equity::practices(&state, &user).await {
        Ok(practices) => practices
            .iter()
            .map(|p| {
                let selected = chosen_practice.as_deref() == Some(p.code.as_str());
                Choice::new(&p.code, &format!("{} ({})", p.name, p.code), selected)
            })
            .collect(),
        Err(e) => return error_page(Some(&user), e),
    };
    let chosen_programme = programme_filter::asked(form.programme.as_deref()).unwrap_or(None);
    let programmes = match programme_filter::choices(&state, &user, chosen_programme).await {
        Ok(p) => p,
        Err(e) => return error_page(Some(&user), e),
    };
    let typed = |v: &Option<String>| v.clone().unwrap_or_default();
    let values = match &report {
        Some(r) => FormValues {
            from: r.period.from.to_string(),
            to: r.period.to.to_string(),
            as_of: r.as_of.to_string(),
        },
        None => FormValues {
            from: typed(&form.from),
            to: typed(&form.to),
            as_of: typed(&form.as_of),
        },
    };
    let title = if error.is_some() {
        "Error: Equity report"
    } else {
        "Equity report"
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = EquityPage {
        layout: Layout::new(title, Some(&user)),
        csv_link: report
            .as_ref()
            .map(|r| form.download_link(r, Format::Csv))
            .unwrap_or_default(),
        html_link: report
            .as_ref()
            .map(|r| form.download_link(r, Format::Html))
            .unwrap_or_default(),
        body: report.as_ref().map(ReportBody::of),
        values,
        error,
        practices,
        programmes,
    };
    render(&page, status)
}

/// `download.csv` or `download.html`: the same report as a file.
pub async fn equity_download(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(file): Path<String>,
    Query(form): Query<ReportForm>,
) -> Response {
    let Some(format) = file.strip_prefix("download.").and_then(Format::from_name) else {
        return error_page(Some(&user), AppError::NotFound("download"));
    };
    let report = match checked_report(&state, &user, &form).await {
        Ok(r) => r,
        Err(e) => return error_page(Some(&user), e),
    };
    report_file(
        &user,
        format,
        &format!("equity-{}-to-{}", report.period.from, report.period.to),
        render_file(&report, format),
    )
}
