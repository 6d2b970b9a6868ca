//! The report as shown: every count through the equity report's disclosure control
//! (`crate::equity::disclosure`: cell-key perturbation, rounding to 5, 0 to 7 hidden), and
//! every derived figure (shares, quartiles, changes) computed from those published counts.

use super::facts::ActivityFacts;
use super::tally::{ByProgramme, Monthly, Tally, SERIES_MONTHS, WAIT_BANDS};
use super::{PeriodKind, Request, Scope, WorkerNames};
use crate::equity::disclosure::{self, Shown};
use crate::equity::tally::Count;
use crate::referrals::{Barrier, CloseReason, ContactMode, Need, ReferrerKind};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PeriodShown {
    /// As asked for: `2026-10`, `2026-Q3` or `2026/27`.
    pub code: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Column {
    pub code: String,
    pub label: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Row {
    pub code: String,
    pub label: String,
    /// One per column.
    pub counts: Vec<Shown>,
}

/// One table of counts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Table {
    pub code: String,
    pub title: String,
    /// What is counted, and by which date a record falls in the period.
    pub definition: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

impl Table {
    pub fn row(&self, code: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.code == code)
    }
}

/// Waiting times to first contact: quartiles from the published banded distribution.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Waiting {
    /// Days, interpolated within the published bands; absent when fewer than 8 are
    /// published in all or the quartile falls in the open last band.
    pub lower_quartile_days: Option<f64>,
    pub median_days: Option<f64>,
    pub upper_quartile_days: Option<f64>,
}

/// Closures with both a baseline and a follow-up questionnaire.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutcomeCompletion {
    pub closed: Shown,
    pub with_baseline_and_follow_up: Shown,
    /// From the published counts; absent when either is hidden.
    pub percent: Option<f64>,
}

/// One figure in one month, beside the same month a year before.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthFigure {
    pub count: Shown,
    pub year_before: Shown,
    /// Published count minus the published count a year before; absent when either is hidden.
    pub change: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthRow {
    /// `YYYY-MM`.
    pub month: String,
    /// One per `monthly_columns`.
    pub figures: Vec<MonthFigure>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Definition {
    pub figure: String,
    pub definition: String,
}

/// The activity report: aggregate, disclosure-controlled counts only.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActivityReport {
    pub title: String,
    pub period: PeriodShown,
    /// "All teams" or the one team counted.
    pub scope: String,
    pub generated_at: DateTime<Utc>,
    pub data_as_of: DateTime<Utc>,
    /// The headline counts for the period.
    pub headlines: Vec<Row>,
    pub tables: Vec<Table>,
    pub waiting: Waiting,
    pub outcome_completion: OutcomeCompletion,
    pub monthly_columns: Vec<Column>,
    /// The twelve months ending with the period's last month, oldest first.
    pub monthly: Vec<MonthRow>,
    /// The programme the report is limited to, if any (docs/programmes.md); the breakdown
    /// by programme is the table `by_programme`.
    pub programme: Option<String>,
    pub definitions: Vec<Definition>,
    pub disclosure_control: String,
}

impl ActivityReport {
    pub fn table(&self, code: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.code == code)
    }
    pub fn headline(&self, code: &str) -> Option<Shown> {
        self.headlines
            .iter()
            .find(|r| r.code == code)
            .and_then(|r| r.counts.first().copied())
    }
}

fn column(code: &str, label: &str) -> Column {
    Column {
        code: code.into(),
        label: label.into(),
    }
}

fn row(code: &str, label: &str, counts: &[Count]) -> Row {
    Row {
        code: code.into(),
        label: label.into(),
        counts: counts.iter().map(|c| Shown::of(*c)).collect(),
    }
}

fn one_column_table(
    code: &str,
    title: &str,
    definition: &str,
    label: &str,
    rows: Vec<Row>,
) -> Table {
    Table {
        code: code.into(),
        title: title.into(),
        definition: definition.into(),
        columns: vec![column("count", label)],
        rows,
    }
}

