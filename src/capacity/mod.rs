//! Community capacity and unmet need (issue 17, item 2): "what the community is missing"
//! for commissioners and the VCSE alliance (docs/capacity-report.md).
//!
//! Plain data in, figures out: the use case gathers the referrals open in the period,
//! the connections sent in it and the directory; `compute` works out the figures and passes
//! every count about people through the equity report's disclosure control
//! (`crate::equity::disclosure`: cell-key perturbation, rounding to 5, 0 to 7 hidden).
//! Listings and organisations are not personal data and are named.

pub mod api;
pub mod render;

use crate::directory::catalogue::Entry;
use crate::directory::matching::Circumstances;
use crate::directory::search::SearchIndex;
use crate::equity::disclosure::{Shown, RULE};
use crate::equity::report::ReportPeriod;
use crate::equity::tally::Count;
use crate::equity::Period;
use crate::referrals::{Barrier, Need};
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A listing counts as not checked once its last check is more than this long ago.
pub const UNCHECKED_AFTER_MONTHS: u32 = 12;

/// A referral open at some time in the period, as matching needs it. Nothing identifying:
/// the record key decides the noise of every count it is in.
#[derive(Debug, Clone)]
pub struct OpenReferral {
    /// The referral's secret record key (`store::equity::record_key`).
    pub key: u64,
    pub needs: Vec<Need>,
    /// Barriers recorded by the period's end.
    pub barriers: Vec<Barrier>,
    pub date_of_birth: Option<NaiveDate>,
    /// Home, from the person's postcode.
    pub home: Option<(f64, f64)>,
    /// IMD decile recorded when the referral was received.
    pub imd_decile: Option<u8>,
}

/// A referral as the store reads it, before its postcode is placed.
#[derive(Debug, Clone)]
pub struct OpenReferralRecord {
    pub key: u64,
    pub needs: Vec<Need>,
    pub barriers: Vec<Barrier>,
    pub date_of_birth: Option<NaiveDate>,
    pub postcode: String,
    pub imd_decile: Option<u8>,
}

/// A connection sent in the period, with how far it got.
#[derive(Debug, Clone)]
pub struct SentConnection {
    /// The referral's record key.
    pub key: u64,
    pub service_id: i64,
    pub organisation: String,
    pub sent_at: DateTime<Utc>,
    pub accepted: bool,
    pub attended: bool,
    /// Declined by the service, for any reason.
    pub declined: bool,
    pub declined_for_capacity: bool,
}

/// Needs with no service within reach, for one group (a need, an area, or everyone).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnmetRow {
    /// The need's code, or the area (`IMD quintile 1 (most deprived)` ... , `unknown`).
    pub group: String,
    pub label: String,
    /// Needs recorded on referrals open in the period.
    pub needs: Shown,
    /// Of those, needs for which matching finds no service at all within reach.
    pub no_service_in_reach: Shown,
    /// Needs whose only services within reach are full.
    pub only_full_services: Shown,
    /// Both together: needs the community could not meet.
    pub unmet: Shown,
}

/// A service whose listing says it has no places free.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FullService {
    pub service: String,
    pub organisation: String,
    /// Places free and the most it takes, as the listing says now.
    pub places_available: Option<f64>,
    pub places_maximum: Option<f64>,
    /// When the listing's capacity was last updated, if it says.
    pub capacity_updated: Option<String>,
    /// Connections sent to it in the period, month by month (`YYYY-MM`).
    pub sent_by_month: Vec<MonthCount>,
    pub sent: Shown,
    pub declined_for_capacity: Shown,
    /// Needs open in the period for which this is a full service within reach and nothing
    /// in reach has a place.
    pub unmet_needs_blocked: Shown,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthCount {
    pub month: String,
    pub count: Shown,
}

/// Connections declined because the service was full, by organisation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeclineRow {
    pub organisation: String,
    pub sent: Shown,
    pub declined: Shown,
    pub declined_for_capacity: Shown,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UncheckedListing {
    pub service: String,
    pub organisation: String,
    /// The last day the listing was checked (`assured_date`, or the day it was last
    /// modified when it has none); none when it never says.
    pub last_checked: Option<NaiveDate>,
}

/// One month of one organisation's demand: connections sent that month, and how many of
/// them were accepted and attended (by the report's day).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DemandMonth {
    pub month: String,
    pub sent: Shown,
    pub accepted: Shown,
    pub attended: Shown,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrganisationDemand {
    pub organisation: String,
    pub months: Vec<DemandMonth>,
    pub total: DemandMonth,
}

