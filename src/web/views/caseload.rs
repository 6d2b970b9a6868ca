//! The caseload page: one line per referral.

use super::{Choice, Layout};
use crate::referrals::CaseloadRow;
use crate::referrals::ReferralState;
use askama::Template;
use chrono::NaiveDate;

pub struct CaseloadLine {
    pub person_id: i64,
    pub referral_id: i64,
    pub person_name: String,
    pub state: String,
    pub link_worker: String,
    pub received: String,
    pub follow_up: String,
    pub overdue: bool,
    /// Days since the follow-up was due (0 unless overdue).
    pub days_overdue: i64,
    pub version: i64,
    /// Open and held by nobody: offered "Assign to me".
    pub unassigned: bool,
    pub imd: String,
    pub unanswered: i64,
    /// Messages from organisations about this referral's connections the viewer has not read.
    pub unread_messages: i64,
    /// Marked in the list: a self-referral has not been seen by any professional yet.
    pub self_referral: bool,
    /// Risk and safeguarding concerns about the person, and how many are new to the viewer.
    pub concerns: i64,
    pub new_concerns: i64,
}

impl CaseloadLine {
    pub fn from_row(r: CaseloadRow, today: NaiveDate) -> CaseloadLine {
        let state = ReferralState::from_code(&r.state);
        CaseloadLine {
            person_id: r.person_id,
            referral_id: r.referral_id,
            person_name: r.person_name,
            state: state.map(|s| s.label().to_string()).unwrap_or(r.state),
            link_worker: r
                .link_worker_name
                .clone()
                .unwrap_or_else(|| "Not assigned".into()),
            received: r.received_at.format("%-d %b %Y").to_string(),
            follow_up: r
                .next_follow_up_on
                .map(|d| d.format("%-d %b %Y").to_string())
                .unwrap_or_default(),
            unanswered: r.unanswered_connections,
            unread_messages: 0,
            concerns: 0,
            new_concerns: 0,
            self_referral: r.referrer_kind == crate::referrals::ReferrerKind::SelfReferral.code(),
            overdue: state.is_some_and(|s| s.is_open())
                && r.next_follow_up_on.is_some_and(|d| d < today),
            days_overdue: r
                .next_follow_up_on
                .map_or(0, |d| (today - d).num_days().max(0)),
            version: r.version,
            unassigned: state.is_some_and(|s| s.is_open()) && r.link_worker_id.is_none(),
            imd: r
                .imd_decile
                .map(|d| d.to_string())
                .unwrap_or_else(|| "–".into()),
        }
    }
}

#[derive(Template)]
#[template(path = "caseload.html")]
pub struct CaseloadPage {
    pub layout: Layout,
    /// False for referrers: status only, no links into casework.
    pub casework: bool,
    pub rows: Vec<CaseloadLine>,
    /// The user's appointments today (Europe/London), in time order.
    pub day: Vec<super::DayLine>,
    pub states: Vec<Choice>,
    pub mine: bool,
    pub overdue: bool,
    pub page: i64,
    pub previous_link: Option<String>,
    pub next_link: Option<String>,
    /// Said after a referral was just made: who it is for.
    pub made_for: Option<String>,
    pub may_refer: bool,
    /// Where attention is needed today (link workers: theirs; team leads: the team's).
    pub summary: Option<crate::referrals::DaySummary>,
    pub for_team: bool,
    /// One of the summary's lists is shown.
    pub filtered: bool,
    /// Safeguarding concerns about people in the viewer's care that are new to them.
    pub new_concerns: i64,
    /// The search box as typed (an NHS number spaced, a date as dd/mm/yyyy).
    pub search: String,
    /// A search was read and applied.
    pub searched: bool,
    /// Why the search could not be read; nobody is listed then.
    pub search_error: Option<String>,
    /// The viewer's user id, for "Assign to me".
    pub me: i64,
}
