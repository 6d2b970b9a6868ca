//! The access policy in one place: which role may do what, and whose records it may see.

use super::{CurrentUser, Role};
use crate::error::AppError;

/// Things a user may try to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read a person's full record and their referrals' casework.
    ReadCasework,
    /// Record contacts, needs, goals, barriers, measures, connections and transitions.
    WriteCasework,
    /// Make a new referral (and register the person it is for).
    CreateReferral,
    /// Read the community services list.
    ReadServices,
    /// Add or change community services.
    ManageServices,
    /// Look up where a postcode is and how deprived the area is.
    LookUpPostcode,
}

impl Action {
    fn allowed_roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            Action::ReadCasework | Action::WriteCasework => &[LinkWorker, TeamLead],
            Action::CreateReferral => &[LinkWorker, TeamLead, Referrer],
            Action::ReadServices => &[LinkWorker, TeamLead, Referrer, Vcse, Admin],
            Action::ManageServices => &[Admin, TeamLead],
            Action::LookUpPostcode => &[LinkWorker, TeamLead, Referrer, Admin],
        }
    }
}

/// Which referrals a user's reads are limited to; applied inside the store's queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseScope {
    /// Referrals held by this team (and people this user registered).
    Team { team: i64, user: i64 },
    /// Referrals this user made (status only).
    MadeBy(i64),
    /// Nothing person-level.
    Nothing,
}

impl CurrentUser {
    pub fn may(&self, action: Action) -> bool {
        action.allowed_roles().contains(&self.role)
    }

    /// Refuses with 403 unless the user's role allows the action.
    pub fn require(&self, action: Action) -> Result<(), AppError> {
        if self.may(action) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "a {} cannot do this",
                self.role.label().to_lowercase()
            )))
        }
    }

    pub fn case_scope(&self) -> CaseScope {
        match (self.role, self.team_id) {
            (Role::LinkWorker | Role::TeamLead, Some(team)) => CaseScope::Team {
                team,
                user: self.id,
            },
            (Role::Referrer, _) => CaseScope::MadeBy(self.id),
            _ => CaseScope::Nothing,
        }
    }
}
