//! Referrals arriving from outside in one piece: a FHIR transaction (Patient +
//! ServiceRequest + Consent) or the rows of a spreadsheet. However many there are, they
//! are admitted in one transaction: all of them, or none.

pub mod csv;

use crate::consent::NewConsent;
use crate::referrals::ReferrerKind;
use crate::store::{NewPerson, Store};
use chrono::{DateTime, Utc};

/// Who a referral is for.
#[derive(Debug, Clone)]
pub enum Subject {
    /// Someone not yet registered.
    New(NewPerson),
    /// A person already on file.
    Existing(i64),
    /// The same person as an earlier intake in the same batch (a second referral).
    SameAsEarlier(usize),
}

/// One referral to admit, with everything that arrives with it.
#[derive(Debug, Clone)]
pub struct Intake {
    pub subject: Subject,
    pub referrer_kind: ReferrerKind,
    pub reason: String,
    /// When the referral was made (earlier than now for records moved from a spreadsheet).
    pub received_at: DateTime<Utc>,
    /// The sender's business identifier, so the same referral sent twice is made once.
    pub identifier: Option<(String, String)>,
    pub consent: Option<NewConsent>,
}

/// What admitting an intake made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admitted {
    pub person_id: i64,
    pub referral_id: i64,
    pub consent_id: Option<i64>,
}

/// Who a referral for `person` is for: someone already registered under their NHS number
/// (whose family name and date of birth must then match, or the mismatch is said), or a new
/// person. A person referred again is never registered twice.
pub async fn subject_for(
    store: &Store,
    person: NewPerson,
) -> anyhow::Result<Result<Subject, String>> {
    let Some(nhs) = person.nhs_number else {
        return Ok(Ok(Subject::New(person)));
    };
    let digits = nhs.to_string().replace(' ', "");
    Ok(match store.person_by_nhs_number(&digits).await? {
        None => Ok(Subject::New(person)),
        Some((id, family_name, born))
            if family_name.trim().eq_ignore_ascii_case(person.family_name.trim())
                && born == person.date_of_birth =>
        {
            Ok(Subject::Existing(id))
        }
        Some((id, _, _)) => Err(format!(
            "NHS number {nhs} belongs to a registered person (id {id}) with a different family name or date of birth"
        )),
    })
}
