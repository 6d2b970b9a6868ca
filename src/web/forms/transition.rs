//! Moving a referral to its next state (accepting, closing with a reason, ...).

use super::{finish, form_id, out_of_date};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::referrals::{CloseReason, NewTransition, ReferralState};
use crate::state::AppState;
use crate::usecases::casework;
use crate::web::extract::{PageForm, PageUser};
use crate::web::render::render;
use crate::web::views::{CloseConfirmPage, Layout, OpenConnection, Panel};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(in crate::web) struct TransitionForm {
    csrf: String,
    to: String,
    expected_version: String,
    reason: Option<String>,
    note: Option<String>,
    /// "yes" once the link worker has seen what ending the referral means.
    confirm: String,
}

pub(in crate::web) async fn record_transition(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    sent: PageForm<TransitionForm>,
) -> Response {
    let checked = async {
        sent.accept(&user)?;
        let form = &sent.fields;
        let id = form_id(&id)?;
        let to = ReferralState::from_code(&form.to).ok_or_else(|| {
            AppError::invalid_field("to", "Choose the new state", "choose what happens next")
        })?;
        let expected_version = form.expected_version.parse().map_err(|_| out_of_date())?;
        let reason = match form.reason.as_deref() {
            None | Some("") => None,
            Some(r) => Some(CloseReason::from_code(r).ok_or_else(|| {
                AppError::invalid_field("reason", "Choose a reason", "unknown reason")
            })?),
        };
        let note = form
            .note
            .as_deref()
            .map(|n| crate::api::text_field("note", n, 0, 2000))
            .transpose()?;
        Ok((
            id,
            NewTransition {
                to,
                expected_version,
                reason,
                note,
            },
        ))
    }
    .await;
    let (referral, change) = match checked {
        Ok(checked) => checked,
        Err(e) => return finish(&state, &user, &id, Panel::State, sent.kept, Err(e)).await,
    };
    // Ending a referral is asked about first, with what happens to its open connections.
    if !change.to.is_open() && sent.fields.confirm != "yes" {
        match confirmation(&state, &user, referral, &change, &sent.fields).await {
            Ok(Some(page)) => return render(&page, StatusCode::OK),
            Ok(None) => {}
            Err(e) => return finish(&state, &user, &id, Panel::State, sent.kept, Err(e)).await,
        }
    }
    let result = casework::transition(
        &state.store,
        &user,
        &state.settings.lifecycle,
        referral,
        change,
    )
    .await
    .map(|_| referral);
    finish(&state, &user, &id, Panel::State, sent.kept, result).await
}

/// The page asking before the referral ends, or none when the move would be refused anyway
/// (the refusal is then shown on the person's page, as for any other form).
async fn confirmation(
    state: &AppState,
    user: &CurrentUser,
    referral: i64,
    change: &NewTransition,
    form: &TransitionForm,
) -> Result<Option<CloseConfirmPage>, AppError> {
    let detail = crate::usecases::referrals::detail(&state.store, user, referral).await?;
    let from = detail.referral.state;
    let in_error = change.reason == Some(CloseReason::EnteredInError);
    let allowed = from.next_states().contains(&change.to)
        || (in_error && from.is_open() && change.to == ReferralState::Closed);
    let refused = !allowed || (change.to == ReferralState::Closed && change.reason.is_none());
    if refused {
        return Ok(None);
    }
    let person =
        crate::usecases::case_file::person_name(&state.store, user, detail.referral.person_id)
            .await?;
    let connections = detail
        .casework
        .map(|c| c.connections)
        .unwrap_or_default()
        .into_iter()
        .filter(|c| c.status.is_open())
        .map(|c| OpenConnection {
            service: c.service_name,
            status: c.status.label().to_string(),
        })
        .collect();
    let (action, gp_told) = match change.to {
        _ if in_error => (
            "Yes, close it as entered in error",
            "The GP practice is not told: a referral entered in error is not a decline, and it is left out of every report.",
        ),
        ReferralState::Declined => (
            "Yes, record that they declined",
            "The GP practice is told the person declined social prescribing (if it takes Linkwell's messages).",
        ),
        ReferralState::UnableToContact => (
            "Yes, mark as unable to contact",
            "The GP practice is told the person could not be contacted (if it takes Linkwell's messages).",
        ),
        _ => (
            "Yes, close the referral",
            "The GP practice is told the referral has closed, with the reason (if it takes Linkwell's messages).",
        ),
    };
    Ok(Some(CloseConfirmPage {
        layout: Layout::new(
            &format!("End referral {referral} for {person}?"),
            Some(user),
        ),
        person_id: detail.referral.person_id,
        person_name: person,
        referral_id: referral,
        action: action.to_string(),
        to_label: change.to.label().to_string(),
        reason_label: change.reason.map(|r| r.label().to_string()),
        gp_told: gp_told.to_string(),
        connections,
        to: form.to.clone(),
        expected_version: form.expected_version.clone(),
        reason: form.reason.clone().unwrap_or_default(),
        note: form.note.clone().unwrap_or_default(),
    }))
}
