//! The PRSB record's fields as a page form sends them, shared by the referral form and the
//! person's record page (`templates/communication_fields.html` is their markup): the checks
//! a page makes before anything is built, and the lists the choices are made from.

use super::referral_form::capitalised;
use super::views::{Choice, FieldErrors};
use crate::people::record::{
    ADDRESS_LINE_MAX, COMMUNICATION_NEEDS_MAX, CONTACT_TIMES_MAX, GENDER_IDENTITY_MAX, NAME_MAX,
};
use crate::people::{ContactMethod, Language, PrsbDetails, PrsbRecord, WrittenFormat};
use serde::Deserialize;

/// The record's fields as typed, kept as text so a refused form comes back as it was. Each
/// form that asks for them flattens this into its own fields.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct RecordFields {
    pub address_line1: String,
    pub address_line2: String,
    pub town: String,
    pub preferred_name: String,
    pub gender_identity: String,
    pub preferred_language: String,
    pub interpreter_needed: String,
    pub communication_needs: String,
    pub written_format: String,
    pub preferred_contact_method: String,
    pub preferred_contact_times: String,
}

impl RecordFields {
    /// A record on file, as its form shows it.
    pub fn of(record: &PrsbRecord) -> RecordFields {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let code = |c: Option<&str>| c.unwrap_or_default().to_string();
        RecordFields {
            address_line1: text(&record.address_line1),
            address_line2: text(&record.address_line2),
            town: text(&record.town),
            preferred_name: text(&record.preferred_name),
            gender_identity: text(&record.gender_identity),
            preferred_language: code(record.preferred_language.as_ref().map(|l| l.code())),
            interpreter_needed: match record.interpreter_needed {
                Some(true) => "yes".into(),
                Some(false) => "no".into(),
                None => String::new(),
            },
            communication_needs: text(&record.communication_needs),
            written_format: code(record.written_format.map(|f| f.code())),
            preferred_contact_method: code(record.preferred_contact_method.map(|m| m.code())),
            preferred_contact_times: text(&record.preferred_contact_times),
        }
    }

    /// The fields as the domain takes them, before its checks.
    pub fn details(&self) -> PrsbDetails {
        PrsbDetails {
            address_line1: Some(self.address_line1.clone()),
            address_line2: Some(self.address_line2.clone()),
            town: Some(self.town.clone()),
            preferred_name: Some(self.preferred_name.clone()),
            gender_identity: Some(self.gender_identity.clone()),
            preferred_language: Some(self.preferred_language.clone()).filter(|l| !l.is_empty()),
            interpreter_needed: self.interpreter(),
            communication_needs: Some(self.communication_needs.clone()),
            written_format: WrittenFormat::from_code(&self.written_format),
            preferred_contact_method: ContactMethod::from_code(&self.preferred_contact_method),
            preferred_contact_times: Some(self.preferred_contact_times.clone()),
        }
    }

    /// Every problem at once: the address asked for (the PRSB record makes it mandatory for
    /// a person typing it in), each choice one from its list, and each text's length and
    /// characters by the checks every way in uses.
    pub fn check(&self, errors: &mut FieldErrors) {
        for (field, value, what) in [
            (
                "address_line1",
                self.address_line1.as_str(),
                "Enter the first line of their address",
            ),
            ("town", self.town.as_str(), "Enter their town or city"),
        ] {
            if value.trim().is_empty() {
                errors.add(field, what.to_string());
            }
        }
        if !self.preferred_language.is_empty() && Language::parse(&self.preferred_language).is_err()
        {
            errors.add(
                "preferred_language",
                "Select a language from the list".into(),
            );
        }
        if !matches!(self.interpreter_needed.as_str(), "" | "yes" | "no") {
            errors.add("interpreter_needed", "Select yes or no".into());
        }
        if !self.written_format.is_empty()
            && WrittenFormat::from_code(&self.written_format).is_none()
        {
            errors.add("written_format", "Select a format from the list".into());
        }
        if !self.preferred_contact_method.is_empty()
            && ContactMethod::from_code(&self.preferred_contact_method).is_none()
        {
            errors.add(
                "preferred_contact_method",
                "Select a way to contact them from the list".into(),
            );
        }
        for (field, value, max, multi_line) in [
            (
                "address_line1",
                &self.address_line1,
                ADDRESS_LINE_MAX,
                false,
            ),
            (
                "address_line2",
                &self.address_line2,
                ADDRESS_LINE_MAX,
                false,
            ),
            ("town", &self.town, ADDRESS_LINE_MAX, false),
            ("preferred_name", &self.preferred_name, NAME_MAX, false),
            (
                "gender_identity",
                &self.gender_identity,
                GENDER_IDENTITY_MAX,
                false,
            ),
            (
                "communication_needs",
                &self.communication_needs,
                COMMUNICATION_NEEDS_MAX,
                true,
            ),
            (
                "preferred_contact_times",
                &self.preferred_contact_times,
                CONTACT_TIMES_MAX,
                false,
            ),
        ] {
            let checked = if multi_line {
                crate::input::text_field(field, value, 0, max)
            } else {
                crate::input::line_field(field, value, 0, max)
            };
            if let (Err(e), None) = (checked, errors.of(field)) {
                errors.add(field, capitalised(&e.detail));
            }
        }
    }

    /// "yes", "no" or not said.
    pub fn interpreter(&self) -> Option<bool> {
        match self.interpreter_needed.as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        }
    }

    /// The languages, written formats and contact methods to choose from, as typed.
    pub fn choices(&self) -> (Vec<Choice>, Vec<Choice>, Vec<Choice>) {
        (
            Language::all()
                .map(|l| Choice::new(l.code(), l.label(), l.code() == self.preferred_language))
                .collect(),
            WrittenFormat::ALL
                .iter()
                .map(|f| Choice::new(f.code(), f.label(), f.code() == self.written_format))
                .collect(),
            ContactMethod::ALL
                .iter()
                .map(|m| {
                    Choice::new(
                        m.code(),
                        m.label(),
                        m.code() == self.preferred_contact_method,
                    )
                })
                .collect(),
        )
    }
}
