//! A link worker's own outcomes (issue 15, item 15; docs/own-outcomes.md): their caseload's
//! funnel and well-being change beside their team's, for one calendar quarter, under the
//! equity report's disclosure control (`crate::equity::disclosure`).
//!
//! Every figure is counted as the activity report counts it (dated by its event, so a
//! quarter's figures do not move once it has ended) and the well-being change is the
//! equity report's paired change (first baseline, last follow-up), among referrals closed
//! in the quarter. A referral belongs to the link worker holding it on the quarter's last
//! day (the activity report's caseload rule).
//!
//! Shown beside each other, the worker's and the team's figures could be differenced (the
//! team's minus the worker's is "the rest of the team"). Two rules added to the equity
//! report's stop that pinning a small group or one person:
//!
//! * a team count is shown only when the rest of the team accounts for at least 8 of it
//!   (`team_count`), so "team minus yours" is never a count of 0 to 7;
//! * a team's mean change is shown only when the pairs it rests on beyond those of link
//!   workers whose own means can be shown number none or at least 8 (`team_mean`), so no
//!   combination of the means a team lead can see isolates fewer than 8 people's changes.
//!
//! Only calendar quarters are published: they do not nest or overlap, so no two published
//! figures differ by a month.

use super::facts::{ActivityFacts, Ending, ReferralFact, NONE};
use super::ReportPeriod;
use crate::equity::disclosure::{self, Shown, LARGEST_HIDDEN};
use crate::equity::facts::Outcome;
use crate::equity::report::round_to;
use crate::equity::stats::{self, MeanAccumulator};
use crate::equity::tally::Count;
use crate::referrals::CloseReason;
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use utoipa::ToSchema;

/// The steps of the funnel, each counted in the quarter by the day it happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Referred,
    Contacted,
    Active,
    Connected,
    Closed,
    GoalsMet,
    Declined,
    UnableToContact,
}

impl Step {
    pub const ALL: [Step; 8] = [
        Step::Referred,
        Step::Contacted,
        Step::Active,
        Step::Connected,
        Step::Closed,
        Step::GoalsMet,
        Step::Declined,
        Step::UnableToContact,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Step::Referred => "referred",
            Step::Contacted => "contacted",
            Step::Active => "active",
            Step::Connected => "connected",
            Step::Closed => "closed",
            Step::GoalsMet => "goals_met",
            Step::Declined => "declined",
            Step::UnableToContact => "unable_to_contact",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Step::Referred => "Referred",
            Step::Contacted => "First reached",
            Step::Active => "Agreed a plan (active)",
            Step::Connected => "First connected to a service",
            Step::Closed => "Closed (any reason)",
            Step::GoalsMet => "Closed with goals met",
            Step::Declined => "Declined",
            Step::UnableToContact => "Unable to contact",
        }
    }

    pub fn definition(self) -> &'static str {
        match self {
            Step::Referred => "referrals received in the quarter",
            Step::Contacted => {
                "referrals whose first contact that reached the person was in the quarter"
            }
            Step::Active => "referrals that first became active (a plan agreed) in the quarter",
            Step::Connected => {
                "referrals whose first connection to a community service was sent in the quarter"
            }
            Step::Closed => "referrals closed in the quarter, for any reason",
            Step::GoalsMet => "referrals closed in the quarter with the reason 'goals met'",
            Step::Declined => "referrals recorded as declined in the quarter",
            Step::UnableToContact => "referrals recorded as unable to contact in the quarter",
        }
    }

    /// Whether a referral counts in this step in the months `first..=last`.
    fn counts(self, r: &ReferralFact, first: i32, last: i32) -> bool {
        let within = |month: i32| (first..=last).contains(&month);
        let ended = within(r.end_month);
        match self {
            Step::Referred => within(r.received_month),
            Step::Contacted => within(r.first_reached_month),
            Step::Active => within(r.active_month),
            Step::Connected => within(r.first_connection_month),
            Step::Closed => ended && matches!(r.ending, Ending::Closed(_)),
            Step::GoalsMet => ended && r.ending == Ending::Closed(goals_met_index()),
            Step::Declined => ended && r.ending == Ending::Declined,
            Step::UnableToContact => ended && r.ending == Ending::UnableToContact,
        }
    }
}

