//! Assignment and first contact: slower and less often successful in deprived areas and for
//! inclusion health groups; some people cannot be reached, a few decline.

use super::{at, Event, History};
use crate::demo::generate::batch::Batch;
use crate::people::PlusGroup;
use crate::referrals::{EventKind, ReferralState, SNOMED_SOCIAL_PRESCRIBING_DECLINED};
use crate::store::bulk::rows::ContactRow;
use chrono::Duration;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::ops::ControlFlow;

/// Attempts a phone call makes before a person counts as unable to be contacted.
const ATTEMPTS_BEFORE_UNABLE_TO_CONTACT: usize = 3;

/// Assigns the referral, starts contacting the person, and stops the history if they
/// cannot be reached or decline.
pub(super) fn first_contact(
    r: &mut History,
    rng: &mut ChaCha8Rng,
    t: &mut Batch,
) -> ControlFlow<()> {
    r.day += Duration::days(rng.gen_range(1..4));
    if r.elapsed(r.day) {
        r.events.push(Event {
            kind: EventKind::Assigned,
            to: None,
            close_reason: None,
            link_worker: Some(r.worker),
            snomed: None,
            at: at(r.day, rng),
            actor: r.lead,
        });
    }
    r.wait(rng.gen_range(2..8) + (5.0 - r.quintile) as i64 * 2)?;
    r.transition(
        ReferralState::Contacting,
        None,
        None,
        at(r.day, rng),
        r.worker,
    );
    let p_unreachable = 0.05
        + 0.025 * (5.0 - r.quintile)
        + if r.person.plus.contains(&PlusGroup::InclusionHealth) {
            0.15
        } else {
            0.0
        };
    if rng.gen_bool(p_unreachable) {
        return unreachable(r, rng, t);
    }
    if rng.gen_bool(0.08) {
        t.contacts.push(ContactRow {
            referral_id: r.id,
            at: at(r.day, rng),
            mode: "phone",
            duration_minutes: 15,
            reached: true,
            notes: "Explained social prescribing; does not want support now",
            what_matters: None,
            recorded_by: r.worker,
        });
        let when = at(r.day, rng);
        r.transition(
            ReferralState::Declined,
            None,
            Some(SNOMED_SOCIAL_PRESCRIBING_DECLINED),
            when,
            r.worker,
        );
        return ControlFlow::Break(());
    }
    ControlFlow::Continue(())
}

/// Unanswered calls a few days apart, then "unable to contact" if that day has come.
fn unreachable(r: &mut History, rng: &mut ChaCha8Rng, t: &mut Batch) -> ControlFlow<()> {
    for _ in 0..ATTEMPTS_BEFORE_UNABLE_TO_CONTACT {
        if !r.elapsed(r.day) {
            break;
        }
        t.contacts.push(ContactRow {
            referral_id: r.id,
            at: at(r.day, rng),
            mode: "phone",
            duration_minutes: 5,
            reached: false,
            notes: "No answer; voicemail left",
            what_matters: None,
            recorded_by: r.worker,
        });
        r.day += Duration::days(rng.gen_range(2..6));
    }
    if r.elapsed(r.day) {
        let when = at(r.day, rng);
        r.transition(ReferralState::UnableToContact, None, None, when, r.worker);
    } else {
        r.follow_up = Some(r.day);
    }
    ControlFlow::Break(())
}
