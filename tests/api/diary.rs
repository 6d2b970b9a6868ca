//! The diary (issue 15, item 14): appointments booked, listed and cancelled over the API and
//! from the person's page, "Your day", the appointment letter, and the private calendar
//! feed, parsed here by an independent iCalendar library (the `ical` crate).

use crate::helpers::{spawn_app, Backend, TestApp};
use crate::on_both_databases;
use crate::pages::{csrf_of, page, post_form, sign_in_as};
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_databases!(
    appointments_are_booked_listed_and_cancelled,
    bad_bookings_are_refused_and_change_nothing,
    the_calendar_feed_parses_with_initials_and_utc_times,
    the_booking_form_your_day_and_the_letter,
);

/// The next `month`/`day` at `hour`:00 in London that is still ahead (within a year).
/// Worked by hand: BST (UTC+1) from the last Sunday of March to the last Sunday of October.
fn next_london(month: u32, day: u32, hour: u32) -> (NaiveDate, DateTime<Utc>) {
    let now = Utc::now();
    let mut date = NaiveDate::from_ymd_opt(now.year(), month, day).unwrap();
    if date <= now.date_naive() + chrono::Duration::days(1) {
        date = NaiveDate::from_ymd_opt(now.year() + 1, month, day).unwrap();
    }
    // 1 July is in summer time, 15 January in winter time.
    let offset = if (4..=9).contains(&month) { 1 } else { 0 };
    let at = Utc
        .with_ymd_and_hms(date.year(), month, day, hour - offset, 0, 0)
        .unwrap();
    (date, at)
}

fn contact_at(at: DateTime<Utc>) -> Value {
    json!({"kind": "contact", "starts_at": at.to_rfc3339(), "duration_minutes": 45,
           "place": "Central Library, Room 2", "mode": "in_person",
           "what_to_bring": "Your glasses"})
}

async fn book(app: &TestApp, referral: &Value, body: Value) -> (StatusCode, Value) {
    app.post(
        &format!("/referrals/{}/appointments", referral["id"]),
        &app.link_worker,
        body,
    )
    .await
}

