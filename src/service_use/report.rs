//! The system outcomes report: for referrals received in a published period whose
//! after-window is over, the change in GP consultations and A&E attendances (after minus
//! before) per referral with both windows recorded, and its mean with a t-interval, for
//! everyone and by programme, IMD quintile and ethnic group. Counts go through the equity
//! report's disclosure control (`equity::disclosure`): the same record keys, so the same
//! referrals get the same noise, 0 to 7 shown as `*`, and no mean on fewer than 8 pairs.

use super::{window_days, Measure, Window};
use crate::activity::ReportPeriod;
use crate::equity::differencing;
use crate::equity::disclosure::{self, Shown};
use crate::equity::stats::{self, MeanAccumulator};
use crate::equity::tally::Count;
use crate::people::Ethnicity;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
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

/// The report's own disclosure statement: the equity report's control, with the two
/// rules that keep its means from being subtracted (docs/service-use.md).
pub const DISCLOSURE_CONTROL: &str = "Each report covers one calendar quarter, published once \
the 6 months after every referral received in it are over, so no two reports nest, overlap or \
grow day by day. Every count of referrals and pairs is perturbed by cell-key perturbation (as \
the ONS used for Census 2021: a fixed secret key per referral, so the same referrals always get \
the same noise in every report) and rounded to the nearest 5; counts of 0 to 7 are shown as *. \
A mean needs at least 8 pairs, and is withheld where it could be subtracted from others shown \
in this report or in the same quarter's report for a programme (or for every programme) to \
leave the sum of 1 to 7 people's values. The report never lists or links to individual people.";

/// Why a period cannot be reported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error(transparent)]
    NotPublished(#[from] crate::activity::RequestError),
    #[error(
        "the system outcomes report covers one calendar quarter (2026-Q1), so no two published \
figures nest or overlap; {0:?} is not a quarter"
    )]
    NotAQuarter(String),
    #[error(
        "the 6 months after every referral received in {code} are over on {on}: a quarter is \
published from then, so its figures do not grow day by day"
    )]
    NotAllOver { code: String, on: NaiveDate },
}

