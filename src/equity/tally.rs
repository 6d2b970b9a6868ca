//! One pass over the facts into fixed accumulators, one per group of every breakdown.
//! Nothing here is suppressed: tallies never leave the process; `report` applies
//! disclosure control when it turns them into something shown.

use super::facts::{
    five_year_band, Bands, Facts, Outcome, Period, Profile, ReferralFact, Stage, AGE_BANDS,
    CLINICAL_AREAS, FIVE_YEAR_BANDS, NEVER, OUTCOME_WINDOW_DAYS,
};
use super::stats::MeanAccumulator;
use crate::people::{Ethnicity, PlusGroup, Sex};
use crate::referrals::Barrier;
use chrono::{Datelike, NaiveDate};

/// The breakdowns of the report, in the order it shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Overall,
    ImdQuintile,
    Core20,
    Ethnicity,
    AgeBand,
    Sex,
    PlusGroup,
    ClinicalArea,
    Practice,
}

impl Dimension {
    pub const ALL: [Dimension; 9] = [
        Dimension::Overall,
        Dimension::ImdQuintile,
        Dimension::Core20,
        Dimension::Ethnicity,
        Dimension::AgeBand,
        Dimension::Sex,
        Dimension::PlusGroup,
        Dimension::ClinicalArea,
        Dimension::Practice,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Dimension::Overall => "overall",
            Dimension::ImdQuintile => "imd_quintile",
            Dimension::Core20 => "core20",
            Dimension::Ethnicity => "ethnicity",
            Dimension::AgeBand => "age_band",
            Dimension::Sex => "sex",
            Dimension::PlusGroup => "plus_group",
            Dimension::ClinicalArea => "clinical_area",
            Dimension::Practice => "practice",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Dimension::Overall => "Everyone",
            Dimension::ImdQuintile => "National IMD 2019 quintile of the home area",
            Dimension::Core20 => "Core20 (most deprived 20% of areas nationally)",
            Dimension::Ethnicity => "Ethnic group (ONS 2021 high-level)",
            Dimension::AgeBand => "Age band (at the end of the period)",
            Dimension::Sex => "Sex",
            Dimension::PlusGroup => "PLUS inclusion groups (a person may be in several)",
            Dimension::ClinicalArea => "Core20PLUS5 clinical areas (a person may have several)",
            Dimension::Practice => "GP practice",
        }
    }

    /// Whether the population table (practice by LSOA) gives this breakdown's
    /// denominators; the others need the whole register.
    pub fn is_geographic(self) -> bool {
        matches!(
            self,
            Dimension::Overall | Dimension::ImdQuintile | Dimension::Core20 | Dimension::Practice
        )
    }

    /// `(code, label)` of each group, in order.
    pub fn groups(self, facts: &Facts) -> Vec<(String, String)> {
        let pair = |c: &str, l: &str| (c.to_string(), l.to_string());
        match self {
            Dimension::Overall => vec![pair("all", "Everyone")],
            Dimension::ImdQuintile => vec![
                pair("1", "Quintile 1 (most deprived)"),
                pair("2", "Quintile 2"),
                pair("3", "Quintile 3"),
                pair("4", "Quintile 4"),
                pair("5", "Quintile 5 (least deprived)"),
                pair("unknown", "Outside England or not known"),
            ],
            Dimension::Core20 => vec![
                pair("core20", "Core20 areas"),
                pair("rest", "Other English areas"),
                pair("unknown", "Outside England or not known"),
            ],
            Dimension::Ethnicity => Ethnicity::ALL
                .iter()
                .map(|e| pair(e.code(), e.label()))
                .collect(),
            Dimension::AgeBand => AGE_BANDS.iter().map(|(_, l)| pair(l, l)).collect(),
            Dimension::Sex => Sex::ALL.iter().map(|s| pair(s.code(), s.label())).collect(),
            Dimension::PlusGroup => PlusGroup::ALL
                .iter()
                .map(|g| pair(g.code(), g.label()))
                .chain([pair("none", "None of these groups")])
                .collect(),
            Dimension::ClinicalArea => CLINICAL_AREAS
                .iter()
                .map(|a| pair(a.code(), a.label()))
                .chain([pair("none", "None of the five areas")])
                .collect(),
            Dimension::Practice => facts
                .practices
                .iter()
                .map(|p| (p.code.clone(), p.name.clone()))
                .collect(),
        }
    }

    fn group_count(self, practices: usize) -> usize {
        match self {
            Dimension::Overall => 1,
            Dimension::ImdQuintile => 6,
            Dimension::Core20 => 3,
            Dimension::Ethnicity => Ethnicity::ALL.len(),
            Dimension::AgeBand => AGE_BANDS.len(),
            Dimension::Sex => Sex::ALL.len(),
            Dimension::PlusGroup => PlusGroup::ALL.len() + 1,
            Dimension::ClinicalArea => CLINICAL_AREAS.len() + 1,
            Dimension::Practice => practices,
        }
    }
}

