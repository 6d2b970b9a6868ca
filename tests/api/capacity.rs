//! Community capacity and unmet need (issue 17, item 2): a full service shows as unmet
//! need, declines for capacity and listings not checked for a year are counted by hand, a
//! small count is hidden, unpublished periods are refused, and only analysts, team leads
//! and administrators see it. Both databases.

use crate::helpers::{spawn_app, Backend, TestApp, SERVICE_ORGANISATION};
use crate::on_both_databases;
use crate::pages::{page, sign_in_as};
use chrono::{Datelike, Months, Utc};
use linkwell::directory::taxonomy::need_term_id;
use linkwell::equity::disclosure::Shown;
use linkwell::equity::tally::Count;
use linkwell::referrals::Need;
use linkwell::store::equity::{record_key, RECORD_KEY_SECRET};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_databases!(
    a_full_service_shows_as_unmet_need_and_declines_for_capacity_are_counted,
    only_analysts_team_leads_and_admins_see_it_and_periods_are_published_ones
);

/// The last complete month: its code and a moment in the middle of it.
fn last_month() -> (String, chrono::DateTime<Utc>) {
    let first = Utc::now()
        .date_naive()
        .with_day(1)
        .unwrap()
        .checked_sub_months(Months::new(1))
        .unwrap();
    let mid = first.with_day(15).unwrap().and_hms_opt(10, 0, 0).unwrap();
    (first.format("%Y-%m").to_string(), mid.and_utc())
}

fn months_ago(months: u32) -> String {
    Utc::now()
        .date_naive()
        .checked_sub_months(Months::new(months))
        .unwrap()
        .to_string()
}

/// A listing at (lat, lon) for one need, last checked on `assured`.
fn listing(
    id: &str,
    name: &str,
    organisation: &str,
    at: (f64, f64),
    need: Need,
    assured: &str,
) -> Value {
    json!({
        "id": id, "name": name, "status": "active", "description": name,
        "assured_date": assured,
        "organization": {"id": format!("org-{id}"), "name": organisation, "description": "A local charity"},
        "schedules": [{"id": format!("s-{id}"), "freq": "WEEKLY", "byday": "MO", "opens_at": "10:00", "closes_at": "12:00"}],
        "service_at_locations": [{"id": format!("sal-{id}"), "location": {
            "id": format!("loc-{id}"), "location_type": "physical", "latitude": at.0, "longitude": at.1}}],
        "attributes": [{"id": format!("at-{id}"), "taxonomy_term": {
            "id": need_term_id(need), "name": need.code(), "description": "A need"}}]
    })
}

