//! A referral's section of the person's page: its state, what happened in time order, and
//! the casework lists (what matters, needs, goals, barriers, measures, connections, visits).
//! `ReferralPanel::new` is a list of named steps, one per kind of record.

use super::score_chart::{score_charts, ScoreSeries};
use super::Choice;
use crate::measures::Score;
use crate::referrals::{suggested_next, Casework, ReferralDetail, ReferralState, WorkerLoad};
use crate::referrals::{
    Connection, Contact, EventKind, Goal, Measure, RecordedBarrier, RecordedNeed, ReferralEvent,
    Visit,
};
use chrono::{DateTime, Utc};

pub struct Line {
    pub when: String,
    pub what: String,
    pub detail: String,
    /// Codes and raw scores (a SNOMED CT code, a SWEMWBS raw total): shown only inside a
    /// "Technical details" element, never in front of the words a link worker reads.
    pub technical: String,
}

/// A score in plain words: the figure on its scale and which way is better. The exact
/// SWEMWBS metric and raw total go to `technical`.
fn plain_score(score: &Score) -> String {
    match score {
        Score::Swemwbs { metric, .. } => {
            format!("{metric:.2} on a scale of 7 to 35 (higher is better)")
        }
        Score::Ucla3 { total } => format!("{total} on a scale of 3 to 9 (lower is better)"),
        ons4 => ons4.summary(),
    }
}

/// The exact figures behind `plain_score`, for those who need them.
fn technical_score(score: &Score) -> String {
    match score {
        Score::Swemwbs { .. } => format!("SWEMWBS {}", score.summary()),
        _ => String::new(),
    }
}

/// A connection's message thread, linked from the referral's section.
pub struct ThreadLink {
    pub connection_id: i64,
    pub service: String,
    /// Messages from the organisation the viewer has not read.
    pub unread: i64,
}

pub struct ReferralPanel {
    pub id: i64,
    pub version: i64,
    pub state: String,
    pub open: bool,
    pub reason: String,
    pub received: String,
    pub next_states: Vec<Choice>,
    pub link_worker_id: Option<i64>,
    /// Who holds it, in words: "you", a colleague's name, or "Not assigned".
    pub holder: String,
    /// The viewer holds it (no "Assign to me").
    pub held_by_me: bool,
    /// The holder's user id as a choice's value ("" for nobody).
    pub holder_value: String,
    /// The next state the work suggests (`referrals::suggested_next`), offered as one button.
    pub suggested: Option<Choice>,
    /// Everything that happened, in order: the referral's events, contacts, needs, goals,
    /// measures, connections and visits.
    pub timeline: Vec<Line>,
    pub what_matters: Vec<String>,
    pub needs: Vec<String>,
    pub goals: Vec<GoalLine>,
    pub barriers: Vec<Line>,
    pub measures: Vec<Line>,
    /// Questionnaires (codes) with a baseline recorded: their form offers a follow-up
    /// first, so a follow-up is not saved as a second baseline by mistake.
    pub baselined: Vec<String>,
    /// Well-being scores over time, baseline to latest, one chart per score.
    pub scores: Vec<ScoreSeries>,
    pub connections: Vec<Line>,
    /// One per connection: its messages with the organisation.
    pub threads: Vec<ThreadLink>,
    pub visits: Vec<Line>,
}

/// A goal with its progress, 0 (not started) to 10 (achieved).
pub struct GoalLine {
    pub id: i64,
    pub what: String,
    pub need: String,
    pub progress: i32,
    /// Progress when the goal was agreed, to show the change.
    pub started: i32,
    pub updated: String,
}

/// The button offering the suggested next state.
fn suggestion_label(to: ReferralState) -> String {
    match to {
        ReferralState::Active => "They agreed to work with us: mark active".into(),
        other => format!("Mark {}", other.label().to_lowercase()),
    }
}

fn day(at: DateTime<Utc>) -> String {
    at.format("%-d %b %Y %H:%M").to_string()
}

/// A timeline line with the moment it happened, for sorting.
type Dated = (DateTime<Utc>, Line);

