//! The attacker, as a property test (issue 13, item 7). It plays an analyst who requests
//! every report the role may ask for over generated data — every published month,
//! quarter and year, unfiltered and for each practice — and tries to work out any true
//! count of 1 to 7 from what they show:
//!
//! * each shown count bounds its true count through the published rule (the perturbation
//!   table's reach, rounding to 5, `*` for 0 to 7);
//! * every shown percentage and rate is inverted with its interval, on the hypothesis
//!   that it was computed from the true counts (the attack that worked before);
//! * differences: groups of each breakdown add up to everyone, Core20 to its quintiles,
//!   months to quarters, quarters to years, practices' reports to the whole; stages,
//!   pairs and barriers are at most the referrals;
//!
//! and propagates the bounds to a fixed point. A count is recovered when its bounds meet
//! at its true value. The same attacker recovers counts from a naive publisher (counts
//! rounded to 5, 1 to 7 hidden, percentages and rates from the exact counts), so it has
//! teeth; against the published rule it must fail every time.

use super::disclosure::{self, Shown};
use super::facts::{Facts, Period, PopulationCell, PracticeRef, Register};
use super::report::{EquityReport, GroupRow, Interval};
use super::stats;
use super::tally::{self, Dimension, Tally};
use super::test_data::{day, profile, referral_between};
use chrono::NaiveDate;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use std::collections::HashMap;

/// (report, dimension, group code, measure)
type Key = (usize, &'static str, String, usize);

/// How many counts each group row shows: referrals, 5 stages reached, 5 stages' eligible
/// referrals, first contacts, referrals eligible for outcomes, 4 outcome pairs, improved,
/// then one per barrier.
const MEASURES: usize = 18 + crate::referrals::Barrier::ALL.len();
const REFERRALS: usize = 0;

fn true_count(t: &Tally, measure: usize) -> u64 {
    match measure {
        0 => t.referrals.n,
        1..=5 => t.stages[measure - 1].n,
        6..=10 => t.eligible[measure - 6].n,
        11 => t.contacted.n,
        12 => t.outcome_eligible.n,
        13..=16 => t.pairs[measure - 13].n,
        17 => t.improved[0].n,
        b => t.barriers[b - 18].n,
    }
}

fn shown_count(g: &GroupRow, measure: usize) -> Shown {
    match measure {
        0 => g.referrals,
        1..=5 => g.funnel[measure - 1].count,
        6..=10 => g.funnel[measure - 6].eligible,
        11 => g.first_contact.referrals,
        12 => g.outcomes[0].eligible,
        13..=16 => g.outcomes[measure - 13].pairs,
        17 => g.outcomes[0]
            .improved
            .as_ref()
            .map_or(Shown::Hidden, |i| i.count),
        b => g.barriers[b - 18].count,
    }
}

/// The count each count is part of.
fn whole(measure: usize) -> usize {
    match measure {
        1..=5 => measure + 5,
        13..=16 => 12,
        17 => 13,
        _ => REFERRALS,
    }
}

/// What one report shows, as the attacker reads it.
#[derive(Default)]
struct Publication {
    counts: HashMap<Key, Shown>,
    /// (part, whole, shown percentage with its interval)
    percents: Vec<(Key, Key, Interval)>,
    /// (events, shown population, years, shown rate with its interval)
    rates: Vec<(Key, u64, f64, Interval)>,
}

/// The reports an analyst may request over 2025-26: months and quarters of 2026 and the
/// quarters of 2025 that years reach back to, years of four quarters ending in 2026, and
/// quarters and years for each practice.
fn requests(practices: u16) -> Vec<(Period, Option<u16>)> {
    let date = |s: &str| s.parse::<NaiveDate>().unwrap();
    let month = |y: i32, m: u32| {
        let from = NaiveDate::from_ymd_opt(y, m, 1).unwrap();
        let to = from
            .checked_add_months(chrono::Months::new(1))
            .unwrap()
            .pred_opt()
            .unwrap();
        Period { from, to }
    };
    let quarter = |y: i32, q: u32| {
        let from = NaiveDate::from_ymd_opt(y, 3 * q - 2, 1).unwrap();
        Period {
            from,
            to: from
                .checked_add_months(chrono::Months::new(3))
                .unwrap()
                .pred_opt()
                .unwrap(),
        }
    };
    let quarters: Vec<Period> = [(2025, 2), (2025, 3), (2025, 4)]
        .into_iter()
        .chain((1..=4).map(|q| (2026, q)))
        .map(|(y, q)| quarter(y, q))
        .collect();
    let years: Vec<Period> = ["2026-03-31", "2026-06-30", "2026-09-30", "2026-12-31"]
        .into_iter()
        .map(|to| {
            let to = date(to);
            Period {
                from: to
                    .succ_opt()
                    .unwrap()
                    .checked_sub_months(chrono::Months::new(12))
                    .unwrap(),
                to,
            }
        })
        .collect();
    let mut out: Vec<(Period, Option<u16>)> = Vec::new();
    out.extend((1..=12).map(|m| (month(2026, m), None)));
    for p in quarters.iter().chain(&years) {
        out.push((*p, None));
        out.extend((0..practices).map(|practice| (*p, Some(practice))));
    }
    out
}

/// Every (dimension, group code, tally) a report shows, in its order.
fn groups<'a>(
    facts: &Facts,
    tallies: &'a tally::Tallies,
    practice: Option<u16>,
) -> Vec<(&'static str, String, &'a Tally)> {
    let mut out = Vec::new();
    for dimension in Dimension::ALL {
        for (i, (code, _)) in dimension.groups(facts).into_iter().enumerate() {
            if dimension == Dimension::Practice && practice.is_some_and(|p| p as usize != i) {
                continue;
            }
            out.push((dimension.code(), code, tallies.group(dimension, i)));
        }
    }
    out
}

