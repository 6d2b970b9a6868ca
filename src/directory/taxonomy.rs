//! The Linkwell needs taxonomy: one term per need (docs/domain.md, "Needs"), with ids that are the
//! same in every installation, so directories, searches and matching agree on them.

use crate::referrals::Need;
use sha2::{Digest, Sha256};

/// A UUID (version 4 layout) from 16 bytes.
pub fn uuid_from(bytes: [u8; 16]) -> String {
    let mut b = bytes;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The same UUID for the same name, everywhere.
pub fn stable_uuid(name: &str) -> String {
    let digest = Sha256::digest(name.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid_from(bytes)
}

pub fn needs_taxonomy_id() -> String {
    stable_uuid("linkwell-needs")
}

pub fn need_term_id(need: Need) -> String {
    stable_uuid(&format!("linkwell-need-{}", need.code()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_distinct_uuids() {
        assert_eq!(stable_uuid("x"), stable_uuid("x"));
        assert_ne!(need_term_id(Need::Food), need_term_id(Need::Housing));
        let id = need_term_id(Need::Food);
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4", "version 4 layout");
    }
}
