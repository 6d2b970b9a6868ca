//! Registering and reading people.

use super::NewPerson;
use super::{
    ContactMethod, Ethnicity, Language, LongTermCondition, Person, PersonDetails, PlusGroup,
    PrsbDetails, Sex, WrittenFormat,
};
use crate::api::{ApiJson, Id};
use crate::api::{ReadProblems, WriteProblems};
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::state::AppState;
use crate::usecases;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

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
    /// First line of the address (the PRSB record's address; the page requires it).
    #[schema(example = "14 Acacia Avenue", max_length = 100)]
    pub address_line1: Option<String>,
    #[schema(max_length = 100)]
    pub address_line2: Option<String>,
    #[schema(example = "Birmingham", max_length = 100)]
    pub town: Option<String>,
    #[schema(max_length = 100)]
    pub preferred_name: Option<String>,
    /// In the person's own words.
    #[schema(max_length = 60)]
    pub gender_identity: Option<String>,
    /// A BCP 47 language subtag from the NHS list (data/languages.csv): "pl", "bfi".
    #[schema(value_type = Option<Language>, example = "bfi")]
    pub preferred_language: Option<String>,
    pub interpreter_needed: Option<bool>,
    /// Communication and information needs (Accessible Information Standard), in words.
    #[schema(max_length = 500)]
    pub communication_needs: Option<String>,
    pub written_format: Option<WrittenFormat>,
    pub preferred_contact_method: Option<ContactMethod>,
    #[schema(example = "Weekday mornings", max_length = 200)]
    pub preferred_contact_times: Option<String>,
}

impl PersonInput {
    /// Checks every field and resolves the postcode; nothing is stored yet.
    pub async fn validate(self, state: &AppState) -> AppResult<NewPerson> {
        self.validate_with(&*state.geography().await?)
    }

    /// As `validate`, with the reference data given (for imports outside the server).
    pub fn validate_with(self, geography: &crate::geo::Geography) -> AppResult<NewPerson> {
        Ok(self
            .into_details()
            .check(geography, Utc::now().date_naive())?)
    }

    /// The details as the domain checks them.
    pub fn into_details(self) -> PersonDetails {
        PersonDetails {
            nhs_number: self.nhs_number,
            given_name: self.given_name,
            family_name: self.family_name,
            date_of_birth: self.date_of_birth,
            sex: self.sex,
            ethnicity: self.ethnicity,
            postcode: self.postcode,
            practice_id: self.practice_id,
            phone: self.phone,
            plus_groups: self.plus_groups,
            conditions: self.conditions,
            record: PrsbDetails {
                address_line1: self.address_line1,
                address_line2: self.address_line2,
                town: self.town,
                preferred_name: self.preferred_name,
                gender_identity: self.gender_identity,
                preferred_language: self.preferred_language,
                interpreter_needed: self.interpreter_needed,
                communication_needs: self.communication_needs,
                written_format: self.written_format,
                preferred_contact_method: self.preferred_contact_method,
                preferred_contact_times: self.preferred_contact_times,
            },
        }
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
    let person = input.validate(&state).await?;
    let stored = usecases::people::register(&state.store, &user, person).await?;
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
    Ok(Json(usecases::people::read(&state.store, &user, id).await?))
}

/// Replaces a person's PRSB record fields (address lines, town, preferred name, gender
/// identity, language, interpreter, communication needs, contact preferences).
#[utoipa::path(post, path = "/people/{id}/record", tag = "people", request_body = PrsbDetails,
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = Person), WriteProblems))]
pub async fn update_record(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    ApiJson(record): ApiJson<PrsbDetails>,
) -> AppResult<Json<Person>> {
    let record = record.check()?;
    Ok(Json(
        usecases::people::update_record(&state.store, &user, id, record).await?,
    ))
}
