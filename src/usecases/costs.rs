//! Programme costs and the cost report: administrators record a programme's costs month by
//! month; analysts (commissioners) read the report, aggregate only (docs/cost-report.md).

use crate::activity::{self, ActivityFacts, ReportPeriod};
use crate::auth::policy::Action;
use crate::auth::CurrentUser;
use crate::costs::report::{build, CostReport};
use crate::costs::{CostEntry, CostMonth, NewCost};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::Store;
use chrono::NaiveDate;

/// Records a programme's costs for one month (administrators). Refused with a field error
/// (and nothing written) when the month or an amount is out of bounds; a programme that does
/// not exist is a 404.
pub async fn record(
    store: &Store,
    user: &CurrentUser,
    programme_id: i64,
    new: NewCost,
) -> AppResult<CostEntry> {
    user.require(Action::ManageProgrammeCosts)?;
    let new = new
        .checked(chrono::Utc::now().date_naive())
        .map_err(|e| AppError::invalid_field(e.field(), "Invalid cost", e.to_string()))?;
    Ok(store
        .record_programme_cost(programme_id, &new, &user.audit_context())
        .await?)
}

/// A programme's costs as recorded, newest month first (administrators).
pub async fn list(
    store: &Store,
    user: &CurrentUser,
    programme_id: i64,
) -> AppResult<Vec<CostEntry>> {
    user.require(Action::ManageProgrammeCosts)?;
    store.programme(programme_id).await?;
    Ok(store.programme_costs(programme_id).await?)
}

/// The cost report for a published period (`None`: the last complete month), from the
/// activity facts the server holds and the costs as recorded now. Analysts only.
pub async fn report(
    state: &AppState,
    user: &CurrentUser,
    period: Option<&str>,
    programme: Option<i64>,
) -> AppResult<CostReport> {
    user.require(Action::ReadCostReport)?;
    let today = chrono::Utc::now().date_naive();
    let period = activity::parse_period(period, today)
        .map_err(|e| AppError::invalid_field("period", "Period not published", e.to_string()))?;
    let facts = state.activity.get(&state.store).await?;
    let programme = programme_index(&facts, programme)?;
    compute(&state.store, &facts, &period, programme).await
}

async fn compute(
    store: &Store,
    facts: &ActivityFacts,
    period: &ReportPeriod,
    programme: Option<u16>,
) -> AppResult<CostReport> {
    let costs = store
        .month_costs(
            CostMonth::from_number(period.first_month),
            CostMonth::from_number(period.last_month),
        )
        .await?;
    Ok(build(facts, period, programme, &costs, chrono::Utc::now()))
}

fn programme_index(facts: &ActivityFacts, programme: Option<i64>) -> AppResult<Option<u16>> {
    programme
        .map(|id| {
            facts.programme_index(id).ok_or_else(|| {
                AppError::invalid_field(
                    "programme",
                    "Unknown programme",
                    format!("there is no programme with the id {id}"),
                )
            })
        })
        .transpose()
}

/// For the operator's command line: the same report, read straight from the database.
pub async fn report_from_database(
    store: &Store,
    period: Option<&str>,
    programme: Option<i64>,
    today: NaiveDate,
) -> anyhow::Result<CostReport> {
    let period = activity::parse_period(period, today)?;
    let facts = store.load_activity_facts().await?;
    let programme =
        programme_index(&facts, programme).map_err(|e| anyhow::anyhow!(e.problem().detail))?;
    compute(store, &facts, &period, programme)
        .await
        .map_err(|e| anyhow::anyhow!(e.problem().detail))
}