/// A quantile of a grouped distribution, by linear interpolation within its band, from
/// published counts (hidden bands count as none). None in the open last band.
pub fn grouped_quantile(published: &[u64], p: f64) -> Option<f64> {
    let total: u64 = published.iter().sum();
    if !disclosure::may_show_statistic(total) {
        return None;
    }
    let target = p * total as f64;
    let mut below = 0u64;
    let mut lower = 0.0;
    for (i, &n) in published.iter().enumerate() {
        let upper = WAIT_BANDS[i].0;
        if n > 0 && (below + n) as f64 >= target {
            if upper == i32::MAX {
                return None;
            }
            let width = f64::from(upper + 1) - lower;
            return Some(lower + (target - below as f64) / n as f64 * width);
        }
        below += n;
        lower = f64::from(upper.saturating_add(1));
    }
    None
}

fn published(c: Count) -> u64 {
    disclosure::published(c).unwrap_or(0)
}

pub const DEFINITIONS: [(&str, &str); 13] = [
    ("Referrals", "Referrals received in the period (by the day received), by who referred, the practice the person was registered with when referred, the team (primary care network) holding the referral, and need. A referral with several needs is counted under each."),
    ("People supported", "Distinct people reached by at least one contact (a contact recorded as reaching the person) in the period, on any of their referrals."),
    ("Contacts by mode", "Contacts recorded in the period by how they happened, all attempts and those that reached the person: the digital-exclusion lens (who is seen face to face, by phone, video or at home)."),
    ("Caseload", "Referrals open (received, not yet declined, unable to contact or closed) on the period's last day, by the link worker holding them that day. Analysts see a pseudonymous label for each link worker, team leads their own team's names."),
    ("Waiting time to first contact", "For each referral first reached in the period, the days from receipt to the first contact that reached the person, in bands; quartiles are interpolated within the published bands."),
    ("Declined", "Referrals declined in the period (the day the referral became declined), by the coded barriers recorded against the referral; free-text notes are never published."),
    ("Unable to contact", "Referrals recorded as unable to contact in the period."),
    ("Connections", "Connections to community services sent in the period, and of those the ones the service accepted, declined (with the barrier recorded on the connection as the reason) and attended (a first session or completed), as recorded by the time the data was read."),
    ("Closures", "Referrals closed in the period, by the closing reason."),
    ("Goals met", "Referrals closed in the period with the reason 'goals met'."),
    ("Outcome completion", "Of the referrals closed in the period, those with a complete baseline and a complete follow-up of the same questionnaire (SWEMWBS, ONS4 or UCLA-3); the percentage is of the published counts."),
    ("Month by month", "The twelve months ending with the period's last month, each counted as its own published month, beside the same month a year before; the change is the difference of the two published counts."),
    ("By programme", "For each programme (and referrals belonging to none): referrals received, distinct people supported, referrals first reached, closed, and closed with goals met in the period, and connections sent in the period with those attended. Each cell is its own published count."),
];

