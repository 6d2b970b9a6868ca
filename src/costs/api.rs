//! `/api/v1/programmes/{id}/costs` (administrators record and read a programme's monthly
//! costs) and `/api/v1/reports/cost` (analysts read the cost report).

use super::report::CostReport;
use super::{CostEntry, CostError, CostMonth, NewCost};
use crate::api::{text_field, ApiJson, ApiQuery, Id, ReadProblems, WriteProblems};
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::usecases;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// One month's costs for a programme, in whole pence. Recording a month again replaces its
/// figures (the earlier ones are kept as history).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CostInput {
    /// The calendar month, `YYYY-MM`, begun by today.
    #[schema(example = "2026-09", pattern = r"^\d{4}-\d{2}$")]
    pub month: String,
    /// Staff costs, in pence (0 to 100,000,000,000).
    #[schema(minimum = 0, maximum = 100_000_000_000_i64)]
    pub staff_pence: i64,
    /// Grants paid on to community groups, in pence.
    #[schema(minimum = 0, maximum = 100_000_000_000_i64)]
    pub grants_pence: i64,
    /// Other costs (premises, travel, overheads), in pence.
    #[schema(minimum = 0, maximum = 100_000_000_000_i64)]
    pub other_pence: i64,
    /// What the figures include, in words (optional).
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: String,
}

impl CostInput {
    fn parsed(self) -> AppResult<NewCost> {
        let month = CostMonth::parse(&self.month).ok_or_else(|| {
            AppError::invalid_field("month", "Invalid cost", CostError::NotAMonth.to_string())
        })?;
        Ok(NewCost {
            month,
            staff_pence: self.staff_pence,
            grants_pence: self.grants_pence,
            other_pence: self.other_pence,
            note: text_field("note", &self.note, 0, 500)?,
        })
    }
}

/// A programme's costs as recorded, one entry per month, newest first (administrators).
#[utoipa::path(get, path = "/programmes/{id}/costs", tag = "programmes",
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<CostEntry>), ReadProblems))]
pub async fn list_costs(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
) -> AppResult<Json<Vec<CostEntry>>> {
    Ok(Json(usecases::costs::list(&state.store, &user, id).await?))
}

/// Records a programme's costs for one month (administrators). Bad input is a 422 problem
/// naming the field, and nothing is written.
#[utoipa::path(post, path = "/programmes/{id}/costs", tag = "programmes",
    params(("id" = i64, Path)), request_body = CostInput,
    responses((status = 201, body = CostEntry), WriteProblems))]
pub async fn record_cost(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    ApiJson(input): ApiJson<CostInput>,
) -> AppResult<(StatusCode, Json<CostEntry>)> {
    let new = input.parsed()?;
    let entry = usecases::costs::record(&state.store, &user, id, new).await?;
    Ok((StatusCode::CREATED, Json(entry)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CostQuery {
    /// A published period that has ended: a month (`2026-10`), a quarter (`2026-Q3`) or a
    /// financial year (`2026/27`). Default: the last complete month.
    pub period: Option<String>,
    /// Only this programme, by id (`GET /programmes`).
    pub programme: Option<i64>,
}

/// The cost report: each programme's costs for the period beside its people supported,
/// people connected and goals met (disclosure-controlled: 0-7 shown as "*", others perturbed
/// and rounded to 5), the unit costs computed only from published counts, and a figure
/// from the literature with its source. Analysts only.
#[utoipa::path(get, path = "/reports/cost", tag = "reports",
    params(CostQuery),
    responses((status = 200, body = CostReport), ReadProblems))]
pub async fn cost_report(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<CostQuery>,
) -> AppResult<Json<CostReport>> {
    Ok(Json(
        usecases::costs::report(&state, &user, query.period.as_deref(), query.programme).await?,
    ))
}
