//! What a link worker's day and a team lead's team look like: counts that say where
//! attention is needed, who carries which caseload, and who is still waiting to be seen.

use super::error::StoreResult;
use super::{on_reader, Store};
use crate::accounts::{Account, TeamSize};
use crate::referrals::{DaySummary, Waiting, WorkerLoad};
use chrono::{DateTime, NaiveDate, Utc};

const OPEN: &str = "('received', 'contacting', 'active')";

impl Store {
    /// Counts for a team, or for one link worker's referrals in it (`worker`).
    pub async fn day_summary(
        &self,
        team: i64,
        worker: Option<i64>,
        today: NaiveDate,
    ) -> StoreResult<DaySummary> {
        let mine = "($2 IS NULL OR r.link_worker_id = $2)";
        let sql = format!(
            "SELECT \
             (SELECT COUNT(*) FROM referrals r WHERE r.team_id = $1 AND {mine} AND r.state IN {OPEN} AND r.next_follow_up_on = $3) AS due_today, \
             (SELECT COUNT(*) FROM referrals r WHERE r.team_id = $1 AND {mine} AND r.state IN {OPEN} AND r.next_follow_up_on < $3) AS overdue, \
             (SELECT COUNT(*) FROM connections k JOIN referrals r ON r.id = k.referral_id WHERE r.team_id = $1 AND {mine} \
              AND k.status = 'requested' AND k.sent_at < $4) AS unanswered, \
             (SELECT COUNT(*) FROM referrals r WHERE r.team_id = $1 AND r.link_worker_id IS NULL AND r.state IN {OPEN}) AS unassigned, \
             (SELECT COUNT(*) FROM contacts c JOIN referrals r ON r.id = c.referral_id WHERE r.team_id = $1 \
              AND ($2 IS NULL OR c.recorded_by = $2) AND c.at >= $5) AS contacts_today"
        );
        let start_of_day = today.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
        let unanswered_before =
            Utc::now() - chrono::Duration::days(crate::referrals::UNANSWERED_AFTER_DAYS);
        Ok(on_reader!(self, pool => sqlx::query_as(&sql)
            .bind(team).bind(worker).bind(today).bind(unanswered_before).bind(start_of_day)
            .fetch_one(pool).await)?)
    }

    /// Each link worker and team lead in the team, with their open and overdue referrals.
    pub async fn team_loads(&self, team: i64, today: NaiveDate) -> StoreResult<Vec<WorkerLoad>> {
        let sql = format!(
            "SELECT u.id, u.display_name AS name, \
             (SELECT COUNT(*) FROM referrals r WHERE r.link_worker_id = u.id AND r.team_id = $1 AND r.state IN {OPEN}) AS open, \
             (SELECT COUNT(*) FROM referrals r WHERE r.link_worker_id = u.id AND r.team_id = $1 AND r.state IN {OPEN} \
              AND r.next_follow_up_on < $2) AS overdue \
             FROM users u WHERE u.team_id = $1 AND u.role IN ('link_worker', 'team_lead') ORDER BY u.display_name, u.id"
        );
        Ok(
            on_reader!(self, pool => sqlx::query_as(&sql).bind(team).bind(today).fetch_all(pool).await)?,
        )
    }

    /// Referrals still waiting for anyone to reach the person, longest waiting first; one
    /// page of them (`limit` from `offset`).
    pub async fn waiting_for_contact(
        &self,
        team: i64,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<Waiting>> {
        Ok(on_reader!(self, pool => sqlx::query_as(
            "SELECT r.id AS referral_id, r.person_id, p.given_name || ' ' || p.family_name AS person_name, \
             r.received_at, r.version, r.link_worker_id \
             FROM referrals r JOIN people p ON p.id = r.person_id \
             WHERE r.team_id = $1 AND r.state IN ('received', 'contacting') \
             AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.referral_id = r.id AND c.reached) \
             ORDER BY r.received_at, r.id LIMIT $2 OFFSET $3")
            .bind(team).bind(limit).bind(offset).fetch_all(pool).await)?)
    }

    /// Open referrals nobody in the team holds yet, longest waiting first; one page of them.
    pub async fn unassigned_in_team(
        &self,
        team: i64,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<Waiting>> {
        Ok(on_reader!(self, pool => sqlx::query_as(&format!(
            "SELECT r.id AS referral_id, r.person_id, p.given_name || ' ' || p.family_name AS person_name, \
             r.received_at, r.version, r.link_worker_id \
             FROM referrals r JOIN people p ON p.id = r.person_id \
             WHERE r.team_id = $1 AND r.link_worker_id IS NULL AND r.state IN {OPEN} \
             ORDER BY r.received_at, r.id LIMIT $2 OFFSET $3"))
            .bind(team).bind(limit).bind(offset).fetch_all(pool).await)?)
    }

    /// Days from referral to the first contact that reached the person, for the team's
    /// referrals received since `since`.
    pub async fn days_to_first_contact(
        &self,
        team: i64,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<f64>> {
        let rows: Vec<(DateTime<Utc>, DateTime<Utc>)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT r.received_at, MIN(c.at) FROM referrals r JOIN contacts c ON c.referral_id = r.id AND c.reached \
             WHERE r.team_id = $1 AND r.received_at >= $2 GROUP BY r.id, r.received_at")
            .bind(team).bind(since).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(|(received, first)| (first - received).num_minutes().max(0) as f64 / 1440.0)
            .collect())
    }
}

impl Store {
    pub async fn accounts(&self) -> StoreResult<Vec<Account>> {
        Ok(on_reader!(self, pool => sqlx::query_as(
            "SELECT u.id, u.username, u.display_name, u.role, t.name AS team, u.organisation, \
             u.disabled_at IS NOT NULL AS disabled, u.password_hash IS NOT NULL AS has_password, \
             (SELECT COUNT(*) FROM sessions s WHERE s.user_id = u.id AND s.expires_at > $1) AS sessions, \
             (SELECT COUNT(*) FROM api_tokens k WHERE k.user_id = u.id AND k.expires_at > $1) AS tokens \
             FROM users u LEFT JOIN teams t ON t.id = u.team_id ORDER BY u.role, u.username")
            .bind(Utc::now()).fetch_all(pool).await)?)
    }

    pub async fn team_sizes(&self) -> StoreResult<Vec<TeamSize>> {
        Ok(on_reader!(self, pool => sqlx::query_as(
            "SELECT t.id, t.name, \
             (SELECT COUNT(*) FROM users u WHERE u.team_id = t.id) AS members, \
             (SELECT COUNT(*) FROM practices p WHERE p.team_id = t.id) AS practices \
             FROM teams t ORDER BY t.name, t.id")
            .fetch_all(pool).await)?)
    }
}
