//! The synthetic care system: deterministic, and carrying the gradients it claims.

use crate::helpers::{fresh_database, Backend, TestDatabase};
use crate::on_both_databases;
use linkwell::demo::{generate, open_or_build, DemoDatabase, GenerateOptions};
use linkwell::store::Store;

on_both_databases!(the_demo_builds_an_empty_database_reuses_its_own_and_refuses_any_other);

/// A generated system; the folder and database live as long as the returned guard.
async fn generated(
    backend: Backend,
    people: u32,
    seed: u64,
) -> (Store, (TestDatabase, tempfile::TempDir)) {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(backend, &dir).await;
    let store = Store::connect(&url).await.unwrap();
    let options = GenerateOptions {
        progress: false,
        reference_date: chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
        ..GenerateOptions::new(people, seed)
    };
    let report = generate(&store, &linkwell::geo::default_data_dir(), &options)
        .await
        .unwrap();
    assert_eq!(report.people, people as u64);
    (store, (url, dir))
}

/// Every table the generator fills, with the columns that carry the clock (or a random
/// version stamp) rather than the seed.
const GENERATED_TABLES: [(&str, &[&str]); 21] = [
    ("people", &[]),
    ("referrals", &[]),
    ("referral_events", &[]),
    ("contacts", &[]),
    ("needs", &[]),
    ("goals", &[]),
    ("goal_progress", &[]),
    ("consents", &[]),
    ("connections", &[]),
    ("connection_events", &[]),
    ("barriers", &[]),
    ("measures", &[]),
    ("population", &[]),
    ("teams", &[]),
    ("programmes", &[]),
    ("programme_teams", &[]),
    ("practices", &[]),
    ("users", &["created_at"]),
    ("services", &["updated_at"]),
    ("directory_organizations", &[]),
    ("directory_taxonomy_terms", &[]),
];

/// A digest of the generated content itself: every column of every table the generator
/// fills (the columns read from the schema, so a new one is covered too) and the `meta`
/// marks, so determinism is checked on values, not just on row counts.
async fn fingerprint(store: &Store) -> String {
    let Store::Sqlite { read, .. } = store else {
        unreachable!("fingerprints are taken on SQLite")
    };
    let mut text = String::new();
    for (table, clock) in GENERATED_TABLES {
        let columns: Vec<(String,)> =
            sqlx::query_as("SELECT name FROM pragma_table_info($1) ORDER BY cid")
                .bind(table)
                .fetch_all(read)
                .await
                .unwrap();
        assert!(!columns.is_empty(), "{table} has columns");
        let cells: Vec<String> = columns
            .iter()
            .filter(|(c,)| !clock.contains(&c.as_str()))
            .map(|(c,)| format!("quote({c})"))
            .collect();
        let sql = format!(
            "SELECT {} FROM {table} ORDER BY rowid",
            cells.join(" || ',' || ")
        );
        let rows: Vec<(String,)> = sqlx::query_as(&sql).fetch_all(read).await.unwrap();
        text.push_str(&format!("{table}: {} rows\n", rows.len()));
        for (row,) in rows {
            text.push_str(&row);
            text.push('\n');
        }
    }
    let marks: Vec<(String, String)> =
        sqlx::query_as("SELECT key, value FROM meta WHERE key <> 'directory_version' ORDER BY key")
            .fetch_all(read)
            .await
            .unwrap();
    text.push_str(&format!("{marks:?}"));
    linkwell::auth::hash_secret(&text)
}

