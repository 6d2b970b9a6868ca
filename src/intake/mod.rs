//! Referrals arriving from outside in one piece: a FHIR transaction (Patient +
//! ServiceRequest + Consent) or the rows of a spreadsheet. However many there are, they
//! are admitted in one transaction: all of them, or none.
//!
//! The domain half: what an intake is and what admitting one made, and reading a
//! spreadsheet (`csv`). Matching people on file and admitting are use cases
//! (`crate::usecases::intake`), since they ask the store.

pub mod csv;
pub mod self_referral;

use crate::consent::NewConsent;
use crate::people::NewPerson;
pub use crate::people::{MatchRefused, MATCH_FAILURES_ALLOWED, MATCH_WINDOW_MINUTES};
use crate::referrals::ReferrerKind;
use chrono::{DateTime, Utc};

/// Who a referral is for.
#[derive(Debug, Clone)]
pub enum Subject {
    /// Someone not yet registered.
    New(Box<NewPerson>),
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
    /// The programme chosen (the referral form's chooser); none gives the team's only one.
    pub programme: Option<i64>,
}

/// What admitting an intake made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admitted {
    pub person_id: i64,
    pub referral_id: i64,
    pub consent_id: Option<i64>,
}
