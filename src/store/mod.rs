//! Durable storage: SQLite by default, PostgreSQL when the URL says so.
//!
//! One `Store` enum with a variant per backend. Queries are written once as SQL text that
//! both engines accept (`$1` parameters, `RETURNING`), and the `on_reader!`/`on_writer!` macros expand
//! the same code against each pool type, so there is no `AnyPool` and no per-backend drift.
//! SQLite writes go through a single-connection pool: one writer at a time never meets
//! `SQLITE_BUSY`, and reads run in parallel beside it under WAL.

/// The referrals published figures count (activity, equity, capacity, evaluation): all but
/// those closed as entered in error, duplicates that were never care (issue 15, item 4).
/// Written for a `referrals` table aliased `r`.
pub(crate) const COUNTED_REFERRAL: &str =
    "NOT (r.state = 'closed' AND COALESCE(r.close_reason, '') = 'entered_in_error')";

pub mod accounts;
pub mod activity;
pub mod appointments;
pub mod audit;
pub mod bulk;
mod capacity;
mod caseload;
mod concerns;
mod connections;
mod consent;
mod contacts;
pub mod directory;
pub mod equity;
pub mod erasure;
mod error;
mod evaluations;
mod fhir;
mod handover;
mod identity_match;
mod intake;
mod measures;
pub mod messages;
mod needs_goals;
pub(crate) mod outbox;
pub(crate) mod people;
mod programmes;
mod referrals;
mod scope;
mod self_referral;
pub mod service_use;
mod sign_in;
pub mod team;
mod transitions;
mod users;
pub mod visits;

pub use error::{Refusal, StoreError, StoreResult};
pub use identity_match::MatchOutcome;
pub use self_referral::SelfReferralPlace;

// The input types live in the domain; these paths stay for callers not yet moved to them
// (pages and commands being reorganised on other branches).
pub use crate::accounts::NewUser;
pub use crate::consent::{ConsentBasis, NewConnection};
pub use crate::people::NewPerson;
pub use crate::referrals::{CaseloadFilter, NewContact, NewMeasure};

use anyhow::Context;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;

/// How busy one connection pool is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUse {
    pub pool: &'static str,
    pub open: u32,
    pub idle: u32,
}

#[derive(Clone, Debug)]
pub enum Store {
    Sqlite { read: SqlitePool, write: SqlitePool },
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to a pool that may be read from.
macro_rules! on_reader {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store {
            $crate::store::Store::Sqlite { read: $pool, .. } => $body,
            $crate::store::Store::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` with `$pool` bound to the pool that writes go through.
macro_rules! on_writer {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store {
            $crate::store::Store::Sqlite { write: $pool, .. } => $body,
            $crate::store::Store::Postgres($pool) => $body,
        }
    };
}
pub(crate) use {on_reader, on_writer};

/// Which engine a database URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

impl Store {
    /// Opens (creating if needed) the database and brings its schema up to date.
    pub async fn connect(url: &str) -> anyhow::Result<Store> {
        let store = match Backend::of(url) {
            Backend::Postgres => {
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect(url)
                    .await
                    .context("connecting to PostgreSQL")?;
                sqlx::migrate!("migrations/postgres")
                    .run(&pool)
                    .await
                    .context("migrating PostgreSQL")?;
                Store::Postgres(pool)
            }
            Backend::Sqlite => {
                let path = url
                    .strip_prefix("sqlite://")
                    .or_else(|| url.strip_prefix("sqlite:"))
                    .unwrap_or(url);
                // Synchronous FULL with WAL: a commit is on disk before it is acknowledged.
                let options = SqliteConnectOptions::from_str(&format!("sqlite:{path}"))?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10));
                let write = SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_with(options.clone())
                    .await
                    .with_context(|| format!("opening SQLite database {path}"))?;
                sqlx::migrate!("migrations/sqlite")
                    .run(&write)
                    .await
                    .context("migrating SQLite")?;
                let read = SqlitePoolOptions::new()
                    .max_connections(8)
                    .connect_with(options.create_if_missing(false).read_only(true))
                    .await?;
                Store::Sqlite { read, write }
            }
        };
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        match self {
            Store::Sqlite { .. } => Backend::Sqlite,
            Store::Postgres(_) => Backend::Postgres,
        }
    }

    /// A cheap round trip, for health checks.
    pub async fn ping(&self) -> anyhow::Result<()> {
        on_reader!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Each connection pool's open and idle connections, for the operators' metrics.
    pub fn pool_use(&self) -> Vec<PoolUse> {
        fn of<DB: sqlx::Database>(name: &'static str, pool: &sqlx::Pool<DB>) -> PoolUse {
            PoolUse {
                pool: name,
                open: pool.size(),
                idle: pool.num_idle() as u32,
            }
        }
        match self {
            Store::Sqlite { read, write } => vec![of("read", read), of("write", write)],
            Store::Postgres(pool) => vec![of("main", pool)],
        }
    }

    pub async fn close(&self) {
        match self {
            Store::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            Store::Postgres(pool) => pool.close().await,
        }
    }

    /// True when the database holds no people and no users yet.
    pub async fn is_empty(&self) -> anyhow::Result<bool> {
        let (n,): (i64,) = on_reader!(self, pool => sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM people) + (SELECT COUNT(*) FROM users)").fetch_one(pool).await)?;
        Ok(n == 0)
    }

    pub async fn meta(&self, key: &str) -> anyhow::Result<Option<String>> {
        let row: Option<(String,)> = on_reader!(self, pool => sqlx::query_as("SELECT value FROM meta WHERE key = $1")
            .bind(key).fetch_optional(pool).await)?;
        Ok(row.map(|r| r.0))
    }

    pub async fn set_meta(&self, key: &str, value: &str) -> anyhow::Result<()> {
        on_writer!(self, pool => sqlx::query(
            "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key).bind(value).execute(pool).await.map(|_| ()))?;
        Ok(())
    }
}

/// Tables whose rows may be counted (a fixed list, so no SQL is built from input).
pub const COUNTABLE_TABLES: [&str; 19] = [
    "people",
    "referrals",
    "referral_events",
    "contacts",
    "needs",
    "goals",
    "goal_progress",
    "barriers",
    "measures",
    "connections",
    "connection_events",
    "connection_messages",
    "services",
    "consents",
    "audit_log",
    "fhir_identifiers",
    "self_referrals",
    "concerns",
    "service_use",
];

impl Store {
    /// Row count of one of [`COUNTABLE_TABLES`]; used by tests and the demo summary.
    pub async fn count_rows(&self, table: &str) -> anyhow::Result<i64> {
        anyhow::ensure!(
            COUNTABLE_TABLES.contains(&table),
            "not a countable table: {table}"
        );
        let sql = format!("SELECT COUNT(*) FROM {table}");
        let (n,): (i64,) = on_reader!(self, pool => sqlx::query_as(&sql).fetch_one(pool).await)?;
        Ok(n)
    }
}

/// How a write transaction starts on each backend. SQLite takes the write lock up front
/// (`BEGIN IMMEDIATE`): a deferred transaction that reads and then writes cannot wait for a
/// writer in another process and fails with `SQLITE_BUSY`, while an immediate one waits
/// out the busy timeout like any other writer.
pub(crate) trait WriteTransaction {
    const BEGIN: &'static str;
}

impl WriteTransaction for SqlitePool {
    const BEGIN: &'static str = "BEGIN IMMEDIATE";
}

impl WriteTransaction for PgPool {
    const BEGIN: &'static str = "BEGIN";
}

pub(crate) fn begin_statement<P: WriteTransaction>(_: &P) -> &'static str {
    P::BEGIN
}
