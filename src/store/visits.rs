//! Volunteer visits: arranged by the referral's team, seen and recorded by the volunteer.

use super::audit::append_audit;
use super::error::{Refusal, StoreError, StoreResult};
use super::referrals::ensure_still_open;
use super::scope::referral_scope_clause;
use super::{on_reader, on_writer, Store};
use crate::audit::{AuditAction, AuditContext};
use crate::auth::policy::CaseScope;
use crate::referrals::{Visit, VisitPlan, VisitToMake};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

const VISIT_COLUMNS: &str =
    "v.id, v.referral_id, v.volunteer_id, u.display_name, v.activity, v.visit_on, \
     v.visit_time, v.meeting_place, v.visited_at, v.note, v.not_happened_at, v.not_happened_reason";

type VisitRow = (
    i64,
    i64,
    i64,
    String,
    String,
    NaiveDate,
    Option<NaiveTime>,
    String,
    Option<DateTime<Utc>>,
    String,
    Option<DateTime<Utc>>,
    Option<String>,
);

/// The person a visit is for, and whether it was already recorded as happened or not.
type Recorded = (i64, Option<DateTime<Utc>>, Option<DateTime<Utc>>);

fn visit(row: VisitRow) -> Visit {
    let (
        id,
        referral_id,
        volunteer_id,
        volunteer_name,
        activity,
        visit_on,
        visit_time,
        meeting_place,
        visited_at,
        note,
        not_happened_at,
        not_happened_reason,
    ) = row;
    Visit {
        id,
        referral_id,
        volunteer_id,
        volunteer_name,
        activity,
        visit_on,
        visit_time,
        meeting_place,
        visited_at,
        note,
        not_happened_at,
        not_happened_reason,
    }
}

impl Store {
    /// Volunteers who may be asked to visit someone in this team's care: the team's own
    /// and those not tied to a team.
    pub async fn volunteers_for(&self, team: i64) -> StoreResult<Vec<(i64, String)>> {
        Ok(on_reader!(self, pool => sqlx::query_as(
            "SELECT id, display_name FROM users WHERE role = 'volunteer' AND (team_id = $1 OR team_id IS NULL) ORDER BY display_name, id")
            .bind(team).fetch_all(pool).await)?)
    }

