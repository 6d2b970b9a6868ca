//! Casework forms on a person's page and the matches page: needs, goals and their
//! progress, and connecting the person to a service with their consent to share.

use super::extract::{check_csrf, KeptForm, PageUser};
use super::forms::{finish, form_id};
use super::views::Panel;
use crate::auth::policy::Action;
use crate::consent::{ConsentMethod, SharedField};
use crate::error::AppError;
use crate::referrals::Need;
use crate::state::AppState;
use crate::store::{ConsentBasis, NewConnection};
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct NeedForm {
    csrf: String,
    need: String,
    #[serde(default)]
    notes: String,
}

fn need(code: &str) -> Result<Need, AppError> {
    Need::from_code(code).ok_or_else(|| {
        AppError::invalid_field("need", "Choose a need", "choose what they want help with")
    })
}

pub async fn record_need(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    KeptForm(form, kept): KeptForm<NeedForm>,
) -> Response {
    let result = async {
        check_csrf(&user, &form.csrf)?;
        user.require(Action::WriteCasework)?;
        let id = form_id(&id)?;
        let notes = crate::api::text_field("notes", &form.notes, 0, 2000)?;
        state
            .store
            .add_need(
                id,
                user.case_scope(),
                need(&form.need)?,
                &notes,
                &user.audit_context(),
            )
            .await?;
        Ok(id)
    }
    .await;
    finish(&state, &user, &id, Panel::Need, kept, result).await
}

#[derive(Deserialize)]
pub struct GoalForm {
    csrf: String,
    description: String,
    #[serde(default)]
    need: String,
}

pub async fn record_goal(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    KeptForm(form, kept): KeptForm<GoalForm>,
) -> Response {
    let result = async {
        check_csrf(&user, &form.csrf)?;
        user.require(Action::WriteCasework)?;
        let id = form_id(&id)?;
        let description = crate::api::text_field("description", &form.description, 1, 1000)?;
        let need = match form.need.as_str() {
            "" => None,
            code => Some(need(code)?),
        };
        state
            .store
            .add_goal(
                id,
                user.case_scope(),
                &description,
                need,
                &user.audit_context(),
            )
            .await?;
        Ok(id)
    }
    .await;
    finish(&state, &user, &id, Panel::Goal, kept, result).await
}

#[derive(Deserialize)]
pub struct ProgressForm {
    csrf: String,
    /// The referral the goal belongs to, to come back to.
    referral: String,
    progress: String,
    #[serde(default)]
    note: String,
}

pub async fn record_progress(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(goal): Path<String>,
    KeptForm(form, kept): KeptForm<ProgressForm>,
) -> Response {
    let result = async {
        check_csrf(&user, &form.csrf)?;
        user.require(Action::WriteCasework)?;
        let goal: i64 = goal.parse().map_err(|_| AppError::NotFound("goal"))?;
        let progress = form
            .progress
            .parse::<i32>()
            .ok()
            .filter(|p| (0..=10).contains(p))
            .ok_or_else(|| {
                AppError::invalid_field(
                    "progress",
                    "Choose how far along the goal is",
                    "progress is 0 (not started) to 10 (achieved)",
                )
            })?;
        let note = crate::api::text_field("note", &form.note, 0, 2000)?;
        let goal = state
            .store
            .add_goal_progress(
                goal,
                user.case_scope(),
                progress,
                &note,
                &user.audit_context(),
            )
            .await?;
        Ok(goal.referral_id)
    }
    .await;
    finish(
        &state,
        &user,
        &form.referral,
        Panel::Progress(goal.parse().unwrap_or(0)),
        kept,
        result,
    )
    .await
}

/// Connecting someone: their consent to share with the service's organisation (which
/// fields, how given) is recorded first, then the connection is sent under it.
pub async fn connect(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let value = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let result = async {
        check_csrf(&user, value("csrf"))?;
        user.require(Action::WriteCasework)?;
        let id = form_id(&id)?;
        let service_id: i64 = value("service_id").parse().map_err(|_| {
            AppError::invalid_field("service_id", "Choose a service", "unknown service")
        })?;
        let organisation = state
            .store
            .service_organisation(service_id)
            .await?
            .ok_or_else(|| {
                AppError::invalid_field("service_id", "Unknown service", "there is no such service")
            })?;
        // The consent it rests on: one already confirmed, chosen on the form, or the one
        // recorded with the person now.
        let consent = match value("consent_id") {
            "" => {
                let share: Vec<SharedField> = fields
                    .iter()
                    .filter(|(n, _)| n == "share")
                    .filter_map(|(_, v)| SharedField::from_code(v))
                    .collect();
                if share.is_empty() {
                    return Err(AppError::invalid_field(
                        "share",
                        "Say what they agree to share",
                        format!(
                            "tick what the person agrees {organisation} may see (at least one)"
                        ),
                    ));
                }
                let method = ConsentMethod::from_code(value("method")).ok_or_else(|| {
                    AppError::invalid_field(
                        "method",
                        "Say how they agreed",
                        "choose verbal, written or digital",
                    )
                })?;
                crate::referrals::api::consent_terms(&share, method)?
            }
            chosen => ConsentBasis::Existing(chosen.parse().map_err(|_| {
                AppError::invalid_field("consent_id", "Choose a consent", "unknown consent")
            })?),
        };
        let notes = crate::api::text_field("notes", value("notes"), 0, 2000)?;
        let scope = user.case_scope();
        let ctx = user.audit_context();
        // Nothing is recorded for a referral that has ended.
        let referral = state
            .store
            .referral(id, scope)
            .await?
            .ok_or(AppError::NotFound("referral"))?;
        if !referral.state.is_open() {
            return Err(AppError::Conflict(
                "this referral has ended; nothing was sent".into(),
            ));
        }
        let connection = NewConnection {
            service_id,
            accompanied: !value("accompanied").is_empty(),
            notes,
            consent,
        };
        state
            .store
            .add_connection(id, scope, &connection, &ctx)
            .await?;
        Ok(id)
    }
    .await;
    finish(&state, &user, &id, Panel::Connect, Vec::new(), result).await
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// The link worker confirms, with the person, consent that arrived with a referral.
pub async fn confirm_consent(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Response {
    let result = async {
        check_csrf(&user, &form.csrf)?;
        user.require(Action::WriteCasework)?;
        let id: i64 = id.parse().map_err(|_| AppError::NotFound("consent"))?;
        state
            .store
            .confirm_consent(id, user.case_scope(), &user.audit_context())
            .await
            .map_err(AppError::from)
    }
    .await;
    match result {
        Ok(consent) => {
            axum::response::Redirect::to(&format!("/people/{}#consents-heading", consent.person_id))
                .into_response()
        }
        Err(e) => super::render::error_page(Some(&user), e),
    }
}
