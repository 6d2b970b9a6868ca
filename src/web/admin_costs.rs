//! `/admin/programmes/{id}/costs`: an administrator records a programme's costs for a month
//! (staff, grants, other, typed in pounds) and sees what is recorded, month by month. A
//! refused form comes back as typed with an error summary; a save redirects with
//! `?saved=cost` for the success banner (docs/cost-report.md).

use super::extract::{check_csrf, NoFields, PageForm, PageUser};
use super::render::{error_page, render};
use super::views::{FieldErrors, Layout, Saved};
use crate::auth::CurrentUser;
use crate::costs::{pence_from_pounds, pounds_text, CostEntry, CostMonth, NewCost, HEADINGS};
use crate::error::AppError;
use crate::input;
use crate::programmes::Programme;
use crate::state::AppState;
use crate::usecases::{costs, programmes};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// What was typed, kept as text so a refused form comes back as it was.
#[derive(Default)]
pub struct CostForm {
    pub month: String,
    pub staff: String,
    pub grants: String,
    pub other: String,
    pub note: String,
}

impl CostForm {
    fn from_fields(fields: &[(String, String)]) -> (String, CostForm) {
        let mut csrf = String::new();
        let mut form = CostForm::default();
        for (key, value) in fields {
            match key.as_str() {
                "csrf" => csrf = value.clone(),
                "month" => form.month = value.clone(),
                "staff_pence" => form.staff = value.clone(),
                "grants_pence" => form.grants = value.clone(),
                "other_pence" => form.other = value.clone(),
                "note" => form.note = value.clone(),
                _ => {}
            }
        }
        (csrf, form)
    }

    /// The month's costs, or every problem by field.
    fn parsed(&self) -> Result<NewCost, FieldErrors> {
        let mut errors = FieldErrors::default();
        let month = CostMonth::parse(&self.month);
        if month.is_none() {
            errors.add(
                "month",
                "Enter the month as YYYY-MM, for example 2026-09".into(),
            );
        }
        let mut amount = |field: &str, label: &str, text: &str| match pence_from_pounds(text) {
            Some(p) => p,
            None => {
                errors.add(
                    field,
                    format!(
                        "Enter {} in pounds, for example 1250.00 (0 if none)",
                        label.to_lowercase()
                    ),
                );
                0
            }
        };
        let staff_pence = amount(HEADINGS[0].0, HEADINGS[0].1, &self.staff);
        let grants_pence = amount(HEADINGS[1].0, HEADINGS[1].1, &self.grants);
        let other_pence = amount(HEADINGS[2].0, HEADINGS[2].1, &self.other);
        let note = input::text_field("note", &self.note, 0, 500)
            .map_err(|e| errors.add("note", super::referral_form::capitalised(&e.detail)))
            .unwrap_or_default();
        match month {
            Some(month) if errors.is_empty() => Ok(NewCost {
                month,
                staff_pence,
                grants_pence,
                other_pence,
                note,
            }),
            _ => Err(errors),
        }
    }
}

/// A recorded month as a row of the list.
pub struct CostLine {
    pub month: String,
    pub staff: String,
    pub grants: String,
    pub other: String,
    pub total: String,
    pub note: String,
    pub recorded: String,
}

impl CostLine {
    fn new(e: &CostEntry) -> CostLine {
        let changed = if e.versions > 1 {
            format!(" (recorded {} times; earlier figures kept)", e.versions)
        } else {
            String::new()
        };
        CostLine {
            month: e.month.clone(),
            staff: pounds_text(e.staff_pence),
            grants: pounds_text(e.grants_pence),
            other: pounds_text(e.other_pence),
            total: pounds_text(e.total_pence),
            note: e.note.clone(),
            recorded: format!(
                "{} on {}{changed}",
                e.recorded_by,
                e.recorded_at.format("%Y-%m-%d")
            ),
        }
    }
}

