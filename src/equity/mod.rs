//! Equity built in: the Core20PLUS5 report (DESIGN.md 3).
//!
//! `facts` holds what the report is computed from (coded, nothing identifying),
//! `tally` folds it once into accumulators per group, `report` turns them into shown
//! figures through `disclosure` control with `stats` intervals, and `render` writes JSON,
//! CSV or a self-contained HTML file. A running server keeps the facts in memory (`cache`).

pub mod api;
pub mod bench;
pub mod cache;
mod charts;
pub mod disclosure;
pub mod facts;
mod headlines;
pub mod population;
pub mod render;
pub mod report;
pub mod stats;
pub mod tally;

pub use facts::{Facts, Period};
pub use report::EquityReport;

use chrono::Utc;

/// Computes the report for a period and, optionally, one practice (an index into
/// `facts.practices`).
pub fn compute(facts: &Facts, period: &Period, practice: Option<u16>) -> EquityReport {
    let tallies = tally::tally(facts, period, practice);
    report::build(facts, &tallies, period, practice, Utc::now())
}

/// Longest period one report covers: ten years of quarters.
pub const LONGEST_PERIOD_DAYS: i64 = 3653;

/// Why a report request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("the period must not end before it starts")]
    Reversed,
    #[error("the period must be at most ten years")]
    TooLong,
    #[error("no practice has the code {0:?}")]
    UnknownPractice(String),
}

impl RequestError {
    /// The request field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            RequestError::Reversed | RequestError::TooLong => "from",
            RequestError::UnknownPractice(_) => "practice",
        }
    }
}

/// Checks a requested period and practice code; the period defaults to the twelve months
/// up to `today` (or up to `to`).
pub fn parse_request(
    facts: &Facts,
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
    practice: Option<&str>,
    today: chrono::NaiveDate,
) -> Result<(Period, Option<u16>), RequestError> {
    let to = to.unwrap_or(today);
    let period = match from {
        Some(from) => Period { from, to },
        None => Period::year_to(to),
    };
    if period.to < period.from {
        return Err(RequestError::Reversed);
    }
    if period.days() > LONGEST_PERIOD_DAYS {
        return Err(RequestError::TooLong);
    }
    let practice = match practice.map(str::trim).filter(|p| !p.is_empty()) {
        Some(code) => Some(
            facts
                .practice_index(code)
                .ok_or_else(|| RequestError::UnknownPractice(code.to_string()))?,
        ),
        None => None,
    };
    Ok((period, practice))
}
