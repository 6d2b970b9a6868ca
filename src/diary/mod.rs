//! The diary (issue 15, item 14): contacts and volunteer visits booked for a date and time,
//! with place and mode. Times are kept in UTC and shown in the team's time zone,
//! Europe/London ([`london`]); a link worker's diary is published to their own calendar as
//! an iCalendar feed ([`ics`]) and each appointment can be printed as a letter
//! ([`letter`]). Plain types and rules: no HTTP, no SQL.

pub mod api;
pub mod ics;
pub mod letter;
pub mod london;

use crate::input::{line_field, text_field, FieldError};
use crate::people::coded_enum;
use crate::referrals::ContactMode;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

coded_enum! {
    /// What an appointment is for: a contact with the link worker, or a volunteer's visit.
    AppointmentKind {
        Contact = "contact": "Meeting with your link worker",
        Visit = "visit": "Visit from a volunteer",
    }
}

/// The longest appointment bookable: a morning or an afternoon out with a volunteer.
pub const MAX_DURATION_MINUTES: i32 = 8 * 60;
/// How far ahead an appointment may be booked, as for follow-ups and visits.
pub const MAX_DAYS_AHEAD: i64 = 2 * 365;

/// An appointment as asked for, checked: when (an instant, UTC), how long, where and how,
/// and who the person will meet (the link worker booking it when `None`).
#[derive(Debug, Clone)]
pub struct NewAppointment {
    pub kind: AppointmentKind,
    pub starts_at: DateTime<Utc>,
    pub duration_minutes: i32,
    pub place: String,
    pub mode: ContactMode,
    pub with_user_id: Option<i64>,
    pub what_to_bring: String,
}

impl NewAppointment {
    /// Checks the values a caller sent: the start from now to two years ahead, a duration
    /// of 5 minutes to 8 hours, a place on one line, what to bring as short free text; a
    /// volunteer's visit names the volunteer.
    pub fn checked(mut self, now: DateTime<Utc>) -> Result<NewAppointment, FieldError> {
        if self.starts_at < now {
            return Err(FieldError::new(
                "starts_at",
                "Choose a time from now on",
                "the appointment must be in the future",
            ));
        }
        if self.starts_at > now + Duration::days(MAX_DAYS_AHEAD) {
            return Err(FieldError::new(
                "starts_at",
                "Choose a time within two years",
                "the appointment must be within two years from today",
            ));
        }
        if !(5..=MAX_DURATION_MINUTES).contains(&self.duration_minutes) {
            return Err(FieldError::new(
                "duration_minutes",
                "Enter how long it lasts",
                format!("the length must be 5 to {MAX_DURATION_MINUTES} minutes"),
            ));
        }
        self.place = line_field("place", &self.place, 1, 200)?;
        self.what_to_bring = text_field("what_to_bring", &self.what_to_bring, 0, 500)?;
        if self.kind == AppointmentKind::Visit && self.with_user_id.is_none() {
            return Err(FieldError::new(
                "with_user_id",
                "Choose a volunteer",
                "a volunteer's visit needs the volunteer who will go",
            ));
        }
        Ok(self)
    }
}

/// A booked appointment as read back.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Appointment {
    pub id: i64,
    pub referral_id: i64,
    pub person_id: i64,
    pub kind: AppointmentKind,
    /// The start, as an instant (UTC); shown in Europe/London time.
    pub starts_at: DateTime<Utc>,
    pub duration_minutes: i32,
    pub place: String,
    pub mode: ContactMode,
    /// Who the person will meet: the link worker or the volunteer.
    pub with_user_id: i64,
    pub with_name: String,
    pub what_to_bring: String,
    pub booked_by: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancelled_at: Option<DateTime<Utc>>,
}

impl Appointment {
    pub fn ends_at(&self) -> DateTime<Utc> {
        self.starts_at + Duration::minutes(self.duration_minutes.into())
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled_at.is_some()
    }
}

/// One line of a diary: the appointment and who it is with. Inside Linkwell a day's list
/// names the person; what leaves it (the calendar feed, the API's day) has only initials.
#[derive(Debug, Clone)]
pub struct DiaryEntry {
    pub appointment: Appointment,
    pub person_name: String,
    pub person_initials: String,
}

/// A person's initials from their names ("Ada Lovelace" → "A.L."), all a calendar outside
/// Linkwell is told of them.
pub fn initials(given: &str, family: &str) -> String {
    [given, family]
        .iter()
        .filter_map(|n| n.trim().chars().next())
        .flat_map(|c| c.to_uppercase().chain(std::iter::once('.')))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn asked(starts_at: DateTime<Utc>) -> NewAppointment {
        NewAppointment {
            kind: AppointmentKind::Contact,
            starts_at,
            duration_minutes: 30,
            place: "  Library, High Street ".into(),
            mode: ContactMode::InPerson,
            with_user_id: None,
            what_to_bring: String::new(),
        }
    }

    #[test]
    fn an_appointment_is_in_the_future_and_within_two_years() {
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
        assert!(asked(now - Duration::minutes(1)).checked(now).is_err());
        assert!(asked(now + Duration::days(731)).checked(now).is_err());
        let ok = asked(now + Duration::days(1)).checked(now).unwrap();
        assert_eq!(ok.place, "Library, High Street");
    }

    #[test]
    fn a_visit_names_its_volunteer_and_lengths_are_bounded() {
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
        let mut visit = asked(now + Duration::days(1));
        visit.kind = AppointmentKind::Visit;
        assert_eq!(
            visit.clone().checked(now).unwrap_err().field,
            "with_user_id"
        );
        let mut long = asked(now + Duration::days(1));
        long.duration_minutes = 481;
        assert_eq!(long.checked(now).unwrap_err().field, "duration_minutes");
    }

    #[test]
    fn initials_take_the_first_letter_of_each_name() {
        assert_eq!(initials("Ada", "Lovelace"), "A.L.");
        assert_eq!(initials("émile", " zola"), "É.Z.");
        assert_eq!(initials("", "Smith"), "S.");
    }
}
