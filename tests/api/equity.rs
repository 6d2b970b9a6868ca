//! The equity report: on generated data it finds the gradients the generator put in, the
//! same on both databases; through the API, the page, the files and the CLI it shows
//! only disclosure-controlled aggregates; bad requests and bad imports change nothing.

use crate::helpers::{
    fresh_database, linkwell, postgres_admin_url, spawn_app, Backend, TestDatabase,
};
use crate::on_both_databases;
use crate::pages::{page, sign_in_as};
use linkwell::demo::{generate, GenerateOptions};
use linkwell::equity::tally::Dimension;
use linkwell::equity::{compute, EquityReport, Period};
use linkwell::store::Store;
use reqwest::StatusCode;
use serde_json::Value;

/// A generated care system of `people` (from `seed`) and its report for the year to
/// 2026-09-30, counted as of 2026-10-31.
pub async fn generated_report(
    backend: Backend,
    dir: &tempfile::TempDir,
    people: u32,
    seed: u64,
) -> (TestDatabase, EquityReport) {
    let url = fresh_database(backend, dir).await;
    let store = Store::connect(&url).await.unwrap();
    let options = GenerateOptions {
        progress: false,
        reference_date: "2026-11-01".parse().unwrap(),
        ..GenerateOptions::new(people, seed)
    };
    generate(&store, &linkwell::geo::default_data_dir(), &options)
        .await
        .unwrap();
    let facts = store.load_equity_facts().await.unwrap();
    let period = Period {
        from: "2025-10-01".parse().unwrap(),
        to: "2026-09-30".parse().unwrap(),
    };
    (
        url,
        compute(&facts, &period, None, "2026-10-31".parse().unwrap()),
    )
}

