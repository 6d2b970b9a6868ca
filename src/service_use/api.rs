//! `/referrals/{id}/service-use` (the team holding the referral records and reads its GP
//! consultations and A&E attendances before and after), `/service-use/imports` (the
//! practice's CSV, all or nothing) and `/reports/service-use` (aggregate only, for analysts
//! and team leads). Organisations, volunteers and referrers: 403.

use super::report::ServiceUseReport;
use super::{Counts, NewServiceUse, ServiceUse, Source, Window};
use crate::api::{ApiJson, ApiQuery, Id, ReadProblems, WriteProblems};
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::import::RowError;
use crate::state::AppState;
use crate::usecases;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceUseInput {
    /// `before` (the 6 months before the referral was received) or `after` (the 6 months
    /// from that day); the after-window can be recorded once it is over.
    pub window: Window,
    /// GP consultations in the window, 0 to 183; absent keeps what was recorded.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 183)]
    pub gp_consultations: Option<i64>,
    /// A&E attendances in the window, 0 to 183; absent keeps what was recorded.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 183)]
    pub ae_attendances: Option<i64>,
}

/// Records a window's counts on a referral the caller's team holds (the latest recording
/// of each count wins; audited). Returns the referral's windows as now recorded.
#[utoipa::path(post, path = "/referrals/{id}/service-use", tag = "service use", params(("id" = i64, Path)),
    request_body = ServiceUseInput,
    responses((status = 200, body = Vec<ServiceUse>), WriteProblems))]
pub async fn record_service_use(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    ApiJson(input): ApiJson<ServiceUseInput>,
) -> AppResult<Json<Vec<ServiceUse>>> {
    let counts = Counts::check(input.gp_consultations, input.ae_attendances)?;
    let new = NewServiceUse {
        window: input.window,
        counts,
        source: Source::LinkWorker,
    };
    Ok(Json(
        usecases::service_use::record(&state.store, &user, id, new).await?,
    ))
}

/// The windows recorded on a referral the caller's team holds (audited).
#[utoipa::path(get, path = "/referrals/{id}/service-use", tag = "service use", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<ServiceUse>), ReadProblems))]
pub async fn list_service_use(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
) -> AppResult<Json<Vec<ServiceUse>>> {
    Ok(Json(
        usecases::service_use::of_referral(&state.store, &user, id).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceUseImport {
    /// The practice's file as CSV text, with the header
    /// `nhs_number,referral_received,window,gp_consultations,ae_attendances`.
    pub csv: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceUseImported {
    /// Rows recorded (each a referral's window).
    pub recorded: usize,
}

/// One problem with the file.
#[derive(Debug, Serialize, ToSchema)]
pub struct LineProblem {
    /// Line 1 is the header.
    pub line: u64,
    pub field: String,
    pub message: String,
}

/// A refused file: a problem document with every problem by line and field.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportRefused {
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub errors: Vec<LineProblem>,
}

fn refused(errors: Vec<RowError>) -> Response {
    let body = ImportRefused {
        problem_type: "/problems/validation".into(),
        title: "File refused".into(),
        status: 422,
        detail: format!("{} problem(s); nothing was imported", errors.len()),
        errors: errors
            .into_iter()
            .map(|e| LineProblem {
                line: e.line,
                field: e.field.to_string(),
                message: e.message,
            })
            .collect(),
    };
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        [(header::CONTENT_TYPE, "application/problem+json")],
        serde_json::to_vec(&body).unwrap_or_default(),
    )
        .into_response()
}

/// Imports the practice's counts: each row matched to a referral the caller's team holds
/// by NHS number and the day it was received. All or nothing: one bad row and nothing is
/// written, and the 422 problem document lists every problem in `errors` (line, field,
/// message).
#[utoipa::path(post, path = "/service-use/imports", tag = "service use",
    request_body = ServiceUseImport,
    responses((status = 200, body = ServiceUseImported), WriteProblems))]
pub async fn import_service_use(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(input): ApiJson<ServiceUseImport>,
) -> AppResult<Response> {
    // The policy first, so a role that may not import learns nothing about the file.
    user.require(crate::auth::policy::Action::WriteCasework)
        .map_err(AppError::from)?;
    let rows = match super::csv::parse(input.csv.as_bytes()) {
        Ok(rows) => rows,
        Err(errors) => return Ok(refused(errors)),
    };
    Ok(
        match usecases::service_use::import(&state.store, &user, &rows).await? {
            Ok(recorded) => Json(ServiceUseImported { recorded }).into_response(),
            Err(errors) => refused(errors),
        },
    )
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ServiceUseQuery {
    /// A calendar quarter (`2026-Q1`) whose referrals all have their 6 months after
    /// referral over. Default: the latest such quarter.
    pub period: Option<String>,
    /// Only this programme's referrals, by id (`GET /api/v1/programmes` lists them).
    pub programme: Option<i64>,
}

/// The system outcomes report: for referrals received in a calendar quarter whose
/// after-windows are all over, the mean change in GP consultations and A&E attendances
/// (after minus before) with 95% t-intervals, for everyone and by programme, IMD quintile
/// and ethnic group, with the method note on regression to the mean. Aggregate only;
/// counts 0-7 shown as "*"; a mean that shown means could be subtracted down to 1 to 7
/// people is withheld.
#[utoipa::path(get, path = "/reports/service-use", tag = "reports",
    params(ServiceUseQuery),
    responses((status = 200, body = ServiceUseReport), ReadProblems))]
pub async fn service_use_report(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<ServiceUseQuery>,
) -> AppResult<Json<ServiceUseReport>> {
    Ok(Json(
        usecases::service_use::report(
            &state.store,
            &user,
            query.period.as_deref(),
            query.programme,
        )
        .await?,
    ))
}
