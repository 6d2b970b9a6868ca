//! Equity built in: the Core20PLUS5 report (docs/equity-methods.md).
//!
//! `facts` holds what the report is computed from (coded, nothing identifying),
//! `tally` folds it once into accumulators per group, `report` turns them into shown
//! figures through `disclosure` control with `stats` intervals, and `render` writes JSON,
//! CSV or a self-contained HTML file. A running server keeps the facts in memory (`cache`).

pub mod api;
#[cfg(test)]
mod attack;
pub mod cache;
mod charts;
pub mod differencing;
pub mod disclosure;
pub mod facts;
mod headlines;
pub mod population;
pub mod render;
pub mod report;
pub mod stats;
pub mod tally;
#[cfg(test)]
mod test_data;

pub use facts::{Facts, Period};
pub use report::EquityReport;

use chrono::{Datelike, Months, NaiveDate, Utc};

/// Computes the report for a period and, optionally, one practice (an index into
/// `facts.practices`), with stages and outcomes counted by `as_of`.
pub fn compute(
    facts: &Facts,
    period: &Period,
    practice: Option<u16>,
    as_of: NaiveDate,
) -> EquityReport {
    compute_for(facts, period, practice, None, as_of)
}

/// As [`compute`], for one programme's referrals (by id and name) when one is given.
pub fn compute_for(
    facts: &Facts,
    period: &Period,
    practice: Option<u16>,
    programme: Option<(u32, &str)>,
    as_of: NaiveDate,
) -> EquityReport {
    let tallies = tally::tally_for(facts, period, practice, programme.map(|p| p.0), as_of);
    let mut report = report::build(facts, &tallies, period, practice, Utc::now());
    report.programme = programme.map(|(_, name)| name.to_string());
    report
}

/// Why a report request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("the period must not end before it starts")]
    Reversed,
    #[error(
        "reports cover published periods only: a calendar month (e.g. 2026-03-01 to 2026-03-31), \
a calendar quarter (e.g. 2026-01-01 to 2026-03-31) or a year of four calendar quarters such as a \
financial year (e.g. 2025-04-01 to 2026-03-31)"
    )]
    NotPublished,
    #[error(
        "a report for one practice covers a calendar quarter or a year of four calendar quarters, \
not a single month"
    )]
    TooShortForPractice,
    #[error("no practice has the code {0:?}")]
    UnknownPractice(String),
    #[error("the as-of date must be on or after the period's last day and not after today")]
    AsOf,
    #[error(
        "reports cover published periods only: a calendar month (2026-10), a calendar quarter \
(2026-Q3) or a financial year (2026/27, April to March); {0:?} is none of these"
    )]
    NotAPeriod(String),
    #[error("{0} has not ended yet: a period is published once it is over")]
    NotEnded(String),
}

impl RequestError {
    /// The request field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            RequestError::Reversed | RequestError::NotPublished => "from",
            RequestError::TooShortForPractice => "practice",
            RequestError::UnknownPractice(_) => "practice",
            RequestError::AsOf => "as_of",
            RequestError::NotAPeriod(_) | RequestError::NotEnded(_) => "period",
        }
    }
}

/// The kinds of period a report may cover. Fixed periods are a disclosure control:
/// two reports never differ by a day or a week, so differencing them cannot isolate a
/// few referrals (see `disclosure`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodKind {
    Month,
    Quarter,
    /// Four consecutive calendar quarters (a financial year, a calendar year, ...).
    Year,
}

/// The last day of the month `months` after the one `from` is in.
fn month_end(from: NaiveDate, months: u32) -> Option<NaiveDate> {
    from.with_day(1)?
        .checked_add_months(Months::new(months + 1))?
        .pred_opt()
}

/// Which published period `period` is, if any.
pub fn published_kind(period: &Period) -> Option<PeriodKind> {
    if period.from.day() != 1 {
        return None;
    }
    let starts_quarter = period.from.month0().is_multiple_of(3);
    [
        (PeriodKind::Month, 0, false),
        (PeriodKind::Quarter, 2, true),
        (PeriodKind::Year, 11, true),
    ]
    .into_iter()
    .find(|&(_, months, quarterly)| {
        (starts_quarter || !quarterly) && month_end(period.from, months) == Some(period.to)
    })
    .map(|(kind, _, _)| kind)
}

/// The year of four quarters ending on the last quarter end before `day`.
pub fn latest_year_before(day: NaiveDate) -> Period {
    let quarter_start =
        NaiveDate::from_ymd_opt(day.year(), day.month0() / 3 * 3 + 1, 1).unwrap_or(day);
    let to = quarter_start.pred_opt().unwrap_or(quarter_start);
    year_ending(to)
}

/// The four quarters ending on `to` (a quarter end).
fn year_ending(to: NaiveDate) -> Period {
    let from = to
        .succ_opt()
        .and_then(|d| d.checked_sub_months(Months::new(12)))
        .unwrap_or(to);
    Period { from, to }
}

