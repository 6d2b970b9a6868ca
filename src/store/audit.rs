//! Appending to and reading the hash-chained audit log.

use super::{on_reader, on_writer, Store};
use crate::audit::{self, AuditAction, AuditContext, AuditRecord, ChainBreak, GENESIS};

/// A time as stored in text columns (audit log, sign-in failures): RFC 3339 UTC with
/// microseconds, fixed width, so it hashes the same on every engine and sorts as text.
pub fn time_text(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

pub fn now_text() -> String {
    time_text(chrono::Utc::now())
}

/// Appends one audit record inside the caller's write transaction, so the change and its
/// record commit together. The no-op UPDATE of the chain head takes its lock (PostgreSQL;
/// SQLite write transactions are already serial), so concurrent appends cannot fork the chain.
macro_rules! append_audit {
    ($tx:expr, $ctx:expr, $action:expr, $record_type:expr, $record_id:expr, $person_id:expr) => {{
        let (last_id, last_hash): (i64, String) = sqlx::query_as(
            "UPDATE audit_head SET last_id = last_id WHERE id = 1 RETURNING last_id, last_hash",
        )
        .fetch_one(&mut *$tx)
        .await?;
        let mut record = $crate::audit::AuditRecord {
            id: last_id + 1,
            at: $crate::store::audit::now_text(),
            // 0: the server's operator at the command line, who has no account.
            actor_id: ($ctx.actor_id > 0).then_some($ctx.actor_id),
            actor_role: $ctx.actor_role.clone(),
            action: $action.code().to_string(),
            record_type: $record_type.to_string(),
            record_id: $record_id,
            person_id: $person_id,
            purpose: $ctx.purpose.clone(),
            request_id: $ctx.request_id.clone(),
            prev_hash: last_hash,
            hash: String::new(),
        };
        record.hash = record.compute_hash();
        sqlx::query(
            "INSERT INTO audit_log (id, at, actor_id, actor_role, action, record_type, record_id, person_id, \
             purpose, request_id, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(record.id)
        .bind(&record.at)
        .bind(record.actor_id)
        .bind(&record.actor_role)
        .bind(&record.action)
        .bind(&record.record_type)
        .bind(record.record_id)
        .bind(record.person_id)
        .bind(&record.purpose)
        .bind(&record.request_id)
        .bind(&record.prev_hash)
        .bind(&record.hash)
        .execute(&mut *$tx)
        .await?;
        sqlx::query("UPDATE audit_head SET last_id = $1, last_hash = $2 WHERE id = 1")
            .bind(record.id)
            .bind(&record.hash)
            .execute(&mut *$tx)
            .await?;
    }};
}
pub(crate) use append_audit;

const AUDIT_COLUMNS: &str = "id, at, actor_id, actor_role, action, record_type, record_id, person_id, purpose, request_id, prev_hash, hash";

impl Store {
    /// Records a read (or list) of person-identifiable data in its own transaction.
    pub async fn audit_read(
        &self,
        ctx: &AuditContext,
        action: AuditAction,
        record_type: &str,
        record_id: Option<i64>,
        person_id: Option<i64>,
    ) -> anyhow::Result<()> {
        on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            append_audit!(tx, ctx, action, record_type, record_id, person_id);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Records reads of several people's records (one search result) in one transaction.
    pub async fn audit_reads(
        &self,
        ctx: &AuditContext,
        reads: &[(&str, Option<i64>, Option<i64>)],
    ) -> anyhow::Result<()> {
        if reads.is_empty() {
            return Ok(());
        }
        on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            for (record_type, record_id, person_id) in reads {
                append_audit!(tx, ctx, AuditAction::Read, record_type, *record_id, *person_id);
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Up to `limit` records after `after_id`, in chain order.
    pub async fn audit_records(
        &self,
        after_id: i64,
        limit: i64,
    ) -> anyhow::Result<Vec<AuditRecord>> {
        let sql =
            format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2");
        Ok(
            on_reader!(self, pool => sqlx::query_as(&sql).bind(after_id).bind(limit).fetch_all(pool).await)?,
        )
    }

    /// The most recent accesses to one person's record, newest first.
    pub async fn accesses_of_person(
        &self,
        person_id: i64,
        limit: i64,
    ) -> anyhow::Result<Vec<(AuditRecord, Option<String>)>> {
        self.accesses(person_id, None, limit).await
    }

    /// The person's access log as a team sees it on the person page: only entries made by
    /// members of that team, so the panel never shows what other teams (or referrers and
    /// organisations working with them) did. The whole log is for `linkwell audit export`.
    pub async fn accesses_of_person_by_team(
        &self,
        person_id: i64,
        team_id: i64,
        limit: i64,
    ) -> anyhow::Result<Vec<(AuditRecord, Option<String>)>> {
        self.accesses(person_id, Some(team_id), limit).await
    }

    async fn accesses(
        &self,
        person_id: i64,
        team_id: Option<i64>,
        limit: i64,
    ) -> anyhow::Result<Vec<(AuditRecord, Option<String>)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            record: AuditRecord,
            display_name: Option<String>,
        }
        let sql = format!(
            "SELECT a.{}, u.display_name FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id \
             WHERE a.person_id = $1 AND ($3 IS NULL OR u.team_id = $3) ORDER BY a.id DESC LIMIT $2",
            AUDIT_COLUMNS.replace(", ", ", a.")
        );
        let rows: Vec<Row> = on_reader!(self, pool => sqlx::query_as(&sql).bind(person_id).bind(limit).bind(team_id).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(|r| (r.record, r.display_name))
            .collect())
    }

    /// Walks the chain in pages up to the head as it stood when the check began (records
    /// appended meanwhile are left for the next check). `Ok(tip)` when every record holds and
    /// the last one is the head; otherwise the first break. Print the tip and keep it
    /// elsewhere: a later check that does not reach it shows the log was rewritten.
    pub async fn verify_audit(&self) -> anyhow::Result<Result<(i64, String), ChainBreak>> {
        let (head_id, head_hash): (i64, String) = on_reader!(self, pool => sqlx::query_as(
            "SELECT last_id, last_hash FROM audit_head WHERE id = 1").fetch_one(pool).await)?;
        let mut tip = (0, GENESIS.to_string());
        while tip.0 < head_id {
            let page = self
                .audit_records(tip.0, 10_000.min(head_id - tip.0))
                .await?;
            if page.is_empty() {
                break;
            }
            match audit::verify(&page, tip) {
                Ok(next) => tip = next,
                Err(broken) => return Ok(Err(broken)),
            }
        }
        if (tip.0, tip.1.as_str()) != (head_id, head_hash.as_str()) {
            return Ok(Err(ChainBreak {
                id: tip.0 + 1,
                reason: format!(
                    "the log ends at record {} but its head says {head_id}: records were removed from the end",
                    tip.0
                ),
            }));
        }
        let (stray,): (i64,) = on_reader!(self, pool => sqlx::query_as(
            "SELECT COUNT(*) FROM audit_log WHERE id <= 0").fetch_one(pool).await)?;
        if stray > 0 {
            return Ok(Err(ChainBreak {
                id: 0,
                reason: format!("{stray} records outside the chain (id 0 or below)"),
            }));
        }
        Ok(Ok(tip))
    }
}
