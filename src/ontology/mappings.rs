//! How Linkwell's concepts relate to outside ones (docs/ontology.md, "Mappings").
//!
//! Every outside code named here must be a row of `data/sdohcc-codes.csv` (copied from the
//! published standard) or `data/snomed-social-prescribing.csv` (the two SNOMED CT codes, with
//! the NHS page that says when each is recorded), each with its source; a mapping to a code
//! that is not there is dropped and fails the tests, so no code can be made up.

use super::{Mapping, Match, Target};
use crate::directory::taxonomy::need_term_id;
use crate::people::record::{
    ContactMethod, WrittenFormat, CONTACT_METHOD_SYSTEM, UKCORE_CONTACT_CODES_CSV,
    WRITTEN_FORMAT_SYSTEM,
};
use crate::referrals::Need;
use std::sync::OnceLock;

/// The outside codes Linkwell maps to, with where each was copied from.
pub const EXTERNAL_CODES_CSV: &str = include_str!("../../data/sdohcc-codes.csv");
/// The SNOMED CT codes Linkwell records, with the published NHS source for each and what it
/// says about when the code is recorded.
pub const SNOMED_CODES_CSV: &str = include_str!("../../data/snomed-social-prescribing.csv");

/// The SDOH Clinical Care IG's code system for SDOH categories.
const SDOHCC: &str =
    "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes";
/// FHIR R4's Task status code system, as the SDOH Clinical Care IG's Task status value set
/// lists it.
const TASK_STATUS: &str = "http://hl7.org/fhir/task-status";
/// SNOMED CT (the UK edition's codes are in the same system).
pub const SNOMED: &str = "http://snomed.info/sct";

/// One row of `data/sdohcc-codes.csv` or `data/snomed-social-prescribing.csv` (whose further
/// columns, publisher, date, URL and what it says, are read by [`snomed_sources`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct ExternalCode {
    pub system: String,
    pub code: String,
    pub display: String,
    pub source: String,
}

impl ExternalCode {
    /// The code as one IRI, for SKOS: the system with the code as its fragment.
    pub fn iri(&self) -> String {
        format!("{}#{}", self.system, self.code)
    }
}

/// Where the UK Core rows of `data/ukcore-contact-codes.csv` were copied from (that file has
/// no source column; data/README.md has the full provenance).
pub const UKCORE_SOURCE: &str = "HL7 UK, UK Core CodeSystems UKCore-PreferredContactMethod 2.2.0 and UKCore-PreferredWrittenCommunicationFormat 2.1.0 (NHSDigital/FHIR-R4-UKCORE-STAGING-MAIN), Apache License 2.0";

/// A row of `data/ukcore-contact-codes.csv`.
#[derive(serde::Deserialize)]
struct UkCoreRow {
    system: String,
    code: String,
    display: String,
}

fn external_codes() -> &'static [ExternalCode] {
    static CODES: OnceLock<Vec<ExternalCode>> = OnceLock::new();
    CODES.get_or_init(|| {
        let mut codes: Vec<ExternalCode> = [EXTERNAL_CODES_CSV, SNOMED_CODES_CSV]
            .iter()
            .flat_map(|text| {
                csv::Reader::from_reader(text.as_bytes())
                    .deserialize()
                    .filter_map(Result::ok)
                    .collect::<Vec<ExternalCode>>()
            })
            .collect();
        codes.extend(
            csv::Reader::from_reader(UKCORE_CONTACT_CODES_CSV.as_bytes())
                .deserialize::<UkCoreRow>()
                .filter_map(Result::ok)
                .map(|row| ExternalCode {
                    system: row.system,
                    code: row.code,
                    display: row.display,
                    source: UKCORE_SOURCE.to_string(),
                }),
        );
        codes
    })
}

/// One row of `data/snomed-social-prescribing.csv`: a SNOMED CT code and the published NHS
/// source that says when it is recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct SnomedSource {
    pub code: String,
    pub display: String,
    /// The source's title.
    pub source: String,
    pub publisher: String,
    pub published: String,
    pub url: String,
    /// What the source says about when the code is recorded, in this project's words.
    pub says: String,
}

