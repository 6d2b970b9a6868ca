//! Linkwell: a social prescribing platform. See README.md, and docs/ for the design
//! (docs/architecture.md: the modules and the dependency rule they are moving to).
//!
//! One folder per capability; domain types (people, referrals, measures, geo) know
//! nothing of HTTP or SQL, `store` holds the SQL, `api` and `web` the HTTP.

pub mod accounts;
pub mod activity;
pub mod api;
pub mod app;
pub mod audit;
pub mod auth;
pub mod bench;
pub mod capacity;
pub mod cli;
pub mod consent;
pub mod csv_cell;
pub mod demo;
pub mod diary;
pub mod directory;
pub mod equity;
pub mod error;
pub mod error_documents;
pub mod evaluation;
pub mod facts_cache;
pub mod fhir;
pub mod geo;
pub mod import;
pub mod input;
pub mod intake;
pub mod measures;
pub mod messages;
pub mod ontology;
pub mod outbox;
pub mod people;
pub mod programmes;
pub mod public_url;
pub mod referrals;
pub mod safeguarding;
pub mod service_use;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod usecases;
pub mod web;
