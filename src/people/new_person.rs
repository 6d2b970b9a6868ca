//! A person as a caller asks to register them: checked, with the postcode already resolved.
//! In the domain so the API, the pages, FHIR intake and the spreadsheet import all build the
//! same value, and the store writes it without knowing where it came from.

use super::{Ethnicity, LongTermCondition, NhsNumber, PlusGroup, Sex};
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
}
