//! The risk and safeguarding section of a person's page: each concern in words, newest
//! first, with those new to the reader marked.

use crate::safeguarding::{Concern, RaisedBy};

pub struct ConcernLine {
    pub kind: String,
    pub description: String,
    pub action_taken: String,
    pub referred: String,
    pub raised: String,
    pub referral_id: i64,
    pub new: bool,
    /// A volunteer's worry nobody has yet given a kind: someone must look at it.
    pub from_volunteer: bool,
}

impl ConcernLine {
    pub fn new(c: &Concern) -> ConcernLine {
        ConcernLine {
            kind: c.kind.map_or_else(
                || "Not yet assessed: a volunteer's worry".to_string(),
                |k| k.label().to_string(),
            ),
            description: c.description.clone(),
            action_taken: if c.action_taken.is_empty() {
                "None recorded yet".into()
            } else {
                c.action_taken.clone()
            },
            referred: c.referred_to_lead_on.map_or_else(
                || "Not referred".to_string(),
                |d| d.format("%-d %B %Y").to_string(),
            ),
            raised: format!(
                "{} ({}), {}",
                c.raised_by_name,
                c.raised_by.label(),
                c.raised_at.format("%-d %b %Y %H:%M")
            ),
            referral_id: c.referral_id,
            new: c.new,
            from_volunteer: c.raised_by == RaisedBy::Volunteer,
        }
    }
}
