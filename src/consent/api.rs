//! Recording and withdrawing consent; a community organisation's view of its connections.

use super::{Consent, ConsentMethod, SharedConnection, SharedField};
use crate::api::{text_field, ApiJson, Id, ReadProblems, WriteProblems};
use crate::auth::policy::Action;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::referrals::api::ConnectionStatusInput;
use crate::referrals::{ConnectionStatus, DeclineReason};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    /// The organisation the person agrees to share with, as named in the directory.
    #[schema(min_length = 1, max_length = 200)]
    pub organisation: String,
    /// What may be shared; at least one field.
    pub share: Vec<SharedField>,
    pub method: ConsentMethod,
}

/// Records the person's consent to share with an organisation. Connections to that
/// organisation's services can be sent only while it stands.
#[utoipa::path(post, path = "/referrals/{id}/consents", tag = "consent", params(("id" = i64, Path)),
    request_body = ConsentInput,
    responses((status = 201, body = Consent), WriteProblems))]
pub async fn add_consent(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    ApiJson(input): ApiJson<ConsentInput>,
) -> AppResult<(StatusCode, Json<Consent>)> {
    user.require(Action::WriteCasework)?;
    let organisation = crate::api::line_field("organisation", &input.organisation, 1, 200)?;
    if input.share.is_empty() {
        return Err(AppError::invalid_field(
            "share",
            "Nothing to share",
            "say which details the person agrees to share (at least one)",
        ));
    }
    let mut share = input.share;
    share.sort_by_key(|f| f.code());
    share.dedup();
    let consent = state
        .store
        .add_consent(
            id,
            user.case_scope(),
            &organisation,
            &share,
            input.method,
            &user.audit_context(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(consent)))
}

/// Withdraws a consent: nothing more is shared with the organisation under it.
#[utoipa::path(post, path = "/consents/{id}/withdrawal", tag = "consent", params(("id" = i64, Path)),
    responses((status = 200, body = Consent), WriteProblems))]
pub async fn withdraw_consent(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
) -> AppResult<Json<Consent>> {
    user.require(Action::WriteCasework)?;
    Ok(Json(
        state
            .store
            .withdraw_consent(id, user.case_scope(), &user.audit_context())
            .await?,
    ))
}

/// Confirms consent that arrived with a referral, once the link worker has checked it with
/// the person: until then nothing is shared under it. Only the team holding the referral.
#[utoipa::path(post, path = "/consents/{id}/confirmation", tag = "consent", params(("id" = i64, Path)),
    responses((status = 200, body = Consent), WriteProblems))]
pub async fn confirm_consent(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
) -> AppResult<Json<Consent>> {
    user.require(Action::WriteCasework)?;
    Ok(Json(
        state
            .store
            .confirm_consent(id, user.case_scope(), &user.audit_context())
            .await?,
    ))
}

/// For a community organisation: the connections sent to it under a consent still in
/// force, each with only the details the person agreed to share.
#[utoipa::path(get, path = "/vcse/connections", tag = "consent",
    responses((status = 200, body = Vec<SharedConnection>), ReadProblems))]
pub async fn organisation_connections(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<Vec<SharedConnection>>> {
    user.require(Action::ReadOrganisationConnections)?;
    let organisation = user.organisation.clone().ok_or_else(|| {
        AppError::Forbidden("this account is not linked to an organisation".into())
    })?;
    Ok(Json(
        state
            .store
            .organisation_connections(&organisation, &user.audit_context())
            .await?,
    ))
}

/// What a community organisation may say of a connection sent to it; "requested" and
/// "cancelled" belong to the link worker.
const ORGANISATION_ANSWERS: [ConnectionStatus; 6] = [
    ConnectionStatus::Accepted,
    ConnectionStatus::Rejected,
    ConnectionStatus::InProgress,
    ConnectionStatus::AttendedFirstSession,
    ConnectionStatus::Completed,
    ConnectionStatus::Failed,
];

/// For a community organisation: accept or decline a connection (a reason is needed to
/// decline), then record attendance and the outcome.
#[utoipa::path(post, path = "/vcse/connections/{id}/status", tag = "consent", params(("id" = i64, Path)),
    request_body = ConnectionStatusInput,
    responses((status = 200, body = SharedConnection), WriteProblems))]
pub async fn answer_connection(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    ApiJson(input): ApiJson<ConnectionStatusInput>,
) -> AppResult<Json<SharedConnection>> {
    Ok(Json(
        answer(
            &state,
            &user,
            id,
            input.status,
            &input.note,
            input.decline_reason()?,
        )
        .await?,
    ))
}

/// Checks and records an organisation's answer (for the API, FHIR and the inbox page);
/// answers with the connection as the organisation's inbox shows it, never the link
/// worker's record of it (private notes, internal ids).
pub async fn answer(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    status: ConnectionStatus,
    reason: &str,
    decline_reason: Option<DeclineReason>,
) -> AppResult<SharedConnection> {
    user.require(Action::ReadOrganisationConnections)?;
    let organisation = user.organisation.clone().ok_or_else(|| {
        AppError::Forbidden("this account is not linked to an organisation".into())
    })?;
    if !ORGANISATION_ANSWERS.contains(&status) {
        return Err(AppError::invalid_field(
            "status",
            "Not an organisation's answer",
            format!(
                "{} is recorded by the link worker",
                status.label().to_lowercase()
            ),
        ));
    }
    let minimum = if status == ConnectionStatus::Rejected {
        1
    } else {
        0
    };
    let note = text_field("note", reason, minimum, 2000).map_err(|e| match minimum {
        1 if reason.trim().is_empty() => AppError::invalid_field(
            "note",
            "Reason needed",
            "say why the connection is declined, so the link worker can find another way",
        ),
        _ => e,
    })?;
    let ctx = user.audit_context();
    state
        .store
        .organisation_sets_connection_status(id, &organisation, status, &note, decline_reason, &ctx)
        .await?;
    state
        .store
        .organisation_connection(&organisation, id, &ctx)
        .await
        .map_err(AppError::from)
}
