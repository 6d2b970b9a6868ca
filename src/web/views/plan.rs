//! A person's plan in plain words, to print and keep.

use super::{GoalLine, Layout, Line, ReferralPanel};
use crate::auth::CurrentUser;
use crate::people::Person;
use crate::people::WrittenFormat;
use crate::referrals::{Referral, ReferralDetail};
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
    /// Which referral this plan is from, and the person's others (not printed).
    pub referral: ReferralChoice,
    pub others: Vec<ReferralChoice>,
}

/// A referral a plan may be made from, as a line to pick it by.
pub struct ReferralChoice {
    pub href: String,
    pub label: String,
}

impl ReferralChoice {
    pub fn new(r: &Referral) -> ReferralChoice {
        ReferralChoice {
            href: format!("/people/{}/plan?referral={}", r.person_id, r.id),
            label: format!(
                "Referral {} from {}, {} ({})",
                r.id,
                r.referrer_kind.label(),
                r.received_at.format("%-d %B %Y"),
                r.state.label().to_lowercase()
            ),
        }
    }
}

/// The person has more than one open referral: which one is the plan to be made from?
#[derive(Template)]
#[template(path = "plan_choose.html")]
pub struct PlanChooserPage {
    pub layout: Layout,
    pub person_id: i64,
    pub name: String,
    pub open: Vec<ReferralChoice>,
}

impl PlanChooserPage {
    pub fn new(person: &Person, open: &[Referral], user: &CurrentUser) -> PlanChooserPage {
        PlanChooserPage {
            layout: Layout::new(
                &format!("Which plan for {}?", person.full_name()),
                Some(user),
            ),
            person_id: person.id,
            name: person.full_name(),
            open: open.iter().map(ReferralChoice::new).collect(),
        }
    }
}

impl PlanPage {
    pub fn new(
        person: &Person,
        detail: ReferralDetail,
        others: &[Referral],
        user: &CurrentUser,
    ) -> PlanPage {
        let referral = ReferralChoice::new(&detail.referral);
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
            referral,
            others: others.iter().map(ReferralChoice::new).collect(),
            large_print: person.record.written_format == Some(WrittenFormat::LargePrint),
            communication: person.record.communication_summary(),
        }
    }
}
