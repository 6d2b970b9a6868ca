//! The activity report: who may see it, of which referrals, and with whose names.

use crate::activity::{self, ActivityReport, Request, Scope, WorkerNames};
use crate::auth::policy::{Action, Forbidden};
use crate::auth::{CurrentUser, Role};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::Store;
use chrono::NaiveDate;

/// The report for a published period (`None`: the last complete month), from the facts
/// the server holds in memory. Analysts see every team with link workers under
/// pseudonyms; a team lead sees their own team, with names.
pub async fn report(
    state: &AppState,
    user: &CurrentUser,
    period: Option<&str>,
) -> AppResult<ActivityReport> {
    user.require(Action::ReadActivityReport)?;
    let facts = state.activity.get(&state.store).await?;
    let (scope, names) = if user.role == Role::TeamLead {
        let team = user
            .team_id
            .and_then(|t| facts.team_index(t))
            .ok_or_else(|| {
                Forbidden(
                    "a team lead sees their own team's report, and this account has no team".into(),
                )
            })?;
        (Scope::Team(team), WorkerNames::Shown)
    } else {
        (Scope::All, WorkerNames::Pseudonymous)
    };
    let today = chrono::Utc::now().date_naive();
    let period = activity::parse_period(period, today)
        .map_err(|e| AppError::invalid_field("period", "Period not published", e.to_string()))?;
    Ok(activity::compute(&facts, &Request { period, scope }, names))
}

/// For the operator's command line: every team, link workers under pseudonyms (a file
/// may travel further than the page).
pub async fn report_from_database(
    store: &Store,
    period: Option<&str>,
    today: NaiveDate,
) -> anyhow::Result<ActivityReport> {
    let period = activity::parse_period(period, today)?;
    let facts = store.load_activity_facts().await?;
    Ok(activity::compute(
        &facts,
        &Request {
            period,
            scope: Scope::All,
        },
        WorkerNames::Pseudonymous,
    ))
}
