//! One fresh application per test, on a real SQLite file or a real PostgreSQL database.

use linkwell::app::{Application, Settings};
use linkwell::auth::Role;
use linkwell::store::{NewUser, Store};
use reqwest::StatusCode;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs a test body against SQLite always, and PostgreSQL when
/// `LINKWELL_TEST_POSTGRES_URL` was set when the tests were built (CI always sets it);
/// without it the PostgreSQL variant is reported as ignored, never as passed.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(
                not(linkwell_postgres_tests),
                ignore = "set LINKWELL_TEST_POSTGRES_URL to run on PostgreSQL"
            )]
            async fn postgres() {
                super::$name($crate::helpers::Backend::Postgres).await
            }
        }
    )*};
}

/// Runs the `linkwell` command line under test, as an operator would, and waits for it.
pub fn linkwell(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_linkwell"))
        .args(args)
        .output()
        .expect("run the linkwell binary")
}

pub fn postgres_admin_url() -> Option<String> {
    std::env::var("LINKWELL_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// A new, empty database for one test: a file in the test's folder on SQLite, a database of
/// its own on PostgreSQL, dropped when this value is (even if the test failed).
pub struct TestDatabase {
    pub url: String,
    /// The PostgreSQL database to drop, with the administrator URL to drop it through.
    postgres: Option<(String, String)>,
}

impl std::ops::Deref for TestDatabase {
    type Target = str;
    fn deref(&self) -> &str {
        &self.url
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((admin, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs inside the test's runtime, so the drop gets a runtime of its own on a thread.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let pool = sqlx::PgPool::connect(&admin).await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&pool)
                    .await?;
                pool.close().await;
                Ok::<_, sqlx::Error>(())
            })?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        })
        .join();
        if let Ok(Err(error)) = dropped {
            eprintln!("could not drop test database: {error}");
        }
    }
}

