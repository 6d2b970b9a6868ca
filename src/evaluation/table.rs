//! The extract's rows: one per person referred in the period, built from their first
//! referral received in it, with every identifying value coarsened (month not day, age band
//! not birth date, IMD decile not LSOA) and no free text at all. Then the k-anonymity check
//! over the quasi-identifiers, generalising in a fixed order until it holds.

use super::anonymity::{self, KCheck, K_REQUIRED};
use super::Evaluation;
use crate::people::{LongTermCondition, PlusGroup};
use crate::referrals::{ContactMode, Need};
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;

/// One complete questionnaire, as taken.
#[derive(Debug, Clone)]
pub struct MeasureTaken {
    pub instrument: String,
    pub timing: String,
    /// The answers as stored (a JSON array), read only for ONS4's four items.
    pub answers: String,
    pub total: Option<i64>,
    pub metric: Option<f64>,
}

/// A referral received in the period and what happened in it: the store's facts, before
/// any pseudonymising (never leaves the process as it is).
#[derive(Debug, Clone)]
pub struct Episode {
    pub referral_id: i64,
    pub person_id: i64,
    pub birth: NaiveDate,
    pub sex: String,
    pub ethnicity: String,
    /// The IMD decile recorded with the referral (else the person's).
    pub imd_decile: Option<i64>,
    pub plus_groups: String,
    pub conditions: String,
    pub referrer_kind: String,
    pub state: String,
    pub close_reason: Option<String>,
    pub received: NaiveDate,
    /// The first contact that reached the person.
    pub first_contact: Option<NaiveDate>,
    /// When the referral closed, was declined or ended unable to contact.
    pub ended: Option<NaiveDate>,
    pub needs: Vec<String>,
    /// Contacts by mode code.
    pub contacts: BTreeMap<String, i64>,
    /// Connections by their current status code.
    pub connections: BTreeMap<String, i64>,
    pub goals_set: i64,
    /// Goals whose latest progress is 10 (achieved).
    pub goals_met: i64,
    /// Complete questionnaires in the order taken.
    pub measures: Vec<MeasureTaken>,
}

/// How coarse the quasi-identifiers are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Level {
    pub age_band_years: i32,
    pub imd_quintile: bool,
    pub quarters: bool,
}

/// The generalisation order, fixed and documented: each step keeps the ones before it.
pub const LEVELS: [(Level, Option<&str>); 4] = [
    (
        Level {
            age_band_years: 5,
            imd_quintile: false,
            quarters: false,
        },
        None,
    ),
    (
        Level {
            age_band_years: 10,
            imd_quintile: false,
            quarters: false,
        },
        Some("age in 10-year bands"),
    ),
    (
        Level {
            age_band_years: 10,
            imd_quintile: true,
            quarters: false,
        },
        Some("IMD quintile instead of decile"),
    ),
    (
        Level {
            age_band_years: 10,
            imd_quintile: true,
            quarters: true,
        },
        Some("quarter instead of month"),
    ),
];

/// The quasi-identifiers: what someone who knows a person could know without the record
/// (their age, sex, ethnic group, the kind of area they live in, and roughly when they were
/// referred). Names as the columns are called at the finest level.
pub const QUASI_IDENTIFIERS: [&str; 5] = [
    "age_band",
    "sex",
    "ethnicity_group",
    "imd_decile",
    "referral_month",
];

/// One column: its name, Frictionless type, coding and source.
#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    /// Frictionless Table Schema type: string, integer, number, boolean, yearmonth.
    pub kind: &'static str,
    pub description: String,
    /// The values it takes, when a fixed list.
    pub values: Option<Vec<String>>,
    /// A pattern the values follow, when not a list.
    pub pattern: Option<&'static str>,
    pub source: &'static str,
}

/// The extract ready to write: columns, rows of cells (empty for missing), and what the
/// check found.
#[derive(Debug, Clone)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<String>>,
    pub level: Level,
    pub generalisations: Vec<&'static str>,
    pub check: KCheck,
    /// The quasi-identifier columns as named at this level.
    pub quasi_identifiers: Vec<String>,
}

