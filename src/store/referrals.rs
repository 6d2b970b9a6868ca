//! Referrals themselves: the stored row and how it is decoded, creating one with its first
//! event, scoped reads, and the two checks every piece of casework makes first (the referral is
//! in scope and still open). Kept apart from what is recorded against a referral so the
//! referral's own invariants have one home.

use super::error::{Refusal, StoreError, StoreResult};
use super::scope::referral_scope_clause;
use super::{on_reader, on_writer, Store};
use crate::audit::AuditContext;
use crate::auth::policy::CaseScope;
use crate::referrals::*;
use chrono::{DateTime, NaiveDate, Utc};

#[derive(sqlx::FromRow)]
pub(super) struct ReferralRow {
    id: i64,
    person_id: i64,
    state: String,
    version: i64,
    referrer_kind: String,
    referred_by: i64,
    reason: String,
    link_worker_id: Option<i64>,
    close_reason: Option<String>,
    received_at: DateTime<Utc>,
    next_follow_up_on: Option<NaiveDate>,
    snomed_code: Option<String>,
    programme_id: Option<i64>,
}

impl TryFrom<ReferralRow> for Referral {
    type Error = anyhow::Error;
    fn try_from(r: ReferralRow) -> anyhow::Result<Referral> {
        Ok(Referral {
            id: r.id,
            person_id: r.person_id,
            state: code(ReferralState::from_code, &r.state)?,
            version: r.version,
            referrer_kind: code(ReferrerKind::from_code, &r.referrer_kind)?,
            referred_by: r.referred_by,
            reason: r.reason,
            link_worker_id: r.link_worker_id,
            close_reason: r
                .close_reason
                .as_deref()
                .map(|c| code(CloseReason::from_code, c))
                .transpose()?,
            received_at: r.received_at,
            next_follow_up_on: r.next_follow_up_on,
            snomed_code: r.snomed_code,
            programme_id: r.programme_id,
        })
    }
}

/// Decodes a stored code, treating an unknown one as corruption rather than guessing.
pub(super) fn code<T>(parse: fn(&str) -> Option<T>, text: &str) -> anyhow::Result<T> {
    parse(text).ok_or_else(|| anyhow::anyhow!("unknown code {text:?} in database"))
}

pub(super) const REFERRAL_COLUMNS: &str =
    "r.id, r.person_id, r.state, r.version, r.referrer_kind, r.referred_by, r.reason, \
    r.link_worker_id, r.close_reason, r.received_at, r.next_follow_up_on, r.snomed_code, r.programme_id";

#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    kind: String,
    to_state: Option<String>,
    close_reason: Option<String>,
    link_worker_id: Option<i64>,
    snomed_code: Option<String>,
    note: Option<String>,
    actor_id: i64,
    at: DateTime<Utc>,
}

/// Inside a write transaction: confirms the referral is still open (evaluating to its
/// person's id, for the audit record), and on PostgreSQL
/// locks its row until commit (a no-op UPDATE takes the lock on both engines), so a close
/// from another request or server cannot slip in between the check and the write.
macro_rules! ensure_still_open {
    ($tx:expr, $referral_id:expr) => {{
        let open: Option<(i64,)> = sqlx::query_as(
            "UPDATE referrals SET version = version WHERE id = $1 \
             AND state IN ('received', 'contacting', 'active') RETURNING person_id",
        )
        .bind($referral_id)
        .fetch_optional(&mut *$tx)
        .await?;
        if open.is_none() {
            return Err($crate::store::Refusal::ReferralEndedMeanwhile.into());
        }
        open.map(|o| o.0)
    }};
}
pub(super) use ensure_still_open;

