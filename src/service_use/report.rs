//! The system outcomes report: for referrals received in a published period whose
//! after-window is over, the change in GP consultations and A&E attendances (after minus
//! before) per referral with both windows recorded, and its mean with a t-interval, for
//! everyone and by programme, IMD quintile and ethnic group. Counts go through the equity
//! report's disclosure control (`equity::disclosure`): the same record keys, so the same
//! referrals get the same noise, 0 to 7 shown as `*`, and no mean on fewer than 8 pairs.

use super::{window_days, Measure, Window};
use crate::activity::ReportPeriod;
use crate::equity::disclosure::{self, Shown};
use crate::equity::stats::{self, MeanAccumulator};
use crate::equity::tally::Count;
use crate::people::Ethnicity;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// What the report says about reading it: stated in every report and in
/// docs/service-use.md.
pub const METHOD_NOTE: &str = "Each pair is one referral with both windows recorded: the \
count in the 6 months after the referral was received minus the count in the 6 months \
before. The mean change has a 95% t-interval (mean ± t(0.975, n-1) × SD/√n). Regression to \
the mean: people are usually referred when their use of services is at a peak, so their use \
is expected to fall afterwards whether or not social prescribing had any effect. A fall \
here is not evidence that social prescribing caused it; that needs a comparison group of \
similar people who were not referred, which this report does not have. Referrals are \
counted in the period they were received, once their after-window is over; referrals \
closed as entered in error are left out.";

/// One referral's recorded service use, with what it is grouped by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralUse {
    /// The referral's record key (`store::equity::record_key`).
    pub key: u64,
    pub received: NaiveDate,
    pub team_id: Option<i64>,
    pub programme_id: Option<i64>,
    pub imd_decile: Option<u8>,
    pub ethnicity: Option<Ethnicity>,
    /// Per `Measure::ALL`, the count before and after, where recorded.
    pub before: [Option<u32>; 2],
    pub after: [Option<u32>; 2],
}

/// Everything the report is computed from: referrals with any service use recorded.
#[derive(Debug, Clone, Default)]
pub struct ServiceUseFacts {
    /// (id, name), in id order.
    pub programmes: Vec<(i64, String)>,
    pub referrals: Vec<ReferralUse>,
}

/// A checked request.
#[derive(Debug, Clone)]
pub struct Request {
    pub period: ReportPeriod,
    /// Only this team's referrals (a team lead's own); `None`: every team.
    pub team_id: Option<i64>,
    /// Only this programme's referrals, by id; `None`: every programme.
    pub programme_id: Option<i64>,
    /// The day the report is computed on: a referral counts once its after-window is over.
    pub today: NaiveDate,
}

/// A mean with its 95% interval, rounded for showing.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
#[schema(as = ServiceUseInterval)]
pub struct Interval {
    pub value: f64,
    pub lower: f64,
    pub upper: f64,
}

/// One measure in one group.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MeasureRow {
    /// `gp_consultations` or `ae_attendances`.
    pub measure: &'static str,
    pub label: &'static str,
    /// Referrals with both windows recorded (perturbed, rounded to 5; `*` for 0 to 7).
    pub pairs: Shown,
    /// Mean count in the 6 months before (only on 8 or more pairs, as all three).
    pub mean_before: Option<f64>,
    pub mean_after: Option<f64>,
    /// Mean of (after − before) with its 95% t-interval.
    pub mean_change: Option<Interval>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = ServiceUseGroupRow)]
pub struct GroupRow {
    pub code: String,
    pub label: String,
    /// Referrals of the period whose after-window is over.
    pub referrals: Shown,
    pub measures: Vec<MeasureRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = ServiceUseBreakdown)]
pub struct Breakdown {
    /// `all`, `programme`, `imd_quintile` or `ethnic_group`.
    pub code: &'static str,
    pub label: &'static str,
    pub groups: Vec<GroupRow>,
}

