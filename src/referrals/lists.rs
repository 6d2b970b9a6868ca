//! The rows of the lists people work from: a caseload, the counts above it, a team lead's
//! view of the team's loads and of who is still waiting, and a volunteer's visits. Read
//! models the store fills and the pages show; no HTTP and no SQL here.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// One line of a caseload list.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct CaseloadRow {
    pub referral_id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub state: String,
    pub version: i64,
    pub link_worker_id: Option<i64>,
    pub link_worker_name: Option<String>,
    pub received_at: DateTime<Utc>,
    pub next_follow_up_on: Option<NaiveDate>,
    pub imd_decile: Option<i32>,
    /// Connections sent over `UNANSWERED_AFTER_DAYS` ago that the organisation has not
    /// answered: flagged back to the link worker.
    pub unanswered_connections: i64,
    /// Who made the referral (`self` for the public self-referral page).
    pub referrer_kind: String,
}

/// The counts at the top of a link worker's (or a team lead's) caseload.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct DaySummary {
    pub due_today: i64,
    pub overdue: i64,
    pub unanswered: i64,
    pub unassigned: i64,
    pub contacts_today: i64,
}

/// One link worker's share of the team's work.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WorkerLoad {
    pub id: i64,
    pub name: String,
    pub open: i64,
    pub overdue: i64,
}

/// A referral nobody has yet reached.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Waiting {
    pub referral_id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub received_at: DateTime<Utc>,
    pub version: i64,
    pub link_worker_id: Option<i64>,
}

/// What a volunteer sees of a visit: who, how to reach them, what, when and where, and
/// whom to call at the team (the link worker's name and the team's phone; nothing more).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VisitToMake {
    pub id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub phone: Option<String>,
    pub activity: String,
    pub visit_on: NaiveDate,
    pub visit_time: Option<NaiveTime>,
    pub meeting_place: String,
    /// The referral's link worker, or whoever arranged the visit if none is assigned.
    pub link_worker_name: String,
    pub team_phone: Option<String>,
    pub visited_at: Option<DateTime<Utc>>,
    pub not_happened_at: Option<DateTime<Utc>>,
}
