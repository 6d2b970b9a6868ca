//! The activity report page for analysts and team leads, and its downloads. Aggregate and
//! disclosure-controlled: nothing here links to a person.

use super::report_page::{self, Asked};
use super::views::Layout;
use super::{render, report_file, PageUser};
use crate::activity::render::{render as render_file, ActivityBody};
use crate::activity::ActivityReport;
use crate::equity::render::Format;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
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

const PATH: &str = "/reports/activity";

fn period(r: &ActivityReport) -> &str {
    &r.period.code
}

pub async fn activity_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(form): Query<ActivityForm>,
) -> Response {
    // A period that cannot be published comes back as the form with an error summary;
    // anything else (no permission) is an error page.
    let asked = match Asked::run(&state, &user, form.programme.as_deref(), |programme| {
        crate::usecases::activity::report(&state, &user, form.period.as_deref(), programme)
    })
    .await
    {
        Ok(asked) => asked,
        Err(page) => return page,
    };
    let (title, status) = asked.title_and_status("Activity report");
    let page = ActivityPage {
        layout: Layout::new(&title, Some(&user)),
        period: match &asked.report {
            Some(r) => r.period.code.clone(),
            None => form.period.clone().unwrap_or_default(),
        },
        choices: recent_periods(chrono::Utc::now().date_naive()),
        csv_link: asked.download_link(PATH, Format::Csv, period),
        html_link: asked.download_link(PATH, Format::Html, period),
        body: asked.report.as_ref().map(ActivityBody::of),
        error: asked.detail(),
        programmes: asked.programmes,
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
    let (format, report) =
        match report_page::download_file(&user, &file, form.programme.as_deref(), |programme| {
            crate::usecases::activity::report(&state, &user, form.period.as_deref(), programme)
        })
        .await
        {
            Ok(found) => found,
            Err(page) => return page,
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
