//! A connection's message thread: reading it (marking it read for the reader and auditing
//! the read, in one transaction), writing to it (only while the person's consent to share
//! with the organisation is in force, checked in the writing transaction), and the unread
//! counts shown on the caseload and a person's page.

use super::audit::append_audit;
use super::error::{Refusal, StoreResult};
use super::scope::referral_ids_in_scope;
use super::{on_reader, on_writer, Store};
use crate::audit::{AuditAction, AuditContext};
use crate::auth::policy::CaseScope;
use crate::messages::{Message, MessageSide};
use chrono::{DateTime, Utc};

/// The consent a connection rests on is confirmed, not withdrawn, and for the organisation
/// running the service: the only state in which the organisation sees the thread. On
/// `connections c JOIN services s`.
const CONSENT_IN_FORCE: &str = "EXISTS (SELECT 1 FROM consents k WHERE k.id = c.consent_id \
     AND k.withdrawn_at IS NULL AND k.status = 'active' AND k.organisation = s.organisation)";

/// What decides who may read a connection's thread.
#[derive(Debug, Clone)]
pub struct ThreadSubject {
    pub connection_id: i64,
    pub referral_id: i64,
    pub person_id: i64,
    pub organisation: String,
    pub service_name: String,
    pub consent_in_force: bool,
}

/// Messages from `side` after the user's last read of the connection `c`, bound as `$1`.
fn unread_count(side_param: &str, user_param: &str) -> String {
    format!(
        "(SELECT COUNT(*) FROM connection_messages m WHERE m.connection_id = c.id AND m.side = {side_param} \
         AND m.id > COALESCE((SELECT x.last_read_id FROM connection_message_reads x \
         WHERE x.connection_id = c.id AND x.user_id = {user_param}), 0))"
    )
}

/// For the inbox query: messages from the team the user (bound at `user_param`) has not read.
pub(super) fn unread_from_team(user_param: &str) -> String {
    unread_count("'team'", user_param)
}

impl Store {
    /// The connection a thread belongs to, with what access to it depends on.
    pub async fn thread_subject(&self, connection_id: i64) -> StoreResult<Option<ThreadSubject>> {
        let sql = format!(
            "SELECT c.id, c.referral_id, r.person_id, s.organisation, s.name, {CONSENT_IN_FORCE} AS in_force \
             FROM connections c JOIN services s ON s.id = c.service_id JOIN referrals r ON r.id = c.referral_id \
             WHERE c.id = $1"
        );
        let row: Option<(i64, i64, i64, String, String, bool)> = on_reader!(self, pool =>
            sqlx::query_as(&sql).bind(connection_id).fetch_optional(pool).await)?;
        Ok(row.map(
            |(
                connection_id,
                referral_id,
                person_id,
                organisation,
                service_name,
                consent_in_force,
            )| {
                ThreadSubject {
                    connection_id,
                    referral_id,
                    person_id,
                    organisation,
                    service_name,
                    consent_in_force,
                }
            },
        ))
    }

