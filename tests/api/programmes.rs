//! Programmes (issue 17, item 3): administrators define them; a referral takes its team's
//! only programme or the one chosen; the migration's backfill gives every existing referral
//! its team's default programme; and every report filters by programme, checked against
//! counts worked out by hand on the activity report's hand-made dataset.

use crate::activity::hand_made_dataset;
use crate::helpers::{spawn_app, Backend, TestApp, LINK_WORKER_PASSWORD};
use crate::on_both_databases;
use crate::pages::{csrf_of, page, post_form, sign_in_as};
use chrono::NaiveDate;
use linkwell::activity::tally::{tally, ByProgramme, Tally};
use linkwell::activity::{parse_period, ActivityFacts, Request, Scope};
use linkwell::equity::tally::{tally_for, Dimension};
use linkwell::equity::Period;
use linkwell::referrals::{ContactMode, ReferrerKind};
use linkwell::store::Store;
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_databases!(
    the_pages_define_programmes_and_the_referral_form_offers_them,
    administrators_define_programmes_and_referrals_take_them,
    the_migration_gives_existing_referrals_their_teams_programme,
    every_report_filters_by_programme
);

/// Team A of the test app (the first team made in a fresh database), as in `activity`.
const TEAM_A: i64 = 1;

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

async fn execute(store: &Store, sql: &str) {
    match store {
        Store::Sqlite { write, .. } => {
            sqlx::raw_sql(sql).execute(write).await.unwrap();
        }
        Store::Postgres(pool) => {
            sqlx::raw_sql(sql).execute(pool).await.unwrap();
        }
    }
}

async fn define(app: &TestApp, body: Value) -> i64 {
    let (s, made) = app.post("/programmes", &app.admin, body).await;
    assert_eq!(s, StatusCode::CREATED, "{made}");
    made["id"].as_i64().unwrap()
}

async fn person(app: &TestApp) -> i64 {
    let mut body = crate::helpers::person_body("SW1A 1AA");
    body["practice_id"] = json!(app.practice_id);
    let (s, person) = app.post("/people", &app.link_worker, body).await;
    assert_eq!(s, StatusCode::CREATED, "{person}");
    person["id"].as_i64().unwrap()
}

async fn refer(app: &TestApp, person: i64, programme: Option<i64>) -> (StatusCode, Value) {
    let mut body = json!({"person_id": person, "referrer_kind": "gp", "reason": "programmes"});
    if let Some(p) = programme {
        body["programme_id"] = json!(p);
    }
    app.post("/referrals", &app.link_worker, body).await
}

