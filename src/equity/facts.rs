//! The facts the equity report is computed from: who is registered, who was referred and
//! what happened to each referral, reduced to small codes. A million people fit in 12 MB,
//! so a running server keeps them in memory and a report is one pass over plain arrays.

use crate::people::{Ethnicity, LongTermCondition, PlusGroup, Sex};
use crate::referrals::Barrier;
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};

/// The five Core20PLUS5 adult clinical areas, in NHS England's order.
pub const CLINICAL_AREAS: [LongTermCondition; 5] = [
    LongTermCondition::Maternity,
    LongTermCondition::SevereMentalIllness,
    LongTermCondition::ChronicRespiratory,
    LongTermCondition::Cancer,
    LongTermCondition::Hypertension,
];

/// Lower bound (years) and label of each age band, youngest first.
pub const AGE_BANDS: [(u32, &str); 7] = [
    (0, "0-17"),
    (18, "18-24"),
    (25, "25-34"),
    (35, "35-49"),
    (50, "50-64"),
    (65, "65-79"),
    (80, "80 and over"),
];

/// A person's attributes as the breakdowns need them, coded as indexes and bit sets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Profile {
    /// Index into `Facts::practices`; `NO_PRACTICE` when unregistered.
    pub practice: u16,
    /// National IMD quintile 1 (most deprived) to 5; 0 when the area has no English IMD.
    pub quintile: u8,
    /// Index into `Sex::ALL`.
    pub sex: u8,
    /// Index into `Ethnicity::ALL`.
    pub ethnicity: u8,
    /// Bit i set when the person is in `PlusGroup::ALL[i]`.
    pub plus: u8,
    /// Bit i set when the person has `CLINICAL_AREAS[i]`.
    pub clinical: u8,
    /// Date of birth as days from the common era (chrono's `num_days_from_ce`).
    pub birth_day: i32,
}

pub const NO_PRACTICE: u16 = u16::MAX;

impl Profile {
    /// Codes a person's stored attributes; unknown codes fall back to "not known" groups.
    #[allow(clippy::too_many_arguments)]
    pub fn code(
        practice: u16,
        imd_decile: Option<i64>,
        sex: &str,
        ethnicity: &str,
        date_of_birth: NaiveDate,
        plus_groups: &str,
        conditions: &str,
    ) -> Profile {
        let quintile = match imd_decile {
            Some(d @ 1..=10) => (d as u8).div_ceil(2),
            _ => 0,
        };
        let sex = Sex::from_code(sex).unwrap_or(Sex::Unknown);
        let ethnicity = Ethnicity::from_code(ethnicity).unwrap_or(Ethnicity::NotStated);
        Profile {
            practice,
            quintile,
            sex: index_of(Sex::ALL, sex),
            ethnicity: index_of(Ethnicity::ALL, ethnicity),
            plus: bits(plus_groups, |c| {
                PlusGroup::from_code(c).map(|g| index_of(PlusGroup::ALL, g))
            }) as u8,
            clinical: bits(conditions, |c| {
                LongTermCondition::from_code(c)
                    .and_then(|l| CLINICAL_AREAS.iter().position(|&a| a == l))
                    .map(|i| i as u8)
            }) as u8,
            birth_day: date_of_birth.num_days_from_ce(),
        }
    }
}

fn index_of<T: PartialEq>(all: &[T], value: T) -> u8 {
    all.iter().position(|v| *v == value).unwrap_or(0) as u8
}

/// A bit set from a comma-separated list of codes; unknown codes are ignored.
pub fn bits(codes: &str, index: impl Fn(&str) -> Option<u8>) -> u32 {
    codes
        .split(',')
        .filter_map(|c| index(c.trim()))
        .fold(0, |set, i| set | (1 << i))
}

/// How far a referral got, as bits of `Stage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Contacted,
    Active,
    Connected,
    Attended,
    GoalsMet,
}