/// The dataset, worked out by hand (home B25 8DS for everyone):
///
/// * Morning walk (Parks Trust): physical activity, about 1.5 km from home, 0 of 12
///   places free, checked a month ago. Walking club (Other Trust): physical activity,
///   about 10 km away, no capacity given, checked 11 months ago. Choir: loneliness, checked
///   13 months ago.
/// * R1 to R8 have a transport barrier (walking distance, 2 km) and need physical
///   activity: the only service within reach is the full morning walk, so all 8 needs
///   are unmet ("only full services"). R1 to R3 also need housing: no service at all.
/// * R9 has no barrier and needs physical activity: the walking club, 10 km away, is
///   within 15 km and not full: met.
/// * Each of R1 to R9 is connected to the morning walk last month; the group declines
///   R1 to R8 for lack of places and R9 for another reason.
///
/// By hand: physical activity 9 needs, 8 unmet (8 only full, 0 with nothing in reach);
/// housing 3 needs, 3 with nothing in reach (hidden: fewer than 8); all needs 12, 11
/// unmet. The morning walk: 9 sent, 8 declined for capacity, 8 unmet needs it blocks.
/// Parks Trust: 9 sent, 9 declined, 8 for capacity, 0 accepted, 0 attended.
async fn dataset(app: &TestApp) -> (Vec<i64>, String) {
    let (period, mid) = last_month();
    let mut full = listing(
        "walk",
        "Morning walk",
        SERVICE_ORGANISATION,
        (52.4697, -1.8145),
        Need::PhysicalActivity,
        &months_ago(1),
    );
    full["service_capacity"] = json!([{"id": "cap", "available": 0, "maximum": 12}]);
    let feed = Value::Array(vec![
        full,
        listing(
            "club",
            "Walking club",
            "Other Trust",
            (52.5600, -1.8300),
            Need::PhysicalActivity,
            &months_ago(11),
        ),
        listing(
            "choir",
            "Community choir",
            "Choir Trust",
            (52.4697, -1.8145),
            Need::Loneliness,
            &months_ago(13),
        ),
    ]);
    crate::directory::import(app, &serde_json::to_vec(&feed).unwrap()).await;
    let (_, found) = app
        .get(
            "/directory/search?q=morning%20walk&limit=10",
            &app.link_worker,
        )
        .await;
    let walk = found["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "walk")
        .unwrap()["service_id"]
        .as_i64()
        .unwrap();

    let mut ids = Vec::new();
    for n in 1..=9 {
        let (_, referral) = app.person_with_referral("B25 8DS").await;
        let id = referral["id"].as_i64().unwrap();
        ids.push(id);
        let mut needs = vec!["physical_activity"];
        if n <= 3 {
            needs.push("housing");
        }
        for need in needs {
            let (s, b) = app
                .post(
                    &format!("/referrals/{id}/needs"),
                    &app.link_worker,
                    json!({"need": need}),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{b}");
        }
        if n <= 8 {
            let (s, b) = app
                .post(
                    &format!("/referrals/{id}/barriers"),
                    &app.link_worker,
                    json!({"barrier": "transport"}),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{b}");
        }
        let consent = app.consent_to_share(&json!(id), &app.link_worker).await;
        let (s, connection) = app
            .post(
                &format!("/referrals/{id}/connections"),
                &app.link_worker,
                json!({"service_id": walk, "consent_id": consent["id"]}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{connection}");
        let reason = if n <= 8 { "no_capacity" } else { "other" };
        let (s, answer) = app
            .post(
                &format!("/connections/{}/status", connection["id"]),
                &app.link_worker,
                json!({"status": "rejected", "note": "No room", "reason": reason}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{answer}");
    }
    // Everything happened in the middle of last month.
    app.execute_at("UPDATE referrals SET received_at = $1", mid)
        .await;
    app.execute_at("UPDATE barriers SET at = $1", mid).await;
    app.execute_at("UPDATE connections SET sent_at = $1", mid)
        .await;
    (ids, period)
}

/// What disclosure control shows for these referrals counted once each: the count is
/// worked out by hand, the noise is the referrals' own (their record keys).
async fn shown(app: &TestApp, referrals: &[i64]) -> Value {
    let secret = app.store.meta(RECORD_KEY_SECRET).await.unwrap().unwrap();
    let mut count = Count::default();
    for &id in referrals {
        count.add(record_key(secret.as_bytes(), id));
    }
    serde_json::to_value(Shown::of(count)).unwrap()
}

async fn a_full_service_shows_as_unmet_need_and_declines_for_capacity_are_counted(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let (ids, period) = dataset(&app).await;
    let transport = &ids[..8];
    let housing = &ids[..3];
    let with_housing: Vec<i64> = ids.iter().chain(housing).copied().collect();
    let unmet_all: Vec<i64> = transport.iter().chain(housing).copied().collect();

    let (status, report) = app
        .get(&format!("/reports/capacity?period={period}"), &app.analyst)
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");

    let need = |code: &str| {
        report["unmet_by_need"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["group"] == code)
            .unwrap()
            .clone()
    };
    let activity = need("physical_activity");
    assert_eq!(activity["needs"], shown(&app, &ids).await, "{activity}");
    assert_eq!(activity["only_full_services"], shown(&app, transport).await);
    assert_eq!(activity["unmet"], shown(&app, transport).await);
    assert_eq!(activity["no_service_in_reach"], "*", "0 is hidden too");
    assert_ne!(activity["unmet"], "*", "8 unmet needs are shown");
    // Three housing needs with nothing in reach: too few to show.
    let housing_row = need("housing");
    assert_eq!(housing_row["needs"], "*");
    assert_eq!(housing_row["no_service_in_reach"], "*");
    assert_eq!(
        report["unmet_total"]["needs"],
        shown(&app, &with_housing).await
    );
    assert_eq!(
        report["unmet_total"]["unmet"],
        shown(&app, &unmet_all).await
    );
    let areas: Vec<&Value> = report["unmet_by_area"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["needs"] != "*")
        .collect();
    assert_eq!(areas.len(), 1, "everyone lives in one area: {report:#}");
    assert_eq!(areas[0]["unmet"], shown(&app, &unmet_all).await);

    // The full morning walk, with what was sent to it.
    let full = report["services_full"].as_array().unwrap();
    assert_eq!(full.len(), 1, "{full:?}");
    assert_eq!(full[0]["service"], "Morning walk");
    assert_eq!(full[0]["places_available"], 0.0);
    assert_eq!(full[0]["places_maximum"], 12.0);
    assert_eq!(full[0]["sent"], shown(&app, &ids).await);
    assert_eq!(
        full[0]["declined_for_capacity"],
        shown(&app, transport).await
    );
    assert_eq!(full[0]["unmet_needs_blocked"], shown(&app, transport).await);
    assert_eq!(full[0]["sent_by_month"][0]["month"], period);

    // Declined for capacity: 8 of the 9 declines.
    let parks = report["declined_for_capacity"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["organisation"] == SERVICE_ORGANISATION)
        .unwrap();
    assert_eq!(parks["sent"], shown(&app, &ids).await);
    assert_eq!(parks["declined"], shown(&app, &ids).await);
    assert_eq!(parks["declined_for_capacity"], shown(&app, transport).await);
    assert_eq!(
        report["declined_for_capacity_total"]["declined_for_capacity"],
        shown(&app, transport).await
    );
    let demand = report["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["organisation"] == SERVICE_ORGANISATION)
        .unwrap();
    assert_eq!(demand["months"][0]["month"], period);
    assert_eq!(demand["months"][0]["sent"], shown(&app, &ids).await);
    assert_eq!(demand["months"][0]["accepted"], "*");
    assert_eq!(demand["total"]["attended"], "*");

    // Not checked for 13 months: listed; 11 months ago: not.
    let unchecked: Vec<&str> = report["listings_not_checked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["service"].as_str().unwrap())
        .collect();
    assert!(unchecked.contains(&"Community choir"), "{unchecked:?}");
    assert!(!unchecked.contains(&"Walking club"), "{unchecked:?}");
    assert!(!unchecked.contains(&"Morning walk"), "{unchecked:?}");

    // A reason is only for a decline.
    let (_, referral) = app.person_with_referral("B25 8DS").await;
    let id = referral["id"].as_i64().unwrap();
    let consent = app.consent_to_share(&json!(id), &app.link_worker).await;
    let (_, connection) = app
        .post(
            &format!("/referrals/{id}/connections"),
            &app.link_worker,
            json!({"service_id": app.service_id, "consent_id": consent["id"]}),
        )
        .await;
    let (s, problem) = app
        .post(
            &format!("/connections/{}/status", connection["id"]),
            &app.link_worker,
            json!({"status": "accepted", "reason": "no_capacity"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["field"], "reason");

    // The same as CSV and as a page.
    let cookie = sign_in_as(&app, "analyst").await;
    let (s, csv) = page(
        &app,
        &cookie,
        &format!("/reports/capacity.csv?period={period}"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let expected = format!(
        "declined,{SERVICE_ORGANISATION},,declined_for_capacity,{}",
        shown(&app, transport).await.to_string().trim_matches('"')
    );
    assert!(csv.contains(&expected), "{expected} not in {csv}");
    let (s, html) = page(&app, &cookie, &format!("/reports/capacity?period={period}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("What the community is missing") && html.contains("Morning walk"));
}

async fn only_analysts_team_leads_and_admins_see_it_and_periods_are_published_ones(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let (period, _) = last_month();
    for (token, expected) in [
        (&app.analyst, StatusCode::OK),
        (&app.team_lead, StatusCode::OK),
        (&app.admin, StatusCode::OK),
        (&app.referrer, StatusCode::FORBIDDEN),
        (&app.vcse, StatusCode::FORBIDDEN),
        (&app.volunteer, StatusCode::FORBIDDEN),
        (&app.link_worker, StatusCode::FORBIDDEN),
    ] {
        let (s, body) = app
            .get(&format!("/reports/capacity?period={period}"), token)
            .await;
        assert_eq!(s, expected, "{body}");
    }
    let this_month = Utc::now().date_naive().format("%Y-%m").to_string();
    for bad in ["2026-13", "2026-Q5", "last%20week", this_month.as_str()] {
        let (s, problem) = app
            .get(&format!("/reports/capacity?period={bad}"), &app.analyst)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {problem}");
        assert_eq!(problem["field"], "period", "{problem}");
    }
    let cookie = sign_in_as(&app, "gp").await;
    let (s, _) = page(&app, &cookie, "/reports/capacity").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}
