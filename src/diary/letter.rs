//! The appointment letter, for people without a phone or the internet: who they will meet,
//! when, where, what to bring and how to change it, in plain English (short sentences,
//! the date in words, a 12-hour clock), to print and post or hand over.

use super::{london, Appointment, AppointmentKind};
use crate::referrals::ContactMode;

/// What the letter says, sentence by sentence; the page lays it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    /// Whose letter it is (for the link back to their record, never printed).
    pub person_id: i64,
    pub referral_id: i64,
    pub to: String,
    pub heading: String,
    pub date: String,
    pub time: String,
    pub length: String,
    pub how: String,
    pub place: String,
    pub who: String,
    pub bring: Option<String>,
    pub change: String,
    pub cancelled: bool,
}

/// The letter for one appointment, to `person_name`, from `team` (whose phone, when the
/// team has one, is how to change it; else the link worker's name).
pub fn letter(a: &Appointment, person_name: &str, team: &str, team_phone: Option<&str>) -> Letter {
    let who = match a.kind {
        AppointmentKind::Contact => format!("You will meet {}, your link worker.", a.with_name),
        AppointmentKind::Visit => format!("{} is a volunteer with {team}.", a.with_name),
    };
    let how = match a.mode {
        ContactMode::InPerson => "We will meet you in person.",
        ContactMode::HomeVisit => "We will come to your home.",
        ContactMode::Phone => "We will phone you.",
        ContactMode::Video => "We will talk on a video call. We will send you the link.",
        ContactMode::Text => "We will send you a text message.",
    };
    let change = match team_phone {
        Some(phone) => format!(
            "If you cannot come, or want to change the time, please phone {team} on {phone}."
        ),
        None => format!(
            "If you cannot come, or want to change the time, please tell {team} and ask for {}.",
            a.with_name
        ),
    };
    Letter {
        person_id: a.person_id,
        referral_id: a.referral_id,
        to: person_name.to_string(),
        heading: a.kind.label().to_string(),
        date: london::long_date(a.starts_at),
        time: london::clock(a.starts_at),
        length: minutes_in_words(a.duration_minutes),
        how: how.to_string(),
        place: a.place.clone(),
        who,
        bring: (!a.what_to_bring.trim().is_empty()).then(|| a.what_to_bring.clone()),
        change,
        cancelled: a.is_cancelled(),
    }
}

/// "30 minutes", "1 hour", "1 hour and 30 minutes".
pub fn minutes_in_words(minutes: i32) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    let hours = match h {
        0 => String::new(),
        1 => "1 hour".to_string(),
        h => format!("{h} hours"),
    };
    let mins = match m {
        0 => String::new(),
        1 => "1 minute".to_string(),
        m => format!("{m} minutes"),
    };
    match (hours.is_empty(), mins.is_empty()) {
        (false, false) => format!("{hours} and {mins}"),
        (true, _) => mins,
        (false, true) => hours,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_said_in_words() {
        assert_eq!(minutes_in_words(30), "30 minutes");
        assert_eq!(minutes_in_words(60), "1 hour");
        assert_eq!(minutes_in_words(90), "1 hour and 30 minutes");
        assert_eq!(minutes_in_words(120), "2 hours");
    }

    #[test]
    fn the_letter_says_when_in_london_time_and_how_to_change_it() {
        let a = Appointment {
            id: 1,
            referral_id: 1,
            person_id: 1,
            kind: AppointmentKind::Contact,
            starts_at: "2026-07-01T09:30:00Z".parse().unwrap(),
            duration_minutes: 45,
            place: "Central Library, Room 2".into(),
            mode: ContactMode::InPerson,
            with_user_id: 2,
            with_name: "Sam Jones".into(),
            what_to_bring: String::new(),
            booked_by: 2,
            cancelled_at: None,
        };
        let l = letter(&a, "Ada Lovelace", "North Team", Some("0113 496 0000"));
        assert_eq!(l.date, "Wednesday 1 July 2026");
        assert_eq!(l.time, "10:30am");
        assert_eq!(l.bring, None);
        assert!(l.change.contains("0113 496 0000"));
        assert_eq!(l.who, "You will meet Sam Jones, your link worker.");
    }
}
