//! `linkwell export evaluation` (issue 17, item 6): pseudonymised, k-anonymous extracts for
//! approved evaluations, every extract and refusal audited. Datasets are made by hand; the
//! expected keys are worked out here with HMAC-SHA256 independently of the extract code.

use crate::helpers::{linkwell, spawn_app, Backend, TestApp};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// One hand-made person: what identifies them, and the quasi-identifiers we control.
struct Seed {
    given: String,
    family: String,
    nhs: String,
    postcode: &'static str,
    phone: String,
    birth: String,
    sex: &'static str,
    received: &'static str,
    decile: i64,
}

fn seed(n: usize, sex: &'static str, received: &'static str, decile: i64) -> Seed {
    let nhs = linkwell::people::NhsNumber::from_first_nine(401_023_000 + n as u32 * 7)
        .or_else(|| linkwell::people::NhsNumber::from_first_nine(401_023_001 + n as u32 * 7))
        .unwrap()
        .to_string();
    Seed {
        given: format!("Givenname{n}x"),
        family: format!("Familyname{n}y"),
        nhs,
        postcode: "B25 8DS",
        phone: format!("07700 900{:03}", 100 + n),
        // Born 1950-51: 75 on a referral in 2026, so all share the 75-79 band.
        birth: format!("1950-{:02}-{:02}", 1 + n % 11, 1 + n % 27),
        sex,
        received,
        decile,
    }
}

/// Registers and refers each person through the API, then moves the referral to its day
/// and area (behind the API, as a hand-made dataset).
async fn register(app: &TestApp, people: &[Seed]) -> Vec<i64> {
    let mut ids = Vec::new();
    for p in people {
        let (status, person) = app
            .post(
                "/people",
                &app.link_worker,
                json!({"nhs_number": p.nhs, "given_name": p.given, "family_name": p.family,
                       "date_of_birth": p.birth, "sex": p.sex, "ethnicity": "white",
                       "postcode": p.postcode, "phone": p.phone,
                       "plus_groups": ["carer"], "conditions": ["hypertension"]}),
            )
            .await;
        assert!(status.is_success(), "{person}");
        let (status, referral) = app
            .post(
                "/referrals",
                &app.link_worker,
                json!({"person_id": person["id"], "referrer_kind": "gp", "reason": "Lonely since moving"}),
            )
            .await;
        assert!(status.is_success(), "{referral}");
        let referral_id = referral["id"].as_i64().unwrap();
        let at: chrono::DateTime<chrono::Utc> =
            format!("{}T10:30:00Z", p.received).parse().unwrap();
        app.execute_at(
            &format!("UPDATE referrals SET received_at = $1, imd_decile_at_referral = {} WHERE id = {referral_id}", p.decile),
            at,
        )
        .await;
        ids.push(person["id"].as_i64().unwrap());
    }
    ids
}

