//! The frame around every page: title, who is signed in, and the links their role may follow.

use crate::auth::policy::Action;
use crate::auth::{CurrentUser, Role};

/// What every page's frame needs.
pub struct Layout {
    pub title: String,
    pub user_name: Option<String>,
    pub user_role: Option<String>,
    pub csrf: String,
    pub show_cases: bool,
    pub show_report: bool,
    pub show_capacity: bool,
    pub show_cost_report: bool,
    pub show_directory: bool,
    pub show_inbox: bool,
    pub show_refer: bool,
    pub show_team: bool,
    pub show_admin: bool,
    pub show_visits: bool,
    /// Casework users have a diary, and so a calendar link.
    pub show_calendar: bool,
}

impl Layout {
    pub fn new(title: &str, user: Option<&CurrentUser>) -> Layout {
        Layout {
            title: title.to_string(),
            user_name: user.map(|u| u.display_name.clone()),
            user_role: user.map(|u| u.role.label().to_string()),
            csrf: user.and_then(|u| u.csrf_token.clone()).unwrap_or_default(),
            show_cases: user
                .is_some_and(|u| u.may(Action::ReadCasework) || u.role == Role::Referrer),
            show_report: user.is_some_and(|u| u.may(Action::ReadEquityReport)),
            show_capacity: user.is_some_and(|u| u.may(Action::ReadCapacityReport)),
            show_cost_report: user.is_some_and(|u| u.may(Action::ReadCostReport)),
            show_directory: user.is_some_and(|u| u.may(Action::ReadServices)),
            show_inbox: user.is_some_and(|u| u.may(Action::ReadOrganisationConnections)),
            show_refer: user.is_some_and(|u| u.may(Action::CreateReferral)),
            show_team: user.is_some_and(|u| u.role == Role::TeamLead),
            show_admin: user.is_some_and(|u| u.role == Role::Admin),
            show_visits: user.is_some_and(|u| u.may(Action::MakeVisits)),
            show_calendar: user.is_some_and(|u| u.may(Action::ReadCasework)),
        }
    }
}