fn goals_met_index() -> u8 {
    CloseReason::ALL
        .iter()
        .position(|c| *c == CloseReason::GoalsMet)
        .unwrap_or(0) as u8
}

/// Exact counts for one caseload (a link worker's or a team's), with their cell keys.
#[derive(Debug, Clone, Default)]
pub struct Caseload {
    pub steps: [Count; Step::ALL.len()],
    /// Referrals closed in the quarter with a baseline and follow-up of each outcome.
    pub pairs: [Count; Outcome::ALL.len()],
    pub change: [MeanAccumulator; Outcome::ALL.len()],
}

impl Caseload {
    fn add(&mut self, r: &ReferralFact, first: i32, last: i32) {
        for (count, step) in self.steps.iter_mut().zip(Step::ALL) {
            if step.counts(r, first, last) {
                count.add(r.key);
            }
        }
        if Step::Closed.counts(r, first, last) {
            for (i, change) in r.change.iter().enumerate() {
                if change.is_finite() {
                    self.pairs[i].add(r.key);
                    self.change[i].add(f64::from(*change));
                }
            }
        }
    }

    pub fn step(&self, step: Step) -> Count {
        self.steps[step as usize]
    }
}

/// The exact figures behind one worker's page: theirs, their team's, and what the
/// differencing rule needs to know of the team's other link workers.
#[derive(Debug, Clone, Default)]
pub struct OwnTally {
    pub worker: Caseload,
    pub team: Caseload,
    /// For each outcome, the pairs held by link workers of the team whose own mean may be
    /// shown (at least 8 pairs), summed: the part of the team's mean any viewer could
    /// take away.
    pub pairs_of_shown_workers: [u64; Outcome::ALL.len()],
}

/// Counts the quarter for one team (an index into `facts.teams`) and one of its link
/// workers (an index into `facts.workers`).
pub fn tally(facts: &ActivityFacts, period: &ReportPeriod, team: u16, worker: u16) -> OwnTally {
    let (first, last) = (period.first_month, period.last_month);
    let mut out = OwnTally::default();
    let mut pairs_by_worker = vec![[0u64; Outcome::ALL.len()]; facts.workers.len()];
    for r in facts.referrals.iter().filter(|r| r.team == team) {
        out.team.add(r, first, last);
        let holder = facts.worker_on(r, period.last_day);
        if holder == NONE {
            continue;
        }
        if holder == worker {
            out.worker.add(r, first, last);
        }
        if Step::Closed.counts(r, first, last) {
            if let Some(pairs) = pairs_by_worker.get_mut(usize::from(holder)) {
                for (n, change) in pairs.iter_mut().zip(r.change) {
                    *n += u64::from(change.is_finite());
                }
            }
        }
    }
    for pairs in pairs_by_worker {
        for (sum, n) in out.pairs_of_shown_workers.iter_mut().zip(pairs) {
            if disclosure::may_show_statistic(n) {
                *sum += n;
            }
        }
    }
    out
}

/// Reads a quarter (`2026-Q3`) that has ended; with none given, the last complete one.
pub fn parse_quarter(
    text: Option<&str>,
    today: NaiveDate,
) -> Result<ReportPeriod, super::RequestError> {
    let text = match text.map(str::trim).filter(|t| !t.is_empty()) {
        Some(text) => text.to_string(),
        None => {
            let quarter = (today.year() * 4 + today.month0() as i32 / 3) - 1;
            format!("{}-Q{}", quarter.div_euclid(4), quarter.rem_euclid(4) + 1)
        }
    };
    let period = super::parse_period(Some(&text), today)?;
    if period.kind != super::PeriodKind::Quarter {
        return Err(super::RequestError::NotAQuarter(text));
    }
    Ok(period)
}

/// The team's count as shown beside a worker's: hidden when the rest of the team (team
/// minus the worker) is 0 to 7, so the difference of the two never pins a small count.
pub fn team_count(team: Count, worker: Count) -> Shown {
    if team.n.saturating_sub(worker.n) <= LARGEST_HIDDEN {
        Shown::Hidden
    } else {
        Shown::of(team)
    }
}

/// A mean change with its 95% t interval, rounded once to one decimal place.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct MeanChange {
    pub value: f64,
    pub lower: f64,
    pub upper: f64,
}

