//! The equity report as shown: every count through disclosure control, every statistic
//! with its interval and method. Built from tallies; holds nothing person-level.

use super::disclosure::{self, may_show_proportion, may_show_statistic, published, Shown};
use super::facts::{Facts, Outcome, Period, Stage};
use super::stats::{self, Estimate, QuantileValue};
use super::tally::{Count, Dimension, Tallies, Tally};
use crate::referrals::Barrier;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// Rates are per this many people a year.
pub const RATE_PER: f64 = 1000.0;
const DAYS_PER_YEAR: f64 = 365.25;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EquityReport {
    pub title: String,
    pub generated_at: DateTime<Utc>,
    /// When the figures were read from the database.
    pub data_as_of: DateTime<Utc>,
    /// The day stages and outcomes are counted by: the same data and as-of date always
    /// give the same figures.
    pub as_of: NaiveDate,
    pub period: ReportPeriod,
    /// The practice the report is limited to, if any.
    pub practice: Option<PracticeName>,
    /// The programme the report is limited to, if any (docs/programmes.md).
    pub programme: Option<String>,
    pub deprivation_index: &'static str,
    pub headlines: Vec<String>,
    /// Core20 representation: share of referrals over share of the registered population.
    pub core20: Representation,
    pub breakdowns: Vec<Breakdown>,
    /// Slope and relative index of inequality across IMD quintiles, for each indicator.
    pub inequality: Vec<InequalityRow>,
    /// Referral rates in the most and least deprived quintiles by quarter.
    pub trend: Vec<TrendPoint>,
    /// Which rates compare groups, and why crude rates are kept.
    pub rates: &'static str,
    pub disclosure_control: &'static str,
    pub methods: Vec<Method>,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct ReportPeriod {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PracticeName {
    pub code: String,
    pub name: String,
}

/// A 95% interval around a value.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct Interval {
    pub value: f64,
    pub lower: f64,
    pub upper: f64,
}

/// Rounds for showing: full floating-point precision of k/n would let a reader recover
/// the exact counts that disclosure control rounded.
pub fn round_to(x: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (x * scale).round() / scale
}

impl Interval {
    /// Rounds an unrounded estimate once, for showing. `None` unless all three are finite:
    /// JSON has no NaN, and a statistic that could not be computed is not shown.
    pub(super) fn shown(e: Estimate, places: i32) -> Option<Interval> {
        [e.value, e.lower, e.upper]
            .iter()
            .all(|x| x.is_finite())
            .then(|| Interval {
                value: round_to(e.value, places),
                lower: round_to(e.lower, places),
                upper: round_to(e.upper, places),
            })
    }
}

/// An estimate multiplied by `scale` (a proportion as a percentage), still unrounded.
fn scaled(e: Estimate, scale: f64) -> Estimate {
    Estimate {
        value: e.value * scale,
        lower: e.lower * scale,
        upper: e.upper * scale,
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Representation {
    pub population_share_percent: Option<f64>,
    pub referral_share_percent: Option<f64>,
    /// Share of referrals / share of population: 1 is proportionate, above 1 over-represented.
    pub ratio: Option<f64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Breakdown {
    pub dimension: &'static str,
    pub label: &'static str,
    /// Why population figures are missing, when they are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'static str>,
    pub groups: Vec<GroupRow>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupRow {
    pub group: String,
    pub label: String,
    /// Registered population (people); absent when no denominator is known.
    pub population: Option<Shown>,
    pub referrals: Shown,
    /// Crude referrals per 1,000 registered people a year: for planning (how many referrals
    /// to expect), not for comparing groups of different ages.
    pub referral_rate: Option<Interval>,
    /// Directly age-standardised referrals per 1,000 a year (European Standard Population
    /// 2013, Dobson interval): for comparing groups. Absent without a register with ages.
    pub standardised_rate: Option<Interval>,
    pub representation: Representation,
    /// Of referrals connected within 12 weeks, the percentage attending a first session
    /// within 12 weeks (same window, so a conditional rate).
    pub attended_given_connected: Option<Interval>,
    pub funnel: Vec<StageRow>,
    pub first_contact: FirstContact,
    pub outcomes: Vec<OutcomeRow>,
    pub barriers: Vec<BarrierRow>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StageRow {
    pub stage: &'static str,
    pub label: &'static str,
    /// The follow-up window: a referral counts once this many days have passed since it
    /// was received, and reaches the stage only within them.
    pub window_days: u16,
    /// Referrals whose window had passed by the as-of date.
    pub eligible: Shown,
    /// Of those, referrals that reached the stage within the window.
    pub count: Shown,
    /// `count` as a percentage of `eligible`.
    pub percent: Option<Interval>,
    /// False when no referral of the period has completed the window yet.
    pub complete: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FirstContact {
    /// Referrals first reached by the as-of date.
    pub referrals: Shown,
    /// Kaplan-Meier median days to first contact, referrals not yet reached (or closed
    /// unreached) censored.
    pub median_days: Option<f64>,
    /// Share of referrals at least 14 days old reached within 14 days.
    pub within_14_days: Option<Interval>,
    /// Share of referrals at least 28 days old reached within 28 days.
    pub within_28_days: Option<Interval>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutcomeRow {
    pub measure: &'static str,
    pub label: &'static str,
    /// Referrals whose outcomes are counted: closed, or at least six months old, by the
    /// as-of date.
    pub eligible: Shown,
    /// Of those, referrals with a complete baseline and follow-up.
    pub pairs: Shown,
    /// `pairs` as a percentage of `eligible` (outcome completion).
    pub completion: Option<Interval>,
    /// Mean of follow-up minus baseline.
    pub mean_change: Option<Interval>,
    /// Percentage with a meaningful improvement, where one is defined.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub improved: Option<ImprovedRow>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImprovedRow {
    pub count: Shown,
    pub percent: Option<Interval>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BarrierRow {
    pub barrier: &'static str,
    pub label: &'static str,
    pub count: Shown,
    /// Percentage of referrals on which the barrier was recorded.
    pub percent: Option<Interval>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InequalityRow {
    pub indicator: &'static str,
    pub label: &'static str,
    /// The indicator in quintiles 1 (most deprived) to 5.
    pub quintiles: Vec<Option<f64>>,
    /// Slope index of inequality: the fitted value at the most deprived end of the scale
    /// minus that at the least deprived end (positive: higher in more deprived areas).
    pub sii: Option<Interval>,
    /// Relative index of inequality (PHE): the fitted value at the most deprived end over
    /// that at the least deprived end (above 1: higher in more deprived areas).
    pub rii: Option<Interval>,
    /// Quintile 1 minus quintile 5.
    pub gap: Option<f64>,
    /// Quintile 1 over quintile 5.
    pub ratio: Option<f64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrendPoint {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Referrals per 1,000 a year in quintile 1.
    pub most_deprived_rate: Option<Interval>,
    /// Referrals per 1,000 a year in quintile 5.
    pub least_deprived_rate: Option<Interval>,
    /// Most minus least deprived.
    pub gap: Option<f64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Method {
    pub statistic: &'static str,
    pub method: &'static str,
}

/// An indicator compared across deprivation quintiles.
struct Indicator {
    code: &'static str,
    label: &'static str,
    /// Decimal places shown.
    places: i32,
    /// The unrounded indicator for one tally, when it may be shown.
    value: fn(&Tally, f64) -> Option<Estimate>,
}

const INDICATORS: [Indicator; 6] = [
    Indicator {
        code: "standardised_referral_rate",
        label: "Referrals per 1,000 a year, directly age-standardised (ESP 2013)",
        places: 1,
        value: |t, years| standardised_rate(t, years),
    },
    Indicator {
        code: "referral_rate",
        label: "Referrals per 1,000 registered people a year, crude (for planning)",
        places: 1,
        value: |t, years| referral_rate(t, years),
    },
    Indicator {
        code: "contacted_percent",
        label: "% of referrals contacted",
        places: 1,
        value: |t, _| stage_percent(t, Stage::Contacted),
    },
    Indicator {
        code: "attended_percent",
        label: "% of referrals attending a first session",
        places: 1,
        value: |t, _| stage_percent(t, Stage::Attended),
    },
    Indicator {
        code: "goals_met_percent",
        label: "% of referrals closed with goals met",
        places: 1,
        value: |t, _| stage_percent(t, Stage::GoalsMet),
    },
    Indicator {
        code: "swemwbs_change",
        label: "Mean SWEMWBS change (metric points)",
        places: 2,
        value: |t, _| mean_change(t, 0),
    },
];

/// The published (rounded) registered population, when it may carry a statistic.
fn published_population(t: &Tally) -> Option<u64> {
    may_show_statistic(t.population)
        .then(|| Shown::rounded(t.population).value())
        .flatten()
        .filter(|&n| n > 0)
}

/// Referrals per 1,000 a year from the published counts, unrounded.
pub(super) fn referral_rate(t: &Tally, years: f64) -> Option<Estimate> {
    rate_of(t.referrals, t, years)
}

/// Directly age-standardised referrals per 1,000 a year (as `phe_dsr`, European Standard
/// Population 2013), from the age-band counts with their cells' noise and the register at
/// mid-period; only where the group's referrals are shown.
pub(super) fn standardised_rate(t: &Tally, years: f64) -> Option<Estimate> {
    published(t.referrals)?;
    let events: Vec<f64> = t
        .referrals_by_age
        .iter()
        .map(|&c| disclosure::perturbed(c) as f64)
        .collect();
    let person_years: Vec<f64> = t
        .population_by_age
        .iter()
        .map(|&n| n as f64 * years)
        .collect();
    stats::dsr(&events, &person_years, &stats::ESP2013, RATE_PER)
}

fn rate_of(events: Count, t: &Tally, years: f64) -> Option<Estimate> {
    let events = published(events)?;
    let people = published_population(t)?;
    stats::poisson_rate(events, people as f64 * years, RATE_PER)
}

/// A percentage with its Wilson interval from the published counts, unrounded. Each count
/// carries its own noise, so a published part can exceed its published whole: it is
/// capped at the whole.
pub(super) fn percent(k: Count, n: Count) -> Option<Estimate> {
    let (k, n) = (published(k)?, published(n)?);
    if !may_show_proportion(k, n) {
        return None;
    }
    stats::wilson(k.min(n), n).map(|e| scaled(e, 100.0))
}

/// Referrals reaching a stage within its window, of those whose window had passed.
pub(super) fn stage_percent(t: &Tally, stage: Stage) -> Option<Estimate> {
    percent(t.stages[stage as usize], t.eligible[stage as usize])
}

/// Mean change among paired outcomes, when the pairs are shown (so at least 8).
pub(super) fn mean_change(t: &Tally, outcome: usize) -> Option<Estimate> {
    published(t.pairs[outcome])?;
    stats::mean_t(&t.change[outcome])
}

/// Kaplan-Meier median days to first contact, when the referrals reached are shown (at
/// least 8).
pub(super) fn median_contact_days(t: &Tally) -> Option<f64> {
    published(t.contacted)?;
    stats::kaplan_meier_median(&t.contact_days_histogram, &t.censored_histogram)
}

/// Share of `whole` in `part` (0..1) from published counts, unrounded.
fn share(part: Option<u64>, whole: Option<u64>) -> Option<f64> {
    let (part, whole) = (part?, whole?);
    (whole > 0).then(|| part.min(whole) as f64 / whole as f64)
}

/// Representation from the published counts, unrounded: (share of population, share of
/// referrals, ratio).
pub(super) fn representation_exact(
    t: &Tally,
    all: &Tally,
    has_population: bool,
) -> (Option<f64>, Option<f64>, Option<f64>) {
    let population = has_population
        .then(|| share(published_population(t), published_population(all)))
        .flatten();
    let referrals = share(published(t.referrals), published(all.referrals));
    // Divided from the counts themselves, never from shares rounded for showing.
    let ratio = match (population, referrals) {
        (Some(p), Some(r)) if p > 0.0 => Some(r / p),
        _ => None,
    };
    (population, referrals, ratio)
}

fn representation(t: &Tally, all: &Tally, has_population: bool) -> Representation {
    let (population, referrals, ratio) = representation_exact(t, all, has_population);
    Representation {
        population_share_percent: population.map(|p| round_to(100.0 * p, 1)),
        referral_share_percent: referrals.map(|r| round_to(100.0 * r, 1)),
        ratio: ratio.map(|r| round_to(r, 2)),
    }
}

#[allow(clippy::too_many_arguments)]
fn group_row(
    code: String,
    label: String,
    t: &Tally,
    all: &Tally,
    has_population: bool,
    standardise: bool,
    years: f64,
) -> GroupRow {
    let funnel = Stage::ALL
        .iter()
        .map(|&stage| StageRow {
            stage: stage.code(),
            label: stage.label(),
            window_days: stage.window_days(),
            eligible: Shown::of(t.eligible[stage as usize]),
            count: Shown::of(t.stages[stage as usize]),
            percent: stage_percent(t, stage).and_then(|e| Interval::shown(e, 1)),
            complete: t.referrals.n == 0 || t.eligible[stage as usize].n > 0,
        })
        .collect();
    let first_contact = FirstContact {
        referrals: Shown::of(t.contacted),
        median_days: median_contact_days(t),
        within_14_days: percent(t.within_14, t.eligible_14).and_then(|e| Interval::shown(e, 1)),
        within_28_days: stage_percent(t, Stage::Contacted).and_then(|e| Interval::shown(e, 1)),
    };
    let outcomes = Outcome::ALL
        .iter()
        .enumerate()
        .map(|(i, &outcome)| OutcomeRow {
            measure: outcome.code(),
            label: outcome.label(),
            eligible: Shown::of(t.outcome_eligible),
            pairs: Shown::of(t.pairs[i]),
            completion: percent(t.pairs[i], t.outcome_eligible).and_then(|e| Interval::shown(e, 1)),
            mean_change: mean_change(t, i).and_then(|e| Interval::shown(e, 2)),
            improved: outcome.meaningful_improvement().map(|_| ImprovedRow {
                count: Shown::of(t.improved[i]),
                percent: percent(t.improved[i], t.pairs[i]).and_then(|e| Interval::shown(e, 1)),
            }),
        })
        .collect();
    let barriers = Barrier::ALL
        .iter()
        .enumerate()
        .map(|(i, &b)| BarrierRow {
            barrier: b.code(),
            label: b.label(),
            count: Shown::of(t.barriers[i]),
            percent: percent(t.barriers[i], t.referrals).and_then(|e| Interval::shown(e, 1)),
        })
        .collect();
    GroupRow {
        group: code,
        label,
        population: has_population.then(|| Shown::rounded(t.population)),
        referrals: Shown::of(t.referrals),
        referral_rate: if has_population {
            referral_rate(t, years).and_then(|e| Interval::shown(e, 1))
        } else {
            None
        },
        standardised_rate: if has_population && standardise {
            standardised_rate(t, years).and_then(|e| Interval::shown(e, 1))
        } else {
            None
        },
        representation: representation(t, all, has_population),
        attended_given_connected: percent(
            t.stages[Stage::Attended as usize],
            t.stages[Stage::Connected as usize],
        )
        .and_then(|e| Interval::shown(e, 1)),
        funnel,
        first_contact,
        outcomes,
        barriers,
    }
}

fn inequality_row(indicator: &Indicator, tallies: &Tallies, years: f64) -> InequalityRow {
    let exact = inequality_exact(indicator, tallies, years);
    let places = indicator.places;
    InequalityRow {
        indicator: indicator.code,
        label: indicator.label,
        quintiles: exact
            .quintiles
            .iter()
            .map(|q| q.map(|e| round_to(e.value, places)))
            .collect(),
        sii: exact
            .inequality
            .and_then(|i| Interval::shown(i.sii, places + 1)),
        rii: exact
            .inequality
            .and_then(|i| i.rii)
            .and_then(|r| Interval::shown(r, 3)),
        gap: exact.gap().map(|g| round_to(g, places + 1)),
        ratio: exact.ratio().map(|r| round_to(r, 2)),
    }
}

/// An indicator across quintiles and its inequality statistics, all unrounded: every
/// derived figure is computed from these, and rounded once, when shown.
pub(super) struct InequalityExact {
    /// Quintiles 1 (most deprived) to 5.
    pub quintiles: Vec<Option<Estimate>>,
    pub inequality: Option<stats::Inequality>,
}

impl InequalityExact {
    pub fn gap(&self) -> Option<f64> {
        self.quintiles[0]
            .zip(self.quintiles[4])
            .map(|(a, b)| a.value - b.value)
    }
    pub fn ratio(&self) -> Option<f64> {
        self.quintiles[0]
            .zip(self.quintiles[4])
            .and_then(|(a, b)| (b.value != 0.0).then(|| a.value / b.value))
    }
}

fn inequality_exact(indicator: &Indicator, tallies: &Tallies, years: f64) -> InequalityExact {
    let quintiles: Vec<(Option<Estimate>, u64)> = (0..5)
        .map(|q| {
            let t = tallies.group(Dimension::ImdQuintile, q);
            ((indicator.value)(t, years), t.population)
        })
        .collect();
    let complete: Option<Vec<QuantileValue>> = quintiles
        .iter()
        .map(|(v, population)| {
            v.map(|e| QuantileValue {
                population: *population as f64,
                value: e.value,
                standard_error: stats::standard_error(&e),
            })
        })
        .collect();
    InequalityExact {
        inequality: complete.as_deref().and_then(stats::inequality),
        quintiles: quintiles.into_iter().map(|(v, _)| v).collect(),
    }
}

/// The referral-rate inequality, unrounded, for the headlines.
pub(super) fn referral_rate_inequality(
    tallies: &Tallies,
    years: f64,
    standardised: bool,
) -> InequalityExact {
    inequality_exact(&INDICATORS[usize::from(!standardised)], tallies, years)
}

fn trend(tallies: &Tallies) -> Vec<TrendPoint> {
    tallies
        .quarters
        .iter()
        .map(|quarter| {
            let years = ((quarter.to - quarter.from).num_days() + 1) as f64 / DAYS_PER_YEAR;
            let rate = |q: usize| {
                rate_of(
                    quarter.referrals[q],
                    tallies.group(Dimension::ImdQuintile, q),
                    years,
                )
            };
            let (most, least) = (rate(0), rate(4));
            TrendPoint {
                from: quarter.from,
                to: quarter.to,
                gap: most.zip(least).map(|(a, b)| round_to(a.value - b.value, 1)),
                most_deprived_rate: most.and_then(|e| Interval::shown(e, 1)),
                least_deprived_rate: least.and_then(|e| Interval::shown(e, 1)),
            }
        })
        .collect()
}

const STANDARDISED_NOTE: &str = "Groups are compared on directly age-standardised rates: need for \
social prescribing rises steeply with age and groups differ in age (the most deprived areas are younger), \
so crude rates understate inequality. Crude rates are shown too, for planning how many referrals to expect.";

const CRUDE_ONLY_NOTE: &str = "Crude rates only: the registered population was imported as list sizes \
by practice and area, which have no ages, so rates cannot be age-standardised. Crude rates understate \
inequality when groups differ in age; compare groups with care.";

const NO_REGISTER_NOTE: &str = "No population figures: the registered population is known by \
practice and area only (imported list sizes), so this breakdown shows referrals and what happened \
to them, without rates or representation.";

/// Builds the shown report from unsuppressed tallies.
pub fn build(
    facts: &Facts,
    tallies: &Tallies,
    period: &Period,
    practice: Option<u16>,
    generated_at: DateTime<Utc>,
) -> EquityReport {
    let years = period.days() as f64 / DAYS_PER_YEAR;
    let all = tallies.group(Dimension::Overall, 0);
    let breakdowns: Vec<Breakdown> = Dimension::ALL
        .iter()
        .map(|&dimension| {
            let has_population = dimension.is_geographic() || tallies.has_register;
            let groups = dimension
                .groups(facts)
                .into_iter()
                .enumerate()
                .filter(|(i, _)| {
                    dimension != Dimension::Practice || practice.is_none_or(|p| p as usize == *i)
                })
                .map(|(i, (code, label))| {
                    group_row(
                        code,
                        label,
                        tallies.group(dimension, i),
                        all,
                        has_population,
                        tallies.has_register && dimension != Dimension::AgeBand,
                        years,
                    )
                })
                .collect();
            Breakdown {
                dimension: dimension.code(),
                label: dimension.label(),
                note: (!has_population).then_some(NO_REGISTER_NOTE),
                groups,
            }
        })
        .collect();
    let core20 = representation(tallies.group(Dimension::Core20, 0), all, true);
    let inequality: Vec<InequalityRow> = INDICATORS
        .iter()
        .map(|i| inequality_row(i, tallies, years))
        .collect();
    let mut report = EquityReport {
        title: "Core20PLUS5 equity report".to_string(),
        generated_at,
        data_as_of: facts.loaded_at,
        as_of: tallies.as_of,
        period: ReportPeriod {
            from: period.from,
            to: period.to,
        },
        practice: practice
            .and_then(|p| facts.practices.get(p as usize))
            .map(|p| PracticeName {
                code: p.code.clone(),
                name: p.name.clone(),
            }),
        programme: None,
        deprivation_index:
            "English Indices of Deprivation 2019 (national deciles; Core20 = deciles 1-2)",
        headlines: Vec::new(),
        core20,
        breakdowns,
        inequality,
        trend: trend(tallies),
        rates: if tallies.has_register {
            STANDARDISED_NOTE
        } else {
            CRUDE_ONLY_NOTE
        },
        disclosure_control: disclosure::RULE,
        methods: METHODS.to_vec(),
    };
    report.headlines = super::headlines::write(&report, tallies, years);
    report
}

impl EquityReport {
    pub fn breakdown(&self, dimension: Dimension) -> Option<&Breakdown> {
        self.breakdowns
            .iter()
            .find(|b| b.dimension == dimension.code())
    }

    pub fn inequality_of(&self, indicator: &str) -> Option<&InequalityRow> {
        self.inequality.iter().find(|i| i.indicator == indicator)
    }
}

impl Breakdown {
    pub fn group(&self, code: &str) -> Option<&GroupRow> {
        self.groups.iter().find(|g| g.group == code)
    }
}

impl GroupRow {
    pub fn stage(&self, stage: Stage) -> &StageRow {
        &self.funnel[stage as usize]
    }
}

const METHODS: [Method; 11] = [
    Method {
        statistic: "Age-standardised rates",
        method: "Directly age-standardised referrals per 1,000 a year, as PHEindicatormethods phe_dsr: the \
2013 European Standard Population in 19 five-year bands (0-4 to 85-89, 90+), each referral in the band of \
its age at receipt, the register's people in the band of their age at mid-period; 95% interval by Dobson's \
method with Byars' limits for the total. Not computed under 10 referrals or when a band has no registered \
people. Crude rates (referrals / people / years) are shown beside them for planning.",
    },
    Method {
        statistic: "Funnel and follow-up windows",
        method: "Referrals received in the period, each counted in a stage only once the stage's window has \
passed by the report's as-of date, and as reaching it only if it did so within the window: contacted (a \
contact that reached the person) within 28 days; active (a plan agreed), connected (a connection sent) and \
attended (a connection reached 'attended first session' or 'completed') within 12 weeks; closed with goals \
met within 6 months. Percentages are of the referrals whose window had passed. Attended given connected is \
the percentage of referrals connected within 12 weeks that attended within 12 weeks. The same data and \
as-of date always give the same report.",
    },
    Method {
        statistic: "Proportions",
        method: "Wilson score interval (95%), as published by OHID Fingertips.",
    },
    Method {
        statistic: "Crude referral rates",
        method: "Referrals per 1,000 registered people a year: the register as it stood at mid-period \
(people born and registered by then) times the period's length; Byars' approximation for the 95% \
interval, exact Poisson (chi-squared) limits below 10 referrals. Each referral is counted at the practice \
and in the IMD decile recorded when it was received.",
    },
    Method {
        statistic: "Mean change",
        method: "Paired follow-up minus baseline on the same referral (first complete baseline, last \
complete follow-up); mean with a t-based 95% interval. Incomplete questionnaires are never scored.",
    },
    Method {
        statistic: "Meaningful improvement",
        method: "SWEMWBS rise of at least 3 metric points (after the Rasch conversion); Wilson interval.",
    },
    Method {
        statistic: "Time to first contact",
        method: "Whole days from receipt to the first contact that reached the person. The share of all \
referrals reached within 14 days (of those at least 14 days old) and within 28 days (of those at least 28 \
days old), with Wilson intervals; and the Kaplan-Meier median, in which referrals not reached by the as-of \
date are censored on that day (or on the day they closed unreached), so those still waiting count.",
    },
    Method {
        statistic: "Outcomes",
        method: "Counted among referrals closed, or at least 6 months old, by the as-of date. Completion is \
the percentage of those with a paired baseline and follow-up; changes are among the pairs.",
    },
    Method {
        statistic: "Slope and relative index of inequality",
        method: "Weighted least squares regression (weights: quintile population) of the indicator on the \
midpoint of each quintile's cumulative population share, most deprived first. SII = fitted most deprived \
minus least deprived end (positive: higher in more deprived areas); RII = fitted most deprived end over \
fitted least deprived end (above 1: higher in more deprived areas), as PHEindicatormethods phe_sii with \
multiplier -1. 95% intervals from each quintile's standard error (taken from its 95% interval): both ends \
are fixed linear combinations of the quintile values, so the SII interval is exact and the RII interval is \
Fieller's, each the limit of PHE's simulation. Every figure here is computed from unrounded quintile \
values and rounded once, for showing.",
    },
    Method {
        statistic: "Core20 representation ratio",
        method: "Share of referrals from Core20 areas divided by their share of the registered population; \
1 is proportionate, below 1 under-represented.",
    },
    Method {
        statistic: "Deprivation",
        method: "National IMD 2019 decile of the person's LSOA (from their postcode); quintile 1 = deciles 1-2 \
= Core20. People outside England have no English decile and are reported as 'not known'.",
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::equity::facts::{PopulationCell, PracticeRef, Register};
    use crate::equity::tally::tally;
    use proptest::collection::vec;
    use proptest::prelude::*;
    use serde_json::Value;

    use crate::equity::test_data::{profile, referral};

    /// Every count in the shown report: a multiple of 5 other than 5, or "*".
    fn check_counts(value: &Value, key: &str) {
        match value {
            Value::Object(map) => map.iter().for_each(|(k, v)| check_counts(v, k)),
            Value::Array(items) => items.iter().for_each(|v| check_counts(v, key)),
            Value::Number(n) if ["population", "referrals", "count", "pairs"].contains(&key) => {
                let n = n.as_u64().expect("counts are whole numbers");
                assert!(n % 5 == 0 && n != 5, "{key} = {n} shown");
            }
            Value::String(s) if ["population", "referrals", "count", "pairs"].contains(&key) => {
                assert_eq!(s, "*", "{key}")
            }
            _ => {}
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        /// Disclosure control as a property: on any data, no count of 1-7 is shown, every
        /// shown count is a multiple of 5, and no statistic rests on fewer than 8 people.
        #[test]
        fn nothing_shown_rests_on_fewer_than_eight(
            register in vec(profile(), 0..60),
            referrals in vec(referral(), 0..80),
            population in vec((0u16..3, 0u8..6, 0u32..40), 0..10),
        ) {
            let facts = Facts {
                practices: (0..3).map(|i| PracticeRef { id: i, code: format!("P{i}"), name: format!("Practice {i}") }).collect(),
                population: population.into_iter().map(|(practice, quintile, people)| PopulationCell { practice, quintile, people }).collect(),
                register: Some(Register::of_profiles(&register, 3)),
                referrals,
                loaded_at: Utc::now(),
            };
            let period = Period { from: "2026-01-01".parse().unwrap(), to: "2026-12-31".parse().unwrap() };
            let raw = tally(&facts, &period, None, "2027-06-30".parse().unwrap());
            let report = build(&facts, &raw, &period, None, Utc::now());
            check_counts(&serde_json::to_value(&report).unwrap(), "");

            let enough = |n: u64| n >= 8;
            for (dimension, breakdown) in Dimension::ALL.iter().zip(&report.breakdowns) {
                for (i, g) in breakdown.groups.iter().enumerate() {
                    let t = raw.group(*dimension, i);
                    if g.referral_rate.is_some() || g.representation.ratio.is_some() {
                        prop_assert!(enough(t.population) && enough(t.referrals.n));
                    }
                    for (s, stage) in g.funnel.iter().enumerate() {
                        if stage.percent.is_some() {
                            prop_assert!(enough(t.eligible[s].n) && enough(t.stages[s].n));
                        }
                    }
                    if g.first_contact.median_days.is_some() {
                        prop_assert!(enough(t.contacted.n));
                    }
                    if g.first_contact.within_14_days.is_some() {
                        prop_assert!(enough(t.within_14.n) && enough(t.eligible_14.n));
                    }
                    for (o, outcome) in g.outcomes.iter().enumerate() {
                        if outcome.completion.is_some() {
                            prop_assert!(enough(t.pairs[o].n) && enough(t.outcome_eligible.n));
                        }
                    }
                    if g.attended_given_connected.is_some() {
                        prop_assert!(enough(t.stages[3].n) && enough(t.stages[2].n));
                    }
                    for (o, outcome) in g.outcomes.iter().enumerate() {
                        if outcome.mean_change.is_some() {
                            prop_assert!(enough(t.change[o].n));
                        }
                        if outcome.improved.as_ref().is_some_and(|i| i.percent.is_some()) {
                            prop_assert!(enough(t.change[o].n) && enough(t.improved[o].n));
                        }
                    }
                    for (b, barrier) in g.barriers.iter().enumerate() {
                        if barrier.percent.is_some() {
                            prop_assert!(enough(t.referrals.n) && enough(t.barriers[b].n));
                        }
                    }
                }
            }
            for point in &report.trend {
                let quarter = raw.quarters.iter().find(|q| q.from == point.from).unwrap();
                if point.most_deprived_rate.is_some() {
                    prop_assert!(enough(quarter.referrals[0].n));
                }
                if point.least_deprived_rate.is_some() {
                    prop_assert!(enough(quarter.referrals[4].n));
                }
            }
            for row in &report.inequality {
                if row.sii.is_some() {
                    prop_assert!(row.quintiles.iter().all(Option::is_some));
                }
            }
        }
    }

    /// A count whose cell key gets no noise, so a hand-worked example shows its count
    /// rounded to 5 (a third of keys do).
    fn unperturbed(n: u64) -> Count {
        let key = (0..).find(|&k| disclosure::noise(k) == 0).unwrap();
        Count { n, key }
    }

    /// Issue 13 items 1-3, worked by hand: shares rounded for showing would give another ratio.
    #[test]
    fn representation_divides_the_counts_not_rounded_shares() {
        let tally = |population, referrals| Tally {
            population,
            referrals: unperturbed(referrals),
            ..Tally::default()
        };
        // 15 of 10,000 people (0.15%, shown 0.2) and 10 of 1,000 referrals (1.0%): the ratio is
        // 0.01 / 0.0015 = 6.67, where the shown shares would give 1.0 / 0.2 = 5.
        let r = representation(&tally(15, 10), &tally(10_000, 1_000), true);
        assert_eq!(r.population_share_percent, Some(0.2));
        assert_eq!(r.referral_share_percent, Some(1.0));
        assert_eq!(r.ratio, Some(6.67));
    }

    #[test]
    fn inequality_is_computed_from_unrounded_quintiles_and_rounded_once() {
        let mut tallies = crate::equity::tally::tests_support::empty(0);
        // Published (unperturbed here, rounded to 5): 300, 250, 200, 150, 105.
        for (q, referrals) in [301, 252, 199, 148, 103].into_iter().enumerate() {
            let t = &mut tallies.cells[tallies.layout.start(Dimension::ImdQuintile) + q];
            t.population = 3000;
            t.referrals = unperturbed(referrals);
        }
        let row = inequality_row(&INDICATORS[1], &tallies, 1.0);
        // Equal populations: x = 0.1..0.9 and the SII is 1·y1 + 0.5·y2 - 0.5·y4 - 1·y5 with
        // y = referrals / 3 per 1,000: (300 + 125 - 75 - 105) / 3 = 245 / 3 = 81.67 (the
        // quintile rates rounded first would give 100 + 41.65 - 25 - 35 = 81.65).
        assert_eq!(row.sii.unwrap().value, 81.67);
        assert_eq!(row.quintiles[1], Some(83.3));
        // The fitted ends: mean 1005 / 15 = 67, at x = 0 it is mean + SII / 2 and at x = 1
        // mean - SII / 2, so the RII is (67 + 245/6) / (67 - 245/6) = 3235 / 785.
        assert_eq!(row.rii.unwrap().value, round_to(3235.0 / 785.0, 3));
        // Gap and ratio of quintiles 1 and 5 from the counts: (300 - 105) / 3 and 300 / 105.
        assert_eq!(row.gap, Some(65.0));
        assert_eq!(row.ratio, Some(round_to(300.0 / 105.0, 2)));
    }

    /// Two groups with the same rate in every age band but different ages: the same
    /// age-standardised rate, different crude rates (worked by hand).
    #[test]
    fn standardising_removes_a_difference_in_age() {
        let group = |young: u64, old: u64| {
            let mut t = Tally::default();
            // Rates: 10 per 1,000 a year under 50 (bands 0-9), 100 per 1,000 from 50.
            for b in 0..19 {
                let (people, per_thousand) = if b < 10 { (young, 10) } else { (old, 100) };
                t.population_by_age[b] = people;
                t.population += people;
                let events = people * per_thousand / 1000;
                t.referrals_by_age[b] = unperturbed(events);
                t.referrals.n += events;
            }
            t.referrals.key = unperturbed(0).key;
            t
        };
        let (younger, older) = (group(2000, 500), group(500, 2000));
        // Crude: (10 · 20 + 9 · 50) / 24,500 and (10 · 5 + 9 · 200) / 23,000 per person.
        let crude = |t: &Tally| referral_rate(t, 1.0).unwrap().value;
        assert!((crude(&younger) - 1000.0 * 650.0 / 24_500.0).abs() < 0.3);
        assert!((crude(&older) - 1000.0 * 1850.0 / 23_000.0).abs() < 0.3);
        // Standardised: Σ w · rate / Σ w with rates 10 and 100: (10 · 61,000 + 100 · 39,000)
        // / 100,000 = 45.1 per 1,000 for both (the ESP has 61,000 under 50).
        for t in [&younger, &older] {
            let dsr = standardised_rate(t, 1.0).unwrap();
            assert!((dsr.value - 45.1).abs() < 1e-9, "{dsr:?}");
        }
    }

    #[test]
    fn shown_statistics_are_rounded_and_finite() {
        assert_eq!(round_to(48.049_9, 1), 48.0);
        assert_eq!(round_to(1.087_834, 2), 1.09);
        let i = Interval::shown(
            scaled(
                Estimate {
                    value: 0.123_456,
                    lower: 0.1,
                    upper: 0.15,
                },
                100.0,
            ),
            1,
        )
        .unwrap();
        assert_eq!((i.value, i.lower, i.upper), (12.3, 10.0, 15.0));
        let nan = Estimate {
            value: f64::NAN,
            lower: 0.0,
            upper: 1.0,
        };
        assert!(Interval::shown(nan, 1).is_none());
    }
}
