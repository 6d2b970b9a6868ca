//! What the store can fail with, said in storage terms: a record is missing, it changed since
//! it was read, a record the input names does not exist, a rule about the stored record
//! refused the write, or the database itself failed.
//!
//! Why its own type: the store knows nothing of HTTP or of the words a person reads. The one
//! translation into a problem document (status, title, wording) is `From<StoreError> for
//! AppError` in `crate::error`, so every edge (API, pages, FHIR, CLI) says the same thing.
//! Modelled on atuin's storage error (`DbError { NotFound, Other(eyre::Report) }` in its
//! `atuin-server-database` crate, turned into HTTP by the server's handlers), with the cases
//! Linkwell's casework needs: stale versions, missing references and refusals.

use crate::referrals::{ReferralState, TransitionError};

/// A failed store call.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record does not exist, or lies outside the caller's scope (the two look the
    /// same, so existence is not revealed). `what` names the record: "referral", "goal"...
    #[error("{what} not found")]
    NotFound { what: &'static str },
    /// The record changed since the caller read it (its version or status moved on).
    #[error("{what} changed since it was read")]
    Stale { what: &'static str },
    /// A record the input names by id does not exist (a foreign key): `field` is the input.
    #[error("no record for {field}")]
    UnknownReference { field: &'static str },
    /// A rule about the record as stored refused the write.
    #[error("refused: {0:?}")]
    Refused(Refusal),
    /// The database failed, or a stored value could not be decoded.
    #[error(transparent)]
    Database(#[from] anyhow::Error),
}

/// The rules the store applies to what it finds in the database. Each needs the stored
/// record (or a transaction's view of it), so it cannot be checked before the call.
#[derive(Debug)]
pub enum Refusal {
    /// The referral ended between the caller's check and the write.
    ReferralEndedMeanwhile,
    /// Nothing more can be recorded against a referral in this (ended) state.
    ReferralEnded(ReferralState),
    /// An ended referral cannot be given to a link worker.
    EndedReferralNotReassigned,
    /// The lifecycle does not allow this transition from the derived state.
    Transition(TransitionError),
    /// A connection's status cannot move this way (the domain's reason).
    ConnectionStatus(String),
    /// Neither the person's practice nor the referrer's team serves the person.
    NoTeamServesPerson,
    /// The user named is not a link worker or team lead of the team holding the referral.
    NotTeamLinkWorker,
    /// The volunteer named is not one of the team's volunteers.
    NotTeamVolunteer,
    /// No confirmed consent of the person to share with this organisation was named.
    ConsentNeeded { organisation: String },
    /// The consent was already withdrawn.
    ConsentAlreadyWithdrawn,
    /// The consent a connection rests on is withdrawn or not confirmed: nothing more passes
    /// between the team and the organisation about it (its messages).
    ConsentNotInForce { organisation: String },
    /// Only a proposed consent (sent with a referral) can be confirmed.
    ConsentNotProposed,
    /// The appointment was already cancelled.
    AppointmentAlreadyCancelled,
    /// The visit was already recorded as done.
    VisitAlreadyRecorded,
    /// An NHS number already on file: the person exists (matching decides, not a duplicate).
    PersonAlreadyRegistered,
    /// An outside identifier already names a referral.
    IdentifierTaken { system: String, value: String },
    /// The programme chosen for a referral is not run by (or no longer active in) the team
    /// that holds it.
    ProgrammeNotRunByTeam,
    /// Another programme already has this name.
    ProgrammeNameTaken,
    /// A listing change that does not apply to the stored listing: the field (empty when
    /// the change as a whole is empty) and the reason.
    ListingChange { field: String, message: String },
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        StoreError::Database(err.into())
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(err: serde_json::Error) -> Self {
        StoreError::Database(err.into())
    }
}

impl From<Refusal> for StoreError {
    fn from(refusal: Refusal) -> Self {
        StoreError::Refused(refusal)
    }
}

impl StoreError {
    pub fn not_found(what: &'static str) -> Self {
        StoreError::NotFound { what }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
