//! The cost report as shown: each programme's costs for a published period beside its
//! people supported, people connected and goals met, every count through the equity
//! report's disclosure control, and each unit cost computed only from a published count
//! (docs/cost-report.md).

use super::literature::{reference_figure, LiteratureFigure};
use super::tally::{tally, Denominators};
use super::{pounds_text, MonthCost};
use crate::activity::facts::ActivityFacts;
use crate::activity::report::{Definition, PeriodShown};
use crate::activity::ReportPeriod;
use crate::equity::disclosure::{self, Shown};
use crate::equity::tally::Count;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// A period's costs under the three headings, in whole pence (not disclosure-controlled:
/// they describe a programme, not people).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Costs {
    pub staff_pence: i64,
    pub grants_pence: i64,
    pub other_pence: i64,
    pub total_pence: i64,
}

/// A cost per person (or per goal met), or why it is not shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct UnitCost {
    /// Total cost ÷ the published denominator, to the nearest penny; absent when withheld.
    pub pence: Option<i64>,
    /// As people read it: "£750" or "Not shown".
    pub text: String,
    /// Why it is not shown, when it is not.
    pub withheld_because: Option<String>,
    /// The same, as a code: `count_hidden` or `costs_missing`.
    pub withheld: Option<Withheld>,
}

/// Why a unit cost is not shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Withheld {
    /// The count it would divide by is hidden (a true count of 0 to 7).
    CountHidden,
    /// A month of the period has no costs recorded.
    CostsMissing,
}

impl Withheld {
    /// A few words for a table cell; the full reason is under the table.
    pub fn short(self) -> &'static str {
        match self {
            Withheld::CountHidden => "Not shown: count hidden",
            Withheld::CostsMissing => "Not shown: costs missing for a month",
        }
    }
}

/// One programme's row (or all programmes').
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CostRow {
    /// The programme's id; absent for all programmes together.
    pub programme_id: Option<i64>,
    pub programme: String,
    pub costs: Costs,
    pub months_in_period: u32,
    /// Months of the period with costs recorded (for all programmes: months every
    /// programme has recorded).
    pub months_recorded: u32,
    pub people_supported: Shown,
    pub people_connected: Shown,
    pub goals_met: Shown,
    pub per_person_supported: UnitCost,
    pub per_person_connected: UnitCost,
    pub per_goal_met: UnitCost,
}

/// The cost report: aggregate, disclosure-controlled counts and costs only.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CostReport {
    pub title: String,
    pub period: PeriodShown,
    /// The programme the report is limited to, if any.
    pub programme: Option<String>,
    pub generated_at: DateTime<Utc>,
    pub data_as_of: DateTime<Utc>,
    /// One row per programme (only the one asked for, when limited to one).
    pub rows: Vec<CostRow>,
    /// All programmes together; absent when the report is limited to one programme.
    pub all_programmes: Option<CostRow>,
    /// A figure from the literature, with its source and why it is not comparable.
    pub literature: LiteratureFigure,
    pub definitions: Vec<Definition>,
    pub disclosure_control: String,
}

impl CostReport {
    pub fn row(&self, programme_id: i64) -> Option<&CostRow> {
        self.rows
            .iter()
            .find(|r| r.programme_id == Some(programme_id))
    }
}

pub const DEFINITIONS: [(&str, &str); 6] = [
    ("Costs", "What administrators recorded for each calendar month of the period, under three headings: staff, grants (paid on to community groups) and other costs. A period's costs are the sum of its months; where a month's figures were changed, the latest are used."),
    ("People supported", "Distinct people reached by at least one contact in the period on a referral belonging to the programme: the activity report's definition. A person supported by two programmes counts once in each and once for all programmes."),
    ("People connected", "Distinct people with at least one connection sent in the period on a referral belonging to the programme that the service accepted (accepted, in progress, attended or completed): the activity report's \"accepted\", which includes every connection attended."),
    ("Goals met", "Referrals belonging to the programme closed in the period with the reason \"goals met\": the activity report's definition."),
    ("Unit costs", "The period's total cost divided by the published (perturbed and rounded) count, to the nearest penny. Not shown when the count is hidden (a true count of 0 to 7), or when costs are missing for a month of the period (the total would understate the cost)."),
    ("All programmes", "Every programme's costs added together, against the referrals that belong to a programme (referrals belonging to none are counted nowhere: no programme's costs paid for them). Unit costs for all programmes need every programme's costs for every month of the period."),
];

fn unit_cost(costs: &Costs, complete: bool, months: (u32, u32), count: Shown) -> UnitCost {
    let withheld = |code: Withheld, why: String| UnitCost {
        pence: None,
        text: "Not shown".into(),
        withheld_because: Some(why),
        withheld: Some(code),
    };
    if !complete {
        return withheld(Withheld::CostsMissing, format!(
            "costs are recorded for {} of the period's {} months, so the total would understate the cost",
            months.1, months.0
        ));
    }
    match count.value() {
        Some(n) if n > 0 => {
            let n = i128::from(n);
            let total = i128::from(costs.total_pence);
            // Nearest penny, halves up.
            let pence = ((2 * total + n) / (2 * n)) as i64;
            UnitCost {
                pence: Some(pence),
                text: pounds_text(pence),
                withheld_because: None,
                withheld: None,
            }
        }
        _ => withheld(
            Withheld::CountHidden,
            "the count it would divide by is too small to publish (0 to 7), so no figure is computed from it"
                .into(),
        ),
    }
}

