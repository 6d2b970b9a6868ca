//! The cost report's denominators, counted exactly from the activity report's facts with
//! the activity report's definitions (docs/activity-report.md), so the two reports never
//! disagree about who was supported:
//!
//! * **people supported**: distinct people reached by at least one contact in the period;
//! * **people connected**: distinct people with at least one connection sent in the period
//!   that the service accepted (accepted, in progress, attended or completed: the activity
//!   report's "accepted", which includes every attended one);
//! * **goals met**: referrals closed in the period with the reason "goals met".
//!
//! Nothing here is published: `report` applies disclosure control to each count.

use crate::activity::facts::{ActivityFacts, Ending, NONE};
use crate::activity::ReportPeriod;
use crate::equity::tally::Count;
use crate::referrals::CloseReason;
use std::collections::HashSet;

/// The three denominators of one row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Denominators {
    pub people_supported: Count,
    pub people_connected: Count,
    pub goals_met: Count,
}

/// One row per programme (in `facts.programmes` order), then the row for all programmes
/// together (every referral that belongs to a programme, each person once). Referrals that
/// belong to no programme are in no row: no programme's costs paid for them.
pub fn tally(
    facts: &ActivityFacts,
    period: &ReportPeriod,
    programme: Option<u16>,
) -> Vec<Denominators> {
    let programmes = facts.programmes.len();
    let mut rows = vec![Denominators::default(); programmes + 1];
    let all = programmes;
    let (first, last) = (period.first_month, period.last_month);
    let in_period = |m: i32| m >= first && m <= last;
    let counted =
        |p: u16| p != NONE && usize::from(p) < programmes && programme.is_none_or(|w| w == p);

    // People supported: `supported` is sorted by person, so a person's entries are together.
    let mut person = u32::MAX;
    let mut seen: Vec<u16> = Vec::new();
    for s in &facts.supported {
        if !counted(s.programme) || !in_period(s.month) {
            continue;
        }
        let key = facts.person_keys[s.person as usize];
        if s.person != person {
            person = s.person;
            seen.clear();
            rows[all].people_supported.add(key);
        }
        if !seen.contains(&s.programme) {
            seen.push(s.programme);
            rows[usize::from(s.programme)].people_supported.add(key);
        }
    }

    // People connected: connections are in referral order, not by person.
    let mut connected: HashSet<(u32, u16)> = HashSet::new();
    let mut connected_anywhere: HashSet<u32> = HashSet::new();
    for k in &facts.connections {
        if !k.accepted || !in_period(k.sent_month) {
            continue;
        }
        let r = &facts.referrals[k.referral as usize];
        if !counted(r.programme) {
            continue;
        }
        let key = facts.person_keys[r.person as usize];
        if connected.insert((r.person, r.programme)) {
            rows[usize::from(r.programme)].people_connected.add(key);
        }
        if connected_anywhere.insert(r.person) {
            rows[all].people_connected.add(key);
        }
    }

    let goals_met = CloseReason::ALL
        .iter()
        .position(|r| *r == CloseReason::GoalsMet)
        .unwrap_or(0) as u8;
    for r in &facts.referrals {
        if r.ending == Ending::Closed(goals_met) && in_period(r.end_month) && counted(r.programme) {
            rows[usize::from(r.programme)].goals_met.add(r.key);
            rows[all].goals_met.add(r.key);
        }
    }
    rows
}