/// Days to first contact are counted exactly up to this; longer waits share the last bucket.
pub const CONTACT_DAYS_KEPT: usize = 366;

/// A count of referrals with the sum of their record keys (wrapping): the cell key that
/// decides the count's published perturbation (`disclosure`). The same referrals always
/// give the same key, so a count gets the same noise in every report that shows it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Count {
    pub n: u64,
    pub key: u64,
}

impl Count {
    #[inline]
    pub fn add(&mut self, key: u64) {
        self.n += 1;
        self.key = self.key.wrapping_add(key);
    }
    pub fn merge(&mut self, other: &Count) {
        self.n += other.n;
        self.key = self.key.wrapping_add(other.key);
    }
}

fn merge_all(into: &mut [Count], from: &[Count]) {
    for (a, b) in into.iter_mut().zip(from) {
        a.merge(b);
    }
}

/// Accumulators for one group, as of one day.
#[derive(Debug, Clone)]
pub struct Tally {
    /// Registered people at mid-period (or imported list sizes, which have no ages).
    pub population: u64,
    /// The same by five-year age band at mid-period, when a register gives ages.
    pub population_by_age: Bands,
    pub referrals: Count,
    /// Referrals by five-year age band at referral, each with its key, for the directly
    /// age-standardised rate.
    pub referrals_by_age: [Count; FIVE_YEAR_BANDS],
    /// Referrals whose follow-up window for each stage had passed by the as-of date.
    pub eligible: [Count; Stage::ALL.len()],
    /// Of those, the referrals that reached the stage within its window.
    pub stages: [Count; Stage::ALL.len()],
    /// Referrals at least 14 days old by the as-of date, and those reached within 14 days.
    pub eligible_14: Count,
    pub within_14: Count,
    /// Referrals first reached by the as-of date (the Kaplan-Meier events).
    pub contacted: Count,
    /// Kaplan-Meier events (first reached) and censored referrals (not reached by the
    /// as-of date or by closure) by whole days from receipt.
    pub contact_days_histogram: [u32; CONTACT_DAYS_KEPT],
    pub censored_histogram: [u32; CONTACT_DAYS_KEPT],
    /// Referrals closed, or at least six months old, by the as-of date: those whose
    /// outcomes are counted.
    pub outcome_eligible: Count,
    /// Paired outcomes among them: the count (with its key) and the changes.
    pub pairs: [Count; Outcome::ALL.len()],
    pub change: [MeanAccumulator; Outcome::ALL.len()],
    pub improved: [Count; Outcome::ALL.len()],
    pub barriers: [Count; Barrier::ALL.len()],
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            population: 0,
            population_by_age: [0; FIVE_YEAR_BANDS],
            referrals: Count::default(),
            referrals_by_age: [Count::default(); FIVE_YEAR_BANDS],
            eligible: [Count::default(); Stage::ALL.len()],
            stages: [Count::default(); Stage::ALL.len()],
            eligible_14: Count::default(),
            within_14: Count::default(),
            contacted: Count::default(),
            contact_days_histogram: [0; CONTACT_DAYS_KEPT],
            censored_histogram: [0; CONTACT_DAYS_KEPT],
            outcome_eligible: Count::default(),
            pairs: [Count::default(); Outcome::ALL.len()],
            change: [MeanAccumulator::default(); Outcome::ALL.len()],
            improved: [Count::default(); Outcome::ALL.len()],
            barriers: [Count::default(); Barrier::ALL.len()],
        }
    }
}