fn row(
    programme_id: Option<i64>,
    name: &str,
    costs: Costs,
    months: (u32, u32),
    complete: bool,
    d: &Denominators,
) -> CostRow {
    let shown = |c: Count| Shown::of(c);
    let (supported, connected, goals) = (
        shown(d.people_supported),
        shown(d.people_connected),
        shown(d.goals_met),
    );
    CostRow {
        programme_id,
        programme: name.to_string(),
        costs,
        months_in_period: months.0,
        months_recorded: months.1,
        people_supported: supported,
        people_connected: connected,
        goals_met: goals,
        per_person_supported: unit_cost(&costs, complete, months, supported),
        per_person_connected: unit_cost(&costs, complete, months, connected),
        per_goal_met: unit_cost(&costs, complete, months, goals),
    }
}

/// Builds the report for a period (and one programme, when `programme` is an index into
/// `facts.programmes`) from the activity facts and every programme's monthly costs.
pub fn build(
    facts: &ActivityFacts,
    period: &ReportPeriod,
    programme: Option<u16>,
    month_costs: &[MonthCost],
    now: DateTime<Utc>,
) -> CostReport {
    let denominators = tally(facts, period, programme);
    let months_in_period = (period.last_month - period.first_month + 1) as u32;
    let programmes = facts.programmes.len();
    let mut costs = vec![Costs::default(); programmes];
    // Months recorded per programme, as a bit per month of the period (at most 12).
    let mut recorded = vec![0u32; programmes];
    for c in month_costs {
        let m = c.month.number();
        if m < period.first_month || m > period.last_month {
            continue;
        }
        let Some(i) = facts.programmes.iter().position(|p| p.id == c.programme_id) else {
            continue;
        };
        let sum = &mut costs[i];
        sum.staff_pence += c.staff_pence;
        sum.grants_pence += c.grants_pence;
        sum.other_pence += c.other_pence;
        sum.total_pence += c.staff_pence + c.grants_pence + c.other_pence;
        recorded[i] |= 1 << (m - period.first_month);
    }
    let mut rows = Vec::new();
    let mut total = Costs::default();
    let mut every_month = u32::MAX >> (32 - months_in_period);
    for (i, p) in facts.programmes.iter().enumerate() {
        let c = costs[i];
        total.staff_pence += c.staff_pence;
        total.grants_pence += c.grants_pence;
        total.other_pence += c.other_pence;
        total.total_pence += c.total_pence;
        every_month &= recorded[i];
        if programme.is_some_and(|want| usize::from(want) != i) {
            continue;
        }
        let months = (months_in_period, recorded[i].count_ones());
        rows.push(row(
            Some(p.id),
            &p.name,
            c,
            months,
            months.1 == months_in_period,
            &denominators[i],
        ));
    }
    let all_programmes = programme.is_none().then(|| {
        let months = (months_in_period, every_month.count_ones());
        row(
            None,
            "All programmes",
            total,
            months,
            programmes > 0 && months.1 == months_in_period,
            &denominators[programmes],
        )
    });
    CostReport {
        title: "Programme costs".into(),
        period: PeriodShown {
            code: period.code.clone(),
            from: period.from,
            to: period.to,
        },
        programme: programme.map(|i| facts.programmes[usize::from(i)].name.clone()),
        generated_at: now,
        data_as_of: facts.loaded_at,
        rows,
        all_programmes,
        literature: reference_figure(),
        definitions: DEFINITIONS
            .iter()
            .map(|(f, d)| Definition {
                figure: (*f).into(),
                definition: (*d).into(),
            })
            .collect(),
        disclosure_control: disclosure::RULE.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(n: u64) -> Shown {
        if n <= 7 {
            Shown::Hidden
        } else {
            Shown::Count(n)
        }
    }

    /// Worked by hand: a quarter costing £24,000 + £4,500 + £1,500 = £30,000.00
    /// (3,000,000 pence), against published counts of 40 people supported, 15 people
    /// connected and a hidden count of goals met.
    ///   per person supported: 3,000,000 / 40 = 75,000 pence = £750
    ///   per person connected: 3,000,000 / 15 = 200,000 pence = £2,000
    ///   per goal met: withheld (the count is hidden).
    /// And £100.00 over 30 people: 10,000 / 30 = 333.33... → 333 pence = £3.33; over 15
    /// people, £1.00 / 15 = 6.67 → 7 pence (halves and above round up).
    #[test]
    fn unit_costs_match_a_hand_calculation() {
        let costs = Costs {
            staff_pence: 2_400_000,
            grants_pence: 450_000,
            other_pence: 150_000,
            total_pence: 3_000_000,
        };
        let u = unit_cost(&costs, true, (3, 3), count(40));
        assert_eq!((u.pence, u.text.as_str()), (Some(75_000), "£750"));
        assert_eq!(
            unit_cost(&costs, true, (3, 3), count(15)).pence,
            Some(200_000)
        );
        let hidden = unit_cost(&costs, true, (3, 3), count(5));
        assert_eq!(hidden.pence, None);
        assert_eq!(hidden.withheld, Some(Withheld::CountHidden));
        assert!(hidden.withheld_because.unwrap().contains("too small"));
        let small = Costs {
            total_pence: 10_000,
            ..Costs::default()
        };
        assert_eq!(unit_cost(&small, true, (1, 1), count(30)).pence, Some(333));
        assert_eq!(unit_cost(&small, true, (1, 1), count(30)).text, "£3.33");
        let penny = Costs {
            total_pence: 100,
            ..Costs::default()
        };
        assert_eq!(unit_cost(&penny, true, (1, 1), count(15)).pence, Some(7));
    }

    #[test]
    fn no_unit_cost_while_a_month_is_missing() {
        let costs = Costs {
            total_pence: 3_000_000,
            ..Costs::default()
        };
        let u = unit_cost(&costs, false, (3, 2), count(40));
        assert_eq!(u.pence, None);
        assert!(u
            .withheld_because
            .unwrap()
            .contains("2 of the period's 3 months"));
    }
}
