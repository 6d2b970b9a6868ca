//! The activity report page for analysts and team leads, and its downloads. Aggregate and
//! disclosure-controlled: nothing here links to a person.

use super::programme_filter;
use super::views::Layout;
use super::{error_page, render, report_file, PageUser};
use crate::activity::render::{render as render_file, ActivityBody};
use crate::activity::ActivityReport;
use crate::equity::render::Format;
use crate::error::AppError;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct ActivityForm {
    period: Option<String>,
    programme: Option<String>,
}

#[derive(Template)]
#[template(path = "activity_page.html")]
struct ActivityPage<'a> {
    layout: Layout,
    /// The report, or none when the period asked for was refused.
    body: Option<ActivityBody<'a>>,
    /// What is in the period field: the report's own period, or what was typed.
    period: String,
    /// Published periods to pick from (the field takes any).
    choices: Vec<String>,
    /// Programmes to limit the report to.
    programmes: Vec<super::views::Choice>,
    error: Option<String>,
    csv_link: String,
    html_link: String,
}

/// Recent published periods, newest first: twelve months, eight quarters, three
/// financial years, all ended before `today`.
pub(super) fn recent_periods(today: NaiveDate) -> Vec<String> {
    let month = today.year() * 12 + today.month0() as i32;
    let label = |m: i32| format!("{}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1);
    let mut out: Vec<String> = (1..=12).map(|back| label(month - back)).collect();
    let quarter = month.div_euclid(3);
    out.extend((1..=8).map(|back| {
        let q = quarter - back;
        format!("{}-Q{}", q.div_euclid(4), q.rem_euclid(4) + 1)
    }));
    // The financial year in progress starts in April of this year or last.
    let current_start = if today.month() >= 4 {
        today.year()
    } else {
        today.year() - 1
    };
    out.extend((1..=3).map(|back| {
        let y = current_start - back;
        format!("{y}/{:02}", (y + 1) % 100)
    }));
    out
}

fn link(report: &ActivityReport, format: Format, programme: Option<i64>) -> String {
    format!(
        "/reports/activity/download.{}?period={}{}",
        format.extension(),
        report.period.code.replace('/', "%2F"),
        programme_filter::query_part(programme)
    )
}

pub async fn activity_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(form): Query<ActivityForm>,
) -> Response {
    // A period that cannot be published comes back as the form with an error summary;
    // anything else (no permission) is an error page.
    let asked = programme_filter::asked(form.programme.as_deref());
    let programme = asked.as_ref().ok().copied().flatten();
    let result = match asked {
        Ok(programme) => {
            crate::usecases::activity::report(&state, &user, form.period.as_deref(), programme)
                .await
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
    let (title, status) = if error.is_some() {
        ("Error: Activity report", StatusCode::UNPROCESSABLE_ENTITY)
    } else {
        ("Activity report", StatusCode::OK)
    };
    let page = ActivityPage {
        layout: Layout::new(title, Some(&user)),
        period: match &report {
            Some(r) => r.period.code.clone(),
            None => form.period.clone().unwrap_or_default(),
        },
        choices: recent_periods(chrono::Utc::now().date_naive()),
        programmes,
        csv_link: report
            .as_ref()
            .map(|r| link(r, Format::Csv, programme))
            .unwrap_or_default(),
        html_link: report
            .as_ref()
            .map(|r| link(r, Format::Html, programme))
            .unwrap_or_default(),
        body: report.as_ref().map(ActivityBody::of),
        error,
    };
    render(&page, status)
}

/// `download.csv`, `download.json` or `download.html`: the same report as a file.
pub async fn activity_download(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(file): Path<String>,
    Query(form): Query<ActivityForm>,
) -> Response {
    let Some(format) = file.strip_prefix("download.").and_then(Format::from_name) else {
        return error_page(Some(&user), AppError::NotFound("download"));
    };
    let programme = match programme_filter::asked(form.programme.as_deref()) {
        Ok(p) => p,
        Err(e) => return error_page(Some(&user), e),
    };
    let report =
        match crate::usecases::activity::report(&state, &user, form.period.as_deref(), programme)
            .await
        {
            Ok(r) => r,
            Err(e) => return error_page(Some(&user), e),
        };
    report_file(
        &user,
        format,
        &format!("activity-{}", report.period.code),
        render_file(&report, format),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_picker_offers_ended_periods_only() {
        let periods = recent_periods("2026-11-30".parse().unwrap());
        assert_eq!(periods[0], "2026-10");
        assert_eq!(periods[11], "2025-11");
        assert_eq!(periods[12], "2026-Q3");
        assert_eq!(periods[20], "2025/26");
        let today: NaiveDate = "2026-11-30".parse().unwrap();
        for p in &periods {
            assert!(crate::activity::parse_period(Some(p), today).is_ok(), "{p}");
        }
    }
}
