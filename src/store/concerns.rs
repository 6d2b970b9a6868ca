//! Risk and safeguarding concerns: recorded by the team holding the referral or raised by a
//! volunteer from their visit, read only inside the team's scope. Concerns are only ever
//! added (never changed or deleted), each write and read audited in its own transaction;
//! reading marks them read for the reader, which is what "new" on the caseload counts.

use super::audit::append_audit;
use super::error::{StoreError, StoreResult};
use super::scope::{referral_ids_in_scope, referral_scope_clause};
use super::{on_reader, on_writer, Store};
use crate::audit::{AuditAction, AuditContext};
use crate::auth::policy::CaseScope;
use crate::safeguarding::{Concern, ConcernKind, NewConcern, RaisedBy};
use chrono::{DateTime, NaiveDate, Utc};

/// A concern as read, with whether the reader (bound as `$3`) had read it before.
const CONCERN_COLUMNS: &str =
    "c.id, c.referral_id, c.kind, c.description, c.action_taken, c.referred_to_lead_on, \
     c.raised_by_role, u.display_name, c.visit_id, c.raised_at, c.raised_by, \
     (SELECT COUNT(*) FROM concern_reads x WHERE x.concern_id = c.id AND x.user_id = $3) AS seen";

type ConcernRow = (
    i64,
    i64,
    Option<String>,
    String,
    String,
    Option<NaiveDate>,
    String,
    String,
    Option<i64>,
    DateTime<Utc>,
    i64,
    i64,
);

/// The concern from its row, as `reader` sees it: new if someone else raised it and the
/// reader had not read it.
fn concern(row: ConcernRow, reader: i64) -> StoreResult<Concern> {
    let (
        id,
        referral_id,
        kind,
        description,
        action_taken,
        referred_to_lead_on,
        role,
        raised_by_name,
        visit_id,
        raised_at,
        raised_by_id,
        seen,
    ) = row;
    let kind = match kind {
        Some(code) => Some(
            ConcernKind::from_code(&code)
                .ok_or_else(|| anyhow::anyhow!("unknown concern kind {code}"))?,
        ),
        None => None,
    };
    let raised_by = RaisedBy::from_code(&role)
        .ok_or_else(|| anyhow::anyhow!("unknown concern source {role}"))?;
    Ok(Concern {
        id,
        referral_id,
        kind,
        description,
        action_taken,
        referred_to_lead_on,
        raised_by,
        raised_by_name,
        visit_id,
        raised_at,
        new: raised_by_id != reader && seen == 0,
    })
}

