//! One referral and its history, in the steps a link worker takes: first contact
//! (`contacts`), the "what matters" conversation with needs and goals (`plan`), the
//! baseline and follow-up questionnaires (`measures`), connections to services
//! (`connections`), and the review that closes it (`closure`).
//!
//! A history stops where "today" falls: a step that would happen after it leaves the
//! referral open with a follow-up date. Steps draw from the one seeded generator in the
//! order written here; changing that order changes every referral after it.

mod closure;
mod connections;
mod contacts;
mod measures;
mod plan;
mod service_use;

use super::batch::{Batch, Ids};
use super::people::SynthPerson;
use super::staff::{DemoProgramme, Staff};
use crate::referrals::{CloseReason, EventKind, Need, ReferralState, ReferrerKind};
use crate::store::bulk::rows::{ReferralEventRow, ReferralRow};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::ops::ControlFlow;

/// A referral event before it is written.
struct Event {
    kind: EventKind,
    to: Option<ReferralState>,
    close_reason: Option<CloseReason>,
    link_worker: Option<i64>,
    snomed: Option<&'static str>,
    at: DateTime<Utc>,
    actor: i64,
}

/// A referral while its history is being written.
struct History<'a> {
    id: i64,
    person: &'a SynthPerson,
    person_id: i64,
    /// The link worker it is given to, and their team lead.
    worker: i64,
    lead: i64,
    /// The last day a history reaches: the day before the reference date.
    today: NaiveDate,
    /// The day the history has reached.
    day: NaiveDate,
    /// The person's IMD quintile, as a number for the rates.
    quintile: f64,
    /// The programme it belongs to, which shifts how it goes.
    programme: DemoProgramme,
    programme_id: i64,
    needs: Vec<Need>,
    events: Vec<Event>,
    state: ReferralState,
    close_reason: Option<CloseReason>,
    follow_up: Option<NaiveDate>,
}

impl History<'_> {
    fn elapsed(&self, day: NaiveDate) -> bool {
        day <= self.today
    }

    /// Moves on `days`; if that passes today, the referral waits there: stop, with a
    /// follow-up on that day.
    fn wait(&mut self, days: i64) -> ControlFlow<()> {
        self.day += Duration::days(days);
        if self.elapsed(self.day) {
            ControlFlow::Continue(())
        } else {
            self.follow_up = Some(self.day);
            ControlFlow::Break(())
        }
    }

    /// Records a move to `to` (with a close reason when it closes), by `actor` at `at`.
    fn transition(
        &mut self,
        to: ReferralState,
        close_reason: Option<CloseReason>,
        snomed: Option<&'static str>,
        at: DateTime<Utc>,
        actor: i64,
    ) {
        self.events.push(Event {
            kind: EventKind::Transition,
            to: Some(to),
            close_reason,
            link_worker: None,
            snomed,
            at,
            actor,
        });
        self.state = to;
        if close_reason.is_some() {
            self.close_reason = close_reason;
        }
    }

    /// The steps in order, until one stops the history.
    fn unfold(
        &mut self,
        rng: &mut ChaCha8Rng,
        t: &mut Batch,
        ids: &mut Ids,
        staff: &Staff,
    ) -> ControlFlow<()> {
        contacts::first_contact(self, rng, t)?;
        let goals = plan::agree_plan(self, rng, t, ids);
        let levels = measures::baseline(self, rng, t);
        self.wait(rng.gen_range(5..15))?;
        let attended_any = connections::connect(self, rng, t, ids, staff);
        closure::review_and_close(self, rng, t, &goals, &levels, attended_any)
    }
}

/// A time in working hours on `day`.
fn at(day: NaiveDate, rng: &mut ChaCha8Rng) -> DateTime<Utc> {
    day.and_hms_opt(rng.gen_range(9..17), rng.gen_range(0..60), 0)
        .expect("valid time")
        .and_utc()
}

/// A referral for the person from their practice, received in the year before `today`,
/// with its history up to today.
#[allow(clippy::too_many_arguments)]
pub(super) fn synth_referral(
    rng: &mut ChaCha8Rng,
    t: &mut Batch,
    ids: &mut Ids,
    staff: &Staff,
    p: &SynthPerson,
    person_id: i64,
    practice: i64,
    today: NaiveDate,
) {
    ids.referral += 1;
    let team = staff.practice_team[&practice];
    let gp = staff.practice_gp[&practice];
    let workers = &staff.team_workers[&team];
    let worker = workers[rng.gen_range(0..workers.len())];
    let today = today - Duration::days(1);
    // Never before the person was born.
    let days_back = (today - p.date_of_birth).num_days().clamp(0, 364);
    let received = today - Duration::days(rng.gen_range(0..=days_back));
    let received_at = at(received, rng);
    let kind = *[
        ReferrerKind::Gp,
        ReferrerKind::Gp,
        ReferrerKind::Gp,
        ReferrerKind::PracticeStaff,
        ReferrerKind::Other,
        ReferrerKind::SelfReferral,
    ]
    .choose(rng)
    .expect("non-empty");
    let needs = plan::pick_needs(rng, p);
    let (programme, programme_id) = staff.programmes.pick(team, p.age, &needs, ids.referral);
    let mut history = History {
        id: ids.referral,
        person: p,
        person_id,
        worker,
        lead: workers[0],
        today,
        day: received,
        quintile: p.quintile() as f64,
        programme,
        programme_id,
        needs,
        events: vec![Event {
            kind: EventKind::Created,
            to: Some(ReferralState::Received),
            close_reason: None,
            // No code on receipt: the referral code is recorded when the person accepts.
            link_worker: None,
            snomed: None,
            at: received_at,
            actor: gp,
        }],
        state: ReferralState::Received,
        close_reason: None,
        follow_up: None,
    };
    // Where the history stops is already recorded in it (state, or a follow-up date).
    let _ = history.unfold(rng, t, ids, staff);
    service_use::practice_counts(&history, t, received_at);
    write_referral(t, history, practice, kind, gp, team, received_at);
}

/// The referral row as its history left it, then its events.
fn write_referral(
    t: &mut Batch,
    history: History,
    practice: i64,
    kind: ReferrerKind,
    gp: i64,
    team: i64,
    received_at: DateTime<Utc>,
) {
    let rid = history.id;
    let assigned = history.events.iter().any(|e| e.kind == EventKind::Assigned);
    t.referrals.push(ReferralRow {
        id: rid,
        person_id: history.person_id,
        state: history.state.code(),
        version: history.events.len() as i64,
        referrer_kind: kind.code(),
        referred_by: gp,
        reason: format!(
            "Would benefit from support with {}",
            history.needs[0].label().to_lowercase()
        ),
        team_id: team,
        link_worker_id: assigned.then_some(history.worker),
        close_reason: history.close_reason.map(CloseReason::code),
        received_at,
        next_follow_up_on: if history.state.is_open() {
            history.follow_up
        } else {
            None
        },
        // The latest code recorded: the referral code once accepted, declined on a decline.
        snomed_code: history.events.iter().rev().find_map(|e| e.snomed),
        practice_id_at_referral: practice,
        imd_decile_at_referral: history.person.decile as i32,
        programme_id: Some(history.programme_id),
    });
    for event in history.events {
        t.events.push(ReferralEventRow {
            referral_id: rid,
            kind: event.kind.code(),
            to_state: event.to.map(ReferralState::code),
            close_reason: event.close_reason.map(CloseReason::code),
            link_worker_id: event.link_worker,
            snomed_code: event.snomed,
            note: None,
            actor_id: event.actor,
            at: event.at,
        });
    }
}
