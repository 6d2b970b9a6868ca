//! Sign-in counters: counted and decided under a row lock, before any password is checked.

use super::audit::time_text;
use super::{on_writer, Backend, Store};
use crate::auth::throttle::{self, Counter, SignInLimits, Verdict};
use chrono::{DateTime, Utc};

fn parse_time(text: &str) -> anyhow::Result<DateTime<Utc>> {
    Ok(DateTime::parse_from_rfc3339(text)?.with_timezone(&Utc))
}

impl Store {
    /// Counts one sign-in attempt against each key (an account's and an address's) and
    /// says whether its password may be checked. The counters are read, decided on and
    /// written in one transaction holding their rows (PostgreSQL `FOR UPDATE`; SQLite's
    /// single writer), so parallel attempts are decided one after another and never all
    /// see "under the limit". A refused attempt is not counted: it checked nothing.
    pub async fn count_sign_in_attempt(
        &self,
        account_key: &str,
        address_key: &str,
        now: DateTime<Utc>,
        limits: &SignInLimits,
    ) -> anyhow::Result<Verdict> {
        // Rows are created and locked in key order, so two attempts never wait on each other.
        let mut keys = [account_key, address_key];
        keys.sort_unstable();
        let lock = match self.backend() {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        let select = format!(
            "SELECT throttle_key, failures, window_start, last_failure FROM sign_in_counters \
             WHERE throttle_key IN ($1, $2) ORDER BY throttle_key{lock}"
        );
        let now_text = time_text(now);
        // Forgetting old counters is housekeeping: outside the transaction, skipping rows
        // another attempt holds (so it never waits on one, and two can never deadlock), and a
        // failure does not stop the sign-in.
        let stale = time_text(limits.stale_before(now));
        let tidy = match self.backend() {
            Backend::Postgres => {
                "DELETE FROM sign_in_counters WHERE throttle_key IN \
                 (SELECT throttle_key FROM sign_in_counters WHERE last_failure < $1 FOR UPDATE SKIP LOCKED)"
            }
            Backend::Sqlite => "DELETE FROM sign_in_counters WHERE last_failure < $1",
        };
        let tidied = on_writer!(self, pool => sqlx::query(tidy)
            .bind(&stale).execute(pool).await.map(|_| ()));
        if let Err(e) = tidied {
            tracing::warn!(error = %e, "old sign-in counters not removed this time");
        }
        let verdict = on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            for key in keys {
                // An empty counter whose window starts now, so that there is a row to lock.
                sqlx::query(
                    "INSERT INTO sign_in_counters (throttle_key, failures, window_start, last_failure) \
                     VALUES ($1, 0, $2, $2) ON CONFLICT (throttle_key) DO NOTHING")
                    .bind(key).bind(&now_text).execute(&mut *tx).await?;
            }
            let rows: Vec<(String, i64, String, String)> = sqlx::query_as(&select)
                .bind(keys[0]).bind(keys[1]).fetch_all(&mut *tx).await?;
            let mut account = None;
            let mut address = None;
            for (key, failures, window_start, last_failure) in rows {
                let counter = Counter {
                    failures,
                    window_start: parse_time(&window_start)?,
                    last_failure: parse_time(&last_failure)?,
                };
                if key == account_key {
                    account = Some(counter);
                }
                if key == address_key {
                    address = Some(counter);
                }
            }
            let verdict = throttle::decide(account.as_ref(), address.as_ref(), now, limits);
            if verdict == Verdict::Check {
                for (key, counter) in [(account_key, account), (address_key, address)] {
                    let counted = Counter::counted(counter.as_ref(), now, limits);
                    sqlx::query(
                        "UPDATE sign_in_counters SET failures = $1, window_start = $2, last_failure = $3 \
                         WHERE throttle_key = $4")
                        .bind(counted.failures).bind(time_text(counted.window_start))
                        .bind(time_text(counted.last_failure)).bind(key)
                        .execute(&mut *tx).await?;
                }
            }
            tx.commit().await?;
            verdict
        });
        Ok(verdict)
    }

    /// Forgets the failures counted against these keys: after a successful sign-in (only
    /// failures count), or when an administrator unlocks an account.
    pub async fn clear_sign_in_failures(&self, keys: &[&str]) -> anyhow::Result<()> {
        on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            for key in keys {
                sqlx::query("DELETE FROM sign_in_counters WHERE throttle_key = $1")
                    .bind(*key).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The account keys whose failures refuse them now (for the administration page).
    pub async fn locked_account_keys(
        &self,
        now: DateTime<Utc>,
        limits: &SignInLimits,
    ) -> anyhow::Result<std::collections::HashSet<String>> {
        let rows: Vec<(String, i64, String, String)> = super::on_reader!(self, pool => sqlx::query_as(
            "SELECT throttle_key, failures, window_start, last_failure FROM sign_in_counters \
             WHERE throttle_key LIKE 'account:%' AND failures >= $1")
            .bind(limits.per_account).fetch_all(pool).await)?;
        let mut locked = std::collections::HashSet::new();
        for (key, failures, window_start, last_failure) in rows {
            let counter = Counter {
                failures,
                window_start: parse_time(&window_start)?,
                last_failure: parse_time(&last_failure)?,
            };
            if matches!(
                throttle::decide(Some(&counter), None, now, limits),
                Verdict::AccountLocked { .. }
            ) {
                locked.insert(key);
            }
        }
        Ok(locked)
    }
}