/// "What the community is missing": every count about people disclosure-controlled.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CapacityReport {
    pub period: ReportPeriod,
    /// The programme the report is limited to, if any (docs/programmes.md): its referrals'
    /// needs and connections. Services, listings and places are everyone's.
    pub programme: Option<String>,
    pub generated_at: DateTime<Utc>,
    pub unmet_by_need: Vec<UnmetRow>,
    pub unmet_by_area: Vec<UnmetRow>,
    pub unmet_total: UnmetRow,
    pub services_full: Vec<FullService>,
    pub declined_for_capacity: Vec<DeclineRow>,
    pub declined_for_capacity_total: DeclineRow,
    pub listings_not_checked: Vec<UncheckedListing>,
    /// Organisations with more than 7 connections sent in the period, by name; the rest
    /// together as "other organisations".
    pub organisations: Vec<OrganisationDemand>,
    /// How each figure is defined.
    pub definitions: Vec<String>,
    pub disclosure_control: String,
}

/// Everything the report is computed from.
pub struct Inputs<'a> {
    pub period: Period,
    pub today: NaiveDate,
    pub index: &'a SearchIndex,
    pub entries: &'a [Entry],
    pub referrals: &'a [OpenReferral],
    pub connections: &'a [SentConnection],
}

/// Exact counts of needs for one group.
#[derive(Default, Clone, Copy)]
struct Unmet {
    needs: Count,
    none: Count,
    only_full: Count,
    unmet: Count,
}

impl Unmet {
    fn row(&self, group: String, label: String) -> UnmetRow {
        UnmetRow {
            group,
            label,
            needs: Shown::of(self.needs),
            no_service_in_reach: Shown::of(self.none),
            only_full_services: Shown::of(self.only_full),
            unmet: Shown::of(self.unmet),
        }
    }
}

#[derive(Default, Clone, Copy)]
struct Demand {
    sent: Count,
    accepted: Count,
    attended: Count,
    declined: Count,
    declined_for_capacity: Count,
}

impl Demand {
    fn add(&mut self, c: &SentConnection, declined: bool) {
        self.sent.add(c.key);
        if c.accepted {
            self.accepted.add(c.key);
        }
        if c.attended {
            self.attended.add(c.key);
        }
        if declined {
            self.declined.add(c.key);
        }
        if c.declined_for_capacity {
            self.declined_for_capacity.add(c.key);
        }
    }
    fn merge(&mut self, o: &Demand) {
        self.sent.merge(&o.sent);
        self.accepted.merge(&o.accepted);
        self.attended.merge(&o.attended);
        self.declined.merge(&o.declined);
        self.declined_for_capacity.merge(&o.declined_for_capacity);
    }
    fn month(&self, month: String) -> DemandMonth {
        DemandMonth {
            month,
            sent: Shown::of(self.sent),
            accepted: Shown::of(self.accepted),
            attended: Shown::of(self.attended),
        }
    }
}

fn quintile_label(q: Option<u8>) -> (String, String) {
    match q {
        Some(1) => ("imd-q1".into(), "IMD quintile 1 (most deprived)".into()),
        Some(5) => ("imd-q5".into(), "IMD quintile 5 (least deprived)".into()),
        Some(q) => (format!("imd-q{q}"), format!("IMD quintile {q}")),
        None => ("unknown".into(), "Area not known".into()),
    }
}

/// The months of the period, as `YYYY-MM`.
fn months_of(period: &Period) -> Vec<String> {
    let mut months = Vec::new();
    let mut m = period.from.with_day(1).unwrap_or(period.from);
    while m <= period.to {
        months.push(m.format("%Y-%m").to_string());
        match m.checked_add_months(Months::new(1)) {
            Some(next) => m = next,
            None => break,
        }
    }
    months
}

/// The day a listing was last checked: its `assured_date`, else the day it was last
/// modified.
pub fn last_checked(entry: &Entry) -> Option<NaiveDate> {
    let s = &entry.service;
    s.assured_date
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .or_else(|| {
            s.last_modified
                .as_deref()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.date_naive())
        })
}

fn organisation_of(entry: &Entry) -> String {
    entry
        .service
        .organization
        .as_ref()
        .map(|o| o.name.clone())
        .unwrap_or_default()
}

