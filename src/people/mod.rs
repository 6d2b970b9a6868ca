//! People referred for social prescribing, and the identifiers that describe them.

pub mod language;
mod new_person;
pub mod record;

pub use language::Language;
pub use new_person::{NewPerson, PersonDetails};
pub use record::{ContactMethod, PrsbDetails, PrsbRecord, WrittenFormat};

pub mod api;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;
use utoipa::ToSchema;

/// A 10-digit NHS number that has passed the Modulus 11 check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "943 476 5919")]
pub struct NhsNumber(u64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NhsNumberError {
    #[error("an NHS number has 10 digits; spaces and hyphens are allowed between them")]
    Format,
    #[error("this is not a valid NHS number: its check digit does not match (Modulus 11)")]
    CheckDigit,
}

impl NhsNumberError {
    /// What a page asks the user to do, in the NHS design system's words: the reason above
    /// (the check digit, Modulus 11) stays in API problem documents, where it helps a developer.
    pub fn advice(&self) -> &'static str {
        "Enter a valid 10-digit NHS number"
    }
}

impl NhsNumber {
    pub fn parse(input: &str) -> Result<Self, NhsNumberError> {
        let mut digits = [0u8; 10];
        let mut count = 0;
        for c in input.trim().chars() {
            match c {
                '0'..='9' => {
                    if count == 10 {
                        return Err(NhsNumberError::Format);
                    }
                    digits[count] = c as u8 - b'0';
                    count += 1;
                }
                ' ' | '-' => {}
                _ => return Err(NhsNumberError::Format),
            }
        }
        if count != 10 {
            return Err(NhsNumberError::Format);
        }
        if Self::check_digit(&digits[..9]) != Some(digits[9]) {
            return Err(NhsNumberError::CheckDigit);
        }
        Ok(NhsNumber(
            digits.iter().fold(0u64, |n, d| n * 10 + *d as u64),
        ))
    }

    /// Modulus 11: weights 10..2 on the first nine digits; 11 becomes 0 and 10 is never valid.
    pub fn check_digit(first_nine: &[u8]) -> Option<u8> {
        let sum: u32 = first_nine
            .iter()
            .zip((2..=10).rev())
            .map(|(d, w)| *d as u32 * w)
            .sum();
        match 11 - sum % 11 {
            11 => Some(0),
            10 => None,
            c => Some(c as u8),
        }
    }

    /// Builds a valid number from nine leading digits, or `None` when no check digit exists.
    /// Used by the synthetic population generator.
    pub fn from_first_nine(first_nine: u32) -> Option<Self> {
        let mut digits = [0u8; 9];
        let mut n = first_nine;
        for d in digits.iter_mut().rev() {
            *d = (n % 10) as u8;
            n /= 10;
        }
        let check = Self::check_digit(&digits)?;
        Some(NhsNumber(first_nine as u64 * 10 + check as u64))
    }
}

impl fmt::Display for NhsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = format!("{:010}", self.0);
        write!(f, "{} {} {}", &s[0..3], &s[3..6], &s[6..10])
    }
}

impl TryFrom<String> for NhsNumber {
    type Error = NhsNumberError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        NhsNumber::parse(&value)
    }
}

impl From<NhsNumber> for String {
    fn from(value: NhsNumber) -> Self {
        value.to_string()
    }
}

macro_rules! coded_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $code:literal : $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        // Serialized as the stored code, so the API, the database and messages agree.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $(#[serde(rename = $code)] $variant),+ }

        // Written by hand: the schema derive cannot see renames made inside a macro.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($code),+]))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The stable code stored in the database and used in the API.
            pub fn code(self) -> &'static str { match self { $($name::$variant => $code),+ } }
            /// Plain-English wording for pages and reports.
            pub fn label(self) -> &'static str { match self { $($name::$variant => $label),+ } }
            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.label()) }
        }
    };
}
pub(crate) use coded_enum;

coded_enum! {
    /// Sex as recorded in the GP record.
    Sex {
        Female = "female": "Female",
        Male = "male": "Male",
        Other = "other": "Other",
        Unknown = "unknown": "Not known",
    }
}

coded_enum! {
    /// ONS 2021 census high-level ethnic groups (England and Wales).
    Ethnicity {
        Asian = "asian": "Asian, Asian British or Asian Welsh",
        Black = "black": "Black, Black British, Black Welsh, Caribbean or African",
        Mixed = "mixed": "Mixed or Multiple ethnic groups",
        White = "white": "White",
        Other = "other": "Other ethnic group",
        NotStated = "not_stated": "Not stated",
    }
}

coded_enum! {
    /// Core20PLUS5 "PLUS" inclusion groups recorded for a person.
    PlusGroup {
        EthnicMinority = "ethnic_minority": "Ethnic minority community",
        InclusionHealth = "inclusion_health": "Inclusion health group",
        LearningDisabilityAutism = "learning_disability_autism": "Learning disability or autism",
        Carer = "carer": "Carer",
        Multimorbidity = "multimorbidity": "Multiple long-term conditions",
        Coastal = "coastal": "Coastal community",
    }
}

