//! One pass over the facts into exact counts, each with its cell key. Nothing here is
//! suppressed: tallies never leave the process; `report` applies disclosure control.

use super::facts::{ActivityFacts, Ending, NEVER, NONE};
use super::{Request, Scope};
use crate::equity::tally::Count;
use crate::referrals::{Barrier, CloseReason, ContactMode, Need, ReferrerKind};

/// Waiting-time bands (days from receipt to first reaching the person, inclusive upper
/// bounds); the last band is open.
pub const WAIT_BANDS: [(i32, &str); 6] = [
    (7, "0 to 7 days"),
    (14, "8 to 14 days"),
    (28, "15 to 28 days"),
    (56, "29 to 56 days"),
    (91, "57 to 91 days"),
    (i32::MAX, "92 days or more"),
];

/// The figures shown month by month, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Monthly {
    Referrals,
    PeopleSupported,
    Contacts,
    ContactsReached,
    ConnectionsSent,
    ConnectionsAttended,
    Declined,
    UnableToContact,
    Closed,
    GoalsMet,
}

impl Monthly {
    pub const ALL: [Monthly; 10] = [
        Monthly::Referrals,
        Monthly::PeopleSupported,
        Monthly::Contacts,
        Monthly::ContactsReached,
        Monthly::ConnectionsSent,
        Monthly::ConnectionsAttended,
        Monthly::Declined,
        Monthly::UnableToContact,
        Monthly::Closed,
        Monthly::GoalsMet,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Monthly::Referrals => "referrals",
            Monthly::PeopleSupported => "people_supported",
            Monthly::Contacts => "contacts",
            Monthly::ContactsReached => "contacts_reached",
            Monthly::ConnectionsSent => "connections_sent",
            Monthly::ConnectionsAttended => "connections_attended",
            Monthly::Declined => "declined",
            Monthly::UnableToContact => "unable_to_contact",
            Monthly::Closed => "closed",
            Monthly::GoalsMet => "goals_met",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Monthly::Referrals => "Referrals received",
            Monthly::PeopleSupported => "People supported",
            Monthly::Contacts => "Contacts (all attempts)",
            Monthly::ContactsReached => "Contacts that reached the person",
            Monthly::ConnectionsSent => "Connections sent",
            Monthly::ConnectionsAttended => "Connections attended (of those sent)",
            Monthly::Declined => "Declined",
            Monthly::UnableToContact => "Unable to contact",
            Monthly::Closed => "Closed",
            Monthly::GoalsMet => "Closed with goals met",
        }
    }
}

/// Months in the monthly series: the twelve shown and the twelve a year before them.
pub const SERIES_MONTHS: usize = 24;

/// Sent, accepted, declined, attended.
pub type ConnectionCounts = [Count; 4];

/// The figures broken down by programme, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByProgramme {
    Referrals,
    PeopleSupported,
    FirstReached,
    Closed,
    GoalsMet,
    ConnectionsSent,
    ConnectionsAttended,
}

impl ByProgramme {
    pub const ALL: [ByProgramme; 7] = [
        ByProgramme::Referrals,
        ByProgramme::PeopleSupported,
        ByProgramme::FirstReached,
        ByProgramme::Closed,
        ByProgramme::GoalsMet,
        ByProgramme::ConnectionsSent,
        ByProgramme::ConnectionsAttended,
    ];
    pub fn code(self) -> &'static str {
        match self {
            ByProgramme::Referrals => "referrals",
            ByProgramme::PeopleSupported => "people_supported",
            ByProgramme::FirstReached => "first_reached",
            ByProgramme::Closed => "closed",
            ByProgramme::GoalsMet => "goals_met",
            ByProgramme::ConnectionsSent => "connections_sent",
            ByProgramme::ConnectionsAttended => "connections_attended",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            ByProgramme::Referrals => "Referrals received",
            ByProgramme::PeopleSupported => "People supported",
            ByProgramme::FirstReached => "First reached",
            ByProgramme::Closed => "Closed",
            ByProgramme::GoalsMet => "Closed with goals met",
            ByProgramme::ConnectionsSent => "Connections sent",
            ByProgramme::ConnectionsAttended => "Connections attended",
        }
    }
}

pub type ProgrammeCounts = [Count; ByProgramme::ALL.len()];