impl Store {
    /// Records a team member's concern on a referral in scope (whatever its state: a
    /// concern does not wait for a referral to be open), audited in the same transaction.
    pub async fn record_concern(
        &self,
        referral_id: i64,
        scope: CaseScope,
        new: &NewConcern,
        ctx: &AuditContext,
    ) -> StoreResult<Concern> {
        let Some((clause, scope_id)) = referral_scope_clause(scope) else {
            return Err(StoreError::not_found("referral"));
        };
        let find = format!("SELECT r.person_id FROM referrals r WHERE r.id = $1 AND {clause}");
        let now = Utc::now();
        let id = on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            let person: Option<(i64,)> = sqlx::query_as(&find).bind(referral_id).bind(scope_id)
                .fetch_optional(&mut *tx).await?;
            let Some((person_id,)) = person else {
                return Err(StoreError::not_found("referral"));
            };
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO concerns (referral_id, kind, description, action_taken, referred_to_lead_on, raised_by, raised_by_role, raised_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
                .bind(referral_id).bind(new.kind.code()).bind(&new.description).bind(&new.action_taken)
                .bind(new.referred_to_lead_on).bind(ctx.actor_id).bind(RaisedBy::Team.code()).bind(now)
                .fetch_one(&mut *tx).await?;
            append_audit!(tx, ctx, AuditAction::Create, "concern", Some(id), Some(person_id));
            tx.commit().await?;
            id
        });
        let author: Option<(String,)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT display_name FROM users WHERE id = $1").bind(ctx.actor_id).fetch_optional(pool).await)?;
        Ok(Concern {
            id,
            referral_id,
            kind: Some(new.kind),
            description: new.description.clone(),
            action_taken: new.action_taken.clone(),
            referred_to_lead_on: new.referred_to_lead_on,
            raised_by: RaisedBy::Team,
            raised_by_name: author.map(|a| a.0).unwrap_or_default(),
            visit_id: None,
            raised_at: now,
            new: false,
        })
    }

    /// A volunteer's worry from one of their own visits: a concern of no kind yet, on the
    /// visit's referral, raised by the volunteer (audited). Another's visit is not found.
    pub async fn raise_worry(
        &self,
        visit_id: i64,
        volunteer_id: i64,
        text: &str,
        ctx: &AuditContext,
    ) -> StoreResult<i64> {
        let id = on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            let found: Option<(i64, i64)> = sqlx::query_as(
                "SELECT v.referral_id, r.person_id FROM volunteer_visits v JOIN referrals r ON r.id = v.referral_id \
                 WHERE v.id = $1 AND v.volunteer_id = $2")
                .bind(visit_id).bind(volunteer_id).fetch_optional(&mut *tx).await?;
            let Some((referral_id, person_id)) = found else {
                return Err(StoreError::not_found("visit"));
            };
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO concerns (referral_id, kind, description, action_taken, raised_by, raised_by_role, visit_id, raised_at) \
                 VALUES ($1, NULL, $2, '', $3, $4, $5, $6) RETURNING id")
                .bind(referral_id).bind(text).bind(volunteer_id).bind(RaisedBy::Volunteer.code())
                .bind(visit_id).bind(Utc::now())
                .fetch_one(&mut *tx).await?;
            append_audit!(tx, ctx, AuditAction::Create, "concern", Some(id), Some(person_id));
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// The concerns about a person on referrals in scope, newest first; marks them read for
    /// the reader and audits the read, in one transaction.
    pub async fn read_concerns_of_person(
        &self,
        person_id: i64,
        scope: CaseScope,
        ctx: &AuditContext,
    ) -> StoreResult<Vec<Concern>> {
        let Some((in_scope, scope_id)) = referral_ids_in_scope(scope) else {
            return Ok(vec![]);
        };
        let sql = format!(
            "SELECT {CONCERN_COLUMNS} FROM concerns c JOIN users u ON u.id = c.raised_by \
             JOIN referrals p ON p.id = c.referral_id \
             WHERE c.referral_id IN ({in_scope}) AND p.person_id = $2 ORDER BY c.id DESC"
        );
        let now = Utc::now();
        let concerns = on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            let rows: Vec<ConcernRow> = sqlx::query_as(&sql).bind(scope_id).bind(person_id).bind(ctx.actor_id)
                .fetch_all(&mut *tx).await?;
            let concerns = rows.into_iter().map(|row| concern(row, ctx.actor_id)).collect::<StoreResult<Vec<_>>>()?;
            for c in &concerns {
                sqlx::query(
                    "INSERT INTO concern_reads (concern_id, user_id, read_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (concern_id, user_id) DO NOTHING")
                    .bind(c.id).bind(ctx.actor_id).bind(now).execute(&mut *tx).await?;
            }
            append_audit!(tx, ctx, AuditAction::Read, "concerns", None, Some(person_id));
            tx.commit().await?;
            concerns
        });
        Ok(concerns)
    }

    /// Per person with concerns on referrals in scope: `(person, concerns, new to the
    /// reader)`. Counts only; the listing is audited.
    pub async fn concern_flags(
        &self,
        scope: CaseScope,
        ctx: &AuditContext,
    ) -> StoreResult<Vec<(i64, i64, i64)>> {
        let Some((in_scope, scope_id)) = referral_ids_in_scope(scope) else {
            return Ok(vec![]);
        };
        let sql = format!(
            "SELECT p.person_id, COUNT(*), COUNT(CASE WHEN c.raised_by <> $2 AND NOT EXISTS \
             (SELECT 1 FROM concern_reads x WHERE x.concern_id = c.id AND x.user_id = $2) THEN 1 END) \
             FROM concerns c JOIN referrals p ON p.id = c.referral_id \
             WHERE c.referral_id IN ({in_scope}) GROUP BY p.person_id ORDER BY p.person_id"
        );
        let flags = on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            let flags: Vec<(i64, i64, i64)> = sqlx::query_as(&sql).bind(scope_id).bind(ctx.actor_id)
                .fetch_all(&mut *tx).await?;
            append_audit!(tx, ctx, AuditAction::List, "concern_flags", None, None);
            tx.commit().await?;
            flags
        });
        Ok(flags)
    }
}