fn read_report(r: usize, report: &EquityReport, years: f64, publication: &mut Publication) {
    for b in &report.breakdowns {
        for g in &b.groups {
            let key = |m: usize| (r, b.dimension, g.group.clone(), m);
            for m in 0..MEASURES {
                publication.counts.insert(key(m), shown_count(g, m));
            }
            for (s, stage) in g.funnel.iter().enumerate() {
                if let Some(p) = stage.percent {
                    publication.percents.push((key(1 + s), key(6 + s), p));
                }
            }
            if let Some(p) = g.attended_given_connected {
                publication.percents.push((key(4), key(3), p));
            }
            for (o, outcome) in g.outcomes.iter().enumerate() {
                if let Some(p) = outcome.completion {
                    publication.percents.push((key(13 + o), key(12), p));
                }
            }
            if let Some(p) = g.outcomes[0].improved.as_ref().and_then(|i| i.percent) {
                publication.percents.push((key(17), key(13), p));
            }
            for (i, barrier) in g.barriers.iter().enumerate() {
                if let Some(p) = barrier.percent {
                    publication.percents.push((key(18 + i), key(REFERRALS), p));
                }
            }
            if let (Some(rate), Some(Shown::Count(people))) = (g.referral_rate, g.population) {
                publication
                    .rates
                    .push((key(REFERRALS), people, years, rate));
            }
        }
    }
}