fn mean_of(change: &MeanAccumulator) -> Option<MeanChange> {
    let e = stats::mean_t(change)?;
    [e.value, e.lower, e.upper]
        .iter()
        .all(|x| x.is_finite())
        .then(|| MeanChange {
            value: round_to(e.value, 1),
            lower: round_to(e.lower, 1),
            upper: round_to(e.upper, 1),
        })
}

/// The worker's own mean change: when their pairs are published (so at least 8).
pub fn worker_mean(c: &Caseload, outcome: usize) -> Option<MeanChange> {
    disclosure::published(c.pairs[outcome])?;
    mean_of(&c.change[outcome])
}

/// The team's mean change beside a worker's: when the team's pairs are shown beside the
/// worker's (`team_count`), and the pairs beyond those of workers whose means can be
/// shown are none or at least 8 (a mean's sum times its count, minus the others', would
/// otherwise give the changes of fewer than 8 people).
pub fn team_mean(t: &OwnTally, outcome: usize) -> Option<MeanChange> {
    team_count(t.team.pairs[outcome], t.worker.pairs[outcome]).value()?;
    let beyond = t.team.pairs[outcome]
        .n
        .saturating_sub(t.pairs_of_shown_workers[outcome]);
    if disclosure::is_small(beyond) {
        return None;
    }
    mean_of(&t.team.change[outcome])
}

/// "Goals met" as a percentage of closures, from the published counts only.
fn goals_met_percent(goals_met: Shown, closed: Shown) -> Option<f64> {
    let (k, n) = (goals_met.value()?, closed.value()?);
    disclosure::may_show_proportion(k, n).then(|| round_to(100.0 * k.min(n) as f64 / n as f64, 0))
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuarterShown {
    /// `2026-Q3`.
    pub code: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// One step of the funnel: the worker's count and the team's, as published.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FunnelRow {
    pub code: &'static str,
    pub label: &'static str,
    pub definition: &'static str,
    #[schema(value_type = crate::equity::disclosure::Shown)]
    pub yours: Shown,
    #[schema(value_type = crate::equity::disclosure::Shown)]
    pub team: Shown,
}

/// One outcome measure's paired change among referrals closed in the quarter.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WellbeingRow {
    pub code: &'static str,
    pub label: &'static str,
    #[schema(value_type = crate::equity::disclosure::Shown)]
    pub yours_pairs: Shown,
    pub yours_mean_change: Option<MeanChange>,
    #[schema(value_type = crate::equity::disclosure::Shown)]
    pub team_pairs: Shown,
    pub team_mean_change: Option<MeanChange>,
}

/// A link worker's own outcomes beside their team's, as published.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OwnOutcomes {
    pub period: QuarterShown,
    /// The link worker whose caseload this is.
    pub link_worker: String,
    pub link_worker_id: i64,
    pub team: String,
    pub funnel: Vec<FunnelRow>,
    /// Closed with goals met as a percentage of all closed, from the published counts.
    pub yours_goals_met_percent: Option<f64>,
    pub team_goals_met_percent: Option<f64>,
    pub wellbeing: Vec<WellbeingRow>,
    pub attribution: &'static str,
    pub disclosure_control: &'static str,
}

/// How referrals are given to a link worker, stated on the page.
pub const ATTRIBUTION: &str =
    "A referral counts as yours when you held it on the quarter's last day \
(the activity report's caseload rule); the team's figures count every referral the team held, \
yours included, and those nobody held.";

/// The rule, stated on the page.
pub const RULE: &str = "The equity report's disclosure control: calendar quarters only; every count \
perturbed by cell-key perturbation and rounded to the nearest 5, counts of 0 to 7 shown as *; \
percentages only from published counts; a mean change only on 8 or more pairs. Beside yours, a team \
figure is shown only when the rest of the team accounts for at least 8 of it, and a team mean only when \
it takes in no small group beyond link workers whose own means are shown, so no difference of the \
figures gives a small count or one person's change.";

/// Who and which quarter the page is for.
pub struct Subject<'a> {
    pub period: &'a ReportPeriod,
    pub team: u16,
    pub worker: u16,
}