impl ReferralPanel {
    /// The timing a questionnaire's form starts on: follow-up once a baseline exists.
    pub fn default_timing(&self, instrument: &str) -> &'static str {
        if self.baselined.iter().any(|b| b == instrument) {
            crate::referrals::MeasureTiming::FollowUp.code()
        } else {
            crate::referrals::MeasureTiming::Baseline.code()
        }
    }

    /// Marks each thread with the viewer's unread messages (by connection).
    pub fn with_unread(mut self, unread: &std::collections::HashMap<i64, i64>) -> ReferralPanel {
        for t in &mut self.threads {
            t.unread = unread.get(&t.connection_id).copied().unwrap_or(0);
        }
        self
    }

    /// Names who holds the referral, from the team's members, for the viewer `me`.
    pub fn with_holder(mut self, me: i64, workers: &[WorkerLoad]) -> ReferralPanel {
        self.held_by_me = self.link_worker_id == Some(me);
        self.holder = match self.link_worker_id {
            None => "Not assigned".into(),
            Some(id) if id == me => "You".into(),
            Some(id) => workers.iter().find(|w| w.id == id).map_or_else(
                || "A link worker in another team".into(),
                |w| w.name.clone(),
            ),
        };
        self
    }

    pub fn new(d: ReferralDetail) -> ReferralPanel {
        let r = &d.referral;
        let mut panel = ReferralPanel {
            id: r.id,
            version: r.version,
            state: r.state.label().into(),
            open: r.state.is_open(),
            reason: r.reason.clone(),
            received: day(r.received_at),
            next_states: {
                let early = !r.state.next_states().contains(&ReferralState::Closed);
                r.state
                    .offered_states()
                    .into_iter()
                    .map(|s| match s {
                        // Before it is active, a referral closes only as entered in error.
                        ReferralState::Closed if early => {
                            Choice::new(s.code(), "Closed: entered in error or duplicate", false)
                        }
                        s => Choice::new(s.code(), s.label(), false),
                    })
                    .collect()
            },
            link_worker_id: r.link_worker_id,
            holder: String::new(),
            held_by_me: false,
            holder_value: r
                .link_worker_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            suggested: suggested_next(
                r.state,
                d.casework
                    .as_ref()
                    .is_some_and(|cw| cw.contacts.iter().any(|c| c.reached)),
            )
            .map(|s| Choice::new(s.code(), &suggestion_label(s), false)),
            timeline: Vec::new(),
            what_matters: Vec::new(),
            needs: Vec::new(),
            goals: Vec::new(),
            barriers: Vec::new(),
            measures: Vec::new(),
            baselined: Vec::new(),
            scores: Vec::new(),
            connections: Vec::new(),
            threads: Vec::new(),
            visits: Vec::new(),
        };
        let mut timeline = history_lines(&d.history);
        if let Some(cw) = d.casework {
            timeline.extend(casework_timeline(&cw));
            panel.add_casework(cw);
        }
        panel.timeline = in_time_order(timeline);
        panel
    }

    /// The casework lists, each in the order the store gave it.
    fn add_casework(&mut self, cw: Casework) {
        self.what_matters = cw
            .contacts
            .iter()
            .filter_map(|c| c.what_matters.clone())
            .collect();
        self.needs = cw
            .needs
            .iter()
            .map(|n| n.need.label().to_string())
            .collect();
        self.scores = score_charts(&cw.measures);
        self.visits = cw.visits.iter().map(visit_line).collect();
        self.goals = cw.goals.into_iter().map(goal_line).collect();
        self.barriers = cw.barriers.into_iter().map(barrier_line).collect();
        self.measures = cw.measures.iter().map(measure_line).collect();
        self.baselined = cw
            .measures
            .iter()
            .filter(|m| m.timing == crate::referrals::MeasureTiming::Baseline)
            .map(|m| m.instrument.code().to_string())
            .collect();
        self.threads = cw
            .connections
            .iter()
            .map(|c| ThreadLink {
                connection_id: c.id,
                service: c.service_name.clone(),
                unread: 0,
            })
            .collect();
        self.connections = cw.connections.into_iter().map(connection_line).collect();
    }
}

/// Everything in the timeline from the casework, in the order ties keep after sorting:
/// contacts, needs, goals, measures, connections, visits.
fn casework_timeline(cw: &Casework) -> Vec<Dated> {
    let mut lines: Vec<Dated> = cw.contacts.iter().map(contact_event).collect();
    lines.extend(cw.needs.iter().filter_map(need_event));
    lines.extend(cw.goals.iter().filter_map(goal_event));
    lines.extend(cw.measures.iter().map(measure_event));
    lines.extend(cw.connections.iter().flat_map(connection_events));
    lines.extend(cw.visits.iter().filter_map(visit_event));
    lines
}

/// Sorted by time; records at the same moment keep the order they were added in.
fn in_time_order(mut timeline: Vec<Dated>) -> Vec<Line> {
    timeline.sort_by_key(|(at, _)| *at);
    timeline.into_iter().map(|(_, line)| line).collect()
}

/// The referral's own events: received, transitions (with reason, SNOMED code, note) ...
fn history_lines(history: &[ReferralEvent]) -> Vec<Dated> {
    history
        .iter()
        .map(|e| {
            (
                e.at,
                Line {
                    when: day(e.at),
                    what: match (e.kind, e.to_state) {
                        (EventKind::Transition, Some(s)) => {
                            format!("Now {}", s.label().to_lowercase())
                        }
                        (kind, _) => kind.label().to_string(),
                    },
                    detail: [
                        e.close_reason.map(|c| c.label().to_string()),
                        e.note.clone(),
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" · "),
                    technical: e
                        .snomed_code
                        .as_ref()
                        .map(|c| format!("Recorded for the GP as SNOMED CT {c}"))
                        .unwrap_or_default(),
                },
            )
        })
        .collect()
}

