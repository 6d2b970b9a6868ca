//! Messages on a connection: a short thread between the team holding the referral and the
//! community organisation the connection was sent to, so what each side needs the other to
//! know ("hard of hearing, speak slowly"; "we will ring her on Monday") is not lost.
//! The organisation's side exists only while the person's consent to share with it is
//! confirmed and in force (see `usecases::messages`). Plain types and checks: no HTTP, no SQL.

pub mod api;

use crate::input::FieldError;
use crate::people::coded_enum;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A message is a note, not a letter: long enough for a few sentences.
pub const MAX_MESSAGE_CHARS: usize = 1000;

coded_enum! {
    /// Which side of a connection wrote a message.
    MessageSide {
        Team = "team": "Link worker's team",
        Organisation = "organisation": "Community organisation",
    }
}

impl MessageSide {
    /// The side whose messages are unread news for this side.
    pub fn other(self) -> MessageSide {
        match self {
            MessageSide::Team => MessageSide::Organisation,
            MessageSide::Organisation => MessageSide::Team,
        }
    }
}

/// One message in a connection's thread.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Message {
    pub id: i64,
    pub side: MessageSide,
    /// The writer's display name.
    pub author: String,
    pub body: String,
    pub sent_at: DateTime<Utc>,
    /// From the other side and not read by the reader before this read.
    pub unread: bool,
}

/// A connection's thread as one reader sees it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Thread {
    pub connection_id: i64,
    pub service_name: String,
    pub organisation: String,
    /// The person's consent to share with the organisation is confirmed and not withdrawn:
    /// only then does the organisation see the thread, and only then may anyone write to it.
    pub consent_in_force: bool,
    /// Messages from the other side that were unread for the reader before this read
    /// (reading marks them read).
    pub unread: i64,
    /// Oldest first.
    pub messages: Vec<Message>,
    /// For the team: the person the connection is for (their page links back).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person_id: Option<i64>,
}

/// A message's text, checked: trimmed, 1 to [`MAX_MESSAGE_CHARS`] characters, line breaks
/// and tabs but no other control or text-direction characters.
pub fn message_body(value: &str) -> Result<String, FieldError> {
    crate::input::text_field("body", value, 1, MAX_MESSAGE_CHARS).map_err(|e| {
        if value.trim().is_empty() {
            FieldError::new(
                "body",
                "Message is empty",
                "write a message before sending it",
            )
        } else if e.title == "Text too long" {
            FieldError::new(
                "body",
                "Message too long",
                format!(
                    "a message is at most {MAX_MESSAGE_CHARS} characters; this one has {}",
                    value.trim().chars().count()
                ),
            )
        } else {
            e
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_short_plain_text() {
        assert_eq!(
            message_body("  hard of hearing, speak slowly \n").unwrap(),
            "hard of hearing, speak slowly"
        );
        assert_eq!(message_body("two\nlines").unwrap(), "two\nlines");
        assert_eq!(message_body("   ").unwrap_err().title, "Message is empty");
        assert_eq!(
            message_body(&"a".repeat(1001)).unwrap_err().title,
            "Message too long"
        );
        assert!(message_body(&"a".repeat(1000)).is_ok());
        assert_eq!(
            message_body("bell\u{7}").unwrap_err().title,
            "Character not allowed"
        );
        assert_eq!(
            message_body("abc\u{202E}def").unwrap_err().title,
            "Character not allowed"
        );
    }
}
