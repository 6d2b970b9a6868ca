//! `linkwell import referrals`: a spreadsheet of referrals is checked whole, every bad row
//! reported by line and field, and imported all or nothing in one transaction.

use crate::helpers::{spawn_app, Backend, TestApp};
use crate::on_both_databases;

const HEADER: &str =
    "reference,nhs_number,given_name,family_name,date_of_birth,sex,ethnicity,postcode,practice_code,phone,referred_on,referrer_kind,reason";

fn import(
    app: &TestApp,
    file: &std::path::Path,
    report: &std::path::Path,
) -> (bool, String, String) {
    let run = crate::helpers::linkwell(&[
        "import",
        "referrals",
        "--database-url",
        &app.database_url,
        "--as",
        "lw",
        "--report",
        report.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    (
        run.status.success(),
        String::from_utf8_lossy(&run.stdout).into_owned(),
        String::from_utf8_lossy(&run.stderr).into_owned(),
    )
}

async fn counts(app: &TestApp) -> [i64; 4] {
    [
        app.count("people").await,
        app.count("referrals").await,
        app.count("referral_events").await,
        app.count("audit_log").await,
    ]
}

on_both_databases!(a_spreadsheet_is_imported_all_or_nothing_with_every_problem_named);

async fn a_spreadsheet_is_imported_all_or_nothing_with_every_problem_named(backend: Backend) {
    let app = spawn_app(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("problems.csv");
    let before = counts(&app).await;

    // Line 2 is fine; each later line has one thing wrong.
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, [
        HEADER,
        "R1,9990000018,Ada,Brown,1950-12-10,female,white,B25 8DS,M00001,,2026-03-01,gp,Lonely since moving",
        "R2,9990000019,Bo,Green,1961-01-02,male,,B25 8DS,M00001,,2026-03-02,gp,Debt worries",
        "R3,,Cy,Hall,02/03/1970,F,asian,ZZ99 9ZZ,,,2026-03-03,self,Housing",
        "R4,,Di,Ives,1980-05-06,female,,B25 8DS,X99999,,2026-03-04,gp,Low mood",
        "R1,,Ed,Jones,1975-07-08,male,,B25 8DS,,,2026-03-05,gp,Carer stress",
        "R6,,Flo,King,1990-09-10,woman,,B25 8DS,,,2099-01-01,gp,Isolated",
    ].join("\n")).unwrap();
    let (ok, _, stderr) = import(&app, &bad, &report);
    assert!(!ok);
    for expected in [
        "line 3, nhs_number",
        "line 4, postcode",
        "line 6, reference: \"R1\" is also on line 2",
        "line 7, sex",
        "line 7, referred_on: 2099-01-01 is in the future",
        "nothing was imported",
    ] {
        assert!(stderr.contains(expected), "{expected:?} in {stderr}");
    }
    let problems = std::fs::read_to_string(&report).unwrap();
    assert!(problems.starts_with("line,field,problem\n"), "{problems}");
    assert_eq!(problems.lines().count(), 1 + 5, "{problems}");
    assert_eq!(counts(&app).await, before, "a refused file changes nothing");

    // Checked against what is on file: an unknown practice is named too.
    let unknown_practice = dir.path().join("practice.csv");
    std::fs::write(
        &unknown_practice,
        [
            HEADER,
            "R4,,Di,Ives,1980-05-06,female,,B25 8DS,X99999,,2026-03-04,gp,Low mood",
        ]
        .join("\n"),
    )
    .unwrap();
    let (ok, _, stderr) = import(&app, &unknown_practice, &report);
    assert!(!ok);
    assert!(
        stderr.contains("line 2, practice_code: no practice has the ODS code \"X99999\""),
        "{stderr}"
    );
    assert_eq!(counts(&app).await, before);

    // A person already registered (same NHS number, name and birth date) gets the referral;
    // the same NHS number twice in the file is one person with two referrals.
    let (status, existing) = app
        .post("/people", &app.link_worker, serde_json::json!({
            "nhs_number": "9990000026", "given_name": "Gil", "family_name": "Lowe", "date_of_birth": "1948-04-04",
            "sex": "male", "ethnicity": "black", "postcode": "B25 8DS"}))
        .await;
    assert_eq!(status, reqwest::StatusCode::CREATED, "{existing}");
    let before = counts(&app).await;
    let good = dir.path().join("good.csv");
    std::fs::write(&good, [
        HEADER,
        "R1,9990000018,Ada,Brown,1950-12-10,female,white,B25 8DS,M00001,07700 900123,2026-03-01,gp,Lonely since moving",
        "R2,999 000 0018,Ada,BROWN,10/12/1950,F,White,B25 8DS,M00001,,2026-06-01,Self-referral,Back again",
        "R3,9990000026,Gil,Lowe,1948-04-04,male,black,B25 8DS,,,2026-04-01,practice_staff,Bereaved",
    ].join("\n")).unwrap();
    let (ok, stdout, stderr) = import(&app, &good, &report);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("imported 3 referrals; 1 people newly registered"),
        "{stdout}"
    );
    let after = counts(&app).await;
    assert_eq!(
        [after[0], after[1], after[2]],
        [before[0] + 1, before[1] + 3, before[2] + 3]
    );
    assert_eq!(
        after[3],
        before[3] + 4,
        "one audit record per person and referral made"
    );

    let (_, caseload) = app.get("/caseload?limit=50", &app.link_worker).await;
    let rows = caseload.as_array().unwrap();
    let ada: Vec<&serde_json::Value> = rows
        .iter()
        .filter(|r| r["person_name"] == "Ada Brown")
        .collect();
    assert_eq!(ada.len(), 2, "{caseload}");
    assert_eq!(ada[0]["person_id"], ada[1]["person_id"]);
    let received: Vec<&str> = ada
        .iter()
        .map(|r| r["received_at"].as_str().unwrap())
        .collect();
    assert!(
        received.iter().any(|r| r.starts_with("2026-06-01"))
            && received.iter().any(|r| r.starts_with("2026-03-01")),
        "{received:?}"
    );
    let gil: Vec<&serde_json::Value> = rows
        .iter()
        .filter(|r| r["person_name"] == "Gil Lowe")
        .collect();
    assert_eq!(gil[0]["person_id"], existing["id"]);

    // The same file again: every row was imported before, so nothing is.
    let after = counts(&app).await;
    let (ok, _, stderr) = import(&app, &good, &report);
    assert!(!ok);
    assert!(
        stderr.contains("line 2, reference: \"R1\" was imported before"),
        "{stderr}"
    );
    assert_eq!(counts(&app).await, after);
}
