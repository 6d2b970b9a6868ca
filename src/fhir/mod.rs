//! FHIR R4 (4.0.1), JSON, aligned with the HL7 SDOH Clinical Care IG and UK coding
//! (docs/fhir.md). Hand-written resources for what Linkwell supports: a referral arrives as
//! a `ServiceRequest` (with its `Patient`), and reads come back the same way. Every error
//! is an `OperationOutcome` with a 4xx status.

pub mod api;
pub mod gp_message;
pub mod intake;
pub mod observation;
pub mod patient_record;
pub mod read;
pub mod resources;
pub mod search;
pub mod terminology;

/// NHS number identifier system.
pub const NHS_NUMBER_SYSTEM: &str = "https://fhir.nhs.uk/Id/nhs-number";
pub const SNOMED: &str = "http://snomed.info/sct";
/// The FHIR version served.
pub const FHIR_VERSION: &str = "4.0.1";

/// The string at a JSON pointer, if there is one.
pub(crate) fn text<'a>(value: &'a serde_json::Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(serde_json::Value::as_str)
}
