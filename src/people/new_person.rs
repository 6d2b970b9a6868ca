//! A person as a caller asks to register them: checked, with the postcode already resolved.
//! In the domain so the API, the pages, FHIR intake and the spreadsheet import all build the
//! same value, and the store writes it without knowing where it came from.

use super::{Ethnicity, LongTermCondition, NhsNumber, PlusGroup, PrsbDetails, PrsbRecord, Sex};
use crate::geo::Geography;
use crate::input::{line_field, DateKind, FieldError, UkPhone};
use chrono::NaiveDate;

/// A person ready to store: validated, with geography already resolved.
#[derive(Debug, Clone)]
pub struct NewPerson {
    pub nhs_number: Option<NhsNumber>,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: NaiveDate,
    pub sex: Sex,
    pub ethnicity: Ethnicity,
    pub postcode: String,
    pub lsoa: Option<String>,
    pub imd_decile: Option<u8>,
    pub practice_id: Option<i64>,
    pub phone: Option<String>,
    pub plus_groups: Vec<PlusGroup>,
    pub conditions: Vec<LongTermCondition>,
    pub record: PrsbRecord,
}

/// A person's details as they arrive (a JSON body, a form, a FHIR Patient, a spreadsheet
/// row), before any check: [`PersonDetails::check`] is the one place they are checked, so a
/// value refused by one way in is refused by all, with the same words.
#[derive(Debug, Clone)]
pub struct PersonDetails {
    pub nhs_number: Option<String>,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: NaiveDate,
    pub sex: Sex,
    pub ethnicity: Ethnicity,
    pub postcode: String,
    pub practice_id: Option<i64>,
    pub phone: Option<String>,
    pub plus_groups: Vec<PlusGroup>,
    pub conditions: Vec<LongTermCondition>,
    pub record: PrsbDetails,
}

impl PersonDetails {
    /// Checks every field and resolves the postcode (to an LSOA and IMD decile); the first
    /// problem, named by its field. Nothing is stored.
    pub fn check(self, geography: &Geography, today: NaiveDate) -> Result<NewPerson, FieldError> {
        let nhs_number =
            match self.nhs_number.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(n) => Some(NhsNumber::parse(n).map_err(|e| {
                    FieldError::new("nhs_number", "Invalid NHS number", e.to_string())
                })?),
            };
        DateKind::BirthDate
            .check(self.date_of_birth, today)
            .map_err(|why| FieldError::new("date_of_birth", "Invalid date of birth", why))?;
        let location = geography.resolve_field(&self.postcode)?;
        let phone = match self.phone.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(p) => Some(
                UkPhone::parse(p)
                    .map_err(|why| FieldError::new("phone", "Not a UK phone number", why))?
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
            record: self.record.check()?,
        })
    }
}
