//! What a caller asks to record against a referral, checked: a contact, a questionnaire, and
//! the filters of a caseload list. Plain values the store writes or reads by; they live in the
//! domain so every way in (API, pages, FHIR, imports) builds the same thing, and the store
//! needs nothing from the edges.

use super::{
    CloseReason, ConnectionStatus, ContactMode, DeclineReason, MeasureTiming, ReferralState,
};
use crate::input::{check_contact_time, text_field, DateKind, FieldError};
use crate::measures::{Answers, Instrument};
use chrono::{DateTime, NaiveDate, Utc};

/// A contact with the person, checked.
pub struct NewContact {
    pub at: DateTime<Utc>,
    pub mode: ContactMode,
    pub duration_minutes: i32,
    pub reached: bool,
    pub notes: String,
    pub what_matters: Option<String>,
    pub follow_up_on: Option<NaiveDate>,
}

/// A move of a referral to its next state, as asked for: the version the caller read
/// (a change since is a conflict), the close reason when closing, an optional checked note.
pub struct NewTransition {
    pub to: ReferralState,
    pub expected_version: i64,
    pub reason: Option<CloseReason>,
    /// Checked text; `None` (or empty) for no note.
    pub note: Option<String>,
}

// A connection's next status and a note, as sent (the note unchecked): the body of both the
// link worker's and the organisation's status change, so it sits with neither's handlers.
// (A `//` comment: a doc comment would become the OpenAPI schema's description.)
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectionStatusInput {
    pub status: ConnectionStatus,
    #[serde(default)]
    pub note: String,
    /// Why the service declined (only with status `rejected`): `no_capacity` is counted in
    /// the community capacity report.
    #[serde(default)]
    pub reason: Option<DeclineReason>,
}

impl ConnectionStatusInput {
    /// The decline reason, refused unless the connection is being declined.
    pub fn decline_reason(&self) -> Result<Option<DeclineReason>, FieldError> {
        checked_decline_reason(self.status, self.reason)
    }
}

/// A coded decline reason is given only when a connection is declined.
pub fn checked_decline_reason(
    status: ConnectionStatus,
    reason: Option<DeclineReason>,
) -> Result<Option<DeclineReason>, FieldError> {
    match (status, reason) {
        (ConnectionStatus::Rejected, reason) => Ok(reason),
        (_, None) => Ok(None),
        (_, Some(_)) => Err(FieldError::new(
            "reason",
            "Reason without a decline",
            "a reason is given only when the connection is declined (status rejected)",
        )),
    }
}

/// A questionnaire to record, its answers checked against the instrument.
pub struct NewMeasure {
    pub answers: Answers,
    pub timing: MeasureTiming,
    pub taken_on: NaiveDate,
}

/// Which referrals a caseload list shows, and which page of them.
#[derive(Debug, Default, Clone)]
pub struct CaseloadFilter {
    pub state: Option<ReferralState>,
    pub link_worker_id: Option<i64>,
    pub overdue_on: Option<NaiveDate>,
    /// Follow-ups due on this day.
    pub due_on: Option<NaiveDate>,
    /// Only referrals with a connection unanswered for `UNANSWERED_AFTER_DAYS`.
    pub unanswered: bool,
    /// Only open referrals no link worker holds yet.
    pub unassigned: bool,
    /// Only people found by name, NHS number or date of birth.
    pub search: Option<super::CaseloadSearch>,
    pub limit: i64,
    pub offset: i64,
}

/// A connection still "requested" after this many days is flagged to the link worker.
pub const UNANSWERED_AFTER_DAYS: i64 = 14;