fn is_active(entry: &Entry) -> bool {
    entry.service.status == crate::directory::hsds::ServiceStatus::Active
}

/// Computes the report. Needs are matched as on the period's last day (the person's age
/// then, barriers recorded by then) against the directory as it is now.
pub fn compute(inputs: &Inputs) -> CapacityReport {
    let Inputs {
        period,
        today,
        index,
        entries,
        referrals,
        connections,
    } = inputs;
    // (a) Unmet need: matching run for every need of every open referral.
    let mut by_need: BTreeMap<usize, Unmet> = BTreeMap::new();
    let mut by_area: BTreeMap<Option<u8>, Unmet> = BTreeMap::new();
    let mut total = Unmet::default();
    let mut blocked: BTreeMap<usize, Count> = BTreeMap::new();
    for r in referrals.iter() {
        let person = Circumstances {
            needs: r.needs.clone(),
            barriers: r.barriers.clone(),
            age: r
                .date_of_birth
                .and_then(|b| period.to.years_since(b))
                .map(f64::from),
            home: r.home,
            today: Some(period.to),
            communication: Default::default(),
        };
        let quintile = r.imd_decile.map(|d| d.div_ceil(2));
        for reach in index.reach(&person) {
            let need = Need::ALL.iter().position(|n| *n == reach.need).unwrap_or(0);
            for cell in [
                by_need.entry(need).or_default(),
                by_area.entry(quintile).or_default(),
                &mut total,
            ] {
                cell.needs.add(r.key);
                if reach.in_reach == 0 {
                    cell.none.add(r.key);
                } else if reach.unmet() {
                    cell.only_full.add(r.key);
                }
                if reach.unmet() {
                    cell.unmet.add(r.key);
                }
            }
            if reach.in_reach > 0 && reach.unmet() {
                for &entry in &reach.full {
                    blocked.entry(entry).or_default().add(r.key);
                }
            }
        }
    }
    let unmet_by_need = Need::ALL
        .iter()
        .enumerate()
        .map(|(i, need)| {
            by_need
                .get(&i)
                .copied()
                .unwrap_or_default()
                .row(need.code().into(), need.label().into())
        })
        .collect();
    let unmet_by_area = [Some(1), Some(2), Some(3), Some(4), Some(5), None]
        .into_iter()
        .map(|q| {
            let (group, label) = quintile_label(q);
            by_area
                .get(&q)
                .copied()
                .unwrap_or_default()
                .row(group, label)
        })
        .collect();

    // Connections sent in the period, by service, organisation and month.
    let months = months_of(period);
    let in_period: Vec<&SentConnection> = connections
        .iter()
        .filter(|c| (period.from..=period.to).contains(&c.sent_at.date_naive()))
        .collect();
    let mut by_service: BTreeMap<i64, (Demand, BTreeMap<String, Count>)> = BTreeMap::new();
    let mut by_org: BTreeMap<&str, (Demand, BTreeMap<String, Demand>)> = BTreeMap::new();
    let mut all = Demand::default();
    for c in &in_period {
        let month = c.sent_at.format("%Y-%m").to_string();
        let declined = c.declined;
        let service = by_service.entry(c.service_id).or_default();
        service.0.add(c, declined);
        service.1.entry(month.clone()).or_default().add(c.key);
        let org = by_org.entry(c.organisation.as_str()).or_default();
        org.0.add(c, declined);
        org.1.entry(month).or_default().add(c, declined);
        all.add(c, declined);
    }

    // (b) Services full now, with what was sent to them.
    let services_full = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| is_active(e))
        .filter_map(|(i, e)| {
            let capacity = e.service.service_capacity.first()?;
            if capacity.available.is_none_or(|a| a > 0.0) {
                return None;
            }
            let (demand, monthly) = by_service.get(&e.id).cloned().unwrap_or_default();
            Some(FullService {
                service: e.service.name.clone(),
                organisation: organisation_of(e),
                places_available: capacity.available,
                places_maximum: capacity.maximum,
                capacity_updated: capacity.updated.clone(),
                sent_by_month: months
                    .iter()
                    .map(|m| MonthCount {
                        month: m.clone(),
                        count: Shown::of(monthly.get(m).copied().unwrap_or_default()),
                    })
                    .collect(),
                sent: Shown::of(demand.sent),
                declined_for_capacity: Shown::of(demand.declined_for_capacity),
                unmet_needs_blocked: Shown::of(blocked.get(&i).copied().unwrap_or_default()),
            })
        })
        .collect();

    // (c) and (e): organisations named once more than 7 connections went to them.
    let mut other = (Demand::default(), BTreeMap::<String, Demand>::new());
    let mut declined_for_capacity = Vec::new();
    let mut organisations = Vec::new();
    for (name, (demand, monthly)) in &by_org {
        if demand.sent.n <= crate::equity::disclosure::LARGEST_HIDDEN {
            other.0.merge(demand);
            for (m, d) in monthly {
                other.1.entry(m.clone()).or_default().merge(d);
            }
            continue;
        }
        declined_for_capacity.push(decline_row(name.to_string(), demand));
        organisations.push(organisation_demand(
            name.to_string(),
            demand,
            monthly,
            &months,
        ));
    }
    if other.0.sent.n > 0 {
        declined_for_capacity.push(decline_row("Other organisations".into(), &other.0));
        organisations.push(organisation_demand(
            "Other organisations".into(),
            &other.0,
            &other.1,
            &months,
        ));
    }

    // (d) Listings not checked for a year, by today.
    let limit = today
        .checked_sub_months(Months::new(UNCHECKED_AFTER_MONTHS))
        .unwrap_or(*today);
    let listings_not_checked = entries
        .iter()
        .filter(|e| is_active(e))
        .filter_map(|e| {
            let checked = last_checked(e);
            checked.is_none_or(|d| d < limit).then(|| UncheckedListing {
                service: e.service.name.clone(),
                organisation: organisation_of(e),
                last_checked: checked,
            })
        })
        .collect();

    CapacityReport {
        period: ReportPeriod {
            from: period.from,
            to: period.to,
        },
        programme: None,
        generated_at: Utc::now(),
        unmet_by_need,
        unmet_by_area,
        unmet_total: total.row("all".into(), "All needs".into()),
        services_full,
        declined_for_capacity,
        declined_for_capacity_total: decline_row("All organisations".into(), &all),
        listings_not_checked,
        organisations,
        definitions: DEFINITIONS.iter().map(|d| d.to_string()).collect(),
        disclosure_control: format!(
            "{RULE} Counts of needs and of connections are perturbed with the same record keys as \
referrals. Organisations are named only when more than 7 connections went to them in the period; \
the rest are shown together."
        ),
    }
}