async fn administrators_define_programmes_and_referrals_take_them(backend: Backend) {
    let app = spawn_app(backend).await;
    let someone = person(&app).await;
    // No programme yet: the referral belongs to none.
    let (s, r) = refer(&app, someone, None).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert!(r.get("programme_id").is_none(), "{r}");

    let body = json!({
        "name": "Befriending for older people",
        "model": "befriending",
        "eligibility": {"min_age": 65, "needs": ["loneliness"], "notes": "Lives alone"},
        "team_ids": [TEAM_A],
        "pathway": ["Referral", "Matched with a befriender", "Weekly calls"]
    });
    // Only administrators define programmes.
    for token in [
        &app.link_worker,
        &app.team_lead,
        &app.analyst,
        &app.referrer,
    ] {
        let (s, _) = app.post("/programmes", token, body.clone()).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
    let befriending = define(&app, body.clone()).await;
    // Its team's only programme: a referral takes it without being told.
    let (s, r) = refer(&app, someone, None).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(r["programme_id"], befriending, "{r}");

    // Bad definitions are refused, naming the field, and change nothing.
    for (bad, field) in [
        (
            json!({"name": "X", "model": "hub", "team_ids": []}),
            "team_ids",
        ),
        (
            json!({"name": "X", "model": "hub", "team_ids": [999]}),
            "team_ids",
        ),
        (
            json!({"name": "X", "model": "hub", "team_ids": [TEAM_A], "eligibility": {"min_age": 121}}),
            "min_age",
        ),
        (
            json!({"name": "befriending FOR older people", "model": "hub", "team_ids": [TEAM_A]}),
            "name",
        ),
        (
            json!({"name": "", "model": "hub", "team_ids": [TEAM_A]}),
            "name",
        ),
    ] {
        let (s, problem) = app.post("/programmes", &app.admin, bad.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {problem}");
        assert_eq!(problem["field"], field, "{problem}");
    }
    let (s, bad) = app
        .post(
            "/programmes",
            &app.admin,
            json!({"name": "X", "model": "clinic", "team_ids": [1]}),
        )
        .await;
    assert!(s.is_client_error(), "an unknown model: {bad}");
    let (_, all) = app.get("/programmes", &app.analyst).await;
    assert_eq!(all.as_array().unwrap().len(), 1, "{all}");

    // A second programme in team A: nobody guesses any more; a choice is checked.
    let hub = define(
        &app,
        json!({"name": "Life Rooms hub", "model": "hub", "team_ids": [TEAM_A, 2]}),
    )
    .await;
    let (s, r) = refer(&app, someone, None).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert!(r.get("programme_id").is_none(), "two programmes: {r}");
    let (s, r) = refer(&app, someone, Some(hub)).await;
    assert_eq!(
        (s, r["programme_id"].as_i64()),
        (StatusCode::CREATED, Some(hub))
    );
    let only_b = define(
        &app,
        json!({"name": "Team B connectors", "model": "community_connectors", "team_ids": [2]}),
    )
    .await;
    let (s, problem) = refer(&app, someone, Some(only_b)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["field"], "programme_id");

    // Changing one: the hub leaves team A, so team A's only programme is befriending again.
    let (s, changed) = app
        .post(
            &format!("/programmes/{hub}/changes"),
            &app.admin,
            json!({"name": "Life Rooms hub", "model": "hub", "team_ids": [2], "active": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{changed}");
    assert_eq!(changed["teams"][0]["id"], 2);
    let (_, r) = refer(&app, someone, None).await;
    assert_eq!(r["programme_id"], befriending);
    // Everyone who reads reports or refers sees the definitions; others do not.
    let (s, one) = app
        .get(&format!("/programmes/{befriending}"), &app.team_lead)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(one["model"], "befriending");
    assert_eq!(one["eligibility"]["min_age"], 65);
    assert_eq!(one["pathway"].as_array().unwrap().len(), 3);
    let (s, _) = app.get("/programmes", &app.vcse).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app.get("/programmes/999", &app.analyst).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

/// The backfill in migration 0033, run again over referrals made without programmes: each
/// team gets "<team> social prescribing" and each of its referrals belongs to it.
async fn the_migration_gives_existing_referrals_their_teams_programme(backend: Backend) {
    let app = spawn_app(backend).await;
    let someone = person(&app).await;
    let (_, first) = refer(&app, someone, None).await;
    let (_, second) = refer(&app, someone, None).await;
    assert!(first.get("programme_id").is_none());
    let migration = include_str!("../../migrations/sqlite/0033_programmes.sql");
    let backfill = migration
        .split("-- Existing data:")
        .nth(1)
        .expect("the backfill section");
    execute(&app.store, &format!("-- Existing data:{backfill}")).await;
    let (_, all) = app.get("/programmes", &app.analyst).await;
    let names: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Team A social prescribing", "Team B social prescribing"]
    );
    let team_a = all[0]["id"].as_i64().unwrap();
    assert_eq!(all[0]["model"], "other");
    assert_eq!(all[0]["teams"][0]["id"], TEAM_A);
    for r in [&first, &second] {
        let (_, detail) = app
            .get(&format!("/referrals/{}", r["id"]), &app.link_worker)
            .await;
        assert_eq!(detail["referral"]["programme_id"], team_a, "{detail}");
    }
    // The postgres file backfills the same way.
    let postgres = include_str!("../../migrations/postgres/0033_programmes.sql");
    assert_eq!(postgres.split("-- Existing data:").nth(1), Some(backfill));
}

fn n(c: &linkwell::equity::tally::Count) -> u64 {
    c.n
}

fn position<T: PartialEq>(all: &[T], value: T) -> usize {
    all.iter().position(|v| *v == value).unwrap()
}

async fn september(app: &TestApp, scope: Scope, programme: Option<i64>) -> (ActivityFacts, Tally) {
    let facts = app.store.load_activity_facts().await.unwrap();
    let request = Request {
        period: parse_period(Some("2026-09"), day("2026-11-30")).unwrap(),
        scope,
        programme: programme.map(|p| facts.programme_index(p).unwrap()),
    };
    let t = tally(&facts, &request);
    (facts, t)
}

/// The activity report's dataset (see `activity::hand_made_dataset`) with programmes:
/// befriending R1, R5, R7; connectors R2, R3, R8; R4 and R6 in none.
///
/// September 2026 by hand:
/// - befriending: received R1, R5 = 2 (both GP); people reached P1 (R1), P5 (R5) = 2;
///   contacts phone R1 ×2 + R5 = 3 (2 reached), in person R1 = 1 (1); declined R5; closed R1
///   (goals met, with a questionnaire pair); waits 3 and 1 days: both 0-7; nothing open on
///   30 September; no connections. A year before: R7 received and closed.
/// - connectors: received R2, R8 = 2 (R3 came in August); people reached P2 (R2), P3 (R3) =
///   2; contacts video 1, home visit 1, both reached; connections C1 (accepted, attended),
///   C2 (declined) = sent 2, accepted 1, declined 1, attended 1; open on 30 September R2, R3
///   (the link worker's) and R8 (not assigned); waits 15 (R2) and 12 (R3) days.
/// - none: received R4, R6 = 2; people P1 (R6 on 09-22) = 1; first reached R6 = 1.
async fn every_report_filters_by_programme(backend: Backend) {
    let app = spawn_app(backend).await;
    let team_c = hand_made_dataset(&app).await;
    let befriending = define(
        &app,
        json!({"name": "Befriending", "model": "befriending", "team_ids": [TEAM_A]}),
    )
    .await;
    let connectors = define(
        &app,
        json!({"name": "Connectors", "model": "community_connectors", "team_ids": [TEAM_A, team_c]}),
    )
    .await;
    execute(
        &app.store,
        &format!(
            "UPDATE referrals SET programme_id = {befriending} WHERE id IN (9101, 9105, 9107); \
             UPDATE referrals SET programme_id = {connectors} WHERE id IN (9102, 9103, 9108);"
        ),
    )
    .await;

    // Befriending.
    let (facts, t) = september(&app, Scope::All, Some(befriending)).await;
    assert_eq!(n(&t.referrals), 2);
    assert_eq!(
        n(&t.by_kind[position(ReferrerKind::ALL, ReferrerKind::Gp)]),
        2
    );
    assert_eq!(n(&t.people_supported), 2);
    let mode = |m| position(ContactMode::ALL, m);
    assert_eq!(
        (
            n(&t.contacts[mode(ContactMode::Phone)]),
            n(&t.reached[mode(ContactMode::Phone)])
        ),
        (3, 2)
    );
    assert_eq!(n(&t.contacts[mode(ContactMode::InPerson)]), 1);
    assert_eq!(n(&t.contacts[mode(ContactMode::Video)]), 0);
    assert_eq!(n(&t.declined), 1);
    assert_eq!(t.closures.iter().map(n).sum::<u64>(), 1);
    assert_eq!(n(&t.outcome_pairs), 1);
    assert_eq!(n(&t.unable_to_contact), 0);
    assert_eq!(
        t.waits.iter().map(n).collect::<Vec<_>>(),
        [2, 0, 0, 0, 0, 0]
    );
    assert_eq!(t.caseload.iter().map(n).sum::<u64>(), 0);
    assert_eq!(
        t.connections.iter().map(n).collect::<Vec<_>>(),
        [0, 0, 0, 0]
    );
    let month =
        |t: &Tally, m: usize, f: linkwell::activity::tally::Monthly| n(&t.monthly[m][f as usize]);
    use linkwell::activity::tally::Monthly;
    assert_eq!(month(&t, 11, Monthly::Referrals), 1, "R7 a year before");
    assert_eq!(month(&t, 11, Monthly::Closed), 1);
    assert_eq!(month(&t, 23, Monthly::Contacts), 4);

    // Connectors.
    let (_, t) = september(&app, Scope::All, Some(connectors)).await;
    assert_eq!(n(&t.referrals), 2);
    assert_eq!(n(&t.people_supported), 2);
    assert_eq!(n(&t.contacts[mode(ContactMode::Video)]), 1);
    assert_eq!(n(&t.contacts[mode(ContactMode::HomeVisit)]), 1);
    assert_eq!(n(&t.contacts[mode(ContactMode::Phone)]), 0);
    assert_eq!(
        t.connections.iter().map(n).collect::<Vec<_>>(),
        [2, 1, 1, 1]
    );
    let worker = facts
        .workers
        .iter()
        .position(|w| w.id == app.link_worker_id)
        .unwrap();
    assert_eq!(n(&t.caseload[worker]), 2);
    assert_eq!(n(t.caseload.last().unwrap()), 1);
    assert_eq!(
        t.waits.iter().map(n).collect::<Vec<_>>(),
        [0, 1, 1, 0, 0, 0]
    );
    assert_eq!(n(&t.declined) + n(&t.unable_to_contact), 0);
    // ...and within team A only: R2 (R8 is team C's).
    let team_a = facts.team_index(TEAM_A).unwrap();
    let (_, t) = september(&app, Scope::Team(team_a), Some(connectors)).await;
    assert_eq!(n(&t.referrals), 1);

    // The breakdown by programme, unfiltered: one row per programme, then none. P1 is
    // supported in befriending (R1) and in no programme (R6): one person overall, once in
    // each row.
    let (facts, t) = september(&app, Scope::All, None).await;
    let row = |id: Option<i64>| {
        let at = id.map_or(facts.programmes.len(), |p| {
            usize::from(facts.programme_index(p).unwrap())
        });
        ByProgramme::ALL.map(|f| n(&t.by_programme[at][f as usize]))
    };
    // referrals, people, first reached, closed, goals met, connections sent, attended
    assert_eq!(row(Some(befriending)), [2, 2, 2, 1, 1, 0, 0]);
    assert_eq!(row(Some(connectors)), [2, 2, 2, 0, 0, 2, 1]);
    assert_eq!(row(None), [2, 1, 1, 0, 0, 0, 0]);
    assert_eq!(n(&t.people_supported), 4);

    // The API: the filter is taken, named in the report, and refused when unknown.
    let (s, report) = app
        .get(
            &format!("/reports/activity?period=2026-09&programme={connectors}"),
            &app.analyst,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{report}");
    assert_eq!(report["programme"], "Connectors");
    let by_programme = report["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "by_programme")
        .unwrap();
    assert_eq!(
        by_programme["rows"].as_array().unwrap().len(),
        1,
        "{by_programme}"
    );
    let (s, report) = app
        .get("/reports/activity?period=2026-09", &app.analyst)
        .await;
    assert_eq!(s, StatusCode::OK);
    let rows = report["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "by_programme")
        .unwrap()["rows"]
        .clone();
    assert_eq!(
        rows.as_array().unwrap().len(),
        3,
        "two programmes and none: {rows}"
    );
    // Every count in it under disclosure control: all of these are 0 to 7.
    assert!(rows.to_string().matches("\"*\"").count() == 21, "{rows}");
    for path in [
        "activity?period=2026-09",
        "equity?from=2026-07-01&to=2026-09-30",
        "capacity?period=2026-Q3",
    ] {
        let (s, problem) = app
            .get(&format!("/reports/{path}&programme=9999"), &app.analyst)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {problem}");
        assert_eq!(problem["field"], "programme", "{path}");
    }

    // Equity, Q3 2026: befriending R1, R5; connectors R2, R3, R8; everyone 7 (R1-R6, R8).
    let equity = app.store.load_equity_facts().await.unwrap();
    let q3 = Period {
        from: day("2026-07-01"),
        to: day("2026-09-30"),
    };
    let referrals = |programme: Option<i64>| {
        let t = tally_for(
            &equity,
            &q3,
            None,
            programme.map(|p| p as u32),
            day("2026-11-30"),
        );
        n(&t.group(Dimension::Overall, 0).referrals)
    };
    assert_eq!(referrals(None), 7);
    assert_eq!(referrals(Some(befriending)), 2);
    assert_eq!(referrals(Some(connectors)), 3);
    let (s, report) = app
        .get(
            &format!("/reports/equity?from=2026-07-01&to=2026-09-30&as_of=2026-11-30&programme={befriending}"),
            &app.analyst,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{report}");
    assert_eq!(report["programme"], "Befriending");
    let (s, problem) = app
        .get(
            &format!("/reports/equity?from=2026-09-01&to=2026-09-30&programme={befriending}"),
            &app.analyst,
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a month is too short for one programme"
    );
    assert_eq!(problem["field"], "programme");

    // Capacity, Q3 2026: open at some time in the quarter — befriending R1 (closed 09-28)
    // and R5 (declined 09-19), not R7 (closed 2025); connectors R2, R3, R8. Connections sent
    // in the quarter: connectors C1 and C2, befriending none.
    let open = |p| {
        let store = app.store.clone();
        async move {
            store
                .capacity_referrals(day("2026-07-01"), day("2026-09-30"), p)
                .await
                .unwrap()
                .len()
        }
    };
    assert_eq!(open(Some(befriending)).await, 2);
    assert_eq!(open(Some(connectors)).await, 3);
    let sent = |p| {
        let store = app.store.clone();
        async move {
            store
                .capacity_connections(day("2026-07-01"), day("2026-09-30"), p)
                .await
                .unwrap()
                .len()
        }
    };
    assert_eq!(sent(Some(connectors)).await, 2);
    assert_eq!(sent(Some(befriending)).await, 0);
    let (s, report) = app
        .get(
            &format!("/reports/capacity?period=2026-Q3&programme={connectors}"),
            &app.analyst,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{report}");
    assert_eq!(report["programme"], "Connectors");
}

/// `/admin/programmes` defines and changes programmes, refusing a bad form with every
/// problem and nothing saved; the referral form asks for a programme only once a team runs
/// two, and refuses one the practice's team does not run.
async fn the_pages_define_programmes_and_the_referral_form_offers_them(backend: Backend) {
    let app = spawn_app(backend).await;
    app.store
        .set_password("admin", LINK_WORKER_PASSWORD)
        .await
        .unwrap();
    let admin = sign_in_as(&app, "admin").await;
    let (status, html) = page(&app, &admin, "/admin/programmes").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("None yet."), "{html}");
    let csrf = csrf_of(&html);
    let post = |path: &'static str, form: Vec<(&'static str, String)>| {
        let (app, admin) = (&app, admin.clone());
        async move { post_form(app, &admin, path, &form).await }
    };
    // No team, an age that is not a number, no model: every problem at once, nothing saved.
    let response = post(
        "/admin/programmes",
        vec![
            ("csrf", csrf.clone()),
            ("name", "Befriending".into()),
            ("min_age", "old".into()),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    for field in ["model", "team_ids", "min_age"] {
        assert!(
            html.contains(&format!("href=\"#{field}\"")),
            "{field}: {html}"
        );
        assert!(
            html.contains(&format!("id=\"{field}\"")),
            "{field} is a field"
        );
    }
    assert!(
        html.contains("value=\"Befriending\""),
        "what was typed is kept"
    );
    let (_, all) = app.get("/programmes", &app.analyst).await;
    assert_eq!(all, json!([]));

    let good = vec![
        ("csrf", csrf.clone()),
        ("name", "Befriending".to_string()),
        ("model", "befriending".to_string()),
        ("team_ids", TEAM_A.to_string()),
        ("min_age", "65".to_string()),
        ("needs", "loneliness".to_string()),
        ("needs", "bereavement".to_string()),
        ("pathway", "Referral\r\n\r\nWeekly calls".to_string()),
        ("active", "1".to_string()),
    ];
    let response = post("/admin/programmes", good.clone()).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()["location"],
        "/admin/programmes?done=created"
    );
    let (_, all) = app.get("/programmes", &app.analyst).await;
    let befriending = &all[0];
    assert_eq!(
        befriending["eligibility"]["needs"],
        json!(["loneliness", "bereavement"])
    );
    assert_eq!(befriending["pathway"], json!(["Referral", "Weekly calls"]));
    let befriending = befriending["id"].as_i64().unwrap();

    // One programme in the team: the referral form asks nothing.
    let gp = sign_in_as(&app, "gp").await;
    let (_, form) = page(&app, &gp, "/referrals/new").await;
    assert!(
        !form.contains("id=\"programme\""),
        "one programme: no question"
    );

    // A second, in team B only, then changed to run in team A too: now the form asks.
    let mut hub = good.clone();
    hub[1].1 = "Hub".into();
    hub[2].1 = "hub".into();
    hub[3].1 = "2".into();
    let response = post("/admin/programmes", hub.clone()).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, all) = app.get("/programmes", &app.analyst).await;
    let hub_id = all
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Hub")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (_, form) = page(&app, &gp, "/referrals/new").await;
    assert!(!form.contains("id=\"programme\""), "one per team still");
    let (status, edit) = page(&app, &admin, &format!("/admin/programmes?edit={hub_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(edit.contains("Change Hub"), "{edit}");
    hub[0].1 = csrf_of(&edit);
    hub.push(("team_ids", TEAM_A.to_string()));
    let response = post_form(&app, &admin, &format!("/admin/programmes/{hub_id}"), &hub).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, form) = page(&app, &gp, "/referrals/new").await;
    assert!(
        form.contains("id=\"programme\""),
        "two in team A: the form asks"
    );

    // The person's practice is served by team A; a programme only team B runs is refused.
    let only_b = define(
        &app,
        json!({"name": "Team B only", "model": "other", "team_ids": [2]}),
    )
    .await;
    let referral = |programme: i64, csrf: String| {
        vec![
            ("csrf", csrf),
            ("given_name", "Rosa".to_string()),
            ("family_name", "Parks".to_string()),
            ("dob_day", "4".to_string()),
            ("dob_month", "2".to_string()),
            ("dob_year", "1944".to_string()),
            ("sex", "female".to_string()),
            ("postcode", "b25 8ds".to_string()),
            ("address_line1", "1 High Street".to_string()),
            ("town", "Birmingham".to_string()),
            ("practice", "M00001".to_string()),
            ("referrer_kind", "gp".to_string()),
            ("reason", "Lonely".to_string()),
            ("programme", programme.to_string()),
            ("agreed", "1".to_string()),
        ]
    };
    let referrals = app.count("referrals").await;
    let response = post_form(
        &app,
        &gp,
        "/referrals/new",
        &referral(only_b, csrf_of(&form)),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("href=\"#programme\""), "{html}");
    assert_eq!(app.count("referrals").await, referrals);
    let response = post_form(
        &app,
        &gp,
        "/referrals/new",
        &referral(befriending, csrf_of(&html)),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let made: i64 = response.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/caseload?made=")
        .parse()
        .unwrap();
    let (_, detail) = app
        .get(&format!("/referrals/{made}"), &app.link_worker)
        .await;
    assert_eq!(detail["referral"]["programme_id"], befriending, "{detail}");
}