/// Why an extract was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// People in the period.
    pub rows: usize,
    pub quasi_identifiers: Vec<String>,
    pub generalisations: Vec<&'static str>,
    pub check: KCheck,
    /// For each quasi-identifier, how many classes would still fail without it.
    pub failing_without: Vec<(String, usize)>,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "k-anonymity of {K_REQUIRED} not reached over ({}) even after generalising ({}): {} of {} classes have fewer than {K_REQUIRED} people (smallest class {}; {} people in failing classes); without each quasi-identifier the failing classes would be: {}",
            self.quasi_identifiers.join(", "),
            self.generalisations.join(", "),
            self.check.failing_classes,
            self.check.classes,
            self.check.k,
            self.check.failing_rows,
            self.failing_without
                .iter()
                .map(|(name, n)| format!("{name} {n}"))
                .collect::<Vec<_>>()
                .join(", "),
        )
    }
}

/// The person's age in whole years on a day.
fn age_on(birth: NaiveDate, day: NaiveDate) -> i32 {
    let mut age = day.year() - birth.year();
    if (day.month(), day.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age.max(0)
}

/// "0-4" ... "85-89", "90+" (or 10-year bands "0-9" ... "80-89", "90+").
pub fn age_band(age: i32, width: i32) -> String {
    if age >= 90 {
        "90+".into()
    } else {
        let low = age / width * width;
        format!("{low}-{}", low + width - 1)
    }
}

fn period_of(day: NaiveDate, quarters: bool) -> String {
    if quarters {
        format!("{}-Q{}", day.year(), (day.month() - 1) / 3 + 1)
    } else {
        format!("{}-{:02}", day.year(), day.month())
    }
}

fn area(decile: Option<i64>, quintile: bool) -> String {
    match decile.filter(|d| (1..=10).contains(d)) {
        None => String::new(),
        Some(d) if quintile => ((d + 1) / 2).to_string(),
        Some(d) => d.to_string(),
    }
}

/// The quasi-identifier values of one episode at a level.
fn quasi(episode: &Episode, level: Level) -> [String; 5] {
    [
        age_band(
            age_on(episode.birth, episode.received),
            level.age_band_years,
        ),
        episode.sex.clone(),
        episode.ethnicity.clone(),
        area(episode.imd_decile, level.imd_quintile),
        period_of(episode.received, level.quarters),
    ]
}

/// Each person's first referral received in the period, with how many they had in it.
pub fn people(mut episodes: Vec<Episode>) -> Vec<(Episode, usize)> {
    episodes.sort_by_key(|e| (e.person_id, e.received, e.referral_id));
    let mut out: Vec<(Episode, usize)> = Vec::new();
    for episode in episodes {
        match out.last_mut() {
            Some((first, count)) if first.person_id == episode.person_id => *count += 1,
            _ => out.push((episode, 1)),
        }
    }
    out
}

/// Generalises in the fixed order until every class has at least `K_REQUIRED` people, and
/// builds the table; or says why not.
pub fn build(evaluation: &Evaluation, episodes: Vec<Episode>) -> Result<Table, Refused> {
    let people = people(episodes);
    let mut applied = Vec::new();
    let mut last = None;
    for (level, step) in LEVELS {
        applied.extend(step);
        let check = anonymity::check(people.iter().map(|(e, _)| quasi(e, level)), K_REQUIRED);
        if check.passes(K_REQUIRED) {
            return Ok(table(evaluation, &people, level, applied, check));
        }
        last = Some((level, check));
    }
    let (level, check) = last.expect("at least one level");
    let names = quasi_names(level);
    let failing_without = (0..names.len())
        .map(|drop| {
            let without = anonymity::check(
                people.iter().map(|(e, _)| {
                    let mut values = quasi(e, level).to_vec();
                    values.remove(drop);
                    values
                }),
                K_REQUIRED,
            );
            (names[drop].clone(), without.failing_classes)
        })
        .collect();
    Err(Refused {
        rows: people.len(),
        quasi_identifiers: names,
        generalisations: applied,
        check,
        failing_without,
    })
}

fn quasi_names(level: Level) -> Vec<String> {
    vec![
        "age_band".into(),
        "sex".into(),
        "ethnicity_group".into(),
        if level.imd_quintile {
            "imd_quintile"
        } else {
            "imd_decile"
        }
        .into(),
        format!(
            "referral_{}",
            if level.quarters { "quarter" } else { "month" }
        ),
    ]
}

const INSTRUMENT_SCORES: [(&str, &str, &str); 6] = [
    (
        "ons4_life_satisfaction",
        "ons4",
        "ONS4 life satisfaction, 0-10 (item 1)",
    ),
    ("ons4_worthwhile", "ons4", "ONS4 worthwhile, 0-10 (item 2)"),
    (
        "ons4_happiness",
        "ons4",
        "ONS4 happiness yesterday, 0-10 (item 3)",
    ),
    (
        "ons4_anxiety",
        "ons4",
        "ONS4 anxiety yesterday, 0-10, lower is better (item 4)",
    ),
    (
        "swemwbs_metric",
        "swemwbs",
        "SWEMWBS metric score, 7.00-35.00 (Rasch-converted)",
    ),
    (
        "ucla3_total",
        "ucla3",
        "UCLA 3-item loneliness total, 3-9, higher is lonelier",
    ),
];

/// The value one questionnaire gives for one score column.
fn score(measure: &MeasureTaken, column: usize) -> Option<String> {
    let (_, instrument, _) = INSTRUMENT_SCORES[column];
    if measure.instrument != instrument {
        return None;
    }
    match column {
        0..=3 => serde_json::from_str::<Vec<Option<i64>>>(&measure.answers)
            .ok()?
            .get(column)
            .copied()
            .flatten()
            .map(|v| v.to_string()),
        4 => measure.metric.map(|m| format!("{m:.2}")),
        _ => measure.total.map(|t| t.to_string()),
    }
}

fn codes<T: Copy>(all: &[T], code: fn(T) -> &'static str) -> Option<Vec<String>> {
    Some(all.iter().map(|v| code(*v).to_string()).collect())
}

/// The columns at a level, in order.
pub fn columns(level: Level) -> Vec<Column> {
    let col = |name: String, kind, description: String, values, pattern, source| Column {
        name,
        kind,
        description,
        values,
        pattern,
        source,
    };
    let month_or_quarter = |what: &str, source: &'static str| {
        if level.quarters {
            col(
                format!("{what}_quarter"),
                "string",
                format!("Calendar quarter of the {}", what.replace('_', " ")),
                None,
                Some("^[0-9]{4}-Q[1-4]$"),
                source,
            )
        } else {
            col(
                format!("{what}_month"),
                "yearmonth",
                format!("Calendar month of the {}", what.replace('_', " ")),
                None,
                None,
                source,
            )
        }
    };
    let mut out = vec![
        col("person_key".into(), "string", "Pseudonym of the person in this evaluation: HMAC-SHA256 of the person id under the evaluation's secret, first 128 bits in hex. The same person has the same key in every extract for this evaluation and an unrelated key in any other".into(), None, Some("^[0-9a-f]{32}$"), "people.id (keyed hash)"),
        col("age_band".into(), "string", format!("Age in whole years when the referral was received, in {}-year bands; 90+ together", level.age_band_years), None, Some("^([0-9]+-[0-9]+|90\\+)$"), "people.date_of_birth, referrals.received_at"),
        col("sex".into(), "string", "Sex as recorded".into(), codes(crate::people::Sex::ALL, crate::people::Sex::code), None, "people.sex"),
        col("ethnicity_group".into(), "string", "Ethnic group (Census 2021 high-level groups)".into(), codes(crate::people::Ethnicity::ALL, crate::people::Ethnicity::code), None, "people.ethnicity"),
        if level.imd_quintile {
            col("imd_quintile".into(), "integer", "Index of Multiple Deprivation 2019 quintile of the home area when referred, 1 = most deprived fifth; empty when not known".into(), codes(&["1", "2", "3", "4", "5"], |s| s), None, "referrals.imd_decile_at_referral (else people.imd_decile), deciles paired")
        } else {
            col("imd_decile".into(), "integer", "Index of Multiple Deprivation 2019 decile of the home area when referred, 1 = most deprived tenth; empty when not known".into(), codes(&["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"], |s| s), None, "referrals.imd_decile_at_referral (else people.imd_decile)")
        },
        month_or_quarter("referral", "referrals.received_at"),
        col("referrals_in_period".into(), "integer", "Referrals of this person received in the period (the row describes the first)".into(), None, None, "referrals"),
        col("referrer_kind".into(), "string", "Who referred".into(), codes(crate::referrals::ReferrerKind::ALL, crate::referrals::ReferrerKind::code), None, "referrals.referrer_kind"),
    ];
    for group in PlusGroup::ALL {
        out.push(col(
            format!("plus_{}", group.code()),
            "boolean",
            format!("Core20PLUS group: {}", group.label()),
            None,
            None,
            "people.plus_groups",
        ));
    }
    for condition in LongTermCondition::ALL {
        out.push(col(
            format!("ltc_{}", condition.code()),
            "boolean",
            format!("Long-term condition: {}", condition.label()),
            None,
            None,
            "people.conditions",
        ));
    }
    for need in Need::ALL {
        out.push(col(
            format!("need_{}", need.code()),
            "boolean",
            format!("Need recorded: {}", need.label()),
            None,
            None,
            "needs.need",
        ));
    }
    for mode in ContactMode::ALL {
        out.push(col(
            format!("contacts_{}", mode.code()),
            "integer",
            format!("Contacts by {}", mode.label().to_lowercase()),
            None,
            None,
            "contacts.mode",
        ));
    }
    for (name, description) in [
        ("connections_sent", "Connections to community services made"),
        (
            "connections_accepted",
            "Of them, accepted by the service (now accepted, in progress, attended or completed)",
        ),
        ("connections_declined", "Of them, declined by the service"),
        (
            "connections_attended",
            "Of them, attended a first session or completed",
        ),
    ] {
        out.push(col(
            name.into(),
            "integer",
            description.into(),
            None,
            None,
            "connections.status",
        ));
    }
    out.push(month_or_quarter(
        "first_contact",
        "contacts.at (first that reached the person)",
    ));
    out.push(col(
        "state".into(),
        "string",
        "State of the referral when extracted".into(),
        codes(
            crate::referrals::ReferralState::ALL,
            crate::referrals::ReferralState::code,
        ),
        None,
        "referrals.state",
    ));
    out.push(month_or_quarter(
        "closure",
        "referral_events.at (closed, declined or unable to contact)",
    ));
    out.push(col(
        "closure_reason".into(),
        "string",
        "Why a closed referral closed".into(),
        codes(
            crate::referrals::CloseReason::ALL,
            crate::referrals::CloseReason::code,
        ),
        None,
        "referrals.close_reason",
    ));
    out.push(col(
        "goals_set".into(),
        "integer",
        "Goals agreed".into(),
        None,
        None,
        "goals",
    ));
    out.push(col(
        "goals_met".into(),
        "integer",
        "Goals whose latest progress is 10 of 10 (achieved)".into(),
        None,
        None,
        "goal_progress",
    ));
    for (name, _, description) in INSTRUMENT_SCORES {
        for (timing, which) in [
            ("baseline", "first complete baseline"),
            ("follow_up", "last complete follow-up"),
        ] {
            out.push(col(
                format!("{name}_{timing}"),
                if name == "swemwbs_metric" {
                    "number"
                } else {
                    "integer"
                },
                format!("{description}: {which}"),
                None,
                None,
                "measures",
            ));
        }
    }
    out
}

