//! Programme costs (issue 17, item 5): what a programme cost, month by month, split into
//! staff, grants (paid on to community groups) and other costs, and the cost report that
//! sets them against the people supported, the people connected and the goals met
//! (docs/cost-report.md).
//!
//! Plain data and rules only. Costs are recorded by calendar month, in whole pence, so that
//! every published period (a month, a quarter, a financial year) is an exact sum of whole
//! months and no figure is ever prorated. SQL is in `store/costs.rs`, who may do what in
//! `usecases/costs.rs`.

pub mod api;
pub mod literature;
pub mod render;
pub mod report;
pub mod tally;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// The largest amount one heading may hold for one month: £1 billion, far above any
/// programme, and small enough that a year of every programme's costs adds up in an i64.
pub const LARGEST_PENCE: i64 = 100_000_000_000;

/// The earliest month costs may be recorded for.
const FIRST_YEAR: i32 = 2000;

/// A calendar month costs are recorded for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct CostMonth {
    pub year: i32,
    /// 1 to 12.
    pub month: u32,
}

impl CostMonth {
    /// Reads `YYYY-MM` (the activity report's month code).
    pub fn parse(text: &str) -> Option<CostMonth> {
        let text = text.trim();
        let (year, month) = text.split_once('-')?;
        if year.len() != 4 || month.len() != 2 || !text.is_ascii() {
            return None;
        }
        let (year, month) = (year.parse().ok()?, month.parse().ok()?);
        (1..=12)
            .contains(&month)
            .then_some(CostMonth { year, month })
    }

    pub fn of(day: NaiveDate) -> CostMonth {
        CostMonth {
            year: day.year(),
            month: day.month(),
        }
    }

    pub fn code(self) -> String {
        format!("{}-{:02}", self.year, self.month)
    }

    /// As the activity report numbers months (year × 12 + month from 0).
    pub fn number(self) -> i32 {
        self.year * 12 + self.month as i32 - 1
    }

    pub fn from_number(n: i32) -> CostMonth {
        CostMonth {
            year: n.div_euclid(12),
            month: n.rem_euclid(12) as u32 + 1,
        }
    }
}

/// A month's costs for one programme, checked: what recording them writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCost {
    pub month: CostMonth,
    pub staff_pence: i64,
    pub grants_pence: i64,
    pub other_pence: i64,
    /// What the figures include, in words (optional).
    pub note: String,
}

/// Why a month's costs were refused, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CostError {
    #[error("enter the month as YYYY-MM, for example 2026-09")]
    NotAMonth,
    #[error("costs are recorded for months that have begun; {0} has not")]
    FutureMonth(String),
    #[error("costs are recorded from {FIRST_YEAR} on")]
    TooEarly,
    #[error("{0} must be zero or more")]
    Negative(&'static str),
    #[error("{0} must be at most £1,000,000,000 for one month")]
    TooLarge(&'static str),
}

impl CostError {
    /// The field the problem is in (the API's and the form's name for it).
    pub fn field(&self) -> &'static str {
        match self {
            CostError::NotAMonth | CostError::FutureMonth(_) | CostError::TooEarly => "month",
            CostError::Negative(f) | CostError::TooLarge(f) => f,
        }
    }
}

/// The three headings, with the field names the API and the form use.
pub const HEADINGS: [(&str, &str); 3] = [
    ("staff_pence", "Staff costs"),
    ("grants_pence", "Grants"),
    ("other_pence", "Other costs"),
];

impl NewCost {
    /// Checks the month (begun by `today`, not before 2000) and each amount (0 to £1bn).
    pub fn checked(self, today: NaiveDate) -> Result<NewCost, CostError> {
        if self.month.year < FIRST_YEAR {
            return Err(CostError::TooEarly);
        }
        if self.month > CostMonth::of(today) {
            return Err(CostError::FutureMonth(self.month.code()));
        }
        for (amount, (field, _)) in [self.staff_pence, self.grants_pence, self.other_pence]
            .into_iter()
            .zip(HEADINGS)
        {
            if amount < 0 {
                return Err(CostError::Negative(field));
            }
            if amount > LARGEST_PENCE {
                return Err(CostError::TooLarge(field));
            }
        }
        Ok(self)
    }

    pub fn total_pence(&self) -> i64 {
        self.staff_pence + self.grants_pence + self.other_pence
    }
}