/// What one referral adds to each group it is in, worked out once per referral.
struct Contribution {
    key: u64,
    five_year_band: usize,
    /// Bits of `Stage` whose window had passed, and of those reached within it.
    eligible: u8,
    reached: u8,
    eligible_14: bool,
    within_14: bool,
    /// (day, reached) for Kaplan-Meier: first reached on that day, or censored then.
    contact: (usize, bool),
    outcome_eligible: bool,
    /// (outcome, change, meaningful improvement) for each paired outcome.
    changes: [(usize, f64, bool); Outcome::ALL.len()],
    paired: usize,
    barriers: u32,
}

impl Contribution {
    /// `as_of` is a day number on or after the referral's receipt.
    fn of(r: &ReferralFact, as_of: i32) -> Contribution {
        let elapsed = (as_of - r.received_day).max(0);
        let (mut eligible, mut reached) = (0, 0);
        for stage in Stage::ALL {
            let window = stage.window_days();
            if elapsed >= i32::from(window) {
                eligible |= stage.bit();
                if r.stage_days[stage as usize] <= window {
                    reached |= stage.bit();
                }
            }
        }
        let first = r.stage_days[Stage::Contacted as usize];
        let contact = if first != NEVER && i32::from(first) <= elapsed {
            (usize::from(first), true)
        } else {
            let closed = r.closed_days.map_or(elapsed, |c| i32::from(c).min(elapsed));
            (closed as usize, false)
        };
        let outcome_eligible = elapsed >= i32::from(OUTCOME_WINDOW_DAYS)
            || r.closed_days.is_some_and(|c| i32::from(c) <= elapsed);
        let mut changes = [(0, 0.0, false); Outcome::ALL.len()];
        let mut paired = 0;
        for (i, outcome) in Outcome::ALL.iter().enumerate() {
            let change = r.change[i];
            if outcome_eligible && change.is_finite() {
                let improved = outcome
                    .meaningful_improvement()
                    .is_some_and(|t| change >= t);
                changes[paired] = (i, f64::from(change), improved);
                paired += 1;
            }
        }
        Contribution {
            key: r.key,
            five_year_band: five_year_band(r.age),
            eligible,
            reached,
            eligible_14: elapsed >= 14,
            within_14: elapsed >= 14 && first <= 14,
            contact: (contact.0.min(CONTACT_DAYS_KEPT - 1), contact.1),
            outcome_eligible,
            changes,
            paired,
            barriers: r.barriers,
        }
    }
}

/// Adds `key` to the counts of each set bit.
fn add_bits(counts: &mut [Count], bits: u32, key: u64) {
    let mut bits = bits;
    while bits != 0 {
        if let Some(count) = counts.get_mut(bits.trailing_zeros() as usize) {
            count.add(key);
        }
        bits &= bits - 1;
    }
}

impl Tally {
    fn add(&mut self, c: &Contribution) {
        let key = c.key;
        self.referrals.add(key);
        self.referrals_by_age[c.five_year_band].add(key);
        add_bits(&mut self.eligible, u32::from(c.eligible), key);
        add_bits(&mut self.stages, u32::from(c.reached), key);
        if c.eligible_14 {
            self.eligible_14.add(key);
            if c.within_14 {
                self.within_14.add(key);
            }
        }
        let (day, reached) = c.contact;
        if reached {
            self.contacted.add(key);
            self.contact_days_histogram[day] += 1;
        } else {
            self.censored_histogram[day] += 1;
        }
        if c.outcome_eligible {
            self.outcome_eligible.add(key);
        }
        for &(i, change, improved) in &c.changes[..c.paired] {
            self.pairs[i].add(key);
            self.change[i].add(change);
            if improved {
                self.improved[i].add(key);
            }
        }
        add_bits(&mut self.barriers, c.barriers, key);
    }

