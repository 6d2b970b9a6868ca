//! What the PRSB Social Prescribing standard asks of a person's record beyond what Linkwell
//! first kept: address lines and town beside the postcode, a preferred name, gender
//! identity beside sex, preferred language and whether an interpreter is needed,
//! communication needs (the NHS Accessible Information Standard) and how and when to make
//! contact. All optional in storage, so people registered before keep their rows; where
//! the address is required is decided by the way in (docs/people.md).
//!
//! Contact method and written format are the UK Core code lists
//! (`data/ukcore-contact-codes.csv`); gender identity, communication needs and contact
//! times are free text, as no published coded list for them ships with Linkwell.

use super::coded_enum;
use super::language::Language;
use crate::input::{line_field, text_field, FieldError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The UK Core code lists the enums below are taken from (system, code, display).
pub const UKCORE_CONTACT_CODES_CSV: &str = include_str!("../../data/ukcore-contact-codes.csv");
pub const CONTACT_METHOD_SYSTEM: &str =
    "https://fhir.hl7.org.uk/CodeSystem/UKCore-PreferredContactMethod";
pub const WRITTEN_FORMAT_SYSTEM: &str =
    "https://fhir.hl7.org.uk/CodeSystem/UKCore-PreferredWrittenCommunicationFormat";

coded_enum! {
    /// How the person prefers to be contacted: UK Core PreferredContactMethod.
    ContactMethod {
        Letter = "letter": "Letter",
        Visit = "visit": "Visit",
        Telephone = "telephone": "Telephone",
        Email = "email": "Email",
        Textphone = "textphone": "Minicom (textphone)",
        TelephoneViaProxy = "telephone_via_proxy": "Telephone, through someone else",
        SignLanguage = "sign_language": "Sign language",
        NoTelephone = "no_telephone": "No telephone contact",
        Sms = "sms": "Text message (SMS)",
    }
}

impl ContactMethod {
    /// The UK Core code (`data/ukcore-contact-codes.csv`).
    pub fn ukcore_code(self) -> &'static str {
        match self {
            ContactMethod::Letter => "1",
            ContactMethod::Visit => "2",
            ContactMethod::Telephone => "3",
            ContactMethod::Email => "4",
            ContactMethod::Textphone => "5",
            ContactMethod::TelephoneViaProxy => "6",
            ContactMethod::SignLanguage => "7",
            ContactMethod::NoTelephone => "8",
            ContactMethod::Sms => "9",
        }
    }

    pub fn from_ukcore_code(code: &str) -> Option<ContactMethod> {
        ContactMethod::ALL
            .iter()
            .copied()
            .find(|m| m.ukcore_code() == code)
    }
}

coded_enum! {
    /// An alternative format for what is written to the person (Accessible Information
    /// Standard): UK Core PreferredWrittenCommunicationFormat.
    WrittenFormat {
        LargePrint = "large_print": "Large print",
        Braille = "braille": "Braille",
        Audio = "audio": "Audio",
    }
}

impl WrittenFormat {
    pub fn ukcore_code(self) -> &'static str {
        match self {
            WrittenFormat::LargePrint => "11",
            WrittenFormat::Braille => "12",
            WrittenFormat::Audio => "13",
        }
    }

    pub fn from_ukcore_code(code: &str) -> Option<WrittenFormat> {
        WrittenFormat::ALL
            .iter()
            .copied()
            .find(|f| f.ukcore_code() == code)
    }
}

/// The UK Core display of a code, as published (for FHIR codings).
pub fn ukcore_display(system: &str, code: &str) -> Option<&'static str> {
    UKCORE_CONTACT_CODES_CSV.lines().skip(1).find_map(|line| {
        let mut parts = line.splitn(3, ',');
        (parts.next() == Some(system) && parts.next() == Some(code)).then(|| parts.next())?
    })
}

/// The PRSB fields of a person's record, checked.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PrsbRecord {
    #[schema(example = "14 Acacia Avenue")]
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    #[schema(example = "Birmingham")]
    pub town: Option<String>,
    /// What the person likes to be called, when not their given name.
    pub preferred_name: Option<String>,
    /// Gender identity in the person's own words (free text: no coded list ships).
    pub gender_identity: Option<String>,
    pub preferred_language: Option<Language>,
    pub interpreter_needed: Option<bool>,
    /// Communication and information needs (Accessible Information Standard), in words.
    pub communication_needs: Option<String>,
    pub written_format: Option<WrittenFormat>,
    pub preferred_contact_method: Option<ContactMethod>,
    /// When the person would like to be contacted, in words ("weekday mornings").
    pub preferred_contact_times: Option<String>,
}

