//! What a community organisation may answer about a connection sent to it, and the reason
//! it must give to decline one. Plain rules, so the API, FHIR and the inbox page agree.

use crate::input::{text_field, FieldError};
use crate::referrals::ConnectionStatus;

/// What a community organisation may say of a connection sent to it; "requested" and
/// "cancelled" belong to the link worker.
pub const ORGANISATION_ANSWERS: [ConnectionStatus; 6] = [
    ConnectionStatus::Accepted,
    ConnectionStatus::Rejected,
    ConnectionStatus::InProgress,
    ConnectionStatus::AttendedFirstSession,
    ConnectionStatus::Completed,
    ConnectionStatus::Failed,
];

/// Checks an organisation's answer: a status it may set, and its note (a reason is needed
/// to decline, so the link worker can find another way). Returns the note, trimmed.
pub fn organisation_answer(status: ConnectionStatus, reason: &str) -> Result<String, FieldError> {
    if !ORGANISATION_ANSWERS.contains(&status) {
        return Err(FieldError::new(
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
    text_field("note", reason, minimum, 2000).map_err(|e| match minimum {
        1 if reason.trim().is_empty() => FieldError::new(
            "note",
            "Reason needed",
            "say why the connection is declined, so the link worker can find another way",
        ),
        _ => e,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declining_needs_a_reason_and_link_worker_statuses_are_refused() {
        let refused = organisation_answer(ConnectionStatus::Rejected, "  ").unwrap_err();
        assert_eq!(refused.title, "Reason needed");
        assert_eq!(
            organisation_answer(ConnectionStatus::Rejected, " full ").unwrap(),
            "full"
        );
        assert_eq!(
            organisation_answer(ConnectionStatus::Cancelled, "")
                .unwrap_err()
                .field,
            "status"
        );
        assert_eq!(
            organisation_answer(ConnectionStatus::Accepted, "").unwrap(),
            ""
        );
    }
}
