//! System outcomes (issue 17, item 4; docs/service-use.md): service use recorded around a
//! referral, the report's figures against values worked out by hand, the practice's CSV
//! refused as a whole with every problem by line and field, and who may do what.

use crate::helpers::{assert_problem, spawn_app, Backend, TestApp};
use crate::on_both_databases;
use chrono::{Datelike, Months, NaiveDate, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_databases!(
    report_figures_match_a_hand_calculation,
    recording_checks_counts_and_windows_and_the_latest_wins,
    a_bad_practice_file_is_refused_whole_by_line_and_field,
    only_the_team_records_and_only_analysts_and_leads_see_the_report,
    the_link_workers_form_and_the_report_page,
    counts_arrive_as_fhir_observations_coded_from_linkwells_code_system,
    the_report_filters_by_programme,
    a_mean_one_pair_short_of_another_is_withheld
);

/// The first day of the latest calendar quarter whose referrals all have their six months
/// after over (the report publishes no other).
fn period_start() -> NaiveDate {
    let today = Utc::now().date_naive();
    let quarter_start = |d: NaiveDate| d.with_day(1).unwrap() - Months::new(d.month0() % 3);
    let mut start = quarter_start(today) - Months::new(3);
    while start + Months::new(9) > today {
        start = start - Months::new(3);
    }
    start
}

fn period_code() -> String {
    let start = period_start();
    format!("{}-Q{}", start.year(), start.month0() / 3 + 1)
}

/// A person (with this NHS number, if any) referred by the team's link worker, the
/// referral received on `received` at noon UTC (the same day in London).
async fn referral_on(app: &TestApp, received: NaiveDate, nhs: Option<&str>) -> i64 {
    let mut body = crate::helpers::person_body("SW1A 1AA");
    body["nhs_number"] = json!(nhs);
    let (s, person) = app.post("/people", &app.link_worker, body).await;
    assert_eq!(s, StatusCode::CREATED, "{person}");
    let (s, referral) = app
        .post(
            "/referrals",
            &app.link_worker,
            json!({"person_id": person["id"], "referrer_kind": "gp", "reason": "Often at the GP"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{referral}");
    let id = referral["id"].as_i64().unwrap();
    let at = received.and_hms_opt(12, 0, 0).unwrap().and_utc();
    app.execute_at(
        &format!("UPDATE referrals SET received_at = $1 WHERE id = {id}"),
        at,
    )
    .await;
    id
}

async fn record(app: &TestApp, token: &str, referral: i64, body: Value) -> (StatusCode, Value) {
    app.post(&format!("/referrals/{referral}/service-use"), token, body)
        .await
}

async fn record_pair(app: &TestApp, referral: i64, gp: (i64, i64), ae: (Option<i64>, Option<i64>)) {
    let (s, b) = record(
        app,
        &app.link_worker,
        referral,
        json!({"window": "before", "gp_consultations": gp.0, "ae_attendances": ae.0}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = record(
        app,
        &app.link_worker,
        referral,
        json!({"window": "after", "gp_consultations": gp.1, "ae_attendances": ae.1}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
}

/// The period's report as `token` reads it, limited to `programme` if given; it must be
/// a 200.
async fn report_for(app: &TestApp, token: &str, programme: Option<i64>) -> Value {
    let filter = programme.map_or_else(String::new, |p| format!("&programme={p}"));
    let (s, report) = app
        .get(
            &format!("/reports/service-use?period={}{filter}", period_code()),
            token,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{report}");
    report
}

fn measure<'a>(group: &'a Value, code: &str) -> &'a Value {
    group["measures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["measure"] == code)
        .unwrap()
}

fn close(actual: &Value, expected: f64) {
    let actual = actual
        .as_f64()
        .unwrap_or_else(|| panic!("not a number: {actual}"));
    assert!(
        (actual - expected).abs() <= 0.011,
        "{actual} is not {expected}"
    );
}

/// GP consultations (before, after) of the eight hand-worked pairs below.
const HAND_PAIRS: [(i64, i64); 8] = [
    (6, 4),
    (9, 5),
    (4, 5),
    (10, 6),
    (7, 3),
    (5, 5),
    (8, 4),
    (3, 2),
];

/// The eight hand-worked pairs in a new programme, "Befriending", and `others` (GP before,
/// after) in the team's default one, all received in the period; the programme's id.
async fn hand_pairs_in_a_programme(app: &TestApp, others: &[(i64, i64)]) -> i64 {
    let received = period_start() + chrono::Days::new(9);
    let mut chosen = Vec::new();
    for pair in HAND_PAIRS {
        let id = referral_on(app, received, None).await;
        record_pair(app, id, pair, (None, None)).await;
        chosen.push(id.to_string());
    }
    for &pair in others {
        let id = referral_on(app, received, None).await;
        record_pair(app, id, pair, (None, None)).await;
    }
    let (s, made) = app
        .post(
            "/programmes",
            &app.admin,
            json!({"name": "Befriending", "model": "befriending", "team_ids": [1]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{made}");
    let programme = made["id"].as_i64().unwrap();
    app.execute(&format!(
        "UPDATE referrals SET programme_id = {programme} WHERE id IN ({})",
        chosen.join(", ")
    ))
    .await;
    programme
}

/// Eight referrals in the period with both windows of GP consultations recorded:
///
/// | before | after | after − before | − mean (−2.25) | squared |
/// |---|---|---|---|---|
/// | 6 | 4 | −2 | 0.25 | 0.0625 |
/// | 9 | 5 | −4 | −1.75 | 3.0625 |
/// | 4 | 5 | +1 | 3.25 | 10.5625 |
/// | 10 | 6 | −4 | −1.75 | 3.0625 |
/// | 7 | 3 | −4 | −1.75 | 3.0625 |
/// | 5 | 5 | 0 | 2.25 | 5.0625 |
/// | 8 | 4 | −4 | −1.75 | 3.0625 |
/// | 3 | 2 | −1 | 1.25 | 1.5625 |
///
/// Sum of differences −18, mean −18/8 = −2.25 (before 52/8 = 6.5, after 34/8 = 4.25).
/// Sum of squares 29.5; variance 29.5/7 = 4.2143; SD = 2.0529; SE = 2.0529/√8 = 0.7258.
/// t(0.975, 7) = 2.365 (Student's t table, 7 degrees of freedom).
/// Half-width 2.365 × 0.7258 = 1.7165: the interval −2.25 ± 1.72 = (−3.97, −0.53).
///
/// A&E attendances have both windows on only three of them: hidden, no mean. Left out:
/// a ninth referral with only its before-window (counted among referrals, not a pair), one
/// received the quarter after the period and one closed as entered in error, each with a
/// difference of +50 that would move the mean if counted.
async fn report_figures_match_a_hand_calculation(backend: Backend) {
    let app = spawn_app(backend).await;
    let received = period_start() + chrono::Days::new(9);
    for (i, pair) in HAND_PAIRS.into_iter().enumerate() {
        let id = referral_on(&app, received, None).await;
        let ae = if i < 3 {
            (Some(2), Some(1))
        } else {
            (Some(1), None)
        };
        record_pair(&app, id, pair, ae).await;
    }
    let only_before = referral_on(&app, received, None).await;
    let (s, b) = record(
        &app,
        &app.link_worker,
        only_before,
        json!({"window": "before", "gp_consultations": 20}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let next_quarter = referral_on(&app, period_start() + Months::new(3), None).await;
    record_pair(&app, next_quarter, (0, 50), (None, None)).await;
    let in_error = referral_on(&app, received, None).await;
    record_pair(&app, in_error, (0, 50), (None, None)).await;
    app.execute(&format!(
        "UPDATE referrals SET state = 'closed', close_reason = 'entered_in_error' WHERE id = {in_error}"
    ))
    .await;

    for token in [&app.analyst, &app.team_lead] {
        let report = report_for(&app, token, None).await;
        assert!(report["method"]
            .as_str()
            .unwrap()
            .contains("Regression to the mean"));
        let everyone = &report["breakdowns"][0]["groups"][0];
        let gp = measure(everyone, "gp_consultations");
        let pairs = gp["pairs"].as_u64().expect("8 pairs are shown");
        assert!(pairs >= 10 && pairs.is_multiple_of(5), "{pairs}");
        close(&gp["mean_before"], 6.5);
        close(&gp["mean_after"], 4.25);
        close(&gp["mean_change"]["value"], -2.25);
        close(&gp["mean_change"]["lower"], -3.97);
        close(&gp["mean_change"]["upper"], -0.53);
        let ae = measure(everyone, "ae_attendances");
        assert_eq!(ae["pairs"], "*", "3 pairs are hidden");
        assert_eq!(ae["mean_withheld"], false, "too few pairs, not withheld");
        assert!(ae["mean_change"].is_null() && ae["mean_before"].is_null());
        assert!(everyone["referrals"].as_u64().is_some(), "{everyone}");
        // Every shown count is a multiple of 5 or "*".
        for breakdown in report["breakdowns"].as_array().unwrap() {
            for group in breakdown["groups"].as_array().unwrap() {
                for m in group["measures"].as_array().unwrap() {
                    let shown = &m["pairs"];
                    assert!(
                        shown == "*" || shown.as_u64().is_some_and(|n| n.is_multiple_of(5)),
                        "{shown}"
                    );
                    if shown == "*" {
                        assert!(m["mean_change"].is_null());
                    }
                }
            }
        }
    }
    // A month, a quarter whose last referrals are not yet 6 months on, and a quarter not
    // over are refused, each saying why.
    let next = period_start() + Months::new(3);
    for (period, why) in [
        (
            period_start().format("%Y-%m").to_string(),
            "is not a quarter",
        ),
        (
            format!("{}-Q{}", next.year(), next.month0() / 3 + 1),
            "are over on",
        ),
        ("2999-Q1".to_string(), "has not ended yet"),
    ] {
        let (s, b) = app
            .get(
                &format!("/reports/service-use?period={period}"),
                &app.analyst,
            )
            .await;
        assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(b["field"], "period");
        assert!(b["detail"].as_str().unwrap().contains(why), "{period}: {b}");
    }
}

async fn recording_checks_counts_and_windows_and_the_latest_wins(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = referral_on(&app, period_start(), None).await;
    let audit_before = app.count("audit_log").await;
    let (s, b) = record(
        &app,
        &app.link_worker,
        id,
        json!({"window": "before", "gp_consultations": 6}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b[0]["gp_consultations"], 6);
    assert!(b[0]["ae_attendances"].is_null());
    assert_eq!(b[0]["source"], "link_worker");
    assert_eq!(b[0]["to"], period_start().format("%Y-%m-%d").to_string());
    // A later recording replaces what it gives and keeps what it does not.
    let (s, b) = record(
        &app,
        &app.team_lead,
        id,
        json!({"window": "before", "ae_attendances": 2}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        (
            b[0]["gp_consultations"].clone(),
            b[0]["ae_attendances"].clone()
        ),
        (json!(6), json!(2))
    );
    let (s, b) = record(
        &app,
        &app.link_worker,
        id,
        json!({"window": "before", "gp_consultations": 7}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b[0]["gp_consultations"], 7);
    assert_eq!(b[0]["ae_attendances"], 2);
    assert_eq!(app.count("service_use").await, 1);
    assert!(
        app.count("audit_log").await >= audit_before + 3,
        "each change is audited"
    );
    // Refused, and nothing changed: a count out of range, no count, a window not over.
    for (body, field) in [
        (
            json!({"window": "before", "gp_consultations": 184}),
            "gp_consultations",
        ),
        (
            json!({"window": "before", "ae_attendances": -1}),
            "ae_attendances",
        ),
        (json!({"window": "before"}), "gp_consultations"),
    ] {
        let (s, b) = record(&app, &app.link_worker, id, body).await;
        assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(b["field"], field, "{b}");
    }
    let recent = referral_on(&app, Utc::now().date_naive(), None).await;
    let (s, b) = record(
        &app,
        &app.link_worker,
        recent,
        json!({"window": "after", "gp_consultations": 1}),
    )
    .await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b["field"], "window");
    let (s, b) = record(
        &app,
        &app.link_worker,
        id,
        json!({"window": "during", "gp_consultations": 1}),
    )
    .await;
    assert!(s.is_client_error(), "{s} {b}");
    let (s, b) = app
        .get(&format!("/referrals/{id}/service-use"), &app.link_worker)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b.as_array().unwrap().len(), 1);
    assert_eq!(b[0]["gp_consultations"], 7);
    assert_eq!(app.count("service_use").await, 1);
}

/// A valid NHS number from nine digits (Modulus 11), as the generator makes them.
fn nhs(first_nine: u32) -> String {
    linkwell::people::NhsNumber::from_first_nine(first_nine)
        .unwrap()
        .to_string()
        .replace(' ', "")
}

async fn a_bad_practice_file_is_refused_whole_by_line_and_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let received = period_start();
    let ours = nhs(943_476_591);
    let ours_too = nhs(943_476_592);
    let theirs = nhs(943_476_593);
    let nobody = nhs(943_476_594);
    referral_on(&app, received, Some(&ours)).await;
    referral_on(&app, received, Some(&ours_too)).await;
    let recent = Utc::now().date_naive();
    referral_on(&app, recent, Some(&nhs(943_476_595))).await;
    // Another team's person: on file, but not the importer's to know about.
    let mut body = crate::helpers::person_body("SW1A 1AA");
    body["nhs_number"] = json!(theirs);
    body["practice_id"] = Value::Null;
    let (s, person) = app.post("/people", &app.other_team_worker, body).await;
    assert_eq!(s, StatusCode::CREATED, "{person}");
    let (s, r) = app
        .post(
            "/referrals",
            &app.other_team_worker,
            json!({"person_id": person["id"], "referrer_kind": "gp", "reason": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    app.execute_at(
        &format!(
            "UPDATE referrals SET received_at = $1 WHERE id = {}",
            r["id"]
        ),
        received.and_hms_opt(12, 0, 0).unwrap().and_utc(),
    )
    .await;

    let header = "nhs_number,referral_received,window,gp_consultations,ae_attendances";
    let bad = format!(
        "{header}\n\
         {ours},{received},before,6,1\n\
         {theirs},{received},before,3,0\n\
         {nobody},{received},before,3,0\n\
         {ours_too},{received},after,many,\n\
         {},{recent},after,2,0\n\
         {ours},{received},before,2,2\n",
        nhs(943_476_595)
    );
    let (s, b) = app
        .post(
            "/service-use/imports",
            &app.link_worker,
            json!({"csv": bad}),
        )
        .await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY);
    // The checks on the file itself come first: the bad count and the repeated row.
    let found: Vec<(u64, String)> = b["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                e["field"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![(5, "gp_consultations".into()), (7, "window".into())],
        "{b}"
    );
    assert_eq!(app.count("service_use").await, 0, "nothing written");

    // With the file's own problems fixed, matching refuses the rest, again as a whole.
    let unmatched = format!(
        "{header}\n\
         {ours},{received},before,6,1\n\
         {theirs},{received},before,3,0\n\
         {nobody},{received},before,3,0\n\
         {ours_too},{received},after,4,\n\
         {},{recent},after,2,0\n",
        nhs(943_476_595)
    );
    let (s, b) = app
        .post(
            "/service-use/imports",
            &app.link_worker,
            json!({"csv": unmatched}),
        )
        .await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY);
    let errors = b["errors"].as_array().unwrap();
    let found: Vec<(u64, &str)> = errors
        .iter()
        .map(|e| (e["line"].as_u64().unwrap(), e["field"].as_str().unwrap()))
        .collect();
    assert_eq!(
        found,
        vec![(3, "nhs_number"), (4, "nhs_number"), (6, "window")],
        "{b}"
    );
    assert_eq!(
        errors[0]["message"], errors[1]["message"],
        "another team's person and nobody on file read the same"
    );
    assert_eq!(app.count("service_use").await, 0, "nothing written");

    // The same checks from the command line: refused whole, problems by line and field.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("practice.csv");
    std::fs::write(&file, &unmatched).unwrap();
    let problems = dir.path().join("problems.csv");
    let run = crate::helpers::linkwell(&[
        "import",
        "service-use",
        "--database-url",
        &app.database_url,
        "--as",
        "lw",
        "--report",
        problems.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success(), "{stderr}");
    assert!(stderr.contains("line 3, nhs_number:"), "{stderr}");
    assert!(stderr.contains("line 6, window:"), "{stderr}");
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    let listed = std::fs::read_to_string(&problems).unwrap();
    assert_eq!(
        listed.lines().count(),
        4,
        "a header and three problems: {listed}"
    );
    assert_eq!(app.count("service_use").await, 0, "nothing written");

    let good = format!(
        "{header}\n\
         {ours},{received},before,6,1\n\
         {ours},{received},after,2,0\n\
         {ours_too},{received},after,4,\n"
    );
    let (s, b) = app
        .post(
            "/service-use/imports",
            &app.link_worker,
            json!({"csv": good}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["recorded"], 3);
    assert_eq!(app.count("service_use").await, 3);
    let run = crate::helpers::linkwell(&[
        "report",
        "service-use",
        "--database-url",
        &app.database_url,
        "--period",
        &period_code(),
        "--format",
        "csv",
        "--out",
        "-",
    ]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        stdout.starts_with("breakdown,group,group_label,measure,referrals,pairs,"),
        "{stdout}"
    );
    assert!(
        stdout.contains("all,all,Everyone,gp_consultations,*,*,,,,,"),
        "{stdout}"
    );
    // Organisations and volunteers may not import.
    for token in [&app.vcse, &app.volunteer, &app.analyst] {
        let (s, b) = app
            .post("/service-use/imports", token, json!({"csv": header}))
            .await;
        assert_problem(s, &b, StatusCode::FORBIDDEN);
    }
}

async fn only_the_team_records_and_only_analysts_and_leads_see_the_report(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = referral_on(&app, period_start(), None).await;
    let body = json!({"window": "before", "gp_consultations": 1});
    for token in [
        &app.vcse,
        &app.volunteer,
        &app.analyst,
        &app.referrer,
        &app.admin,
    ] {
        let (s, b) = record(&app, token, id, body.clone()).await;
        assert_problem(s, &b, StatusCode::FORBIDDEN);
    }
    let (s, b) = record(&app, &app.other_team_worker, id, body).await;
    assert_problem(s, &b, StatusCode::NOT_FOUND);
    assert_eq!(app.count("service_use").await, 0);
    for token in [
        &app.vcse,
        &app.volunteer,
        &app.link_worker,
        &app.referrer,
        &app.admin,
    ] {
        let (s, b) = app.get("/reports/service-use", token).await;
        assert_problem(s, &b, StatusCode::FORBIDDEN);
    }
}

/// The form on the person's page: a bad count brings back the page with the error summary
/// linking to the field and what was typed; a good one comes back with the saved banner
/// and the counts in the referral's section. The report page: analysts and team leads,
/// with the method note; an unpublished period is the form with its error summary.
async fn the_link_workers_form_and_the_report_page(backend: Backend) {
    use crate::pages::{csrf_of, page, post_form, sign_in_as};
    let app = spawn_app(backend).await;
    let id = referral_on(&app, period_start(), None).await;
    let (_, detail) = app.get(&format!("/referrals/{id}"), &app.link_worker).await;
    let person = detail["referral"]["person_id"].as_i64().unwrap();
    let cookie = sign_in_as(&app, "lw").await;
    let (s, html) = page(&app, &cookie, &format!("/people/{person}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("Record GP and A&amp;E use"),
        "the form is offered"
    );
    let path = format!("/referrals/{id}/service-use");
    let refused = post_form(
        &app,
        &cookie,
        &path,
        &[
            ("csrf", csrf_of(&html)),
            ("window", "after".into()),
            ("gp_consultations", "lots".into()),
            ("ae_attendances", "1".into()),
        ],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = refused.text().await.unwrap();
    assert!(body.contains("<title>Error: "), "{body}");
    assert!(body.contains("error-summary"), "{body}");
    assert!(body.contains(&format!("href=\"#su-gp-{id}\"")), "{body}");
    assert!(body.contains("must be a whole number"), "{body}");
    assert!(body.contains(&format!("id=\"su-gp-{id}\" name=\"gp_consultations\" type=\"text\" inputmode=\"numeric\" class=\"width-4\" value=\"lots\"")), "kept: {body}");
    assert_eq!(app.count("service_use").await, 0);
    let saved = post_form(
        &app,
        &cookie,
        &path,
        &[
            ("csrf", csrf_of(&html)),
            ("window", "after".into()),
            ("gp_consultations", "4".into()),
            ("ae_attendances", "1".into()),
        ],
    )
    .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let back = saved.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(
        back,
        format!("/people/{person}?saved=service_use&referral={id}#saved")
    );
    let (_, html) = page(&app, &cookie, &back).await;
    assert!(html.contains("GP and A&#38;E use recorded"), "{html}");
    assert!(
        html.contains("<td data-label=\"GP consultations\">4</td>"),
        "{html}"
    );

    let analyst = sign_in_as(&app, "analyst").await;
    let (s, html) = page(
        &app,
        &analyst,
        &format!("/reports/service-use?period={}", period_code()),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("Regression to the mean"), "{html}");
    assert!(html.contains("Quintile 1 (most deprived)"), "{html}");
    let (s, html) = page(&app, &analyst, "/reports/service-use?period=2999-01").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("error-summary") && html.contains("<title>Error: "),
        "{html}"
    );
    let (s, csv) = page(
        &app,
        &analyst,
        &format!("/reports/service-use/download.csv?period={}", period_code()),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(csv.starts_with("breakdown,group,"), "{csv}");
    let vcse = sign_in_as(&app, "vcse").await;
    let (s, _) = page(&app, &vcse, "/reports/service-use").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

/// A count sent as a FHIR Observation, coded from Linkwell's own CodeSystem (published under
/// /fhir/CodeSystem with a definition for each code): accepted and recorded; one with a
/// SNOMED CT code, a count out of range, the wrong subject, a window not over, or from an
/// organisation is refused with an OperationOutcome and changes nothing.
async fn counts_arrive_as_fhir_observations_coded_from_linkwells_code_system(backend: Backend) {
    use crate::fhir::fhir;
    let app = spawn_app(backend).await;
    let id = referral_on(&app, period_start(), None).await;
    let (_, detail) = app.get(&format!("/referrals/{id}"), &app.link_worker).await;
    let person = detail["referral"]["person_id"].as_i64().unwrap();
    let (s, system, _) = fhir(
        &app,
        "GET",
        "/CodeSystem/service-use",
        Some(&app.analyst),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{system}");
    let codes: Vec<&str> = system["concept"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            assert!(
                c["definition"].as_str().is_some_and(|d| d.len() > 20),
                "{c}"
            );
            c["code"].as_str().unwrap()
        })
        .collect();
    assert_eq!(
        codes,
        [
            "gp_consultations_before",
            "gp_consultations_after",
            "ae_attendances_before",
            "ae_attendances_after"
        ]
    );
    let url = system["url"].as_str().unwrap().to_string();
    let observation = |code: &str, value: Value, subject: i64, referral: i64| {
        json!({
            "resourceType": "Observation",
            "status": "final",
            "code": {"coding": [{"system": url, "code": code}]},
            "subject": {"reference": format!("Patient/{subject}")},
            "basedOn": [{"reference": format!("ServiceRequest/{referral}")}],
            "valueInteger": value,
        })
    };
    let media = "application/fhir+json";
    let (s, made, _) = fhir(
        &app,
        "POST",
        "/Observation",
        Some(&app.link_worker),
        Some((
            media,
            observation("gp_consultations_after", json!(5), person, id),
        )),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{made}");
    assert_eq!(made["resourceType"], "Observation");
    assert_eq!(made["valueInteger"], 5);
    assert_eq!(made["code"]["coding"][0]["system"], url.as_str());
    assert_eq!(made["subject"]["reference"], format!("Patient/{person}"));
    let (_, recorded) = app
        .get(&format!("/referrals/{id}/service-use"), &app.link_worker)
        .await;
    assert_eq!(recorded[0]["window"], "after", "{recorded}");
    assert_eq!(recorded[0]["gp_consultations"], 5);
    assert_eq!(recorded[0]["source"], "fhir");

    let other = referral_on(&app, period_start(), None).await;
    let recent = referral_on(&app, Utc::now().date_naive(), None).await;
    let mut snomed = observation("gp_consultations_before", json!(2), person, id);
    snomed["code"] = json!({"coding": [{"system": "http://snomed.info/sct", "code": "185317003"}]});
    let mut no_value = observation("gp_consultations_before", json!(2), person, id);
    no_value.as_object_mut().unwrap().remove("valueInteger");
    let mut preliminary = observation("gp_consultations_before", json!(2), person, id);
    preliminary["status"] = json!("preliminary");
    let cases = [
        (snomed, StatusCode::UNPROCESSABLE_ENTITY),
        (
            observation("ae_attendances_before", json!(184), person, id),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            observation("ae_attendances_before", json!(1), person, other),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            observation("ae_attendances_after", json!(1), person + 1000, recent),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (no_value, StatusCode::UNPROCESSABLE_ENTITY),
        (preliminary, StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"resourceType": "Patient"}), StatusCode::BAD_REQUEST),
    ];
    let rows = app.count("service_use").await;
    for (body, expected) in cases {
        let (s, outcome, _) = fhir(
            &app,
            "POST",
            "/Observation",
            Some(&app.link_worker),
            Some((media, body.clone())),
        )
        .await;
        assert_eq!(s, expected, "{body} -> {outcome}");
        assert_eq!(outcome["resourceType"], "OperationOutcome", "{outcome}");
    }
    // A window not over, sent alone.
    let (s, outcome, _) = fhir(
        &app,
        "POST",
        "/Observation",
        Some(&app.link_worker),
        Some((
            media,
            observation("ae_attendances_after", json!(1), 0, recent)
                .as_object()
                .map(|o| {
                    let mut o = o.clone();
                    o.remove("subject");
                    Value::Object(o)
                })
                .unwrap(),
        )),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{outcome}");
    assert!(
        outcome["issue"][0]["diagnostics"]
            .as_str()
            .unwrap()
            .contains("record the counts after"),
        "{outcome}"
    );
    for token in [&app.vcse, &app.volunteer, &app.analyst] {
        let (s, outcome, _) = fhir(
            &app,
            "POST",
            "/Observation",
            Some(token),
            Some((
                media,
                observation("gp_consultations_before", json!(1), person, id),
            )),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{outcome}");
        assert_eq!(outcome["resourceType"], "OperationOutcome");
    }
    assert_eq!(app.count("service_use").await, rows, "nothing written");
}

/// `programme=ID` counts only that programme's referrals. The eight hand-worked pairs above
/// (mean change −2.25, interval −3.97 to −0.53) are put in a programme; eight more pairs,
/// each 0 before and 50 after, are left in the team's default one. Filtered, the report is
/// the hand calculation again; unfiltered, the mean is (−18 + 8 × 50) / 16 = 382 / 16 =
/// 23.875. An unknown programme is a 422 naming `programme`.
async fn the_report_filters_by_programme(backend: Backend) {
    let app = spawn_app(backend).await;
    let programme = hand_pairs_in_a_programme(&app, &[(0, 50); 8]).await;

    let gp_change = |report: &Value| {
        measure(&report["breakdowns"][0]["groups"][0], "gp_consultations")["mean_change"].clone()
    };
    let report = report_for(&app, &app.analyst, Some(programme)).await;
    assert_eq!(report["programme"], "Befriending");
    let change = gp_change(&report);
    close(&change["value"], -2.25);
    close(&change["lower"], -3.97);
    close(&change["upper"], -0.53);

    let report = report_for(&app, &app.analyst, None).await;
    assert!(report["programme"].is_null());
    close(&gp_change(&report)["value"], 23.875);

    let (s, b) = app
        .get(
            &format!(
                "/reports/service-use?period={}&programme=999999",
                period_code()
            ),
            &app.analyst,
        )
        .await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b["field"], "programme");
}

/// The differencing attack, by hand. The eight hand-worked pairs above (sum of changes −18)
/// are put in a programme; a ninth referral, left in the team's default programme, has a
/// change of +50. Everyone's mean is (−18 + 50) / 9 = 32 / 9 = 3.56; were the programme's
/// (−2.25 over 8) shown too, 9 × 3.56 − 8 × (−2.25) = 32 + 18 = 50 would be the ninth
/// person's own change. So everyone's mean is shown and the programme's is not: neither in
/// the programme row of the whole report nor as everyone in the report filtered to it,
/// though its pairs are still counted there.
async fn a_mean_one_pair_short_of_another_is_withheld(backend: Backend) {
    let app = spawn_app(backend).await;
    let programme = hand_pairs_in_a_programme(&app, &[(0, 50)]).await;

    let report = report_for(&app, &app.analyst, None).await;
    let everyone = measure(&report["breakdowns"][0]["groups"][0], "gp_consultations");
    close(&everyone["mean_change"]["value"], 3.56);
    let row = report["breakdowns"][1]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["code"].as_str() == Some(programme.to_string().as_str()))
        .expect("the programme's row");
    let gp = measure(row, "gp_consultations");
    assert!(
        gp["pairs"].as_u64().is_some(),
        "its 8 pairs are counted: {gp}"
    );
    assert!(gp["mean_change"].is_null(), "{gp}");
    assert!(
        gp["mean_before"].is_null() && gp["mean_after"].is_null(),
        "{gp}"
    );
    assert_eq!(
        gp["mean_withheld"], true,
        "told apart from too few pairs: {gp}"
    );
    assert_eq!(everyone["mean_withheld"], false);

    let filtered = report_for(&app, &app.analyst, Some(programme)).await;
    for breakdown in filtered["breakdowns"].as_array().unwrap() {
        for group in breakdown["groups"].as_array().unwrap() {
            let gp = measure(group, "gp_consultations");
            assert!(gp["mean_change"].is_null(), "{}: {gp}", group["label"]);
        }
    }
    let gp = measure(&filtered["breakdowns"][0]["groups"][0], "gp_consultations");
    assert!(gp["pairs"].as_u64().is_some(), "{gp}");
}
