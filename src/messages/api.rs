//! `GET/POST /connections/{id}/messages`: a connection's thread, for the team holding the
//! referral and the organisation it was sent to (under the person's consent in force).

use super::{message_body, Message, Thread};
use crate::api::{ApiJson, Id, ReadProblems, WriteProblems};
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::state::AppState;
use crate::usecases;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageInput {
    /// The message: 1 to 1,000 characters; line breaks allowed, other control characters not.
    #[schema(min_length = 1, max_length = 1000)]
    pub body: String,
}

/// A connection's messages, oldest first; reading marks them read for the caller (audited).
/// The organisation reads only while the person's consent to share with it is in force (403
/// otherwise); another organisation's or team's connection is not found.
#[utoipa::path(get, path = "/connections/{id}/messages", tag = "messages", params(("id" = i64, Path)),
    responses((status = 200, body = Thread), ReadProblems))]
pub async fn list_messages(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
) -> AppResult<Json<Thread>> {
    Ok(Json(
        usecases::messages::thread(&state.store, &user, id).await?,
    ))
}

/// Sends a message to the other side of a connection (audited). Refused with nothing
/// written when the person's consent is not in force: 403 for the organisation, 409 for the team.
#[utoipa::path(post, path = "/connections/{id}/messages", tag = "messages", params(("id" = i64, Path)),
    request_body = MessageInput,
    responses((status = 201, body = Message), WriteProblems))]
pub async fn send_message(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    ApiJson(input): ApiJson<MessageInput>,
) -> AppResult<(StatusCode, Json<Message>)> {
    let body = message_body(&input.body)?;
    let message = usecases::messages::send(&state.store, &user, id, &body).await?;
    Ok((StatusCode::CREATED, Json(message)))
}
