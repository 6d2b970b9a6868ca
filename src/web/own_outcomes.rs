//! `/me/outcomes`: a link worker's own outcomes beside their team's, for a calendar quarter
//! (docs/own-outcomes.md). Aggregate and disclosure-controlled: nothing here links to a
//! person. A team lead picks which of their team's link workers to look at.

use super::views::{Choice, Layout};
use super::{error_page, render, PageUser};
use crate::activity::own_outcomes::{MeanChange, OwnOutcomes};
use crate::error::AppError;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct OutcomesForm {
    period: Option<String>,
    worker: Option<String>,
}

#[derive(Template)]
#[template(path = "own_outcomes.html")]
struct OwnOutcomesPage {
    layout: Layout,
    outcomes: Option<OwnOutcomes>,
    /// The first figures column: "You", or the link worker a team lead is looking at.
    column: String,
    /// Label, the worker's figure, the team's: counts, then goals met as a percentage.
    funnel: Vec<[String; 3]>,
    /// Measure, pairs and mean change for the worker, then for the team.
    wellbeing: Vec<[String; 5]>,
    /// What is in the quarter field: the page's own quarter, or what was asked for.
    period: String,
    quarters: Vec<Choice>,
    /// A team lead's choice of link worker (empty for a link worker).
    workers: Vec<Choice>,
    error: Option<String>,
}

/// The eight quarters ended before `today`, newest first.
fn recent_quarters(today: NaiveDate) -> Vec<String> {
    let current = today.year() * 4 + today.month0() as i32 / 3;
    (1..=8)
        .map(|back| {
            let q = current - back;
            format!("{}-Q{}", q.div_euclid(4), q.rem_euclid(4) + 1)
        })
        .collect()
}

/// A mean change as words: "+3.0 (1.9 to 4.1)", or `*` when not shown.
pub fn change_text(change: &Option<MeanChange>) -> String {
    match change {
        Some(m) => format!("{:+.1} ({:.1} to {:.1})", m.value, m.lower, m.upper),
        None => "*".to_string(),
    }
}

/// A percentage, or `*` when not shown.
pub fn percent_text(percent: &Option<f64>) -> String {
    percent.map_or("*".to_string(), |p| format!("{p:.0}%"))
}

pub async fn own_outcomes_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(form): Query<OutcomesForm>,
) -> Response {
    let worker = match form
        .worker
        .as_deref()
        .map(str::trim)
        .filter(|w| !w.is_empty())
    {
        None => Ok(None),
        Some(w) => w.parse::<i64>().map(Some).map_err(|_| {
            AppError::invalid_field(
                "worker",
                "Choose a link worker",
                "choose a link worker from the list",
            )
        }),
    };
    let result = match worker {
        Ok(worker) => {
            crate::usecases::own_outcomes::own_outcomes(
                &state,
                &user,
                form.period.as_deref(),
                worker,
            )
            .await
        }
        Err(e) => Err(e),
    };
    let (outcomes, error) = match result {
        Ok(o) => (Some(o), None),
        Err(e @ AppError::Validation { .. }) => (None, Some(e.problem().detail)),
        Err(e) => return error_page(Some(&user), e),
    };
    let colleagues = match crate::usecases::own_outcomes::colleagues(&state, &user).await {
        Ok(c) => c,
        Err(e) => return error_page(Some(&user), e),
    };
    let shown_worker = outcomes.as_ref().map_or(user.id, |o| o.link_worker_id);
    let period = match &outcomes {
        Some(o) => o.period.code.clone(),
        None => form.period.clone().unwrap_or_default(),
    };
    let quarters = recent_quarters(chrono::Utc::now().date_naive())
        .into_iter()
        .map(|q| Choice::new(&q, &q, q == period))
        .collect();
    let workers = colleagues
        .iter()
        .map(|c| Choice::new(&c.id.to_string(), &c.name, c.id == shown_worker))
        .collect();
    let (title, status) = match (&error, &outcomes) {
        (Some(_), _) => ("Error: Your outcomes", StatusCode::UNPROCESSABLE_ENTITY),
        (None, Some(o)) if o.link_worker_id != user.id => {
            ("Outcomes of a link worker", StatusCode::OK)
        }
        _ => ("Your outcomes", StatusCode::OK),
    };
    let column = match &outcomes {
        Some(o) if o.link_worker_id != user.id => o.link_worker.clone(),
        _ => "You".to_string(),
    };
    let mut funnel: Vec<[String; 3]> = Vec::new();
    let mut wellbeing: Vec<[String; 5]> = Vec::new();
    if let Some(o) = &outcomes {
        funnel = o
            .funnel
            .iter()
            .map(|r| [r.label.to_string(), r.yours.text(), r.team.text()])
            .collect();
        funnel.push([
            "Goals met, of those closed".to_string(),
            percent_text(&o.yours_goals_met_percent),
            percent_text(&o.team_goals_met_percent),
        ]);
        wellbeing = o
            .wellbeing
            .iter()
            .map(|w| {
                [
                    w.label.to_string(),
                    w.yours_pairs.text(),
                    change_text(&w.yours_mean_change),
                    w.team_pairs.text(),
                    change_text(&w.team_mean_change),
                ]
            })
            .collect();
    }
    let page = OwnOutcomesPage {
        layout: Layout::new(title, Some(&user)),
        outcomes,
        column,
        funnel,
        wellbeing,
        period,
        quarters,
        workers,
        error,
    };
    render(&page, status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_picker_offers_ended_quarters_only() {
        let today: NaiveDate = "2026-11-30".parse().unwrap();
        let quarters = recent_quarters(today);
        assert_eq!(quarters[0], "2026-Q3");
        assert_eq!(quarters[7], "2024-Q4");
        for q in &quarters {
            assert!(crate::activity::own_outcomes::parse_quarter(Some(q), today).is_ok());
        }
    }
}
