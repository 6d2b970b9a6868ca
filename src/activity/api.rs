//! `GET /api/v1/reports/activity`: the activity report as JSON, for analysts and team leads.

use super::ActivityReport;
use crate::api::{ApiQuery, ReadProblems};
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ActivityQuery {
    /// A published period that has ended: a month (`2026-10`), a quarter (`2026-Q3`) or a
    /// financial year (`2026/27`). Default: the last complete month.
    pub period: Option<String>,
    /// Only this programme's referrals, by id (`GET /programmes`).
    pub programme: Option<i64>,
}

/// The activity report: referrals, people supported, contacts, caseloads, waiting times,
/// declines, connections, closures and outcome completion, month by month; aggregate
/// figures only, every count through disclosure control (0-7 shown as "*", others
/// perturbed and rounded to 5). Team leads get their own team's.
#[utoipa::path(get, path = "/reports/activity", tag = "reports",
    params(ActivityQuery),
    responses((status = 200, body = ActivityReport), ReadProblems))]
pub async fn activity_report(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<ActivityQuery>,
) -> AppResult<Json<ActivityReport>> {
    Ok(Json(
        crate::usecases::activity::report(&state, &user, query.period.as_deref(), query.programme)
            .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OwnOutcomesQuery {
    /// A calendar quarter that has ended (`2026-Q3`). Default: the last complete quarter.
    pub period: Option<String>,
    /// A link worker's account id: team leads, one of their own team's. Default: oneself.
    pub worker: Option<i64>,
}

/// A link worker's own outcomes beside their team's for one quarter: the funnel (referred,
/// first reached, active, connected, closed, goals met, declined, unable to contact) and
/// the mean paired well-being change, every count through the equity report's disclosure
/// control, with team figures withheld where "team minus yours" would be small
/// (docs/own-outcomes.md). Link workers their own; team leads any of their team's.
#[utoipa::path(get, path = "/me/outcomes", tag = "reports",
    params(OwnOutcomesQuery),
    responses((status = 200, body = super::own_outcomes::OwnOutcomes), ReadProblems))]
pub async fn own_outcomes(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<OwnOutcomesQuery>,
) -> AppResult<Json<super::own_outcomes::OwnOutcomes>> {
    Ok(Json(
        crate::usecases::own_outcomes::own_outcomes(
            &state,
            &user,
            query.period.as_deref(),
            query.worker,
        )
        .await?,
    ))
}
