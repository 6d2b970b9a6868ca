//! Evaluation-ready extracts (issue 17, item 6): pseudonymised, person-level rows for an
//! approved evaluator, checked for k-anonymity before anything is written.
//!
//! Design and limits: docs/evaluation-extract.md.

pub mod anonymity;
pub mod package;
pub mod table;

use chrono::NaiveDate;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Audit purpose for approving and extracting.
pub const EVALUATION_PURPOSE: &str = "service evaluation";

/// Bytes of the HMAC kept in a person key: 128 bits, the shortest truncation RFC 2104 (§5)
/// recommends for a 256-bit hash; collisions are out of reach at any list size.
const KEY_BYTES: usize = 16;

/// An approved evaluation as stored (the secret never leaves the database).
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub id: i64,
    pub name: String,
    pub evaluator: String,
    pub purpose: String,
    /// The last day an extract may be made.
    pub approved_until: NaiveDate,
    pub key_secret: Vec<u8>,
}

impl Evaluation {
    /// Whether an extract may be made on `today`.
    pub fn is_current(&self, today: NaiveDate) -> bool {
        today <= self.approved_until
    }

    /// The person's key in this evaluation: HMAC-SHA256 of the person id under the
    /// evaluation's own secret, truncated to 128 bits, as hex. Fixed within an evaluation;
    /// unrelated across evaluations; not reversible without the secret.
    pub fn person_key(&self, person_id: i64) -> String {
        person_key(&self.key_secret, person_id)
    }
}

pub fn person_key(secret: &[u8], person_id: i64) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"person:");
    mac.update(&person_id.to_be_bytes());
    hex::encode(&mac.finalize().into_bytes()[..KEY_BYTES])
}

/// Now, as RFC 3339 UTC to the second.
pub fn now_rfc3339() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// What an operator gives to approve an evaluation.
#[derive(Debug, Clone)]
pub struct NewEvaluation {
    pub name: String,
    pub evaluator: String,
    pub purpose: String,
    pub approved_until: NaiveDate,
}

/// Why an approval is refused before anything is stored.
pub fn check_new(
    evaluation: &NewEvaluation,
    today: NaiveDate,
) -> Result<(), (&'static str, String)> {
    let name = &evaluation.name;
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    {
        return Err((
            "name",
            "an evaluation name is 1 to 64 letters, digits, '-', '_' or '.'".into(),
        ));
    }
    for (field, text) in [
        ("evaluator", &evaluation.evaluator),
        ("purpose", &evaluation.purpose),
    ] {
        if text.trim().is_empty()
            || text.chars().count() > 500
            || text.chars().any(char::is_control)
        {
            return Err((
                field,
                format!("{field} must be 1 to 500 characters of plain text"),
            ));
        }
    }
    if evaluation.approved_until < today {
        return Err((
            "until",
            format!(
                "the approval would already have ended ({})",
                evaluation.approved_until
            ),
        ));
    }
    Ok(())
}

/// The days an extract covers (referrals received in them), both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The outcome of an extract request, kept in `evaluation_extracts` and the audit log.
#[derive(Debug, Clone)]
pub struct ExtractRecord {
    pub evaluation_name: String,
    pub evaluation_id: Option<i64>,
    pub written: bool,
    pub period: Period,
    pub rows: usize,
    pub k: Option<usize>,
    pub generalisations: Vec<&'static str>,
    /// One line for people: what was extracted, or why it was refused.
    pub detail: String,
}

impl ExtractRecord {
    /// The audit record's purpose: the whole outcome, so the hash chain covers it.
    pub fn audit_purpose(&self) -> String {
        let mut text = format!(
            "{EVALUATION_PURPOSE} {}: {}",
            self.evaluation_name, self.detail
        );
        text.truncate(text.char_indices().nth(1000).map_or(text.len(), |(i, _)| i));
        text
    }
}