/// A naive publisher, for the attacker's teeth: counts rounded to 5 with 1 to 7 hidden
/// and 0 shown, percentages and rates from the exact counts, rounded to 0.1.
fn naive(r: usize, groups: &[(&'static str, String, &Tally)], years: f64, p: &mut Publication) {
    let round = |n: u64| {
        if (1..=7).contains(&n) {
            Shown::Hidden
        } else {
            Shown::Count((n + 2) / 5 * 5)
        }
    };
    let shown = |e: stats::Estimate, scale: f64| Interval {
        value: super::report::round_to(e.value * scale, 1),
        lower: super::report::round_to(e.lower * scale, 1),
        upper: super::report::round_to(e.upper * scale, 1),
    };
    for (dimension, code, t) in groups {
        let key = |m: usize| (r, *dimension, code.clone(), m);
        for m in 0..MEASURES {
            p.counts.insert(key(m), round(true_count(t, m)));
        }
        let n = t.referrals.n;
        for s in 0..5 {
            let (k, e) = (t.stages[s].n, t.eligible[s].n);
            if k >= 8 && e >= 8 {
                if let Some(w) = stats::wilson(k, e) {
                    p.percents.push((key(1 + s), key(6 + s), shown(w, 100.0)));
                }
            }
        }
        if n >= 8 && t.population >= 8 {
            if let Some(e) = stats::poisson_rate(n, t.population as f64 * years, 1000.0) {
                let population = (t.population + 2) / 5 * 5;
                p.rates
                    .push((key(REFERRALS), population, years, shown(e, 1.0)));
            }
        }
    }
}

/// Largest noise the published table can add (its tail, from `disclosure::noise`).
const NOISE_REACH: u64 = 53;

struct Attack {
    index: HashMap<Key, usize>,
    lo: Vec<u64>,
    hi: Vec<u64>,
    /// (total, parts, parts add up to the total exactly)
    identities: Vec<(usize, Vec<usize>, bool)>,
}

impl Attack {
    fn new(publication: &Publication, naive: bool) -> Attack {
        let mut index = HashMap::new();
        let (mut lo, mut hi) = (Vec::new(), Vec::new());
        for (key, shown) in &publication.counts {
            index.insert(key.clone(), lo.len());
            let (l, h) = match (shown, naive) {
                (Shown::Hidden, false) => (0, 7),
                (Shown::Hidden, true) => (1, 7),
                (Shown::Count(0), true) => (0, 0),
                (Shown::Count(r), true) => (r.saturating_sub(2), r + 2),
                // n >= 8, and n plus noise (at least 10) rounds to r.
                (Shown::Count(r), false) => (
                    r.saturating_sub(2 + NOISE_REACH).max(8),
                    r + 2 + NOISE_REACH,
                ),
            };
            lo.push(l);
            hi.push(h);
        }
        Attack {
            index,
            lo,
            hi,
            identities: Vec::new(),
        }
    }

    fn var(&self, key: &Key) -> Option<usize> {
        self.index.get(key).copied()
    }

    fn identity(&mut self, total: &Key, parts: &[Key], exact: bool) {
        let (Some(total), Some(parts)) = (
            self.var(total),
            parts
                .iter()
                .map(|k| self.var(k))
                .collect::<Option<Vec<_>>>(),
        ) else {
            return;
        };
        self.identities.push((total, parts, exact));
    }

    /// Narrows `var` to [lo, hi]; true if it changed.
    fn narrow(&mut self, var: usize, lo: u64, hi: u64) -> bool {
        let (l, h) = (self.lo[var].max(lo), self.hi[var].min(hi));
        let changed = (l, h) != (self.lo[var], self.hi[var]);
        if l <= h {
            self.lo[var] = l;
            self.hi[var] = h;
        }
        changed
    }

    /// Inverts shown percentages and rates. One that the shown counts reproduce tells
    /// nothing new; any other must come from the true counts, so the counts that fit it
    /// bound them.
    fn invert(&mut self, publication: &Publication) {
        let same = |a: f64, b: f64| (a - b).abs() < 1e-9;
        let round = super::report::round_to;
        let matches = |e: Option<stats::Estimate>, scale: f64, shown: &Interval| {
            e.is_some_and(|e| {
                same(round(scale * e.value, 1), shown.value)
                    && same(round(scale * e.lower, 1), shown.lower)
                    && same(round(scale * e.upper, 1), shown.upper)
            })
        };
        let shown_value = |key: &Key| publication.counts.get(key).and_then(|s| s.value());
        for (part, whole, shown) in &publication.percents {
            let (Some(k), Some(n)) = (self.var(part), self.var(whole)) else {
                continue;
            };
            if let (Some(k), Some(n)) = (shown_value(part), shown_value(whole)) {
                if matches(stats::wilson(k.min(n), n), 100.0, shown) {
                    continue;
                }
            }
            let mut fits = Vec::new();
            for n_ in self.lo[n].max(1)..=self.hi[n].min(self.lo[n] + 400) {
                for k_ in self.lo[k]..=self.hi[k].min(n_) {
                    // The point value first: it is cheap and rules out nearly every pair.
                    if !same(round(100.0 * k_ as f64 / n_ as f64, 1), shown.value) {
                        continue;
                    }
                    if let Some(e) = stats::wilson(k_, n_) {
                        if same(round(100.0 * e.value, 1), shown.value)
                            && same(round(100.0 * e.lower, 1), shown.lower)
                            && same(round(100.0 * e.upper, 1), shown.upper)
                        {
                            fits.push((k_, n_));
                        }
                    }
                }
            }
            if let (Some(kl), Some(kh)) = (
                fits.iter().map(|f| f.0).min(),
                fits.iter().map(|f| f.0).max(),
            ) {
                let nl = fits.iter().map(|f| f.1).min().unwrap_or(0);
                let nh = fits.iter().map(|f| f.1).max().unwrap_or(u64::MAX);
                self.narrow(k, kl, kh);
                self.narrow(n, nl, nh);
            }
        }
        for (events, people, years, shown) in &publication.rates {
            let Some(k) = self.var(events) else { continue };
            if let Some(events) = shown_value(events) {
                let from_shown = stats::poisson_rate(events, *people as f64 * years, 1000.0);
                if matches(from_shown, 1.0, shown) {
                    continue;
                }
            }
            let mut fits = Vec::new();
            for k_ in self.lo[k]..=self.hi[k].min(self.lo[k] + 400) {
                for p in people.saturating_sub(2)..=people + 2 {
                    let value = k_ as f64 / (p as f64 * years) * 1000.0;
                    if !same(round(value, 1), shown.value) {
                        continue;
                    }
                    if let Some(e) = stats::poisson_rate(k_, p as f64 * years, 1000.0) {
                        if same(round(e.value, 1), shown.value)
                            && same(round(e.lower, 1), shown.lower)
                            && same(round(e.upper, 1), shown.upper)
                        {
                            fits.push(k_);
                        }
                    }
                }
            }
            if let (Some(&l), Some(&h)) = (fits.iter().min(), fits.iter().max()) {
                self.narrow(k, l, h);
            }
        }
    }

    /// Propagates bounds through the identities until nothing changes: a work list of
    /// identities, each revisited when one of its counts narrows.
    fn propagate(&mut self) {
        let identities = std::mem::take(&mut self.identities);
        let mut touching: Vec<Vec<usize>> = vec![Vec::new(); self.lo.len()];
        for (i, (total, parts, _)) in identities.iter().enumerate() {
            touching[*total].push(i);
            for &p in parts {
                touching[p].push(i);
            }
        }
        let mut queued = vec![true; identities.len()];
        let mut work: std::collections::VecDeque<usize> = (0..identities.len()).collect();
        let mut steps = 0usize;
        while let Some(i) = work.pop_front() {
            queued[i] = false;
            steps += 1;
            if steps > 50_000_000 {
                break;
            }
            let (total, parts, exact) = (&identities[i].0, &identities[i].1, identities[i].2);
            let total = *total;
            let sum_lo: u64 = parts.iter().map(|&p| self.lo[p]).sum();
            let sum_hi: u64 = parts.iter().map(|&p| self.hi[p]).sum();
            let total_hi = if exact { sum_hi } else { u64::MAX };
            let mut changed = Vec::new();
            if self.narrow(total, sum_lo, total_hi) {
                changed.push(total);
            }
            for &p in parts {
                let others_lo = sum_lo - self.lo[p];
                let others_hi = sum_hi - self.hi[p];
                let lo = if exact {
                    self.lo[total].saturating_sub(others_hi)
                } else {
                    0
                };
                let hi = self.hi[total].saturating_sub(others_lo);
                if self.narrow(p, lo, hi) {
                    changed.push(p);
                }
            }
            for v in changed {
                for &j in &touching[v] {
                    if !queued[j] {
                        queued[j] = true;
                        work.push_back(j);
                    }
                }
            }
        }
        self.identities = identities;
    }
}

/// Every identity an analyst knows between the reports' counts.
fn add_identities(
    attack: &mut Attack,
    requests: &[(Period, Option<u16>)],
    codes: &HashMap<&'static str, Vec<String>>,
) {
    let report_of = |period: &Period, practice: Option<u16>| {
        requests
            .iter()
            .position(|(p, pr)| p == period && *pr == practice)
    };
    let key = |r: usize, d: &'static str, g: &str, m: usize| (r, d, g.to_string(), m);
    for (r, (period, practice)) in requests.iter().enumerate() {
        for m in 0..MEASURES {
            let all = key(r, "overall", "all", m);
            for d in ["imd_quintile", "core20", "ethnicity", "age_band", "sex"] {
                let parts: Vec<Key> = codes[d].iter().map(|g| key(r, d, g, m)).collect();
                attack.identity(&all, &parts, true);
            }
            let core20 = |g: &str| key(r, "core20", g, m);
            let q = |g: &str| key(r, "imd_quintile", g, m);
            attack.identity(&core20("core20"), &[q("1")], true);
            attack.identity(&core20("rest"), &[q("2"), q("3"), q("4"), q("5")], true);
            attack.identity(&core20("unknown"), &[q("unknown")], true);
            let practices: Vec<Key> = codes["practice"]
                .iter()
                .filter(|g| {
                    practice.is_none() || **g == codes["practice"][practice.unwrap() as usize]
                })
                .map(|g| key(r, "practice", g, m))
                .collect();
            attack.identity(&all, &practices, false);
            for d in ["plus_group", "clinical_area"] {
                for g in &codes[d] {
                    attack.identity(&all, &[key(r, d, g, m)], false);
                }
            }
        }
        // Each count is part of its whole: stages of their eligible referrals, those and
        // first contacts and barriers of the referrals, pairs of the outcome-eligible,
        // improved of the pairs.
        for (d, groups) in codes {
            for g in groups {
                for m in 1..MEASURES {
                    attack.identity(&key(r, d, g, whole(m)), &[key(r, d, g, m)], false);
                }
            }
        }
        // A practice's own report is that practice's row of the whole report; and the
        // practices' reports add up to at most the whole.
        if let Some(p) = practice {
            if let Some(whole) = report_of(period, None) {
                let code = &codes["practice"][*p as usize];
                for m in 0..MEASURES {
                    attack.identity(
                        &key(whole, "practice", code, m),
                        &[key(r, "overall", "all", m)],
                        true,
                    );
                }
            }
        }
    }
    // Periods: months add up to quarters, quarters to years; per practice too.
    for (r, (period, practice)) in requests.iter().enumerate() {
        let length = (period.to - period.from).num_days();
        let mut parts = Vec::new();
        let mut from = period.from;
        let months = if length > 100 { 3 } else { 1 };
        if length < 40 {
            continue;
        }
        while from <= period.to {
            let to = from
                .checked_add_months(chrono::Months::new(months))
                .unwrap()
                .pred_opt()
                .unwrap();
            match report_of(&Period { from, to }, *practice) {
                Some(part) => parts.push(part),
                None => {
                    parts.clear();
                    break;
                }
            }
            from = to.succ_opt().unwrap();
        }
        if parts.is_empty() {
            continue;
        }
        for (d, groups) in codes {
            for g in groups {
                for m in 0..MEASURES {
                    let part_keys: Vec<Key> = parts.iter().map(|&p| key(p, d, g, m)).collect();
                    attack.identity(&key(r, d, g, m), &part_keys, true);
                }
            }
        }
        if practice.is_none() {
            let filtered: Vec<usize> = requests
                .iter()
                .enumerate()
                .filter(|(_, (p, pr))| p == period && pr.is_some())
                .map(|(i, _)| i)
                .collect();
            if !filtered.is_empty() {
                for (d, groups) in codes {
                    for g in groups {
                        for m in 0..MEASURES {
                            let parts: Vec<Key> =
                                filtered.iter().map(|&f| key(f, d, g, m)).collect();
                            attack.identity(&key(r, d, g, m), &parts, false);
                        }
                    }
                }
            }
        }
    }
}

/// Runs the attack on one generated data set; returns (reports requested, small true
/// counts it tried, small counts recovered).
fn attack(facts: &Facts, naive_publisher: bool) -> (usize, usize, usize) {
    let requests = requests(facts.practices.len() as u16);
    let as_of = NaiveDate::from_ymd_opt(2027, 9, 30).unwrap();
    let mut publication = Publication::default();
    let mut truth: HashMap<Key, u64> = HashMap::new();
    for (r, (period, practice)) in requests.iter().enumerate() {
        let tallies = tally::tally(facts, period, *practice, as_of);
        let years = period.days() as f64 / 365.25;
        let rows = groups(facts, &tallies, *practice);
        for (d, g, t) in &rows {
            for m in 0..MEASURES {
                truth.insert((r, *d, g.clone(), m), true_count(t, m));
            }
        }
        if naive_publisher {
            naive(r, &rows, years, &mut publication);
        } else {
            let report =
                super::report::build(facts, &tallies, period, *practice, chrono::Utc::now());
            read_report(r, &report, years, &mut publication);
        }
    }
    let codes: HashMap<&'static str, Vec<String>> = Dimension::ALL
        .iter()
        .map(|d| {
            (
                d.code(),
                d.groups(facts).into_iter().map(|(c, _)| c).collect(),
            )
        })
        .collect();
    let mut attack = Attack::new(&publication, naive_publisher);
    add_identities(&mut attack, &requests, &codes);
    for _ in 0..3 {
        attack.invert(&publication);
        attack.propagate();
    }
    let (mut tried, mut recovered) = (0, 0);
    for (key, &n) in &truth {
        if (1..=7).contains(&n) {
            tried += 1;
            if let Some(v) = attack.var(key) {
                if attack.lo[v] == n && attack.hi[v] == n {
                    recovered += 1;
                }
            }
        }
    }
    (requests.len(), tried, recovered)
}

fn facts_strategy() -> impl Strategy<Value = Facts> {
    (
        vec(profile(), 20..80),
        vec(
            referral_between(day("2026-01-01"), day("2027-01-01")),
            5..90,
        ),
        vec((0u16..3, 0u8..6, 5u32..60), 3..12),
    )
        .prop_map(|(register, referrals, population)| Facts {
            practices: (0..3)
                .map(|i| PracticeRef {
                    id: i,
                    code: format!("P{i}"),
                    name: format!("Practice {i}"),
                })
                .collect(),
            population: population
                .into_iter()
                .map(|(practice, quintile, people)| PopulationCell {
                    practice,
                    quintile,
                    people,
                })
                .collect(),
            register: Some(Register::of_profiles(&register, 3)),
            referrals,
            loaded_at: chrono::Utc::now(),
        })
}

/// Data sets the attacker is run on (each gives one set of every report the role may
/// request).
const REPORT_SETS: u32 = 64;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(REPORT_SETS))]
    #[test]
    fn differencing_never_recovers_a_small_count(facts in facts_strategy()) {
        let (reports, tried, recovered) = attack(&facts, false);
        eprintln!("attacker: {reports} reports, {tried} true counts of 1 to 7 tried, {recovered} recovered");
        prop_assert!(reports > 40);
        prop_assert_eq!(recovered, 0, "recovered {} of {} small counts", recovered, tried);
    }
}

/// The same attacker against a naive publisher recovers small counts, so its failure
/// above is the rule's doing, not the attacker's weakness.
#[test]
fn the_attacker_breaks_a_naive_publisher() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut tried, mut recovered) = (0, 0);
    for _ in 0..20 {
        let facts = facts_strategy()
            .new_tree(&mut runner)
            .expect("generated")
            .current();
        let (_, t, r) = attack(&facts, true);
        tried += t;
        recovered += r;
    }
    eprintln!("naive publisher: recovered {recovered} of {tried} small counts");
    assert!(recovered > 0, "tried {tried}");
    let _ = disclosure::LARGEST_HIDDEN;
}