/// Reads a published period written as a code: a month `2026-10`, a quarter `2026-Q3` or a
/// financial year `2026/27` (April to March), for reports asked for by `?period=` or
/// `--period`. Only periods that ended before `today` are published; with none given, the
/// last complete quarter (a month is often too few people to show anything).
pub fn parse_period_code(text: Option<&str>, today: NaiveDate) -> Result<Period, RequestError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        let quarter_start =
            NaiveDate::from_ymd_opt(today.year(), today.month0() / 3 * 3 + 1, 1).unwrap_or(today);
        let to = quarter_start.pred_opt().unwrap_or(quarter_start);
        let from = NaiveDate::from_ymd_opt(to.year(), to.month0() / 3 * 3 + 1, 1).unwrap_or(to);
        return Ok(Period { from, to });
    };
    let refused = || RequestError::NotAPeriod(text.to_string());
    let digits = |s: &str, n: usize| -> Option<u32> {
        (s.len() == n && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (from, months) = if let Some((y, next)) = text.split_once('/') {
        let y = digits(y, 4).ok_or_else(refused)? as i32;
        if digits(next, 2).ok_or_else(refused)? as i32 != (y + 1) % 100 {
            return Err(refused());
        }
        (NaiveDate::from_ymd_opt(y, 4, 1), 11)
    } else if let Some((y, q)) = text.split_once("-Q") {
        let y = digits(y, 4).ok_or_else(refused)? as i32;
        let q = digits(q, 1)
            .filter(|q| (1..=4).contains(q))
            .ok_or_else(refused)?;
        (NaiveDate::from_ymd_opt(y, (q - 1) * 3 + 1, 1), 2)
    } else if let Some((y, m)) = text.split_once('-') {
        let y = digits(y, 4).ok_or_else(refused)? as i32;
        let m = digits(m, 2)
            .filter(|m| (1..=12).contains(m))
            .ok_or_else(refused)?;
        (NaiveDate::from_ymd_opt(y, m, 1), 0)
    } else {
        return Err(refused());
    };
    let from = from.ok_or_else(refused)?;
    let to = month_end(from, months).ok_or_else(refused)?;
    if to >= today {
        return Err(RequestError::NotEnded(text.to_string()));
    }
    Ok(Period { from, to })
}

/// A checked report request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    pub period: Period,
    pub practice: Option<u16>,
    pub as_of: NaiveDate,
}

/// Checks a requested period, practice code and as-of date. Only published periods are
/// accepted; with no dates the period is the latest year of four complete quarters before
/// `today`, and with only `to` (a quarter end) the year ending there. The as-of date
/// defaults to today.
pub fn parse_request(
    facts: &Facts,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    practice: Option<&str>,
    as_of: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<Request, RequestError> {
    let period = match (from, to) {
        (Some(from), Some(to)) => Period { from, to },
        (Some(from), None) => Period {
            from,
            to: month_end(from, 11).ok_or(RequestError::NotPublished)?,
        },
        (None, Some(to)) => year_ending(to),
        (None, None) => latest_year_before(today),
    };
    if period.to < period.from {
        return Err(RequestError::Reversed);
    }
    let kind = published_kind(&period).ok_or(RequestError::NotPublished)?;
    let practice = match practice.map(str::trim).filter(|p| !p.is_empty()) {
        Some(code) => Some(
            facts
                .practice_index(code)
                .ok_or_else(|| RequestError::UnknownPractice(code.to_string()))?,
        ),
        None => None,
    };
    if practice.is_some() && kind == PeriodKind::Month {
        return Err(RequestError::TooShortForPractice);
    }
    let as_of = as_of.unwrap_or(today);
    if as_of < period.to || as_of > today {
        return Err(RequestError::AsOf);
    }
    Ok(Request {
        period,
        practice,
        as_of,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn kind(from: &str, to: &str) -> Option<PeriodKind> {
        published_kind(&Period {
            from: day(from),
            to: day(to),
        })
    }

    #[test]
    fn only_months_quarters_and_years_of_quarters_are_published() {
        assert_eq!(kind("2026-02-01", "2026-02-28"), Some(PeriodKind::Month));
        assert_eq!(kind("2024-02-01", "2024-02-29"), Some(PeriodKind::Month));
        assert_eq!(kind("2026-04-01", "2026-06-30"), Some(PeriodKind::Quarter));
        assert_eq!(kind("2025-04-01", "2026-03-31"), Some(PeriodKind::Year));
        assert_eq!(kind("2026-01-01", "2026-12-31"), Some(PeriodKind::Year));
        for (from, to) in [
            ("2026-02-01", "2026-02-27"),
            ("2026-02-02", "2026-02-28"),
            ("2026-02-01", "2026-04-30"),
            ("2026-02-01", "2027-01-31"),
            ("2025-11-26", "2026-11-25"),
            ("2026-01-01", "2026-06-30"),
        ] {
            assert_eq!(kind(from, to), None, "{from} to {to}");
        }
        assert_eq!(
            latest_year_before(day("2026-11-30")),
            Period {
                from: day("2025-10-01"),
                to: day("2026-09-30")
            }
        );
        assert_eq!(latest_year_before(day("2026-10-01")).to, day("2026-09-30"));
    }

    #[test]
    fn period_codes_name_months_quarters_and_financial_years_that_have_ended() {
        let today = day("2026-11-30");
        let period = |text| parse_period_code(Some(text), today).map(|p| (p.from, p.to));
        assert_eq!(
            period("2026-10"),
            Ok((day("2026-10-01"), day("2026-10-31")))
        );
        assert_eq!(
            period("2026-Q3"),
            Ok((day("2026-07-01"), day("2026-09-30")))
        );
        assert_eq!(
            period("2025/26"),
            Ok((day("2025-04-01"), day("2026-03-31")))
        );
        let default = parse_period_code(None, today).unwrap();
        assert_eq!(
            (default.from, default.to),
            (day("2026-07-01"), day("2026-09-30"))
        );
        for bad in [
            "2026-13",
            "2026-1",
            "2026-Q5",
            "2026/28",
            "26/27",
            "2026",
            "2026-10-01",
        ] {
            assert_eq!(
                period(bad),
                Err(RequestError::NotAPeriod(bad.into())),
                "{bad}"
            );
        }
        assert_eq!(
            period("2026-11"),
            Err(RequestError::NotEnded("2026-11".into()))
        );
    }
}
