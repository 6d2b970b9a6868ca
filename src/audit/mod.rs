//! The audit trail: who read or changed a person's record, when, why, in which request.
//!
//! Records form a hash chain. Each record's hash is SHA-256 over its own fields and the
//! previous record's hash, and ids are consecutive, so editing, deleting or reordering any
//! record is detected by [`verify`], which names the first record that does not fit.

use crate::people::coded_enum;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

/// The hash the first record points back to.
pub const GENESIS: &str = "genesis";

/// Why casework is read or written. Fixed for now; other purposes (audit, safeguarding
/// review) arrive with the roles that need them.
pub const PURPOSE_DIRECT_CARE: &str = "direct care";

coded_enum! {
    /// What was done to the record.
    AuditAction {
        Read = "read": "Read",
        List = "list": "Listed",
        Create = "create": "Created",
        Update = "update": "Changed",
        Erase = "erase": "Erased",
        MatchRefused = "match_refused": "Refused an identity match",
        Extract = "extract": "Extracted for an evaluation",
        ExtractRefused = "extract_refused": "Refused an evaluation extract",
    }
}

/// Who is acting and in which request: attached to every audited read and write.
#[derive(Debug, Clone)]
pub struct AuditContext {
    pub actor_id: i64,
    pub actor_role: String,
    pub purpose: String,
    pub request_id: String,
}

/// One stored audit record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct AuditRecord {
    pub id: i64,
    /// RFC 3339, microseconds, UTC.
    pub at: String,
    pub actor_id: Option<i64>,
    pub actor_role: String,
    pub action: String,
    pub record_type: String,
    pub record_id: Option<i64>,
    pub person_id: Option<i64>,
    pub purpose: String,
    pub request_id: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRecord {
    /// The chained hash of this record's fields (everything but `hash` itself).
    pub fn compute_hash(&self) -> String {
        let fields = serde_json::json!([
            self.id,
            self.at,
            self.actor_id,
            self.actor_role,
            self.action,
            self.record_type,
            self.record_id,
            self.person_id,
            self.purpose,
            self.request_id,
            self.prev_hash,
        ]);
        hex::encode(Sha256::digest(fields.to_string().as_bytes()))
    }
}

/// Where the chain first fails to hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit record {id}: {reason}")]
pub struct ChainBreak {
    /// The id of the first record that does not fit (or the expected id, if missing).
    pub id: i64,
    pub reason: String,
}

/// Checks records in id order, continuing from `(last_id, last_hash)` of the records
/// already checked. Returns the new tip.
pub fn verify<'a>(
    records: impl IntoIterator<Item = &'a AuditRecord>,
    mut tip: (i64, String),
) -> Result<(i64, String), ChainBreak> {
    for record in records {
        let expected_id = tip.0 + 1;
        if record.id != expected_id {
            return Err(ChainBreak {
                id: expected_id.min(record.id),
                reason: format!(
                    "expected record {expected_id} next but found {}: records were deleted or reordered",
                    record.id
                ),
            });
        }
        if record.prev_hash != tip.1 {
            return Err(ChainBreak {
                id: record.id,
                reason: "does not point to the record before it: the one before was changed, or this one was moved".into(),
            });
        }
        if record.compute_hash() != record.hash {
            return Err(ChainBreak {
                id: record.id,
                reason: "its contents do not match its hash: it was edited".into(),
            });
        }
        tip = (record.id, record.hash.clone());
    }
    Ok(tip)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditRecord> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|id| {
                let mut r = AuditRecord {
                    id,
                    at: format!("2026-11-25T10:00:{id:02}.000000Z"),
                    actor_id: Some(7),
                    actor_role: "link_worker".into(),
                    action: "read".into(),
                    record_type: "person".into(),
                    record_id: Some(100 + id),
                    person_id: Some(100 + id),
                    purpose: PURPOSE_DIRECT_CARE.into(),
                    request_id: format!("req-{id}"),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                r.hash = r.compute_hash();
                prev = r.hash.clone();
                r
            })
            .collect()
    }

    fn start() -> (i64, String) {
        (0, GENESIS.to_string())
    }

    #[test]
    fn an_intact_chain_verifies() {
        let records = chain(5);
        let tip = verify(&records, start()).unwrap();
        assert_eq!(tip, (5, records[4].hash.clone()));
    }

    #[test]
    fn an_edited_record_is_named() {
        let mut records = chain(5);
        records[2].actor_id = Some(8);
        assert_eq!(verify(&records, start()).unwrap_err().id, 3);
    }

    #[test]
    fn an_edit_with_a_recomputed_hash_breaks_the_next_link() {
        let mut records = chain(5);
        records[2].purpose = "curiosity".into();
        records[2].hash = records[2].compute_hash();
        assert_eq!(verify(&records, start()).unwrap_err().id, 4);
    }

    #[test]
    fn a_deleted_record_is_named() {
        let mut records = chain(5);
        records.remove(1);
        let err = verify(&records, start()).unwrap_err();
        assert_eq!(err.id, 2);
        assert!(err.reason.contains("deleted"));
    }

    #[test]
    fn reordered_records_are_named() {
        let mut records = chain(5);
        records.swap(1, 2);
        assert_eq!(verify(&records, start()).unwrap_err().id, 2);
        // Swapping ids as well keeps ids consecutive, but the links no longer hold.
        let mut records = chain(5);
        records.swap(1, 2);
        records[1].id = 2;
        records[2].id = 3;
        assert_eq!(verify(&records, start()).unwrap_err().id, 2);
    }
}
