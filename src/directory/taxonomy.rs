//! The Linkwell needs taxonomy: one term per need (docs/domain.md, "Needs"), with ids that are the
//! same in every installation, so directories, searches and matching agree on them.
//!
//! The need ids are frozen. They are stored in every listing's taxonomy attributes, served at
//! `/oruk/taxonomy_terms`, and carried by directories exported from Linkwell into other
//! systems, so a changed id would silently cut every listing off from its need. They were
//! made before Linkwell used the `uuid` crate, by stamping version 4 bits on a SHA-256 of the
//! name ([`frozen_name_uuid`]), which is not a standard name-based UUID; new name-based ids
//! are version 5 UUIDs in [`NAMESPACE`] ([`name_uuid`]). docs/directory.md, "Taxonomy ids".

use crate::referrals::Need;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Linkwell's namespace for name-based (version 5) UUIDs: a random UUID drawn once
/// (30 November 2026): RFC 9562 lets an application name its own namespace this way.
pub const NAMESPACE: Uuid = Uuid::from_u128(0x798bdcb7_5261_4e8d_8c0f_3d1fbd71a42d);

/// A UUID (version 4 layout) from 16 random bytes.
pub fn uuid_from(bytes: [u8; 16]) -> String {
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// The same UUID for the same name, everywhere: version 5 in Linkwell's namespace. For ids
/// made from now on; the need ids keep their frozen form.
pub fn name_uuid(name: &str) -> String {
    Uuid::new_v5(&NAMESPACE, name.as_bytes()).to_string()
}

/// How the need ids were made (version 4 bits on the first 16 bytes of SHA-256 of the
/// name). Kept only so that those stored and published ids never change.
fn frozen_name_uuid(name: &str) -> String {
    let digest = Sha256::digest(name.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid_from(bytes)
}

pub fn needs_taxonomy_id() -> String {
    frozen_name_uuid("linkwell-needs")
}

pub fn need_term_id(need: Need) -> String {
    frozen_name_uuid(&format!("linkwell-need-{}", need.code()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_distinct_uuids() {
        assert_eq!(frozen_name_uuid("x"), frozen_name_uuid("x"));
        assert_ne!(need_term_id(Need::Food), need_term_id(Need::Housing));
        let id = need_term_id(Need::Food);
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4", "version 4 layout");
    }

    /// The published ids, worked out apart from this code (Python's hashlib and uuid:
    /// SHA-256 of the name, first 16 bytes, version and variant bits set): they must never
    /// change.
    #[test]
    fn need_ids_are_the_ones_already_published() {
        assert_eq!(needs_taxonomy_id(), "e0fb4edd-4942-42d0-9007-f9219222f8c1");
        assert_eq!(
            need_term_id(Need::Food),
            "52b2d395-9539-45f5-9686-cf33bcac6e62"
        );
        assert_eq!(
            need_term_id(Need::Loneliness),
            "88ad438e-ba4a-42b6-9975-279824510268"
        );
    }

    /// Version 5 in Linkwell's namespace, as Python's `uuid.uuid5` gives it.
    #[test]
    fn new_name_ids_are_version_5_in_linkwells_namespace() {
        assert_eq!(
            NAMESPACE.to_string(),
            "798bdcb7-5261-4e8d-8c0f-3d1fbd71a42d"
        );
        assert_eq!(
            name_uuid("linkwell-need-food"),
            "2d595590-61f1-5a81-add6-f6edda8ada00"
        );
        assert_eq!(&name_uuid("anything")[14..15], "5");
    }

    #[test]
    fn random_bytes_get_the_version_4_layout() {
        assert_eq!(
            uuid_from([0xff; 16]),
            "ffffffff-ffff-4fff-bfff-ffffffffffff"
        );
        assert_eq!(uuid_from([0; 16]), "00000000-0000-4000-8000-000000000000");
    }
}
