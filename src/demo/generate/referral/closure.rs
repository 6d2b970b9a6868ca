//! The review about three months in: some people have stopped engaging (more in deprived
//! areas and among those who attended nothing); the rest take the follow-up questionnaires,
//! their goals are reviewed, and the referral closes on how far they got.

use super::measures::{self, Levels};
use super::{at, History};
use crate::demo::generate::batch::Batch;
use crate::demo::generate::referral::connections::pick_barrier;
use crate::referrals::{CloseReason, ReferralState};
use crate::store::bulk::rows::{BarrierRow, ContactRow, GoalProgressRow};
use chrono::Duration;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::ops::ControlFlow;

/// Reviews and closes the referral, unless the review day has not come yet (then it stays
/// open with a follow-up date around today).
pub(super) fn review_and_close(
    r: &mut History,
    rng: &mut ChaCha8Rng,
    t: &mut Batch,
    goal_ids: &[i64],
    levels: &Levels,
    attended_any: bool,
) -> ControlFlow<()> {
    r.day += Duration::days(rng.gen_range(60..110));
    if !r.elapsed(r.day) {
        r.follow_up = Some(r.today + Duration::days(rng.gen_range(-20..30)));
        return ControlFlow::Break(());
    }
    let p_disengage = 0.1 + 0.03 * (5.0 - r.quintile) + if attended_any { 0.0 } else { 0.12 };
    if rng.gen_bool(p_disengage.min(0.9)) {
        let barrier = pick_barrier(rng, r.person);
        t.barriers.push(BarrierRow {
            referral_id: r.id,
            barrier: barrier.code(),
            connection_id: None,
            notes: "Stopped engaging",
            at: at(r.day, rng),
            recorded_by: r.worker,
        });
        let when = at(r.day, rng);
        r.transition(
            ReferralState::Closed,
            Some(CloseReason::Disengaged),
            None,
            when,
            r.worker,
        );
        return ControlFlow::Break(());
    }
    measures::follow_up(r, rng, t, levels, attended_any);
    let progress = if attended_any {
        rng.gen_range(5..=10)
    } else {
        rng.gen_range(1..=6)
    };
    for goal in goal_ids {
        t.goal_progress.push(GoalProgressRow {
            goal_id: *goal,
            progress,
            note: "review",
            at: at(r.day, rng),
            recorded_by: r.worker,
        });
    }
    t.contacts.push(ContactRow {
        referral_id: r.id,
        at: at(r.day, rng),
        mode: "phone",
        duration_minutes: 20,
        reached: true,
        notes: "Follow-up review",
        what_matters: None,
        recorded_by: r.worker,
    });
    let reason = if progress >= r.programme.goals_met_from() {
        CloseReason::GoalsMet
    } else if progress >= 4 {
        CloseReason::GoalsPartlyMet
    } else {
        CloseReason::Disengaged
    };
    let when = at(r.day, rng);
    r.transition(ReferralState::Closed, Some(reason), None, when, r.worker);
    ControlFlow::Continue(())
}