impl PrsbRecord {
    /// The address lines, town and postcode, as one line for a page or letter.
    pub fn address_with(&self, postcode: &str) -> String {
        [
            self.address_line1.as_deref(),
            self.address_line2.as_deref(),
            self.town.as_deref(),
            Some(postcode).filter(|p| !p.is_empty()),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
    }

    /// What anyone writing to or meeting the person should know first, in words (for the
    /// person's page, the printed plan and matching): empty when nothing is recorded.
    pub fn communication_summary(&self) -> Vec<String> {
        let mut said = Vec::new();
        if let Some(language) = self.preferred_language {
            said.push(format!("Preferred language: {}", language.label()));
        }
        if self.interpreter_needed == Some(true) {
            said.push("Needs an interpreter".into());
        }
        if let Some(format) = self.written_format {
            said.push(format!(
                "Written information in {}",
                format.label().to_lowercase()
            ));
        }
        if let Some(needs) = &self.communication_needs {
            said.push(format!("Communication needs: {needs}"));
        }
        if let Some(method) = self.preferred_contact_method {
            said.push(format!(
                "Prefers contact by {}",
                method.label().to_lowercase()
            ));
        }
        if let Some(times) = &self.preferred_contact_times {
            said.push(format!("Best times: {times}"));
        }
        said
    }
}

/// The PRSB part of a person's record as it arrives, before any check, replaced whole: a
/// field left out is cleared and empty text counts as not given. Unknown fields are refused
/// so a typo cannot lose data.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = RecordInput)]
pub struct PrsbDetails {
    /// First line of the address (the PRSB record's address; the pages require it).
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

/// Longest address line or town (PRSB and the NHS Data Dictionary allow 35 a line; 100
/// leaves room for a line typed whole).
pub const ADDRESS_LINE_MAX: usize = 100;
pub const NAME_MAX: usize = 100;
pub const GENDER_IDENTITY_MAX: usize = 60;
pub const COMMUNICATION_NEEDS_MAX: usize = 500;
pub const CONTACT_TIMES_MAX: usize = 200;

fn optional(
    field: &str,
    value: Option<String>,
    max: usize,
    multi_line: bool,
) -> Result<Option<String>, FieldError> {
    match value {
        Some(v) if !v.trim().is_empty() => Ok(Some(if multi_line {
            text_field(field, &v, 1, max)?
        } else {
            line_field(field, &v, 1, max)?
        })),
        _ => Ok(None),
    }
}

impl PrsbDetails {
    /// Checks every field (no control characters, lengths, known codes); the first problem,
    /// named by its field.
    pub fn check(self) -> Result<PrsbRecord, FieldError> {
        let preferred_language = match self.preferred_language.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(code) => Some(Language::parse(code).map_err(|e| {
                FieldError::new("preferred_language", "Unknown language", e.to_string())
            })?),
        };
        Ok(PrsbRecord {
            address_line1: optional("address_line1", self.address_line1, ADDRESS_LINE_MAX, false)?,
            address_line2: optional("address_line2", self.address_line2, ADDRESS_LINE_MAX, false)?,
            town: optional("town", self.town, ADDRESS_LINE_MAX, false)?,
            preferred_name: optional("preferred_name", self.preferred_name, NAME_MAX, false)?,
            gender_identity: optional(
                "gender_identity",
                self.gender_identity,
                GENDER_IDENTITY_MAX,
                false,
            )?,
            preferred_language,
            interpreter_needed: self.interpreter_needed,
            communication_needs: optional(
                "communication_needs",
                self.communication_needs,
                COMMUNICATION_NEEDS_MAX,
                true,
            )?,
            written_format: self.written_format,
            preferred_contact_method: self.preferred_contact_method,
            preferred_contact_times: optional(
                "preferred_contact_times",
                self.preferred_contact_times,
                CONTACT_TIMES_MAX,
                false,
            )?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_ukcore_code_used_is_on_the_published_list() {
        for m in ContactMethod::ALL {
            assert!(
                ukcore_display(CONTACT_METHOD_SYSTEM, m.ukcore_code()).is_some(),
                "{m:?}"
            );
        }
        for f in WrittenFormat::ALL {
            assert!(ukcore_display(WRITTEN_FORMAT_SYSTEM, f.ukcore_code()).is_some());
        }
        assert_eq!(ukcore_display(CONTACT_METHOD_SYSTEM, "9"), Some("SMS"));
        assert_eq!(
            ukcore_display(WRITTEN_FORMAT_SYSTEM, "11"),
            Some("Large print")
        );
        assert_eq!(ukcore_display(WRITTEN_FORMAT_SYSTEM, "14"), None);
        // Each enum label's meaning is the published display's.
        assert_eq!(
            ukcore_display(CONTACT_METHOD_SYSTEM, ContactMethod::Sms.ukcore_code()),
            Some("SMS")
        );
        assert_eq!(
            ukcore_display(WRITTEN_FORMAT_SYSTEM, WrittenFormat::Braille.ukcore_code()),
            Some("Braille")
        );
    }

    #[test]
    fn check_refuses_control_characters_long_text_and_unknown_languages() {
        let bad = |d: PrsbDetails| d.check().unwrap_err().field;
        assert_eq!(
            bad(PrsbDetails {
                town: Some("Bir\u{7}mingham".into()),
                ..Default::default()
            }),
            "town"
        );
        assert_eq!(
            bad(PrsbDetails {
                address_line1: Some("x".repeat(101)),
                ..Default::default()
            }),
            "address_line1"
        );
        assert_eq!(
            bad(PrsbDetails {
                preferred_language: Some("klingon".into()),
                ..Default::default()
            }),
            "preferred_language"
        );
        let ok = PrsbDetails {
            town: Some("  Birmingham ".into()),
            preferred_name: Some("".into()),
            communication_needs: Some("Large print\nHearing loop".into()),
            preferred_language: Some("BFI".into()),
            ..Default::default()
        }
        .check()
        .unwrap();
        assert_eq!(ok.town.as_deref(), Some("Birmingham"));
        assert_eq!(ok.preferred_name, None);
        assert_eq!(ok.preferred_language.unwrap().code(), "bfi");
        assert_eq!(ok.address_with("B25 8DS"), "Birmingham, B25 8DS");
    }
}