async fn appointments_are_booked_listed_and_cancelled(backend: Backend) {
    let app = spawn_app(backend).await;
    let (person, referral) = app.person_with_referral("B25 8DS").await;
    let (date, at) = next_london(7, 1, 10);
    let (s, booked) = book(&app, &referral, contact_at(at)).await;
    assert_eq!(s, StatusCode::CREATED, "{booked}");
    assert_eq!(booked["with_user_id"], json!(app.link_worker_id));
    assert_eq!(booked["person_id"], person["id"]);
    // 10:00 in British Summer Time is 09:00 UTC.
    let starts: DateTime<Utc> = booked["starts_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(starts, at);
    assert_eq!(starts.format("%H:%M").to_string(), "09:00");

    let (s, listed) = app
        .get(
            &format!("/referrals/{}/appointments", referral["id"]),
            &app.link_worker,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(listed.as_array().unwrap().len(), 1);

    let (s, day) = app
        .get(&format!("/me/diary?date={date}"), &app.link_worker)
        .await;
    assert_eq!(s, StatusCode::OK, "{day}");
    assert_eq!(day.as_array().unwrap().len(), 1, "{day}");
    assert_eq!(day[0]["person_initials"], "A.L.");
    assert!(
        !day.to_string().contains("Lovelace"),
        "initials only: {day}"
    );
    // The other team's link worker's day is their own: empty.
    let (_, theirs) = app
        .get(&format!("/me/diary?date={date}"), &app.other_team_worker)
        .await;
    assert_eq!(theirs, json!([]));
    // Another day of London's has nothing.
    let (_, next_day) = app
        .get(
            &format!("/me/diary?date={}", date.succ_opt().unwrap()),
            &app.link_worker,
        )
        .await;
    assert_eq!(next_day, json!([]));

    // A volunteer's visit on the same day: with the volunteer, in the booker's day too.
    let volunteer = scalar(&app, "SELECT id FROM users WHERE username = 'volunteer'").await;
    let mut visit = contact_at(at + chrono::Duration::hours(2));
    visit["kind"] = json!("visit");
    visit["with_user_id"] = json!(volunteer);
    visit["mode"] = json!("home_visit");
    let (s, booked_visit) = book(&app, &referral, visit.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{booked_visit}");
    assert_eq!(booked_visit["with_name"], "volunteer");
    let (_, day) = app
        .get(&format!("/me/diary?date={date}"), &app.link_worker)
        .await;
    let kinds: Vec<&str> = day
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["contact", "visit"], "in time order: {day}");
    // A link worker is not a volunteer: a visit needs one of the team's volunteers.
    visit["with_user_id"] = json!(app.link_worker_id);
    let (s, refused) = book(&app, &referral, visit).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["field"], "volunteer_id");

    let id = booked["id"].as_i64().unwrap();
    let (s, cancelled) = app
        .post(
            &format!("/appointments/{id}/cancellation"),
            &app.link_worker,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{cancelled}");
    assert!(cancelled["cancelled_at"].is_string());
    let (s, again) = app
        .post(
            &format!("/appointments/{id}/cancellation"),
            &app.link_worker,
            json!({}),
        )
        .await;
    crate::helpers::assert_problem(s, &again, StatusCode::CONFLICT);
    // Another team cannot cancel it, nor see that it exists.
    let (s, _) = app
        .post(
            &format!("/appointments/{id}/cancellation"),
            &app.other_team_worker,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Booking, the one appointment read on the day's list, and cancelling were audited
    // against the person; the refused and empty calls were not.
    let sql = format!(
        "SELECT COUNT(*) FROM audit_log WHERE record_type = 'appointment' AND record_id = {id} AND person_id = {}",
        person["id"]
    );
    assert_eq!(
        scalar(&app, &sql).await,
        4,
        "booked, read twice on the day's list, cancelled"
    );
}

async fn bad_bookings_are_refused_and_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, referral) = app.person_with_referral("B25 8DS").await;
    let (_, at) = next_london(7, 1, 10);
    let with = |key: &str, value: Value| {
        let mut body = contact_at(at);
        body[key] = value;
        body
    };
    let past = (Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let far = (Utc::now() + chrono::Duration::days(800)).to_rfc3339();
    for (body, field) in [
        (with("starts_at", json!(past)), "starts_at"),
        (with("starts_at", json!(far)), "starts_at"),
        (with("duration_minutes", json!(0)), "duration_minutes"),
        (with("duration_minutes", json!(481)), "duration_minutes"),
        (with("place", json!("  ")), "place"),
        (with("place", json!("a\u{202E}b")), "place"),
        (with("kind", json!("visit")), "with_user_id"),
        // The other team's link worker is not this team's.
        (
            with("with_user_id", json!(app.link_worker_id + 1)),
            "link_worker_id",
        ),
    ] {
        let (s, problem) = book(&app, &referral, body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body} -> {problem}");
        assert_eq!(problem["field"], field, "{body} -> {problem}");
    }
    for body in [
        with("mode", json!("carrier_pigeon")),
        with("starts_at", json!("tomorrow at ten")),
        with("extra", json!(1)),
    ] {
        let (s, problem) = book(&app, &referral, body.clone()).await;
        assert!(s.is_client_error(), "{body} -> {s} {problem}");
    }
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM appointments").await, 0);
}

/// Fetches without a session, as a calendar program does.
async fn fetch_feed(app: &TestApp, link: &str) -> reqwest::Response {
    let path = &link[link.find("/calendar/").unwrap()..];
    app.client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .unwrap()
}

/// The calendar link shown once on the account page after making one.
async fn make_link(app: &TestApp, cookie: &str) -> String {
    let (_, html) = page(app, cookie, "/account/calendar").await;
    let response = post_form(
        app,
        cookie,
        "/account/calendar",
        &[("csrf", csrf_of(&html))],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    let start = html.find("/calendar/").expect("the new link is shown");
    let end = start + html[start..].find(".ics").unwrap() + 4;
    let link = html[start..end].to_string();
    assert_eq!(link.len(), "/calendar/".len() + 64 + 4, "{link}");
    link
}

fn property<'a>(event: &'a ical::parser::ical::component::IcalEvent, name: &str) -> &'a str {
    event
        .properties
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| p.value.as_deref())
        .unwrap_or_else(|| panic!("event has no {name}"))
}

