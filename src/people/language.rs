//! A person's preferred language: a BCP 47 language subtag from the NHS list of human
//! languages (`data/languages.csv`, see data/README.md), which is what FHIR
//! `Patient.communication.language` and an HSDS service's `languages` both carry. Only codes
//! on that list are accepted, so the pages can name every language in words.

use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// The shipped list: `code,display,nhs_code`.
pub const LANGUAGES_CSV: &str = include_str!("../../data/languages.csv");

struct Entry {
    code: String,
    display: String,
}

static LANGUAGES: LazyLock<Vec<Entry>> = LazyLock::new(|| {
    csv::Reader::from_reader(LANGUAGES_CSV.as_bytes())
        .records()
        .filter_map(Result::ok)
        .map(|r| Entry {
            code: r[0].to_string(),
            display: r[1].to_string(),
        })
        .collect()
});

/// A language on the shipped list, kept as its position in it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Language(u16);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a language code Linkwell knows: use a BCP 47 language subtag from the NHS list, for example en, pl, pa or bfi (British Sign Language)")]
pub struct UnknownLanguage;

impl Language {
    /// Finds a language by its code, ignoring case and surrounding space.
    pub fn parse(code: &str) -> Result<Language, UnknownLanguage> {
        let code = code.trim().to_ascii_lowercase();
        LANGUAGES
            .iter()
            .position(|e| e.code == code)
            .map(|i| Language(i as u16))
            .ok_or(UnknownLanguage)
    }

    /// The BCP 47 subtag ("bfi").
    pub fn code(self) -> &'static str {
        &LANGUAGES[self.0 as usize].code
    }

    /// The NHS list's name for it ("British Sign Language").
    pub fn label(self) -> &'static str {
        &LANGUAGES[self.0 as usize].display
    }

    /// Every language on the list, in alphabetical order of name.
    pub fn all() -> impl Iterator<Item = Language> {
        (0..LANGUAGES.len()).map(|i| Language(i as u16))
    }

    pub fn is_english(self) -> bool {
        self.code() == "en"
    }

    /// Whether an HSDS language entry (its ISO 639 code, or failing that its name) is this
    /// language: the code compared on its primary subtag ("pl-PL" is Polish).
    pub fn matches_listing(self, code: Option<&str>, name: Option<&str>) -> bool {
        match code.map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) => c
                .split(['-', '_'])
                .next()
                .is_some_and(|primary| primary.eq_ignore_ascii_case(self.code())),
            None => name.is_some_and(|n| n.trim().eq_ignore_ascii_case(self.label())),
        }
    }
}

impl std::fmt::Debug for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Language({})", self.code())
    }
}

impl std::fmt::Display for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

impl Serialize for Language {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Language {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Language::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl utoipa::PartialSchema for Language {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "BCP 47 language subtag from the NHS list of human languages (data/languages.csv)",
            ))
            .enum_values(Some(Language::all().map(Language::code)))
            .into()
    }
}

impl utoipa::ToSchema for Language {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_holds_the_nhs_languages_with_bcp47_codes() {
        assert_eq!(Language::all().count(), 187);
        let bsl = Language::parse(" BFI ").unwrap();
        assert_eq!((bsl.code(), bsl.label()), ("bfi", "British Sign Language"));
        assert_eq!(Language::parse("pl").unwrap().label(), "Polish");
        // The NHS's own sign-language and Braille codes are not BCP 47: refused.
        for bad in ["q4", "q1", "mo", "", "english", "pl-PL"] {
            assert_eq!(Language::parse(bad), Err(UnknownLanguage), "{bad}");
        }
    }

    #[test]
    fn a_listing_matches_on_its_primary_subtag_or_name() {
        let polish = Language::parse("pl").unwrap();
        assert!(polish.matches_listing(Some("pl-PL"), None));
        assert!(polish.matches_listing(None, Some("polish")));
        assert!(!polish.matches_listing(Some("pt"), Some("Polish")));
        assert!(!polish.matches_listing(Some("plx"), None));
    }
}
