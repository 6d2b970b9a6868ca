//! What the person needs, the goals they agree (with their progress history) and the
//! barriers met on the way: the personalised plan, recorded against an open referral.

use super::audit::append_audit;
use super::error::{StoreError, StoreResult};
use super::referrals::{code, ensure_still_open};
use super::{on_reader, on_writer, Store};
use crate::audit::{AuditAction, AuditContext};
use crate::auth::policy::CaseScope;
use crate::referrals::*;
use chrono::{DateTime, Utc};

impl Store {
    pub async fn add_need(
        &self,
        referral_id: i64,
        scope: CaseScope,
        need: Need,
        notes: &str,
        ctx: &AuditContext,
    ) -> StoreResult<RecordedNeed> {
        self.open_referral(referral_id, scope).await?;
        let now = Utc::now();
        let id = on_writer!(self, pool => {
            let mut tx = pool.begin_with(crate::store::begin_statement(pool)).await?;
            let person_id = ensure_still_open!(tx, referral_id);
            let (id,): (i64,) = sqlx::query_as("INSERT INTO needs (referral_id, need, notes, recorded_at) VALUES ($1, $2, $3, $4) RETURNING id")
                .bind(referral_id).bind(need.code()).bind(notes).bind(now).fetch_one(&mut *tx).await?;
            append_audit!(tx, ctx, AuditAction::Create, "need", Some(id), person_id);
            tx.commit().await?;
            id
        });
        Ok(RecordedNeed {
            id,
            referral_id,
            need,
            gravity_category: need.gravity_category().map(str::to_string),
            notes: notes.to_string(),
            recorded_at: Some(now),
        })
    }

    pub async fn needs(&self, referral_id: i64) -> StoreResult<Vec<RecordedNeed>> {
        self.needs_where("n.referral_id = $1", referral_id).await
    }

    /// Needs matching `clause` (on `needs n`, one parameter `$1`).
    pub(super) async fn needs_where(
        &self,
        clause: &str,
        bind: i64,
    ) -> StoreResult<Vec<RecordedNeed>> {
        let sql = format!("SELECT n.id, n.referral_id, n.need, n.notes, n.recorded_at FROM needs n WHERE {clause} ORDER BY n.id");
        #[allow(clippy::type_complexity)]
        let rows: Vec<(i64, i64, String, String, Option<DateTime<Utc>>)> =
            on_reader!(self, pool => sqlx::query_as(&sql).bind(bind).fetch_all(pool).await)?;
        rows.into_iter()
            .map(|(id, referral_id, n, notes, recorded_at)| {
                let need = code(Need::from_code, &n)?;
                Ok(RecordedNeed {
                    id,
                    referral_id,
                    need,
                    gravity_category: need.gravity_category().map(str::to_string),
                    notes,
                    recorded_at,
                })
            })
            .collect::<anyhow::Result<_>>()
            .map_err(StoreError::from)
    }