    /// Arranges a visit for an open referral in scope, with a volunteer the team may ask.
    pub async fn arrange_visit(
        &self,
        referral_id: i64,
        scope: CaseScope,
        volunteer_id: i64,
        plan: &VisitPlan,
        ctx: &AuditContext,
    ) -> StoreResult<Visit> {
        let Some((clause, scope_id)) = referral_scope_clause(scope) else {
            return Err(StoreError::not_found("referral"));
        };
        let sql = format!("SELECT r.team_id FROM referrals r WHERE r.id = $1 AND {clause}");
        let id = on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            let team: Option<(Option<i64>,)> = sqlx::query_as(&sql).bind(referral_id).bind(scope_id).fetch_optional(&mut *tx).await?;
            let Some((team,)) = team else {
                return Err(StoreError::not_found("referral"));
            };
            let person_id = ensure_still_open!(tx, referral_id);
            let volunteer: Option<(i64,)> = sqlx::query_as(
                "SELECT id FROM users WHERE id = $1 AND role = 'volunteer' AND (team_id = $2 OR team_id IS NULL)")
                .bind(volunteer_id).bind(team).fetch_optional(&mut *tx).await?;
            if volunteer.is_none() {
                return Err(Refusal::NotTeamVolunteer.into());
            }
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO volunteer_visits (referral_id, volunteer_id, activity, visit_on, visit_time, meeting_place, arranged_by, arranged_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
                .bind(referral_id).bind(volunteer_id).bind(&plan.activity).bind(plan.visit_on).bind(plan.visit_time)
                .bind(&plan.meeting_place).bind(ctx.actor_id).bind(Utc::now())
                .fetch_one(&mut *tx).await?;
            append_audit!(tx, ctx, AuditAction::Create, "visit", Some(id), person_id);
            tx.commit().await?;
            id
        });
        let mut visits = self.visits_where("v.id = $1", id).await?;
        visits.pop().ok_or(StoreError::not_found("visit"))
    }

    pub async fn visits(&self, referral_id: i64) -> StoreResult<Vec<Visit>> {
        self.visits_where("v.referral_id = $1", referral_id).await
    }

    async fn visits_where(&self, clause: &str, bind: i64) -> StoreResult<Vec<Visit>> {
        let sql = format!(
            "SELECT {VISIT_COLUMNS} FROM volunteer_visits v JOIN users u ON u.id = v.volunteer_id \
             WHERE {clause} ORDER BY v.visit_on, v.id"
        );
        let rows: Vec<VisitRow> =
            on_reader!(self, pool => sqlx::query_as(&sql).bind(bind).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(visit).collect())
    }

    /// A volunteer's visits on open referrals from `since` on, soonest first; every person
    /// shown is an audited read.
    pub async fn visits_to_make(
        &self,
        volunteer_id: i64,
        since: NaiveDate,
        ctx: &AuditContext,
    ) -> StoreResult<Vec<VisitToMake>> {
        let rows: Vec<VisitToMake> = on_reader!(self, pool => sqlx::query_as(
            "SELECT v.id, p.id AS person_id, p.given_name || ' ' || p.family_name AS person_name, p.phone, \
             v.activity, v.visit_on, v.visit_time, v.meeting_place, \
             COALESCE(w.display_name, a.display_name) AS link_worker_name, t.phone AS team_phone, \
             v.visited_at, v.not_happened_at \
             FROM volunteer_visits v JOIN referrals r ON r.id = v.referral_id JOIN people p ON p.id = r.person_id \
             JOIN users a ON a.id = v.arranged_by LEFT JOIN users w ON w.id = r.link_worker_id \
             LEFT JOIN teams t ON t.id = r.team_id \
             WHERE v.volunteer_id = $1 AND v.visit_on >= $2 AND r.state IN ('received', 'contacting', 'active') \
             ORDER BY v.visit_on, v.visit_time, v.id")
            .bind(volunteer_id).bind(since).fetch_all(pool).await)?;
        let reads: Vec<(&str, Option<i64>, Option<i64>)> = rows
            .iter()
            .map(|v| ("visit", Some(v.id), Some(v.person_id)))
            .collect();
        self.audit_reads(ctx, &reads).await?;
        Ok(rows)
    }

    /// The volunteer records that their visit happened (once).
    pub async fn record_visit(
        &self,
        visit_id: i64,
        volunteer_id: i64,
        note: &str,
        ctx: &AuditContext,
    ) -> StoreResult<()> {
        self.record_visit_outcome(
            visit_id,
            volunteer_id,
            "UPDATE volunteer_visits SET visited_at = $1, note = $2 WHERE id = $3",
            note,
            ctx,
        )
        .await
    }

    /// The volunteer records that their visit did not happen, and why (once; not after it
    /// was recorded as happened).
    pub async fn record_visit_not_happened(
        &self,
        visit_id: i64,
        volunteer_id: i64,
        reason: &str,
        ctx: &AuditContext,
    ) -> StoreResult<()> {
        self.record_visit_outcome(
            visit_id,
            volunteer_id,
            "UPDATE volunteer_visits SET not_happened_at = $1, not_happened_reason = $2 WHERE id = $3",
            reason,
            ctx,
        )
        .await
    }

    /// Records what became of the volunteer's own visit, once either way: `update` sets the
    /// time ($1) and the volunteer's words ($2) on visit $3.
    async fn record_visit_outcome(
        &self,
        visit_id: i64,
        volunteer_id: i64,
        update: &'static str,
        words: &str,
        ctx: &AuditContext,
    ) -> StoreResult<()> {
        on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            let found: Option<Recorded> = sqlx::query_as(
                "SELECT r.person_id, v.visited_at, v.not_happened_at FROM volunteer_visits v JOIN referrals r ON r.id = v.referral_id \
                 WHERE v.id = $1 AND v.volunteer_id = $2")
                .bind(visit_id).bind(volunteer_id).fetch_optional(&mut *tx).await?;
            let Some((person_id, visited_at, not_happened_at)) = found else {
                return Err(StoreError::not_found("visit"));
            };
            if visited_at.is_some() || not_happened_at.is_some() {
                return Err(Refusal::VisitAlreadyRecorded.into());
            }
            sqlx::query(update)
                .bind(Utc::now()).bind(words).bind(visit_id).execute(&mut *tx).await?;
            append_audit!(tx, ctx, AuditAction::Update, "visit", Some(visit_id), Some(person_id));
            tx.commit().await?;
        });
        Ok(())
    }
}
