//! Asking before a referral ends (issue 15, item 9): what will happen, and to each of its
//! connections still open, before the link worker says yes.

use super::Layout;
use askama::Template;

/// One connection still open when the referral ends.
pub struct OpenConnection {
    pub service: String,
    pub status: String,
}

#[derive(Template)]
#[template(path = "close_confirm.html")]
pub struct CloseConfirmPage {
    pub layout: Layout,
    pub person_id: i64,
    pub person_name: String,
    pub referral_id: i64,
    /// "Close", "Decline", "Mark as unable to contact": the button's words.
    pub action: String,
    /// The new state's label and the reason's, as chosen.
    pub to_label: String,
    pub reason_label: Option<String>,
    /// What the GP practice hears of it, in plain words.
    pub gp_told: String,
    pub connections: Vec<OpenConnection>,
    /// The form as sent, to send again with the answer "yes".
    pub to: String,
    pub expected_version: String,
    pub reason: String,
    pub note: String,
}
