//! One error type for the whole application, rendered as an RFC 9457 problem document.
//!
//! Internal failures are logged with their detail and shown to the caller only as a
//! generic 500, so database messages never leak personal data or schema details.

use crate::store::{Refusal, StoreError};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// Everything a request can fail with. Variants map one-to-one onto HTTP statuses.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The input was understood but is not acceptable (bad postcode, bad NHS number, ...).
    #[error("{detail}")]
    Validation {
        title: &'static str,
        detail: String,
        field: Option<String>,
    },
    #[error("sign-in required")]
    Unauthenticated,
    #[error("not permitted: {0}")]
    Forbidden(String),
    /// Also used for records outside the actor's scope, so existence is not revealed.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Someone else changed the record since the caller read it.
    #[error("{0}")]
    Conflict(String),
    #[error("request body is not acceptable: {0}")]
    BadBody(String),
    /// Too many refused attempts in a while (identity matching); try again later.
    #[error("{0}")]
    TooManyRequests(String),
    #[error("the request body is larger than the {} KiB allowed", crate::input::MAX_BODY_BYTES / 1024)]
    PayloadTooLarge,
    #[error("send the body as JSON with Content-Type: application/json")]
    UnsupportedMediaType,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn validation(title: &'static str, detail: impl Into<String>) -> Self {
        AppError::Validation {
            title,
            detail: detail.into(),
            field: None,
        }
    }

    pub fn invalid_field(field: &str, title: &'static str, detail: impl Into<String>) -> Self {
        AppError::Validation {
            title,
            detail: detail.into(),
            field: Some(field.to_string()),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadBody(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status();
        let (kind, title, field) = match self {
            AppError::Validation { title, field, .. } => ("validation", *title, field.clone()),
            AppError::BadBody(_) => ("bad-body", "Request body is not acceptable", None),
            AppError::Unauthenticated => ("unauthenticated", "Sign-in required", None),
            AppError::Forbidden(_) => ("forbidden", "Not permitted", None),
            AppError::NotFound(_) => ("not-found", "Not found", None),
            AppError::Conflict(_) => ("conflict", "Changed by someone else", None),
            AppError::TooManyRequests(_) => ("too-many-requests", "Too many attempts", None),
            AppError::PayloadTooLarge => ("payload-too-large", "Request body too large", None),
            AppError::UnsupportedMediaType => {
                ("unsupported-media-type", "Unsupported media type", None)
            }
            AppError::Internal(_) => ("internal", "Internal error", None),
        };
        let detail = match self {
            AppError::Internal(_) => {
                "Something went wrong on our side. Nothing was changed.".into()
            }
            other => other.to_string(),
        };
        Problem {
            problem_type: format!("/problems/{kind}"),
            title: title.to_string(),
            status: status.as_u16(),
            detail,
            field,
        }
    }
}

/// RFC 9457 problem details. `field` is an extension member naming the offending input.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(err) = &self {
            tracing::error!(error = ?err, "internal error");
        }
        let problem = self.problem();
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        (
            self.status(),
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response()
    }
}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        AppError::Internal(err.into())
    }
}

impl From<crate::input::FieldError> for AppError {
    fn from(e: crate::input::FieldError) -> Self {
        AppError::Validation {
            title: e.title,
            detail: e.detail,
            field: Some(e.field),
        }
    }
}

/// An identity match refused (registration or intake): a conflict, or too many refusals.
impl From<crate::people::MatchRefused> for AppError {
    fn from(refused: crate::people::MatchRefused) -> AppError {
        match refused {
            crate::people::MatchRefused::NotAccepted => AppError::Conflict(refused.message()),
            crate::people::MatchRefused::TooManyFailures => {
                AppError::TooManyRequests(refused.message())
            }
        }
    }
}

/// The one place a store failure becomes what a caller reads: status, title and wording.
/// Problem documents, `OperationOutcome`s and form error summaries all come from here.
impl From<crate::auth::policy::Forbidden> for AppError {
    fn from(refusal: crate::auth::policy::Forbidden) -> Self {
        AppError::Forbidden(refusal.0)
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound { what } => AppError::NotFound(what),
            StoreError::Stale { what: "referral" } => AppError::Conflict(
                "this referral was changed by someone else since you read it; reload it and try again".into(),
            ),
            StoreError::Stale { what } => AppError::Conflict(format!(
                "this {what} was changed by someone else; reload it and try again"
            )),
            StoreError::UnknownReference { field } => {
                let (title, detail) = match field {
                    "person_id" => ("Unknown person", "there is no person with this id"),
                    "practice_id" => ("Unknown practice", "there is no practice with this id"),
                    "service_id" => ("Unknown service", "there is no service with this id"),
                    "team_ids" => ("Unknown team", "there is no team with one of these ids"),
                    "programme" | "programme_id" => {
                        ("Unknown programme", "there is no programme with this id")
                    }
                    "connection_id" => (
                        "Unknown connection",
                        "this referral has no connection with that id",
                    ),
                    _ => ("Unknown record", "there is no record with this id"),
                };
                AppError::invalid_field(field, title, detail)
            }
            StoreError::Refused(refusal) => refused(refusal),
            StoreError::Database(err) => AppError::Internal(err),
        }
    }
}

