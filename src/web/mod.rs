//! Server-rendered pages for link workers. Plain HTML forms (no JavaScript needed),
//! post/redirect/get, CSRF token on every form, one stylesheet served by the binary.
//!
//! One job per file: `routes` is the router, `extract` what a handler takes from the request,
//! `render` how a page or an error is sent, `views` the templates' data; the rest are the
//! handlers, one file per resource (`forms/` holds the casework forms on a person's page).

mod accounts;
mod activity;
mod admin;
mod admin_costs;
mod admin_outbox;
mod admin_programmes;
mod assets;
mod capacity;
mod caseload;
mod cost_report;
mod diary;
mod directory;
mod extract;
mod forms;
mod home;
mod messages;
mod own_outcomes;
mod person;
mod person_record;
mod programme_filter;
mod record_fields;
mod referral_form;
mod render;
mod report_page;
mod reports;
mod routes;
mod self_referral;
mod service_use;
mod session;
mod team;
mod views;
mod visits;

// `reports` (the equity page) imports these from here.
use extract::PageUser;
use render::{error_page, render, report_file};

pub(crate) use render::problem_page;
pub use routes::routes;
