//! A team lead's view of the team: who carries which caseload, how long people wait to be
//! reached, who is still waiting and who nobody holds (each with "Give to", whose choices
//! show each worker's open caseload), and handing a whole caseload over, confirmed first.

use super::extract::{check_csrf, PageForm, PageUser};
use super::render::{error_page, render};
use super::views::{Choice, Layout, Notice};
use crate::error::AppError;
use crate::referrals::{Waiting, WorkerLoad};
use crate::state::AppState;
use crate::usecases::workload::{ListPage, Pages};
use crate::usecases::{casework, workload};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

pub struct WaitingLine {
    pub referral_id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub received: String,
    pub days: i64,
    pub version: i64,
    pub assigned: bool,
    pub workers: Vec<Choice>,
}

/// One page of a list on the team page, with links to the pages either side.
pub struct TeamList {
    pub lines: Vec<WaitingLine>,
    pub page: i64,
    pub previous_link: Option<String>,
    pub next_link: Option<String>,
}

#[derive(Template)]
#[template(path = "team.html")]
pub struct TeamPage {
    pub layout: Layout,
    pub loads: Vec<WorkerLoad>,
    pub waiting: TeamList,
    pub unassigned: TeamList,
    pub median_days: Option<String>,
    pub reached: usize,
    /// Every worker, for the hand-over form's choices.
    pub everyone: Vec<Choice>,
    /// Said after a hand-over: how many referrals went to whom.
    pub handed_over: Option<String>,
}

/// The middle value (the mean of the middle two for an even count).
fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    })
}

#[derive(Deserialize, Default)]
pub struct TeamParams {
    /// The page of the waiting list.
    waiting: Option<i64>,
    /// The page of the unassigned list.
    unassigned: Option<i64>,
    /// After a hand-over: how many referrals moved, and to whom.
    handed: Option<i64>,
    to: Option<i64>,
}

/// A worker as a "Give to" choice: their name and open caseload, so the load is seen.
fn load_choice(w: &WorkerLoad, chosen: bool) -> Choice {
    let label = format!(
        "{} ({} open{})",
        w.name,
        w.open,
        if w.overdue > 0 {
            format!(", {} overdue", w.overdue)
        } else {
            String::new()
        }
    );
    Choice::new(&w.id.to_string(), &label, chosen)
}

fn team_link(pages: Pages) -> String {
    format!(
        "/team?waiting={}&unassigned={}",
        pages.waiting, pages.unassigned
    )
}

/// One list's lines and paging links; `at` puts a page of this list in the others' place.
fn team_list(
    list: ListPage,
    loads: &[WorkerLoad],
    now: chrono::DateTime<chrono::Utc>,
    at: impl Fn(i64) -> Pages,
    anchor: &str,
) -> TeamList {
    let lines = list
        .rows
        .into_iter()
        .map(|w: Waiting| WaitingLine {
            referral_id: w.referral_id,
            person_id: w.person_id,
            person_name: w.person_name,
            received: w.received_at.format("%-d %b %Y").to_string(),
            days: (now - w.received_at).num_days(),
            version: w.version,
            assigned: w.link_worker_id.is_some(),
            workers: loads
                .iter()
                .map(|l| load_choice(l, Some(l.id) == w.link_worker_id))
                .collect(),
        })
        .collect();
    TeamList {
        lines,
        page: list.page,
        previous_link: (list.page > 1)
            .then(|| format!("{}#{anchor}", team_link(at(list.page - 1)))),
        next_link: list
            .has_next
            .then(|| format!("{}#{anchor}", team_link(at(list.page + 1)))),
    }
}

