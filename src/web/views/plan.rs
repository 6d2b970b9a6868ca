//! A person's plan in plain words, to print and keep.

use super::{GoalLine, Layout, Line, ReferralPanel};
use crate::auth::CurrentUser;
use crate::people::Person;
use crate::people::WrittenFormat;
use crate::referrals::ReferralDetail;
use askama::Template;

/// A person's plan in plain words, for them to keep.
#[derive(Template)]
#[template(path = "plan.html")]
pub struct PlanPage {
    pub layout: Layout,
    pub person_id: i64,
    pub name: String,
    pub link_worker: String,
    pub what_matters: Vec<String>,
    pub needs: Vec<String>,
    pub goals: Vec<GoalLine>,
    pub connections: Vec<Line>,
    pub next_contact: Option<String>,
    pub printed: String,
    /// Asked for written information in large print: the plan prints larger.
    pub large_print: bool,
    /// How they asked to be communicated with, said on the plan so whoever prints or
    /// posts it follows it (Accessible Information Standard).
    pub communication: Vec<String>,
}

impl PlanPage {
    pub fn new(person: &Person, detail: ReferralDetail, user: &CurrentUser) -> PlanPage {
        let next_contact = detail
            .referral
            .next_follow_up_on
            .map(|d| d.format("%A %-d %B %Y").to_string());
        let panel = ReferralPanel::new(detail);
        PlanPage {
            layout: Layout::new(&format!("Plan for {}", person.full_name()), Some(user)),
            person_id: person.id,
            name: person.called().to_string(),
            link_worker: user.display_name.clone(),
            what_matters: panel.what_matters,
            needs: panel.needs,
            goals: panel.goals,
            connections: panel.connections,
            next_contact,
            printed: chrono::Utc::now().format("%-d %B %Y").to_string(),
            large_print: person.record.written_format == Some(WrittenFormat::LargePrint),
            communication: person.record.communication_summary(),
        }
    }
}