/// Inserts a referral and its first event (no SNOMED code yet: 871731000000106 is recorded
/// when the person accepts) inside the caller's write transaction, with its audit record; evaluates to the referral's id. The team
/// serving the person's practice holds it; failing that, the team of the person making it.
macro_rules! insert_referral_in {
    ($tx:expr, $person_id:expr, $referrer_kind:expr, $reason:expr, $received_at:expr, $ctx:expr, $actor_team:expr) => {
        insert_referral_in!($tx, $person_id, $referrer_kind, $reason, $received_at, $ctx, $actor_team, None::<i64>)
    };
    ($tx:expr, $person_id:expr, $referrer_kind:expr, $reason:expr, $received_at:expr, $ctx:expr, $actor_team:expr, $programme:expr) => {{
        use $crate::referrals::{EventKind, ReferralState};
        let person_id: i64 = $person_id;
        let received_at: chrono::DateTime<chrono::Utc> = $received_at;
        let team: Option<(Option<i64>,)> = sqlx::query_as(
            "SELECT pr.team_id FROM people p LEFT JOIN practices pr ON pr.id = p.practice_id WHERE p.id = $1")
            .bind(person_id).fetch_optional(&mut *$tx).await?;
        let Some((team_id,)) = team else {
            return Err($crate::store::StoreError::UnknownReference { field: "person_id" }.into());
        };
        // Never a guess: with neither, the referral is refused.
        let Some(team_id) = team_id.or($actor_team) else {
            return Err($crate::store::Refusal::NoTeamServesPerson.into());
        };
        // The programme: the one chosen, if the team runs it and it is active; otherwise
        // the team's one active programme, if it has exactly one (docs/programmes.md).
        let chosen: Option<i64> = $programme;
        let programme_id: Option<i64> = match chosen {
            Some(programme) => {
                let runs: Option<(i64,)> = sqlx::query_as(
                    "SELECT pt.programme_id FROM programme_teams pt JOIN programmes p ON p.id = pt.programme_id \
                     WHERE pt.programme_id = $1 AND pt.team_id = $2 AND p.active")
                    .bind(programme).bind(team_id).fetch_optional(&mut *$tx).await?;
                if runs.is_none() {
                    return Err($crate::store::Refusal::ProgrammeNotRunByTeam.into());
                }
                Some(programme)
            }
            None => {
                let only: (Option<i64>,) = sqlx::query_as(
                    "SELECT CASE WHEN COUNT(*) = 1 THEN MIN(pt.programme_id) END FROM programme_teams pt \
                     JOIN programmes p ON p.id = pt.programme_id WHERE pt.team_id = $1 AND p.active")
                    .bind(team_id).fetch_one(&mut *$tx).await?;
                only.0
            }
        };
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO referrals (person_id, state, version, referrer_kind, referred_by, reason, team_id, received_at, programme_id) \
             VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8) RETURNING id")
            .bind(person_id).bind(ReferralState::Received.code()).bind($referrer_kind.code()).bind($ctx.actor_id)
            .bind($reason).bind(team_id).bind(received_at).bind(programme_id)
            .fetch_one(&mut *$tx).await?;
        sqlx::query(
            "INSERT INTO referral_events (referral_id, kind, to_state, actor_id, at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id).bind(EventKind::Created.code()).bind(ReferralState::Received.code())
            .bind($ctx.actor_id).bind(received_at)
            .execute(&mut *$tx).await?;
        $crate::store::audit::append_audit!($tx, $ctx, $crate::audit::AuditAction::Create, "referral", Some(id), Some(person_id));
        id
    }};
}
pub(crate) use insert_referral_in;

impl Store {
    /// Creates a referral and its first event together. `programme`: the programme chosen,
    /// which the team holding the referral must run; none gives the team's only one.
    pub async fn create_referral(
        &self,
        person_id: i64,
        referrer_kind: ReferrerKind,
        reason: &str,
        ctx: &AuditContext,
        actor_team: Option<i64>,
        programme: Option<i64>,
    ) -> StoreResult<Referral> {
        let id = on_writer!(self, pool => {
            let mut tx = pool.begin_with(crate::store::begin_statement(pool)).await?;
            let id = insert_referral_in!(tx, person_id, referrer_kind, reason, Utc::now(), ctx, actor_team, programme);
            tx.commit().await?;
            id
        });
        self.referral_by_id(id).await
    }

    /// A referral whatever the scope, for callers that have checked it (or just made it).
    pub async fn referral_by_id(&self, id: i64) -> StoreResult<Referral> {
        let sql = format!("SELECT {REFERRAL_COLUMNS} FROM referrals r WHERE r.id = $1");
        let row: ReferralRow =
            on_reader!(self, pool => sqlx::query_as(&sql).bind(id).fetch_one(pool).await)?;
        Ok(row.try_into()?)
    }

    /// Reads a referral within scope; out-of-scope and missing look the same.
    pub async fn referral(&self, id: i64, scope: CaseScope) -> StoreResult<Option<Referral>> {
        let Some((clause, scope_id)) = referral_scope_clause(scope) else {
            return Ok(None);
        };
        let sql =
            format!("SELECT {REFERRAL_COLUMNS} FROM referrals r WHERE r.id = $1 AND {clause}");
        let row: Option<ReferralRow> = on_reader!(self, pool => sqlx::query_as(&sql).bind(id).bind(scope_id).fetch_optional(pool).await)?;
        Ok(row.map(Referral::try_from).transpose()?)
    }

