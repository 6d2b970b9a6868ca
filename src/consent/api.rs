//! Recording and withdrawing consent; a community organisation's view of its connections.

use super::{Consent, ConsentMethod, SharedConnection, SharedField};
use crate::api::{ApiJson, Id, ReadProblems, WriteProblems};
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::referrals::ConnectionStatusInput;
use crate::state::AppState;
use crate::usecases::consent;
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
    let organisation = crate::api::line_field("organisation", &input.organisation, 1, 200)?;
    let consent = consent::record(
        &state.store,
        &user,
        id,
        &organisation,
        input.share,
        input.method,
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
    Ok(Json(consent::withdraw(&state.store, &user, id).await?))
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
    Ok(Json(consent::confirm(&state.store, &user, id).await?))
}

/// For a community organisation: the connections sent to it under a consent still in
/// force, each with only the details the person agreed to share.
#[utoipa::path(get, path = "/vcse/connections", tag = "consent",
    responses((status = 200, body = Vec<SharedConnection>), ReadProblems))]
pub async fn organisation_connections(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<Vec<SharedConnection>>> {
    Ok(Json(
        consent::organisation_connections(&state.store, &user).await?,
    ))
}

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
        consent::answer(&state.store, &user, id, input.status, &input.note).await?,
    ))
}