fn decline_row(organisation: String, d: &Demand) -> DeclineRow {
    DeclineRow {
        organisation,
        sent: Shown::of(d.sent),
        declined: Shown::of(d.declined),
        declined_for_capacity: Shown::of(d.declined_for_capacity),
    }
}

fn organisation_demand(
    organisation: String,
    total: &Demand,
    monthly: &BTreeMap<String, Demand>,
    months: &[String],
) -> OrganisationDemand {
    OrganisationDemand {
        organisation,
        months: months
            .iter()
            .map(|m| monthly.get(m).copied().unwrap_or_default().month(m.clone()))
            .collect(),
        total: total.month("total".into()),
    }
}

/// What each figure means, stated in the report (docs/capacity-report.md says why).
pub const DEFINITIONS: [&str; 6] = [
    "Unmet need: for every referral open at some time in the period (received by its last day, \
not closed, declined or found unable to contact before its first), each recorded need is matched \
as the link worker's matching does it, with the person's barriers recorded by the period's end, \
their age on that day and their home postcode, against the directory as it is now. A need is \
unmet when no service is within reach, or when every service within reach lists no places free.",
    "Within reach: a service for the need that is active, takes people of that age, and can be \
reached: in person within 15 km of home (2 km with a transport barrier), or by phone, or online \
unless the person has no device, connection or digital skills.",
    "Services full: active listings whose capacity says no places are free now (the directory keeps \
no history of places), with the connections sent to them in each month of the period.",
    "Declined for capacity: connections sent in the period that the service declined with the \
coded reason no_capacity (reasons are coded from migration 0028; earlier declines have none).",
    "Listings not checked: active listings whose last check (assured date, else last modified) is \
more than 12 months before today, or that give none.",
    "Demand by organisation: connections sent in each month, and of those, how many the service \
accepted and how many the person attended (a first session or completion) by the report's day.",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_of_a_quarter() {
        let p = Period {
            from: "2026-07-01".parse().unwrap(),
            to: "2026-09-30".parse().unwrap(),
        };
        assert_eq!(months_of(&p), ["2026-07", "2026-08", "2026-09"]);
    }
}
