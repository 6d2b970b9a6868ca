//! Linkwell's published ontology: every coded list the API speaks (needs, barriers, contact
//! modes, close reasons, referrer kinds, consent fields, outcome measures, ...) as vocabularies
//! of concepts, each with its stable code, plain-English wording, a one-sentence definition and
//! its mappings to outside code systems (docs/ontology.md).
//!
//! The concepts are read from the enums themselves (`ALL`, `code`, `label`), so a vocabulary
//! can never list a code the API refuses nor miss one it accepts; only the definitions and the
//! mappings are written here. Rendering lives elsewhere: FHIR CodeSystem and ValueSet in
//! `fhir::terminology`, SKOS in [`skos`]. No HTTP and no SQL.

pub mod api;
mod definitions;
mod mappings;
pub mod skos;

use crate::audit::AuditAction;
use crate::auth::Role;
use crate::consent::{ConsentMethod, ConsentStatus, SharedField};
use crate::measures::Instrument;
use crate::people::{Ethnicity, LongTermCondition, PlusGroup, Sex};
use crate::public_url::PublicUrl;
use crate::referrals::{
    Barrier, CloseReason, ConnectionStatus, ContactMode, EventKind, MeasureTiming, Need,
    ReferralState, ReferrerKind,
};
use crate::service_use::ServiceUseCode;

pub use mappings::{ExternalCode, EXTERNAL_CODES_CSV};

/// The ontology's version: it changes with the code, so it is the crate's.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// How close an outside concept is to a Linkwell one, in SKOS's words (skos:exactMatch,
/// skos:closeMatch, skos:relatedMatch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// The same meaning: either could be used in place of the other.
    Exact,
    /// Near enough to swap in most uses, not all.
    Close,
    /// Associated: one points to the area of the other, with a different scope.
    Related,
}

impl Match {
    /// The SKOS property's local name.
    pub fn skos_property(self) -> &'static str {
        match self {
            Match::Exact => "exactMatch",
            Match::Close => "closeMatch",
            Match::Related => "relatedMatch",
        }
    }
}

/// Where a mapping points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A code in an outside code system, copied into `data/` with its source.
    External(&'static ExternalCode),
    /// The term for a need in Linkwell's ORUK directory taxonomy ("Linkwell needs"), by its
    /// stable id (the same UUID in every installation).
    OrukTerm(String),
}

/// One mapping of a concept to an outside concept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    pub relation: Match,
    pub target: Target,
}

/// One code of a vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Concept {
    pub code: &'static str,
    pub display: &'static str,
    /// `None` only when a new code was added without one; the tests fail on it.
    pub definition: Option<&'static str>,
    pub mappings: Vec<Mapping>,
}

/// One coded list, published as a FHIR CodeSystem (with its ValueSet) and a SKOS
/// ConceptScheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vocabulary {
    /// The id in URLs (`/fhir/CodeSystem/{id}`): lower case with hyphens.
    pub id: &'static str,
    /// A computer-friendly name (FHIR `name`).
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    /// The `urn:linkwell:CodeSystem:...` system this list already carries in Linkwell's FHIR
    /// resources, where there is one, so a reader can tie the two together.
    pub legacy_system: Option<&'static str>,
    pub concepts: Vec<Concept>,
}

impl Vocabulary {
    pub fn concept(&self, code: &str) -> Option<&Concept> {
        self.concepts.iter().find(|c| c.code == code)
    }
}

/// The parts of a vocabulary that are not read from its enum.
struct About {
    id: &'static str,
    name: &'static str,
    title: &'static str,
    description: &'static str,
    legacy_system: Option<&'static str>,
}