    fn merge(&mut self, other: &Tally) {
        self.population += other.population;
        for (a, b) in self
            .population_by_age
            .iter_mut()
            .zip(other.population_by_age)
        {
            *a += b;
        }
        self.referrals.merge(&other.referrals);
        merge_all(&mut self.referrals_by_age, &other.referrals_by_age);
        merge_all(&mut self.eligible, &other.eligible);
        merge_all(&mut self.stages, &other.stages);
        self.eligible_14.merge(&other.eligible_14);
        self.within_14.merge(&other.within_14);
        self.contacted.merge(&other.contacted);
        for (a, b) in self
            .contact_days_histogram
            .iter_mut()
            .zip(&other.contact_days_histogram)
        {
            *a += b;
        }
        for (a, b) in self
            .censored_histogram
            .iter_mut()
            .zip(&other.censored_histogram)
        {
            *a += b;
        }
        self.outcome_eligible.merge(&other.outcome_eligible);
        merge_all(&mut self.pairs, &other.pairs);
        for (a, b) in self.change.iter_mut().zip(&other.change) {
            a.merge(b);
        }
        merge_all(&mut self.improved, &other.improved);
        merge_all(&mut self.barriers, &other.barriers);
    }
}

/// Where each dimension's groups start in the flat list of tallies.
#[derive(Debug, Clone)]
pub struct Layout {
    starts: [usize; Dimension::ALL.len()],
    len: usize,
}

impl Layout {
    pub fn new(practices: usize) -> Layout {
        let mut starts = [0; Dimension::ALL.len()];
        let mut len = 0;
        for (start, dimension) in starts.iter_mut().zip(Dimension::ALL) {
            *start = len;
            len += dimension.group_count(practices);
        }
        Layout { starts, len }
    }

    pub fn start(&self, dimension: Dimension) -> usize {
        self.starts[dimension as usize]
    }

    /// Cells of the breakdowns the population table gives.
    fn geographic_cells(&self, practice: u16, quintile: u8, cells: &mut Cells) {
        cells.push(self.start(Dimension::Overall));
        let quintile_group = if quintile == 0 { 5 } else { quintile - 1 };
        cells.push(self.start(Dimension::ImdQuintile) + quintile_group as usize);
        let core20 = match quintile {
            0 => 2,
            1 => 0,
            _ => 1,
        };
        cells.push(self.start(Dimension::Core20) + core20);
        if practice != super::facts::NO_PRACTICE {
            cells.push(self.start(Dimension::Practice) + practice as usize);
        }
    }

    /// A referral's area cells: its quintile and practice. Everyone and Core20 are sums
    /// of quintiles, so they are added up afterwards (`derive_overall_and_core20`)
    /// rather than once per referral.
    fn referral_cells(&self, practice: u16, quintile: u8, cells: &mut Cells) {
        let quintile_group = if quintile == 0 { 5 } else { quintile - 1 };
        cells.push(self.start(Dimension::ImdQuintile) + quintile_group as usize);
        if practice != super::facts::NO_PRACTICE {
            cells.push(self.start(Dimension::Practice) + practice as usize);
        }
    }

    /// Fills the everyone and Core20 groups of referral tallies from the quintiles:
    /// Core20 is quintile 1, the rest 2 to 5, "not known" the same in both.
    fn derive_overall_and_core20(&self, cells: &mut [Tally]) {
        let quintile = |q: usize| self.start(Dimension::ImdQuintile) + q;
        let core20 = self.start(Dimension::Core20);
        let sums: [(usize, &[usize]); 4] = [
            (self.start(Dimension::Overall), &[0, 1, 2, 3, 4, 5]),
            (core20, &[0]),
            (core20 + 1, &[1, 2, 3, 4]),
            (core20 + 2, &[5]),
        ];
        for (into, quintiles) in sums {
            for &q in quintiles {
                let part = cells[quintile(q)].clone();
                cells[into].merge(&part);
            }
        }
    }

    /// Cells of the breakdowns only a register gives; `age_band` is the referral's band at
    /// receipt, so a referral is in the same age group in every period that holds it.
    fn personal_cells(&self, who: &Profile, age_band: u8, cells: &mut Cells) {
        cells.push(self.start(Dimension::Ethnicity) + who.ethnicity as usize);
        cells.push(self.start(Dimension::AgeBand) + age_band as usize);
        cells.push(self.start(Dimension::Sex) + who.sex as usize);
        push_bits(
            self.start(Dimension::PlusGroup),
            who.plus,
            PlusGroup::ALL.len(),
            cells,
        );
        push_bits(
            self.start(Dimension::ClinicalArea),
            who.clinical,
            CLINICAL_AREAS.len(),
            cells,
        );
    }
}