fn parse(text: &str) -> ical::parser::ical::component::IcalCalendar {
    let mut calendars = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()));
    let calendar = calendars
        .next()
        .expect("one calendar")
        .expect("the feed parses as iCalendar");
    assert!(calendars.next().is_none());
    calendar
}

async fn the_calendar_feed_parses_with_initials_and_utc_times(backend: Backend) {
    let app = spawn_app(backend).await;
    let (person, referral) = app.person_with_referral("B25 8DS").await;
    let (_, summer) = next_london(7, 1, 10);
    let (_, winter) = next_london(1, 15, 10);
    let (_, a) = book(&app, &referral, contact_at(summer)).await;
    let (_, b) = book(&app, &referral, contact_at(winter)).await;
    let (s, _) = app
        .post(
            &format!("/appointments/{}/cancellation", b["id"]),
            &app.link_worker,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    let cookie = sign_in_as(&app, "lw").await;
    let link = make_link(&app, &cookie).await;
    let response = fetch_feed(&app, &link).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/calendar; charset=utf-8"
    );
    assert_eq!(response.headers()["cache-control"], "no-store");
    let text = response.text().await.unwrap();
    let calendar = parse(&text);
    assert_eq!(calendar.events.len(), 2, "{text}");
    let version = calendar
        .properties
        .iter()
        .find(|p| p.name == "VERSION")
        .and_then(|p| p.value.clone());
    assert_eq!(version.as_deref(), Some("2.0"));
    let zone = calendar
        .properties
        .iter()
        .find(|p| p.name == "X-WR-TIMEZONE")
        .and_then(|p| p.value.clone());
    assert_eq!(zone.as_deref(), Some("Europe/London"));
    let by_uid = |id: &Value| {
        let uid = format!("appointment-{id}@127.0.0.1");
        calendar
            .events
            .iter()
            .find(|e| property(e, "UID") == uid)
            .unwrap_or_else(|| panic!("no event {uid} in {text}"))
    };
    let (booked, cancelled) = (by_uid(&a["id"]), by_uid(&b["id"]));
    // 10:00 London in July is 09:00 UTC; in January it is 10:00 UTC.
    assert_eq!(
        property(booked, "DTSTART"),
        summer.format("%Y%m%dT090000Z").to_string()
    );
    assert_eq!(
        property(booked, "DTEND"),
        summer.format("%Y%m%dT094500Z").to_string()
    );
    assert_eq!(
        property(cancelled, "DTSTART"),
        winter.format("%Y%m%dT100000Z").to_string()
    );
    assert_eq!(property(booked, "STATUS"), "CONFIRMED");
    assert_eq!(property(cancelled, "STATUS"), "CANCELLED");
    assert_eq!(property(booked, "SUMMARY"), "Contact with A.L. (in person)");
    assert!(property(booked, "URL").ends_with(&format!(
        "/people/{}#referral-{}",
        person["id"], referral["id"]
    )));
    // Nothing identifying beyond initials: no name, place, or what to bring.
    for secret in ["Ada", "Lovelace", "Library", "glasses"] {
        assert!(!text.contains(secret), "{secret} in the feed: {text}");
    }
    // UIDs are stable from one fetch to the next.
    let again = parse(&fetch_feed(&app, &link).await.text().await.unwrap());
    let uids = |c: &ical::parser::ical::component::IcalCalendar| {
        let mut u: Vec<String> = c
            .events
            .iter()
            .map(|e| property(e, "UID").to_string())
            .collect();
        u.sort();
        u
    };
    assert_eq!(uids(&again), uids(&calendar));

    // Only the secret's hash is stored.
    let secret = &link["/calendar/".len()..link.len() - 4];
    assert_eq!(
        scalar(
            &app,
            &format!("SELECT COUNT(*) FROM calendar_feeds WHERE secret_hash = '{secret}'")
        )
        .await,
        0
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM calendar_feeds").await, 1);

    // A new link replaces the old one at once; stopping it ends it.
    let new_link = make_link(&app, &cookie).await;
    assert_ne!(new_link, link);
    assert_eq!(
        fetch_feed(&app, &link).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(fetch_feed(&app, &new_link).await.status(), StatusCode::OK);
    let (_, html) = page(&app, &cookie, "/account/calendar").await;
    let stopped = post_form(
        &app,
        &cookie,
        "/account/calendar/stop",
        &[("csrf", csrf_of(&html))],
    )
    .await;
    assert_eq!(stopped.status(), StatusCode::OK);
    assert!(stopped.text().await.unwrap().contains("stopped working"));
    assert_eq!(
        fetch_feed(&app, &new_link).await.status(),
        StatusCode::NOT_FOUND
    );
    // A guessed secret finds nothing, and says so as a problem document.
    let guessed = fetch_feed(&app, &format!("/calendar/{}.ics", "0".repeat(64))).await;
    assert_eq!(guessed.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        guessed.headers()["content-type"],
        "application/problem+json"
    );
    // A role without a diary has no calendar link to make.
    let gp = sign_in_as(&app, "gp").await;
    let (s, _) = page(&app, &gp, "/account/calendar").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

/// One number from the database, behind the application's back.
async fn scalar(app: &TestApp, sql: &str) -> i64 {
    match &app.store {
        linkwell::store::Store::Sqlite { read, .. } => {
            sqlx::query_scalar(sql).fetch_one(read).await.unwrap()
        }
        linkwell::store::Store::Postgres(pool) => {
            sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
        }
    }
}

async fn the_booking_form_your_day_and_the_letter(backend: Backend) {
    let app = spawn_app(backend).await;
    let (person, referral) = app.person_with_referral("B25 8DS").await;
    let cookie = sign_in_as(&app, "lw").await;
    let person_path = format!("/people/{}", person["id"]);
    let (_, html) = page(&app, &cookie, &person_path).await;
    assert!(html.contains("Book an appointment"));
    let csrf = csrf_of(&html);
    let (date, _) = next_london(7, 1, 10);
    let form = |time: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("with_user_id", String::new()),
            ("day", date.day().to_string()),
            ("month", date.month().to_string()),
            ("year", date.year().to_string()),
            ("time", time.to_string()),
            ("duration_minutes", "30".to_string()),
            ("mode", "in_person".to_string()),
            ("place", "Central Library, Room 2".to_string()),
            ("what_to_bring", "Your glasses".to_string()),
        ]
    };
    let path = format!("/referrals/{}/appointments", referral["id"]);
    // A time that does not exist: the error summary, what was typed kept, nothing booked.
    let refused = post_form(&app, &cookie, &path, &form("25:00")).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(html.contains("<title>Error: "), "{html}");
    assert!(
        html.contains("Enter a real time") && html.contains("href=\"#appt-time-"),
        "{html}"
    );
    assert!(
        html.contains("value=\"Central Library, Room 2\""),
        "kept: {html}"
    );
    assert!(html.contains("aria-invalid=\"true\""));
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM appointments").await, 0);
    // Someone who is not one of the team's volunteers: the summary links to "Who".
    let mut not_a_volunteer = form("10:30");
    not_a_volunteer[1].1 = app.link_worker_id.to_string();
    let refused = post_form(&app, &cookie, &path, &not_a_volunteer).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(html.contains("href=\"#appt-with-"), "{html}");
    // A missing field is the error summary too, never a plain-text error.
    let missing = post_form(&app, &cookie, &path, &[("csrf", csrf.clone())]).await;
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.text().await.unwrap().contains("Enter a real date"));

    let booked = post_form(&app, &cookie, &path, &form("10:30")).await;
    assert_eq!(booked.status(), StatusCode::SEE_OTHER);
    let (_, html) = page(&app, &cookie, &person_path).await;
    let words = format!("{}, 10:30 to 11:00", crate_long_date(date));
    assert!(html.contains(&words), "{words} in {html}");
    let (_, listed) = app
        .get(
            &format!("/referrals/{}/appointments", referral["id"]),
            &app.link_worker,
        )
        .await;
    let id = listed[0]["id"].as_i64().unwrap();
    // 10:30 in British Summer Time is 09:30 UTC.
    assert!(
        listed[0]["starts_at"]
            .as_str()
            .unwrap()
            .contains("T09:30:00"),
        "{listed}"
    );

    // Your day: an appointment this morning (put in behind the app's back, as booking in
    // the past is refused) shows on the caseload page, in time order with the names.
    let today = linkwell::diary::london::day_of(Utc::now());
    let (morning, _) = linkwell::diary::london::day_bounds(today);
    for minutes in [120, 60] {
        app.execute_at(
            &format!(
                "INSERT INTO appointments (referral_id, kind, starts_at, duration_minutes, place, mode, \
                 with_user_id, what_to_bring, booked_by, booked_at) VALUES ({}, 'contact', $1, 30, \
                 'Home', 'home_visit', {}, '', {}, $1)",
                referral["id"], app.link_worker_id, app.link_worker_id
            ),
            morning + chrono::Duration::minutes(minutes),
        )
        .await;
    }
    let (_, html) = page(&app, &cookie, "/caseload").await;
    let first = html
        .find("01:00 to 01:30")
        .expect("the earlier one is listed");
    let second = html
        .find("02:00 to 02:30")
        .expect("the later one is listed");
    assert!(first < second, "in time order");
    assert!(
        html.contains("Ada Lovelace</a>: Contact with lw (home visit), Home"),
        "{html}"
    );
    assert!(
        !html.contains("10:30 to 11:00"),
        "another day's appointment is not today's"
    );

    // The letter, in plain English, with the team's phone to change it; an audited read.
    app.store
        .set_team_phone(1, Some("0113 496 0000"))
        .await
        .unwrap();
    let reads_before = scalar(
        &app,
        "SELECT COUNT(*) FROM audit_log WHERE record_type = 'appointment_letter'",
    )
    .await;
    let (s, letter) = page(&app, &cookie, &format!("/appointments/{id}/letter")).await;
    assert_eq!(s, StatusCode::OK);
    for words in [
        "Dear Ada Lovelace",
        &format!("{} at 10:30am", crate_long_date(date)),
        "It will last about 30 minutes.",
        "Central Library, Room 2",
        "We will meet you in person.",
        "You will meet lw, your link worker.",
        "Your glasses",
        "please phone Team A on 0113 496 0000",
    ] {
        assert!(letter.contains(words), "{words} in {letter}");
    }
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE record_type = 'appointment_letter'"
        )
        .await,
        reads_before + 1
    );
    // Someone without casework access gets no letter.
    let gp = sign_in_as(&app, "gp").await;
    let (s, _) = page(&app, &gp, &format!("/appointments/{id}/letter")).await;
    assert!(
        matches!(s, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
        "{s}"
    );

    // Cancelling from the person's page marks it, and the letter says so.
    let (_, html) = page(&app, &cookie, &person_path).await;
    let cancel = post_form(
        &app,
        &cookie,
        &format!("/appointments/{id}/cancel"),
        &[("csrf", csrf_of(&html))],
    )
    .await;
    assert_eq!(cancel.status(), StatusCode::SEE_OTHER);
    let (_, letter) = page(&app, &cookie, &format!("/appointments/{id}/letter")).await;
    assert!(letter.contains("Your appointment has been cancelled"));
}

/// "Wednesday 1 July 2026", worked out here rather than by the code under test.
fn crate_long_date(date: NaiveDate) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    format!(
        "{:?} {} {} {}",
        date.weekday(),
        date.day(),
        MONTHS[date.month0() as usize],
        date.year()
    )
    .replace("Mon ", "Monday ")
    .replace("Tue ", "Tuesday ")
    .replace("Wed ", "Wednesday ")
    .replace("Thu ", "Thursday ")
    .replace("Fri ", "Friday ")
    .replace("Sat ", "Saturday ")
    .replace("Sun ", "Sunday ")
}
