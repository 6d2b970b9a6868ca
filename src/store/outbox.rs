//! The GP outbox and the practices' delivery endpoints (docs/gp-record.md). Rows are queued
//! by [`enqueue_gp_message_in!`] inside the transaction that records the event, so an event
//! and its message are written together or not at all; workers then lease rows one at a
//! time. On PostgreSQL the lease skips rows another worker has locked (`FOR UPDATE SKIP
//! LOCKED`); SQLite has one writer, so its lease is serialised anyway.

use super::audit::append_audit;
use super::error::{StoreError, StoreResult};
use super::referrals::code;
use super::{on_reader, on_writer, Backend, Store};
use crate::audit::{AuditAction, AuditContext};
use crate::outbox::{
    Endpoint, EndpointKind, LeasedMessage, OutboxCounts, OutboxEntry, OutboxEvent, OutboxStatus,
    Requeue,
};
use chrono::{DateTime, Utc};
use std::path::PathBuf;

/// Inside the caller's write transaction: queues the GP message for one event of a referral,
/// addressed to the person's practice as it is now. Nothing is queued for a person with no
/// practice (the message has nowhere to go), and an event queued before is not queued again.
macro_rules! enqueue_gp_message_in {
    ($tx:expr, $event:expr, $table:expr, $row_id:expr, $referral_id:expr, $now:expr) => {{
        let event: $crate::outbox::OutboxEvent = $event;
        let now: chrono::DateTime<chrono::Utc> = $now;
        sqlx::query(
            "INSERT INTO gp_outbox (event, event_key, referral_id, practice_id, created_at, status, attempts, next_attempt_at) \
             SELECT $1, $2, r.id, p.practice_id, $3, 'pending', 0, $3 FROM referrals r JOIN people p ON p.id = r.person_id \
             WHERE r.id = $4 AND p.practice_id IS NOT NULL ON CONFLICT (event_key) DO NOTHING")
            .bind(event.code()).bind(event.key($table, $row_id)).bind(now).bind($referral_id)
            .execute(&mut *$tx).await?;
    }};
}
pub(crate) use enqueue_gp_message_in;

const LEASE_SQLITE: &str = "UPDATE gp_outbox SET leased_until = $1, lease_holder = $2 WHERE id = ( \
    SELECT o.id FROM gp_outbox o JOIN practice_endpoints pe ON pe.practice_id = o.practice_id \
    WHERE o.status = 'pending' AND o.next_attempt_at <= $3 AND (o.leased_until IS NULL OR o.leased_until < $3) \
    ORDER BY o.next_attempt_at, o.id LIMIT 1) \
    RETURNING id, event, event_key, referral_id, practice_id, attempts";

/// The same, with the row locked and rows locked by another worker skipped: two workers
/// asking at once take two different rows, never the same one.
const LEASE_POSTGRES: &str = "UPDATE gp_outbox SET leased_until = $1, lease_holder = $2 WHERE id = ( \
    SELECT o.id FROM gp_outbox o JOIN practice_endpoints pe ON pe.practice_id = o.practice_id \
    WHERE o.status = 'pending' AND o.next_attempt_at <= $3 AND (o.leased_until IS NULL OR o.leased_until < $3) \
    ORDER BY o.next_attempt_at, o.id LIMIT 1 FOR UPDATE OF o SKIP LOCKED) \
    RETURNING id, event, event_key, referral_id, practice_id, attempts";

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: i64,
    event: String,
    event_key: String,
    referral_id: i64,
    practice_code: String,
    status: String,
    attempts: i32,
    created_at: DateTime<Utc>,
    next_attempt_at: DateTime<Utc>,
    last_attempt_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
    delivered_at: Option<DateTime<Utc>>,
    has_endpoint: bool,
}

