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
    programme: Option<i64>,
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
    let programme = programme_index(&facts, programme)?;
    Ok(activity::compute(
        &facts,
        &Request {
            period,
            scope,
            programme,
        },
        names,
    ))
}

/// A programme filter (by id) as an index into the facts; an unknown one is a field error.
fn programme_index(
    facts: &activity::ActivityFacts,
    programme: Option<i64>,
) -> AppResult<Option<u16>> {
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

/// For the operator's command line: every team, link workers under pseudonyms (a file
/// may travel further than the page).
pub async fn report_from_database(
    store: &Store,
    period: Option<&str>,
    programme: Option<i64>,
    today: NaiveDate,
) -> anyhow::Result<ActivityReport> {
    let period = activity::parse_period(period, today)?;
    let facts = store.load_activity_facts().await?;
    let programme =
        programme_index(&facts, programme).map_err(|e| anyhow::anyhow!(e.problem().detail))?;
    Ok(activity::compute(
        &facts,
        &Request {
            period,
            scope: Scope::All,
            programme,
        },
        WorkerNames::Pseudonymous,
    ))
}
