//! System outcomes (issue 17, item 4; docs/service-use.md): how often a person used the GP
//! practice and A&E in the 6 months before their referral was received and the 6 months
//! after, recorded by the link worker, imported from the practice (`csv`) or sent as FHIR
//! Observations. The report (`report`) pairs the two windows per referral and shows the mean
//! change by group under the equity report's disclosure control. Plain types and checks: no
//! HTTP, no SQL.

pub mod api;
pub mod csv;
pub mod render;
pub mod report;

#[cfg(test)]
mod attack;

use crate::input::FieldError;
use crate::people::coded_enum;
use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The most a count may be: one a day for six months. More than that is a data error (a
/// whole year's count, or a code read as a count), refused rather than averaged in.
pub const MAX_COUNT: u32 = 183;

/// The length of each window either side of the referral.
pub const WINDOW_MONTHS: u32 = 6;

coded_enum! {
    /// Which 6 months a count covers, either side of the day the referral was received.
    Window {
        Before = "before": "6 months before referral",
        After = "after": "6 months after referral",
    }
}

coded_enum! {
    /// Where a recording came from.
    Source {
        LinkWorker = "link_worker": "Entered by the team on Linkwell",
        PracticeImport = "practice_import": "Imported from the practice",
        Fhir = "fhir": "Sent as FHIR",
    }
}

coded_enum! {
    /// What is counted, in which window: the codes of Linkwell's own `service-use`
    /// CodeSystem, which FHIR Observations carry (docs/service-use.md). Linkwell's, not
    /// national: no SNOMED CT or other code names a count over a window around a referral.
    ServiceUseCode {
        GpBefore = "gp_consultations_before": "GP consultations in the 6 months before referral",
        GpAfter = "gp_consultations_after": "GP consultations in the 6 months after referral",
        AeBefore = "ae_attendances_before": "A&E attendances in the 6 months before referral",
        AeAfter = "ae_attendances_after": "A&E attendances in the 6 months after referral",
    }
}

/// The two things counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    GpConsultations,
    AeAttendances,
}

impl Measure {
    pub const ALL: [Measure; 2] = [Measure::GpConsultations, Measure::AeAttendances];

    pub fn code(self) -> &'static str {
        match self {
            Measure::GpConsultations => "gp_consultations",
            Measure::AeAttendances => "ae_attendances",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Measure::GpConsultations => "GP consultations",
            Measure::AeAttendances => "A&E attendances",
        }
    }
}

impl ServiceUseCode {
    /// What the code counts and in which window.
    pub fn parts(self) -> (Measure, Window) {
        match self {
            ServiceUseCode::GpBefore => (Measure::GpConsultations, Window::Before),
            ServiceUseCode::GpAfter => (Measure::GpConsultations, Window::After),
            ServiceUseCode::AeBefore => (Measure::AeAttendances, Window::Before),
            ServiceUseCode::AeAfter => (Measure::AeAttendances, Window::After),
        }
    }
}

/// The counts of one recording; a count not given leaves what was recorded before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub gp_consultations: Option<u32>,
    pub ae_attendances: Option<u32>,
}

impl Counts {
    /// At least one count, each from 0 to `MAX_COUNT`.
    pub fn check(gp: Option<i64>, ae: Option<i64>) -> Result<Counts, FieldError> {
        if gp.is_none() && ae.is_none() {
            return Err(FieldError::new(
                "gp_consultations",
                "No count given",
                "give the number of GP consultations, of A&E attendances, or both",
            ));
        }
        Ok(Counts {
            gp_consultations: gp.map(|n| count("gp_consultations", n)).transpose()?,
            ae_attendances: ae.map(|n| count("ae_attendances", n)).transpose()?,
        })
    }

    /// One measure's count alone (a FHIR Observation carries one).
    pub fn of(measure: Measure, n: i64) -> Result<Counts, FieldError> {
        let n = count(measure.code(), n)?;
        Ok(match measure {
            Measure::GpConsultations => Counts {
                gp_consultations: Some(n),
                ae_attendances: None,
            },
            Measure::AeAttendances => Counts {
                gp_consultations: None,
                ae_attendances: Some(n),
            },
        })
    }
}

/// A count from 0 to `MAX_COUNT`.
pub fn count(field: &str, n: i64) -> Result<u32, FieldError> {
    if (0..=i64::from(MAX_COUNT)).contains(&n) {
        Ok(n as u32)
    } else {
        Err(FieldError::new(
            field,
            "Count out of range",
            format!(
                "{field} must be a whole number from 0 to {MAX_COUNT} (one a day for six months)"
            ),
        ))
    }
}

/// One recording, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewServiceUse {
    pub window: Window,
    pub counts: Counts,
    pub source: Source,
}

/// The days a window covers: `[from, to)`, 6 calendar months either side of the day the
/// referral was received (the day itself opens the after-window).
pub fn window_days(window: Window, received: NaiveDate) -> (NaiveDate, NaiveDate) {
    let six = Months::new(WINDOW_MONTHS);
    match window {
        Window::Before => (received - six, received),
        Window::After => (received, received + six),
    }
}

/// A window can be recorded once it is over: counts for 6 months that have not all passed
/// would look like a fall in use.
pub fn check_window_over(
    window: Window,
    received: NaiveDate,
    today: NaiveDate,
) -> Result<(), FieldError> {
    let (_, end) = window_days(window, received);
    if end > today {
        return Err(FieldError::new(
            "window",
            "Window not over",
            format!(
                "the {} end on {}; record the counts after that day",
                window.label(),
                end.format("%-d %B %Y")
            ),
        ));
    }
    Ok(())
}

/// One window of a referral as recorded (the latest recording of each count).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ServiceUse {
    pub referral_id: i64,
    pub window: Window,
    /// First day of the window.
    pub from: NaiveDate,
    /// The day after the window's last day.
    pub to: NaiveDate,
    pub gp_consultations: Option<u32>,
    pub ae_attendances: Option<u32>,
    /// Where the latest recording came from.
    pub source: Source,
    /// Who made the latest recording (their display name).
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn windows_are_six_calendar_months_either_side() {
        let received = day("2026-03-31");
        assert_eq!(
            window_days(Window::Before, received),
            (day("2025-09-30"), received)
        );
        assert_eq!(
            window_days(Window::After, received),
            (received, day("2026-09-30"))
        );
        assert!(check_window_over(Window::After, received, day("2026-09-29")).is_err());
        assert!(check_window_over(Window::After, received, day("2026-09-30")).is_ok());
        assert!(check_window_over(Window::Before, received, received).is_ok());
    }

    #[test]
    fn counts_are_whole_numbers_up_to_one_a_day() {
        assert!(Counts::check(None, None).is_err());
        assert_eq!(
            Counts::check(Some(183), None).unwrap().gp_consultations,
            Some(183)
        );
        assert_eq!(
            Counts::check(None, Some(184)).unwrap_err().field,
            "ae_attendances"
        );
        assert_eq!(
            Counts::check(Some(-1), Some(0)).unwrap_err().field,
            "gp_consultations"
        );
        assert_eq!(
            Counts::of(Measure::AeAttendances, 2)
                .unwrap()
                .ae_attendances,
            Some(2)
        );
    }
}
