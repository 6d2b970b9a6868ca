//! `POST /referrals/{id}/concerns` and `GET /people/{id}/concerns`: risk and safeguarding
//! concerns, for the team holding the referral only (organisations and volunteers: 403).

use super::{Concern, ConcernKind, NewConcern};
use crate::api::{ApiJson, Id, ReadProblems, WriteProblems};
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::state::AppState;
use crate::usecases;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConcernInput {
    /// A Care Act 2014 statutory guidance category of abuse or neglect, or `other_risk`.
    pub kind: ConcernKind,
    /// What was seen, heard or said: 1 to 2,000 characters.
    #[schema(min_length = 1, max_length = 2000)]
    pub description: String,
    /// What was done about it: 1 to 2,000 characters.
    #[schema(min_length = 1, max_length = 2000)]
    pub action_taken: String,
    /// The day it was referred to the safeguarding lead (from 2000 to today), if it was.
    #[serde(default)]
    pub referred_to_lead_on: Option<NaiveDate>,
}

/// Records a risk or safeguarding concern on a referral the caller's team holds (audited).
/// Never shared with organisations or volunteers.
#[utoipa::path(post, path = "/referrals/{id}/concerns", tag = "safeguarding", params(("id" = i64, Path)),
    request_body = ConcernInput,
    responses((status = 201, body = Concern), WriteProblems))]
pub async fn record_concern(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    ApiJson(input): ApiJson<ConcernInput>,
) -> AppResult<(StatusCode, Json<Concern>)> {
    let concern = NewConcern::check(
        input.kind,
        &input.description,
        &input.action_taken,
        input.referred_to_lead_on,
        chrono::Utc::now().date_naive(),
    )?;
    let recorded = usecases::concerns::record(&state.store, &user, id, &concern).await?;
    Ok((StatusCode::CREATED, Json(recorded)))
}

/// The concerns about a person in the caller's team's care, newest first, with `new` on
/// those raised by someone else that the caller had not read (reading marks them read;
/// audited).
#[utoipa::path(get, path = "/people/{id}/concerns", tag = "safeguarding", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Concern>), ReadProblems))]
pub async fn list_concerns(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
) -> AppResult<Json<Vec<Concern>>> {
    Ok(Json(
        usecases::concerns::of_person(&state.store, &user, id).await?,
    ))
}