#[derive(Template)]
#[template(path = "admin_costs.html")]
pub struct CostsPage {
    pub layout: Layout,
    pub programme: Programme,
    pub lines: Vec<CostLine>,
    pub form: CostForm,
    pub errors: FieldErrors,
    pub saved: Option<Saved>,
}

impl CostsPage {
    /// The three amount fields: name, label, hint and what was typed.
    pub fn amounts(&self) -> Vec<(&'static str, &'static str, &'static str, String)> {
        let hints = [
            "Salaries and on-costs of link workers, connectors and their managers.",
            "Paid on to community groups for the people referred to them.",
            "Premises, travel, training, systems and overheads.",
        ];
        let typed = [&self.form.staff, &self.form.grants, &self.form.other];
        HEADINGS
            .iter()
            .zip(hints)
            .zip(typed)
            .map(|(((field, label), hint), value)| (*field, *label, hint, value.clone()))
            .collect()
    }
}

#[derive(Deserialize)]
pub struct CostsQuery {
    saved: Option<String>,
    month: Option<String>,
}

pub async fn costs_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
    Query(query): Query<CostsQuery>,
) -> Response {
    // Filling the form with a month already recorded, to change it.
    let mut form = CostForm::default();
    if let Some(month) = query.month.as_deref() {
        form.month = month.to_string();
    }
    let saved = query.saved.as_deref().and_then(Saved::of_code);
    show(
        &state,
        &user,
        id,
        form,
        FieldErrors::default(),
        saved,
        StatusCode::OK,
    )
    .await
}

async fn show(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    mut form: CostForm,
    errors: FieldErrors,
    saved: Option<Saved>,
    status: StatusCode,
) -> Response {
    // Administrators only: the use case refuses anyone else.
    let entries = match costs::list(&state.store, user, id).await {
        Ok(e) => e,
        Err(e) => return error_page(Some(user), e),
    };
    let programme = match programmes::one(&state.store, user, id).await {
        Ok(p) => p,
        Err(e) => return error_page(Some(user), e),
    };
    if errors.is_empty() && form.staff.is_empty() {
        if let Some(e) = entries.iter().find(|e| e.month == form.month) {
            form.staff = pounds_plain(e.staff_pence);
            form.grants = pounds_plain(e.grants_pence);
            form.other = pounds_plain(e.other_pence);
            form.note = e.note.clone();
        }
    }
    let page = CostsPage {
        layout: Layout::new(&format!("Costs: {}", programme.name), Some(user)),
        programme,
        lines: entries.iter().map(CostLine::new).collect(),
        form,
        errors: errors.in_order(&[
            "month",
            "staff_pence",
            "grants_pence",
            "other_pence",
            "note",
        ]),
        saved,
    };
    render(&page, status)
}

/// Pence as the form takes them back: "1234.50".
fn pounds_plain(pence: i64) -> String {
    format!("{}.{:02}", pence / 100, pence % 100)
}

pub async fn record_cost(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
    sent: PageForm<NoFields>,
) -> Response {
    let mut fields = vec![("csrf".to_string(), sent.token().to_string())];
    fields.extend(sent.kept);
    let (csrf, form) = CostForm::from_fields(&fields);
    if let Err(e) = check_csrf(&user, &csrf) {
        return error_page(Some(&user), e);
    }
    let new = match form.parsed() {
        Ok(new) => new,
        Err(errors) => {
            return show(
                &state,
                &user,
                id,
                form,
                errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    match costs::record(&state.store, &user, id, new).await {
        Ok(_) => Redirect::to(&format!("/admin/programmes/{id}/costs?saved=cost")).into_response(),
        Err(AppError::Validation { field, detail, .. }) => {
            let mut errors = FieldErrors::default();
            errors.add(
                field.as_deref().unwrap_or("month"),
                super::referral_form::capitalised(&detail),
            );
            show(
                &state,
                &user,
                id,
                form,
                errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => error_page(Some(&user), e),
    }
}