fn run(args: &[&str], url: &str) -> (bool, String, String) {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--database-url", url]);
    let out = linkwell(&all);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn approve(app: &TestApp, name: &str) {
    let (ok, out, err) = run(
        &[
            "evaluations",
            "approve",
            name,
            "--evaluator",
            "University of Somewhere",
            "--purpose",
            "Evaluating social prescribing outcomes",
            "--until",
            "2099-12-31",
        ],
        &app.database_url,
    );
    assert!(ok, "{out}{err}");
}

fn export(app: &TestApp, name: &str, out: &Path, period: &[&str]) -> (bool, String, String) {
    let mut args = vec![
        "export",
        "evaluation",
        "--evaluation",
        name,
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(period);
    run(&args, &app.database_url)
}

/// The extract's rows as column -> value maps, keyed by person key.
fn rows(dir: &Path) -> (Vec<String>, BTreeMap<String, BTreeMap<String, String>>) {
    let mut reader = csv::Reader::from_path(dir.join("extract.csv")).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let mut out = BTreeMap::new();
    for record in reader.records() {
        let record = record.unwrap();
        let row: BTreeMap<String, String> = header
            .iter()
            .cloned()
            .zip(record.iter().map(String::from))
            .collect();
        out.insert(row["person_key"].clone(), row);
    }
    (header, out)
}

async fn secret_of(app: &TestApp, name: &str) -> Vec<u8> {
    let hex_text: String = match &app.store {
        linkwell::store::Store::Sqlite { read, .. } => {
            sqlx::query_scalar("SELECT key_secret FROM evaluations WHERE name = $1")
                .bind(name)
                .fetch_one(read)
                .await
                .unwrap()
        }
        linkwell::store::Store::Postgres(pool) => {
            sqlx::query_scalar("SELECT key_secret FROM evaluations WHERE name = $1")
                .bind(name)
                .fetch_one(pool)
                .await
                .unwrap()
        }
    };
    hex::decode(hex_text).unwrap()
}

/// HMAC-SHA256(secret, "person:" || id as 8 big-endian bytes), first 16 bytes in hex.
fn expected_key(secret: &[u8], person_id: i64) -> String {
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret).unwrap();
    mac.update(b"person:");
    mac.update(&person_id.to_be_bytes());
    hex::encode(&mac.finalize().into_bytes()[..16])
}

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

fn stray_folders(parent: &Path) -> Vec<String> {
    std::fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".linkwell-extract"))
        .collect()
}

crate::on_both_databases!(
    an_extract_holds_no_identifiers_and_keys_hold_within_but_not_across_evaluations,
    an_extract_is_refused_when_one_person_stays_unique_and_nothing_is_written,
    an_extract_that_passes_only_at_quarters_says_so,
    unapproved_and_expired_evaluations_are_refused_and_audited,
);