/// A month's costs as recorded (the latest entry for that programme and month), with who
/// recorded them and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CostEntry {
    pub id: i64,
    pub programme_id: i64,
    /// `YYYY-MM`.
    pub month: String,
    pub staff_pence: i64,
    pub grants_pence: i64,
    pub other_pence: i64,
    pub total_pence: i64,
    pub note: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
    /// How many times this month's figures have been recorded (1 = never changed); every
    /// earlier version is kept and audited.
    pub versions: i64,
}

/// A month's latest figures for one programme, as the report sums them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthCost {
    pub programme_id: i64,
    pub month: CostMonth,
    pub staff_pence: i64,
    pub grants_pence: i64,
    pub other_pence: i64,
}

/// Reads an amount typed in pounds ("1234", "1,234.50", "£1,234.5") as whole pence. None
/// for anything else (more than two decimal places, letters, a minus sign).
pub fn pence_from_pounds(text: &str) -> Option<i64> {
    let t = text.trim();
    let t = t.strip_prefix('£').unwrap_or(t).replace(',', "");
    if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    let (whole, fraction) = match t.split_once('.') {
        Some((w, f)) => (w, f),
        None => (t.as_str(), ""),
    };
    if fraction.len() > 2 || fraction.contains('.') || (whole.is_empty() && fraction.is_empty()) {
        return None;
    }
    let pounds: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let pence: i64 = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<i64>().ok()? * 10,
        _ => fraction.parse().ok()?,
    };
    pounds.checked_mul(100)?.checked_add(pence)
}

/// Pence as pounds for people: "£1,234.50" (whole pounds shown without pence).
pub fn pounds_text(pence: i64) -> String {
    let sign = if pence < 0 { "-" } else { "" };
    let pence = pence.unsigned_abs();
    let (pounds, rest) = (pence / 100, pence % 100);
    let digits = pounds.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if rest == 0 {
        format!("{sign}£{grouped}")
    } else {
        format!("{sign}£{grouped}.{rest:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn months_are_read_as_yyyy_mm_only() {
        assert_eq!(
            CostMonth::parse("2026-09"),
            Some(CostMonth {
                year: 2026,
                month: 9
            })
        );
        for bad in [
            "2026-9", "2026-13", "2026-00", "26-09", "2026/09", "", "2026-Q3",
        ] {
            assert_eq!(CostMonth::parse(bad), None, "{bad}");
        }
        let m = CostMonth::parse("2026-12").unwrap();
        assert_eq!(CostMonth::from_number(m.number()), m);
        assert_eq!(CostMonth::from_number(m.number() + 1).code(), "2027-01");
    }

    #[test]
    fn amounts_are_checked() {
        let cost = |staff| NewCost {
            month: CostMonth::parse("2026-09").unwrap(),
            staff_pence: staff,
            grants_pence: 0,
            other_pence: 0,
            note: String::new(),
        };
        let today = day("2026-11-30");
        assert!(cost(0).checked(today).is_ok());
        assert_eq!(
            cost(-1).checked(today).unwrap_err(),
            CostError::Negative("staff_pence")
        );
        assert_eq!(
            cost(LARGEST_PENCE + 1).checked(today).unwrap_err().field(),
            "staff_pence"
        );
        let mut later = cost(5);
        later.month = CostMonth::parse("2026-12").unwrap();
        assert_eq!(later.clone().checked(today).unwrap_err().field(), "month");
        // The month in progress may be recorded (costs run through it).
        later.month = CostMonth::parse("2026-11").unwrap();
        assert!(later.checked(today).is_ok());
    }

    #[test]
    fn pounds_typed_become_pence() {
        assert_eq!(pence_from_pounds("1234"), Some(123_400));
        assert_eq!(pence_from_pounds("£1,234.5"), Some(123_450));
        assert_eq!(pence_from_pounds(" 0.07 "), Some(7));
        assert_eq!(pence_from_pounds(".5"), Some(50));
        for bad in ["", "-5", "1.234", "12a", "£", "1.2.3", "."] {
            assert_eq!(pence_from_pounds(bad), None, "{bad}");
        }
        assert_eq!(pounds_text(134_500), "£1,345");
        assert_eq!(pounds_text(123_456_789), "£1,234,567.89");
        assert_eq!(pounds_text(5), "£0.05");
    }
}
