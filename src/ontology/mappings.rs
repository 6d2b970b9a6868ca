//! How Linkwell's concepts relate to outside ones (docs/ontology.md, "Mappings").
//!
//! Every outside code named here must be a row of `data/sdohcc-codes.csv`, copied from the
//! published standard with its source; a mapping to a code that is not there is dropped and
//! fails the tests, so no code can be made up. SNOMED CT is not mapped: the repository cites
//! no published NHS source for the two codes it uses (docs/ontology.md).

use super::{Mapping, Match, Target};
use crate::directory::taxonomy::need_term_id;
use crate::referrals::Need;
use std::sync::OnceLock;

/// The outside codes Linkwell maps to, with where each was copied from.
pub const EXTERNAL_CODES_CSV: &str = include_str!("../../data/sdohcc-codes.csv");

/// The SDOH Clinical Care IG's code system for SDOH categories.
const SDOHCC: &str =
    "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes";
/// FHIR R4's Task status code system, as the SDOH Clinical Care IG's Task status value set
/// lists it.
const TASK_STATUS: &str = "http://hl7.org/fhir/task-status";

/// One row of `data/sdohcc-codes.csv`.
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

fn external_codes() -> &'static [ExternalCode] {
    static CODES: OnceLock<Vec<ExternalCode>> = OnceLock::new();
    CODES.get_or_init(|| {
        csv::Reader::from_reader(EXTERNAL_CODES_CSV.as_bytes())
            .deserialize()
            .filter_map(Result::ok)
            .collect()
    })
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
        assert!(external_codes().len() >= 20, "the CSV parsed");
        for (vocabulary, code, _, system, target) in MAPPINGS {
            let row = external(system, target).unwrap_or_else(|| {
                panic!("{vocabulary}#{code} -> {system}#{target} is not in data/sdohcc-codes.csv")
            });
            assert!(!row.source.trim().is_empty() && !row.display.trim().is_empty());
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
