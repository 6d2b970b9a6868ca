//! UK postcodes, normalised and packed so that sector and district share key prefixes.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A syntactically valid UK postcode, e.g. `SW1A 1AA`.
///
/// Stored as seven bytes: the outward code left-aligned in four (space padded) then the
/// inward code, so `SW1 1AA` and `SW11 1AA` cannot be confused and every postcode in a
/// sector (`SW1A 1`) or district (`SW1A`) shares a prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Postcode([u8; 7]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a valid UK postcode (expected a form like SW1A 1AA)")]
pub struct PostcodeError(pub String);

impl Postcode {
    pub fn parse(input: &str) -> Result<Self, PostcodeError> {
        let err = || PostcodeError(input.chars().take(20).collect());
        let compact: Vec<u8> = input
            .bytes()
            .filter(|b| *b != b' ')
            .map(|b| b.to_ascii_uppercase())
            .collect();
        if !(5..=7).contains(&compact.len()) {
            return Err(err());
        }
        let (outward, inward) = compact.split_at(compact.len() - 3);
        let inward_ok = inward[0].is_ascii_digit()
            && inward[1].is_ascii_alphabetic()
            && inward[2].is_ascii_alphabetic();
        // Outward forms: A9, A99, AA9, AA99, A9A, AA9A.
        let a = |b: u8| b.is_ascii_alphabetic();
        let d = |b: u8| b.is_ascii_digit();
        let outward_ok = match outward {
            [x, y] => a(*x) && d(*y),
            [x, y, z] => a(*x) && ((d(*y) && (d(*z) || a(*z))) || (a(*y) && d(*z))),
            [w, x, y, z] => a(*w) && a(*x) && d(*y) && (d(*z) || a(*z)),
            _ => false,
        };
        if !inward_ok || !outward_ok {
            return Err(err());
        }
        let mut bytes = [b' '; 7];
        bytes[..outward.len()].copy_from_slice(outward);
        bytes[4..].copy_from_slice(inward);
        Ok(Postcode(bytes))
    }

    /// Big-endian packing: ordering of keys matches ordering of postcodes.
    pub fn key(&self) -> u64 {
        let mut b = [0u8; 8];
        b[..7].copy_from_slice(&self.0);
        u64::from_be_bytes(b)
    }

    pub fn from_key(key: u64) -> Self {
        let b = key.to_be_bytes();
        let mut bytes = [0u8; 7];
        bytes.copy_from_slice(&b[..7]);
        Postcode(bytes)
    }

    pub fn outward(&self) -> &str {
        std::str::from_utf8(&self.0[..4])
            .unwrap_or_default()
            .trim_end()
    }

    pub fn inward(&self) -> &str {
        std::str::from_utf8(&self.0[4..]).unwrap_or_default()
    }

    /// The postcode sector, e.g. `SW1A 1`.
    pub fn sector(&self) -> String {
        format!("{} {}", self.outward(), &self.inward()[..1])
    }
}

impl fmt::Display for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.outward(), self.inward())
    }
}

impl Serialize for Postcode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Postcode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Postcode::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_spacing() {
        assert_eq!(
            Postcode::parse(" sw1a1aa ").unwrap().to_string(),
            "SW1A 1AA"
        );
        assert_eq!(Postcode::parse("M1 1AE").unwrap().to_string(), "M1 1AE");
        assert_eq!(Postcode::parse("b338th").unwrap().to_string(), "B33 8TH");
        assert_eq!(Postcode::parse("W1A 0AX").unwrap().sector(), "W1A 0");
    }

    #[test]
    fn refuses_malformed() {
        for bad in [
            "",
            "SW1A",
            "SW1A 1A1",
            "1W1A 1AA",
            "SW1A 1AAA",
            "ABCDE 1AA",
            "S 1AA",
        ] {
            assert!(Postcode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn districts_of_different_length_do_not_share_prefixes() {
        let short = Postcode::parse("SW1 1AA").unwrap().key();
        let long = Postcode::parse("SW11 1AA").unwrap().key();
        assert_ne!(short >> 24, long >> 24, "sector prefixes must differ");
        assert_eq!(Postcode::from_key(long).to_string(), "SW11 1AA");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any input at all: a result or an error, never a panic.
        #[test]
        fn parse_never_panics(input in "\\PC{0,20}") {
            let _ = Postcode::parse(&input);
        }

        /// Every valid postcode survives formatting and packing unchanged.
        #[test]
        fn valid_postcodes_round_trip(outward in "[A-Z]{1,2}[0-9][0-9A-Z]?", inward in "[0-9][A-Z]{2}") {
            if let Ok(p) = Postcode::parse(&format!("{outward}{inward}")) {
                prop_assert_eq!(Postcode::parse(&p.to_string()), Ok(p));
                prop_assert_eq!(Postcode::from_key(p.key()), p);
                prop_assert_eq!(p.inward(), inward.as_str());
            }
        }
    }
}