/// Builds the published page from the facts.
pub fn compute(facts: &ActivityFacts, subject: &Subject) -> OwnOutcomes {
    let t = tally(facts, subject.period, subject.team, subject.worker);
    let funnel: Vec<FunnelRow> = Step::ALL
        .iter()
        .map(|&step| FunnelRow {
            code: step.code(),
            label: step.label(),
            definition: step.definition(),
            yours: Shown::of(t.worker.step(step)),
            team: team_count(t.team.step(step), t.worker.step(step)),
        })
        .collect();
    let row = |step: Step| &funnel[step as usize];
    let wellbeing = Outcome::ALL
        .iter()
        .enumerate()
        .map(|(i, outcome)| WellbeingRow {
            code: outcome.code(),
            label: outcome.label(),
            yours_pairs: Shown::of(t.worker.pairs[i]),
            yours_mean_change: worker_mean(&t.worker, i),
            team_pairs: team_count(t.team.pairs[i], t.worker.pairs[i]),
            team_mean_change: team_mean(&t, i),
        })
        .collect();
    let worker = &facts.workers[usize::from(subject.worker)];
    OwnOutcomes {
        period: QuarterShown {
            code: subject.period.code.clone(),
            from: subject.period.from,
            to: subject.period.to,
        },
        link_worker: worker.name.clone(),
        link_worker_id: worker.id,
        team: facts.teams[usize::from(subject.team)].name.clone(),
        yours_goals_met_percent: goals_met_percent(
            row(Step::GoalsMet).yours,
            row(Step::Closed).yours,
        ),
        team_goals_met_percent: goals_met_percent(row(Step::GoalsMet).team, row(Step::Closed).team),
        funnel,
        wellbeing,
        attribution: ATTRIBUTION,
        disclosure_control: RULE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(n: u64) -> Count {
        Count { n, key: 42 }
    }

    #[test]
    fn only_quarters_that_have_ended() {
        let today: NaiveDate = "2026-11-30".parse().unwrap();
        assert_eq!(parse_quarter(None, today).unwrap().code, "2026-Q3");
        let jan: NaiveDate = "2027-01-05".parse().unwrap();
        assert_eq!(parse_quarter(None, jan).unwrap().code, "2026-Q4");
        assert_eq!(
            parse_quarter(Some("2026-Q2"), today).unwrap().code,
            "2026-Q2"
        );
        for refused in ["2026-09", "2025/26", "2026-Q4", "soon"] {
            assert!(parse_quarter(Some(refused), today).is_err(), "{refused}");
        }
        assert_eq!(
            parse_quarter(Some("2026-09"), today),
            Err(super::super::RequestError::NotAQuarter("2026-09".into()))
        );
    }

    #[test]
    fn a_team_count_hides_when_the_rest_of_the_team_is_small() {
        // A team of two: 20 referrals, 13 of them the worker's, so the rest is 7.
        assert_eq!(team_count(count(20), count(13)), Shown::Hidden);
        // The rest 0 (the worker holds them all): hidden too.
        assert_eq!(team_count(count(20), count(20)), Shown::Hidden);
        // The rest 8: shown, as a multiple of 5.
        let shown = team_count(count(21), count(13)).value().unwrap();
        assert!(shown >= 10 && shown.is_multiple_of(5));
    }

    #[test]
    fn a_team_mean_hides_when_it_takes_in_a_small_group_beyond_shown_workers() {
        let mut t = OwnTally::default();
        for x in 0..10 {
            t.worker.pairs[0].add(x);
            t.worker.change[0].add(1.0);
            t.team.pairs[0].add(x);
            t.team.change[0].add(1.0);
        }
        // Another worker with 9 pairs (shown) and one unheld referral with a pair: the
        // team's 20 minus 19 in shown means would give that one person's change.
        for x in 10..20 {
            t.team.pairs[0].add(x);
            t.team.change[0].add(2.0);
        }
        t.pairs_of_shown_workers[0] = 19;
        assert!(worker_mean(&t.worker, 0).is_some());
        assert_eq!(team_mean(&t, 0), None);
        // With every pair held by workers whose means are shown, the team's is shown.
        t.pairs_of_shown_workers[0] = 20;
        assert_eq!(team_mean(&t, 0).map(|m| m.value), Some(1.5));
    }
}