/// The report as shown: aggregate figures only.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ServiceUseReport {
    /// The published period (`2026-03`, `2026-Q1` or `2025/26`).
    pub period: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Referrals count once their after-window is over by this day.
    pub as_of: NaiveDate,
    /// `all teams`, or the team lead's own team.
    pub scope: String,
    /// The programme the report is limited to, by name; none: every programme.
    pub programme: Option<String>,
    pub generated_at: DateTime<Utc>,
    pub method: &'static str,
    pub disclosure_control: &'static str,
    pub breakdowns: Vec<Breakdown>,
}

/// Exact sums for one group.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    referrals: Count,
    pairs: [Count; 2],
    before: [MeanAccumulator; 2],
    after: [MeanAccumulator; 2],
    change: [MeanAccumulator; 2],
}

impl Tally {
    fn add(&mut self, r: &ReferralUse) {
        self.referrals.add(r.key);
        for i in 0..Measure::ALL.len() {
            if let (Some(before), Some(after)) = (r.before[i], r.after[i]) {
                self.pairs[i].add(r.key);
                self.before[i].add(f64::from(before));
                self.after[i].add(f64::from(after));
                self.change[i].add(f64::from(after) - f64::from(before));
            }
        }
    }

    fn row(&self, code: String, label: String) -> GroupRow {
        let measures = Measure::ALL
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let pairs = Shown::of(self.pairs[i]);
                // A mean rests on the exact values, so it is shown only where the pairs are
                // (8 or more), as the equity report's outcome changes.
                let shown =
                    pairs.value().is_some() && disclosure::may_show_statistic(self.pairs[i].n);
                let mean = |acc: &MeanAccumulator| {
                    (shown && acc.n > 0).then(|| round(acc.sum / acc.n as f64))
                };
                MeasureRow {
                    measure: m.code(),
                    label: m.label(),
                    pairs,
                    mean_before: mean(&self.before[i]),
                    mean_after: mean(&self.after[i]),
                    mean_change: shown
                        .then(|| stats::mean_t(&self.change[i]))
                        .flatten()
                        .map(|e| Interval {
                            value: round(e.value),
                            lower: round(e.lower),
                            upper: round(e.upper),
                        }),
                }
            })
            .collect();
        GroupRow {
            code,
            label,
            referrals: Shown::of(self.referrals),
            measures,
        }
    }
}

/// Two decimal places, once, for showing.
fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The IMD quintile (1 most deprived) of a decile.
fn quintile(decile: u8) -> u8 {
    decile.div_ceil(2)
}

/// Whether a referral belongs in the report: received in the period, its after-window
/// over by `today`, in the team asked for.
fn counted(r: &ReferralUse, request: &Request) -> bool {
    let (_, after_ends) = window_days(Window::After, r.received);
    r.received >= request.period.from
        && r.received <= request.period.to
        && after_ends <= request.today
        && request.team_id.is_none_or(|t| r.team_id == Some(t))
        && request
            .programme_id
            .is_none_or(|p| r.programme_id == Some(p))
}

