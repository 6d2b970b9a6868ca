//! The PRSB record's fields as a page form sends them, shared by the referral form and the
//! person's record page (`templates/communication_fields.html` is their markup): the checks
//! a page makes before anything is built, and the lists the choices are made from.

use super::views::{Choice, FieldErrors};
use crate::people::{ContactMethod, Language, WrittenFormat};

/// The record's fields a page checks itself, as typed.
pub struct RecordText<'a> {
    pub address_line1: &'a str,
    pub town: &'a str,
    pub preferred_language: &'a str,
    pub interpreter_needed: &'a str,
    pub written_format: &'a str,
    pub preferred_contact_method: &'a str,
}

impl RecordText<'_> {
    /// The address asked for (the PRSB record makes it mandatory for a person typing it in)
    /// and each choice one from its list; lengths and characters are the domain's checks.
    pub fn check(&self, errors: &mut FieldErrors) {
        for (field, value, what) in [
            (
                "address_line1",
                self.address_line1,
                "Enter the first line of their address",
            ),
            ("town", self.town, "Enter their town or city"),
        ] {
            if value.trim().is_empty() {
                errors.add(field, what.to_string());
            }
        }
        if !self.preferred_language.is_empty() && Language::parse(self.preferred_language).is_err()
        {
            errors.add(
                "preferred_language",
                "Select a language from the list".into(),
            );
        }
        if !matches!(self.interpreter_needed, "" | "yes" | "no") {
            errors.add("interpreter_needed", "Select yes or no".into());
        }
        if !self.written_format.is_empty()
            && WrittenFormat::from_code(self.written_format).is_none()
        {
            errors.add("written_format", "Select a format from the list".into());
        }
        if !self.preferred_contact_method.is_empty()
            && ContactMethod::from_code(self.preferred_contact_method).is_none()
        {
            errors.add(
                "preferred_contact_method",
                "Select a way to contact them from the list".into(),
            );
        }
    }

    /// "yes", "no" or not said.
    pub fn interpreter(&self) -> Option<bool> {
        match self.interpreter_needed {
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