fn refused(refusal: Refusal) -> AppError {
    match refusal {
        Refusal::ReferralEndedMeanwhile => AppError::Conflict(
            "this referral ended while you were recording; reload it to see its state".into(),
        ),
        Refusal::ReferralEnded(state) => AppError::validation(
            "Referral has ended",
            format!("this referral is {state}; nothing more can be recorded against it"),
        ),
        Refusal::EndedReferralNotReassigned => AppError::validation(
            "Referral has ended",
            "an ended referral cannot be reassigned",
        ),
        Refusal::Transition(e) => AppError::validation("Transition not allowed", e.to_string()),
        Refusal::ConnectionStatus(reason) => {
            AppError::validation("Status change not allowed", reason)
        }
        Refusal::NoTeamServesPerson => AppError::invalid_field(
            "person_id",
            "No team serves this person",
            "the person's practice is not served by a social prescribing team; record their practice first",
        ),
        Refusal::NotTeamLinkWorker => AppError::invalid_field(
            "link_worker_id",
            "Not a link worker in this team",
            "a referral can only be assigned to a link worker or team lead of the team that holds it",
        ),
        Refusal::NotTeamVolunteer => AppError::invalid_field(
            "volunteer_id",
            "Choose a volunteer",
            "choose one of the team's volunteers",
        ),
        Refusal::ConsentNeeded { organisation } => AppError::invalid_field(
            "consent_id",
            "Consent needed",
            format!("name a confirmed consent of this person to share with {organisation}, or record one"),
        ),
        Refusal::ConsentAlreadyWithdrawn => AppError::validation(
            "Already withdrawn",
            "this consent has already been withdrawn",
        ),
        Refusal::ConsentNotInForce { organisation } => AppError::Conflict(format!(
            "the person's consent to share with {organisation} is not in force (withdrawn or not confirmed): \
             no messages can be sent about this connection, and {organisation} cannot read them"
        )),
        Refusal::ConsentNotProposed => AppError::Conflict(
            "only consent sent with a referral and not yet confirmed or withdrawn can be confirmed".into(),
        ),
        Refusal::VisitAlreadyRecorded => AppError::Conflict("this visit is already recorded".into()),
        Refusal::AppointmentAlreadyCancelled => {
            AppError::Conflict("this appointment is already cancelled".into())
        }
        Refusal::PersonAlreadyRegistered => {
            AppError::Conflict(crate::people::MatchRefused::NotAccepted.message())
        }
        Refusal::IdentifierTaken { system, value } => AppError::Conflict(format!(
            "the identifier {system}|{value} already names a referral"
        )),
        Refusal::ProgrammeNotRunByTeam => AppError::invalid_field(
            "programme_id",
            "Programme not run by this team",
            "choose an active programme run by the team that will hold the referral",
        ),
        Refusal::ProgrammeNameTaken => AppError::invalid_field(
            "name",
            "Name already used",
            "another programme already has this name",
        ),
        Refusal::ListingChange { field, message } => match field.as_str() {
            "" => AppError::validation("Nothing to change", message),
            f => AppError::invalid_field(f, "Invalid change", format!("{f} {message}")),
        },
    }
}

pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    //! Each store failure must read exactly as it did when the store wrote `AppError`s itself
    //! (the wording below is copied from the store's source before `StoreError`, commit
    //! dfe5647), so moving the words to this one place changed no problem document.
    use super::*;
    use crate::referrals::{ReferralState, TransitionError};

    fn reads(err: StoreError) -> (u16, String, Option<String>, String) {
        let p = AppError::from(err).problem();
        (p.status, p.title, p.field, p.detail)
    }

    fn expect(err: StoreError, status: u16, title: &str, field: Option<&str>, detail: &str) {
        assert_eq!(
            reads(err),
            (
                status,
                title.to_string(),
                field.map(str::to_string),
                detail.to_string()
            )
        );
    }

    #[test]
    fn store_failures_read_as_they_did_before() {
        expect(
            StoreError::not_found("goal"),
            404,
            "Not found",
            None,
            "goal not found",
        );
        expect(
            StoreError::Stale { what: "referral" },
            409,
            "Changed by someone else",
            None,
            "this referral was changed by someone else since you read it; reload it and try again",
        );
        expect(
            StoreError::Stale { what: "connection" },
            409,
            "Changed by someone else",
            None,
            "this connection was changed by someone else; reload it and try again",
        );
        expect(
            StoreError::Stale { what: "consent" },
            409,
            "Changed by someone else",
            None,
            "this consent was changed by someone else; reload it and try again",
        );
        expect(
            StoreError::UnknownReference { field: "person_id" },
            422,
            "Unknown person",
            Some("person_id"),
            "there is no person with this id",
        );
        expect(
            StoreError::UnknownReference {
                field: "practice_id",
            },
            422,
            "Unknown practice",
            Some("practice_id"),
            "there is no practice with this id",
        );
        expect(
            StoreError::UnknownReference {
                field: "service_id",
            },
            422,
            "Unknown service",
            Some("service_id"),
            "there is no service with this id",
        );
        expect(
            StoreError::UnknownReference {
                field: "connection_id",
            },
            422,
            "Unknown connection",
            Some("connection_id"),
            "this referral has no connection with that id",
        );
        expect(
            Refusal::ReferralEndedMeanwhile.into(),
            409,
            "Changed by someone else",
            None,
            "this referral ended while you were recording; reload it to see its state",
        );
        expect(
            Refusal::ReferralEnded(ReferralState::Closed).into(),
            422,
            "Referral has ended",
            None,
            "this referral is Closed; nothing more can be recorded against it",
        );
        expect(
            Refusal::EndedReferralNotReassigned.into(),
            422,
            "Referral has ended",
            None,
            "an ended referral cannot be reassigned",
        );
        expect(
            Refusal::Transition(TransitionError::MissingReason).into(),
            422,
            "Transition not allowed",
            None,
            "closing a referral needs a reason (goals met, partly met, disengaged, moved away, transferred or died)",
        );
        expect(
            Refusal::ConnectionStatus("why".into()).into(),
            422,
            "Status change not allowed",
            None,
            "why",
        );
        expect(
            Refusal::NoTeamServesPerson.into(),
            422,
            "No team serves this person",
            Some("person_id"),
            "the person's practice is not served by a social prescribing team; record their practice first",
        );
        expect(
            Refusal::NotTeamLinkWorker.into(),
            422,
            "Not a link worker in this team",
            Some("link_worker_id"),
            "a referral can only be assigned to a link worker or team lead of the team that holds it",
        );
        expect(
            Refusal::NotTeamVolunteer.into(),
            422,
            "Choose a volunteer",
            Some("volunteer_id"),
            "choose one of the team's volunteers",
        );
        expect(
            Refusal::ConsentNeeded {
                organisation: "Men's Shed".into(),
            }
            .into(),
            422,
            "Consent needed",
            Some("consent_id"),
            "name a confirmed consent of this person to share with Men's Shed, or record one",
        );
        expect(
            Refusal::ConsentAlreadyWithdrawn.into(),
            422,
            "Already withdrawn",
            None,
            "this consent has already been withdrawn",
        );
        expect(
            Refusal::ConsentNotProposed.into(),
            409,
            "Changed by someone else",
            None,
            "only consent sent with a referral and not yet confirmed or withdrawn can be confirmed",
        );
        expect(
            Refusal::VisitAlreadyRecorded.into(),
            409,
            "Changed by someone else",
            None,
            "this visit is already recorded",
        );
        expect(
            Refusal::PersonAlreadyRegistered.into(),
            409,
            "Changed by someone else",
            None,
            &crate::people::MatchRefused::NotAccepted.message(),
        );
        expect(
            Refusal::IdentifierTaken {
                system: "urn:s".into(),
                value: "7".into(),
            }
            .into(),
            409,
            "Changed by someone else",
            None,
            "the identifier urn:s|7 already names a referral",
        );
        expect(
            Refusal::ListingChange {
                field: String::new(),
                message: "no change".into(),
            }
            .into(),
            422,
            "Nothing to change",
            None,
            "no change",
        );
        expect(
            Refusal::ListingChange {
                field: "name".into(),
                message: "must not be empty".into(),
            }
            .into(),
            422,
            "Invalid change",
            Some("name"),
            "name must not be empty",
        );
        expect(
            StoreError::Database(anyhow::anyhow!("disk full")),
            500,
            "Internal error",
            None,
            "Something went wrong on our side. Nothing was changed.",
        );
    }
}
