//! A team lead's view of the team: who carries which caseload, how long people wait to be
//! reached, who is still waiting and who nobody holds (each with "Give to", whose choices
//! show each worker's open caseload), and handing a whole caseload over, confirmed first.

use super::extract::{check_csrf, PageForm, PageUser};
use super::render::{error_page, render};
use super::views::{Choice, Layout, Notice, Panel};
use crate::auth::CurrentUser;
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
    /// Said after a hand-over: how many referrals went to whom.
    pub handed_over: Option<String>,
    /// A refused form's problem: the id of the field it links to, and the message.
    pub error: Option<(String, String)>,
    /// The referral whose "Give to" was refused (its select is marked invalid), or 0.
    pub invalid_assign: i64,
    /// "from" or "to" when the hand-over was refused on that field, else "".
    pub invalid_handover: String,
    /// The hand-over's two selects, with what was chosen kept.
    pub handover_from: Vec<Choice>,
    pub handover_to: Vec<Choice>,
}

/// A team form that was refused, to show on the team page: the problem, which field it is
/// about, and what had been chosen, so the page comes back as it was left.
pub struct Refusal {
    pub error: AppError,
    /// "Give to" on this referral, with the worker chosen (if one could be read).
    pub assign: Option<(i64, Option<i64>)>,
    /// The hand-over's choices as sent.
    pub from: Option<i64>,
    pub to: Option<i64>,
}

impl TeamPage {
    /// The refused form's message, to show beside its field.
    pub fn error_message(&self) -> &str {
        self.error.as_ref().map_or("", |(_, m)| m.as_str())
    }
}

impl Refusal {
    /// Whether the refusal belongs on the form's page (a wrong or stale answer); anything
    /// else (not signed in, not allowed) is an error page.
    fn shown_on_page(error: &AppError) -> bool {
        matches!(error, AppError::Validation { .. } | AppError::Conflict(_))
    }
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
    match build_team_page(&state, &user, &params, None).await {
        Ok(page) => render(&page, StatusCode::OK),
        Err(e) => error_page(Some(&user), e),
    }
}

/// The team page answering a refused form: the page as it was, with the NHS error summary
/// linking to the field, that field marked invalid and the choices kept (issue 15, item 7).
async fn refused(state: &AppState, user: &CurrentUser, refusal: Refusal) -> Response {
    if !Refusal::shown_on_page(&refusal.error) {
        return error_page(Some(user), refusal.error);
    }
    let status = refusal.error.status();
    match build_team_page(state, user, &TeamParams::default(), Some(refusal)).await {
        Ok(page) => render(&page, status),
        Err(e) => error_page(Some(user), e),
    }
}

async fn build_team_page(
    state: &AppState,
    user: &CurrentUser,
    params: &TeamParams,
    refusal: Option<Refusal>,
) -> Result<TeamPage, AppError> {
    let now = chrono::Utc::now();
    let pages = Pages {
        waiting: params.waiting.unwrap_or(1),
        unassigned: params.unassigned.unwrap_or(1),
    };
    let found = workload::overview(&state.store, user, now, pages).await?;
    let loads = found.loads;
    let days = found.days_to_first_contact;
    let reached = days.len();
    let mut waiting = team_list(
        found.waiting,
        &loads,
        now,
        |p| Pages {
            waiting: p,
            ..pages
        },
        "waiting-heading",
    );
    let mut unassigned = team_list(
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
    // The hand-over's choices: by default the first person from, the second to.
    let (mut from, mut to) = (
        loads.first().map(|w| w.id),
        loads.get(1).or(loads.first()).map(|w| w.id),
    );
    let (mut error, mut invalid_assign, mut invalid_handover) = (None, 0, String::new());
    if let Some(refusal) = refusal {
        let problem = refusal.error.problem();
        let field = problem.field.clone().unwrap_or_default();
        // The summary's words start with a capital, as a sentence does.
        let mut message = problem.detail;
        if let Some(first) = message.get(..1) {
            message = format!("{}{}", first.to_uppercase(), &message[1..]);
        }
        if let Some((referral, chosen)) = refusal.assign {
            invalid_assign = referral;
            let mut target = "unassigned-heading".to_string();
            for (list, key) in [(&mut unassigned, "unassigned"), (&mut waiting, "waiting")] {
                for line in list.lines.iter_mut().filter(|l| l.referral_id == referral) {
                    if let Some(chosen) = chosen {
                        for c in line.workers.iter_mut() {
                            c.selected = c.value == chosen.to_string();
                        }
                    }
                    if target.ends_with("-heading") {
                        target = format!("{key}-assign-{referral}");
                    }
                }
            }
            error = Some((target, message));
        } else {
            from = refusal.from.or(from);
            to = refusal.to.or(to);
            invalid_handover = if field == "from" { "from" } else { "to" }.to_string();
            error = Some((format!("handover-{invalid_handover}"), message));
        }
    }
    let choices = |chosen: Option<i64>| -> Vec<Choice> {
        loads
            .iter()
            .map(|w| load_choice(w, Some(w.id) == chosen))
            .collect()
    };
    let title = if error.is_some() {
        "Error: Your team"
    } else {
        "Your team"
    };
    Ok(TeamPage {
        layout: Layout::new(title, Some(user)),
        median_days: median(days).map(|d| format!("{d:.1}")),
        reached,
        handover_from: choices(from),
        handover_to: choices(to),
        loads,
        waiting,
        unassigned,
        handed_over,
        error,
        invalid_assign,
        invalid_handover,
    })
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
    PageForm {
        fields: form, kept, ..
    }: PageForm<AssignForm>,
) -> Response {
    let chosen = form.link_worker_id.trim().parse::<i64>().ok();
    let result = async {
        check_csrf(&user, &form.csrf)?;
        let id: i64 = id.parse().map_err(|_| AppError::NotFound("referral"))?;
        let worker: i64 = form.link_worker_id.trim().parse().map_err(|_| {
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
        Err(e) if form.back.as_deref() == Some("team") => match id.parse::<i64>() {
            Ok(referral) => {
                let refusal = Refusal {
                    error: e,
                    assign: Some((referral, chosen)),
                    from: None,
                    to: None,
                };
                refused(&state, &user, refusal).await
            }
            Err(_) => error_page(Some(&user), e),
        },
        // From the person's page: that page again, its error summary linking to the choice.
        Err(e) => super::forms::finish(&state, &user, &id, Panel::Assign, kept, Err(e)).await,
    }
}

/// A hand-over's refusal on the team page, with the two choices kept.
fn hand_over_refusal(error: AppError, from: Option<&str>, to: Option<&str>) -> Refusal {
    let id = |raw: Option<&str>| raw.and_then(|r| r.trim().parse::<i64>().ok());
    Refusal {
        error,
        assign: None,
        from: id(from),
        to: id(to),
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
        Err(e) => {
            let refusal = hand_over_refusal(e, query.from.as_deref(), query.to.as_deref());
            refused(&state, &user, refusal).await
        }
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
        Err(e) => {
            let refusal = hand_over_refusal(e, form.from.as_deref(), form.to.as_deref());
            refused(&state, &user, refusal).await
        }
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