/// Computes the report.
pub fn compute(
    facts: &ServiceUseFacts,
    request: &Request,
    scope: String,
    now: DateTime<Utc>,
) -> ServiceUseReport {
    let programme = request.programme_id.and_then(|id| {
        facts
            .programmes
            .iter()
            .find(|(p, _)| *p == id)
            .map(|(_, name)| name.clone())
    });
    let mut all = Tally::default();
    let mut by_programme = vec![Tally::default(); facts.programmes.len()];
    let mut by_quintile = [Tally::default(); 6];
    let mut by_ethnicity = vec![Tally::default(); Ethnicity::ALL.len()];
    for r in facts.referrals.iter().filter(|r| counted(r, request)) {
        all.add(r);
        if let Some(i) = r
            .programme_id
            .and_then(|p| facts.programmes.iter().position(|(id, _)| *id == p))
        {
            by_programme[i].add(r);
        }
        by_quintile[r.imd_decile.map_or(0, quintile) as usize].add(r);
        if let Some(i) = r
            .ethnicity
            .and_then(|e| Ethnicity::ALL.iter().position(|x| *x == e))
        {
            by_ethnicity[i].add(r);
        }
    }
    let quintile_label = |q: usize| match q {
        0 => "Area not known".to_string(),
        1 => "Quintile 1 (most deprived)".to_string(),
        5 => "Quintile 5 (least deprived)".to_string(),
        q => format!("Quintile {q}"),
    };
    let breakdowns = vec![
        Breakdown {
            code: "all",
            label: "Everyone",
            groups: vec![all.row("all".into(), "Everyone".into())],
        },
        Breakdown {
            code: "programme",
            label: "Programme",
            groups: facts
                .programmes
                .iter()
                .zip(&by_programme)
                .map(|((id, name), t)| t.row(id.to_string(), name.clone()))
                .collect(),
        },
        Breakdown {
            code: "imd_quintile",
            label: "IMD 2019 quintile of the area lived in at referral",
            groups: (1..=5)
                .chain([0])
                .map(|q| by_quintile[q].row(q.to_string(), quintile_label(q)))
                .collect(),
        },
        Breakdown {
            code: "ethnic_group",
            label: "Ethnic group (ONS 2021)",
            groups: Ethnicity::ALL
                .iter()
                .zip(&by_ethnicity)
                .map(|(e, t)| t.row(e.code().into(), e.label().into()))
                .collect(),
        },
    ];
    ServiceUseReport {
        period: request.period.code.clone(),
        from: request.period.from,
        to: request.period.to,
        as_of: request.today,
        scope,
        programme,
        generated_at: now,
        method: METHOD_NOTE,
        disclosure_control: disclosure::RULE,
        breakdowns,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn referral(key: u64, before: [Option<u32>; 2], after: [Option<u32>; 2]) -> ReferralUse {
        ReferralUse {
            key,
            received: "2026-01-15".parse().unwrap(),
            team_id: Some(1),
            programme_id: None,
            imd_decile: Some(1),
            ethnicity: Some(Ethnicity::White),
            before,
            after,
        }
    }

    /// Seven pairs are too few: the count is hidden and no mean is shown.
    #[test]
    fn seven_pairs_show_nothing() {
        let facts = ServiceUseFacts {
            programmes: vec![],
            referrals: (0..7)
                .map(|k| referral(k, [Some(5), None], [Some(2), Some(1)]))
                .collect(),
        };
        let period =
            crate::activity::parse_period(Some("2026-01"), "2026-11-30".parse().unwrap()).unwrap();
        let request = Request {
            period,
            team_id: None,
            programme_id: None,
            today: "2026-11-30".parse().unwrap(),
        };
        let report = compute(&facts, &request, "all teams".into(), Utc::now());
        let everyone = &report.breakdowns[0].groups[0];
        assert_eq!(everyone.referrals, Shown::Hidden);
        assert_eq!(everyone.measures[0].pairs, Shown::Hidden);
        assert_eq!(everyone.measures[0].mean_change, None);
        assert_eq!(everyone.measures[0].mean_before, None);
        // An eighth pair shows them; the same referrals before their after-window is over
        // (received 15 January, it ends 15 July) count for nothing.
        let mut eight = facts.clone();
        eight
            .referrals
            .push(referral(7, [Some(5), None], [Some(2), Some(1)]));
        let report = compute(&eight, &request, "all teams".into(), Utc::now());
        let gp = &report.breakdowns[0].groups[0].measures[0];
        assert!(gp.pairs.value().is_some());
        assert_eq!(gp.mean_change.map(|c| c.value), Some(-3.0));
        let early = Request {
            today: "2026-07-14".parse().unwrap(),
            ..request
        };
        let report = compute(&eight, &early, "all teams".into(), Utc::now());
        assert_eq!(report.breakdowns[0].groups[0].referrals, Shown::Hidden);
        assert_eq!(report.breakdowns[0].groups[0].measures[0].mean_change, None);
    }
}