impl Stage {
    pub const ALL: [Stage; 5] = [
        Stage::Contacted,
        Stage::Active,
        Stage::Connected,
        Stage::Attended,
        Stage::GoalsMet,
    ];
    pub fn bit(self) -> u8 {
        1 << self as u8
    }
    pub fn code(self) -> &'static str {
        match self {
            Stage::Contacted => "contacted",
            Stage::Active => "active",
            Stage::Connected => "connected",
            Stage::Attended => "attended",
            Stage::GoalsMet => "goals_met",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Stage::Contacted => "Contacted",
            Stage::Active => "Agreed a plan (active)",
            Stage::Connected => "Connected to a service",
            Stage::Attended => "Attended a first session",
            Stage::GoalsMet => "Closed with goals met",
        }
    }
    pub fn definition(self) -> &'static str {
        match self {
            Stage::Contacted => "a contact that reached the person was recorded",
            Stage::Active => "the referral became active (a plan was agreed)",
            Stage::Connected => "at least one connection to a community service was sent",
            Stage::Attended => "a connection reached 'attended first session' or 'completed'",
            Stage::GoalsMet => "the referral was closed with the reason 'goals met'",
        }
    }
}

/// Paired outcome measures: baseline and follow-up on the same referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    SwemwbsMetric,
    Ons4LifeSatisfaction,
    Ons4Anxiety,
    Ucla3,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::SwemwbsMetric,
        Outcome::Ons4LifeSatisfaction,
        Outcome::Ons4Anxiety,
        Outcome::Ucla3,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Outcome::SwemwbsMetric => "swemwbs",
            Outcome::Ons4LifeSatisfaction => "ons4_life_satisfaction",
            Outcome::Ons4Anxiety => "ons4_anxiety",
            Outcome::Ucla3 => "ucla3",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Outcome::SwemwbsMetric => "SWEMWBS (metric score, 7-35; higher is better)",
            Outcome::Ons4LifeSatisfaction => "ONS4 life satisfaction (0-10; higher is better)",
            Outcome::Ons4Anxiety => "ONS4 anxiety (0-10; lower is better)",
            Outcome::Ucla3 => "UCLA-3 loneliness (3-9; lower is better)",
        }
    }
    /// The change counted as a meaningful improvement, where one is established:
    /// 3 metric points on SWEMWBS (DESIGN.md 1.4).
    pub fn meaningful_improvement(self) -> Option<f32> {
        match self {
            Outcome::SwemwbsMetric => Some(3.0),
            _ => None,
        }
    }
}

/// One referral received, with how far it got.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReferralFact {
    pub who: Profile,
    /// The referral's record key: fixed, secret and uniformly random (`disclosure`).
    pub key: u64,
    /// Age in whole years on the day the referral was received.
    pub age: u8,
    pub received_day: i32,
    /// Whole days from receipt to the first contact that reached the person.
    pub days_to_first_contact: Option<u16>,
    /// Bits of `Stage`.
    pub stages: u8,
    /// Bit i set when `Barrier::ALL[i]` was recorded.
    pub barriers: u32,
    /// Follow-up minus baseline for each `Outcome`, NaN when not paired.
    pub change: [f32; 4],
}

/// Registered list size of one practice in one LSOA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PopulationCell {
    pub practice: u16,
    pub quintile: u8,
    pub people: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PracticeRef {
    pub id: i64,
    pub code: String,
    pub name: String,
}

/// Everything a report is computed from, as loaded from the database at `loaded_at`.
#[derive(Debug, Clone)]
pub struct Facts {
    pub practices: Vec<PracticeRef>,
    pub population: Vec<PopulationCell>,
    /// The registered list by practice, when the people table holds all of it (a
    /// generated population); it gives denominators by sex, age, ethnicity and group.
    pub register: Option<Register>,
    pub referrals: Vec<ReferralFact>,
    pub loaded_at: DateTime<Utc>,
}

impl Facts {
    pub fn practice_index(&self, code: &str) -> Option<u16> {
        self.practices
            .iter()
            .position(|p| p.code.eq_ignore_ascii_case(code))
            .map(|i| i as u16)
    }
}

/// The reporting period (inclusive) and an optional single practice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// The twelve months up to and including `to`.
    pub fn year_to(to: NaiveDate) -> Period {
        let from = to
            .checked_sub_months(Months::new(12))
            .and_then(|d| d.succ_opt())
            .unwrap_or(to);
        Period { from, to }
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }
}

/// Day numbers at which each age band starts, for ages on one date: a person born on or
/// before `starts[i]` is at least `AGE_BANDS[i].0` years old.
pub struct AgeCutoffs {
    starts: [i32; AGE_BANDS.len()],
}