fn vocabulary<T: Copy>(
    about: About,
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vocabulary {
    let concepts = all
        .iter()
        .map(|item| {
            let code = code(*item);
            Concept {
                code,
                display: label(*item),
                definition: definitions::of(about.id, code),
                mappings: mappings::of(about.id, code),
            }
        })
        .collect();
    Vocabulary {
        id: about.id,
        name: about.name,
        title: about.title,
        description: about.description,
        legacy_system: about.legacy_system,
        concepts,
    }
}

macro_rules! coded {
    ($ty:ty, $id:literal, $name:literal, $title:literal, $description:literal $(, $legacy:literal)?) => {
        vocabulary(
            About {
                id: $id,
                name: $name,
                title: $title,
                description: $description,
                legacy_system: [$($legacy)?].first().copied(),
            },
            &<$ty>::ALL[..],
            <$ty>::code,
            <$ty>::label,
        )
    };
}

/// Every published vocabulary, in a fixed order.
pub fn vocabularies() -> Vec<Vocabulary> {
    vec![
        coded!(Need, "need", "LinkwellNeed", "Needs",
            "What a person wants help with from social prescribing, in UK wording of the social determinants of health.",
            "urn:linkwell:CodeSystem:need"),
        coded!(Barrier, "barrier", "LinkwellBarrier", "Barriers",
            "Why a step in social prescribing did not happen, from the evidence on why it fails to reach people."),
        coded!(ContactMode, "contact-mode", "LinkwellContactMode", "Contact modes",
            "How a contact between a link worker and a person took place.",
            "urn:linkwell:CodeSystem:contact-mode"),
        coded!(CloseReason, "close-reason", "LinkwellCloseReason", "Close reasons",
            "Why a social prescribing referral was closed."),
        coded!(ReferrerKind, "referrer-kind", "LinkwellReferrerKind", "Referrer kinds",
            "Who made a referral to social prescribing."),
        coded!(SharedField, "shared-field", "LinkwellSharedField", "Consent shared fields",
            "The pieces of a person's record they may agree to share with a community organisation.",
            "urn:linkwell:CodeSystem:shared-field"),
        coded!(ConsentMethod, "consent-method", "LinkwellConsentMethod", "Consent methods",
            "How a person gave their consent to share."),
        coded!(ConsentStatus, "consent-status", "LinkwellConsentStatus", "Consent statuses",
            "Whether a consent to share may yet be acted on."),
        coded!(ConnectionStatus, "connection-status", "LinkwellConnectionStatus", "Connection statuses",
            "Where an onward connection to a community service stands: the SDOH Clinical Care IG's Task statuses plus attendance."),
        coded!(ReferralState, "referral-state", "LinkwellReferralState", "Referral states",
            "Where a social prescribing referral is in its lifecycle."),
        coded!(EventKind, "referral-event-kind", "LinkwellReferralEventKind", "Referral event kinds",
            "The kinds of entry in a referral's append-only history."),
        coded!(Instrument, "outcome-measure", "LinkwellOutcomeMeasure", "Outcome measures",
            "The validated well-being questionnaires Linkwell scores."),
        coded!(MeasureTiming, "measure-timing", "LinkwellMeasureTiming", "Measure timings",
            "When in an episode of support an outcome measure was taken."),
        coded!(Sex, "sex", "LinkwellSex", "Sex",
            "Sex as recorded in the GP record."),
        coded!(Ethnicity, "ons-2021-ethnic-group", "LinkwellEthnicGroup", "Ethnic groups",
            "The high-level ethnic groups of the ONS 2021 census for England and Wales, and not stated.",
            "urn:linkwell:CodeSystem:ons-2021-ethnic-group"),
        coded!(PlusGroup, "plus-group", "LinkwellPlusGroup", "Core20PLUS5 PLUS groups",
            "The Core20PLUS5 inclusion groups a person may belong to, for the equity report."),
        coded!(LongTermCondition, "long-term-condition", "LinkwellLongTermCondition", "Long-term conditions",
            "Long-term conditions recorded for a person, including the Core20PLUS5 adult clinical areas."),
        coded!(Role, "role", "LinkwellRole", "Roles",
            "What a Linkwell user is, which decides what they may see and do."),
        coded!(AuditAction, "audit-action", "LinkwellAuditAction", "Audit actions",
            "What was done to a record, as written in the audit log."),
        coded!(ServiceUseCode, "service-use", "LinkwellServiceUse", "Service use around a referral",
            "Counts of GP consultations and A&E attendances in the 6 months before and after a social prescribing referral was received."),
    ]
}

/// The canonical URL of a vocabulary's FHIR CodeSystem, which is also its SKOS
/// ConceptScheme's IRI: on the configured public address, never the request's host.
pub fn code_system_url(base: &PublicUrl, id: &str) -> String {
    base.join(&format!("/fhir/CodeSystem/{id}"))
}

/// The canonical URL of the ValueSet holding every code of a vocabulary.
pub fn value_set_url(base: &PublicUrl, id: &str) -> String {
    base.join(&format!("/fhir/ValueSet/{id}"))
}

/// One vocabulary by its id.
pub fn vocabulary_by_id(id: &str) -> Option<Vocabulary> {
    vocabularies().into_iter().find(|v| v.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_url_safe() {
        let all = vocabularies();
        let mut ids: Vec<_> = all.iter().map(|v| v.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), all.len());
        for v in &all {
            assert!(
                v.id.chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit()),
                "{}",
                v.id
            );
            assert!(v.name.chars().all(|c| c.is_ascii_alphanumeric()));
        }
    }

    #[test]
    fn every_concept_has_a_definition_and_every_definition_a_concept() {
        for v in vocabularies() {
            for c in &v.concepts {
                let definition = c
                    .definition
                    .unwrap_or_else(|| panic!("{}#{} has no definition", v.id, c.code));
                assert!(definition.ends_with('.'), "{}#{}", v.id, c.code);
            }
            for code in definitions::codes(v.id) {
                assert!(
                    v.concept(code).is_some(),
                    "a definition for {}#{code}, which is not a code",
                    v.id
                );
            }
        }
    }

    #[test]
    fn mappings_name_only_known_concepts() {
        for (vocabulary, code) in mappings::mapped_concepts() {
            let v = vocabulary_by_id(vocabulary).expect(vocabulary);
            assert!(v.concept(code).is_some(), "{vocabulary}#{code}");
        }
    }
}
