//! Referrals arriving from outside in one piece: a FHIR transaction (Patient +
//! ServiceRequest + Consent) or the rows of a spreadsheet. However many there are, they
//! are admitted in one transaction: all of them, or none.

pub mod csv;
pub mod self_referral;

use crate::audit::AuditContext;
use crate::consent::NewConsent;
use crate::people::NewPerson;
pub use crate::people::{MatchRefused, MATCH_FAILURES_ALLOWED, MATCH_WINDOW_MINUTES};
use crate::referrals::ReferrerKind;
use crate::store::{MatchOutcome, Store};
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

fn match_window() -> chrono::Duration {
    chrono::Duration::minutes(MATCH_WINDOW_MINUTES)
}

/// Who a referral for `person` is for: someone already registered under their NHS number
/// (whose family name and date of birth must then match), or a new person. A person
/// referred again is never registered twice.
///
/// Matching is an oracle if left open, so refusals are worded alike, audited and counted
/// for the actor, and after [`MATCH_FAILURES_ALLOWED`] nothing more is checked for a while.
pub async fn subject_for(
    store: &Store,
    actor: &AuditContext,
    person: NewPerson,
) -> anyhow::Result<Result<Subject, MatchRefused>> {
    let Some(nhs) = person.nhs_number else {
        return Ok(Ok(Subject::New(person)));
    };
    let digits = nhs.to_string().replace(' ', "");
    let outcome = store
        .match_identity(
            actor,
            &digits,
            MATCH_FAILURES_ALLOWED,
            match_window(),
            |family_name, born| {
                family_name
                    .trim()
                    .eq_ignore_ascii_case(person.family_name.trim())
                    && born == person.date_of_birth
            },
        )
        .await?;
    Ok(match outcome {
        MatchOutcome::NotOnFile => Ok(Subject::New(person)),
        MatchOutcome::Matched(id) => Ok(Subject::Existing(id)),
        MatchOutcome::Refused => Err(MatchRefused::NotAccepted),
        MatchOutcome::Throttled => Err(MatchRefused::TooManyFailures),
    })
}

/// Registering a person whose NHS number is already on file is refused as a failed match
/// is: counted, audited and worded alike, so registration is no existence oracle either.
pub async fn check_unregistered(
    store: &Store,
    actor: &AuditContext,
    person: &NewPerson,
) -> anyhow::Result<Result<(), MatchRefused>> {
    let Some(nhs) = person.nhs_number else {
        return Ok(Ok(()));
    };
    let digits = nhs.to_string().replace(' ', "");
    let outcome = store
        .match_identity(
            actor,
            &digits,
            MATCH_FAILURES_ALLOWED,
            match_window(),
            |_, _| false,
        )
        .await?;
    Ok(match outcome {
        MatchOutcome::NotOnFile | MatchOutcome::Matched(_) => Ok(()),
        MatchOutcome::Refused => Err(MatchRefused::NotAccepted),
        MatchOutcome::Throttled => Err(MatchRefused::TooManyFailures),
    })
}
