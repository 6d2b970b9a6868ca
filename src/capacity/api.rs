//! `GET /api/v1/reports/capacity`: "what the community is missing" as JSON, for analysts,
//! team leads and administrators.

use super::CapacityReport;
use crate::api::{ApiQuery, ReadProblems};
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::state::AppState;
use crate::usecases;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CapacityQuery {
    /// A published period that has ended: a month (`2026-10`), a quarter (`2026-Q3`) or a
    /// financial year (`2026/27`). Default: the last complete quarter.
    pub period: Option<String>,
    /// Only this programme's referrals and connections, by id (`GET /programmes`).
    pub programme: Option<i64>,
}

/// Community capacity and unmet need: needs no service within reach could meet, services
/// full, connections declined for lack of places, listings not checked for a year, and
/// each organisation's demand month by month. Counts about people through disclosure
/// control (0-7 shown as "*", others perturbed and rounded to 5).
#[utoipa::path(get, path = "/reports/capacity", tag = "reports",
    params(CapacityQuery),
    responses((status = 200, body = CapacityReport), ReadProblems))]
pub async fn capacity_report(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<CapacityQuery>,
) -> AppResult<Json<CapacityReport>> {
    Ok(Json(
        usecases::capacity::report(&state, &user, query.period.as_deref(), query.programme).await?,
    ))
}