pub async fn team_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(params): Query<TeamParams>,
) -> Response {
    let result = async {
        let now = chrono::Utc::now();
        let pages = Pages {
            waiting: params.waiting.unwrap_or(1),
            unassigned: params.unassigned.unwrap_or(1),
        };
        let found = workload::overview(&state.store, &user, now, pages).await?;
        let loads = found.loads;
        let days = found.days_to_first_contact;
        let reached = days.len();
        let waiting = team_list(
            found.waiting,
            &loads,
            now,
            |p| Pages {
                waiting: p,
                ..pages
            },
            "waiting-heading",
        );
        let unassigned = team_list(
            found.unassigned,
            &loads,
            now,
            |p| Pages {
                unassigned: p,
                ..pages
            },
            "unassigned-heading",
        );
        let handed_over = match (params.handed, params.to) {
            (Some(n), Some(to)) => loads.iter().find(|w| w.id == to).map(|w| {
                format!(
                    "{n} open referral{} handed over to {}.",
                    if n == 1 { "" } else { "s" },
                    w.name
                )
            }),
            _ => None,
        };
        Ok::<_, AppError>(TeamPage {
            layout: Layout::new("Your team", Some(&user)),
            median_days: median(days).map(|d| format!("{d:.1}")),
            reached,
            everyone: loads.iter().map(|w| load_choice(w, false)).collect(),
            loads,
            waiting,
            unassigned,
            handed_over,
        })
    }
    .await;
    match result {
        Ok(page) => render(&page, StatusCode::OK),
        Err(e) => error_page(Some(&user), e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AssignForm {
    csrf: String,
    link_worker_id: String,
    expected_version: String,
    /// `team` to come back to the team page; otherwise the person's page.
    back: Option<String>,
}

/// Gives a referral to a link worker in the team (team leads; or a link worker takes one).
pub async fn assign(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    PageForm { fields: form, .. }: PageForm<AssignForm>,
) -> Response {
    let result = async {
        check_csrf(&user, &form.csrf)?;
        let id: i64 = id.parse().map_err(|_| AppError::NotFound("referral"))?;
        let worker: i64 = form.link_worker_id.parse().map_err(|_| {
            AppError::invalid_field(
                "link_worker_id",
                "Choose a link worker",
                "choose who will work with them",
            )
        })?;
        let version: i64 = form.expected_version.parse().map_err(|_| {
            AppError::invalid_field(
                "expected_version",
                "The page was out of date",
                "the page was out of date: reload it and try again",
            )
        })?;
        casework::assign(&state.store, &user, id, version, worker).await
    }
    .await;
    match result {
        Ok(_) if form.back.as_deref() == Some("team") => Redirect::to("/team").into_response(),
        Ok(referral) if referral.link_worker_id == Some(user.id) => Redirect::to(&format!(
            "/people/{}?notice={}#referral-{}",
            referral.person_id,
            Notice::Assigned.code(),
            referral.id
        ))
        .into_response(),
        Ok(referral) => Redirect::to(&format!(
            "/people/{}#referral-{}",
            referral.person_id, referral.id
        ))
        .into_response(),
        Err(e) => error_page(Some(&user), e),
    }
}

#[derive(Deserialize)]
pub struct HandOverQuery {
    from: Option<String>,
    to: Option<String>,
}

#[derive(Template)]
#[template(path = "handover.html")]
pub struct HandOverPage {
    pub layout: Layout,
    pub from: WorkerLoad,
    pub to: WorkerLoad,
}

/// The two workers a hand-over names, from the team's loads; a clear refusal otherwise.
fn pick(
    loads: &[WorkerLoad],
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(WorkerLoad, WorkerLoad), AppError> {
    let find = |raw: Option<&str>, field: &str, what: &str| {
        raw.and_then(|r| r.trim().parse::<i64>().ok())
            .and_then(|id| loads.iter().find(|w| w.id == id).cloned())
            .ok_or_else(|| {
                AppError::invalid_field(field, "Choose someone in your team", what.to_string())
            })
    };
    let from = find(from, "from", "choose whose caseload to hand over")?;
    let to = find(to, "to", "choose who takes the caseload on")?;
    if from.id == to.id {
        return Err(AppError::invalid_field(
            "to",
            "Choose someone else",
            "hand the caseload to someone other than the person who holds it",
        ));
    }
    Ok((from, to))
}

/// The confirmation step: who hands how many open referrals to whom, before anything moves.
pub async fn hand_over_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(query): Query<HandOverQuery>,
) -> Response {
    let result = async {
        let loads = workload::loads(&state.store, &user, chrono::Utc::now()).await?;
        let (from, to) = pick(&loads, query.from.as_deref(), query.to.as_deref())?;
        Ok::<_, AppError>(HandOverPage {
            layout: Layout::new("Hand over a caseload", Some(&user)),
            from,
            to,
        })
    }
    .await;
    match result {
        Ok(page) => render(&page, StatusCode::OK),
        Err(e) => error_page(Some(&user), e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct HandOverForm {
    csrf: String,
    from: Option<String>,
    to: Option<String>,
}

/// Moves the whole open caseload, confirmed; back to the team page saying how many moved.
pub async fn hand_over(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    PageForm { fields: form, .. }: PageForm<HandOverForm>,
) -> Response {
    let result = async {
        check_csrf(&user, &form.csrf)?;
        let loads = workload::loads(&state.store, &user, chrono::Utc::now()).await?;
        let (from, to) = pick(&loads, form.from.as_deref(), form.to.as_deref())?;
        let moved = workload::hand_over(&state.store, &user, from.id, to.id).await?;
        Ok::<_, AppError>((moved.len(), to.id))
    }
    .await;
    match result {
        Ok((n, to)) => {
            Redirect::to(&format!("/team?handed={n}&to={to}#handover-heading")).into_response()
        }
        Err(e) => error_page(Some(&user), e),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_median_is_the_middle_value() {
        assert_eq!(super::median(vec![]), None);
        assert_eq!(super::median(vec![5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(super::median(vec![4.0, 1.0, 3.0, 10.0]), Some(3.5));
    }
}