/// Reads the quarter asked for (`2026-Q1`). With none given, the latest quarter whose
/// referrals all have their 6 months after over by `today`.
pub fn parse_quarter(text: Option<&str>, today: NaiveDate) -> Result<ReportPeriod, PeriodError> {
    let code = |quarter: i32| format!("{}-Q{}", quarter.div_euclid(4), quarter.rem_euclid(4) + 1);
    let text = match text.map(str::trim).filter(|t| !t.is_empty()) {
        Some(text) => text.to_string(),
        None => {
            let mut quarter = today.year() * 4 + today.month0() as i32 / 3 - 1;
            loop {
                let period = crate::activity::parse_period(Some(&code(quarter)), today)?;
                if window_days(Window::After, period.to).1 <= today {
                    break code(quarter);
                }
                quarter -= 1;
            }
        }
    };
    let period = crate::activity::parse_period(Some(&text), today)?;
    if period.kind != crate::activity::PeriodKind::Quarter {
        return Err(PeriodError::NotAQuarter(text));
    }
    let (_, on) = window_days(Window::After, period.to);
    if on > today {
        return Err(PeriodError::NotAllOver {
            code: period.code,
            on,
        });
    }
    Ok(period)
}

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
    /// The pairs are enough (8 or more) but the means are withheld: shown, they could be
    /// subtracted from others shown to give the figures of 1 to 7 people.
    pub mean_withheld: bool,
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

    /// Whether each measure's mean may be shown on its own: its pairs are published (so
    /// 8 or more), as the equity report's outcome changes.
    fn means_publishable(&self) -> [bool; 2] {
        std::array::from_fn(|i| {
            Shown::of(self.pairs[i]).value().is_some()
                && disclosure::may_show_statistic(self.pairs[i].n)
        })
    }

    /// The group as shown; `means[i]`: whether measure i's means survive the differencing
    /// check.
    fn row(&self, code: String, label: String, means: [bool; 2]) -> GroupRow {
        let publishable = self.means_publishable();
        let measures = Measure::ALL
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let shown = means[i];
                let mean = |acc: &MeanAccumulator| {
                    (shown && acc.n > 0).then(|| round(acc.sum / acc.n as f64))
                };
                MeasureRow {
                    measure: m.code(),
                    label: m.label(),
                    pairs: Shown::of(self.pairs[i]),
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
                    mean_withheld: publishable[i] && !shown,
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

/// The IMD quintile (1 most deprived) of a decile; 0 where the area is not known.
fn quintile(decile: Option<u8>) -> usize {
    decile.map_or(0, |d| usize::from(d.div_ceil(2)))
}

/// Quintiles 0 (area not known) to 5.
const QUINTILES: usize = 6;

/// Whether a referral belongs in the report's scope: received in the period, its
/// after-window over by `today`, in the team asked for. (The programme filter picks
/// groups from the whole scope: see [`Groups`].)
fn counted(r: &ReferralUse, request: &Request) -> bool {
    let (_, after_ends) = window_days(Window::After, r.received);
    r.received >= request.period.from
        && r.received <= request.period.to
        && after_ends <= request.today
        && request.team_id.is_none_or(|t| r.team_id == Some(t))
}

/// Every group the report can show for one scope and quarter, filtered or not: everyone,
/// each programme, quintile and ethnic group, and within each programme (what its filtered
/// report shows) each quintile and ethnic group. Means are withheld over all of them at
/// once (`equity::differencing`), so no report, nor any two asked for one after the other,
/// can be subtracted down to a few people.
struct Groups {
    programmes: usize,
    ethnicities: usize,
}

impl Groups {
    const EVERYONE: usize = 0;

    fn programme(&self, p: usize) -> usize {
        1 + p
    }
    fn quintile(&self, q: usize) -> usize {
        1 + self.programmes + q
    }
    fn ethnic(&self, e: usize) -> usize {
        1 + self.programmes + QUINTILES + e
    }
    fn programme_quintile(&self, p: usize, q: usize) -> usize {
        self.ethnic(self.ethnicities) + p * QUINTILES + q
    }
    fn programme_ethnic(&self, p: usize, e: usize) -> usize {
        self.programme_quintile(self.programmes, 0) + p * self.ethnicities + e
    }
    fn len(&self) -> usize {
        self.programme_ethnic(self.programmes, 0)
    }

    /// Atoms: people alike in programme (or none), quintile and ethnic group (or none).
    fn atom(&self, p: Option<usize>, q: usize, e: Option<usize>) -> usize {
        let p = p.unwrap_or(self.programmes);
        let e = e.unwrap_or(self.ethnicities);
        (p * QUINTILES + q) * (self.ethnicities + 1) + e
    }
    fn atoms(&self) -> usize {
        (self.programmes + 1) * QUINTILES * (self.ethnicities + 1)
    }

    /// The groups of a referral in this atom.
    fn of(&self, p: Option<usize>, q: usize, e: Option<usize>) -> Vec<usize> {
        let mut groups = vec![Self::EVERYONE, self.quintile(q)];
        groups.extend(e.map(|e| self.ethnic(e)));
        if let Some(p) = p {
            groups.push(self.programme(p));
            groups.push(self.programme_quintile(p, q));
            groups.extend(e.map(|e| self.programme_ethnic(p, e)));
        }
        groups
    }

    /// The families the differencing check compares two at a time. Each is laminar (any
    /// two of its groups are nested or apart): a programme and its quintiles, a programme
    /// and its ethnic groups, a quintile and each programme's part of it, an ethnic group
    /// and each programme's part of it. For laminar families the check is exact
    /// (`equity::differencing`).
    fn families(&self) -> Vec<differencing::Family> {
        let mut families: Vec<differencing::Family> = vec![Vec::new(); 4];
        for p in (0..self.programmes).map(Some).chain([None]) {
            for q in 0..QUINTILES {
                for e in (0..self.ethnicities).map(Some).chain([None]) {
                    let programme = p.map(|p| self.programme(p));
                    let pq = p.map(|p| self.programme_quintile(p, q));
                    let pe = p.zip(e).map(|(p, e)| self.programme_ethnic(p, e));
                    let ethnic = e.map(|e| self.ethnic(e));
                    families[0].push(programme.into_iter().chain(pq).collect());
                    families[1].push(programme.into_iter().chain(pe).collect());
                    families[2].push([self.quintile(q)].into_iter().chain(pq).collect());
                    families[3].push(ethnic.into_iter().chain(pe).collect());
                }
            }
        }
        families
    }
}

/// Computes the report.
pub fn compute(
    facts: &ServiceUseFacts,
    request: &Request,
    scope: String,
    now: DateTime<Utc>,
) -> ServiceUseReport {
    let groups = Groups {
        programmes: facts.programmes.len(),
        ethnicities: Ethnicity::ALL.len(),
    };
    let mut tallies = vec![Tally::default(); groups.len()];
    let mut atoms = vec![[0u64; 2]; groups.atoms()];
    for r in facts.referrals.iter().filter(|r| counted(r, request)) {
        let p = r
            .programme_id
            .and_then(|p| facts.programmes.iter().position(|(id, _)| *id == p));
        let q = quintile(r.imd_decile);
        let e = r
            .ethnicity
            .and_then(|e| Ethnicity::ALL.iter().position(|x| *x == e));
        for g in groups.of(p, q, e) {
            tallies[g].add(r);
        }
        for (i, atom) in atoms[groups.atom(p, q, e)].iter_mut().enumerate() {
            if r.before[i].is_some() && r.after[i].is_some() {
                *atom += 1;
            }
        }
    }
    let families = groups.families();
    let mut means: Vec<[bool; 2]> = tallies.iter().map(Tally::means_publishable).collect();
    for i in 0..Measure::ALL.len() {
        let sizes: Vec<u64> = atoms.iter().map(|a| a[i]).collect();
        let mut shown: Vec<bool> = means.iter().map(|m| m[i]).collect();
        differencing::withhold_differences(&sizes, &families, &mut shown);
        for (m, s) in means.iter_mut().zip(shown) {
            m[i] = s;
        }
    }

    // Unfiltered, the report shows everyone and the one-way groups; filtered to a
    // programme, that programme in their place and its own quintiles and ethnic groups.
    let filter = request
        .programme_id
        .map(|id| facts.programmes.iter().position(|(p, _)| *p == id));
    let empty = Tally::default();
    let row = |g: Option<usize>, code: String, label: String| match g {
        Some(g) => tallies[g].row(code, label, means[g]),
        None => empty.row(code, label, [false; 2]),
    };
    let pick = |unfiltered: usize, within: &dyn Fn(usize) -> usize| match filter {
        None => Some(unfiltered),
        Some(p) => p.map(within),
    };
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
            groups: vec![row(
                pick(Groups::EVERYONE, &|p| groups.programme(p)),
                "all".into(),
                "Everyone".into(),
            )],
        },
        Breakdown {
            code: "programme",
            label: "Programme",
            groups: facts
                .programmes
                .iter()
                .enumerate()
                .map(|(i, (id, name))| {
                    let g = groups.programme(i);
                    let shown = match filter {
                        None => Some(g),
                        Some(p) => (p == Some(i)).then_some(g),
                    };
                    row(shown, id.to_string(), name.clone())
                })
                .collect(),
        },
        Breakdown {
            code: "imd_quintile",
            label: "IMD 2019 quintile of the area lived in at referral",
            groups: (1..QUINTILES)
                .chain([0])
                .map(|q| {
                    row(
                        pick(groups.quintile(q), &|p| groups.programme_quintile(p, q)),
                        q.to_string(),
                        quintile_label(q),
                    )
                })
                .collect(),
        },
        Breakdown {
            code: "ethnic_group",
            label: "Ethnic group (ONS 2021)",
            groups: Ethnicity::ALL
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    row(
                        pick(groups.ethnic(i), &|p| groups.programme_ethnic(p, i)),
                        e.code().into(),
                        e.label().into(),
                    )
                })
                .collect(),
        },
    ];
    let programme = filter.flatten().map(|p| facts.programmes[p].1.clone());
    ServiceUseReport {
        period: request.period.code.clone(),
        from: request.period.from,
        to: request.period.to,
        as_of: request.today,
        scope,
        programme,
        generated_at: now,
        method: METHOD_NOTE,
        disclosure_control: DISCLOSURE_CONTROL,
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
        let period = parse_quarter(Some("2026-Q1"), "2026-11-30".parse().unwrap()).unwrap();
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
        // (received 15 January, it ends 15 July) count for nothing. (The published report
        // asks for the quarter's last window to be over: `parse_quarter`.)
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

    /// Only quarters whose last referral has its 6 months after over: on 30 November 2026
    /// that is 2026-Q1 (last day 31 March, over 30 September); 2026-Q2 is over on 30
    /// December. With none asked for, the latest such quarter.
    #[test]
    fn only_quarters_whose_windows_are_all_over() {
        let today: NaiveDate = "2026-11-30".parse().unwrap();
        assert_eq!(parse_quarter(None, today).unwrap().code, "2026-Q1");
        assert_eq!(
            parse_quarter(Some("2025-Q4"), today).unwrap().code,
            "2025-Q4"
        );
        assert_eq!(
            parse_quarter(Some("2026-Q2"), today),
            Err(PeriodError::NotAllOver {
                code: "2026-Q2".into(),
                on: "2026-12-30".parse().unwrap()
            })
        );
        for month_or_year in ["2026-01", "2025/26"] {
            assert_eq!(
                parse_quarter(Some(month_or_year), today),
                Err(PeriodError::NotAQuarter(month_or_year.into()))
            );
        }
        assert!(matches!(
            parse_quarter(Some("next week"), today),
            Err(PeriodError::NotPublished(_))
        ));
    }

    fn request(programme_id: Option<i64>) -> Request {
        let today = "2026-11-30".parse().unwrap();
        Request {
            period: parse_quarter(Some("2026-Q1"), today).unwrap(),
            team_id: None,
            programme_id,
            today,
        }
    }

    fn gp_change(report: &ServiceUseReport, breakdown: usize, group: usize) -> Option<f64> {
        report.breakdowns[breakdown].groups[group].measures[0]
            .mean_change
            .map(|c| c.value)
    }

    /// Nine pairs, eight in programme 1 and one in no programme: 9 × everyone's mean − 8 ×
    /// the programme's would be the ninth person's change. Everyone's mean stands; the
    /// programme's is withheld, in the unfiltered report and in the one filtered to it.
    /// With eight outside the programme instead, both stand.
    #[test]
    fn a_programme_one_pair_short_of_everyone_shows_no_mean() {
        let mut referrals: Vec<ReferralUse> = (0..9)
            .map(|k| ReferralUse {
                programme_id: (k < 8).then_some(1),
                ..referral(k, [Some(5), None], [Some(2), None])
            })
            .collect();
        let facts = ServiceUseFacts {
            programmes: vec![(1, "Befriending".into())],
            referrals: referrals.clone(),
        };
        let report = compute(&facts, &request(None), "all teams".into(), Utc::now());
        assert_eq!(gp_change(&report, 0, 0), Some(-3.0));
        assert_eq!(gp_change(&report, 1, 0), None, "programme withheld");
        let filtered = compute(&facts, &request(Some(1)), "all teams".into(), Utc::now());
        assert_eq!(filtered.programme.as_deref(), Some("Befriending"));
        assert_eq!(
            gp_change(&filtered, 0, 0),
            None,
            "the programme as everyone"
        );
        assert!(filtered.breakdowns[0].groups[0].measures[0]
            .pairs
            .value()
            .is_some());

        referrals.extend((9..16).map(|k| referral(k, [Some(5), None], [Some(2), None])));
        let facts = ServiceUseFacts {
            programmes: facts.programmes,
            referrals,
        };
        let report = compute(&facts, &request(None), "all teams".into(), Utc::now());
        assert_eq!(gp_change(&report, 0, 0), Some(-3.0));
        assert_eq!(gp_change(&report, 1, 0), Some(-3.0));
        let filtered = compute(&facts, &request(Some(1)), "all teams".into(), Utc::now());
        assert_eq!(gp_change(&filtered, 0, 0), Some(-3.0));
    }

    /// Filtered against unfiltered: programme 1 has 10 pairs in quintile 1; no programme
    /// has 10 in quintile 1 and 1 in quintile 2. Unfiltered, quintile 1 (20 pairs) and
    /// everyone (21) would leave the one in quintile 2 — withheld there already by the
    /// one-breakdown rule. The programme's report shows its quintile 1 (10); with
    /// unfiltered quintile 1 that leaves no programme's quintile 1 (10), safe. Then one
    /// referral of programme 1 moves to quintile 2: the programme's quintile 1 (9) against
    /// the programme (10) is one person, so one of them is withheld.
    #[test]
    fn a_programmes_own_groups_are_checked_against_the_whole() {
        let one = |k: u64, programme: Option<i64>, decile: u8| ReferralUse {
            programme_id: programme,
            imd_decile: Some(decile),
            ..referral(k, [Some(5), None], [Some(2), None])
        };
        let mut referrals: Vec<ReferralUse> = (0..10).map(|k| one(k, Some(1), 1)).collect();
        referrals.extend((10..20).map(|k| one(k, None, 2)));
        referrals.push(one(20, None, 3));
        let facts = ServiceUseFacts {
            programmes: vec![(1, "Befriending".into())],
            referrals,
        };
        let report = compute(&facts, &request(None), "all teams".into(), Utc::now());
        assert_eq!(gp_change(&report, 0, 0), Some(-3.0), "everyone");
        assert_eq!(gp_change(&report, 1, 0), Some(-3.0), "the programme");
        assert_eq!(
            gp_change(&report, 2, 0),
            None,
            "quintile 1 is everyone but one"
        );
        let filtered = compute(&facts, &request(Some(1)), "all teams".into(), Utc::now());
        assert_eq!(gp_change(&filtered, 0, 0), Some(-3.0));
        assert_eq!(gp_change(&filtered, 2, 0), Some(-3.0), "its quintile 1");

        let mut moved = facts.clone();
        moved.referrals[0].imd_decile = Some(3);
        let filtered = compute(&moved, &request(Some(1)), "all teams".into(), Utc::now());
        let everyone = gp_change(&filtered, 0, 0);
        let its_quintile_1 = gp_change(&filtered, 2, 0);
        assert!(
            everyone.is_none() || its_quintile_1.is_none(),
            "10 and 9 pairs of one programme differ by one person"
        );
    }
}