async fn an_extract_holds_no_identifiers_and_keys_hold_within_but_not_across_evaluations(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let people: Vec<Seed> = (0..10)
        .map(|n| seed(n, "female", "2026-03-15", 3))
        .collect();
    let ids = register(&app, &people).await;
    // Casework with free text for one person: none of it may reach the extract.
    let referral_id = scalar(
        &app,
        &format!("SELECT id FROM referrals WHERE person_id = {}", ids[0]),
    )
    .await;
    let (status, body) = app
        .post(&format!("/referrals/{referral_id}/contacts"), &app.link_worker,
              json!({"mode": "phone", "duration_minutes": 20, "notes": "Talked about her late husband", "what_matters": "Seeing my grandchildren"}))
        .await;
    assert!(status.is_success(), "{body}");
    let (status, body) = app
        .post(
            &format!("/referrals/{referral_id}/needs"),
            &app.link_worker,
            json!({"need": "loneliness", "notes": "Misses the choir at St Agatha"}),
        )
        .await;
    assert!(status.is_success(), "{body}");

    for body in [
        json!({"instrument": "ucla3", "timing": "baseline", "answers": [3, 3, 2]}),
        json!({"instrument": "ucla3", "timing": "follow_up", "answers": [1, 2, 1]}),
        json!({"instrument": "ons4", "timing": "baseline", "answers": [4, 5, 6, 7]}),
    ] {
        let (status, body) = app
            .post(
                &format!("/referrals/{referral_id}/measures"),
                &app.link_worker,
                body,
            )
            .await;
        assert!(status.is_success(), "{body}");
    }
    let (status, goal) = app
        .post(
            &format!("/referrals/{referral_id}/goals"),
            &app.link_worker,
            json!({"description": "Join the choir again"}),
        )
        .await;
    assert!(status.is_success(), "{goal}");
    let (status, body) = app
        .post(
            &format!("/goals/{}/progress", goal["id"]),
            &app.link_worker,
            json!({"progress": 10, "note": "Sang on Sunday"}),
        )
        .await;
    assert!(status.is_success(), "{body}");
    let (status, body) = app
        .post(
            &format!("/referrals/{referral_id}/goals"),
            &app.link_worker,
            json!({"description": "Walk weekly"}),
        )
        .await;
    assert!(status.is_success(), "{body}");

    let dir = tempfile::tempdir().unwrap();
    approve(&app, "alpha");
    approve(&app, "beta");
    let (a1, a2, b) = (
        dir.path().join("a1"),
        dir.path().join("a2"),
        dir.path().join("b"),
    );
    for (name, out) in [("alpha", &a1), ("alpha", &a2), ("beta", &b)] {
        let (ok, stdout, stderr) = export(
            &app,
            name,
            out,
            &["--from", "2026-01-01", "--to", "2026-12-31"],
        );
        assert!(ok, "{stdout}{stderr}");
        assert!(
            stdout.contains("wrote 10 rows")
                && stdout.contains("k = 10")
                && stdout.contains("generalised: none"),
            "{stdout}"
        );
    }

    // Every cell of every file, against every identifying value seeded.
    let mut forbidden: Vec<String> = vec![
        "2026-03-15".into(),
        "B25 8DS".into(),
        "B258DS".into(),
        "late husband".into(),
        "grandchildren".into(),
        "St Agatha".into(),
        "Lonely since moving".into(),
        "choir".into(),
        "Sang on Sunday".into(),
        "Walk weekly".into(),
    ];
    for p in &people {
        forbidden.extend([
            p.given.clone(),
            p.family.clone(),
            p.nhs.clone(),
            p.nhs.replace(' ', ""),
            p.phone.clone(),
            p.phone.replace(' ', ""),
            p.birth.clone(),
        ]);
    }
    let full_date = |cell: &str| {
        cell.len() >= 10
            && cell.as_bytes().windows(10).any(|w| {
                w.iter().enumerate().all(|(i, c)| {
                    if i == 4 || i == 7 {
                        *c == b'-'
                    } else {
                        c.is_ascii_digit()
                    }
                })
            })
    };
    for file in ["extract.csv", "data-dictionary.csv", "datapackage.json"] {
        let text = std::fs::read_to_string(a1.join(file)).unwrap();
        for value in &forbidden {
            assert!(!text.contains(value.as_str()), "{file} contains {value}");
        }
    }
    let mut reader = csv::Reader::from_path(a1.join("extract.csv")).unwrap();
    for record in reader.records() {
        for cell in record.unwrap().iter() {
            assert!(!full_date(cell), "a cell holds an exact date: {cell}");
            assert!(
                !forbidden.iter().any(|f| cell.contains(f.as_str())),
                "{cell}"
            );
        }
    }

    // Keys: the same within an evaluation (two extracts), unrelated across evaluations,
    // and exactly the HMAC worked out here.
    let (header, alpha1) = rows(&a1);
    let (_, alpha2) = rows(&a2);
    let (_, beta) = rows(&b);
    let alpha_secret = secret_of(&app, "alpha").await;
    let beta_secret = secret_of(&app, "beta").await;
    assert_ne!(alpha_secret, beta_secret);
    let expected_alpha: BTreeSet<String> = ids
        .iter()
        .map(|id| expected_key(&alpha_secret, *id))
        .collect();
    let expected_beta: BTreeSet<String> = ids
        .iter()
        .map(|id| expected_key(&beta_secret, *id))
        .collect();
    assert_eq!(
        alpha1.keys().cloned().collect::<BTreeSet<_>>(),
        expected_alpha
    );
    assert_eq!(
        alpha2.keys().cloned().collect::<BTreeSet<_>>(),
        expected_alpha
    );
    assert_eq!(beta.keys().cloned().collect::<BTreeSet<_>>(), expected_beta);
    assert!(expected_alpha.is_disjoint(&expected_beta));

    // The coarsened values, worked out by hand: 75 on 2026-03-15, decile 3, March.
    let first = &alpha1[&expected_key(&alpha_secret, ids[0])];
    assert_eq!(first["age_band"], "75-79");
    assert_eq!(first["sex"], "female");
    assert_eq!(first["ethnicity_group"], "white");
    assert_eq!(first["imd_decile"], "3");
    assert_eq!(first["referral_month"], "2026-03");
    assert_eq!(first["plus_carer"], "true");
    assert_eq!(first["plus_coastal"], "false");
    assert_eq!(first["ltc_hypertension"], "true");
    assert_eq!(first["need_loneliness"], "true");
    assert_eq!(first["contacts_phone"], "1");
    assert_eq!(first["contacts_in_person"], "0");
    assert_eq!(first["referrer_kind"], "gp");
    // UCLA-3 totals 3+3+2 = 8 and 1+2+1 = 4; ONS4 items as answered; one of two goals at 10.
    assert_eq!(first["ucla3_total_baseline"], "8");
    assert_eq!(first["ucla3_total_follow_up"], "4");
    assert_eq!(first["ons4_life_satisfaction_baseline"], "4");
    assert_eq!(first["ons4_anxiety_baseline"], "7");
    assert_eq!(first["ons4_anxiety_follow_up"], "");
    assert_eq!(first["goals_set"], "2");
    assert_eq!(first["goals_met"], "1");
    let second = &alpha1[&expected_key(&alpha_secret, ids[1])];
    assert_eq!(second["contacts_phone"], "0");
    assert_eq!(second["need_loneliness"], "false");
    assert!(
        !header.iter().any(|c| c.contains("name")
            || c.contains("nhs")
            || c.contains("postcode")
            || c.contains("lsoa")
            || c.contains("phone_number")),
        "{header:?}"
    );

    // The schema describes exactly the CSV's columns, with the check's outcome.
    let package: Value =
        serde_json::from_str(&std::fs::read_to_string(a1.join("datapackage.json")).unwrap())
            .unwrap();
    let fields: Vec<&str> = package["resources"][0]["schema"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        header.iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert_eq!(package["linkwell:disclosure"]["k_achieved"], 10);
    assert_eq!(package["linkwell:disclosure"]["generalisations"], json!([]));
    let dictionary = std::fs::read_to_string(a1.join("data-dictionary.csv")).unwrap();
    assert_eq!(dictionary.lines().count(), header.len() + 1);

    // Three extracts, three audit records in an intact chain.
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'extract' AND record_type = 'evaluation_extract'").await, 3);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'extract' AND purpose LIKE '%10 rows%k = 10%'").await, 3);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM evaluation_extracts WHERE outcome = 'written' AND row_count = 10 AND k_achieved = 10").await, 3);
    assert!(app.store.verify_audit().await.unwrap().is_ok());
}