coded_enum! {
    /// Long-term conditions, including the Core20PLUS5 adult clinical areas.
    LongTermCondition {
        SevereMentalIllness = "severe_mental_illness": "Severe mental illness",
        ChronicRespiratory = "chronic_respiratory": "Chronic respiratory disease",
        Hypertension = "hypertension": "Hypertension",
        Cancer = "cancer": "Cancer",
        Maternity = "maternity": "Maternity",
        Diabetes = "diabetes": "Diabetes",
        Depression = "depression": "Depression or anxiety",
        Dementia = "dementia": "Dementia",
    }
}

/// Most failed identity matches one user may make in [`MATCH_WINDOW_MINUTES`]. Five lets
/// a referrer correct a typo or two; it makes trying birth dates in a loop (one in about
/// 30,000 per year of age) hopeless.
pub const MATCH_FAILURES_ALLOWED: i64 = 5;
pub const MATCH_WINDOW_MINUTES: i64 = 15;

/// Why the details sent with an NHS number were not accepted. Worded the same whatever
/// is on file (which detail differed, whose record it is, its id), so a refusal teaches
/// nothing but "check the details".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchRefused {
    /// The NHS number is on file with another family name or date of birth, or (when
    /// registering) is on file at all.
    NotAccepted,
    /// The user has had too many refusals in the window; nothing is checked until it ends.
    TooManyFailures,
}

impl MatchRefused {
    pub fn message(self) -> String {
        match self {
            MatchRefused::NotAccepted => "the NHS number, family name and date of birth cannot be accepted as given: check all three against the GP record".into(),
            MatchRefused::TooManyFailures => format!(
                "too many details have been refused for this account: no NHS number is checked for {} minutes",
                MATCH_WINDOW_MINUTES
            ),
        }
    }
}

/// A person as stored, with geography resolved from their postcode.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Person {
    pub id: i64,
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
    /// The PRSB record's further fields (address lines, preferred name, language,
    /// communication needs, contact preferences), flat in the JSON.
    #[serde(flatten)]
    pub record: PrsbRecord,
}

impl Person {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
    }

    /// The name to greet them by: their preferred name when they gave one.
    pub fn called(&self) -> &str {
        self.record
            .preferred_name
            .as_deref()
            .unwrap_or(&self.given_name)
    }

    pub fn age_on(&self, day: NaiveDate) -> u32 {
        day.years_since(self.date_of_birth).unwrap_or(0)
    }
}

/// Joins codes for storage in one text column ("carer,coastal").
pub fn join_codes<T: Copy>(items: &[T], code: fn(T) -> &'static str) -> String {
    items.iter().map(|i| code(*i)).collect::<Vec<_>>().join(",")
}

/// Reads codes written by [`join_codes`], ignoring any that are no longer known.
pub fn split_codes<T>(text: &str, parse: fn(&str) -> Option<T>) -> Vec<T> {
    text.split(',').filter_map(parse).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nhs_number_accepts_valid_numbers_in_common_layouts() {
        // 943 476 5919 is the NHS Digital published test number; 401 023 2137 another.
        for ok in ["9434765919", "943 476 5919", "943-476-5919", "4010232137"] {
            assert!(NhsNumber::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            NhsNumber::parse("9434765919").unwrap().to_string(),
            "943 476 5919"
        );
    }

    #[test]
    fn nhs_number_refuses_bad_check_digit_and_format() {
        assert_eq!(
            NhsNumber::parse("9434765918"),
            Err(NhsNumberError::CheckDigit)
        );
        // Remainder 1 -> check 10, which no valid number has.
        assert_eq!(
            NhsNumber::parse("1000000010"),
            Err(NhsNumberError::CheckDigit)
        );
        for bad in ["", "943476591", "94347659190", "943476591X"] {
            assert_eq!(NhsNumber::parse(bad), Err(NhsNumberError::Format), "{bad}");
        }
    }

    #[test]
    fn generated_nhs_numbers_are_valid() {
        for n in [100_000_000u32, 943_476_591, 999_999_999] {
            if let Some(nhs) = NhsNumber::from_first_nine(n) {
                assert_eq!(NhsNumber::parse(&nhs.to_string()), Ok(nhs));
            }
        }
        assert_eq!(
            NhsNumber::from_first_nine(943_476_591).unwrap().to_string(),
            "943 476 5919"
        );
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn nhs_parse_never_panics(input in "\\PC{0,24}") {
            let _ = NhsNumber::parse(&input);
        }

        /// Exactly one in ten possible last digits is right, or none (remainder 10).
        #[test]
        fn exactly_the_check_digit_is_accepted(first_nine in 0u32..1_000_000_000) {
            let accepted: Vec<u32> = (0..10)
                .filter(|d| NhsNumber::parse(&format!("{:09}{d}", first_nine)).is_ok())
                .collect();
            prop_assert!(accepted.len() <= 1);
            prop_assert_eq!(accepted.len() == 1, NhsNumber::from_first_nine(first_nine).is_some());
        }
    }
}