impl AgeCutoffs {
    pub fn on(date: NaiveDate) -> AgeCutoffs {
        let mut starts = [i32::MAX; AGE_BANDS.len()];
        for (start, (years, _)) in starts.iter_mut().zip(AGE_BANDS) {
            *start = date
                .checked_sub_months(Months::new(12 * years))
                .map_or(i32::MIN, |d| d.num_days_from_ce());
        }
        AgeCutoffs { starts }
    }

    pub fn starts(&self) -> &[i32] {
        &self.starts
    }

    pub fn band(&self, birth_day: i32) -> u8 {
        self.starts
            .iter()
            .filter(|&&s| birth_day <= s)
            .count()
            .max(1) as u8
            - 1
    }
}

/// Registered people per group of the breakdowns only a register gives.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RegisterCounts {
    pub ethnicity: [u64; Ethnicity::ALL.len()],
    pub age_band: [u64; AGE_BANDS.len()],
    pub sex: [u64; Sex::ALL.len()],
    /// One per PLUS group, then "none".
    pub plus: [u64; PlusGroup::ALL.len() + 1],
    /// One per clinical area, then "none".
    pub clinical: [u64; CLINICAL_AREAS.len() + 1],
}

impl RegisterCounts {
    fn add(&mut self, other: &RegisterCounts) {
        let pairs = [
            (&mut self.ethnicity[..], &other.ethnicity[..]),
            (&mut self.age_band[..], &other.age_band[..]),
            (&mut self.sex[..], &other.sex[..]),
            (&mut self.plus[..], &other.plus[..]),
            (&mut self.clinical[..], &other.clinical[..]),
        ];
        for (into, from) in pairs {
            for (a, b) in into.iter_mut().zip(from) {
                *a += b;
            }
        }
    }
}

/// Adds one to `counts[i]` for each set bit i, or to the last ("none") when none is set.
fn count_bits(counts: &mut [u64], set: u8) {
    if set == 0 {
        if let Some(none) = counts.last_mut() {
            *none += 1;
        }
    }
    let mut set = set;
    while set != 0 {
        if let Some(c) = counts.get_mut(set.trailing_zeros() as usize) {
            *c += 1;
        }
        set &= set - 1;
    }
}

/// One practice's registered list: counts that do not change with the report's dates,
/// and birth dates sorted, so age bands on any date are a few binary searches.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct PracticeList {
    counts: RegisterCounts,
    birth_days: Vec<i32>,
}

/// The register as the report uses it: per practice (the last entry holds people with
/// no practice). Built once when the facts are read, so a report never walks a million
/// people; the breakdowns it gives are exactly those of counting each person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Register {
    lists: Vec<PracticeList>,
}

impl Register {
    pub fn build(people: &[Profile], practices: usize) -> Register {
        let mut lists = vec![PracticeList::default(); practices + 1];
        for who in people {
            let at = usize::from(who.practice).min(practices);
            let list = &mut lists[at];
            let c = &mut list.counts;
            c.ethnicity[usize::from(who.ethnicity).min(Ethnicity::ALL.len() - 1)] += 1;
            c.sex[usize::from(who.sex).min(Sex::ALL.len() - 1)] += 1;
            count_bits(&mut c.plus, who.plus);
            count_bits(&mut c.clinical, who.clinical);
            list.birth_days.push(who.birth_day);
        }
        for list in &mut lists {
            list.birth_days.sort_unstable();
        }
        Register { lists }
    }

    pub fn people(&self) -> usize {
        self.lists.iter().map(|l| l.birth_days.len()).sum()
    }

    /// Registered people per group, ages on the cut-offs' date, for one practice or all.
    pub fn counts(&self, ages: &AgeCutoffs, practice: Option<u16>) -> RegisterCounts {
        let mut total = RegisterCounts::default();
        for (i, list) in self.lists.iter().enumerate() {
            if practice.is_some_and(|p| usize::from(p) != i) {
                continue;
            }
            let mut counts = list.counts;
            // Born on or before starts[b]: at least AGE_BANDS[b] years old.
            let at_least =
                |b: usize| list.birth_days.partition_point(|&d| d <= ages.starts[b]) as u64;
            let everyone = list.birth_days.len() as u64;
            for b in 0..AGE_BANDS.len() {
                let older = if b + 1 < AGE_BANDS.len() {
                    at_least(b + 1)
                } else {
                    0
                };
                let from = if b == 0 { everyone } else { at_least(b) };
                counts.age_band[b] = from - older;
            }
            total.add(&counts);
        }
        total
    }
}

