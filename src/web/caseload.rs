//! `/caseload`: a link worker's, team lead's or referrer's list of referrals, filtered and paged.

use super::extract::PageUser;
use super::render::{error_page, render};
use super::views::{CaseloadLine, CaseloadPage, Choice, Layout};
use crate::app::AppState;
use crate::auth::policy::Action;
use crate::auth::Role;
use crate::error::AppError;
use crate::referrals::ReferralState;
use crate::store::CaseloadFilter;
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
    let casework = user.may(Action::ReadCasework);
    if !casework && user.role != Role::Referrer {
        return error_page(
            Some(&user),
            AppError::Forbidden(format!(
                "there is no caseload for the {} role; case lists are for link workers, team leads and referrers",
                user.role.label().to_lowercase()
            )),
        );
    }
    let state_filter = params
        .state
        .as_deref()
        .filter(|s| !s.is_empty())
        .and_then(ReferralState::from_code);
    let page = params.page.unwrap_or(1).clamp(1, MAX_PAGE);
    let filter = CaseloadFilter {
        state: state_filter,
        link_worker_id: params.mine.is_some().then_some(user.id),
        overdue_on: params
            .overdue
            .is_some()
            .then(|| chrono::Utc::now().date_naive()),
        due_on: (params.due.as_deref() == Some("today")).then(|| chrono::Utc::now().date_naive()),
        unanswered: params.unanswered.is_some(),
        unassigned: params.unassigned.is_some(),
        limit: PAGE_SIZE + 1,
        offset: (page - 1) * PAGE_SIZE,
    };
    let today = chrono::Utc::now().date_naive();
    let summary = match (casework, user.team_id) {
        (true, Some(team)) => {
            let worker = (user.role == Role::LinkWorker).then_some(user.id);
            match state.store.day_summary(team, worker, today).await {
                Ok(s) => Some(s),
                Err(e) => return error_page(Some(&user), e),
            }
        }
        _ => None,
    };
    let mut rows = match state
        .store
        .read_caseload(user.case_scope(), &filter, &user.audit_context())
        .await
    {
        Ok(rows) => rows,
        Err(e) => return error_page(Some(&user), e),
    };
    let made_for = match params.made {
        Some(id) => match state.store.referral(id, user.case_scope()).await {
            Ok(Some(referral)) => state
                .store
                .person(referral.person_id, user.case_scope())
                .await
                .ok()
                .flatten()
                .map(|p| p.full_name()),
            _ => None,
        },
        None => None,
    };
    let has_next = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let page_view = CaseloadPage {
        layout: Layout::new(
            if casework {
                "Caseload"
            } else {
                "Your referrals"
            },
            Some(&user),
        ),
        casework,
        rows: rows
            .into_iter()
            .map(|r| CaseloadLine::from_row(r, today))
            .collect(),
        states: ReferralState::ALL
            .iter()
            .map(|s| Choice::new(s.code(), s.label(), state_filter == Some(*s)))
            .collect(),
        mine: params.mine.is_some(),
        overdue: params.overdue.is_some(),
        page,
        previous_link: (page > 1).then(|| caseload_link(&params, page - 1)),
        next_link: has_next.then(|| caseload_link(&params, page + 1)),
        made_for,
        may_refer: user.may(Action::CreateReferral),
        summary,
        for_team: user.role == Role::TeamLead,
        filtered: params.due.is_some()
            || params.unanswered.is_some()
            || params.unassigned.is_some()
            || params.overdue.is_some(),
    };
    render(&page_view, StatusCode::OK)
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
    format!("/caseload?{}", query.join("&"))
}