/// Every SNOMED CT code with its source, as shipped in `data/`.
pub fn snomed_sources() -> Vec<SnomedSource> {
    csv::Reader::from_reader(SNOMED_CODES_CSV.as_bytes())
        .deserialize()
        .filter_map(Result::ok)
        .collect()
}

fn external(system: &str, code: &str) -> Option<&'static ExternalCode> {
    external_codes()
        .iter()
        .find(|c| c.system == system && c.code == code)
}

/// (vocabulary, code, relation, system, outside code), chosen by reading each outside
/// definition against Linkwell's (docs/ontology.md says why each is exact, close or related).
#[rustfmt::skip]
const MAPPINGS: &[(&str, &str, Match, &str, &str)] = &[
    ("need", "loneliness", Match::Close, SDOHCC, "social-connection"),
    ("need", "mental_wellbeing", Match::Related, SDOHCC, "stress"),
    ("need", "long_term_condition", Match::Related, SDOHCC, "personal-health-literacy"),
    ("need", "money", Match::Close, SDOHCC, "financial-insecurity"),
    ("need", "money", Match::Related, SDOHCC, "material-hardship"),
    ("need", "housing", Match::Related, SDOHCC, "housing-instability"),
    ("need", "housing", Match::Related, SDOHCC, "homelessness"),
    ("need", "housing", Match::Related, SDOHCC, "inadequate-housing"),
    ("need", "food", Match::Close, SDOHCC, "food-insecurity"),
    ("need", "employment", Match::Related, SDOHCC, "employment-status"),
    ("need", "digital_inclusion", Match::Close, SDOHCC, "digital-access"),
    ("need", "digital_inclusion", Match::Related, SDOHCC, "digital-literacy"),
    ("need", "transport", Match::Close, SDOHCC, "transportation-insecurity"),
    ("need", "domestic_abuse", Match::Close, SDOHCC, "intimate-partner-violence"),
    ("barrier", "cost", Match::Related, SDOHCC, "financial-insecurity"),
    ("barrier", "no_device", Match::Related, SDOHCC, "digital-access"),
    ("barrier", "no_connection", Match::Related, SDOHCC, "digital-access"),
    ("barrier", "no_digital_skills", Match::Related, SDOHCC, "digital-literacy"),
    ("barrier", "transport", Match::Related, SDOHCC, "transportation-insecurity"),
    ("barrier", "language", Match::Related, SDOHCC, "language-access"),
    ("connection-status", "in-progress", Match::Exact, TASK_STATUS, "in-progress"),
    ("connection-status", "completed", Match::Exact, TASK_STATUS, "completed"),
    ("connection-status", "cancelled", Match::Exact, TASK_STATUS, "cancelled"),
    ("connection-status", "failed", Match::Close, TASK_STATUS, "failed"),
    // The NHS source: 871711000000103 when the person declines the referral, which is what
    // the declined state means; 871731000000106 when they accept it, the move into `active`,
    // so the state (ongoing work) is related to the procedure code, not the same thing.
    ("referral-state", "declined", Match::Exact, SNOMED, "871711000000103"),
    ("referral-state", "active", Match::Related, SNOMED, "871731000000106"),
    // The GP record events are when the two codes are recorded: accepting is the moment the
    // source names for 871731000000106 (close: the event also starts the episode's messages),
    // declining the moment for 871711000000103.
    ("gp-outbox-event", "accepted", Match::Close, SNOMED, "871731000000106"),
    ("gp-outbox-event", "declined", Match::Exact, SNOMED, "871711000000103"),
];