pub async fn fresh_database(backend: Backend, dir: &tempfile::TempDir) -> TestDatabase {
    match backend {
        Backend::Sqlite => TestDatabase {
            url: dir.path().join("test.db").display().to_string(),
            postgres: None,
        },
        Backend::Postgres => {
            let admin = postgres_admin_url().expect("LINKWELL_TEST_POSTGRES_URL");
            let name = format!("linkwell_test_{}", &linkwell::auth::new_secret("").0[..16]);
            let pool = sqlx::PgPool::connect(&admin)
                .await
                .expect("connect to PostgreSQL");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&pool)
                .await
                .expect("create database");
            pool.close().await;
            let (base, _) = admin.rsplit_once('/').expect("database url has a path");
            TestDatabase {
                url: format!("{base}/{name}"),
                postgres: Some((admin, name)),
            }
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub store: Store,
    pub service_id: i64,
    pub practice_id: i64,
    pub link_worker_id: i64,
    /// API tokens by who holds them.
    pub link_worker: String,
    pub other_team_worker: String,
    pub team_lead: String,
    pub referrer: String,
    pub analyst: String,
    pub vcse: String,
    pub volunteer: String,
    pub admin: String,
    pub database_url: String,
    _dir: tempfile::TempDir,
    _database: TestDatabase,
}

pub const LINK_WORKER_PASSWORD: &str = "a long test password";
/// The organisation running the test service; the VCSE test user belongs to it.
pub const SERVICE_ORGANISATION: &str = "Parks Trust";

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// A fresh application with some settings changed from the defaults.
pub async fn spawn_app_with(backend: Backend, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = fresh_database(backend, &dir).await;
    let database_url = database.url.clone();
    let mut settings = Settings::new(&database_url);
    // Each report reads the database afresh, so a test sees what it just wrote.
    settings.equity_refresh = std::time::Duration::ZERO;
    configure(&mut settings);
    let app = Application::build(settings, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("build app");
    let address = format!("http://127.0.0.1:{}", app.port());
    let store = app.state().store.clone();
    tokio::spawn(app.run_until_stopped());

    let team_id = store.create_team("Team A").await.unwrap();
    let other_team_id = store.create_team("Team B").await.unwrap();
    let practice_id = store
        .create_practice("M00001", "Test Surgery", None, Some(team_id))
        .await
        .unwrap();
    let user = |username: &'static str,
                role: Role,
                team: Option<i64>,
                password: Option<&'static str>| NewUser {
        username,
        display_name: username,
        role,
        team_id: team,
        organisation: None,
        password,
    };
    let link_worker_id = store
        .create_user(&user(
            "lw",
            Role::LinkWorker,
            Some(team_id),
            Some(LINK_WORKER_PASSWORD),
        ))
        .await
        .unwrap();
    let other = store
        .create_user(&user("lw-b", Role::LinkWorker, Some(other_team_id), None))
        .await
        .unwrap();
    let lead = store
        .create_user(&user("lead", Role::TeamLead, Some(team_id), None))
        .await
        .unwrap();
    let referrer = store
        .create_user(&user(
            "gp",
            Role::Referrer,
            None,
            Some(LINK_WORKER_PASSWORD),
        ))
        .await
        .unwrap();
    let analyst = store
        .create_user(&user(
            "analyst",
            Role::Analyst,
            None,
            Some(LINK_WORKER_PASSWORD),
        ))
        .await
        .unwrap();
    let mut others = Vec::new();
    for (name, role) in [
        ("vcse", Role::Vcse),
        ("volunteer", Role::Volunteer),
        ("admin", Role::Admin),
    ] {
        let mut new_user = user(name, role, None, None);
        if role == Role::Vcse {
            new_user.organisation = Some(SERVICE_ORGANISATION);
            new_user.password = Some(LINK_WORKER_PASSWORD);
        }
        let id = store.create_user(&new_user).await.unwrap();
        others.push(store.create_api_token(id, "test").await.unwrap());
    }
    let service = store
        .create_service("Walking group", SERVICE_ORGANISATION, "Weekly walks")
        .await
        .unwrap();
    TestApp {
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        link_worker: store
            .create_api_token(link_worker_id, "test")
            .await
            .unwrap(),
        other_team_worker: store.create_api_token(other, "test").await.unwrap(),
        team_lead: store.create_api_token(lead, "test").await.unwrap(),
        referrer: store.create_api_token(referrer, "test").await.unwrap(),
        analyst: store.create_api_token(analyst, "test").await.unwrap(),
        admin: others.pop().unwrap(),
        volunteer: others.pop().unwrap(),
        vcse: others.pop().unwrap(),
        store,
        service_id: service.id,
        practice_id,
        link_worker_id,
        database_url,
        _dir: dir,
        _database: database,
    }
}

impl TestApp {
    pub async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        let response = self
            .client
            .post(format!("{}/api/v1{path}", self.address))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("request");
        read(response).await
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        let response = self
            .client
            .get(format!("{}/api/v1{path}", self.address))
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        read(response).await
    }

    pub async fn count(&self, table: &str) -> i64 {
        self.store.count_rows(table).await.unwrap()
    }

    /// Registers a person at a postcode and refers them; returns (person, referral).
    pub async fn person_with_referral(&self, postcode: &str) -> (Value, Value) {
        let (status, person) = self
            .post("/people", &self.link_worker, person_body(postcode))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{person}");
        let (status, referral) = self
            .post(
                "/referrals",
                &self.link_worker,
                serde_json::json!({"person_id": person["id"], "referrer_kind": "gp", "reason": "Lonely since moving"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{referral}");
        (person, referral)
    }
}

pub fn person_body(postcode: &str) -> Value {
    serde_json::json!({
        "nhs_number": null,
        "given_name": "Ada",
        "family_name": "Lovelace",
        "date_of_birth": "1950-12-10",
        "sex": "female",
        "ethnicity": "white",
        "postcode": postcode,
        "plus_groups": ["carer"],
        "conditions": ["hypertension"]
    })
}

async fn read(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let text = response.text().await.expect("body");
    if status.is_client_error() {
        assert_eq!(
            content_type, "application/problem+json",
            "4xx must be a problem document: {text}"
        );
    }
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, value)
}

/// Asserts a response is an RFC 9457 problem document with this status.
pub fn assert_problem(status: StatusCode, body: &Value, expected: StatusCode) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["status"], expected.as_u16(), "{body}");
    assert!(
        body["type"].is_string() && body["title"].is_string() && body["detail"].is_string(),
        "{body}"
    );
}

impl TestApp {
    /// Runs SQL with one time bound as `$1`, behind the application's back (to make time
    /// pass for sessions, tokens and links without waiting).
    pub async fn execute_at(&self, sql: &str, at: chrono::DateTime<chrono::Utc>) {
        match &self.store {
            Store::Sqlite { write, .. } => {
                sqlx::query(sql).bind(at).execute(write).await.unwrap();
            }
            Store::Postgres(pool) => {
                sqlx::query(sql).bind(at).execute(pool).await.unwrap();
            }
        }
    }

    /// Runs raw SQL behind the application's back (to simulate corruption or tampering).
    pub async fn execute(&self, sql: &str) {
        match &self.store {
            Store::Sqlite { write, .. } => {
                sqlx::query(sql).execute(write).await.unwrap();
            }
            Store::Postgres(pool) => {
                sqlx::query(sql).execute(pool).await.unwrap();
            }
        }
    }
}

impl TestApp {
    /// Records the person's consent to share their name and needs with the service's
    /// organisation, as a link worker must before connecting them.
    pub async fn consent_to_share(
        &self,
        referral_id: &serde_json::Value,
        token: &str,
    ) -> serde_json::Value {
        let (status, consent) = self
            .post(
                &format!("/referrals/{referral_id}/consents"),
                token,
                serde_json::json!({"organisation": SERVICE_ORGANISATION, "share": ["name", "needs"], "method": "verbal"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{consent}");
        consent
    }
}

impl TestApp {
    /// The OpenAPI document, as a signed-in client gets it.
    pub async fn openapi(&self) -> serde_json::Value {
        let (status, doc) = self.get("/openapi.json", &self.link_worker).await;
        assert_eq!(status, StatusCode::OK);
        doc
    }
}
