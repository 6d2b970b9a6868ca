//! The diary's page models: a referral's appointments on the person's page, the day's list
//! on "Your day", the printable letter, and the account's calendar link page.

use super::Layout;
use crate::diary::letter::Letter;
use crate::diary::{london, Appointment, DiaryEntry};
use askama::Template;
use chrono::{DateTime, Utc};

/// One appointment under its referral on the person's page.
pub struct AppointmentLine {
    pub id: i64,
    pub referral_id: i64,
    pub when: String,
    pub what: String,
    pub place: String,
    pub cancelled: bool,
    /// Not yet started: it can still be cancelled.
    pub upcoming: bool,
}

impl AppointmentLine {
    pub fn new(a: &Appointment, now: DateTime<Utc>) -> AppointmentLine {
        AppointmentLine {
            id: a.id,
            referral_id: a.referral_id,
            when: format!(
                "{}, {} to {}",
                london::long_date(a.starts_at),
                london::hh_mm(a.starts_at),
                london::hh_mm(a.ends_at())
            ),
            what: format!(
                "{} with {} ({})",
                kind_words(a),
                a.with_name,
                a.mode.label().to_lowercase()
            ),
            place: a.place.clone(),
            cancelled: a.is_cancelled(),
            upcoming: a.starts_at > now && !a.is_cancelled(),
        }
    }
}

fn kind_words(a: &Appointment) -> &'static str {
    match a.kind {
        crate::diary::AppointmentKind::Contact => "Contact",
        crate::diary::AppointmentKind::Visit => "Volunteer visit",
    }
}

/// One appointment on "Your day".
pub struct DayLine {
    pub appointment_id: i64,
    pub person_id: i64,
    pub referral_id: i64,
    pub time: String,
    pub person: String,
    pub what: String,
    pub place: String,
    pub cancelled: bool,
}

impl DayLine {
    pub fn new(e: &DiaryEntry) -> DayLine {
        let a = &e.appointment;
        DayLine {
            appointment_id: a.id,
            person_id: a.person_id,
            referral_id: a.referral_id,
            time: format!(
                "{} to {}",
                london::hh_mm(a.starts_at),
                london::hh_mm(a.ends_at())
            ),
            person: e.person_name.clone(),
            what: format!(
                "{} with {} ({})",
                kind_words(a),
                a.with_name,
                a.mode.label().to_lowercase()
            ),
            place: a.place.clone(),
            cancelled: a.is_cancelled(),
        }
    }
}

#[derive(Template)]
#[template(path = "appointment_letter.html")]
pub struct LetterPage {
    pub layout: Layout,
    pub letter: Letter,
    pub printed: String,
}

#[derive(Template)]
#[template(path = "account_calendar.html")]
pub struct CalendarPage {
    pub layout: Layout,
    /// When the current link was made, if there is one.
    pub made: Option<String>,
    /// The link just made: shown once, as only its hash is kept.
    pub new_link: Option<String>,
    /// Set after the link was stopped.
    pub revoked: bool,
}
