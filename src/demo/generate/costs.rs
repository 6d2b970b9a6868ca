//! The demo programmes' monthly costs (issue 17, item 5), so the cost report shows figures.
//! Worked out from the staff each programme has, with no random draw (the rest of the
//! synthetic system is the same with or without costs). Plausible, not sourced: a link
//! worker or connector at about £35,000 a year with on-costs, and a 3% pay award each April.

use super::staff::DemoProgrammes;
use crate::audit::AuditContext;
use crate::costs::{CostMonth, NewCost};
use crate::store::Store;
use chrono::NaiveDate;

/// Months of costs recorded, ending with the last complete month before the reference date.
const MONTHS: i32 = 36;

/// Records every demo programme's costs for the last three years, as the administrator.
pub(super) async fn record_costs(
    store: &Store,
    programmes: &DemoProgrammes,
    teams: usize,
    reference_date: NaiveDate,
) -> anyhow::Result<()> {
    let Some(admin) = store.user_id("admin").await? else {
        return Ok(());
    };
    let ctx = AuditContext {
        actor_id: admin,
        actor_role: "admin".into(),
        purpose: "synthetic care system".into(),
        request_id: "generate".into(),
    };
    let teams = teams as i64;
    let connector_teams = programmes.connector_teams.len() as i64;
    let last = CostMonth::of(reference_date).number() - 1;
    let first_april = CostMonth::from_number(last - MONTHS + 1).year;
    for m in (last - MONTHS + 1)..=last {
        let month = CostMonth::from_number(m);
        // Pay awards from each April after the first month recorded.
        let awards = month.year - first_april - i32::from(month.month < 4);
        let pay = |pence: i64| {
            let mut p = pence;
            for _ in 0..awards.max(0) {
                p = p * 103 / 100;
            }
            p
        };
        // (programme, staff, grants, other), in pence per month.
        let figures = [
            // Three link workers a team.
            (
                programmes.practice,
                pay(3 * 295_000) * teams,
                50_000 * teams,
                65_000 * teams,
            ),
            // Two connectors a team, small grants to groups, volunteers' expenses.
            (
                programmes.connectors,
                pay(2 * 275_000) * connector_teams,
                180_000 * connector_teams,
                90_000 * connector_teams,
            ),
            // A coordinator a team; befrienders' travel.
            (
                programmes.befriending,
                pay(260_000) * teams,
                40_000 * teams,
                45_000 * teams,
            ),
        ];
        for (programme, staff, grants, other) in figures {
            let cost = NewCost {
                month,
                staff_pence: staff,
                grants_pence: grants,
                other_pence: other,
                note: "Synthetic figures for the demonstration".into(),
            };
            store.record_programme_cost(programme, &cost, &ctx).await?;
        }
    }
    Ok(())
}