pub fn build(
    facts: &ActivityFacts,
    t: &Tally,
    request: &Request,
    names: WorkerNames,
    now: DateTime<Utc>,
) -> ActivityReport {
    let period = &request.period;
    let team = match request.scope {
        Scope::All => None,
        Scope::Team(i) => Some(i),
    };
    let mut scope = match team {
        None => "All teams".to_string(),
        Some(i) => facts
            .teams
            .get(usize::from(i))
            .map_or_else(|| "One team".into(), |t| t.name.clone()),
    };
    if let Some(p) = request
        .programme
        .and_then(|p| facts.programmes.get(usize::from(p)))
    {
        scope = format!("{scope}, programme {}", p.name);
    }
    let goals_met = CloseReason::ALL
        .iter()
        .position(|r| *r == CloseReason::GoalsMet)
        .unwrap_or(0);
    let sum = |counts: &[Count]| {
        let mut total = Count::default();
        for c in counts {
            total.merge(c);
        }
        total
    };
    let closed = sum(&t.closures);
    let headlines = vec![
        row("referrals", "Referrals received", &[t.referrals]),
        row(
            "people_supported",
            "People supported",
            &[t.people_supported],
        ),
        row("contacts", "Contacts (all attempts)", &[sum(&t.contacts)]),
        row("connections_sent", "Connections sent", &[t.connections[0]]),
        row("declined", "Declined", &[t.declined]),
        row(
            "unable_to_contact",
            "Unable to contact",
            &[t.unable_to_contact],
        ),
        row("closed", "Closed", &[closed]),
        row(
            "goals_met",
            "Closed with goals met",
            &[t.closures[goals_met]],
        ),
    ];

    let mut tables = Vec::new();
    tables.push(one_column_table(
        "referrals_by_referrer_kind",
        "Referrals by who referred",
        DEFINITIONS[0].1,
        "Referrals",
        ReferrerKind::ALL
            .iter()
            .zip(&t.by_kind)
            .map(|(k, c)| row(k.code(), k.label(), &[*c]))
            .collect(),
    ));
    let mut practices: Vec<Row> = facts
        .practices
        .iter()
        .zip(&t.by_practice)
        .map(|(p, c)| row(&p.code, &format!("{} ({})", p.name, p.code), &[*c]))
        .collect();
    practices.push(row(
        "unknown",
        "Not registered or not known",
        &[*t.by_practice.last().unwrap_or(&Count::default())],
    ));
    tables.push(one_column_table(
        "referrals_by_practice",
        "Referrals by GP practice",
        DEFINITIONS[0].1,
        "Referrals",
        practices,
    ));
    let mut teams: Vec<Row> = facts
        .teams
        .iter()
        .enumerate()
        .filter(|(i, _)| team.is_none_or(|want| usize::from(want) == *i))
        .map(|(i, tm)| row(&tm.code, &tm.name, &[t.by_team[i]]))
        .collect();
    if team.is_none() {
        teams.push(row(
            "none",
            "No team",
            &[*t.by_team.last().unwrap_or(&Count::default())],
        ));
    }
    tables.push(one_column_table(
        "referrals_by_team",
        "Referrals by team (primary care network)",
        DEFINITIONS[0].1,
        "Referrals",
        teams,
    ));
    let mut programmes: Vec<Row> = facts
        .programmes
        .iter()
        .enumerate()
        .filter(|(i, _)| request.programme.is_none_or(|want| usize::from(want) == *i))
        .map(|(i, p)| row(&p.code, &p.name, &t.by_programme[i]))
        .collect();
    if request.programme.is_none() {
        programmes.push(row(
            "none",
            "No programme",
            t.by_programme.last().map_or(&[][..], |c| &c[..]),
        ));
    }
    tables.push(Table {
        code: "by_programme".into(),
        title: "By programme".into(),
        definition: DEFINITIONS[12].1.into(),
        columns: ByProgramme::ALL
            .iter()
            .map(|f| column(f.code(), f.label()))
            .collect(),
        rows: programmes,
    });
    let mut needs: Vec<Row> = Need::ALL
        .iter()
        .zip(&t.by_need)
        .map(|(n, c)| row(n.code(), n.label(), &[*c]))
        .collect();
    needs.push(row(
        "none",
        "No need recorded",
        &[t.by_need[Need::ALL.len()]],
    ));
    tables.push(one_column_table(
        "referrals_by_need",
        "Referrals by need",
        DEFINITIONS[0].1,
        "Referrals",
        needs,
    ));
    tables.push(Table {
        code: "contacts_by_mode".into(),
        title: "Contacts by mode".into(),
        definition: DEFINITIONS[2].1.into(),
        columns: vec![
            column("contacts", "All contacts"),
            column("reached", "Reached the person"),
        ],
        rows: ContactMode::ALL
            .iter()
            .enumerate()
            .map(|(i, m)| row(m.code(), m.label(), &[t.contacts[i], t.reached[i]]))
            .collect(),
    });
    let mut caseload: Vec<Row> = facts
        .workers
        .iter()
        .enumerate()
        .filter(|(_, w)| team.is_none_or(|want| w.team == want))
        .map(|(i, w)| {
            let label = match names {
                WorkerNames::Shown => w.name.clone(),
                WorkerNames::Pseudonymous => w.pseudonym.clone(),
            };
            row(&w.pseudonym, &label, &[t.caseload[i]])
        })
        .collect();
    caseload.push(row(
        "unassigned",
        "Not assigned",
        &[*t.caseload.last().unwrap_or(&Count::default())],
    ));
    tables.push(one_column_table(
        "caseload_by_link_worker",
        &format!("Caseload on {}", period.to),
        DEFINITIONS[3].1,
        "Open referrals",
        caseload,
    ));
    tables.push(one_column_table(
        "waiting_to_first_contact",
        "Waiting time to first contact",
        DEFINITIONS[4].1,
        "Referrals first reached",
        WAIT_BANDS
            .iter()
            .enumerate()
            .map(|(i, (upto, label))| {
                let code = if *upto == i32::MAX {
                    "92_or_more".to_string()
                } else {
                    format!("up_to_{upto}")
                };
                row(&code, label, &[t.waits[i]])
            })
            .collect(),
    ));
    let reasons = |counts: &[Count]| -> Vec<Row> {
        let mut rows: Vec<Row> = Barrier::ALL
            .iter()
            .zip(counts)
            .map(|(b, c)| row(b.code(), b.label(), &[*c]))
            .collect();
        rows.push(row(
            "none",
            "No reason recorded",
            &[counts[Barrier::ALL.len()]],
        ));
        rows
    };
    let mut declines = vec![row("all", "All declined", &[t.declined])];
    declines.extend(reasons(&t.decline_reasons));
    tables.push(one_column_table(
        "declines_by_reason",
        "Declined, by reason",
        DEFINITIONS[5].1,
        "Referrals",
        declines,
    ));
    tables.push(one_column_table(
        "unable_to_contact",
        "Unable to contact",
        DEFINITIONS[6].1,
        "Referrals",
        vec![row("all", "Unable to contact", &[t.unable_to_contact])],
    ));
    let connection_columns = || {
        vec![
            column("sent", "Sent"),
            column("accepted", "Accepted"),
            column("declined", "Declined"),
            column("attended", "Attended"),
        ]
    };
    // Rows for every service or organisation that has ever been sent a connection in scope
    // (not only in this period), so a row's presence says nothing about the period.
    let ever = used_services(facts, team, request.programme);
    let mut organisations_used = vec![false; facts.organisations.len()];
    for (s, used) in ever.iter().enumerate() {
        if *used {
            organisations_used[facts.services[s].organisation as usize] = true;
        }
    }
    let mut services = vec![row("all", "All services", &t.connections)];
    services.extend(
        facts
            .services
            .iter()
            .enumerate()
            .filter(|(s, _)| ever[*s])
            .map(|(s, svc)| row(&s.to_string(), &svc.name, &t.by_service[s])),
    );
    tables.push(Table {
        code: "connections_by_service".into(),
        title: "Connections by service".into(),
        definition: DEFINITIONS[7].1.into(),
        columns: connection_columns(),
        rows: services,
    });
    tables.push(Table {
        code: "connections_by_organisation".into(),
        title: "Connections by organisation".into(),
        definition: DEFINITIONS[7].1.into(),
        columns: connection_columns(),
        rows: facts
            .organisations
            .iter()
            .enumerate()
            .filter(|(o, _)| organisations_used[*o])
            .map(|(o, name)| row(&o.to_string(), name, &t.by_organisation[o]))
            .collect(),
    });
    tables.push(one_column_table(
        "connection_declines_by_reason",
        "Connections declined by the service, by reason",
        DEFINITIONS[7].1,
        "Connections",
        reasons(&t.connection_decline_reasons),
    ));
    let mut closures = vec![row("all", "All closed", &[closed])];
    closures.extend(
        CloseReason::ALL
            .iter()
            .zip(&t.closures)
            // Entered in error is no closure of care, and never counted (store::COUNTED_REFERRAL).
            .filter(|(r, _)| **r != CloseReason::EnteredInError)
            .map(|(r, c)| row(r.code(), r.label(), &[*c])),
    );
    tables.push(one_column_table(
        "closures_by_reason",
        "Closures by reason",
        DEFINITIONS[8].1,
        "Referrals",
        closures,
    ));

    let bands: Vec<u64> = t.waits.iter().map(|c| published(*c)).collect();
    let waiting = Waiting {
        lower_quartile_days: grouped_quantile(&bands, 0.25),
        median_days: grouped_quantile(&bands, 0.5),
        upper_quartile_days: grouped_quantile(&bands, 0.75),
    };
    let (closed_shown, pairs_shown) = (Shown::of(closed), Shown::of(t.outcome_pairs));
    let outcome_completion = OutcomeCompletion {
        closed: closed_shown,
        with_baseline_and_follow_up: pairs_shown,
        percent: match (closed_shown.value(), pairs_shown.value()) {
            (Some(n), Some(k)) if n > 0 => {
                Some((k.min(n) as f64 / n as f64 * 1000.0).round() / 10.0)
            }
            _ => None,
        },
    };

    let series_start = period.last_month - SERIES_MONTHS as i32 + 1;
    let monthly = (12..SERIES_MONTHS)
        .map(|m| MonthRow {
            month: super::facts::month_start(series_start + m as i32)
                .format("%Y-%m")
                .to_string(),
            figures: Monthly::ALL
                .iter()
                .map(|f| {
                    let (now, before) = (
                        Shown::of(t.monthly[m][*f as usize]),
                        Shown::of(t.monthly[m - 12][*f as usize]),
                    );
                    MonthFigure {
                        count: now,
                        year_before: before,
                        change: match (now.value(), before.value()) {
                            (Some(a), Some(b)) => Some(a as i64 - b as i64),
                            _ => None,
                        },
                    }
                })
                .collect(),
        })
        .collect();
    let kind = match period.kind {
        PeriodKind::Month => "month",
        PeriodKind::Quarter => "quarter",
        PeriodKind::FinancialYear => "financial year",
    };
    ActivityReport {
        title: format!("Activity report, {kind} {}", period.code),
        period: PeriodShown {
            code: period.code.clone(),
            from: period.from,
            to: period.to,
        },
        scope,
        generated_at: now,
        data_as_of: facts.loaded_at,
        headlines,
        tables,
        waiting,
        outcome_completion,
        monthly_columns: Monthly::ALL
            .iter()
            .map(|f| column(f.code(), f.label()))
            .collect(),
        monthly,
        programme: request
            .programme
            .and_then(|p| facts.programmes.get(usize::from(p)))
            .map(|p| p.name.clone()),
        definitions: DEFINITIONS
            .iter()
            .map(|(f, d)| Definition {
                figure: f.to_string(),
                definition: d.to_string(),
            })
            .collect(),
        disclosure_control: disclosure::RULE.to_string(),
    }
}