/// The figures, without the times they were made.
fn figures(report: &EquityReport) -> Value {
    let mut value = serde_json::to_value(report).unwrap();
    for key in ["generated_at", "data_as_of"] {
        value.as_object_mut().unwrap().remove(key);
    }
    value
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_finds_the_generated_gradients_the_same_on_both_databases() {
    let dir = tempfile::tempdir().unwrap();
    let (url, report) = generated_report(Backend::Sqlite, &dir, 20_000, 11).await;
    let quintiles = report.breakdown(Dimension::ImdQuintile).unwrap();
    let (most, least) = (quintiles.group("1").unwrap(), quintiles.group("5").unwrap());

    // The generator refers the most deprived more often...
    let (q1, q5) = (most.referral_rate.unwrap(), least.referral_rate.unwrap());
    assert!(q1.lower > q5.upper, "rates {q1:?} vs {q5:?}");
    let sii = report.inequality_of("referral_rate").unwrap().sii.unwrap();
    assert!(sii.lower > 0.0, "referral SII {sii:?}");
    // The most deprived are younger, so standardising for age widens the gap (issue 13, 5).
    let crude = report.inequality_of("referral_rate").unwrap();
    let standardised = report.inequality_of("standardised_referral_rate").unwrap();
    eprintln!(
        "Q1/Q5 crude {:?} (SII {:?}), standardised {:?} (SII {:?})",
        crude.ratio, crude.sii, standardised.ratio, standardised.sii
    );
    assert!(standardised.ratio.unwrap() > crude.ratio.unwrap());
    assert!(standardised.sii.unwrap().value > crude.sii.unwrap().value);
    assert!(most.standardised_rate.is_some() && least.standardised_rate.is_some());
    assert!(report.core20.ratio.unwrap() > 1.0, "{:?}", report.core20);
    // ...but reaches them later and fewer attend, with smaller well-being gains.
    assert!(most.first_contact.median_days.unwrap() > least.first_contact.median_days.unwrap());
    let attended = report.inequality_of("attended_percent").unwrap();
    assert!(attended.sii.unwrap().upper < 0.0, "{attended:?}");
    assert!(attended.ratio.unwrap() < 1.0);
    // ONS4 anxiety, lower is better, falls after social prescribing; satisfaction rises.
    let overall = &report.breakdown(Dimension::Overall).unwrap().groups[0];
    let change = |code: &str| {
        overall
            .outcomes
            .iter()
            .find(|o| o.measure == code)
            .and_then(|o| o.mean_change)
            .unwrap()
    };
    assert!(
        change("ons4_anxiety").upper < 0.0,
        "{:?}",
        change("ons4_anxiety")
    );
    assert!(change("ons4_life_satisfaction").lower > 0.0);
    let swemwbs = report.inequality_of("swemwbs_change").unwrap();
    assert!(swemwbs.gap.unwrap() < 0.0, "{swemwbs:?}");
    assert!(report.headlines.len() >= 4, "{:#?}", report.headlines);
    assert!(report.headlines[0].starts_with("People in the most deprived fifth"));
    // Denominators: the quintiles' populations add up to everyone's.
    let population = |g: &linkwell::equity::report::GroupRow| match g.population {
        Some(linkwell::equity::disclosure::Shown::Count(n)) => n,
        other => panic!("population {other:?}"),
    };
    let everyone = population(&report.breakdown(Dimension::Overall).unwrap().groups[0]);
    let sum: u64 = quintiles.groups.iter().map(population).sum();
    // The register at mid-period (2026-03-31): the 20,000 less those born since.
    assert!(everyone.abs_diff(sum) <= 15, "{everyone} vs {sum}");
    assert!((19_500..20_000).contains(&everyone), "{everyone}");

    // Nobody is referred before they were born.
    let store = Store::connect(&url).await.unwrap();
    let facts = store.load_equity_facts().await.unwrap();
    let born_first = |r: &linkwell::equity::facts::ReferralFact| r.received_day >= r.who.birth_day;
    assert!(facts.referrals.iter().all(born_first));

    if postgres_admin_url().is_some() {
        let pg_dir = tempfile::tempdir().unwrap();
        let (_, on_postgres) = generated_report(Backend::Postgres, &pg_dir, 20_000, 11).await;
        assert_eq!(figures(&report), figures(&on_postgres));
    }
}

on_both_databases!(analysts_and_team_leads_get_the_report_and_bad_requests_are_refused);

async fn analysts_and_team_leads_get_the_report_and_bad_requests_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    app.person_with_referral("B25 8DS").await;

    let (s, report) = app.get("/reports/equity", &app.analyst).await;
    assert_eq!(s, StatusCode::OK, "{report}");
    // One referral: counted, but shown only as "*", and no statistic on it.
    let overall = &report["breakdowns"][0]["groups"][0];
    assert_eq!(overall["referrals"], "*");
    assert!(overall["funnel"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["percent"].is_null()));
    assert!(report["methods"].as_array().unwrap().len() >= 5);
    let (s, _) = app
        .get("/reports/equity?practice=m00001", &app.team_lead)
        .await;
    assert_eq!(s, StatusCode::OK);
    for published in [
        "from=2026-03-01&to=2026-03-31",
        "from=2026-01-01&to=2026-03-31",
        "from=2025-04-01&to=2026-03-31",
        "from=2026-01-01&to=2026-03-31&practice=m00001",
    ] {
        let (s, problem) = app
            .get(&format!("/reports/equity?{published}"), &app.analyst)
            .await;
        assert_eq!(s, StatusCode::OK, "{published}: {problem}");
    }
    // The same data and as-of date give the same figures.
    let same = "/reports/equity?from=2026-01-01&to=2026-03-31&as_of=2026-06-30";
    let (_, first) = app.get(same, &app.analyst).await;
    let (_, second) = app.get(same, &app.team_lead).await;
    let strip = |mut v: Value| {
        v.as_object_mut().unwrap().remove("generated_at");
        v.as_object_mut().unwrap().remove("data_as_of");
        v
    };
    assert_eq!(first["as_of"], "2026-06-30");
    assert_eq!(strip(first), strip(second));
    let (_, problem) = app
        .get(
            "/reports/equity?from=2026-01-01&to=2026-03-30",
            &app.analyst,
        )
        .await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("published periods only"),
        "{problem}"
    );

    for token in [&app.link_worker, &app.referrer, &app.vcse, &app.admin] {
        let (s, problem) = app.get("/reports/equity", token).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{problem}");
    }
    for (query, status, field) in [
        (
            "practice=NOPE",
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("practice"),
        ),
        (
            "from=2026-05-01&to=2026-01-01",
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("from"),
        ),
        (
            "from=2001-01-01&to=2026-01-01",
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("from"),
        ),
        ("from=yesterday", StatusCode::UNPROCESSABLE_ENTITY, None),
        // Only published periods: two reports a day apart would difference to one day.
        (
            "from=2026-01-01&to=2026-03-30",
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("from"),
        ),
        (
            "from=2026-01-02&to=2026-04-01",
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("from"),
        ),
        (
            "from=2026-02-01&to=2026-04-30",
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("from"),
        ),
        // The as-of date must not be before the period ends, nor after today.
        (
            "from=2026-01-01&to=2026-03-31&as_of=2026-03-30",
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("as_of"),
        ),
        (
            "from=2026-01-01&to=2026-03-31&as_of=2999-01-01",
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("as_of"),
        ),
        // One practice for one month is too fine.
        (
            "from=2026-03-01&to=2026-03-31&practice=m00001",
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("practice"),
        ),
        ("person=1", StatusCode::UNPROCESSABLE_ENTITY, None),
    ] {
        let (s, problem) = app
            .get(&format!("/reports/equity?{query}"), &app.analyst)
            .await;
        assert_eq!(s, status, "{query}: {problem}");
        assert!(
            problem["type"].as_str().unwrap().starts_with("/problems/"),
            "{problem}"
        );
        if let Some(field) = field {
            assert_eq!(problem["field"], field, "{problem}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_and_its_downloads_are_for_analysts_and_self_contained() {
    let app = spawn_app(Backend::Sqlite).await;
    let cookie = sign_in_as(&app, "analyst").await;
    let (status, html) = page(&app, &cookie, "/reports/equity").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Headlines") && html.contains("<svg") && html.contains("Wilson score"));
    assert!(!html.contains("/people/"), "the report links to no person");
    // Charts fit a 390 px screen; every table carries the key to its symbols.
    assert!(html.contains("viewBox=\"0 0 390 "), "charts 390 wide");
    assert!(!html.contains("viewBox=\"0 0 720 "));
    let tables = html.matches("<table").count();
    assert!(tables > 5 && html.matches("§ no population").count() == tables);

    let (status, file) = page(
        &app,
        &cookie,
        "/reports/equity/download.html?from=2026-01-01&to=2026-03-31",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_self_contained(&file);
    assert!(file.contains("2026-01-01 to 2026-03-31"));
    let (status, csv) = page(&app, &cookie, "/reports/equity/download.csv").await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.starts_with("dimension,group,group_label,indicator,count,value,lower,upper"));
    let (status, _) = page(&app, &cookie, "/reports/equity/download.exe").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A period that is not published is refused with the reason, on the page as in the API.
    let (status, refused) = page(
        &app,
        &cookie,
        "/reports/equity?from=2026-01-01&to=2026-03-30",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("published periods only"), "{refused}");
    // It comes back as the form with an error summary linking to the field, what was
    // typed kept, and no report below it.
    assert!(refused.contains("<title>Error: "), "{refused}");
    assert!(refused.contains("There is a problem") && refused.contains("href=\"#from\""));
    assert!(refused.contains("value=\"2026-01-01\" aria-invalid=\"true\""));
    assert!(refused.contains("value=\"2026-03-30\""));
    assert!(!refused.contains("Headlines"));
    let (status, _) = page(
        &app,
        &cookie,
        "/reports/equity/download.csv?from=2026-01-02&to=2026-04-01",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let worker = sign_in_as(&app, "lw").await;
    let (status, _) = page(&app, &worker, "/reports/equity").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// One file a commissioner can open anywhere: no scripts, stylesheets, images or fonts
/// fetched from elsewhere.
fn assert_self_contained(html: &str) {
    assert!(html.starts_with("<!doctype html>"));
    for outside in ["<script", "<link", "src=", "url(", "@import", "href=\"http"] {
        assert!(!html.contains(outside), "found {outside}");
    }
    assert!(html.contains("<style>") && html.contains("<svg"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_writes_each_format_and_imports_population_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (url, _) = generated_report(Backend::Sqlite, &dir, 20_000, 11).await;
    let out = |name: &str| dir.path().join(name).display().to_string();
    for format in ["json", "csv", "html"] {
        let file = out(&format!("report.{format}"));
        let run = linkwell(&[
            "report",
            "equity",
            "--database-url",
            &url,
            "--to",
            "2026-09-30",
            "--format",
            format,
            "--out",
            &file,
        ]);
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let text = std::fs::read_to_string(&file).unwrap();
        match format {
            "json" => {
                assert!(serde_json::from_str::<Value>(&text).unwrap()["headlines"].is_array())
            }
            "csv" => assert!(text.lines().count() > 1000),
            _ => assert_self_contained(&text),
        }
    }
    let refused = linkwell(&[
        "report",
        "equity",
        "--database-url",
        &url,
        "--from",
        "2026-01-01",
        "--to",
        "2026-03-30",
        "--out",
        &out("refused.html"),
    ]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("published periods only"));
    let store = Store::connect(&url).await.unwrap();
    let before = store.load_equity_facts().await.unwrap().population;

    let bad = out("bad.csv");
    std::fs::write(
        &bad,
        "practice_code,lsoa11cd,people\nZZ1,E01009999999,10\nZZ1,E01033620,ten\n",
    )
    .unwrap();
    let run = linkwell(&["import", "population", "--database-url", &url, &bad]);
    assert!(!run.status.success());
    let errors = String::from_utf8_lossy(&run.stderr);
    assert!(
        errors.contains("line 2, lsoa11cd") && errors.contains("line 3, people"),
        "{errors}"
    );
    assert!(errors.contains("nothing was imported"), "{errors}");
    assert_eq!(store.load_equity_facts().await.unwrap().population, before);

    let good = out("good.csv");
    std::fs::write(&good, "practice_code,lsoa11cd,people,practice_name\nZZ1,E01033620,1200,New Surgery\nZZ1,E01009417,800,New Surgery\n").unwrap();
    let run = linkwell(&["import", "population", "--database-url", &url, &good]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let facts = store.load_equity_facts().await.unwrap();
    assert_eq!(facts.population.iter().map(|c| c.people).sum::<u32>(), 2000);
    assert!(
        facts.register.is_none(),
        "imported list sizes replace the synthetic register"
    );
    let practice = facts.practice_index("ZZ1").unwrap();
    assert!(facts.population.iter().all(|c| c.practice == practice));
}

on_both_databases!(a_referral_keeps_the_practice_and_area_it_came_from);

/// Issue 13 item 4: a referral records the person's practice and IMD decile when it is
/// received, and the report counts it there after the person moves.
async fn a_referral_keeps_the_practice_and_area_it_came_from(backend: Backend) {
    let app = spawn_app(backend).await;
    let (person, _) = app.person_with_referral("B25 8DS").await;
    let before = app.store.load_equity_facts().await.unwrap();
    let recorded = before.referrals[0].who;
    assert!((1..=5).contains(&recorded.quintile), "{recorded:?}");
    let moved = "UPDATE people SET imd_decile = NULL, practice_id = NULL WHERE id = $1";
    let id = person["id"].as_i64().unwrap();
    match &app.store {
        Store::Sqlite { write, .. } => {
            sqlx::query(moved).bind(id).execute(write).await.unwrap();
        }
        Store::Postgres(pool) => {
            sqlx::query(moved).bind(id).execute(pool).await.unwrap();
        }
    }
    let after = app.store.load_equity_facts().await.unwrap();
    assert_eq!(after.referrals[0].who.quintile, recorded.quintile);
    assert_eq!(after.referrals[0].who.practice, recorded.practice);
    // A referral made after the move is counted where the person now is.
    let (status, second) = app
        .post(
            "/referrals",
            &app.link_worker,
            serde_json::json!({"person_id": id, "referrer_kind": "gp", "reason": "Still lonely"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    let latest = app.store.load_equity_facts().await.unwrap();
    assert_eq!(latest.referrals[1].who.quintile, 0, "no area now");
}
