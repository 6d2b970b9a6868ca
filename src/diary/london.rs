//! The team's clock: appointments are typed and shown in Europe/London time (GMT in winter,
//! BST in summer) and kept as UTC instants. The time zone rules are the IANA database's,
//! through `chrono-tz`, not worked out here.

use crate::input::FieldError;
use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::London;

/// The IANA name the feed and the docs give for the team's time zone.
pub const TIME_ZONE: &str = "Europe/London";

/// The instant a wall-clock time in London names. A time the clocks skip (the last Sunday
/// of March, 01:00 to 01:59) does not exist and is refused; a time they pass twice (the
/// last Sunday of October, 01:00 to 01:59) is taken the first time, in BST, as a person
/// reading "1:30" on that morning would meet it first.
pub fn to_utc(date: NaiveDate, time: NaiveTime) -> Result<DateTime<Utc>, FieldError> {
    match London.from_local_datetime(&NaiveDateTime::new(date, time)) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(first, _) => Ok(first.with_timezone(&Utc)),
        LocalResult::None => Err(FieldError::new(
            "starts_at",
            "Choose a time that exists",
            "the clocks go forward that night, so that time does not exist: choose another",
        )),
    }
}

/// The London day an instant falls on.
pub fn day_of(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&London).date_naive()
}

/// The instants a London day starts and ends at (23, 24 or 25 hours apart).
pub fn day_bounds(day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = |d: NaiveDate| {
        // Midnight exists on every London day (the clocks change at 01:00 or 02:00).
        London
            .from_local_datetime(&d.and_time(NaiveTime::MIN))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| d.and_time(NaiveTime::MIN).and_utc())
    };
    let next = day.succ_opt().unwrap_or(day);
    (start(day), start(next))
}

/// "Tuesday 1 December 2026", the date in words, as in a letter.
pub fn long_date(at: DateTime<Utc>) -> String {
    at.with_timezone(&London).format("%A %-d %B %Y").to_string()
}

/// "10:30am", the London time in words (NHS style: 12-hour clock, no leading zero).
pub fn clock(at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&London);
    let text = local.format("%-I:%M%P").to_string();
    match text.as_str() {
        "12:00pm" => "midday".to_string(),
        "12:00am" => "midnight".to_string(),
        _ => text,
    }
}

/// "10:30" in 24-hour London time, for forms and tables.
pub fn hh_mm(at: DateTime<Utc>) -> String {
    at.with_timezone(&London).format("%H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }
    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    // Worked by hand from the UK rule (BST from 01:00 UTC on the last Sunday of March to
    // 01:00 UTC on the last Sunday of October): 29 March and 25 October 2026.
    #[test]
    fn summer_times_are_an_hour_ahead_of_utc_and_winter_times_are_not() {
        assert_eq!(
            to_utc(d(2026, 7, 1), t(10, 0)).unwrap().to_rfc3339(),
            "2026-07-01T09:00:00+00:00"
        );
        assert_eq!(
            to_utc(d(2026, 12, 1), t(10, 0)).unwrap().to_rfc3339(),
            "2026-12-01T10:00:00+00:00"
        );
    }

    #[test]
    fn the_skipped_hour_is_refused_and_the_repeated_hour_taken_first() {
        assert!(to_utc(d(2026, 3, 29), t(1, 30)).is_err());
        assert_eq!(
            to_utc(d(2026, 3, 29), t(2, 0)).unwrap().to_rfc3339(),
            "2026-03-29T01:00:00+00:00"
        );
        assert_eq!(
            to_utc(d(2026, 10, 25), t(1, 30)).unwrap().to_rfc3339(),
            "2026-10-25T00:30:00+00:00"
        );
    }

    #[test]
    fn a_day_runs_from_london_midnight_to_london_midnight() {
        let (start, end) = day_bounds(d(2026, 10, 25));
        assert_eq!(start.to_rfc3339(), "2026-10-24T23:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2026-10-26T00:00:00+00:00");
        assert_eq!(
            day_of("2026-07-01T23:30:00Z".parse().unwrap()),
            d(2026, 7, 2)
        );
    }

    #[test]
    fn times_read_as_people_say_them() {
        let at = to_utc(d(2026, 12, 1), t(14, 5)).unwrap();
        assert_eq!(long_date(at), "Tuesday 1 December 2026");
        assert_eq!(clock(at), "2:05pm");
        assert_eq!(clock(to_utc(d(2026, 12, 1), t(12, 0)).unwrap()), "midday");
        assert_eq!(hh_mm(to_utc(d(2026, 7, 1), t(9, 15)).unwrap()), "09:15");
    }
}