fn contact_event(c: &Contact) -> Dated {
    (
        c.at,
        Line {
            when: day(c.at),
            what: format!(
                "{} contact, {} min{}",
                c.mode.label(),
                c.duration_minutes,
                if c.reached { "" } else { " — not reached" }
            ),
            detail: c.notes.clone(),
            technical: String::new(),
        },
    )
}

fn need_event(n: &RecordedNeed) -> Option<Dated> {
    let at = n.recorded_at?;
    Some((
        at,
        Line {
            when: day(at),
            what: format!("Need recorded: {}", n.need.label()),
            detail: String::new(),
            technical: String::new(),
        },
    ))
}

/// A goal enters the timeline when it was agreed (its first progress reading).
fn goal_event(g: &Goal) -> Option<Dated> {
    let first = g.progress_history.first()?;
    Some((
        first.at,
        Line {
            when: day(first.at),
            what: format!("Goal agreed: {}", g.description),
            detail: String::new(),
            technical: String::new(),
        },
    ))
}

/// A measure is placed when it was recorded, else at the start of the day it was taken.
fn measure_event(m: &Measure) -> Dated {
    let at = m.recorded_at.unwrap_or_else(|| {
        m.taken_on
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default()
            .and_utc()
    });
    (
        at,
        Line {
            when: day(at),
            what: format!(
                "{} ({})",
                m.instrument.label(),
                m.timing.label().to_lowercase()
            ),
            detail: m
                .score
                .as_ref()
                .map_or("incomplete: not scored".into(), plain_score),
            technical: m.score.as_ref().map(technical_score).unwrap_or_default(),
        },
    )
}

/// A connection when it was sent and, if its status changed since, when it did.
fn connection_events(c: &Connection) -> Vec<Dated> {
    let mut lines = vec![(
        c.sent_at,
        Line {
            when: day(c.sent_at),
            what: format!("Connected to {}", c.service_name),
            detail: String::new(),
            technical: String::new(),
        },
    )];
    if c.status_at > c.sent_at {
        lines.push((
            c.status_at,
            Line {
                when: day(c.status_at),
                what: format!("{}: {}", c.service_name, c.status.label().to_lowercase()),
                detail: String::new(),
                technical: String::new(),
            },
        ));
    }
    lines
}

/// A volunteer visit enters the timeline once it has happened.
fn visit_event(v: &Visit) -> Option<Dated> {
    let at = v.visited_at?;
    Some((
        at,
        Line {
            when: day(at),
            what: format!("Volunteer visit happened: {}", v.activity),
            detail: v.note.clone(),
            technical: String::new(),
        },
    ))
}

fn goal_line(g: Goal) -> GoalLine {
    GoalLine {
        id: g.id,
        what: g.description,
        need: g.need.map(|n| n.label().to_string()).unwrap_or_default(),
        progress: g.progress,
        started: g.progress_history.first().map_or(0, |p| p.progress),
        updated: g
            .progress_history
            .last()
            .map(|p| day(p.at))
            .unwrap_or_default(),
    }
}

fn barrier_line(b: RecordedBarrier) -> Line {
    Line {
        when: day(b.at),
        what: b.barrier.label().into(),
        detail: b.notes,
        technical: String::new(),
    }
}

fn visit_line(v: &Visit) -> Line {
    let mut when = v.visit_on.format("%a %-d %b %Y").to_string();
    if let Some(time) = v.visit_time {
        when.push_str(&time.format(" %H:%M").to_string());
    }
    let place = if v.meeting_place.is_empty() {
        String::new()
    } else {
        format!(", meeting {}", v.meeting_place)
    };
    Line {
        when,
        what: format!("{} with {}{place}", v.activity, v.volunteer_name),
        detail: match (v.visited_at, v.not_happened_at) {
            (Some(at), _) if v.note.is_empty() => format!("happened (recorded {})", day(at)),
            (Some(at), _) => format!("happened (recorded {}): {}", day(at), v.note),
            (None, Some(at)) => format!(
                "did not happen (recorded {}): {}",
                day(at),
                v.not_happened_reason.as_deref().unwrap_or_default()
            ),
            (None, None) => "not recorded yet".into(),
        },
        technical: String::new(),
    }
}

fn measure_line(m: &Measure) -> Line {
    Line {
        when: m.taken_on.format("%-d %b %Y").to_string(),
        what: format!(
            "{} ({})",
            m.instrument.label(),
            m.timing.label().to_lowercase()
        ),
        detail: match &m.score {
            Some(score) => plain_score(score),
            None => "Incomplete: not scored".into(),
        },
        technical: m.score.as_ref().map(technical_score).unwrap_or_default(),
    }
}

fn connection_line(c: Connection) -> Line {
    Line {
        when: day(c.status_at),
        what: c.service_name,
        detail: format!(
            "{}{}",
            c.status.label(),
            if c.accompanied { " · accompanied" } else { "" }
        ),
        technical: String::new(),
    }
}
