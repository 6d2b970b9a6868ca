//! Changes to the referral row itself: a lifecycle transition or an assignment. Both state
//! the version the caller read and are refused if it moved on, so they live together with
//! the guard that says how a versioned update ended.

use super::audit::append_audit;
use super::error::{Refusal, StoreError, StoreResult};
use super::outbox::enqueue_gp_message_in;
use super::referrals::code;
use super::scope::referral_scope_clause;
use super::{on_writer, Store};
use crate::audit::{AuditAction, AuditContext};
use crate::auth::policy::CaseScope;
use crate::referrals::*;
use chrono::Utc;

/// The outcome of a versioned update: changed, gone (or out of scope), or stale.
enum Guard {
    Ok,
    Missing,
    Stale,
}

impl Store {
    /// Moves a referral to a new state if the lifecycle allows it and nobody changed it
    /// since `expected_version`. The check and the write share one transaction, and the
    /// update itself re-checks the version, so two servers cannot both win.
    #[allow(clippy::too_many_arguments)]
    pub async fn transition_referral(
        &self,
        id: i64,
        scope: CaseScope,
        expected_version: i64,
        to: ReferralState,
        reason: Option<CloseReason>,
        note: Option<&str>,
        ctx: &AuditContext,
        settings: &LifecycleSettings,
    ) -> StoreResult<Referral> {
        let actor_id = ctx.actor_id;
        let Some((clause, scope_id)) = referral_scope_clause(scope) else {
            return Err(StoreError::not_found("referral"));
        };
        let select = format!(
            "SELECT r.state, r.version, r.person_id FROM referrals r WHERE r.id = $1 AND {clause}"
        );
        let now = Utc::now();
        let guard = on_writer!(self, pool => {
            let mut tx = pool.begin_with(crate::store::begin_statement(pool)).await?;
            let current: Option<(String, i64, i64)> = sqlx::query_as(&select).bind(id).bind(scope_id).fetch_optional(&mut *tx).await?;
            let Some((state, version, person_id)) = current else { return Err(StoreError::not_found("referral")) };
            // Lock the row at the version the writer saw before reading anything else: a
            // concurrent writer waits here, then finds the version moved on (409), rather
            // than judging its change against state it never saw.
            let locked: Option<(i64,)> = if version == expected_version {
                sqlx::query_as("UPDATE referrals SET version = version WHERE id = $1 AND version = $2 RETURNING id")
                    .bind(id).bind(expected_version).fetch_optional(&mut *tx).await?
            } else {
                None
            };
            if locked.is_none() {
                Guard::Stale
            } else {
                // The lifecycle checks the state the events derive, not the projection column.
                let last: Option<(String,)> = sqlx::query_as(
                    "SELECT to_state FROM referral_events WHERE referral_id = $1 AND to_state IS NOT NULL ORDER BY id DESC LIMIT 1")
                    .bind(id).fetch_optional(&mut *tx).await?;
                let from = match last {
                    Some((derived,)) => code(ReferralState::from_code, &derived)?,
                    None => code(ReferralState::from_code, &state)?,
                };
                let (attempts,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM contacts WHERE referral_id = $1 AND reached = $2")
                    .bind(id).bind(false).fetch_one(&mut *tx).await?;
                check_transition(from, to, reason, attempts as u32, settings)
                    .map_err(Refusal::Transition)?;
                let updated = sqlx::query(
                    "UPDATE referrals SET state = $1, close_reason = $2, version = version + 1 WHERE id = $3 AND version = $4")
                    .bind(to.code()).bind(reason.map(CloseReason::code)).bind(id).bind(expected_version)
                    .execute(&mut *tx).await?;
                if updated.rows_affected() == 0 {
                    Guard::Stale
                } else {
                    // NHS guidance: the referral code when the person accepts, the declined
                    // code when they decline (docs/gp-record.md); the row keeps the latest.
                    let snomed = snomed_code_of_transition(to);
                    if let Some(snomed) = snomed {
                        sqlx::query("UPDATE referrals SET snomed_code = $1 WHERE id = $2")
                            .bind(snomed).bind(id).execute(&mut *tx).await?;
                    }
                    let (event_id,): (i64,) = sqlx::query_as(
                        "INSERT INTO referral_events (referral_id, kind, to_state, close_reason, snomed_code, note, actor_id, at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
                        .bind(id).bind(EventKind::Transition.code()).bind(to.code()).bind(reason.map(CloseReason::code))
                        .bind(snomed).bind(note).bind(actor_id).bind(now)
                        .fetch_one(&mut *tx).await?;
                    if let Some(event) = crate::outbox::OutboxEvent::of_transition(to, reason) {
                        enqueue_gp_message_in!(tx, event, "referral_events", event_id, id, now);
                    }
                    append_audit!(tx, ctx, AuditAction::Update, "referral", Some(id), Some(person_id));
                    tx.commit().await?;
                    Guard::Ok
                }
            }
        });
        self.finish_guarded(id, guard).await
    }

    async fn finish_guarded(&self, id: i64, guard: Guard) -> StoreResult<Referral> {
        match guard {
            Guard::Ok => self.referral_by_id(id).await,
            Guard::Missing => Err(StoreError::not_found("referral")),
            Guard::Stale => Err(StoreError::Stale { what: "referral" }),
        }
    }

    /// Gives the referral to a link worker in the same team.
    pub async fn assign_referral(
        &self,
        id: i64,
        scope: CaseScope,
        expected_version: i64,
        link_worker_id: i64,
        ctx: &AuditContext,
    ) -> StoreResult<Referral> {
        let actor_id = ctx.actor_id;
        let Some((clause, scope_id)) = referral_scope_clause(scope) else {
            return Err(StoreError::not_found("referral"));
        };
        let select = format!(
            "SELECT r.version, r.team_id, r.state, r.person_id FROM referrals r WHERE r.id = $1 AND {clause}"
        );
        let now = Utc::now();
        let guard = on_writer!(self, pool => {
            let mut tx = pool.begin_with(crate::store::begin_statement(pool)).await?;
            let current: Option<(i64, Option<i64>, String, i64)> = sqlx::query_as(&select).bind(id).bind(scope_id).fetch_optional(&mut *tx).await?;
            match current {
                None => Guard::Missing,
                Some((version, _, _, _)) if version != expected_version => Guard::Stale,
                Some((_, team, state, person_id)) => {
                    if !code(ReferralState::from_code, &state)?.is_open() {
                        return Err(Refusal::EndedReferralNotReassigned.into());
                    }
                    let member: Option<(i64,)> = sqlx::query_as(
                        "SELECT id FROM users WHERE id = $1 AND team_id = $2 AND role IN ('link_worker', 'team_lead')")
                        .bind(link_worker_id).bind(team).fetch_optional(&mut *tx).await?;
                    if member.is_none() {
                        return Err(Refusal::NotTeamLinkWorker.into());
                    }
                    let updated = sqlx::query("UPDATE referrals SET link_worker_id = $1, version = version + 1 WHERE id = $2 AND version = $3")
                        .bind(link_worker_id).bind(id).bind(expected_version).execute(&mut *tx).await?;
                    if updated.rows_affected() == 0 {
                        Guard::Stale
                    } else {
                        sqlx::query("INSERT INTO referral_events (referral_id, kind, link_worker_id, actor_id, at) VALUES ($1, $2, $3, $4, $5)")
                            .bind(id).bind(EventKind::Assigned.code()).bind(link_worker_id).bind(actor_id).bind(now)
                            .execute(&mut *tx).await?;
                        append_audit!(tx, ctx, AuditAction::Update, "referral", Some(id), Some(person_id));
                        tx.commit().await?;
                        Guard::Ok
                    }
                }
            }
        });
        self.finish_guarded(id, guard).await
    }
}
