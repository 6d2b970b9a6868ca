//! A volunteer's visits: the ones they are to make (who, their phone, what, when, where,
//! and whom to call at the team), recording that each happened or did not, and "I'm
//! worried about them", which reaches the link worker's team at once as a safeguarding
//! concern the volunteer never reads back. Link workers arrange visits (`forms/visit.rs`).

use super::extract::{check_csrf, PageForm, PageUser};
use super::render::{error_page, render};
use super::views::Layout;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::referrals::VisitToMake;
use crate::state::AppState;
use crate::usecases::{concerns, visits};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// A phone number as a `tel:` address: its digits, and a leading `+` if it has one (a
/// trunk 0 written "(0)" after +44 is not dialled).
pub fn tel_href(phone: &str) -> String {
    let plus = if phone.trim_start().starts_with('+') {
        "+"
    } else {
        ""
    };
    let digits: String = phone
        .replace("(0)", "")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    format!("tel:{plus}{digits}")
}

/// A number to show and to call.
pub struct PhoneLink {
    pub shown: String,
    pub href: String,
}

impl PhoneLink {
    fn new(phone: Option<String>) -> Option<PhoneLink> {
        phone.filter(|p| !p.trim().is_empty()).map(|p| PhoneLink {
            href: tel_href(&p),
            shown: p,
        })
    }
}

pub struct VisitLine {
    pub id: i64,
    pub name: String,
    pub phone: Option<PhoneLink>,
    pub activity: String,
    pub day: String,
    pub time: String,
    pub meeting_place: String,
    pub link_worker: String,
    pub team_phone: Option<PhoneLink>,
    pub today: bool,
    pub done: bool,
    pub not_happened: bool,
}

impl VisitLine {
    fn new(v: VisitToMake, today: chrono::NaiveDate) -> VisitLine {
        VisitLine {
            id: v.id,
            name: v.person_name,
            phone: PhoneLink::new(v.phone),
            activity: v.activity,
            day: v.visit_on.format("%A %-d %B").to_string(),
            time: v
                .visit_time
                .map(|t| t.format("%H:%M").to_string())
                .unwrap_or_default(),
            meeting_place: v.meeting_place,
            link_worker: v.link_worker_name,
            team_phone: PhoneLink::new(v.team_phone),
            today: v.visit_on == today,
            done: v.visited_at.is_some(),
            not_happened: v.not_happened_at.is_some(),
        }
    }
}

/// A refused form on the visits page: which visit's form, the field in error, what was typed.
pub struct VisitError {
    pub visit_id: i64,
    /// `reason` (it didn't happen), `worry` or `note`.
    pub form: &'static str,
    pub title: String,
    pub detail: String,
    pub kept: String,
}

#[derive(Template)]
#[template(path = "visits.html")]
pub struct VisitsPage {
    pub layout: Layout,
    pub visits: Vec<VisitLine>,
    pub error: Option<VisitError>,
    /// A worry was just sent from this visit.
    pub worry_sent: bool,
}

impl VisitsPage {
    /// The refused form's message, if it was this visit's `form`.
    pub fn error_for(&self, visit: &i64, form: &str) -> Option<&VisitError> {
        self.error
            .as_ref()
            .filter(|e| e.visit_id == *visit && e.form == form)
    }
}

#[derive(Deserialize, Default)]
pub struct VisitsParams {
    sent: Option<String>,
}

pub async fn visits_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(params): Query<VisitsParams>,
) -> Response {
    show(&state, &user, None, params.sent.is_some(), StatusCode::OK).await
}