/// The group of each set bit, or the trailing "none" group when no bit is set.
fn push_bits(start: usize, set: u8, groups: usize, cells: &mut Cells) {
    if set == 0 {
        cells.push(start + groups);
    }
    let mut set = set;
    while set != 0 {
        cells.push(start + set.trailing_zeros() as usize);
        set &= set - 1;
    }
}

/// The cells one fact falls in; a fixed array, so the hot loop never allocates.
struct Cells {
    at: [usize; 24],
    len: usize,
}

impl Cells {
    fn new() -> Cells {
        Cells {
            at: [0; 24],
            len: 0,
        }
    }
    fn push(&mut self, cell: usize) {
        if self.len < self.at.len() {
            self.at[self.len] = cell;
            self.len += 1;
        }
    }
    fn clear(&mut self) {
        self.len = 0;
    }
    fn as_slice(&self) -> &[usize] {
        &self.at[..self.len]
    }
}

/// Referrals by calendar quarter and IMD quintile, for the gap over time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarterTally {
    /// First day of the quarter, or of the period if it starts later.
    pub from: NaiveDate,
    /// Last day of the quarter, or of the period if it ends sooner.
    pub to: NaiveDate,
    /// Referrals from quintile 1..5 (index 0..4).
    pub referrals: [Count; 5],
}

/// Everything the report needs, unsuppressed.
#[derive(Debug, Clone)]
pub struct Tallies {
    pub layout: Layout,
    pub cells: Vec<Tally>,
    pub quarters: Vec<QuarterTally>,
    /// Whether the demographic breakdowns have denominators.
    pub has_register: bool,
    /// The day stages and outcomes were counted by.
    pub as_of: NaiveDate,
}

impl Tallies {
    pub fn group(&self, dimension: Dimension, group: usize) -> &Tally {
        &self.cells[self.layout.start(dimension) + group]
    }
}

fn quarters(period: &Period) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    let mut start = period.from;
    while start <= period.to {
        let quarter_month = (start.month0() / 3) * 3 + 1;
        let next = NaiveDate::from_ymd_opt(start.year(), quarter_month, 1)
            .and_then(|d| d.checked_add_months(chrono::Months::new(3)))
            .unwrap_or(period.to.succ_opt().unwrap_or(period.to));
        let end = next.pred_opt().unwrap_or(next).min(period.to);
        out.push((start, end));
        match end.succ_opt() {
            Some(s) => start = s,
            None => break,
        }
    }
    out
}

/// The `AGE_BANDS` index of an age in whole years.
pub fn age_band(age: u8) -> u8 {
    AGE_BANDS
        .iter()
        .rposition(|(from, _)| u32::from(age) >= *from)
        .unwrap_or(0) as u8
}

/// Referrals below this many are folded on one thread.
const PARALLEL_FROM: usize = 20_000;

/// Folds referrals received in the period into fresh tallies and quarterly counts.
fn fold_referrals(
    referrals: &[ReferralFact],
    period: &Period,
    (practice, programme): (Option<u16>, Option<u32>),
    layout: &Layout,
    quarter_starts: &[i32],
    as_of: i32,
) -> (Vec<Tally>, Vec<[Count; 5]>) {
    let (from, to) = (period.from.num_days_from_ce(), period.to.num_days_from_ce());
    let mut cells = vec![Tally::default(); layout.len];
    let mut quarters = vec![[Count::default(); 5]; quarter_starts.len()];
    let mut scratch = Cells::new();
    for r in referrals {
        if r.received_day < from
            || r.received_day > to
            || practice.is_some_and(|p| r.who.practice != p)
            || programme.is_some_and(|p| r.programme != p)
        {
            continue;
        }
        scratch.clear();
        layout.referral_cells(r.who.practice, r.who.quintile, &mut scratch);
        layout.personal_cells(&r.who, age_band(r.age), &mut scratch);
        let contribution = Contribution::of(r, as_of);
        for &cell in scratch.as_slice() {
            cells[cell].add(&contribution);
        }
        if (1..=5).contains(&r.who.quintile) {
            let q = quarter_starts
                .partition_point(|&s| s <= r.received_day)
                .saturating_sub(1);
            if let Some(counts) = quarters.get_mut(q) {
                counts[r.who.quintile as usize - 1].add(r.key);
            }
        }
    }
    layout.derive_overall_and_core20(&mut cells);
    (cells, quarters)
}

