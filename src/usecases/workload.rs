//! A team lead's view of the team's work: who carries which caseload, how long people wait to be
//! reached, who is still waiting and who nobody holds yet; and handing a whole caseload over.

use crate::auth::{CurrentUser, Role};
use crate::error::{AppError, AppResult};
use crate::referrals::{Waiting, WorkerLoad};
use crate::store::Store;
use chrono::{DateTime, Utc};

/// How many referrals a page of the waiting or unassigned list shows.
pub const LIST_PAGE: i64 = 50;
/// The window the time to first contact is measured over.
const FIRST_CONTACT_WINDOW_DAYS: i64 = 90;

/// One page of a list, and whether another follows.
pub struct ListPage {
    pub rows: Vec<Waiting>,
    pub page: i64,
    pub has_next: bool,
}

pub struct TeamOverview {
    pub loads: Vec<WorkerLoad>,
    /// Longest waiting first; each one listed is audited as read.
    pub waiting: ListPage,
    /// Open referrals nobody holds, longest waiting first; audited as read.
    pub unassigned: ListPage,
    /// Days from referral to first contact that reached the person, one per referral
    /// received in the window.
    pub days_to_first_contact: Vec<f64>,
}

/// The team a team lead leads; anyone else is refused.
fn led_team(user: &CurrentUser) -> AppResult<i64> {
    match (user.role, user.team_id) {
        (Role::TeamLead, Some(team)) => Ok(team),
        _ => Err(AppError::Forbidden(
            "the team page is for team leads".into(),
        )),
    }
}

/// Which pages of the two lists to show (1 is the first).
#[derive(Debug, Clone, Copy)]
pub struct Pages {
    pub waiting: i64,
    pub unassigned: i64,
}

/// Bounds a page number so offsets cannot overflow.
fn offset_of(page: i64) -> (i64, i64) {
    let page = page.clamp(1, 100_000);
    (page, (page - 1) * LIST_PAGE)
}

/// The team's loads, waiting and unassigned lists and times to first contact; for team
/// leads only.
pub async fn overview(
    store: &Store,
    user: &CurrentUser,
    now: DateTime<Utc>,
    pages: Pages,
) -> AppResult<TeamOverview> {
    let team = led_team(user)?;
    let loads = store.team_loads(team, now.date_naive()).await?;
    let (page, offset) = offset_of(pages.waiting);
    let mut rows = store
        .waiting_for_contact(team, LIST_PAGE + 1, offset)
        .await?;
    let has_next = rows.len() as i64 > LIST_PAGE;
    rows.truncate(LIST_PAGE as usize);
    let waiting = ListPage {
        rows,
        page,
        has_next,
    };
    let (page, offset) = offset_of(pages.unassigned);
    let mut rows = store
        .unassigned_in_team(team, LIST_PAGE + 1, offset)
        .await?;
    let has_next = rows.len() as i64 > LIST_PAGE;
    rows.truncate(LIST_PAGE as usize);
    let unassigned = ListPage {
        rows,
        page,
        has_next,
    };
    // Listing people by name is reading their records: each one shown is audited, once
    // even if both lists show it.
    let shown: std::collections::BTreeMap<i64, i64> = waiting
        .rows
        .iter()
        .chain(&unassigned.rows)
        .map(|w| (w.referral_id, w.person_id))
        .collect();
    let reads: Vec<(&str, Option<i64>, Option<i64>)> = shown
        .into_iter()
        .map(|(referral, person)| ("referral", Some(referral), Some(person)))
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
        unassigned,
        days_to_first_contact,
    })
}

/// The team's link workers and team leads with their open and overdue referrals (what a
/// hand-over is confirmed against); team leads only.
pub async fn loads(
    store: &Store,
    user: &CurrentUser,
    now: DateTime<Utc>,
) -> AppResult<Vec<WorkerLoad>> {
    let team = led_team(user)?;
    Ok(store.team_loads(team, now.date_naive()).await?)
}

/// Hands every open referral `from` holds to `to` (both of the lead's team), at once and
/// audited; returns the referrals moved. Team leads only.
pub async fn hand_over(
    store: &Store,
    user: &CurrentUser,
    from: i64,
    to: i64,
) -> AppResult<Vec<i64>> {
    let team = led_team(user)?;
    if from == to {
        return Err(AppError::invalid_field(
            "to_link_worker_id",
            "Choose someone else",
            "hand the caseload to someone other than the person who holds it",
        ));
    }
    Ok(store
        .hand_over_caseload(team, from, to, &user.audit_context())
        .await?)
}