/// The page, with a refused form's error summary when there is one.
async fn show(
    state: &AppState,
    user: &CurrentUser,
    error: Option<VisitError>,
    worry_sent: bool,
    status: StatusCode,
) -> Response {
    let result = async {
        let today = chrono::Utc::now().date_naive();
        // This week's past visits stay on the list so they can still be recorded.
        let since = today - chrono::Duration::days(7);
        let visits = visits::to_make(&state.store, user, since).await?;
        let title = if error.is_some() {
            "Error: Your visits"
        } else {
            "Your visits"
        };
        Ok::<_, AppError>(VisitsPage {
            layout: Layout::new(title, Some(user)),
            visits: visits
                .into_iter()
                .map(|v| VisitLine::new(v, today))
                .collect(),
            error,
            worry_sent,
        })
    }
    .await;
    match result {
        Ok(page) => render(&page, status),
        Err(e) => error_page(Some(user), e),
    }
}

/// After a visit form: back to the list (with `then` in the address), the list again with
/// the error summary for a refused field, or an error page for anything else.
async fn after(
    state: &AppState,
    user: &CurrentUser,
    visit_id: i64,
    form: &'static str,
    kept: String,
    then: &str,
    result: Result<(), AppError>,
) -> Response {
    match result {
        Ok(()) => Redirect::to(then).into_response(),
        Err(err @ (AppError::Validation { .. } | AppError::Conflict(_))) => {
            let status = err.status();
            let problem = err.problem();
            let error = VisitError {
                visit_id,
                form,
                title: problem.title,
                detail: problem.detail,
                kept,
            };
            show(state, user, Some(error), false, status).await
        }
        Err(e) => error_page(Some(user), e),
    }
}

fn visit_id(id: &str) -> Result<i64, AppError> {
    id.parse().map_err(|_| AppError::NotFound("visit"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    note: String,
}

pub async fn record_visit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    PageForm { fields: form, .. }: PageForm<DoneForm>,
) -> Response {
    let Ok(visit) = visit_id(&id) else {
        return error_page(Some(&user), AppError::NotFound("visit"));
    };
    let result = async {
        check_csrf(&user, &form.csrf)?;
        let note = crate::api::text_field("note", &form.note, 0, 500)?;
        visits::record(&state.store, &user, visit, &note).await
    }
    .await;
    after(&state, &user, visit, "note", form.note, "/visits", result).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NotHappenedForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// "It didn't happen": recorded with the reason, once.
pub async fn record_not_happened(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    PageForm { fields: form, .. }: PageForm<NotHappenedForm>,
) -> Response {
    let Ok(visit) = visit_id(&id) else {
        return error_page(Some(&user), AppError::NotFound("visit"));
    };
    let result = async {
        check_csrf(&user, &form.csrf)?;
        if form.reason.trim().is_empty() {
            return Err(AppError::invalid_field(
                "reason",
                "Say why it did not happen",
                "say why the visit did not happen, for example \"she was not in\"",
            ));
        }
        let reason = crate::api::text_field("reason", &form.reason, 1, 500)?;
        visits::record_not_happened(&state.store, &user, visit, &reason).await
    }
    .await;
    after(
        &state,
        &user,
        visit,
        "reason",
        form.reason,
        "/visits",
        result,
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WorryForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    worry: String,
}

/// "I'm worried about them": a concern the team sees at once; the volunteer sees only that
/// it was sent.
pub async fn raise_worry(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    PageForm { fields: form, .. }: PageForm<WorryForm>,
) -> Response {
    let Ok(visit) = visit_id(&id) else {
        return error_page(Some(&user), AppError::NotFound("visit"));
    };
    let result = async {
        check_csrf(&user, &form.csrf)?;
        let text = crate::safeguarding::worry_text(&form.worry)?;
        concerns::raise_worry(&state.store, &user, visit, &text).await
    }
    .await;
    let then = format!("/visits?sent={visit}#visit-{visit}");
    after(&state, &user, visit, "worry", form.worry, &then, result).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_phone_number_becomes_a_tel_address_of_its_digits() {
        assert_eq!(super::tel_href("0121 496 0000"), "tel:01214960000");
        assert_eq!(super::tel_href("+44 (0)7700-900123"), "tel:+447700900123");
    }
}
