//! The "what matters to me" conversation: the person's needs, and a goal for each of the
//! first two.

use super::{at, History};
use crate::demo::generate::batch::{Batch, Ids};
use crate::demo::generate::people::SynthPerson;
use crate::people::PlusGroup;
use crate::referrals::{ContactMode, Need, ReferralState, SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING};
use crate::store::bulk::rows::{ContactRow, GoalProgressRow, GoalRow, NeedRow};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Goals agreed per referral: one for each of the first needs.
pub(super) const GOALS_PER_REFERRAL: usize = 2;

/// One to three needs, weighted by the person's age, deprivation and circumstances.
pub(super) fn pick_needs(rng: &mut ChaCha8Rng, p: &SynthPerson) -> Vec<Need> {
    let mut weighted: Vec<(Need, f64)> = vec![
        (Need::Loneliness, if p.age >= 65 { 3.0 } else { 1.2 }),
        (Need::MentalWellbeing, 2.0),
        (
            Need::LongTermCondition,
            0.5 + 0.5 * p.conditions.len() as f64,
        ),
        (Need::PhysicalActivity, 1.0),
        (Need::Money, 0.6 + 0.25 * (10 - p.decile) as f64),
        (Need::Housing, 0.3 + 0.15 * (10 - p.decile) as f64),
        (Need::Food, 0.1 + 0.1 * (10 - p.decile) as f64),
        (Need::Employment, if p.age < 65 { 0.8 } else { 0.05 }),
        (
            Need::CarerSupport,
            if p.plus.contains(&PlusGroup::Carer) {
                3.0
            } else {
                0.1
            },
        ),
        (Need::DigitalInclusion, if p.age >= 70 { 0.8 } else { 0.2 }),
        (Need::Transport, 0.3),
        (Need::LegalAdvice, if p.minority() { 0.4 } else { 0.1 }),
        (Need::SubstanceUse, 0.15),
        (Need::Bereavement, if p.age >= 65 { 0.6 } else { 0.2 }),
        (Need::DomesticAbuse, 0.05),
    ];
    let count = 1 + rng.gen_range(0..3usize);
    let mut chosen = Vec::new();
    for _ in 0..count {
        let total: f64 = weighted.iter().map(|w| w.1).sum();
        let mut x = rng.gen::<f64>() * total;
        let idx = weighted.iter().position(|w| {
            x -= w.1;
            x <= 0.0
        });
        let idx = idx.unwrap_or(weighted.len() - 1);
        chosen.push(weighted.remove(idx).0);
    }
    chosen
}

/// The conversation (a contact), the referral made active, its needs, and the goals
/// agreed; returns the goals' ids.
pub(super) fn agree_plan(
    r: &mut History,
    rng: &mut ChaCha8Rng,
    t: &mut Batch,
    ids: &mut Ids,
) -> Vec<i64> {
    let mode = *[
        ContactMode::InPerson,
        ContactMode::InPerson,
        ContactMode::Phone,
        ContactMode::HomeVisit,
        ContactMode::Video,
    ]
    .choose(rng)
    .expect("non-empty");
    // Drawn in this order: the time, then the length.
    let contact_at = at(r.day, rng);
    let duration_minutes = rng.gen_range(30..75i32);
    t.contacts.push(ContactRow {
        referral_id: r.id,
        at: contact_at,
        mode: mode.code(),
        duration_minutes,
        reached: true,
        notes: "What matters conversation",
        what_matters: Some(format!(
            "Wants help with {}",
            r.needs[0].label().to_lowercase()
        )),
        recorded_by: r.worker,
    });
    let when = at(r.day, rng);
    r.transition(
        ReferralState::Active,
        None,
        Some(SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING),
        when,
        r.worker,
    );
    for need in &r.needs {
        t.needs.push(NeedRow {
            referral_id: r.id,
            need: need.code(),
            notes: "",
        });
    }
    let mut goal_ids = Vec::new();
    for need in r.needs.iter().take(GOALS_PER_REFERRAL) {
        ids.goal += 1;
        goal_ids.push(ids.goal);
        t.goals.push(GoalRow {
            id: ids.goal,
            referral_id: r.id,
            description: format!("Make progress with {}", need.label().to_lowercase()),
            need: need.code(),
            created_at: at(r.day, rng),
        });
        t.goal_progress.push(GoalProgressRow {
            goal_id: ids.goal,
            progress: 0,
            note: "goal agreed",
            at: at(r.day, rng),
            recorded_by: r.worker,
        });
    }
    goal_ids
}
