//! Registering and reading people.

use super::NewPerson;
use super::{Ethnicity, LongTermCondition, NhsNumber, Person, PlusGroup, Sex};
use crate::api::{line_field, ApiJson, Id};
use crate::api::{ReadProblems, WriteProblems};
use crate::auth::policy::Action;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

impl From<super::MatchRefused> for AppError {
    fn from(refused: super::MatchRefused) -> AppError {
        match refused {
            super::MatchRefused::NotAccepted => AppError::Conflict(refused.message()),
            super::MatchRefused::TooManyFailures => AppError::TooManyRequests(refused.message()),
        }
    }
}

/// A person to register. Unknown fields are refused so a typo cannot lose data.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonInput {
    #[schema(example = "943 476 5919")]
    pub nhs_number: Option<String>,
    #[schema(min_length = 1, max_length = 100)]
    pub given_name: String,
    #[schema(min_length = 1, max_length = 100)]
    pub family_name: String,
    pub date_of_birth: NaiveDate,
    pub sex: Sex,
    pub ethnicity: Ethnicity,
    #[schema(example = "SW1A 1AA", min_length = 5, max_length = 8)]
    pub postcode: String,
    pub practice_id: Option<i64>,
    pub phone: Option<String>,
    #[serde(default)]
    pub plus_groups: Vec<PlusGroup>,
    #[serde(default)]
    pub conditions: Vec<LongTermCondition>,
}

impl PersonInput {
    /// Checks every field and resolves the postcode; nothing is stored yet.
    pub async fn validate(self, state: &AppState) -> AppResult<NewPerson> {
        self.validate_with(&*state.geography().await?)
    }

    /// As `validate`, with the reference data given (for imports outside the server).
    pub fn validate_with(self, geography: &crate::geo::Geography) -> AppResult<NewPerson> {
        let nhs_number = match self.nhs_number.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(n) => Some(NhsNumber::parse(n).map_err(|e| {
                AppError::invalid_field("nhs_number", "Invalid NHS number", e.to_string())
            })?),
        };
        let today = Utc::now().date_naive();
        crate::input::DateKind::BirthDate
            .check(self.date_of_birth, today)
            .map_err(|why| {
                AppError::invalid_field("date_of_birth", "Invalid date of birth", why)
            })?;
        let location = crate::geo::api::resolve_with(geography, &self.postcode)?;
        let phone = match self.phone.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(p) => Some(
                crate::input::UkPhone::parse(p)
                    .map_err(|why| AppError::invalid_field("phone", "Not a UK phone number", why))?
                    .into_string(),
            ),
        };
        Ok(NewPerson {
            nhs_number,
            given_name: line_field("given_name", &self.given_name, 1, 100)?,
            family_name: line_field("family_name", &self.family_name, 1, 100)?,
            date_of_birth: self.date_of_birth,
            sex: self.sex,
            ethnicity: self.ethnicity,
            postcode: location.postcode,
            lsoa: Some(location.lsoa),
            imd_decile: location.imd_decile.map(|d| d.get()),
            practice_id: self.practice_id,
            phone,
            plus_groups: self.plus_groups,
            conditions: self.conditions,
        })
    }
}

/// Registers a person, resolving their postcode to an LSOA and IMD decile.
#[utoipa::path(post, path = "/people", tag = "people", request_body = PersonInput,
    responses(
        (status = 201, body = Person), WriteProblems))]
pub async fn create_person(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(input): ApiJson<PersonInput>,
) -> AppResult<(StatusCode, Json<Person>)> {
    user.require(Action::CreateReferral)?;
    let person = input.validate(&state).await?;
    let ctx = user.audit_context();
    crate::intake::check_unregistered(&state.store, &ctx, &person)
        .await?
        .map_err(AppError::from)?;
    let stored = state.store.insert_person(&person, &ctx).await?;
    Ok((StatusCode::CREATED, Json(stored)))
}

/// Reads a person within the caller's scope.
#[utoipa::path(get, path = "/people/{id}", tag = "people",
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = Person), ReadProblems))]
pub async fn get_person(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
) -> AppResult<Json<Person>> {
    state
        .store
        .read_person(id, user.case_scope(), &user.audit_context())
        .await?
        .map(Json)
        .ok_or(AppError::NotFound("person"))
}