    /// The referrer's own open referrals for someone they registered themselves, found by
    /// NHS number or by family name and date of birth: what they may already know, so
    /// warning them of a likely duplicate reveals nothing (docs/security.md, identity
    /// matching is no oracle). Newest first, as (referral id, received).
    pub async fn open_referrals_made_by(
        &self,
        referrer: i64,
        nhs_number: Option<&str>,
        family_name: &str,
        date_of_birth: chrono::NaiveDate,
    ) -> StoreResult<Vec<(i64, chrono::DateTime<chrono::Utc>)>> {
        let sql = "SELECT r.id, r.received_at FROM referrals r JOIN people p ON p.id = r.person_id \
                   WHERE r.referred_by = $1 AND p.created_by = $1 \
                   AND r.state IN ('received', 'contacting', 'active') \
                   AND (p.nhs_number = $2 OR (LOWER(p.family_name) = LOWER($3) AND CAST(p.date_of_birth AS TEXT) = $4)) \
                   ORDER BY r.received_at DESC, r.id DESC";
        let rows: Vec<(i64, chrono::DateTime<chrono::Utc>)> = on_reader!(self, pool => sqlx::query_as(sql)
            .bind(referrer).bind(nhs_number).bind(family_name.trim()).bind(date_of_birth.to_string())
            .fetch_all(pool).await)?;
        Ok(rows)
    }

    pub async fn referrals_of_person(
        &self,
        person_id: i64,
        scope: CaseScope,
    ) -> StoreResult<Vec<Referral>> {
        let Some((clause, scope_id)) = referral_scope_clause(scope) else {
            return Ok(vec![]);
        };
        let sql = format!("SELECT {REFERRAL_COLUMNS} FROM referrals r WHERE r.person_id = $1 AND {clause} ORDER BY r.received_at DESC, r.id DESC");
        let rows: Vec<ReferralRow> = on_reader!(self, pool => sqlx::query_as(&sql).bind(person_id).bind(scope_id).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(Referral::try_from)
            .collect::<anyhow::Result<_>>()?)
    }

    pub async fn referral_events(&self, referral_id: i64) -> StoreResult<Vec<ReferralEvent>> {
        let rows: Vec<EventRow> = on_reader!(self, pool => sqlx::query_as(
            "SELECT id, kind, to_state, close_reason, link_worker_id, snomed_code, note, actor_id, at \
             FROM referral_events WHERE referral_id = $1 ORDER BY id")
            .bind(referral_id).fetch_all(pool).await)?;
        rows.into_iter()
            .map(|r| {
                Ok(ReferralEvent {
                    id: r.id,
                    kind: code(EventKind::from_code, &r.kind)?,
                    to_state: r
                        .to_state
                        .as_deref()
                        .map(|s| code(ReferralState::from_code, s))
                        .transpose()?,
                    close_reason: r
                        .close_reason
                        .as_deref()
                        .map(|s| code(CloseReason::from_code, s))
                        .transpose()?,
                    link_worker_id: r.link_worker_id,
                    snomed_code: r.snomed_code,
                    note: r.note,
                    actor_id: r.actor_id,
                    at: r.at,
                })
            })
            .collect::<anyhow::Result<_>>()
            .map_err(StoreError::from)
    }

    /// Checks that the referral exists in scope and is still open for casework.
    pub(super) async fn open_referral(&self, id: i64, scope: CaseScope) -> StoreResult<Referral> {
        let referral = self
            .referral(id, scope)
            .await?
            .ok_or(StoreError::not_found("referral"))?;
        if !referral.state.is_open() {
            return Err(Refusal::ReferralEnded(referral.state).into());
        }
        Ok(referral)
    }

    /// The person a referral is for (callers have checked scope).
    pub async fn person_of_referral(&self, referral_id: i64) -> StoreResult<i64> {
        let row: Option<(i64,)> = on_reader!(self, pool => sqlx::query_as("SELECT person_id FROM referrals WHERE id = $1")
            .bind(referral_id).fetch_optional(pool).await)?;
        row.map(|r| r.0).ok_or(StoreError::not_found("referral"))
    }
}
