//! `GET /api/v1/reports/equity`: the report as JSON, for analysts and team leads.

use super::EquityReport;
use crate::api::{ApiQuery, ReadProblems};
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::state::AppState;
use crate::usecases;
use crate::usecases::equity::ReportAsked;
use axum::extract::State;
use axum::Json;
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// First day of the period (default: twelve months before `to`).
    pub from: Option<NaiveDate>,
    /// Last day of the period (default: today).
    pub to: Option<NaiveDate>,
    /// Limit the report to one practice, by its code.
    pub practice: Option<String>,
    /// Count stages and outcomes by this day (default: today); on or after `to`.
    pub as_of: Option<NaiveDate>,
    /// Limit the report to one programme, by id (`GET /programmes`); a quarter or a year.
    pub programme: Option<i64>,
}

impl ReportQuery {
    /// What the query asks for, for the use case.
    pub fn asked(&self) -> ReportAsked {
        ReportAsked {
            from: self.from,
            to: self.to,
            practice: self.practice.clone(),
            as_of: self.as_of,
            programme: self.programme,
        }
    }
}

/// The Core20PLUS5 equity report: aggregate figures only, every count through disclosure
/// control (1-7 shown as "*", others rounded to 5).
#[utoipa::path(get, path = "/reports/equity", tag = "reports",
    params(ReportQuery),
    responses((status = 200, body = EquityReport), ReadProblems))]
pub async fn equity_report(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> AppResult<Json<EquityReport>> {
    Ok(Json(
        usecases::equity::report(&state, &user, &query.asked()).await?,
    ))
}