async fn an_extract_is_refused_when_one_person_stays_unique_and_nothing_is_written(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    // Ten women alike, and one man: unique on sex whatever the generalisation.
    let mut people: Vec<Seed> = (0..10)
        .map(|n| seed(n, "female", "2026-03-15", 3))
        .collect();
    people.push(seed(10, "male", "2026-03-15", 3));
    register(&app, &people).await;
    approve(&app, "alpha");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("extract");
    let (ok, stdout, stderr) = export(&app, "alpha", &out, &[]);
    assert!(!ok, "{stdout}");
    assert!(stderr.contains("k-anonymity of 5 not reached"), "{stderr}");
    assert!(
        stderr.contains("age_band, sex, ethnicity_group, imd_quintile, referral_quarter"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 of 2 classes have fewer than 5 people (smallest class 1"),
        "{stderr}"
    );
    // Without sex the one class of 11 passes: the message names the culprit.
    assert!(
        stderr.contains("sex 0") && stderr.contains("age_band 1"),
        "{stderr}"
    );
    assert!(!out.exists());
    assert!(stray_folders(dir.path()).is_empty());
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'extract_refused' AND record_type = 'evaluation_extract' AND purpose LIKE '%k-anonymity%'").await, 1);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM evaluation_extracts WHERE outcome = 'refused' AND k_achieved = 1 AND row_count = 11").await, 1);
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'extract'"
        )
        .await,
        0
    );
}

