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
            Stage::Contacted => "a contact that reached the person, within 28 days of receipt",
            Stage::Active => "the referral became active (a plan was agreed) within 12 weeks",
            Stage::Connected => "a connection to a community service was sent within 12 weeks",
            Stage::Attended => {
                "a connection reached 'attended first session' or 'completed' within 12 weeks"
            }
            Stage::GoalsMet => {
                "the referral was closed with the reason 'goals met' within 6 months"
            }
        }
    }
}

/// `ReferralFact::stage_days` of a stage not reached.
pub const NEVER: u16 = u16::MAX;

/// Follow-up windows: a referral is counted in a stage only once the stage's window has
/// passed by the as-of date, and as reaching it only if it did so within the window, so a
/// recent referral never drags a rate down for lack of time.
impl Stage {
    pub fn window_days(self) -> u16 {
        match self {
            Stage::Contacted => 28,
            Stage::Active | Stage::Connected | Stage::Attended => 84,
            Stage::GoalsMet => OUTCOME_WINDOW_DAYS,
        }
    }
}

/// Outcomes are counted among referrals closed, or at least this old (six months), by
/// the as-of date.
pub const OUTCOME_WINDOW_DAYS: u16 = 183;

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
    /// 3 metric points on SWEMWBS (docs/domain.md, "Measures and their scoring").
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
    /// Whole days from receipt to when the referral first reached each `Stage` (the first
    /// contact that reached the person, the plan agreed, the first connection sent, the
    /// first session attended, closure with goals met); `NEVER` when it has not.
    pub stage_days: [u16; Stage::ALL.len()],
    /// Whole days from receipt to closure, if closed.
    pub closed_days: Option<u16>,
    /// Bit i set when `Barrier::ALL[i]` was recorded.
    pub barriers: u32,
    /// Follow-up minus baseline for each `Outcome`, NaN when not paired.
    pub change: [f32; 4],
    /// The programme's id (docs/programmes.md), 0 when it belongs to none.
    pub programme: u32,
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

    /// The middle day, on which the register is taken (as ONS mid-year estimates are).
    pub fn mid(&self) -> NaiveDate {
        self.from + chrono::Duration::days((self.days() - 1) / 2)
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

/// Five-year age bands of the European Standard Population 2013: 0-4, ..., 85-89, 90+.
pub const FIVE_YEAR_BANDS: usize = 19;

/// Registered people in each five-year age band.
pub type Bands = [u64; FIVE_YEAR_BANDS];

/// The five-year band of an age in whole years.
pub fn five_year_band(age: u8) -> usize {
    (usize::from(age) / 5).min(FIVE_YEAR_BANDS - 1)
}

/// A person on the register and the day they joined it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegisteredPerson {
    pub who: Profile,
    pub registered: i32,
}

impl RegisteredPerson {
    /// The day they were both born and registered.
    fn on_register_from(&self) -> i32 {
        self.registered.max(self.who.birth_day)
    }
}

/// Registered people on one day, per group of each breakdown, by five-year age band
/// (ages on that day), and by the report's age bands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterCounts {
    pub quintile: [Bands; 6],
    pub ethnicity: [Bands; Ethnicity::ALL.len()],
    pub sex: [Bands; Sex::ALL.len()],
    /// One per PLUS group, then "none".
    pub plus: [Bands; PlusGroup::ALL.len() + 1],
    /// One per clinical area, then "none".
    pub clinical: [Bands; CLINICAL_AREAS.len() + 1],
    /// One per practice.
    pub practice: Vec<Bands>,
    pub age_band: [u64; AGE_BANDS.len()],
}

impl RegisterCounts {
    fn new(practices: usize) -> RegisterCounts {
        RegisterCounts {
            quintile: [[0; FIVE_YEAR_BANDS]; 6],
            ethnicity: [[0; FIVE_YEAR_BANDS]; Ethnicity::ALL.len()],
            sex: [[0; FIVE_YEAR_BANDS]; Sex::ALL.len()],
            plus: [[0; FIVE_YEAR_BANDS]; PlusGroup::ALL.len() + 1],
            clinical: [[0; FIVE_YEAR_BANDS]; CLINICAL_AREAS.len() + 1],
            practice: vec![[0; FIVE_YEAR_BANDS]; practices],
            age_band: [0; AGE_BANDS.len()],
        }
    }

