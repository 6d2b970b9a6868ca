//! `/api/v1/gp-outbox/requeue`: an administrator sends dead letters to the GP again once the
//! practice's endpoint is fixed (docs/gp-record.md), as the `/admin/outbox` page does.

use super::Requeue;
use crate::api::{ApiJson, WriteProblems};
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::usecases;
use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Which dead letters to send again: one message by its number, or every dead letter of a
/// practice by its ODS code (exactly one of the two), and the confirmation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequeueInput {
    /// The message's number, as on the administrators' page.
    #[serde(default)]
    pub message_id: Option<i64>,
    /// A practice's ODS code: every dead letter for it.
    #[serde(default)]
    #[schema(max_length = 20)]
    pub practice: Option<String>,
    /// Must be true: the endpoint is fixed and the messages may go to the practice again.
    pub confirm: bool,
}

/// The messages put back in the queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct Requeued {
    /// Their numbers; each is tried again at once, with a fresh set of tries.
    pub requeued: Vec<i64>,
}

/// Sends dead letters again (administrators), after their endpoint has been fixed. One
/// message that is not a dead letter is not found; an unknown practice is refused (422).
#[utoipa::path(post, path = "/gp-outbox/requeue", tag = "gp-outbox", request_body = RequeueInput,
    responses((status = 200, body = Requeued), WriteProblems))]
pub async fn requeue_dead_letters(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(input): ApiJson<RequeueInput>,
) -> AppResult<Json<Requeued>> {
    let which = match (input.message_id, input.practice) {
        (Some(id), None) => Requeue::Message(id),
        (None, Some(code)) => Requeue::Practice(crate::api::line_field("practice", &code, 1, 20)?),
        _ => {
            return Err(AppError::invalid_field(
                "message_id",
                "Say which messages",
                "give either message_id or practice, not both",
            ))
        }
    };
    let requeued = usecases::outbox::requeue(&state.store, &user, &which, input.confirm).await?;
    Ok(Json(Requeued { requeued }))
}