/// Exact counts for one request.
#[derive(Debug, Clone)]
pub struct Tally {
    pub referrals: Count,
    pub by_kind: [Count; ReferrerKind::ALL.len()],
    /// One per practice, then "not known".
    pub by_practice: Vec<Count>,
    /// One per team, then "no team".
    pub by_team: Vec<Count>,
    /// One per programme, then "no programme".
    pub by_programme: Vec<ProgrammeCounts>,
    /// One per need, then "none recorded".
    pub by_need: [Count; Need::ALL.len() + 1],
    pub people_supported: Count,
    pub contacts: [Count; ContactMode::ALL.len()],
    pub reached: [Count; ContactMode::ALL.len()],
    /// Open referrals on the period's last day, one per worker, then "not assigned".
    pub caseload: Vec<Count>,
    pub waits: [Count; WAIT_BANDS.len()],
    pub declined: Count,
    /// One per barrier, then "no reason recorded".
    pub decline_reasons: [Count; Barrier::ALL.len() + 1],
    pub unable_to_contact: Count,
    pub closures: [Count; CloseReason::ALL.len()],
    /// Closures with a baseline and a follow-up recorded.
    pub outcome_pairs: Count,
    pub connections: ConnectionCounts,
    pub by_service: Vec<ConnectionCounts>,
    pub by_organisation: Vec<ConnectionCounts>,
    /// Declined connections by the barrier recorded on them, then "no reason recorded".
    pub connection_decline_reasons: [Count; Barrier::ALL.len() + 1],
    /// `SERIES_MONTHS` months ending with the period's last month, oldest first.
    pub monthly: Vec<[Count; Monthly::ALL.len()]>,
}

impl Tally {
    fn new(facts: &ActivityFacts) -> Tally {
        Tally {
            referrals: Count::default(),
            by_kind: Default::default(),
            by_practice: vec![Count::default(); facts.practices.len() + 1],
            by_team: vec![Count::default(); facts.teams.len() + 1],
            by_programme: vec![Default::default(); facts.programmes.len() + 1],
            by_need: Default::default(),
            people_supported: Count::default(),
            contacts: Default::default(),
            reached: Default::default(),
            caseload: vec![Count::default(); facts.workers.len() + 1],
            waits: Default::default(),
            declined: Count::default(),
            decline_reasons: Default::default(),
            unable_to_contact: Count::default(),
            closures: Default::default(),
            outcome_pairs: Count::default(),
            connections: Default::default(),
            by_service: vec![Default::default(); facts.services.len()],
            by_organisation: vec![Default::default(); facts.organisations.len()],
            connection_decline_reasons: Default::default(),
            monthly: vec![Default::default(); SERIES_MONTHS],
        }
    }
}

fn add_bits(counts: &mut [Count], bits: u32, key: u64) {
    let mut bits = bits;
    while bits != 0 {
        if let Some(c) = counts.get_mut(bits.trailing_zeros() as usize) {
            c.add(key);
        }
        bits &= bits - 1;
    }
}

fn index(i: u16, len: usize) -> usize {
    if i == NONE {
        len - 1
    } else {
        usize::from(i).min(len - 1)
    }
}