    /// The lists of a group kind, in `LISTS` order.
    fn list_mut(&mut self, list: usize) -> &mut Bands {
        let mut at = list;
        for kind in [
            &mut self.quintile[..],
            &mut self.ethnicity[..],
            &mut self.sex[..],
            &mut self.plus[..],
            &mut self.clinical[..],
        ] {
            if at < kind.len() {
                return &mut kind[at];
            }
            at -= kind.len();
        }
        unreachable!("list {list} out of range")
    }
}

/// Sorted birth-day lists kept per practice: one per IMD quintile group, ethnic group,
/// sex, PLUS group (and none) and clinical area (and none).
const LISTS: usize =
    6 + Ethnicity::ALL.len() + Sex::ALL.len() + PlusGroup::ALL.len() + 1 + CLINICAL_AREAS.len() + 1;

/// The lists a person is in.
fn lists_of(who: &Profile, mut each: impl FnMut(usize)) {
    let quintile = if who.quintile == 0 {
        5
    } else {
        usize::from(who.quintile - 1).min(4)
    };
    each(quintile);
    let mut at = 6;
    each(at + usize::from(who.ethnicity).min(Ethnicity::ALL.len() - 1));
    at += Ethnicity::ALL.len();
    each(at + usize::from(who.sex).min(Sex::ALL.len() - 1));
    at += Sex::ALL.len();
    for (set, groups) in [
        (who.plus, PlusGroup::ALL.len()),
        (who.clinical, CLINICAL_AREAS.len()),
    ] {
        if set == 0 {
            each(at + groups);
        }
        let mut bits = set;
        while bits != 0 {
            let i = bits.trailing_zeros() as usize;
            if i < groups {
                each(at + i);
            }
            bits &= bits - 1;
        }
        at += groups + 1;
    }
}

/// Age cut-offs on one day: a person born on or before `five_year[b]` is at least 5b.
struct Cutoffs {
    born_by: i32,
    five_year: [i32; FIVE_YEAR_BANDS],
}

impl Cutoffs {
    fn on(day: i32) -> Cutoffs {
        let date = NaiveDate::from_num_days_from_ce_opt(day).unwrap_or_default();
        let mut five_year = [i32::MIN; FIVE_YEAR_BANDS];
        for (b, start) in five_year.iter_mut().enumerate() {
            *start = date
                .checked_sub_months(Months::new(60 * b as u32))
                .map_or(i32::MIN, |d| d.num_days_from_ce());
        }
        Cutoffs {
            born_by: day,
            five_year,
        }
    }

    /// Adds a sorted list's people born by the day to their five-year bands.
    fn add_list(&self, birth_days: &[i32], bands: &mut Bands) {
        let at_least = |b: usize| {
            let cut = if b == 0 {
                self.born_by
            } else {
                self.five_year[b]
            };
            birth_days.partition_point(|&d| d <= cut) as u64
        };
        let mut above = 0;
        for b in (0..FIVE_YEAR_BANDS).rev() {
            let n = at_least(b);
            bands[b] += n - above;
            above = n;
        }
    }
}

/// The register as the report uses it: per practice (the last entry holds people with
/// no practice), birth days sorted in one list per group, so counting everyone by group
/// and age on any day is a few binary searches and never a walk over a million people.
/// People who joined after the first day anyone did are kept aside and counted one by one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Register {
    /// Everyone in `lists` was on the register from this day.
    first_day: i32,
    lists: Vec<Vec<Vec<i32>>>,
    late: Vec<RegisteredPerson>,
    people: usize,
    /// Counts already taken: reports ask for few days (the middles of published periods).
    taken: CountsCache,
}