    /// The thread, oldest first, as `reader` on `side` sees it: messages from the other side
    /// after their last read are marked unread (and counted), then the thread is marked read
    /// for them and the read audited, all in one transaction.
    pub async fn read_thread(
        &self,
        subject: &ThreadSubject,
        side: MessageSide,
        ctx: &AuditContext,
    ) -> StoreResult<(Vec<Message>, i64)> {
        type Row = (i64, String, String, String, DateTime<Utc>);
        let other = side.other().code();
        let (messages, unread) = on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            let rows: Vec<Row> = sqlx::query_as(
                "SELECT m.id, m.side, u.display_name, m.body, m.sent_at FROM connection_messages m \
                 JOIN users u ON u.id = m.author_id WHERE m.connection_id = $1 ORDER BY m.id")
                .bind(subject.connection_id).fetch_all(&mut *tx).await?;
            let last_read: Option<(i64,)> = sqlx::query_as(
                "SELECT last_read_id FROM connection_message_reads WHERE connection_id = $1 AND user_id = $2")
                .bind(subject.connection_id).bind(ctx.actor_id).fetch_optional(&mut *tx).await?;
            let last_read = last_read.map_or(0, |r| r.0);
            let mut messages = Vec::with_capacity(rows.len());
            for (id, from, author, body, sent_at) in rows {
                let from = MessageSide::from_code(&from)
                    .ok_or_else(|| anyhow::anyhow!("unknown message side {from}"))?;
                messages.push(Message {
                    id,
                    side: from,
                    author,
                    body,
                    sent_at,
                    unread: from.code() == other && id > last_read,
                });
            }
            let unread = messages.iter().filter(|m| m.unread).count() as i64;
            if let Some(newest) = messages.last().map(|m| m.id).filter(|n| *n > last_read) {
                sqlx::query(
                    "INSERT INTO connection_message_reads (connection_id, user_id, last_read_id) VALUES ($1, $2, $3) \
                     ON CONFLICT (connection_id, user_id) DO UPDATE SET last_read_id = excluded.last_read_id")
                    .bind(subject.connection_id).bind(ctx.actor_id).bind(newest).execute(&mut *tx).await?;
            }
            append_audit!(tx, ctx, AuditAction::Read, "connection_messages", Some(subject.connection_id), Some(subject.person_id));
            tx.commit().await?;
            (messages, unread)
        });
        Ok((messages, unread))
    }

    /// Adds a message from `side`, audited, only while the person's consent to share with
    /// the organisation is in force (checked in the same transaction as the write, so a
    /// withdrawal cannot slip between a check and the write).
    pub async fn add_message(
        &self,
        subject: &ThreadSubject,
        side: MessageSide,
        body: &str,
        ctx: &AuditContext,
    ) -> StoreResult<Message> {
        let now = Utc::now();
        let sql = format!(
            "INSERT INTO connection_messages (connection_id, side, author_id, body, sent_at) \
             SELECT c.id, $2, $3, $4, $5 FROM connections c JOIN services s ON s.id = c.service_id \
             WHERE c.id = $1 AND {CONSENT_IN_FORCE} RETURNING id"
        );
        let id = on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            let written: Option<(i64,)> = sqlx::query_as(&sql)
                .bind(subject.connection_id).bind(side.code()).bind(ctx.actor_id).bind(body).bind(now)
                .fetch_optional(&mut *tx).await?;
            let Some((id,)) = written else {
                return Err(Refusal::ConsentNotInForce { organisation: subject.organisation.clone() }.into());
            };
            append_audit!(tx, ctx, AuditAction::Create, "connection_message", Some(id), Some(subject.person_id));
            tx.commit().await?;
            id
        });
        let author: Option<(String,)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT display_name FROM users WHERE id = $1").bind(ctx.actor_id).fetch_optional(pool).await)?;
        Ok(Message {
            id,
            side,
            author: author.map(|a| a.0).unwrap_or_default(),
            body: body.to_string(),
            sent_at: now,
            unread: false,
        })
    }

    /// For a team member: messages from organisations they have not read, per connection of
    /// the referrals in scope (of one person, or all): `(connection, referral, unread)`,
    /// only those with some.
    pub async fn unread_from_organisations(
        &self,
        scope: CaseScope,
        user_id: i64,
        person_id: Option<i64>,
    ) -> StoreResult<Vec<(i64, i64, i64)>> {
        let Some((in_scope, scope_id)) = referral_ids_in_scope(scope) else {
            return Ok(vec![]);
        };
        let sql = format!(
            "SELECT c.id, c.referral_id, COUNT(*) FROM connection_messages m JOIN connections c ON c.id = m.connection_id \
             WHERE c.referral_id IN ({in_scope}) \
             AND ($3 IS NULL OR c.referral_id IN (SELECT p.id FROM referrals p WHERE p.person_id = $3)) \
             AND m.side = 'organisation' AND m.id > COALESCE((SELECT x.last_read_id FROM connection_message_reads x \
             WHERE x.connection_id = c.id AND x.user_id = $2), 0) \
             GROUP BY c.id, c.referral_id ORDER BY c.id"
        );
        Ok(on_reader!(self, pool => sqlx::query_as(&sql)
            .bind(scope_id).bind(user_id).bind(person_id).fetch_all(pool).await)?)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn unread_counts_only_the_other_sides_messages_after_the_last_read() {
        let sql = super::unread_from_team("$9");
        assert!(
            sql.contains("m.side = 'team'") && sql.contains("x.user_id = $9"),
            "{sql}"
        );
    }
}
