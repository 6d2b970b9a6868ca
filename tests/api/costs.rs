//! Programme costs and the cost report (issue 17, item 5; docs/cost-report.md): unit costs
//! against figures worked out by hand on a small hand-made dataset, withheld when their
//! denominator is hidden or a month's costs are missing; bad costs refused by the API and
//! the form with nothing written; the programme filter; who may see and do what. On both
//! databases.

use crate::helpers::{spawn_app, Backend, TestApp, LINK_WORKER_PASSWORD};
use crate::on_both_databases;
use crate::pages::{csrf_of, page, post_form, sign_in_as};
use chrono::{DateTime, NaiveDate, Utc};
use linkwell::activity::parse_period;
use linkwell::costs::tally::tally;
use linkwell::store::bulk::rows::*;
use linkwell::store::bulk::Rows;
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_databases!(
    unit_costs_match_a_hand_calculation,
    bad_costs_are_refused_and_nothing_is_written,
    the_pages_enter_costs_and_show_the_report_to_analysts_only
);

fn at(s: &str) -> DateTime<Utc> {
    format!("{s}T10:00:00Z").parse().unwrap()
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

async fn programme(app: &TestApp, name: &str) -> i64 {
    let (s, p) = app
        .post(
            "/programmes",
            &app.admin,
            json!({"name": name, "model": "practice_attached", "team_ids": [1]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    p["id"].as_i64().unwrap()
}

/// The hand-made dataset, all in team A, September 2026:
///
/// | people | programme | referral received | contact that reached them | closed | connection |
/// |---|---|---|---|---|---|
/// | P1-P3 | Alpha | 09-01 | 09-10 phone | goals met 09-25 | sent 09-15, accepted |
/// | P4-P10 | Alpha | 09-01 | 09-10 phone | goals met 09-25 | – |
/// | P11-P12 | Alpha | 09-01 | 09-10 phone | open | – |
/// | P13-P14 | Beta | 09-01 | 09-12 phone | open | – |
///
/// So, counted by hand for 2026-Q3: Alpha supported 12 people, connected 3 (accepted
/// connections) and met 10 goals; Beta supported 2, connected none, met none; all
/// programmes together supported 14, connected 3, met 10 goals.
async fn hand_made_dataset(app: &TestApp, alpha: i64, beta: i64) {
    let worker = app.link_worker_id;
    let mut people = Rows::<PersonRow>::default();
    let mut referrals = Rows::<ReferralRow>::default();
    let mut events = Rows::<ReferralEventRow>::default();
    let mut contacts = Rows::<ContactRow>::default();
    let mut consents = Rows::<ConsentRow>::default();
    let mut connections = Rows::<ConnectionRow>::default();
    let mut connection_events = Rows::<ConnectionEventRow>::default();
    for n in 1..=14i64 {
        let (person, referral) = (9500 + n, 9600 + n);
        people.push(PersonRow {
            id: person,
            nhs_number: None,
            given_name: "Hand",
            family_name: "Made",
            date_of_birth: day("1960-01-01"),
            sex: "female",
            ethnicity: "white",
            postcode: "SW1A 1AA".into(),
            lsoa: "E01004736".into(),
            imd_decile: 5,
            practice_id: app.practice_id,
            phone: String::new(),
            plus_groups: String::new(),
            conditions: String::new(),
            created_at: at("2025-01-01"),
        });
        let goals_met = n <= 10;
        referrals.push(ReferralRow {
            id: referral,
            person_id: person,
            state: if goals_met { "closed" } else { "active" },
            version: 1,
            referrer_kind: "gp",
            referred_by: worker,
            reason: "hand-made".into(),
            team_id: 1,
            link_worker_id: Some(worker),
            close_reason: goals_met.then_some("goals_met"),
            received_at: at("2026-09-01"),
            next_follow_up_on: None,
            snomed_code: None,
            practice_id_at_referral: app.practice_id,
            imd_decile_at_referral: 5,
            programme_id: Some(if n <= 12 { alpha } else { beta }),
        });
        if goals_met {
            events.push(ReferralEventRow {
                referral_id: referral,
                kind: "transition",
                to_state: Some("closed"),
                close_reason: Some("goals_met"),
                link_worker_id: None,
                snomed_code: None,
                note: None,
                actor_id: worker,
                at: at("2026-09-25"),
            });
        }
        contacts.push(ContactRow {
            referral_id: referral,
            at: at(if n <= 12 { "2026-09-10" } else { "2026-09-12" }),
            mode: "phone",
            duration_minutes: 10,
            reached: true,
            notes: "",
            what_matters: None,
            recorded_by: worker,
        });
        if n <= 3 {
            consents.push(ConsentRow {
                id: 9700 + n,
                person_id: person,
                organisation: crate::helpers::SERVICE_ORGANISATION.into(),
                share_fields: "name",
                method: "verbal",
                given_at: at("2026-09-15"),
                recorded_by: worker,
            });
            connections.push(ConnectionRow {
                consent_id: 9700 + n,
                id: 9800 + n,
                referral_id: referral,
                service_id: app.service_id,
                status: "accepted",
                accompanied: false,
                sent_at: at("2026-09-15"),
                status_at: at("2026-09-15"),
                notes: "",
                created_by: worker,
            });
            for status in ["requested", "accepted"] {
                connection_events.push(ConnectionEventRow {
                    connection_id: 9800 + n,
                    status,
                    note: "",
                    actor_id: worker,
                    at: at("2026-09-15"),
                });
            }
        }
    }
    app.store
        .insert_rows(&mut [
            &mut people,
            &mut referrals,
            &mut events,
            &mut contacts,
            &mut consents,
            &mut connections,
            &mut connection_events,
        ])
        .await
        .unwrap();
}

async fn record(app: &TestApp, programme: i64, body: Value) -> (StatusCode, Value) {
    app.post(&format!("/programmes/{programme}/costs"), &app.admin, body)
        .await
}

fn cost(month: &str, staff: i64, grants: i64, other: i64) -> Value {
    json!({"month": month, "staff_pence": staff, "grants_pence": grants, "other_pence": other})
}

/// Total pence ÷ a published count, to the nearest penny (halves up), as worked by hand.
fn per(total: i64, published: &Value) -> i64 {
    let n = published.as_i64().expect("a published count");
    (2 * total + n) / (2 * n)
}

async fn unit_costs_match_a_hand_calculation(backend: Backend) {
    let app = spawn_app(backend).await;
    let alpha = programme(&app, "Alpha").await;
    let beta = programme(&app, "Beta").await;
    hand_made_dataset(&app, alpha, beta).await;

    // The denominators, counted exactly (before disclosure control), against the table.
    let facts = app.store.load_activity_facts().await.unwrap();
    let q3 = parse_period(Some("2026-Q3"), day("2026-11-30")).unwrap();
    let rows = tally(&facts, &q3, None);
    let (a, b) = (
        facts.programme_index(alpha).unwrap() as usize,
        facts.programme_index(beta).unwrap() as usize,
    );
    let all = facts.programmes.len();
    let exact = |r: usize| {
        (
            rows[r].people_supported.n,
            rows[r].people_connected.n,
            rows[r].goals_met.n,
        )
    };
    assert_eq!(exact(a), (12, 3, 10));
    assert_eq!(exact(b), (2, 0, 0));
    assert_eq!(exact(all), (14, 3, 10));

    // Alpha's costs, in pence, by month:
    //   July:      1,000,000 staff + 200,000 grants +  50,000 other = 1,250,000
    //   August:    1,000,000 staff +       0 grants +  50,000 other = 1,050,000
    //   September: first 1,000,000 + 100,000 + 100,000 = 1,200,000, then corrected to
    //              1,100,000 staff + 100,000 grants + 100,000 other = 1,300,000
    //   Q3 total: 1,250,000 + 1,050,000 + 1,300,000 = 3,600,000 pence (£36,000):
    //   staff 3,100,000, grants 300,000, other 200,000.
    // Beta: September only, 200,000 staff.
    for body in [
        cost("2026-07", 1_000_000, 200_000, 50_000),
        cost("2026-08", 1_000_000, 0, 50_000),
        cost("2026-09", 1_000_000, 100_000, 100_000),
    ] {
        let (s, entry) = record(&app, alpha, body).await;
        assert_eq!(s, StatusCode::CREATED, "{entry}");
    }
    let (s, corrected) = record(&app, alpha, cost("2026-09", 1_100_000, 100_000, 100_000)).await;
    assert_eq!(s, StatusCode::CREATED, "{corrected}");
    assert_eq!(corrected["total_pence"], 1_300_000);
    assert_eq!(corrected["versions"], 2, "the first figures are kept");
    let (s, _) = record(&app, beta, cost("2026-09", 200_000, 0, 0)).await;
    assert_eq!(s, StatusCode::CREATED);

    let (s, report) = app.get("/reports/cost?period=2026-Q3", &app.analyst).await;
    assert_eq!(s, StatusCode::OK, "{report}");
    let row = |id: i64| {
        report["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["programme_id"] == id)
            .unwrap()
            .clone()
    };
    let alpha_row = row(alpha);
    assert_eq!(
        alpha_row["costs"],
        json!({"staff_pence": 3_100_000, "grants_pence": 300_000, "other_pence": 200_000, "total_pence": 3_600_000})
    );
    assert_eq!(alpha_row["months_recorded"], 3);
    // 12 people supported and 10 goals met are published (perturbed, rounded to 5, at
    // least 10); the unit costs are £36,000 divided by what is published.
    for (count, unit) in [
        ("people_supported", "per_person_supported"),
        ("goals_met", "per_goal_met"),
    ] {
        let published = &alpha_row[count];
        let n = published
            .as_i64()
            .unwrap_or_else(|| panic!("{count}: {published}"));
        assert!(n >= 10 && n % 5 == 0, "{count}: {n}");
        assert_eq!(
            alpha_row[unit]["pence"],
            per(3_600_000, published),
            "{unit}"
        );
        assert!(alpha_row[unit]["withheld_because"].is_null());
    }
    // With 15 published, for instance, £36,000 / 15 = £2,400 per person: the text is pounds.
    if alpha_row["people_supported"] == 15 {
        assert_eq!(alpha_row["per_person_supported"]["text"], "£2,400");
    }
    // 3 people connected: hidden, and no unit cost computed from it.
    assert_eq!(alpha_row["people_connected"], "*");
    assert_eq!(alpha_row["per_person_connected"]["pence"], Value::Null);
    assert_eq!(
        alpha_row["per_person_connected"]["withheld"],
        "count_hidden"
    );
    assert!(alpha_row["per_person_connected"]["withheld_because"]
        .as_str()
        .unwrap()
        .contains("too small to publish"));

    // Beta: costs for 1 of 3 months, so no unit cost (and its 2 people are hidden anyway).
    let beta_row = row(beta);
    assert_eq!(beta_row["costs"]["total_pence"], 200_000);
    assert_eq!(beta_row["months_recorded"], 1);
    assert_eq!(
        beta_row["per_person_supported"]["withheld"],
        "costs_missing"
    );
    assert_eq!(beta_row["people_supported"], "*");
    assert!(beta_row["per_person_supported"]["withheld_because"]
        .as_str()
        .unwrap()
        .contains("1 of the period's 3 months"));

    // All programmes: 3,600,000 + 200,000 = 3,800,000; Beta's missing months withhold
    // every unit cost.
    let all_row = &report["all_programmes"];
    assert_eq!(all_row["costs"]["total_pence"], 3_800_000);
    assert_eq!(
        all_row["months_recorded"], 1,
        "only September has every programme's"
    );
    assert_eq!(all_row["per_goal_met"]["pence"], Value::Null);

    // September alone, Alpha only (the filter): its corrected September figures over the
    // same published counts; the report names the programme and has no all-programmes row.
    let (s, month) = app
        .get(
            &format!("/reports/cost?period=2026-09&programme={alpha}"),
            &app.analyst,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{month}");
    assert_eq!(month["programme"], "Alpha");
    assert_eq!(month["rows"].as_array().unwrap().len(), 1);
    assert_eq!(month["all_programmes"], Value::Null);
    let sept = &month["rows"][0];
    assert_eq!(sept["costs"]["total_pence"], 1_300_000);
    assert_eq!(
        sept["per_goal_met"]["pence"],
        per(1_300_000, &sept["goals_met"])
    );
    // The figure from the literature comes with its source and its caution.
    assert_eq!(month["literature"]["amount_pence"], 134_500);
    assert!(month["literature"]["caution"]
        .as_str()
        .unwrap()
        .starts_with("Not a like-for-like comparison"));

    // An unknown programme, or a period not over, is a 422 naming the field.
    for (query, field) in [
        ("period=2026-Q3&programme=999999", "programme"),
        ("period=2099-01", "period"),
    ] {
        let (s, problem) = app
            .get(&format!("/reports/cost?{query}"), &app.analyst)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(problem["field"], field, "{problem}");
    }

    // The command line writes the same figures.
    let out = tempfile::NamedTempFile::new().unwrap();
    let report = linkwell::usecases::costs::report_from_database(
        &app.store,
        Some("2026-Q3"),
        Some(alpha),
        day("2026-11-30"),
    )
    .await
    .unwrap();
    let csv =
        linkwell::costs::render::render(&report, linkwell::equity::render::Format::Csv).unwrap();
    std::fs::write(out.path(), &csv).unwrap();
    let text = String::from_utf8(csv).unwrap();
    assert!(text.contains(",3100000,300000,200000,3600000,"), "{text}");
}

async fn bad_costs_are_refused_and_nothing_is_written(backend: Backend) {
    let app = spawn_app(backend).await;
    let alpha = programme(&app, "Alpha").await;
    let audit_before = app.store.audit_records(0, 1_000_000).await.unwrap().len();
    for (body, field) in [
        (cost("2026-13", 1, 0, 0), "month"),
        (cost("Sept", 1, 0, 0), "month"),
        (cost("2099-01", 1, 0, 0), "month"),
        (cost("1999-12", 1, 0, 0), "month"),
        (cost("2026-09", -1, 0, 0), "staff_pence"),
        (cost("2026-09", 0, 100_000_000_001, 0), "grants_pence"),
        (cost("2026-09", 0, 0, -5), "other_pence"),
    ] {
        let (s, problem) = record(&app, alpha, body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {problem}");
        assert_eq!(problem["field"], field, "{body}: {problem}");
        assert!(problem["detail"].as_str().is_some(), "{problem}");
    }
    // Malformed bodies: an unknown field, a fraction of a penny, text for a number.
    for body in [
        json!({"month": "2026-09", "staff_pence": 1, "grants_pence": 0, "other_pence": 0, "vat": 1}),
        json!({"month": "2026-09", "staff_pence": 1.5, "grants_pence": 0, "other_pence": 0}),
        json!({"month": "2026-09", "staff_pence": "100", "grants_pence": 0, "other_pence": 0}),
    ] {
        let (s, problem) = record(&app, alpha, body.clone()).await;
        assert!(s.is_client_error(), "{body}: {s} {problem}");
        assert!(
            problem["title"].as_str().is_some(),
            "a problem document: {problem}"
        );
    }
    // A programme that does not exist.
    let (s, _) = record(&app, 999_999, cost("2026-09", 1, 0, 0)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, entries) = app
        .get(&format!("/programmes/{alpha}/costs"), &app.admin)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(entries, json!([]), "nothing written");
    assert_eq!(
        app.store.audit_records(0, 1_000_000).await.unwrap().len(),
        audit_before,
        "nothing audited either"
    );
    // A good one is written, with who recorded it, and audited.
    let (s, entry) = record(&app, alpha, cost("2026-09", 150_000, 0, 2_500)).await;
    assert_eq!(s, StatusCode::CREATED, "{entry}");
    assert_eq!(entry["recorded_by"], "admin");
    assert_eq!(entry["total_pence"], 152_500);
    let audit = app.store.audit_records(0, 1_000_000).await.unwrap();
    let last = audit.last().unwrap();
    assert_eq!(
        (last.record_type.as_str(), last.action.as_str()),
        ("programme_cost", "create")
    );
}

async fn the_pages_enter_costs_and_show_the_report_to_analysts_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let alpha = programme(&app, "Alpha").await;
    for user in ["admin", "volunteer"] {
        app.store
            .set_password(user, LINK_WORKER_PASSWORD)
            .await
            .unwrap();
    }
    let admin = sign_in_as(&app, "admin").await;
    let path = format!("/admin/programmes/{alpha}/costs");
    let (status, html) = page(&app, &admin, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("None yet."), "{html}");
    let (_, list) = page(&app, &admin, "/admin/programmes").await;
    assert!(
        list.contains(&format!("href=\"{path}\"")),
        "linked from the list"
    );
    let csrf = csrf_of(&html);

    // A month that is not one and an amount that is not money: both in the error summary,
    // what was typed kept, nothing written.
    let bad = vec![
        ("csrf", csrf.clone()),
        ("month", "September".to_string()),
        ("staff_pence", "lots".to_string()),
        ("grants_pence", "0".to_string()),
        ("other_pence", "12.345".to_string()),
    ];
    let response = post_form(&app, &admin, &path, &bad).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("There is a problem"), "{html}");
    for field in ["month", "staff_pence", "other_pence"] {
        assert!(
            html.contains(&format!("href=\"#{field}\"")),
            "{field}: {html}"
        );
    }
    assert!(!html.contains("href=\"#grants_pence\""));
    assert!(html.contains("value=\"lots\""), "what was typed is kept");
    // A month not yet begun passes the form's reading but not the rule: also a summary.
    let mut future = bad.clone();
    future[1].1 = "2099-01".into();
    future[2].1 = "10".into();
    future[4].1 = "0".into();
    let response = post_form(&app, &admin, &path, &future).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("href=\"#month\""));
    let (_, entries) = app
        .get(&format!("/programmes/{alpha}/costs"), &app.admin)
        .await;
    assert_eq!(entries, json!([]), "nothing written");

    // Typed in pounds: £12,500.50 staff, £0 grants, £99.5 other.
    let good = vec![
        ("csrf", csrf.clone()),
        ("month", "2026-09".to_string()),
        ("staff_pence", "£12,500.50".to_string()),
        ("grants_pence", "0".to_string()),
        ("other_pence", "99.5".to_string()),
        ("note", "Two link workers".to_string()),
    ];
    let response = post_form(&app, &admin, &path, &good).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], format!("{path}?saved=cost"));
    let (_, entries) = app
        .get(&format!("/programmes/{alpha}/costs"), &app.admin)
        .await;
    assert_eq!(entries[0]["staff_pence"], 1_250_050);
    assert_eq!(entries[0]["other_pence"], 9_950);
    let (_, html) = page(&app, &admin, &format!("{path}?saved=cost")).await;
    assert!(html.contains("Costs recorded"), "the banner");
    assert!(
        html.contains("£12,500.50") && html.contains("£12,600"),
        "{html}"
    );

    // The report page: analysts only, linked from their navigation.
    let analyst = sign_in_as(&app, "analyst").await;
    let (status, html) = page(&app, &analyst, "/reports/cost?period=2026-Q3").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("href=\"/reports/cost\""), "in the navigation");
    assert!(html.contains("Not a like-for-like comparison"), "{html}");
    assert!(html.contains("£1,345"));
    let (status, html) = page(&app, &analyst, "/reports/cost?period=2026-Q9").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("There is a problem") && html.contains("href=\"#period\""));
    let (status, csv) = page(
        &app,
        &analyst,
        &format!("/reports/cost/download.csv?period=2026-Q3&programme={alpha}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.starts_with("period,programme_id,programme,"), "{csv}");
    // Nobody else: the link worker, the community organisation, the volunteer, and the
    // administrator too (they enter costs, they do not read the report).
    for user in ["lw", "vcse", "volunteer", "admin"] {
        let cookie = sign_in_as(&app, user).await;
        let (status, html) = page(&app, &cookie, "/reports/cost").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{user}");
        assert!(!html.contains("href=\"/reports/cost\""), "{user}: no link");
        if user != "admin" {
            let (status, _) = page(&app, &cookie, &path).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{user}: costs page");
        }
    }
    let (status, _) = page(&app, &analyst, &path).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "analysts read, never enter");
}
