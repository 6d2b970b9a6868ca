//! A link worker's diary as an iCalendar feed (RFC 5545) their own calendar (Outlook,
//! Google Calendar, Apple Calendar) subscribes to. The feed leaves Linkwell's protection,
//! so it says as little as it can: the person's initials, the kind and mode of the
//! appointment, and a link back to the person's page (which asks for a sign-in). No name,
//! place, phone or note. Times are written in UTC ("Z"), which every client shows in its
//! own zone, so no VTIMEZONE can go wrong; `X-WR-TIMEZONE` names the team's zone for
//! clients that display the calendar's own. Writing, escaping and folding lines at 75
//! octets is the `icalendar` crate's.

use super::{london, AppointmentKind, DiaryEntry};
use crate::public_url::PublicUrl;
use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, EventLike, EventStatus};

/// The product identifier every feed carries (RFC 5545 3.7.3).
pub const PRODUCT_ID: &str = "-//Linkwell//Diary//EN";

/// The feed of `entries` (cancelled ones included, marked so clients remove them).
pub fn feed(entries: &[DiaryEntry], base: &PublicUrl, now: DateTime<Utc>) -> String {
    let mut calendar = Calendar::empty();
    calendar
        .append_property(("VERSION", "2.0"))
        .append_property(("PRODID", PRODUCT_ID))
        .append_property(("CALSCALE", "GREGORIAN"))
        .append_property(("METHOD", "PUBLISH"))
        .name("Linkwell diary")
        .timezone(london::TIME_ZONE);
    let host = host_of(base);
    for entry in entries {
        let a = &entry.appointment;
        let link = base.join(&format!(
            "/people/{}#referral-{}",
            a.person_id, a.referral_id
        ));
        let what = match a.kind {
            AppointmentKind::Contact => "Contact",
            AppointmentKind::Visit => "Volunteer visit",
        };
        let mut event = icalendar::Event::new();
        event
            .uid(&uid(a.id, &host))
            .timestamp(now)
            .starts(a.starts_at)
            .ends(a.ends_at())
            .summary(&format!(
                "{what} with {} ({})",
                entry.person_initials,
                a.mode.label().to_lowercase()
            ))
            .description(&format!("Open in Linkwell: {link}"))
            .url(&link)
            .class(icalendar::Class::Private)
            // A cancellation is a change clients must take over the booked version.
            .sequence(u32::from(a.is_cancelled()))
            .status(if a.is_cancelled() {
                EventStatus::Cancelled
            } else {
                EventStatus::Confirmed
            });
        calendar.push(event.done());
    }
    calendar.done().to_string()
}

/// The event's UID (RFC 5545 3.8.4.7): the appointment's id at Linkwell's host, the same in
/// every fetch of the feed so clients update an event instead of adding another.
pub fn uid(appointment_id: i64, host: &str) -> String {
    format!("appointment-{appointment_id}@{host}")
}

/// The host part of the public URL ("linkwell.example.nhs.uk").
pub fn host_of(base: &PublicUrl) -> String {
    let rest = base.as_str().split("://").nth(1).unwrap_or_default();
    let authority = rest.split('/').next().unwrap_or_default();
    authority.split(':').next().unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diary::Appointment;
    use crate::referrals::ContactMode;

    fn entry(id: i64, cancelled: bool) -> DiaryEntry {
        DiaryEntry {
            appointment: Appointment {
                id,
                referral_id: 7,
                person_id: 3,
                kind: AppointmentKind::Contact,
                starts_at: "2026-07-01T09:00:00Z".parse().unwrap(),
                duration_minutes: 45,
                place: "12 Acacia Avenue; side door, ring twice".into(),
                mode: ContactMode::HomeVisit,
                with_user_id: 2,
                with_name: "Sam Worker".into(),
                what_to_bring: "Letters".into(),
                booked_by: 2,
                cancelled_at: cancelled.then(Utc::now),
            },
            person_name: "Ada Lovelace".into(),
            person_initials: "A.L.".into(),
        }
    }

    #[test]
    fn events_carry_initials_a_link_and_utc_times_and_never_the_place() {
        let base = PublicUrl::parse("https://linkwell.example.nhs.uk").unwrap();
        let text = feed(&[entry(5, false), entry(6, true)], &base, Utc::now());
        assert!(text.starts_with("BEGIN:VCALENDAR\r\n"));
        assert!(text.contains("UID:appointment-5@linkwell.example.nhs.uk\r\n"));
        assert!(text.contains("DTSTART:20260701T090000Z\r\n"));
        assert!(text.contains("DTEND:20260701T094500Z\r\n"));
        assert!(text.contains("SUMMARY:Contact with A.L. (home visit)\r\n"));
        assert!(text.contains("STATUS:CANCELLED\r\n"));
        assert!(!text.contains("Acacia"));
        assert!(!text.contains("Letters"));
        assert!(!text.contains("Ada") && !text.contains("Lovelace"));
        assert!(text.lines().all(|l| l.len() <= 75), "{text}");
    }
}
