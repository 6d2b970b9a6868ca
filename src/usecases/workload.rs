//! A team lead's view of the team's work: who carries which caseload, how long people wait to be
//! reached, and who is still waiting.

use crate::auth::{CurrentUser, Role};
use crate::error::{AppError, AppResult};
use crate::referrals::{Waiting, WorkerLoad};
use crate::store::Store;
use chrono::{DateTime, Utc};

/// How many of the longest-waiting referrals the view lists.
const WAITING_SHOWN: i64 = 50;
/// The window the time to first contact is measured over.
const FIRST_CONTACT_WINDOW_DAYS: i64 = 90;

pub struct TeamOverview {
    pub loads: Vec<WorkerLoad>,
    /// Longest waiting first; each one listed is audited as read.
    pub waiting: Vec<Waiting>,
    /// Days from referral to first contact that reached the person, one per referral
    /// received in the window.
    pub days_to_first_contact: Vec<f64>,
}

/// The team's loads, waiting list and times to first contact; for team leads only.
pub async fn overview(
    store: &Store,
    user: &CurrentUser,
    now: DateTime<Utc>,
) -> AppResult<TeamOverview> {
    let team = match (user.role, user.team_id) {
        (Role::TeamLead, Some(team)) => team,
        _ => {
            return Err(AppError::Forbidden(
                "the team page is for team leads".into(),
            ))
        }
    };
    let loads = store.team_loads(team, now.date_naive()).await?;
    let waiting = store.waiting_for_contact(team, WAITING_SHOWN).await?;
    // Listing people by name is reading their records: each one shown is audited.
    let reads: Vec<(&str, Option<i64>, Option<i64>)> = waiting
        .iter()
        .map(|w| ("referral", Some(w.referral_id), Some(w.person_id)))
        .collect();
    store.audit_reads(&user.audit_context(), &reads).await?;
    let days_to_first_contact = store
        .days_to_first_contact(
            team,
            now - chrono::Duration::days(FIRST_CONTACT_WINDOW_DAYS),
        )
        .await?;
    Ok(TeamOverview {
        loads,
        waiting,
        days_to_first_contact,
    })
}
