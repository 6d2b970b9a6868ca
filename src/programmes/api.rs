//! `/api/v1/programmes`: read by whoever reads reports or makes referrals; defined and
//! changed by administrators.

use super::{Eligibility, NewProgramme, Programme, ProgrammeModel};
use crate::api::{line_field, text_field, ApiJson, Id, ReadProblems, WriteProblems};
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::referrals::Need;
use crate::state::AppState;
use crate::usecases;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

fn default_active() -> bool {
    true
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EligibilityInput {
    /// Youngest age taken, in whole years (0 to 120); none means any age.
    #[schema(minimum = 0, maximum = 120)]
    pub min_age: Option<u8>,
    /// The needs the programme is for; empty means any need.
    #[serde(default)]
    pub needs: Vec<Need>,
    /// Anything else, in words (areas served, conditions).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub notes: String,
}

/// A programme's whole definition (creating one, or replacing one's).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeInput {
    #[schema(min_length = 1, max_length = 120)]
    pub name: String,
    pub model: ProgrammeModel,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub description: String,
    #[serde(default)]
    pub eligibility: Option<EligibilityInput>,
    /// The teams that run it: at least one.
    pub team_ids: Vec<i64>,
    /// The steps a referral goes through, in order (at most 20, each up to 200 characters).
    #[serde(default)]
    pub pathway: Vec<String>,
    /// Inactive programmes take no new referrals but stay in reports. Default: active.
    #[serde(default = "default_active")]
    pub active: bool,
}

impl ProgrammeInput {
    /// The text fields checked (lengths, no control characters), as a domain value.
    fn parsed(self) -> AppResult<NewProgramme> {
        let eligibility = self.eligibility.unwrap_or(EligibilityInput {
            min_age: None,
            needs: Vec::new(),
            notes: String::new(),
        });
        let mut pathway = Vec::with_capacity(self.pathway.len());
        for step in &self.pathway {
            pathway.push(line_field("pathway", step, 0, 200)?);
        }
        Ok(NewProgramme {
            name: line_field("name", &self.name, 1, 120)?,
            model: self.model,
            description: text_field("description", &self.description, 0, 2000)?,
            eligibility: Eligibility {
                min_age: eligibility.min_age,
                needs: eligibility.needs,
                notes: text_field("eligibility.notes", &eligibility.notes, 0, 2000)?,
            },
            team_ids: self.team_ids,
            pathway,
            active: self.active,
        })
    }
}

/// Every programme, by name: model, eligibility, teams and pathway.
#[utoipa::path(get, path = "/programmes", tag = "programmes",
    responses((status = 200, body = Vec<Programme>), ReadProblems))]
pub async fn list_programmes(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<Vec<Programme>>> {
    Ok(Json(usecases::programmes::list(&state.store, &user).await?))
}

/// Defines a programme (administrators). Its name must be new; its teams must exist.
#[utoipa::path(post, path = "/programmes", tag = "programmes", request_body = ProgrammeInput,
    responses((status = 201, body = Programme), WriteProblems))]
pub async fn create_programme(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(input): ApiJson<ProgrammeInput>,
) -> AppResult<(StatusCode, Json<Programme>)> {
    let new = input.parsed()?;
    let made = usecases::programmes::create(&state.store, &user, new).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

/// One programme.
#[utoipa::path(get, path = "/programmes/{id}", tag = "programmes", params(("id" = i64, Path)),
    responses((status = 200, body = Programme), ReadProblems))]
pub async fn get_programme(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
) -> AppResult<Json<Programme>> {
    Ok(Json(
        usecases::programmes::one(&state.store, &user, id).await?,
    ))
}

/// Replaces a programme's definition (administrators); its referrals stay with it.
#[utoipa::path(post, path = "/programmes/{id}/changes", tag = "programmes",
    params(("id" = i64, Path)), request_body = ProgrammeInput,
    responses((status = 200, body = Programme), WriteProblems))]
pub async fn change_programme(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    ApiJson(input): ApiJson<ProgrammeInput>,
) -> AppResult<Json<Programme>> {
    let new = input.parsed()?;
    Ok(Json(
        usecases::programmes::update(&state.store, &user, id, new).await?,
    ))
}
