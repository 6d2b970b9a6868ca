//! Checking the details sent with an NHS number against the person on file, with each
//! user's refusals counted (see `crate::intake::subject_for`).
//!
//! The check runs inside one write transaction that first takes the user's counter row
//! (an UPSERT: a row lock in PostgreSQL, the single writer in SQLite), so concurrent
//! attempts by one user queue behind each other: each sees every refusal before it, and
//! no more than the limit of mismatches is ever compared, whatever the concurrency and
//! however many server instances there are. Matches do not count against the limit.

use super::audit::{append_audit, now_text, time_text};
use super::{on_writer, Store};
use crate::audit::{AuditAction, AuditContext};
use chrono::{Duration, NaiveDate, Utc};

/// What checking the details sent with an NHS number found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchOutcome {
    /// Nobody on file has the number.
    NotOnFile,
    /// The person on file, whose details `accept` accepted.
    Matched(i64),
    /// Someone on file has the number but `accept` refused their details (audited, counted).
    Refused,
    /// The user has reached the limit: nothing was looked up (audited).
    Throttled,
}

impl Store {
    /// Looks up the person registered with `nhs_digits` and asks `accept` whether the
    /// family name and date of birth on file are the ones sent. Refusals are audited
    /// against the person tried (never the details sent) and counted for the actor; once
    /// `limit` are counted within `window`, every attempt is throttled until it passes.
    pub async fn match_identity(
        &self,
        actor: &AuditContext,
        nhs_digits: &str,
        limit: i64,
        window: Duration,
        accept: impl FnOnce(&str, NaiveDate) -> bool,
    ) -> anyhow::Result<MatchOutcome> {
        let now = now_text();
        let expired = time_text(Utc::now() - window);
        let outcome = on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            // Take this user's counter first: concurrent attempts wait here.
            let (refusals,): (i64,) = sqlx::query_as(
                "INSERT INTO identity_match_attempts (user_id, window_start, attempts) VALUES ($1, $2, 0) \
                 ON CONFLICT (user_id) DO UPDATE SET \
                   attempts = CASE WHEN identity_match_attempts.window_start <= $3 THEN 0 \
                              ELSE identity_match_attempts.attempts END \
                 RETURNING CAST(attempts AS BIGINT)")
                .bind(actor.actor_id).bind(&now).bind(&expired).fetch_one(&mut *tx).await?;
            let outcome = if refusals >= limit {
                append_audit!(tx, actor, AuditAction::MatchRefused, "person", None::<i64>, None::<i64>);
                MatchOutcome::Throttled
            } else {
                let on_file: Option<(i64, String, NaiveDate)> = sqlx::query_as(
                    "SELECT id, family_name, date_of_birth FROM people WHERE nhs_number = $1")
                    .bind(nhs_digits).fetch_optional(&mut *tx).await?;
                match on_file {
                    None => MatchOutcome::NotOnFile,
                    Some((id, family_name, born)) if accept(&family_name, born) => MatchOutcome::Matched(id),
                    Some((id, _, _)) => {
                        // The window runs from the first refusal in it.
                        sqlx::query(
                            "UPDATE identity_match_attempts SET attempts = attempts + 1, \
                             window_start = CASE WHEN attempts = 0 THEN $2 ELSE window_start END WHERE user_id = $1")
                            .bind(actor.actor_id).bind(&now).execute(&mut *tx).await?;
                        append_audit!(tx, actor, AuditAction::MatchRefused, "person", Some(id), Some(id));
                        MatchOutcome::Refused
                    }
                }
            };
            tx.commit().await?;
            outcome
        });
        if matches!(outcome, MatchOutcome::Refused | MatchOutcome::Throttled) {
            tracing::warn!(user = actor.actor_id, ?outcome, "identity match refused");
        }
        Ok(outcome)
    }
}