async fn an_extract_that_passes_only_at_quarters_says_so(backend: Backend) {
    let app = spawn_app(backend).await;
    // Three referred in January and three in February: classes of 3 by month (fails), one
    // class of 6 by quarter (passes). Deciles 3 and 4 share quintile 2.
    let mut people: Vec<Seed> = (0..3).map(|n| seed(n, "female", "2026-01-20", 3)).collect();
    people.extend((3..6).map(|n| seed(n, "female", "2026-02-10", 4)));
    register(&app, &people).await;
    approve(&app, "alpha");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("extract");
    let (ok, stdout, stderr) = export(&app, "alpha", &out, &["--to", "2026-03-31"]);
    assert!(ok, "{stdout}{stderr}");
    assert!(
        stdout.contains("wrote 6 rows") && stdout.contains("k = 6 over 1 classes"),
        "{stdout}"
    );
    assert!(stdout.contains("generalised: age in 10-year bands, IMD quintile instead of decile, quarter instead of month"), "{stdout}");
    let (header, rows) = rows(&out);
    assert!(
        header.contains(&"referral_quarter".to_string())
            && !header.contains(&"referral_month".to_string())
    );
    assert!(
        header.contains(&"imd_quintile".to_string()) && !header.contains(&"imd_decile".to_string())
    );
    for row in rows.values() {
        assert_eq!(row["referral_quarter"], "2026-Q1");
        assert_eq!(row["imd_quintile"], "2");
        assert_eq!(row["age_band"], "70-79");
    }
    let package: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("datapackage.json")).unwrap())
            .unwrap();
    assert_eq!(package["linkwell:disclosure"]["k_achieved"], 6);
    assert_eq!(
        package["linkwell:disclosure"]["generalisations"][2],
        "quarter instead of month"
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'extract' AND purpose LIKE '%quarter instead of month%'").await, 1);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM evaluation_extracts WHERE outcome = 'written' AND k_achieved = 6 AND generalisations LIKE '%quarter%'").await, 1);
}

async fn unapproved_and_expired_evaluations_are_refused_and_audited(backend: Backend) {
    let app = spawn_app(backend).await;
    let people: Vec<Seed> = (0..6).map(|n| seed(n, "female", "2026-03-15", 3)).collect();
    register(&app, &people).await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("extract");

    let (ok, _, stderr) = export(&app, "nobody", &out, &[]);
    assert!(!ok);
    assert!(
        stderr.contains("no evaluation named nobody is approved"),
        "{stderr}"
    );

    // An approval may not end in the past.
    let (ok, _, stderr) = run(
        &[
            "evaluations",
            "approve",
            "old",
            "--evaluator",
            "X",
            "--purpose",
            "Y",
            "--until",
            "2020-01-01",
        ],
        &app.database_url,
    );
    assert!(!ok && stderr.contains("already have ended"), "{stderr}");
    approve(&app, "old");
    app.execute("UPDATE evaluations SET approved_until = '2020-01-01' WHERE name = 'old'")
        .await;
    let (ok, _, stderr) = export(&app, "old", &out, &[]);
    assert!(!ok);
    assert!(
        stderr.contains("the approval of old ended on 2020-01-01"),
        "{stderr}"
    );
    assert!(!out.exists());
    assert!(stray_folders(dir.path()).is_empty());
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'extract_refused'"
        )
        .await,
        2
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM evaluation_extracts WHERE outcome = 'refused' AND row_count = 0"
        )
        .await,
        2
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'create' AND record_type = 'evaluation'"
        )
        .await,
        1
    );
    assert!(app.store.verify_audit().await.unwrap().is_ok());
}
