//! The casework forms on a person's page, one file per form, and what every one of them does
//! after it is posted: back to the person's page, or the page again with the error summary.

pub(super) mod appointment;
pub(super) mod concern;
pub(super) mod connection;
pub(super) mod consent;
pub(super) mod contact;
pub(super) mod goal;
pub(super) mod measure;
pub(super) mod need;
pub(super) mod service_use;
pub(super) mod transition;
pub(super) mod visit;

use super::person::show_person;
use super::render::error_page;
use super::views::{FormError, Notice, Panel};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::state::AppState;
use axum::response::{IntoResponse, Redirect, Response};

/// After a form post: back to the person page on success, or the page with the error.
async fn after_form(
    state: &AppState,
    user: &CurrentUser,
    referral_id: i64,
    panel: Panel,
    kept: Vec<(String, String)>,
    result: Result<(), AppError>,
) -> Response {
    let (person_id, now, in_error) =
        match crate::usecases::referrals::in_scope(&state.store, user, referral_id).await {
            Ok(r) => (
                r.person_id,
                r.state,
                r.close_reason == Some(crate::referrals::CloseReason::EnteredInError),
            ),
            Err(e) => return error_page(Some(user), e),
        };
    match result {
        // Back to the referral, at a banner saying what was saved (issue 15, item 9): the
        // address names the banner, so the browser scrolls to it and gives it focus.
        Ok(()) => {
            // A concern goes back to the concerns; anything else to its referral, at a banner
            // saying what was saved, and for a move that ended the referral, how it ended.
            if matches!(panel, Panel::Concern) {
                return Redirect::to(&format!("/people/{person_id}#concerns-heading"))
                    .into_response();
            }
            // A move that ended the referral says how it ended.
            let saved = match panel {
                Panel::State if in_error => "entered_in_error",
                Panel::State if !now.is_open() => now.code(),
                panel => panel.saved_code(),
            };
            Redirect::to(&format!(
                "/people/{person_id}?saved={saved}&referral={referral_id}#saved"
            ))
            .into_response()
        }
        Err(AppError::Internal(e)) => error_page(Some(user), AppError::Internal(e)),
        Err(err @ (AppError::Forbidden(_) | AppError::NotFound(_))) => error_page(Some(user), err),
        Err(err) => {
            let status = err.status();
            let problem = err.problem();
            let error = FormError {
                panel: panel.key(referral_id),
                anchor: panel.anchor(referral_id, problem.field.as_deref()),
                kept,
                title: problem.title,
                detail: super::referral_form::capitalised(&problem.detail),
            };
            show_person(state, user, person_id, Some(error), status).await
        }
    }
}

/// A form without the version of the record it was filled in against (a hidden field) was
/// not sent from the page as it is now.
pub(super) fn out_of_date() -> AppError {
    AppError::invalid_field(
        "expected_version",
        "The page was out of date",
        "the page was out of date: reload it and try again",
    )
}

pub(super) fn form_id(id: &str) -> Result<i64, AppError> {
    id.parse().map_err(|_| AppError::NotFound("referral"))
}

/// Where a form goes once handled: the referral id in its address, then `after_form`.
pub(super) async fn finish(
    state: &AppState,
    user: &CurrentUser,
    raw_id: &str,
    panel: Panel,
    kept: Vec<(String, String)>,
    result: Result<i64, AppError>,
) -> Response {
    match form_id(raw_id) {
        Ok(id) => after_form(state, user, id, panel, kept, result.map(|_| ())).await,
        Err(e) => error_page(Some(user), e),
    }
}

/// Like `finish`, but a save that changed more than itself returns to the person's page
/// with a notice saying what (`views::Notice`).
pub(super) async fn finish_noting(
    state: &AppState,
    user: &CurrentUser,
    raw_id: &str,
    panel: Panel,
    kept: Vec<(String, String)>,
    result: Result<(i64, Option<Notice>), AppError>,
) -> Response {
    match result {
        Ok((referral_id, Some(notice))) => {
            match crate::usecases::referrals::in_scope(&state.store, user, referral_id).await {
                Ok(r) => Redirect::to(&format!(
                    "/people/{}?notice={}&saved={}&referral={referral_id}#saved",
                    r.person_id,
                    notice.code(),
                    panel.saved_code()
                ))
                .into_response(),
                Err(e) => error_page(Some(user), e),
            }
        }
        other => finish(state, user, raw_id, panel, kept, other.map(|(id, _)| id)).await,
    }
}
