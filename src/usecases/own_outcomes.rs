//! A link worker's own outcomes beside their team's (docs/own-outcomes.md): who may see
//! whose. A link worker sees only their own and their team's; a team lead may see each
//! link worker of their own team (and their own caseload). Aggregate and
//! disclosure-controlled, computed from the activity report's facts held in memory.

use crate::activity::own_outcomes::{self, OwnOutcomes, Subject};
use crate::activity::ActivityFacts;
use crate::auth::policy::{Action, Forbidden};
use crate::auth::{CurrentUser, Role};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// A link worker of the viewer's team the page can be shown for (team leads pick one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Colleague {
    pub id: i64,
    pub name: String,
}

/// The figures for `worker` (by account id; `None`: the viewer's own) for a quarter
/// (`None`: the last complete one).
pub async fn own_outcomes(
    state: &AppState,
    user: &CurrentUser,
    quarter: Option<&str>,
    worker: Option<i64>,
) -> AppResult<OwnOutcomes> {
    user.require(Action::ReadOwnOutcomes)?;
    let today = chrono::Utc::now().date_naive();
    let period = own_outcomes::parse_quarter(quarter, today)
        .map_err(|e| AppError::invalid_field("period", "Quarter not published", e.to_string()))?;
    let facts = state.activity.get(&state.store).await?;
    let team = team_of(&facts, user)?;
    let wanted = worker.unwrap_or(user.id);
    if wanted != user.id && user.role != Role::TeamLead {
        return Err(Forbidden(
            "a link worker sees their own outcomes and their team's only".into(),
        )
        .into());
    }
    let worker = facts
        .workers
        .iter()
        .position(|w| w.id == wanted && w.team == team)
        .ok_or_else(|| {
            Forbidden("a team lead sees the outcomes of their own team's link workers only".into())
        })?;
    Ok(own_outcomes::compute(
        &facts,
        &Subject {
            period: &period,
            team,
            worker: worker as u16,
        },
    ))
}

/// The link workers of the viewer's team (for a team lead's choice), by name.
pub async fn colleagues(state: &AppState, user: &CurrentUser) -> AppResult<Vec<Colleague>> {
    user.require(Action::ReadOwnOutcomes)?;
    if user.role != Role::TeamLead {
        return Ok(Vec::new());
    }
    let facts = state.activity.get(&state.store).await?;
    let team = team_of(&facts, user)?;
    let mut out: Vec<Colleague> = facts
        .workers
        .iter()
        .filter(|w| w.team == team)
        .map(|w| Colleague {
            id: w.id,
            name: w.name.clone(),
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

fn team_of(facts: &ActivityFacts, user: &CurrentUser) -> AppResult<u16> {
    Ok(user
        .team_id
        .and_then(|t| facts.team_index(t))
        .ok_or_else(|| {
            Forbidden(
                "own outcomes are a team's link workers', and this account has no team".into(),
            )
        })?)
}