impl NewContact {
    /// Checks a contact as asked for: a duration of 0 to 600 minutes, the time and the
    /// follow-up date in range, the texts trimmed and checked (an empty "what matters" is
    /// none). `now` is given, so the check depends on its input alone.
    pub fn checked(self, now: DateTime<Utc>) -> Result<NewContact, FieldError> {
        if !(0..=600).contains(&self.duration_minutes) {
            return Err(FieldError::new(
                "duration_minutes",
                "Invalid duration",
                "duration must be between 0 and 600 minutes",
            ));
        }
        let at = check_contact_time(self.at, now)
            .map_err(|why| FieldError::new("at", "Date out of range", why))?;
        let follow_up_on = self
            .follow_up_on
            .map(|d| DateKind::FollowUp.check(d, now.date_naive()))
            .transpose()
            .map_err(|why| FieldError::new("follow_up_on", "Date out of range", why))?;
        Ok(NewContact {
            at,
            mode: self.mode,
            duration_minutes: self.duration_minutes,
            reached: self.reached,
            notes: text_field("notes", &self.notes, 0, 10_000)?,
            what_matters: self
                .what_matters
                .as_deref()
                .map(|w| text_field("what_matters", w, 0, 10_000))
                .transpose()?
                .filter(|w| !w.is_empty()),
            follow_up_on,
        })
    }
}

impl NewMeasure {
    /// Checks a questionnaire: the answers against the instrument, the day in range
    /// (`today` if none is given).
    pub fn parse(
        instrument: Instrument,
        answers: &[Option<i64>],
        timing: MeasureTiming,
        taken_on: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Result<NewMeasure, FieldError> {
        let answers = Answers::parse(instrument, answers)
            .map_err(|e| FieldError::new("answers", "Invalid questionnaire", e.to_string()))?;
        let taken_on = DateKind::Measure
            .check(taken_on.unwrap_or(today), today)
            .map_err(|why| FieldError::new("taken_on", "Date out of range", why))?;
        Ok(NewMeasure {
            answers,
            timing,
            taken_on,
        })
    }
}

impl CaseloadFilter {
    /// A caseload page as asked for: at most 500 rows (100 if not said), from a
    /// non-negative offset; `overdue` means follow-ups before `today`.
    pub fn page(
        state: Option<ReferralState>,
        link_worker_id: Option<i64>,
        overdue: bool,
        limit: Option<i64>,
        offset: Option<i64>,
        today: NaiveDate,
    ) -> Result<CaseloadFilter, FieldError> {
        let limit = limit.unwrap_or(100);
        if !(1..=500).contains(&limit) {
            return Err(FieldError::new(
                "limit",
                "Invalid limit",
                "limit must be between 1 and 500",
            ));
        }
        let offset = offset.unwrap_or(0);
        if offset < 0 {
            return Err(FieldError::new(
                "offset",
                "Invalid offset",
                "offset must not be negative",
            ));
        }
        Ok(CaseloadFilter {
            state,
            link_worker_id,
            overdue_on: overdue.then_some(today),
            limit,
            offset,
            ..CaseloadFilter::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn contact(duration_minutes: i32, notes: &str, what_matters: Option<&str>) -> NewContact {
        NewContact {
            at: Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap(),
            mode: ContactMode::Phone,
            duration_minutes,
            reached: true,
            notes: notes.into(),
            what_matters: what_matters.map(str::to_string),
            follow_up_on: None,
        }
    }

    #[test]
    fn a_contact_is_checked_field_by_field() {
        let now = Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap();
        let refused = contact(601, "", None).checked(now).err().unwrap();
        assert_eq!(refused.field, "duration_minutes");
        let ok = contact(600, "  called  ", Some("   "))
            .checked(now)
            .unwrap();
        assert_eq!(ok.notes, "called");
        assert_eq!(ok.what_matters, None, "an empty answer is no answer");
        let later = NewContact {
            at: now + chrono::Duration::hours(1),
            ..contact(10, "", None)
        };
        assert_eq!(later.checked(now).err().unwrap().field, "at");
    }

    #[test]
    fn a_caseload_page_is_1_to_500_rows_from_a_non_negative_offset() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let default = CaseloadFilter::page(None, None, true, None, None, today).unwrap();
        assert_eq!((default.limit, default.offset), (100, 0));
        assert_eq!(default.overdue_on, Some(today));
        for limit in [0, 501] {
            let err = CaseloadFilter::page(None, None, false, Some(limit), None, today);
            assert_eq!(err.unwrap_err().field, "limit");
        }
        let err = CaseloadFilter::page(None, None, false, Some(500), Some(-1), today);
        assert_eq!(err.unwrap_err().field, "offset");
    }
}