    pub async fn add_goal(
        &self,
        referral_id: i64,
        scope: CaseScope,
        description: &str,
        need: Option<Need>,
        ctx: &AuditContext,
    ) -> StoreResult<Goal> {
        let actor_id = ctx.actor_id;
        self.open_referral(referral_id, scope).await?;
        let now = Utc::now();
        let id = on_writer!(self, pool => {
            let mut tx = pool.begin_with(crate::store::begin_statement(pool)).await?;
            let person_id = ensure_still_open!(tx, referral_id);
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO goals (referral_id, description, need, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
                .bind(referral_id).bind(description).bind(need.map(Need::code)).bind(now).fetch_one(&mut *tx).await?;
            sqlx::query("INSERT INTO goal_progress (goal_id, progress, note, at, recorded_by) VALUES ($1, 0, $2, $3, $4)")
                .bind(id).bind("goal agreed").bind(now).bind(actor_id).execute(&mut *tx).await?;
            append_audit!(tx, ctx, AuditAction::Create, "goal", Some(id), person_id);
            tx.commit().await?;
            id
        });
        self.goal(id).await
    }

    /// Records progress (0-10) on a goal whose referral is in scope and open.
    pub async fn add_goal_progress(
        &self,
        goal_id: i64,
        scope: CaseScope,
        progress: i32,
        note: &str,
        ctx: &AuditContext,
    ) -> StoreResult<Goal> {
        let actor_id = ctx.actor_id;
        let found: Option<(i64,)> = on_reader!(self, pool => sqlx::query_as("SELECT referral_id FROM goals WHERE id = $1")
            .bind(goal_id).fetch_optional(pool).await)?;
        let (referral_id,) = found.ok_or(StoreError::not_found("goal"))?;
        self.open_referral(referral_id, scope)
            .await
            .map_err(|e| match e {
                StoreError::NotFound { .. } => StoreError::not_found("goal"),
                other => other,
            })?;
        on_writer!(self, pool => {
            let mut tx = pool.begin_with(crate::store::begin_statement(pool)).await?;
            let person_id = ensure_still_open!(tx, referral_id);
            sqlx::query("INSERT INTO goal_progress (goal_id, progress, note, at, recorded_by) VALUES ($1, $2, $3, $4, $5)")
                .bind(goal_id).bind(progress).bind(note).bind(Utc::now()).bind(actor_id).execute(&mut *tx).await?;
            append_audit!(tx, ctx, AuditAction::Update, "goal", Some(goal_id), person_id);
            tx.commit().await?;
        });
        self.goal(goal_id).await
    }

    async fn goal(&self, id: i64) -> StoreResult<Goal> {
        let mut goals = self.goals_where("g.id = $1", id).await?;
        goals.pop().ok_or(StoreError::not_found("goal"))
    }

    pub async fn goals(&self, referral_id: i64) -> StoreResult<Vec<Goal>> {
        self.goals_where("g.referral_id = $1", referral_id).await
    }

    pub(super) async fn goals_where(&self, clause: &str, id: i64) -> StoreResult<Vec<Goal>> {
        let sql = format!(
            "SELECT g.id, g.referral_id, g.description, g.need, p.progress, p.note, p.at FROM goals g \
             JOIN goal_progress p ON p.goal_id = g.id WHERE {clause} ORDER BY g.id, p.at, p.id");
        #[allow(clippy::type_complexity)]
        let rows: Vec<(i64, i64, String, Option<String>, i32, String, DateTime<Utc>)> =
            on_reader!(self, pool => sqlx::query_as(&sql).bind(id).fetch_all(pool).await)?;
        let mut goals: Vec<Goal> = Vec::new();
        for (id, referral_id, description, need, progress, note, at) in rows {
            if goals.last().map(|g| g.id) != Some(id) {
                goals.push(Goal {
                    id,
                    referral_id,
                    description,
                    need: need
                        .as_deref()
                        .map(|n| code(Need::from_code, n))
                        .transpose()?,
                    progress,
                    progress_history: vec![],
                });
            }
            let goal = goals.last_mut().expect("pushed above");
            goal.progress = progress;
            goal.progress_history
                .push(GoalProgress { progress, note, at });
        }
        Ok(goals)
    }

    pub async fn add_barrier(
        &self,
        referral_id: i64,
        scope: CaseScope,
        barrier: Barrier,
        connection_id: Option<i64>,
        notes: &str,
        ctx: &AuditContext,
    ) -> StoreResult<RecordedBarrier> {
        let person_id = self
            .referral(referral_id, scope)
            .await?
            .ok_or(StoreError::not_found("referral"))?
            .person_id;
        if let Some(cid) = connection_id {
            let found: Option<(i64,)> = on_reader!(self, pool => sqlx::query_as("SELECT id FROM connections WHERE id = $1 AND referral_id = $2")
                .bind(cid).bind(referral_id).fetch_optional(pool).await)?;
            if found.is_none() {
                return Err(StoreError::UnknownReference {
                    field: "connection_id",
                });
            }
        }
        let at = Utc::now();
        let id = on_writer!(self, pool => {
            let mut tx = pool.begin_with(crate::store::begin_statement(pool)).await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO barriers (referral_id, barrier, connection_id, notes, at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                .bind(referral_id).bind(barrier.code()).bind(connection_id).bind(notes).bind(at).bind(ctx.actor_id)
                .fetch_one(&mut *tx).await?;
            append_audit!(tx, ctx, AuditAction::Create, "barrier", Some(id), Some(person_id));
            tx.commit().await?;
            id
        });
        Ok(RecordedBarrier {
            id,
            referral_id,
            barrier,
            connection_id,
            notes: notes.to_string(),
            at,
        })
    }

    pub async fn barriers(&self, referral_id: i64) -> StoreResult<Vec<RecordedBarrier>> {
        #[allow(clippy::type_complexity)]
        let rows: Vec<(i64, String, Option<i64>, String, DateTime<Utc>)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT id, barrier, connection_id, notes, at FROM barriers WHERE referral_id = $1 ORDER BY id")
            .bind(referral_id).fetch_all(pool).await)?;
        rows.into_iter()
            .map(|(id, b, connection_id, notes, at)| {
                Ok(RecordedBarrier {
                    id,
                    referral_id,
                    barrier: code(Barrier::from_code, &b)?,
                    connection_id,
                    notes,
                    at,
                })
            })
            .collect::<anyhow::Result<_>>()
            .map_err(StoreError::from)
    }
}
