//! A connection to a community service as the link worker asks for it, with the consent it
//! rests on. Here rather than in `referrals` because a connection is only ever sent under a
//! consent: always named, never "the newest one".

use super::{ConsentMethod, SharedField};
use crate::input::FieldError;

/// A connection to make, checked.
pub struct NewConnection {
    pub service_id: i64,
    pub accompanied: bool,
    pub notes: String,
    /// The consent the connection rests on: always named, never "the newest one".
    pub consent: ConsentBasis,
}

/// The consent a connection is sent under: one already confirmed (chosen by the link
/// worker), or one recorded with the person in the same step, for the service's organisation.
pub enum ConsentBasis {
    Existing(i64),
    Record {
        share: Vec<SharedField>,
        method: ConsentMethod,
    },
}

impl ConsentBasis {
    /// The consent named, or the terms to record now: exactly one of the two.
    pub fn chosen(
        consent_id: Option<i64>,
        terms: Option<(&[SharedField], ConsentMethod)>,
    ) -> Result<ConsentBasis, FieldError> {
        match (consent_id, terms) {
            (Some(id), None) => Ok(ConsentBasis::Existing(id)),
            (None, Some((share, method))) => ConsentBasis::record(share, method),
            _ => Err(FieldError::new(
                "consent_id",
                "Name the consent",
                "give consent_id (a confirmed consent to share with the service's organisation) or consent (recorded now), exactly one",
            )),
        }
    }

    /// Consent terms to record with a connection, checked: at least one field, each once.
    pub fn record(
        share: &[SharedField],
        method: ConsentMethod,
    ) -> Result<ConsentBasis, FieldError> {
        let mut share = share.to_vec();
        share.sort_by_key(|f| f.code());
        share.dedup();
        if share.is_empty() {
            return Err(FieldError::new(
                "share",
                "Nothing to share",
                "say which details the person agrees to share (at least one)",
            ));
        }
        Ok(ConsentBasis::Record { share, method })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_names_exactly_one_consent_and_shares_something() {
        let terms: &[SharedField] = &[SharedField::Name, SharedField::Name];
        assert!(matches!(
            ConsentBasis::chosen(Some(4), None),
            Ok(ConsentBasis::Existing(4))
        ));
        for (id, terms) in [
            (None, None),
            (Some(4), Some((terms, ConsentMethod::Verbal))),
        ] {
            assert_eq!(
                ConsentBasis::chosen(id, terms).err().unwrap().field,
                "consent_id"
            );
        }
        match ConsentBasis::record(terms, ConsentMethod::Verbal) {
            Ok(ConsentBasis::Record { share, .. }) => assert_eq!(share, vec![SharedField::Name]),
            _ => panic!("terms with a field are recorded"),
        }
        let none = ConsentBasis::record(&[], ConsentMethod::Verbal);
        assert_eq!(none.err().unwrap().field, "share");
    }
}
