//! `/caseload`: a link worker's, team lead's or referrer's list of referrals, filtered and paged.

use super::extract::PageUser;
use super::render::{error_page, render};
use super::views::{CaseloadLine, CaseloadPage, Choice, DayLine, Layout};
use crate::auth::policy::Action;
use crate::auth::{CurrentUser, Role};
use crate::error::AppError;
use crate::referrals::{CaseloadFilter, CaseloadSearch, ReferralState};
use crate::state::AppState;
use crate::usecases::caseload::overview;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub(super) struct CaseloadParams {
    state: Option<String>,
    mine: Option<String>,
    overdue: Option<String>,
    /// `today`: follow-ups due today.
    due: Option<String>,
    unanswered: Option<String>,
    unassigned: Option<String>,
    page: Option<i64>,
    /// The search box: a name, an NHS number or a date of birth.
    q: Option<String>,
    /// A referral just made on the referral form, to confirm.
    made: Option<i64>,
}

const PAGE_SIZE: i64 = 50;
/// Bounds the page number so offsets cannot overflow.
const MAX_PAGE: i64 = 1_000_000;

pub(super) async fn caseload_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(params): Query<CaseloadParams>,
) -> Response {
    match caseload(&state, &user, &params).await {
        Ok(page) if page.search_error.is_some() => render(&page, StatusCode::BAD_REQUEST),
        Ok(page) => render(&page, StatusCode::OK),
        Err(e) => error_page(Some(&user), e),
    }
}

/// The page: one page of the caseload in the user's scope (read and audited), today's
/// summary for casework readers, and links to the pages either side.
async fn caseload(
    state: &AppState,
    user: &CurrentUser,
    params: &CaseloadParams,
) -> Result<CaseloadPage, AppError> {
    let state_filter = params
        .state
        .as_deref()
        .filter(|s| !s.is_empty())
        .and_then(ReferralState::from_code);
    let page = params.page.unwrap_or(1).clamp(1, MAX_PAGE);
    let typed = params.q.clone().unwrap_or_default();
    // A search that cannot be read lists nobody and says why beside the box.
    let (search, search_error) = match CaseloadSearch::parse(&typed) {
        Ok(search) => (search, None),
        Err(problem) => (None, Some(problem.to_string())),
    };
    let mut filter = caseload_filter(params, user, state_filter, page);
    filter.search = search;
    let today = chrono::Utc::now().date_naive();
    let found = overview(&state.store, user, &filter, params.made, today).await?;
    let casework = found.casework;
    let mut rows = if search_error.is_some() {
        Vec::new()
    } else {
        found.rows
    };
    let has_next = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let unread = crate::usecases::messages::unread_by_referral(&state.store, user).await?;
    // Casework users have a diary: today's appointments (London's day) head the page.
    let day = if casework {
        let today = crate::diary::london::day_of(chrono::Utc::now());
        crate::usecases::diary::day(&state.store, user, today)
            .await?
            .iter()
            .map(DayLine::new)
            .collect()
    } else {
        Vec::new()
    };
    let flags = crate::usecases::concerns::flags_by_person(&state.store, user).await?;
    Ok(CaseloadPage {
        layout: Layout::new(
            if casework {
                "Caseload"
            } else {
                "Your referrals"
            },
            Some(user),
        ),
        casework,
        day,
        rows: rows
            .into_iter()
            .map(|r| {
                let unread_messages = unread.get(&r.referral_id).copied().unwrap_or(0);
                let flag = flags.get(&r.person_id).copied().unwrap_or_default();
                CaseloadLine {
                    unread_messages,
                    concerns: flag.concerns,
                    new_concerns: flag.new,
                    ..CaseloadLine::from_row(r, today)
                }
            })
            .collect(),
        states: ReferralState::ALL
            .iter()
            .map(|s| Choice::new(s.code(), s.label(), state_filter == Some(*s)))
            .collect(),
        mine: params.mine.is_some(),
        overdue: params.overdue.is_some(),
        page,
        previous_link: (page > 1).then(|| caseload_link(params, page - 1)),
        next_link: has_next.then(|| caseload_link(params, page + 1)),
        made_for: found.made_for,
        may_refer: user.may(Action::CreateReferral),
        summary: found.summary,
        for_team: user.role == Role::TeamLead,
        search: filter
            .search
            .as_ref()
            .map(CaseloadSearch::shown)
            .unwrap_or(typed),
        searched: filter.search.is_some(),
        me: user.id,
        search_error,
        filtered: params.due.is_some()
            || params.unanswered.is_some()
            || params.unassigned.is_some()
            || params.overdue.is_some(),
        new_concerns: flags.values().map(|f| f.new).sum(),
    })
}

/// The filter for the query string's choices and the page asked for.
fn caseload_filter(
    params: &CaseloadParams,
    user: &CurrentUser,
    state: Option<ReferralState>,
    page: i64,
) -> CaseloadFilter {
    CaseloadFilter {
        state,
        link_worker_id: params.mine.is_some().then_some(user.id),
        overdue_on: params
            .overdue
            .is_some()
            .then(|| chrono::Utc::now().date_naive()),
        due_on: (params.due.as_deref() == Some("today")).then(|| chrono::Utc::now().date_naive()),
        unanswered: params.unanswered.is_some(),
        unassigned: params.unassigned.is_some(),
        search: None,
        limit: PAGE_SIZE + 1,
        offset: (page - 1) * PAGE_SIZE,
    }
}

fn caseload_link(params: &CaseloadParams, page: i64) -> String {
    let mut query = vec![format!("page={page}")];
    if let Some(s) = params.state.as_deref().and_then(ReferralState::from_code) {
        query.push(format!("state={}", s.code()));
    }
    if params.mine.is_some() {
        query.push("mine=1".into());
    }
    if params.overdue.is_some() {
        query.push("overdue=1".into());
    }
    if params.due.as_deref() == Some("today") {
        query.push("due=today".into());
    }
    if params.unanswered.is_some() {
        query.push("unanswered=1".into());
    }
    if params.unassigned.is_some() {
        query.push("unassigned=1".into());
    }
    if let Some(q) = params.q.as_deref().filter(|q| !q.trim().is_empty()) {
        query.extend(serde_urlencoded::to_string([("q", q.trim())]).ok());
    }
    format!("/caseload?{}", query.join("&"))
}
