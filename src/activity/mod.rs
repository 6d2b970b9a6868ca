//! The activity report (issue 17, item 1): what commissioners fund social prescribing
//! against, month by month — referrals by source and need, people supported, contacts by
//! mode, caseloads, waiting times, declines, connections, closures and outcome completion
//! (docs/activity-report.md).
//!
//! The same shape as the equity report: `facts` holds what it is computed from (coded,
//! nothing identifying), `tally` folds it once into exact counts, `report` turns them into
//! shown figures through the equity report's disclosure control
//! (`crate::equity::disclosure`), and `render` writes JSON, CSV or one HTML file. A running
//! server keeps the facts in memory (`cache`).
//!
//! Programmes (issue 17, item 3): each referral fact carries its programme's index; a
//! request may be limited to one programme (beside the team scope), and `tally` breaks
//! the main figures down by programme (docs/programmes.md).

pub mod api;
pub mod cache;
pub mod facts;
pub mod own_outcomes;
pub mod render;
pub mod report;
pub mod tally;

pub use facts::ActivityFacts;
pub use report::ActivityReport;

use chrono::{Datelike, NaiveDate};

/// Whose referrals a report counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every team's (analysts).
    All,
    /// One team's, by index into `ActivityFacts::teams` (a team lead's own team).
    Team(u16),
}

/// The kinds of published period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodKind {
    Month,
    Quarter,
    /// A financial year, 1 April to 31 March.
    FinancialYear,
}

/// A published period, as whole calendar months.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportPeriod {
    /// As asked for and shown: `2026-10`, `2026-Q3` or `2026/27`.
    pub code: String,
    pub kind: PeriodKind,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub first_month: i32,
    pub last_month: i32,
    /// `to` as a day number.
    pub last_day: i32,
}

impl ReportPeriod {
    fn of(code: String, kind: PeriodKind, from: NaiveDate, months: i32) -> Option<ReportPeriod> {
        let first_month = facts::month_number(from);
        let last_month = first_month + months - 1;
        let to = facts::month_start(last_month + 1).pred_opt()?;
        Some(ReportPeriod {
            code,
            kind,
            from,
            to,
            first_month,
            last_month,
            last_day: to.num_days_from_ce(),
        })
    }

    /// The calendar month ending on `day`'s month.
    pub fn month_of(day: NaiveDate) -> ReportPeriod {
        let from = day.with_day(1).unwrap_or(day);
        ReportPeriod::of(from.format("%Y-%m").to_string(), PeriodKind::Month, from, 1)
            .expect("a month")
    }
}

/// Why a report request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error(
        "reports cover published periods only: a calendar month (2026-10), a calendar quarter \
(2026-Q3) or a financial year (2026/27, April to March); {0:?} is none of these"
    )]
    NotAPeriod(String),
    #[error(
        "{0} has not ended yet: a period is published once it is over, so two reports never \
differ by a few days"
    )]
    NotEnded(String),
    #[error(
        "a link worker's own outcomes cover one calendar quarter (2026-Q3), so no two published \
figures nest or overlap; {0:?} is not a quarter"
    )]
    NotAQuarter(String),
}

/// Reads a period: `YYYY-MM`, `YYYY-Qn` or `YYYY/YY` (a financial year), read by the equity
/// report's one parser so every report accepts the same codes. Only periods that ended before
/// `today` are published; with none given, the last complete month.
pub fn parse_period(text: Option<&str>, today: NaiveDate) -> Result<ReportPeriod, RequestError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        let last_month_end = today
            .with_day(1)
            .and_then(|d| d.pred_opt())
            .unwrap_or(today);
        return Ok(ReportPeriod::month_of(last_month_end));
    };
    let period = crate::equity::parse_period_code(Some(text), today).map_err(|e| match e {
        crate::equity::RequestError::NotEnded(code) => RequestError::NotEnded(code),
        _ => RequestError::NotAPeriod(text.to_string()),
    })?;
    let months = facts::month_number(period.to) - facts::month_number(period.from) + 1;
    let (year, month) = (period.from.year(), period.from.month());
    let (code, kind) = match months {
        1 => (format!("{year}-{month:02}"), PeriodKind::Month),
        3 => (
            format!("{year}-Q{}", month.div_ceil(3)),
            PeriodKind::Quarter,
        ),
        _ => (
            format!("{year}/{:02}", (year + 1) % 100),
            PeriodKind::FinancialYear,
        ),
    };
    ReportPeriod::of(code, kind, period.from, months)
        .ok_or_else(|| RequestError::NotAPeriod(text.to_string()))
}

/// A checked request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub period: ReportPeriod,
    pub scope: Scope,
    /// Only this programme's referrals (an index into `ActivityFacts::programmes`).
    pub programme: Option<u16>,
}

/// How much a viewer may see of who holds the caseloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerNames {
    /// A team lead's own team: names, as the team page shows them.
    Shown,
    /// Analysts: pseudonymous labels.
    Pseudonymous,
}

/// Computes the report.
pub fn compute(facts: &ActivityFacts, request: &Request, names: WorkerNames) -> ActivityReport {
    let tally = tally::tally(facts, request);
    report::build(facts, &tally, request, names, chrono::Utc::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn months_quarters_and_financial_years_that_have_ended() {
        let today = day("2026-11-30");
        let p = parse_period(Some("2026-10"), today).unwrap();
        assert_eq!((p.from, p.to), (day("2026-10-01"), day("2026-10-31")));
        let p = parse_period(Some("2026-Q3"), today).unwrap();
        assert_eq!((p.from, p.to), (day("2026-07-01"), day("2026-09-30")));
        assert_eq!(p.last_month - p.first_month, 2);
        let p = parse_period(Some("2025/26"), today).unwrap();
        assert_eq!((p.from, p.to), (day("2025-04-01"), day("2026-03-31")));
        assert_eq!(
            parse_period(None, today).unwrap().code,
            "2026-10",
            "the last complete month"
        );
        for bad in [
            "2026-13",
            "2026-1",
            "2026-Q5",
            "2026/28",
            "26/27",
            "2026",
            "soon",
            "2026-10-01",
        ] {
            assert_eq!(
                parse_period(Some(bad), today),
                Err(RequestError::NotAPeriod(bad.into())),
                "{bad}"
            );
        }
        for open in ["2026-11", "2026-Q4", "2026/27", "2030-01"] {
            assert!(matches!(
                parse_period(Some(open), today),
                Err(RequestError::NotEnded(_))
            ));
        }
    }
}