fn flag(set: bool) -> String {
    if set { "true" } else { "false" }.into()
}

fn table(
    evaluation: &Evaluation,
    people: &[(Episode, usize)],
    level: Level,
    generalisations: Vec<&'static str>,
    check: KCheck,
) -> Table {
    let columns = columns(level);
    let month = |day: Option<NaiveDate>| {
        day.map(|d| period_of(d, level.quarters))
            .unwrap_or_default()
    };
    let mut rows: Vec<Vec<String>> = people
        .iter()
        .map(|(e, count)| {
            let [age, sex, ethnicity, imd, referred] = quasi(e, level);
            let plus: Vec<&str> = e.plus_groups.split(',').collect();
            let conditions: Vec<&str> = e.conditions.split(',').collect();
            let mut row = vec![
                evaluation.person_key(e.person_id),
                age,
                sex,
                ethnicity,
                imd,
                referred,
                count.to_string(),
                e.referrer_kind.clone(),
            ];
            row.extend(
                PlusGroup::ALL
                    .iter()
                    .map(|g| flag(plus.contains(&g.code()))),
            );
            row.extend(
                LongTermCondition::ALL
                    .iter()
                    .map(|c| flag(conditions.contains(&c.code()))),
            );
            row.extend(
                Need::ALL
                    .iter()
                    .map(|n| flag(e.needs.iter().any(|x| x == n.code()))),
            );
            row.extend(
                ContactMode::ALL
                    .iter()
                    .map(|m| e.contacts.get(m.code()).copied().unwrap_or(0).to_string()),
            );
            let status = |codes: &[&str]| -> String {
                codes
                    .iter()
                    .map(|c| e.connections.get(*c).copied().unwrap_or(0))
                    .sum::<i64>()
                    .to_string()
            };
            row.push(e.connections.values().sum::<i64>().to_string());
            row.push(status(&[
                "accepted",
                "in-progress",
                "attended_first_session",
                "completed",
            ]));
            row.push(status(&["rejected"]));
            row.push(status(&["attended_first_session", "completed"]));
            row.push(month(e.first_contact));
            row.push(e.state.clone());
            row.push(month(e.ended));
            row.push(e.close_reason.clone().unwrap_or_default());
            row.push(e.goals_set.to_string());
            row.push(e.goals_met.to_string());
            for column in 0..INSTRUMENT_SCORES.len() {
                let baseline = e
                    .measures
                    .iter()
                    .filter(|m| m.timing == "baseline")
                    .find_map(|m| score(m, column));
                let follow_up = e
                    .measures
                    .iter()
                    .rev()
                    .filter(|m| m.timing == "follow_up")
                    .find_map(|m| score(m, column));
                row.push(baseline.unwrap_or_default());
                row.push(follow_up.unwrap_or_default());
            }
            debug_assert_eq!(row.len(), columns.len());
            row
        })
        .collect();
    // Sorted by key, so row order says nothing about when people were registered.
    rows.sort();
    Table {
        columns,
        rows,
        level,
        generalisations,
        check,
        quasi_identifiers: quasi_names(level),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_bands_are_five_or_ten_years_with_ninety_and_over_together() {
        assert_eq!(age_band(0, 5), "0-4");
        assert_eq!(age_band(64, 5), "60-64");
        assert_eq!(age_band(65, 5), "65-69");
        assert_eq!(age_band(69, 10), "60-69");
        assert_eq!(age_band(89, 10), "80-89");
        assert_eq!(age_band(90, 5), "90+");
        assert_eq!(
            age_on("1950-12-10".parse().unwrap(), "2026-12-09".parse().unwrap()),
            75
        );
        assert_eq!(
            age_on("1950-12-10".parse().unwrap(), "2026-12-10".parse().unwrap()),
            76
        );
    }

    #[test]
    fn months_become_quarters_and_deciles_pair_into_quintiles() {
        let day: NaiveDate = "2026-03-31".parse().unwrap();
        assert_eq!(period_of(day, false), "2026-03");
        assert_eq!(period_of(day, true), "2026-Q1");
        assert_eq!(period_of("2026-10-01".parse().unwrap(), true), "2026-Q4");
        assert_eq!(area(Some(1), true), "1");
        assert_eq!(area(Some(2), true), "1");
        assert_eq!(area(Some(10), true), "5");
        assert_eq!(area(Some(7), false), "7");
        assert_eq!(area(None, true), "");
    }

    #[test]
    fn keys_differ_between_secrets_and_hold_within_one() {
        let a = super::super::person_key(b"first secret", 42);
        assert_eq!(a, super::super::person_key(b"first secret", 42));
        assert_ne!(a, super::super::person_key(b"second secret", 42));
        assert_ne!(a, super::super::person_key(b"first secret", 43));
        // Worked independently with Python's hmac module:
        // hmac.new(b"first secret", b"person:" + (42).to_bytes(8, "big"), sha256).hexdigest()[:32]
        assert_eq!(a, "584b5b2aff6c3b510eb17c644e552e72");
    }
}