/// Services sent a connection at any time on a referral in scope.
fn used_services(facts: &ActivityFacts, team: Option<u16>, programme: Option<u16>) -> Vec<bool> {
    let mut used = vec![false; facts.services.len()];
    for k in &facts.connections {
        let r = &facts.referrals[k.referral as usize];
        if team.is_none_or(|t| t == r.team) && programme.is_none_or(|p| p == r.programme) {
            used[k.service as usize] = true;
        }
    }
    used
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Worked by hand: bands 0-7, 8-14, 15-28, 29-56, 57-91, 92+ holding 10, 20, 10, 0, 0, 0
    /// (40 in all). The median (20th) is in 8-14: 8 + (20 - 10) / 20 × 7 = 11.5; the lower
    /// quartile (10th) closes 0-7: 0 + 10 / 10 × 8 = 8; the upper (30th) is in 8-14 at its
    /// end: 8 + 20 / 20 × 7 = 15.
    #[test]
    fn quartiles_come_from_the_published_bands() {
        let bands = [10, 20, 10, 0, 0, 0];
        assert_eq!(grouped_quantile(&bands, 0.5), Some(11.5));
        assert_eq!(grouped_quantile(&bands, 0.25), Some(8.0));
        assert_eq!(grouped_quantile(&bands, 0.75), Some(15.0));
        assert_eq!(
            grouped_quantile(&[0, 0, 0, 0, 0, 10], 0.5),
            None,
            "open band"
        );
        assert_eq!(grouped_quantile(&[5, 0, 0, 0, 0, 0], 0.5), None, "too few");
    }
}