/// Folds the facts for one period (and optionally one practice) into tallies, as of a day
/// on or after the period's end (stages and outcomes counted by then).
pub fn tally(facts: &Facts, period: &Period, practice: Option<u16>, as_of: NaiveDate) -> Tallies {
    tally_for(facts, period, practice, None, as_of)
}

/// As [`tally`], counting only one programme's referrals (by id) when one is given. The
/// population is everyone's either way: a programme's reach is measured against the
/// people it could have reached.
pub fn tally_for(
    facts: &Facts,
    period: &Period,
    practice: Option<u16>,
    programme: Option<u32>,
    as_of: NaiveDate,
) -> Tallies {
    let as_of_date = as_of.max(period.to);
    let as_of = as_of_date.num_days_from_ce();
    let layout = Layout::new(facts.practices.len());
    let mut cells = vec![Tally::default(); layout.len];
    match &facts.register {
        // The register as it stood at mid-period: born and registered by then, ages then.
        Some(register) => {
            let counts = register.counts(period.mid(), practice);
            let mut add = |cell: usize, bands: &Bands| {
                let t: &mut Tally = &mut cells[cell];
                for (a, b) in t.population_by_age.iter_mut().zip(bands) {
                    *a += b;
                }
                t.population += bands.iter().sum::<u64>();
            };
            let quintile = layout.start(Dimension::ImdQuintile);
            let core20 = layout.start(Dimension::Core20);
            for (q, bands) in counts.quintile.iter().enumerate() {
                add(quintile + q, bands);
                add(layout.start(Dimension::Overall), bands);
                add(core20 + [0, 1, 1, 1, 1, 2][q], bands);
            }
            for (dimension, groups) in [
                (Dimension::Ethnicity, &counts.ethnicity[..]),
                (Dimension::Sex, &counts.sex[..]),
                (Dimension::PlusGroup, &counts.plus[..]),
                (Dimension::ClinicalArea, &counts.clinical[..]),
                (Dimension::Practice, &counts.practice[..]),
            ] {
                for (i, bands) in groups.iter().enumerate() {
                    add(layout.start(dimension) + i, bands);
                }
            }
            for (b, n) in counts.age_band.iter().enumerate() {
                cells[layout.start(Dimension::AgeBand) + b].population += n;
            }
        }
        // Imported list sizes: by practice and area only, without ages or dates.
        None => {
            let mut scratch = Cells::new();
            for c in &facts.population {
                if practice.is_none_or(|p| c.practice == p) {
                    scratch.clear();
                    layout.geographic_cells(c.practice, c.quintile, &mut scratch);
                    for &cell in scratch.as_slice() {
                        cells[cell].population += u64::from(c.people);
                    }
                }
            }
        }
    }

    let spans = quarters(period);
    let quarter_starts: Vec<i32> = spans.iter().map(|(s, _)| s.num_days_from_ce()).collect();
    let fold = |referrals: &[ReferralFact]| {
        fold_referrals(
            referrals,
            period,
            (practice, programme),
            &layout,
            &quarter_starts,
            as_of,
        )
    };
    // Split across threads only when there is enough to share; each part has its own tallies.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    let chunk = facts.referrals.len().div_ceil(threads).max(PARALLEL_FROM);
    let parts: Vec<(Vec<Tally>, Vec<[Count; 5]>)> = std::thread::scope(|s| {
        let handles: Vec<_> = facts
            .referrals
            .chunks(chunk)
            .map(|part| s.spawn(move || fold(part)))
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    let mut quarter_counts = vec![[Count::default(); 5]; spans.len()];
    for (part_cells, part_quarters) in parts {
        for (into, from) in cells.iter_mut().zip(&part_cells) {
            into.merge(from);
        }
        for (into, from) in quarter_counts.iter_mut().zip(part_quarters) {
            merge_all(into, &from);
        }
    }

    Tallies {
        layout,
        cells,
        quarters: spans
            .into_iter()
            .zip(quarter_counts)
            .map(|((from, to), referrals)| QuarterTally {
                from,
                to,
                referrals,
            })
            .collect(),
        has_register: facts.register.is_some(),
        as_of: as_of_date,
    }
}

/// Empty tallies, for tests that fill in counts by hand.
#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;
    pub fn empty(practices: usize) -> Tallies {
        let layout = Layout::new(practices);
        Tallies {
            cells: vec![Tally::default(); layout.len],
            layout,
            quarters: Vec::new(),
            has_register: true,
            as_of: NaiveDate::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::equity::facts::{PopulationCell, PracticeRef, Register, NO_PRACTICE};
    use chrono::Utc;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn person(practice: u16, quintile: u8, plus: u8) -> Profile {
        Profile {
            practice,
            quintile,
            sex: 0,
            ethnicity: 3,
            plus,
            clinical: 0,
            birth_day: day("1970-05-01").num_days_from_ce(),
        }
    }

    /// A referral reaching the stages in `stages` (bits) on day 4 after receipt.
    fn referral(who: Profile, received: &str, stages: u8, swemwbs: f32) -> ReferralFact {
        ReferralFact {
            who,
            key: 0,
            age: 55,
            received_day: day(received).num_days_from_ce(),
            stage_days: Stage::ALL.map(|s| if stages & s.bit() != 0 { 4 } else { NEVER }),
            closed_days: None,
            barriers: 0b101,
            change: [swemwbs, f32::NAN, f32::NAN, f32::NAN],
            programme: 0,
        }
    }

    fn facts() -> Facts {
        let practices = (0..2)
            .map(|i| PracticeRef {
                id: i + 1,
                code: format!("P{i}"),
                name: format!("Practice {i}"),
            })
            .collect();
        let a = person(0, 1, 0b11);
        let b = person(1, 5, 0);
        Facts {
            practices,
            population: vec![
                PopulationCell {
                    practice: 0,
                    quintile: 1,
                    people: 100,
                },
                PopulationCell {
                    practice: 1,
                    quintile: 5,
                    people: 300,
                },
            ],
            register: Some(Register::of_profiles(&[a, b, b], 2)),
            referrals: vec![
                referral(a, "2026-01-10", Stage::Contacted.bit(), 4.0),
                referral(a, "2026-04-02", 0, 1.0),
                referral(b, "2026-02-01", Stage::Attended.bit(), f32::NAN),
                referral(b, "2025-01-01", 0, 9.0),
                referral(person(NO_PRACTICE, 0, 0), "2026-03-01", 0, f32::NAN),
            ],
            loaded_at: Utc::now(),
        }
    }

    #[test]
    fn each_fact_lands_in_its_groups_and_the_period_filters_referrals() {
        let facts = facts();
        let period = Period {
            from: day("2026-01-01"),
            to: day("2026-12-31"),
        };
        let t = tally(&facts, &period, None, day("2027-12-31"));
        let overall = t.group(Dimension::Overall, 0);
        // The register (one person in practice 0, quintile 1; two in practice 1, quintile 5)
        // gives every denominator when there is one.
        assert_eq!((overall.population, overall.referrals.n), (3, 4));
        assert_eq!(t.group(Dimension::ImdQuintile, 0).referrals.n, 2);
        assert_eq!(t.group(Dimension::ImdQuintile, 4).referrals.n, 1);
        assert_eq!(t.group(Dimension::ImdQuintile, 5).referrals.n, 1, "unknown");
        assert_eq!(t.group(Dimension::Core20, 0).population, 1);
        assert_eq!(t.group(Dimension::Core20, 1).population, 2);
        assert_eq!(overall.population_by_age[11], 3, "all 55-59 at mid-2026");
        let mut without_register = facts.clone();
        without_register.register = None;
        let lists = tally(&without_register, &period, None, day("2027-12-31"));
        assert_eq!(lists.group(Dimension::Overall, 0).population, 400);
        assert_eq!(lists.group(Dimension::Core20, 0).population, 100);
        assert_eq!(lists.group(Dimension::Core20, 1).population, 300);
        assert_eq!(t.group(Dimension::PlusGroup, 0).population, 1);
        assert_eq!(t.group(Dimension::PlusGroup, 1).referrals.n, 2);
        assert_eq!(
            t.group(Dimension::PlusGroup, PlusGroup::ALL.len())
                .population,
            2
        );
        let n = |c: &[Count]| c.iter().map(|c| c.n).collect::<Vec<_>>();
        assert_eq!(n(&overall.stages), [1, 0, 0, 1, 0]);
        assert_eq!(
            n(&overall.eligible),
            [4; 5],
            "every window has passed by 2027-12-31"
        );
        assert_eq!(overall.change[0].n, 2);
        assert_eq!(overall.pairs[0].n, 2);
        assert_eq!(overall.improved[0].n, 1, "only the 4-point change counts");
        assert_eq!((overall.barriers[0].n, overall.barriers[2].n), (4, 4));
        assert_eq!(
            overall.contact_days_histogram[4], 1,
            "only the contacted one"
        );
        assert_eq!(t.quarters.len(), 4);
        assert_eq!(n(&t.quarters[0].referrals), [1, 0, 0, 0, 1]);
        assert_eq!(n(&t.quarters[1].referrals), [1, 0, 0, 0, 0]);
    }

    #[test]
    fn one_practice_restricts_population_and_referrals() {
        let facts = facts();
        let period = Period::year_to(day("2026-12-31"));
        let t = tally(&facts, &period, Some(1), day("2027-12-31"));
        let overall = t.group(Dimension::Overall, 0);
        assert_eq!((overall.population, overall.referrals.n), (2, 1));
        assert_eq!(t.group(Dimension::Practice, 0).population, 0);
        assert_eq!(t.group(Dimension::Sex, 0).population, 2);
    }

    /// Worked by hand: as of 2026-03-31, a referral received on 2026-03-21 (10 days
    /// earlier) has completed no window; one received 2026-03-01 (30 days) has completed
    /// the 14- and 28-day windows only; one received 2025-09-01 every window.
    #[test]
    fn each_referral_counts_only_in_windows_it_has_completed() {
        let who = person(0, 1, 0);
        let mut recent = referral(who, "2026-03-21", Stage::Contacted.bit(), f32::NAN);
        recent.stage_days[0] = 3;
        let mut month = referral(who, "2026-03-01", 0, 1.0);
        month.stage_days[0] = 20;
        let old = referral(who, "2025-09-01", 0b11111, 5.0);
        let as_of = day("2026-03-31").num_days_from_ce();
        let c = |r: &ReferralFact| Contribution::of(r, as_of);
        let (r, m, o) = (c(&recent), c(&month), c(&old));
        assert_eq!(
            (r.eligible, r.eligible_14, r.outcome_eligible),
            (0, false, false)
        );
        assert_eq!(
            r.contact,
            (3, true),
            "reached on day 3: an event for Kaplan-Meier"
        );
        assert_eq!(m.eligible, Stage::Contacted.bit());
        assert_eq!(
            m.reached,
            Stage::Contacted.bit(),
            "reached on day 20, within 28"
        );
        assert!(m.eligible_14 && !m.within_14);
        assert!(
            !m.outcome_eligible && m.paired == 0,
            "too recent for outcomes"
        );
        assert_eq!((o.eligible, o.reached), (0b11111, 0b11111));
        assert!(o.outcome_eligible && o.paired == 1);
        // Not reached: censored on the as-of date, or on the day it closed.
        let mut waiting = referral(who, "2026-03-01", 0, f32::NAN);
        assert_eq!(c(&waiting).contact, (30, false));
        waiting.closed_days = Some(12);
        assert_eq!(c(&waiting).contact, (12, false));
        assert!(c(&waiting).outcome_eligible, "closed: outcomes counted");
    }

    #[test]
    fn quarters_cover_the_period_exactly() {
        let q = quarters(&Period {
            from: day("2025-11-26"),
            to: day("2026-11-25"),
        });
        assert_eq!(q.first(), Some(&(day("2025-11-26"), day("2025-12-31"))));
        assert_eq!(q[1], (day("2026-01-01"), day("2026-03-31")));
        assert_eq!(q.last(), Some(&(day("2026-10-01"), day("2026-11-25"))));
        assert_eq!(q.len(), 5);
    }
}