/// Folds everything in scope into the counts for the request's period and its series.
pub fn tally(facts: &ActivityFacts, request: &Request) -> Tally {
    let mut t = Tally::new(facts);
    let (first, last) = (request.period.first_month, request.period.last_month);
    let series_start = last - SERIES_MONTHS as i32 + 1;
    let in_period = |m: i32| m >= first && m <= last;
    let series = |m: i32| {
        let at = m - series_start;
        (0..SERIES_MONTHS as i32)
            .contains(&at)
            .then_some(at as usize)
    };
    let team = match request.scope {
        Scope::All => None,
        Scope::Team(t) => Some(t),
    };
    let programme = request.programme;
    let in_scope = |t: u16, p: u16| {
        team.is_none_or(|want| want == t) && programme.is_none_or(|want| want == p)
    };
    let programme_rows = t.by_programme.len();
    let end_day = request.period.last_day;
    let needs = Need::ALL.len();
    let goals_met = CloseReason::ALL
        .iter()
        .position(|r| *r == CloseReason::GoalsMet)
        .unwrap_or(0);

    for r in &facts.referrals {
        if !in_scope(r.team, r.programme) {
            continue;
        }
        let key = r.key;
        let by_programme = &mut t.by_programme[index(r.programme, programme_rows)];
        if in_period(r.received_month) {
            by_programme[ByProgramme::Referrals as usize].add(key);
            t.referrals.add(key);
            t.by_kind[usize::from(r.kind).min(ReferrerKind::ALL.len() - 1)].add(key);
            let p = index(r.practice, t.by_practice.len());
            t.by_practice[p].add(key);
            let tm = index(r.team, t.by_team.len());
            t.by_team[tm].add(key);
            if r.needs == 0 {
                t.by_need[needs].add(key);
            } else {
                add_bits(&mut t.by_need, r.needs, key);
            }
        }
        if let Some(m) = series(r.received_month) {
            t.monthly[m][Monthly::Referrals as usize].add(key);
        }
        // Waiting: referrals first reached in the period, by days from receipt.
        if r.first_reached_day != NEVER && in_period(r.first_reached_month) {
            by_programme[ByProgramme::FirstReached as usize].add(key);
            let wait = r.first_reached_day - r.received_day;
            let band = WAIT_BANDS
                .iter()
                .position(|(upto, _)| wait <= *upto)
                .unwrap_or(WAIT_BANDS.len() - 1);
            t.waits[band].add(key);
        }
        // Caseload: open on the period's last day.
        if r.received_day <= end_day && r.end_day > end_day {
            let w = facts.worker_on(r, end_day);
            let at = index(w, t.caseload.len());
            t.caseload[at].add(key);
        }
        if r.ending != Ending::Open {
            let month = r.end_month;
            let current = in_period(month);
            let m = series(month);
            match r.ending {
                Ending::Declined => {
                    if current {
                        t.declined.add(key);
                        let reasons = r.barriers;
                        if reasons == 0 {
                            t.decline_reasons[Barrier::ALL.len()].add(key);
                        } else {
                            add_bits(&mut t.decline_reasons, reasons, key);
                        }
                    }
                    if let Some(m) = m {
                        t.monthly[m][Monthly::Declined as usize].add(key);
                    }
                }
                Ending::UnableToContact => {
                    if current {
                        t.unable_to_contact.add(key);
                    }
                    if let Some(m) = m {
                        t.monthly[m][Monthly::UnableToContact as usize].add(key);
                    }
                }
                Ending::Closed(reason) => {
                    let reason = usize::from(reason).min(CloseReason::ALL.len() - 1);
                    if current {
                        let row = &mut t.by_programme[index(r.programme, programme_rows)];
                        row[ByProgramme::Closed as usize].add(key);
                        if reason == goals_met {
                            row[ByProgramme::GoalsMet as usize].add(key);
                        }
                        t.closures[reason].add(key);
                        if r.outcome_pair {
                            t.outcome_pairs.add(key);
                        }
                    }
                    if let Some(m) = m {
                        t.monthly[m][Monthly::Closed as usize].add(key);
                        if reason == goals_met {
                            t.monthly[m][Monthly::GoalsMet as usize].add(key);
                        }
                    }
                }
                Ending::Open => {}
            }
        }
    }

    for c in &facts.contacts {
        let r = &facts.referrals[c.referral as usize];
        if !in_scope(r.team, r.programme) {
            continue;
        }
        let mode = usize::from(c.mode).min(ContactMode::ALL.len() - 1);
        if in_period(c.month) {
            t.contacts[mode].add(c.key);
            if c.reached {
                t.reached[mode].add(c.key);
            }
        }
        if let Some(m) = series(c.month) {
            t.monthly[m][Monthly::Contacts as usize].add(c.key);
            if c.reached {
                t.monthly[m][Monthly::ContactsReached as usize].add(c.key);
            }
        }
    }

    // People supported: each person once in the period and once per month of the series
    // (and once per programme in the period: a person's entries are together, so the
    // programmes already counted for them are few).
    let mut last_in_period = u32::MAX;
    let mut last_in_month = (u32::MAX, 0);
    let mut programmes_counted: Vec<u16> = Vec::new();
    for s in &facts.supported {
        if !in_scope(s.team, s.programme) {
            continue;
        }
        let key = facts.person_keys[s.person as usize];
        if in_period(s.month) {
            if last_in_period != s.person {
                last_in_period = s.person;
                t.people_supported.add(key);
                programmes_counted.clear();
            }
            if !programmes_counted.contains(&s.programme) {
                programmes_counted.push(s.programme);
                t.by_programme[index(s.programme, programme_rows)]
                    [ByProgramme::PeopleSupported as usize]
                    .add(key);
            }
        }
        if let Some(m) = series(s.month) {
            if last_in_month != (s.person, s.month) {
                last_in_month = (s.person, s.month);
                t.monthly[m][Monthly::PeopleSupported as usize].add(key);
            }
        }
    }

    let reasons = Barrier::ALL.len();
    for k in &facts.connections {
        let r = &facts.referrals[k.referral as usize];
        if !in_scope(r.team, r.programme) {
            continue;
        }
        if in_period(k.sent_month) {
            let row = &mut t.by_programme[index(r.programme, programme_rows)];
            row[ByProgramme::ConnectionsSent as usize].add(k.key);
            if k.attended {
                row[ByProgramme::ConnectionsAttended as usize].add(k.key);
            }
            let flags = [true, k.accepted, k.declined, k.attended];
            let organisation = facts.services[k.service as usize].organisation as usize;
            for (i, on) in flags.into_iter().enumerate() {
                if on {
                    t.connections[i].add(k.key);
                    t.by_service[k.service as usize][i].add(k.key);
                    t.by_organisation[organisation][i].add(k.key);
                }
            }
            if k.declined {
                if k.barriers == 0 {
                    t.connection_decline_reasons[reasons].add(k.key);
                } else {
                    add_bits(&mut t.connection_decline_reasons, k.barriers, k.key);
                }
            }
        }
        if let Some(m) = series(k.sent_month) {
            t.monthly[m][Monthly::ConnectionsSent as usize].add(k.key);
            if k.attended {
                t.monthly[m][Monthly::ConnectionsAttended as usize].add(k.key);
            }
        }
    }
    t
}