/// Codes a barrier list as a bit set of `Barrier::ALL` positions.
pub fn barrier_bit(barrier: &str) -> Option<u8> {
    Barrier::from_code(barrier).map(|b| index_of(Barrier::ALL, b))
}

const _: () = assert!(Barrier::ALL.len() <= 32 && PlusGroup::ALL.len() <= 8);

/// Age in whole years on `day` of someone born on `birth_day` (both days from the common
/// era); 0 before birth, at most 255.
pub fn age_on(birth_day: i32, day: i32) -> u8 {
    let (Some(born), Some(on)) = (
        NaiveDate::from_num_days_from_ce_opt(birth_day),
        NaiveDate::from_num_days_from_ce_opt(day),
    ) else {
        return 0;
    };
    on.years_since(born).unwrap_or(0).min(255) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn age_bands_change_on_the_birthday() {
        let ages = AgeCutoffs::on(day("2026-06-30"));
        let band = |born: &str| AGE_BANDS[ages.band(day(born).num_days_from_ce()) as usize].1;
        assert_eq!(band("2008-06-30"), "18-24");
        assert_eq!(band("2008-07-01"), "0-17");
        assert_eq!(band("1946-06-30"), "80 and over");
        assert_eq!(band("1946-07-01"), "65-79");
        assert_eq!(band("2026-06-30"), "0-17");
    }

    #[test]
    fn profiles_code_groups_and_clinical_areas() {
        let p = Profile::code(
            3,
            Some(2),
            "female",
            "black",
            day("1980-01-01"),
            "carer,ethnic_minority",
            "hypertension,diabetes,maternity",
        );
        assert_eq!(p.quintile, 1);
        assert_eq!(Sex::ALL[p.sex as usize], Sex::Female);
        assert_eq!(Ethnicity::ALL[p.ethnicity as usize], Ethnicity::Black);
        assert_eq!(p.plus.count_ones(), 2);
        assert_eq!(p.clinical, 0b10001, "maternity and hypertension only");
        let unknown = Profile::code(0, None, "x", "y", day("1980-01-01"), "", "");
        assert_eq!(unknown.quintile, 0);
        assert_eq!(Sex::ALL[unknown.sex as usize], Sex::Unknown);
        assert_eq!(
            Ethnicity::ALL[unknown.ethnicity as usize],
            Ethnicity::NotStated
        );
    }

    #[test]
    fn the_register_index_counts_as_counting_each_person_would() {
        let born = |s: &str| day(s).num_days_from_ce();
        let person = |practice, sex, plus, birth| Profile {
            practice,
            sex,
            plus,
            birth_day: born(birth),
            ..Profile::default()
        };
        let people = [
            person(0, 0, 0b11, "2010-01-01"),
            person(0, 1, 0, "1990-06-30"),
            person(1, 1, 0, "1940-01-01"),
            person(NO_PRACTICE, 0, 0b100, "2030-01-01"),
        ];
        let register = Register::build(&people, 2);
        assert_eq!(register.people(), 4);
        let ages = AgeCutoffs::on(day("2026-06-30"));
        let all = register.counts(&ages, None);
        let by_hand: Vec<u64> = (0..AGE_BANDS.len() as u8)
            .map(|b| {
                people
                    .iter()
                    .filter(|p| ages.band(p.birth_day) == b)
                    .count() as u64
            })
            .collect();
        assert_eq!(all.age_band.to_vec(), by_hand);
        assert_eq!(all.age_band, [2, 0, 0, 1, 0, 0, 1]);
        assert_eq!(all.sex[..2], [2, 2]);
        assert_eq!(all.plus[..3], [1, 1, 1]);
        assert_eq!(all.plus[PlusGroup::ALL.len()], 2, "two people in no group");
        assert_eq!(all.clinical[CLINICAL_AREAS.len()], 4);
        let first = register.counts(&ages, Some(0));
        assert_eq!((first.sex[0], first.sex[1]), (1, 1));
        assert_eq!(first.age_band.iter().sum::<u64>(), 2);
    }

    #[test]
    fn a_year_period_holds_365_or_366_days() {
        assert_eq!(Period::year_to(day("2026-11-25")).days(), 365);
        assert_eq!(Period::year_to(day("2024-12-31")).days(), 366);
        assert_eq!(Period::year_to(day("2026-11-25")).from, day("2025-11-26"));
    }
}