/// Register counts by (day, practice), kept because the facts never change once read.
#[derive(Default)]
struct CountsCache(std::sync::Mutex<std::collections::HashMap<(i32, Option<u16>), RegisterCounts>>);

impl CountsCache {
    const MOST: usize = 512;
}

impl Clone for CountsCache {
    fn clone(&self) -> Self {
        CountsCache::default()
    }
}

impl PartialEq for CountsCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for CountsCache {}

impl std::fmt::Debug for CountsCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CountsCache")
    }
}

impl Register {
    pub fn build(people: &[RegisteredPerson], practices: usize) -> Register {
        let first_day = people
            .iter()
            .map(RegisteredPerson::on_register_from)
            .min()
            .unwrap_or(i32::MIN);
        let mut lists = vec![vec![Vec::new(); LISTS]; practices + 1];
        let mut late = Vec::new();
        for person in people {
            if person.on_register_from() > first_day {
                late.push(*person);
                continue;
            }
            let at = usize::from(person.who.practice).min(practices);
            lists_of(&person.who, |l| lists[at][l].push(person.who.birth_day));
        }
        for list in lists.iter_mut().flatten() {
            list.sort_unstable();
        }
        Register {
            first_day,
            lists,
            late,
            people: people.len(),
            taken: CountsCache::default(),
        }
    }

    /// A register of people who were all on it from the start (for tests).
    pub fn of_profiles(people: &[Profile], practices: usize) -> Register {
        let people: Vec<RegisteredPerson> = people
            .iter()
            .map(|&who| RegisteredPerson {
                who,
                registered: i32::MIN,
            })
            .collect();
        Register::build(&people, practices)
    }

    pub fn people(&self) -> usize {
        self.people
    }

    /// People born and registered by `day`, per group and age on that day, for one
    /// practice or all.
    pub fn counts(&self, day: NaiveDate, practice: Option<u16>) -> RegisterCounts {
        let key = (day.num_days_from_ce(), practice);
        if let Some(counts) = self.taken.0.lock().ok().and_then(|t| t.get(&key).cloned()) {
            return counts;
        }
        let counts = self.count(day, practice);
        if let Ok(mut taken) = self.taken.0.lock() {
            if taken.len() < CountsCache::MOST {
                taken.insert(key, counts.clone());
            }
        }
        counts
    }