impl Store {
    /// Takes the next message due (one whose practice has an endpoint), holding it until
    /// `leased_until`; `None` when nothing is due.
    pub async fn lease_gp_message(
        &self,
        holder: &str,
        now: DateTime<Utc>,
        leased_until: DateTime<Utc>,
    ) -> StoreResult<Option<LeasedMessage>> {
        let sql = match self.backend() {
            Backend::Sqlite => LEASE_SQLITE,
            Backend::Postgres => LEASE_POSTGRES,
        };
        let row: Option<(i64, String, String, i64, i64, i32)> = on_writer!(self, pool =>
            sqlx::query_as(sql).bind(leased_until).bind(holder).bind(now).fetch_optional(pool).await)?;
        row.map(
            |(id, event, event_key, referral_id, practice_id, attempts)| {
                Ok(LeasedMessage {
                    id,
                    event: code(OutboxEvent::from_code, &event)?,
                    event_key,
                    referral_id,
                    practice_id,
                    attempts: attempts.max(0) as u32,
                    holder: holder.to_string(),
                })
            },
        )
        .transpose()
        .map_err(StoreError::Database)
    }

    /// Records a delivery, and the disclosure to the practice in the audit log, if the
    /// caller still holds the lease; false when it had lost it (nothing is changed).
    pub async fn gp_message_delivered(
        &self,
        message: &LeasedMessage,
        person_id: i64,
        now: DateTime<Utc>,
        ctx: &AuditContext,
    ) -> StoreResult<bool> {
        on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            let done = sqlx::query(
                "UPDATE gp_outbox SET status = 'delivered', attempts = attempts + 1, delivered_at = $1, last_attempt_at = $1, \
                 last_error = NULL, leased_until = NULL, lease_holder = NULL \
                 WHERE id = $2 AND lease_holder = $3 AND status = 'pending'")
                .bind(now).bind(message.id).bind(&message.holder).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            append_audit!(tx, ctx, AuditAction::Read, "gp_message", Some(message.id), Some(person_id));
            tx.commit().await?;
        });
        Ok(true)
    }

    /// Records a failed try: to be tried again at `retry_at`, or (`None`) a dead letter.
    pub async fn gp_message_failed(
        &self,
        message: &LeasedMessage,
        error: &str,
        now: DateTime<Utc>,
        retry_at: Option<DateTime<Utc>>,
    ) -> StoreResult<bool> {
        let status = if retry_at.is_some() {
            OutboxStatus::Pending
        } else {
            OutboxStatus::Dead
        };
        let error: String = error.chars().take(500).collect();
        let done = on_writer!(self, pool => sqlx::query(
            "UPDATE gp_outbox SET status = $1, attempts = attempts + 1, last_error = $2, last_attempt_at = $3, \
             next_attempt_at = $4, leased_until = NULL, lease_holder = NULL \
             WHERE id = $5 AND lease_holder = $6 AND status = 'pending'")
            .bind(status.code()).bind(error).bind(now).bind(retry_at.unwrap_or(now)).bind(message.id).bind(&message.holder)
            .execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }

    /// Sends dead letters again: each chosen dead row is pending once more, due now, with a
    /// fresh set of tries (its last error kept until the next try), and an audit record of the
    /// change, all in one transaction. A message about a person since erased stays dead (it
    /// would carry the tombstone). Returns the ids re-queued; none when nothing matched.
    pub async fn requeue_dead_gp_messages(
        &self,
        which: &Requeue,
        now: DateTime<Utc>,
        ctx: &AuditContext,
    ) -> StoreResult<Vec<i64>> {
        const CHOOSE: &str =
            "SELECT o.id, r.person_id FROM gp_outbox o JOIN referrals r ON r.id = o.referral_id \
            JOIN people p ON p.id = r.person_id JOIN practices pr ON pr.id = o.practice_id \
            WHERE o.status = 'dead' AND p.erased_at IS NULL";
        let ids = on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            let chosen: Vec<(i64, i64)> = match which {
                Requeue::Message(id) => sqlx::query_as(&format!("{CHOOSE} AND o.id = $1"))
                    .bind(*id).fetch_all(&mut *tx).await?,
                Requeue::Practice(code) => sqlx::query_as(&format!("{CHOOSE} AND pr.code = $1 ORDER BY o.id"))
                    .bind(code).fetch_all(&mut *tx).await?,
            };
            let mut ids = Vec::with_capacity(chosen.len());
            for (id, person_id) in chosen {
                sqlx::query(
                    "UPDATE gp_outbox SET status = 'pending', attempts = 0, next_attempt_at = $1, \
                     leased_until = NULL, lease_holder = NULL WHERE id = $2 AND status = 'dead'")
                    .bind(now).bind(id).execute(&mut *tx).await?;
                append_audit!(tx, ctx, AuditAction::Update, "gp_message", Some(id), Some(person_id));
                ids.push(id);
            }
            tx.commit().await?;
            ids
        });
        Ok(ids)
    }

    /// Whether a practice with this ODS code exists.
    pub async fn practice_exists(&self, code: &str) -> StoreResult<bool> {
        let row: Option<(i64,)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT id FROM practices WHERE code = $1").bind(code).fetch_optional(pool).await)?;
        Ok(row.is_some())
    }

    /// How many messages are pending, retrying, dead and delivered.
    pub async fn gp_outbox_counts(&self) -> StoreResult<OutboxCounts> {
        let rows: Vec<(String, bool, i64)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT status, attempts > 0, COUNT(*) FROM gp_outbox GROUP BY status, attempts > 0")
            .fetch_all(pool).await)?;
        let mut counts = OutboxCounts::default();
        for (status, tried, n) in rows {
            match (code(OutboxStatus::from_code, &status)?, tried) {
                (OutboxStatus::Pending, false) => counts.pending += n,
                (OutboxStatus::Pending, true) => counts.retrying += n,
                (OutboxStatus::Dead, _) => counts.dead += n,
                (OutboxStatus::Delivered, _) => counts.delivered += n,
            }
        }
        Ok(counts)
    }

    /// The most recent rows in one status, newest first.
    pub async fn gp_outbox_entries(
        &self,
        status: OutboxStatus,
        limit: i64,
    ) -> StoreResult<Vec<OutboxEntry>> {
        let rows: Vec<EntryRow> = on_reader!(self, pool => sqlx::query_as(
            "SELECT o.id, o.event, o.event_key, o.referral_id, pr.code AS practice_code, o.status, o.attempts, o.created_at, \
             o.next_attempt_at, o.last_attempt_at, o.last_error, o.delivered_at, \
             EXISTS (SELECT 1 FROM practice_endpoints pe WHERE pe.practice_id = o.practice_id) AS has_endpoint \
             FROM gp_outbox o JOIN practices pr ON pr.id = o.practice_id WHERE o.status = $1 ORDER BY o.id DESC LIMIT $2")
            .bind(status.code()).bind(limit).fetch_all(pool).await)?;
        rows.into_iter()
            .map(|r| {
                Ok(OutboxEntry {
                    id: r.id,
                    event: code(OutboxEvent::from_code, &r.event)?,
                    event_key: r.event_key,
                    referral_id: r.referral_id,
                    practice_code: r.practice_code,
                    status: code(OutboxStatus::from_code, &r.status)?,
                    attempts: r.attempts.max(0) as u32,
                    created_at: r.created_at,
                    next_attempt_at: r.next_attempt_at,
                    last_attempt_at: r.last_attempt_at,
                    last_error: r.last_error,
                    delivered_at: r.delivered_at,
                    has_endpoint: r.has_endpoint,
                })
            })
            .collect::<anyhow::Result<_>>()
            .map_err(StoreError::Database)
    }

    /// Sets (or replaces) where a practice's messages go; the practice is named by its ODS
    /// code. Not found when no practice has the code.
    pub async fn set_practice_endpoint(
        &self,
        practice_code: &str,
        endpoint: &Endpoint,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let (address, mailbox_id, workflow_id) = match endpoint {
            Endpoint::Fhir { url } => (url.clone(), None, None),
            Endpoint::Mailbox {
                folder,
                mailbox_id,
                workflow_id,
            } => (
                folder.display().to_string(),
                Some(mailbox_id.clone()),
                workflow_id.clone(),
            ),
        };
        let done = on_writer!(self, pool => sqlx::query(
            "INSERT INTO practice_endpoints (practice_id, kind, address, mailbox_id, workflow_id, updated_at) \
             SELECT id, $1, $2, $3, $4, $5 FROM practices WHERE code = $6 \
             ON CONFLICT (practice_id) DO UPDATE SET kind = excluded.kind, address = excluded.address, \
             mailbox_id = excluded.mailbox_id, workflow_id = excluded.workflow_id, updated_at = excluded.updated_at")
            .bind(endpoint.kind().code()).bind(address).bind(mailbox_id).bind(workflow_id).bind(now).bind(practice_code)
            .execute(pool).await.map(|r| r.rows_affected()))?;
        if done == 0 {
            return Err(StoreError::not_found("practice"));
        }
        Ok(())
    }

    /// Where a practice's messages go, if anywhere.
    pub async fn practice_endpoint(&self, practice_id: i64) -> StoreResult<Option<Endpoint>> {
        let row: Option<(String, String, Option<String>, Option<String>)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT kind, address, mailbox_id, workflow_id FROM practice_endpoints WHERE practice_id = $1")
            .bind(practice_id).fetch_optional(pool).await)?;
        row.map(|(kind, address, mailbox_id, workflow_id)| {
            Ok(match code(EndpointKind::from_code, &kind)? {
                EndpointKind::Fhir => Endpoint::Fhir { url: address },
                EndpointKind::Mailbox => Endpoint::Mailbox {
                    folder: PathBuf::from(address),
                    mailbox_id: mailbox_id.unwrap_or_default(),
                    workflow_id,
                },
            })
        })
        .transpose()
        .map_err(StoreError::Database)
    }

    /// This installation's namespace for message ids: made once (a random UUID) and kept in
    /// `meta`, so every server and command derives the same id for one event.
    pub async fn gp_message_namespace(&self) -> StoreResult<uuid::Uuid> {
        let fresh = uuid::Uuid::from_bytes(rand::random::<[u8; 16]>()).to_string();
        on_writer!(self, pool => sqlx::query(
            "INSERT INTO meta (key, value) VALUES ('gp_message_namespace', $1) ON CONFLICT (key) DO NOTHING")
            .bind(&fresh).execute(pool).await.map(|_| ()))?;
        let (value,): (String,) = on_writer!(self, pool => sqlx::query_as(
            "SELECT value FROM meta WHERE key = 'gp_message_namespace'").fetch_one(pool).await)?;
        uuid::Uuid::parse_str(&value)
            .map_err(|e| StoreError::Database(anyhow::anyhow!("gp_message_namespace: {e}")))
    }

    /// The code and name of a practice.
    pub async fn practice_code_and_name(&self, practice_id: i64) -> StoreResult<(String, String)> {
        let row: Option<(String, String)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT code, name FROM practices WHERE id = $1").bind(practice_id).fetch_optional(pool).await)?;
        row.ok_or(StoreError::not_found("practice"))
    }

    /// The team holding a referral (whose scope the message is built in) and its person.
    pub async fn referral_team_and_person(
        &self,
        referral_id: i64,
    ) -> StoreResult<(Option<i64>, i64)> {
        let row: Option<(Option<i64>, i64)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT team_id, person_id FROM referrals WHERE id = $1").bind(referral_id).fetch_optional(pool).await)?;
        row.ok_or(StoreError::not_found("referral"))
    }
}