async fn counts(store: &Store) -> Vec<i64> {
    let mut out = Vec::new();
    for table in linkwell::store::COUNTABLE_TABLES {
        out.push(store.count_rows(table).await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_seed_same_system_and_the_deprivation_gradient_is_there() {
    let (a, _da) = generated(Backend::Sqlite, 6_000, 7).await;
    let (b, _db) = generated(Backend::Sqlite, 6_000, 7).await;
    let (c, _dc) = generated(Backend::Sqlite, 6_000, 8).await;
    assert_eq!(
        fingerprint(&a).await,
        fingerprint(&b).await,
        "deterministic for a seed"
    );
    assert_ne!(
        fingerprint(&a).await,
        fingerprint(&c).await,
        "a different seed differs"
    );
    assert!(
        a.meta(linkwell::demo::SYNTHETIC_POPULATION_KEY)
            .await
            .unwrap()
            .is_some(),
        "marked complete"
    );
    assert!(
        a.authenticate("linkworker", "demo-linkworker")
            .await
            .unwrap()
            .is_none(),
        "published demo passwords only in the demo"
    );
    let again = generate(
        &a,
        &linkwell::geo::default_data_dir(),
        &GenerateOptions::new(10, 1),
    )
    .await;
    assert!(
        again.is_err(),
        "never generates into a database that has data"
    );

    let referrals = a.count_rows("referrals").await.unwrap() as f64;
    assert!(
        (0.06..0.16).contains(&(referrals / 6_000.0)),
        "about 10% referred: {referrals}"
    );
    let Store::Sqlite { read, .. } = &a else {
        unreachable!()
    };
    // Referral rate per person by national IMD quintile: most deprived above least deprived.
    let rates: Vec<(i64, f64)> = sqlx::query_as(
        "SELECT (p.imd_decile + 1) / 2 AS q, COUNT(r.id) * 1.0 / COUNT(DISTINCT p.id) FROM people p \
         LEFT JOIN referrals r ON r.person_id = p.id GROUP BY q ORDER BY q",
    )
    .fetch_all(read)
    .await
    .unwrap();
    assert!(
        rates.first().unwrap().1 > rates.last().unwrap().1,
        "{rates:?}"
    );
    // Attendance among accepted connections: lower in quintile 1 than in quintiles 4-5.
    let attend: Vec<(i64, f64)> = sqlx::query_as(
        "SELECT CASE WHEN p.imd_decile <= 2 THEN 1 ELSE 0 END AS core20, \
         AVG(CASE WHEN c.status IN ('attended_first_session', 'completed') THEN 1.0 ELSE 0.0 END) \
         FROM connections c JOIN referrals r ON r.id = c.referral_id JOIN people p ON p.id = r.person_id \
         WHERE c.status <> 'rejected' GROUP BY core20 ORDER BY core20",
    )
    .fetch_all(read)
    .await
    .unwrap();
    assert_eq!(attend.len(), 2);
    assert!(attend[1].1 < attend[0].1, "Core20 attend less: {attend:?}");
    // Every stored state agrees with the events it derives from.
    let mismatched: (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM referrals r WHERE r.state <> (SELECT e.to_state FROM referral_events e \
         WHERE e.referral_id = r.id AND e.to_state IS NOT NULL ORDER BY e.id DESC LIMIT 1)",
    )
    .fetch_one(read)
    .await
    .unwrap();
    assert_eq!(mismatched.0, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_sign_ins_work_when_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&fresh_database(Backend::Sqlite, &dir).await)
        .await
        .unwrap();
    let options = GenerateOptions {
        progress: false,
        demo_sign_ins: true,
        ..GenerateOptions::new(500, 3)
    };
    generate(&store, &linkwell::geo::default_data_dir(), &options)
        .await
        .unwrap();
    for (username, password, _) in linkwell::demo::DEMO_SIGN_INS {
        assert!(
            store
                .authenticate(username, password)
                .await
                .unwrap()
                .is_some(),
            "{username}"
        );
    }
    // The demo community organisation has an inbox, showing only the consented fields.
    let ctx = linkwell::audit::AuditContext {
        actor_id: 1,
        actor_role: "vcse".into(),
        purpose: "test".into(),
        request_id: "test".into(),
    };
    let inbox = store
        .organisation_connections("Acorns Community Trust", &ctx)
        .await
        .unwrap();
    assert!(!inbox.is_empty());
    for connection in &inbox {
        let person = serde_json::to_value(&connection.person).unwrap();
        let mut keys: Vec<&str> = person
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort();
        assert_eq!(keys, ["name", "needs"]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(linkwell_postgres_tests),
    ignore = "set LINKWELL_TEST_POSTGRES_URL to run on PostgreSQL"
)]
async fn generates_into_postgres_too() {
    let (pg, _d) = generated(Backend::Postgres, 3_000, 11).await;
    let (lite, _l) = generated(Backend::Sqlite, 3_000, 11).await;
    assert_eq!(
        counts(&pg).await,
        counts(&lite).await,
        "same system on both databases"
    );
    // Identity sequences were moved past the generated ids, so new rows still insert.
    pg.create_service("After generation", "Org", "")
        .await
        .unwrap();
}

/// `linkwell demo` builds into an empty database (with its published sign-ins), uses a
/// complete demo as it is, and writes nothing into a database that holds anything else.
async fn the_demo_builds_an_empty_database_reuses_its_own_and_refuses_any_other(backend: Backend) {
    let data = linkwell::geo::default_data_dir();
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(backend, &dir).await;
    let mut announced = false;
    let built = open_or_build(&url, &data, 300, 5, || announced = true)
        .await
        .unwrap();
    assert!(announced, "the build is announced before it starts");
    let DemoDatabase::Built(report) = built else {
        panic!("an empty database is built")
    };
    assert_eq!(report.people, 300);
    let again = open_or_build(&url, &data, 300, 5, || panic!("built twice"))
        .await
        .unwrap();
    let DemoDatabase::Existing(population) = again else {
        panic!("a complete demo is used as it is")
    };
    assert!(
        population.starts_with("300 people, seed 5, as of "),
        "{population}"
    );
    let store = Store::connect(&url).await.unwrap();
    assert!(
        store
            .authenticate("linkworker", "demo-linkworker")
            .await
            .unwrap()
            .is_some(),
        "the demo has its published sign-ins"
    );
    store.close().await;

    let other_dir = tempfile::tempdir().unwrap();
    let other = fresh_database(backend, &other_dir).await;
    let store = Store::connect(&other).await.unwrap();
    store
        .create_user(&linkwell::store::NewUser {
            username: "real",
            display_name: "A real user",
            role: linkwell::auth::Role::Admin,
            team_id: None,
            organisation: None,
            password: None,
        })
        .await
        .unwrap();
    let refused = open_or_build(&other, &data, 300, 5, || panic!("never built")).await;
    assert!(
        refused
            .err()
            .is_some_and(|e| e.to_string().contains("is not a complete demo database")),
        "a database with other data is refused"
    );
    assert_eq!(
        store.count_rows("people").await.unwrap(),
        0,
        "nothing written"
    );
    assert!(store
        .meta(linkwell::demo::SYNTHETIC_POPULATION_KEY)
        .await
        .unwrap()
        .is_none());
    store.close().await;
}
