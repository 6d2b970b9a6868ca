//! Integration tests: the real server over HTTP, on SQLite and PostgreSQL.

mod access;
mod accounts;
mod activity;
mod audit;
mod cli;
mod concurrency;
mod consent;
mod directory;
mod durability;
mod equity;
mod erasure;
mod fhir;
mod generator;
mod geography;
mod helpers;
mod intake;
mod ontology;
mod openapi;
mod operations;
mod oruk;
mod pages;
mod referrals;
mod security;
mod security_data;
mod snapshots;
mod validation;
