//! The use cases: what a user can do, one module per capability, whoever asks (the JSON
//! API, a page, FHIR, the command line, an import).
//!
//! A use case is an async function that takes the store (or the [`AppState`] when it needs a
//! cache), the acting user, and input already parsed into domain values. It
//!
//! 1. asks the access policy (`user.require(Action::...)`), so a page and the JSON endpoint
//!    for the same action can never disagree about who may do it;
//! 2. checks what only the data can tell (the person exists and is in the user's scope, ...);
//! 3. calls the store, which writes and audits in one transaction;
//! 4. returns domain values or an [`AppError`], which each edge renders its own way (problem
//!    document, `OperationOutcome`, an HTML error summary, a CLI message).
//!
//! Edges (`api`, `web`, `fhir`, `cli`) call these and nothing below them: `tools/layers.py`
//! fails CI on an edge that reaches into `store`.
//!
//! [`AppState`]: crate::state::AppState
//! [`AppError`]: crate::error::AppError

pub mod accounts;
pub mod activity;
pub mod audit;
pub mod capacity;
pub mod case_file;
pub mod caseload;
pub mod casework;
pub mod concerns;
pub mod consent;
pub mod costs;
pub mod diary;
pub mod directory;
pub mod equity;
pub mod evaluations;
pub mod fhir;
pub mod geo;
pub mod imports;
pub mod intake;
pub mod messages;
pub mod ontology;
pub mod operations;
pub mod outbox;
pub mod own_outcomes;
pub mod people;
pub mod people_admin;
pub mod programmes;
pub mod records;
pub mod referrals;
pub mod self_referral;
pub mod service_use;
pub mod services;
pub mod sessions;
pub mod teams;
pub mod users;
pub mod visits;
pub mod workload;