    fn count(&self, day: NaiveDate, practice: Option<u16>) -> RegisterCounts {
        let practices = self.lists.len() - 1;
        let mut counts = RegisterCounts::new(practices);
        let day_number = day.num_days_from_ce();
        let cutoffs = Cutoffs::on(day_number);
        let ages = AgeCutoffs::on(day);
        let wanted = |p: usize| practice.is_none_or(|want| usize::from(want) == p);
        if day_number >= self.first_day {
            for (p, lists) in self.lists.iter().enumerate().filter(|(p, _)| wanted(*p)) {
                for (l, list) in lists.iter().enumerate() {
                    cutoffs.add_list(list, counts.list_mut(l));
                }
                for list in &lists[..6] {
                    let at_least = |b: usize| {
                        let cut = if b == 0 { day_number } else { ages.starts[b] };
                        list.partition_point(|&d| d <= cut) as u64
                    };
                    for b in 0..AGE_BANDS.len() {
                        let older = if b + 1 < AGE_BANDS.len() {
                            at_least(b + 1)
                        } else {
                            0
                        };
                        counts.age_band[b] += at_least(b) - older;
                    }
                }
                if p < practices {
                    let mut bands = [0; FIVE_YEAR_BANDS];
                    for list in &lists[..6] {
                        cutoffs.add_list(list, &mut bands);
                    }
                    counts.practice[p] = bands;
                }
            }
        }
        for person in &self.late {
            let p = usize::from(person.who.practice).min(practices);
            if !wanted(p) || person.on_register_from() > day_number {
                continue;
            }
            let born = person.who.birth_day;
            let band = cutoffs.five_year[1..]
                .iter()
                .filter(|&&c| born <= c)
                .count();
            lists_of(&person.who, |l| counts.list_mut(l)[band] += 1);
            counts.age_band[usize::from(ages.band(person.who.birth_day))] += 1;
            if p < practices {
                counts.practice[p][band] += 1;
            }
        }
        counts
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
    fn the_register_counts_who_was_born_and_registered_by_the_day() {
        let born = |s: &str| day(s).num_days_from_ce();
        let person = |practice, sex, plus, birth: &str, registered: &str| RegisteredPerson {
            who: Profile {
                practice,
                sex,
                plus,
                quintile: 1,
                birth_day: born(birth),
                ..Profile::default()
            },
            registered: born(registered),
        };
        let people = [
            person(0, 0, 0b11, "2010-01-01", "2020-01-01"),
            person(0, 1, 0, "1990-06-30", "2020-01-01"),
            person(1, 1, 0, "1940-01-01", "2020-01-01"),
            // Born after the day: not yet on the register.
            person(NO_PRACTICE, 0, 0b100, "2030-01-01", "2020-01-01"),
            // Registered after the day.
            person(1, 0, 0, "1980-01-01", "2027-01-01"),
            // Born after the others registered, before the day.
            person(0, 0, 0, "2024-03-01", "2020-01-01"),
        ];
        let register = Register::build(&people, 2);
        assert_eq!(register.people(), 6);
        let all = register.counts(day("2026-06-30"), None);
        // On 2026-06-30 four are on the register, aged 16, 36, 86 and 2: five-year bands
        // 3, 7, 17 and 0; the report's bands 0-17 (two), 35-49 and 80+.
        let mut expected = [0; FIVE_YEAR_BANDS];
        for b in [3, 7, 17, 0] {
            expected[b] += 1;
        }
        assert_eq!(all.quintile[0], expected);
        assert_eq!(all.age_band, [2, 0, 0, 1, 0, 0, 1]);
        assert_eq!(all.sex[0].iter().sum::<u64>(), 2);
        assert_eq!(all.sex[1].iter().sum::<u64>(), 2);
        assert_eq!(all.plus[0].iter().sum::<u64>(), 1);
        assert_eq!(all.plus[PlusGroup::ALL.len()].iter().sum::<u64>(), 3);
        assert_eq!(all.practice[0].iter().sum::<u64>(), 3);
        assert_eq!(all.practice[1].iter().sum::<u64>(), 1);
        let first = register.counts(day("2026-06-30"), Some(1));
        assert_eq!(first.quintile[0].iter().sum::<u64>(), 1);
        assert_eq!(first.practice[0].iter().sum::<u64>(), 0);
        // In 2023 the 2024 baby was not born; before 2020 nobody was registered.
        let earlier = register.counts(day("2023-06-30"), None);
        assert_eq!(earlier.quintile[0].iter().sum::<u64>(), 3);
        assert_eq!(register.counts(day("2019-06-30"), None).age_band, [0; 7]);
        let later = register.counts(day("2027-06-30"), Some(1));
        assert_eq!(later.quintile[0].iter().sum::<u64>(), 2);
    }

    #[test]
    fn a_period_s_middle_day() {
        let p = |f: &str, t: &str| Period {
            from: day(f),
            to: day(t),
        };
        // The 45th of 90 days, and the 183rd of 365.
        assert_eq!(p("2026-01-01", "2026-03-31").mid(), day("2026-02-14"));
        assert_eq!(p("2025-04-01", "2026-03-31").mid(), day("2025-09-30"));
        assert_eq!(five_year_band(4), 0);
        assert_eq!(five_year_band(89), 17);
        assert_eq!(five_year_band(90), 18);
        assert_eq!(five_year_band(120), 18);
    }

    #[test]
    fn a_year_period_holds_365_or_366_days() {
        assert_eq!(Period::year_to(day("2026-11-25")).days(), 365);
        assert_eq!(Period::year_to(day("2024-12-31")).days(), 366);
        assert_eq!(Period::year_to(day("2026-11-25")).from, day("2025-11-26"));
    }
}
