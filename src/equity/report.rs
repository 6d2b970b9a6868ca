//! The equity report as shown: every count through disclosure control, every statistic
//! with its interval and method. Built from tallies; holds nothing person-level.

use super::disclosure::{self, may_show_proportion, may_show_statistic, Shown};
use super::facts::{Facts, Outcome, Period, Stage};
use super::stats::{self, Estimate, QuantileValue};
use super::tally::{Dimension, Tallies, Tally};
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
    pub period: ReportPeriod,
    /// The practice the report is limited to, if any.
    pub practice: Option<PracticeName>,
    pub deprivation_index: &'static str,
    pub headlines: Vec<String>,
    /// Core20 representation: share of referrals over share of the registered population.
    pub core20: Representation,
    pub breakdowns: Vec<Breakdown>,
    /// Slope and relative index of inequality across IMD quintiles, for each indicator.
    pub inequality: Vec<InequalityRow>,
    /// Referral rates in the most and least deprived quintiles by quarter.
    pub trend: Vec<TrendPoint>,
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

impl From<Estimate> for Interval {
    fn from(e: Estimate) -> Self {
        Interval {
            value: e.value,
            lower: e.lower,
            upper: e.upper,
        }
    }
}

impl Interval {
    fn scaled(e: Estimate, by: f64) -> Interval {
        Interval {
            value: e.value * by,
            lower: e.lower * by,
            upper: e.upper * by,
        }
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
    /// Referrals per 1,000 registered people a year.
    pub referral_rate: Option<Interval>,
    pub representation: Representation,
    pub funnel: Vec<StageRow>,
    pub first_contact: FirstContact,
    pub outcomes: Vec<OutcomeRow>,
    pub barriers: Vec<BarrierRow>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StageRow {
    pub stage: &'static str,
    pub label: &'static str,
    pub count: Shown,
    /// Percentage of referrals that reached the stage.
    pub percent: Option<Interval>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FirstContact {
    /// Referrals with a first successful contact.
    pub referrals: Shown,
    pub median_days: Option<f64>,
    pub mean_days: Option<Interval>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutcomeRow {
    pub measure: &'static str,
    pub label: &'static str,
    /// Referrals with a complete baseline and follow-up.
    pub pairs: Shown,
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
    /// Slope index of inequality: fitted most deprived minus least deprived end.
    pub sii: Option<Interval>,
    /// Relative index of inequality: SII over the population-weighted mean.
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

/// A statistic's value and its standard error, for the inequality regression.
struct Indicator {
    code: &'static str,
    label: &'static str,
    /// The indicator for one tally, when it may be shown.
    value: fn(&Tally, f64) -> Option<Interval>,
}

const INDICATORS: [Indicator; 5] = [
    Indicator {
        code: "referral_rate",
        label: "Referrals per 1,000 registered people a year",
        value: |t, years| referral_rate(t, years),
    },
    Indicator {
        code: "contacted_percent",
        label: "% of referrals contacted",
        value: |t, _| stage_percent(t, Stage::Contacted),
    },
    Indicator {
        code: "attended_percent",
        label: "% of referrals attending a first session",
        value: |t, _| stage_percent(t, Stage::Attended),
    },
    Indicator {
        code: "goals_met_percent",
        label: "% of referrals closed with goals met",
        value: |t, _| stage_percent(t, Stage::GoalsMet),
    },
    Indicator {
        code: "swemwbs_change",
        label: "Mean SWEMWBS change (metric points)",
        value: |t, _| mean_change(t, 0),
    },
];

fn referral_rate(t: &Tally, years: f64) -> Option<Interval> {
    if !may_show_statistic(t.population) || disclosure::is_small(t.referrals) {
        return None;
    }
    stats::poisson_rate(t.referrals, t.population as f64 * years, RATE_PER).map(Interval::from)
}

fn percent(k: u64, n: u64) -> Option<Interval> {
    if !may_show_proportion(k, n) {
        return None;
    }
    stats::wilson(k, n).map(|e| Interval::scaled(e, 100.0))
}

fn stage_percent(t: &Tally, stage: Stage) -> Option<Interval> {
    percent(t.stages[stage as usize], t.referrals)
}

fn mean_change(t: &Tally, outcome: usize) -> Option<Interval> {
    let acc = &t.change[outcome];
    if !may_show_statistic(acc.n) {
        return None;
    }
    stats::mean_t(acc).map(Interval::from)
}

fn share(part: u64, whole: u64) -> Option<f64> {
    (whole > 0 && !disclosure::is_small(part) && may_show_statistic(whole))
        .then(|| 100.0 * part as f64 / whole as f64)
}

fn representation(t: &Tally, all: &Tally, has_population: bool) -> Representation {
    let population_share = has_population
        .then(|| share(t.population, all.population))
        .flatten();
    let referral_share = share(t.referrals, all.referrals);
    let ratio = match (population_share, referral_share) {
        (Some(p), Some(r)) if p > 0.0 && may_show_statistic(t.population) => Some(r / p),
        _ => None,
    };
    Representation {
        population_share_percent: population_share,
        referral_share_percent: referral_share,
        ratio,
    }
}

fn group_row(
    code: String,
    label: String,
    t: &Tally,
    all: &Tally,
    has_population: bool,
    years: f64,
) -> GroupRow {
    let funnel = Stage::ALL
        .iter()
        .map(|&stage| StageRow {
            stage: stage.code(),
            label: stage.label(),
            count: Shown::of(t.stages[stage as usize]),
            percent: stage_percent(t, stage),
        })
        .collect();
    let contacted = t.contact_days.n;
    let first_contact = FirstContact {
        referrals: Shown::of(contacted),
        median_days: may_show_statistic(contacted)
            .then(|| stats::median_from_histogram(&t.contact_days_histogram))
            .flatten(),
        mean_days: may_show_statistic(contacted)
            .then(|| stats::mean_t(&t.contact_days).map(Interval::from))
            .flatten(),
    };
    let outcomes = Outcome::ALL
        .iter()
        .enumerate()
        .map(|(i, &outcome)| OutcomeRow {
            measure: outcome.code(),
            label: outcome.label(),
            pairs: Shown::of(t.change[i].n),
            mean_change: mean_change(t, i),
            improved: outcome.meaningful_improvement().map(|_| ImprovedRow {
                count: Shown::of(t.improved[i]),
                percent: percent(t.improved[i], t.change[i].n),
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
            percent: percent(t.barriers[i], t.referrals),
        })
        .collect();
    GroupRow {
        group: code,
        label,
        population: has_population.then(|| Shown::of(t.population)),
        referrals: Shown::of(t.referrals),
        referral_rate: if has_population {
            referral_rate(t, years)
        } else {
            None
        },
        representation: representation(t, all, has_population),
        funnel,
        first_contact,
        outcomes,
        barriers,
    }
}

fn inequality_row(indicator: &Indicator, tallies: &Tallies, years: f64) -> InequalityRow {
    let quintiles: Vec<(Option<Interval>, u64)> = (0..5)
        .map(|q| {
            let t = tallies.group(Dimension::ImdQuintile, q);
            ((indicator.value)(t, years), t.population)
        })
        .collect();
    let values: Vec<Option<f64>> = quintiles.iter().map(|(v, _)| v.map(|i| i.value)).collect();
    let complete: Option<Vec<QuantileValue>> = quintiles
        .iter()
        .map(|(v, population)| {
            v.map(|i| QuantileValue {
                population: *population as f64,
                value: i.value,
                standard_error: stats::standard_error(&Estimate {
                    value: i.value,
                    lower: i.lower,
                    upper: i.upper,
                }),
            })
        })
        .collect();
    let inequality = complete.as_deref().and_then(stats::inequality);
    let (q1, q5) = (values[0], values[4]);
    InequalityRow {
        indicator: indicator.code,
        label: indicator.label,
        quintiles: values,
        sii: inequality.as_ref().map(|i| i.sii.into()),
        rii: inequality.as_ref().map(|i| i.rii.into()),
        gap: q1.zip(q5).map(|(a, b)| a - b),
        ratio: q1.zip(q5).and_then(|(a, b)| (b != 0.0).then(|| a / b)),
    }
}

fn trend(tallies: &Tallies) -> Vec<TrendPoint> {
    let population = |q: usize| tallies.group(Dimension::ImdQuintile, q).population;
    tallies
        .quarters
        .iter()
        .map(|quarter| {
            let years = ((quarter.to - quarter.from).num_days() + 1) as f64 / DAYS_PER_YEAR;
            let rate = |q: usize| {
                let (events, people) = (quarter.referrals[q], population(q));
                if disclosure::is_small(events) || !may_show_statistic(people) {
                    return None;
                }
                stats::poisson_rate(events, people as f64 * years, RATE_PER).map(Interval::from)
            };
            let (most, least) = (rate(0), rate(4));
            TrendPoint {
                from: quarter.from,
                to: quarter.to,
                gap: most.zip(least).map(|(a, b)| a.value - b.value),
                most_deprived_rate: most,
                least_deprived_rate: least,
            }
        })
        .collect()
}

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
        deprivation_index:
            "English Indices of Deprivation 2019 (national deciles; Core20 = deciles 1-2)",
        headlines: Vec::new(),
        core20,
        breakdowns,
        inequality,
        trend: trend(tallies),
        disclosure_control: disclosure::RULE,
        methods: METHODS.to_vec(),
    };
    report.headlines = super::headlines::write(&report);
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

const METHODS: [Method; 9] = [
    Method {
        statistic: "Funnel",
        method: "Referrals received in the period, by the stage each reached by the time the data were read: \
contacted (a contact that reached the person), active (a plan agreed), connected (a connection sent), \
attended (a connection reached 'attended first session' or 'completed'), closed with goals met. \
Percentages are of referrals received.",
    },
    Method {
        statistic: "Proportions",
        method: "Wilson score interval (95%), as published by OHID Fingertips.",
    },
    Method {
        statistic: "Referral rates",
        method: "Referrals per 1,000 registered people a year (population x period length); Byars' \
approximation for the 95% interval, exact Poisson (chi-squared) limits below 10 referrals.",
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
        method: "Whole days from receipt to the first contact that reached the person; median and mean \
with a t-based 95% interval.",
    },
    Method {
        statistic: "Slope and relative index of inequality",
        method: "Weighted least squares regression (weights: quintile population) of the indicator on the \
midpoint of each quintile's cumulative population share, most deprived first. SII = fitted most deprived \
minus least deprived end (positive: higher in more deprived areas); RII = SII / population-weighted mean. \
95% intervals from each quintile's standard error: the SII is a fixed linear combination of the quintile \
values, so its variance is exact (the limit of the PHE simulation method); the RII uses the delta method.",
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