/// A concept's mappings: the outside codes above, and for a need its term in the ORUK
/// directory taxonomy (the same concept, published by Linkwell's own ORUK API).
pub(super) fn of(vocabulary: &str, code: &str) -> Vec<Mapping> {
    let mut found: Vec<Mapping> = MAPPINGS
        .iter()
        .filter(|(v, c, ..)| *v == vocabulary && *c == code)
        .filter_map(|(_, _, relation, system, target)| {
            Some(Mapping {
                relation: *relation,
                target: Target::External(external(system, target)?),
            })
        })
        .collect();
    // Preferred contact methods and written formats are UK Core's lists, code for code
    // (`people::record` holds each one's UK Core code).
    let ukcore = match vocabulary {
        "contact-method" => {
            ContactMethod::from_code(code).map(|m| (CONTACT_METHOD_SYSTEM, m.ukcore_code()))
        }
        "written-format" => {
            WrittenFormat::from_code(code).map(|f| (WRITTEN_FORMAT_SYSTEM, f.ukcore_code()))
        }
        _ => None,
    };
    if let Some(target) = ukcore.and_then(|(system, code)| external(system, code)) {
        found.push(Mapping {
            relation: Match::Exact,
            target: Target::External(target),
        });
    }
    if vocabulary == "need" {
        if let Some(need) = Need::from_code(code) {
            found.push(Mapping {
                relation: Match::Exact,
                target: Target::OrukTerm(need_term_id(need)),
            });
        }
    }
    found
}

/// Every (vocabulary, code) given an outside mapping above.
#[cfg(test)]
pub(super) fn mapped_concepts() -> impl Iterator<Item = (&'static str, &'static str)> {
    MAPPINGS.iter().map(|(v, c, ..)| (*v, *c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mapped_code_is_in_data_with_a_source() {
        assert_eq!(external_codes().len(), 31 + 2 + 12, "the three CSVs parsed");
        for (vocabulary, code, _, system, target) in MAPPINGS {
            let row = external(system, target).unwrap_or_else(|| {
                panic!("{vocabulary}#{code} -> {system}#{target} is not in data/sdohcc-codes.csv")
            });
            assert!(!row.source.trim().is_empty() && !row.display.trim().is_empty());
        }
    }

    /// Every SNOMED CT code the product records (the constants in `referrals`) is a row of
    /// `data/snomed-social-prescribing.csv` with its published source: title, publisher, an
    /// https URL and what it says. A code added without its source fails here.
    #[test]
    fn every_snomed_code_recorded_has_a_published_source() {
        let sources = snomed_sources();
        for code in [
            crate::referrals::SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING,
            crate::referrals::SNOMED_SOCIAL_PRESCRIBING_DECLINED,
        ] {
            let row = sources.iter().find(|s| s.code == code).unwrap_or_else(|| {
                panic!("{code} has no row in data/snomed-social-prescribing.csv")
            });
            assert!(row.url.starts_with("https://"), "{code}");
            for field in [
                &row.display,
                &row.source,
                &row.publisher,
                &row.published,
                &row.says,
            ] {
                assert!(!field.trim().is_empty(), "{code}");
            }
        }
        assert_eq!(sources.len(), 2, "every row is a code the product records");
    }

    #[test]
    fn every_contact_method_and_written_format_maps_exactly_to_its_uk_core_code() {
        for m in ContactMethod::ALL {
            let found = of("contact-method", m.code());
            assert_eq!(found.len(), 1, "{m:?}");
            assert!(matches!(&found[0].target, Target::External(c) if c.code == m.ukcore_code()));
        }
        for f in WrittenFormat::ALL {
            assert_eq!(of("written-format", f.code()).len(), 1, "{f:?}");
        }
    }

    #[test]
    fn the_fhir_category_of_each_need_is_one_of_its_mappings() {
        for need in Need::ALL {
            let mapped: Vec<_> = of("need", need.code())
                .into_iter()
                .filter_map(|m| match m.target {
                    Target::External(c) if c.system == SDOHCC => Some(c.code.as_str()),
                    _ => None,
                })
                .collect();
            match need.gravity_category() {
                Some(category) => assert!(mapped.contains(&category), "{need:?}"),
                None => assert!(mapped.is_empty(), "{need:?} maps but has no FHIR category"),
            }
        }
    }
}
