//! Handing a link worker's whole open caseload to a colleague (issue 15: someone is away):
//! every open referral they hold in the team moves at once, in one transaction, each with
//! its `assigned` event and audit record, so the history says who held it when and why.

use super::audit::append_audit;
use super::error::{Refusal, StoreResult};
use super::{on_writer, Store};
use crate::audit::{AuditAction, AuditContext};
use crate::referrals::EventKind;
use chrono::Utc;

/// The note on each `assigned` event a hand-over writes.
const HANDED_OVER: &str = "caseload handed over by the team lead";

impl Store {
    /// Gives every open referral `from` holds in `team` to `to`; both must be link workers
    /// or team leads of the team. Returns the referrals moved, in id order. All or nothing.
    pub async fn hand_over_caseload(
        &self,
        team: i64,
        from: i64,
        to: i64,
        ctx: &AuditContext,
    ) -> StoreResult<Vec<i64>> {
        let now = Utc::now();
        Ok(on_writer!(self, pool => {
            let mut tx = pool.begin_with(crate::store::begin_statement(pool)).await?;
            let (members,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM users WHERE id IN ($1, $2) AND team_id = $3 AND role IN ('link_worker', 'team_lead')")
                .bind(from).bind(to).bind(team).fetch_one(&mut *tx).await?;
            if members != 2 {
                return Err(Refusal::NotTeamLinkWorker.into());
            }
            let held: Vec<(i64, i64)> = sqlx::query_as(
                "UPDATE referrals SET link_worker_id = $1, version = version + 1 \
                 WHERE team_id = $2 AND link_worker_id = $3 AND state IN ('received', 'contacting', 'active') \
                 RETURNING id, person_id")
                .bind(to).bind(team).bind(from).fetch_all(&mut *tx).await?;
            let mut moved: Vec<(i64, i64)> = held;
            moved.sort_unstable();
            for (referral_id, person_id) in &moved {
                sqlx::query("INSERT INTO referral_events (referral_id, kind, link_worker_id, note, actor_id, at) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(referral_id).bind(EventKind::Assigned.code()).bind(to).bind(HANDED_OVER).bind(ctx.actor_id).bind(now)
                    .execute(&mut *tx).await?;
                append_audit!(tx, ctx, AuditAction::Update, "referral", Some(*referral_id), Some(*person_id));
            }
            tx.commit().await?;
            moved.into_iter().map(|(id, _)| id).collect()
        }))
    }
}
