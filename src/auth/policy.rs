//! The access policy in one place: which role may do what, and whose records it may see.

use super::{CurrentUser, Role};

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
    /// See the connections sent to one's own organisation (consented fields only).
    ReadOrganisationConnections,
    /// Read and write the message thread of a connection: the team holding the referral,
    /// and the organisation it was sent to while the person's consent is in force.
    ExchangeMessages,
    /// See the aggregate, disclosure-controlled equity report.
    ReadEquityReport,
    /// See the aggregate, disclosure-controlled community capacity report: commissioners'
    /// analysts, team leads, and administrators (who keep the directory current).
    ReadCapacityReport,
    /// See the aggregate, disclosure-controlled activity report (team leads: their team's).
    ReadActivityReport,
    /// See a link worker's own outcomes beside their team's (aggregate, disclosure-
    /// controlled): a link worker their own, a team lead each of their team's link workers.
    ReadOwnOutcomes,
    /// See the aggregate, disclosure-controlled system outcomes report (service use before
    /// and after referral; team leads: their team's). Never the counts of one person.
    ReadServiceUseReport,
    /// Change directory listings: an organisation its own, an administrator any.
    CurateListings,
    /// See the visits one is arranged to make (name, phone, activity, day) and record them.
    MakeVisits,
    /// Record a risk or safeguarding concern about someone in the team's care.
    RecordConcern,
    /// Read the safeguarding concerns of people in the team's care (and their flags). Never
    /// organisations or volunteers: a concern can name who is harming the person.
    ReadConcerns,
    /// Tell the link worker "I'm worried about them" from one's own visit (volunteers): it
    /// reaches the team at once, and the volunteer never reads the concerns back.
    RaiseWorry,
    /// Read the operators' metrics (request timings, database pool use).
    ReadMetrics,
    /// See the GP outbox: messages pending, failed and delivered (ids and codes, no record).
    ReadGpOutbox,
    /// Send a dead letter to the GP again, once the endpoint is fixed (administrators).
    RequeueGpOutbox,
    /// Read Linkwell's published code lists (FHIR CodeSystems and ValueSets, the SKOS
    /// export): they carry no personal data, so every signed-in role may.
    ReadOntology,
    /// Define and change programmes (name, model, eligibility, teams, pathway).
    ManageProgrammes,
    /// See the programmes and their definitions: whoever reads reports (they are filtered
    /// by programme) or makes referrals (which belong to one). Nothing personal.
    ReadProgrammes,
    /// Record and read a programme's costs month by month: whoever manages programmes.
    ManageProgrammeCosts,
    /// See the cost report (costs beside disclosure-controlled counts, aggregate only):
    /// commissioners' analysts, nobody else (docs/cost-report.md).
    ReadCostReport,
    /// Invite, disable, enable, unlock and reset accounts; end their sessions and tokens;
    /// see every account and team.
    ManageAccounts,
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
            Action::ReadOrganisationConnections => &[Vcse],
            Action::ExchangeMessages => &[LinkWorker, TeamLead, Vcse],
            Action::ReadEquityReport => &[Analyst, TeamLead],
            Action::ReadCapacityReport => &[Analyst, TeamLead, Admin],
            Action::ReadActivityReport | Action::ReadServiceUseReport => &[Analyst, TeamLead],
            Action::ReadOwnOutcomes => &[LinkWorker, TeamLead],
            Action::CurateListings => &[Vcse, Admin],
            Action::MakeVisits | Action::RaiseWorry => &[Volunteer],
            Action::RecordConcern | Action::ReadConcerns => &[LinkWorker, TeamLead],
            Action::ReadMetrics
            | Action::ManageAccounts
            | Action::ReadGpOutbox
            | Action::RequeueGpOutbox => &[Admin],
            Action::ReadOntology => Role::ALL,
            Action::ManageProgrammes => &[Admin],
            Action::ReadProgrammes => &[LinkWorker, TeamLead, Referrer, Analyst, Admin],
            Action::ManageProgrammeCosts => &[Admin],
            Action::ReadCostReport => &[Analyst],
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

/// The policy's refusal: what the user may not do, in words they can act on. Turned into a
/// 403 problem document (or an error page) at the edge.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Forbidden(pub String);

impl CurrentUser {
    pub fn may(&self, action: Action) -> bool {
        action.allowed_roles().contains(&self.role)
    }

    /// Refuses (a 403 at the edge) unless the user's role allows the action.
    pub fn require(&self, action: Action) -> Result<(), Forbidden> {
        if self.may(action) {
            Ok(())
        } else {
            let role = self.role.label().to_lowercase();
            let article = if role.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            Err(Forbidden(format!("{article} {role} cannot do this")))
        }
    }

    /// Team leads may give a referral to anyone in their team; a link worker may only
    /// take one on themselves.
    pub fn require_may_assign_to(&self, link_worker_id: i64) -> Result<(), Forbidden> {
        self.require(Action::WriteCasework)?;
        if self.role == Role::TeamLead || link_worker_id == self.id {
            Ok(())
        } else {
            Err(Forbidden(
                "only a team lead can give a referral to someone else".into(),
            ))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: i64, role: Role, team: Option<i64>) -> CurrentUser {
        CurrentUser {
            id,
            username: String::new(),
            display_name: String::new(),
            role,
            team_id: team,
            organisation: None,
            csrf_token: None,
            request_id: String::new(),
            token_id: None,
        }
    }

    #[test]
    fn only_team_leads_assign_others() {
        assert!(user(1, Role::TeamLead, Some(1))
            .require_may_assign_to(2)
            .is_ok());
        assert!(user(1, Role::LinkWorker, Some(1))
            .require_may_assign_to(1)
            .is_ok());
        assert!(user(1, Role::LinkWorker, Some(1))
            .require_may_assign_to(2)
            .is_err());
        assert!(user(1, Role::Referrer, None)
            .require_may_assign_to(1)
            .is_err());
    }

    #[test]
    fn only_administrators_manage_accounts() {
        for role in Role::ALL {
            assert_eq!(
                user(1, *role, Some(1)).may(Action::ManageAccounts),
                *role == Role::Admin,
                "{role:?}"
            );
        }
    }

    #[test]
    fn only_the_team_records_and_reads_concerns_and_only_volunteers_raise_worries() {
        for role in Role::ALL {
            let u = user(1, *role, Some(1));
            let team = matches!(role, Role::LinkWorker | Role::TeamLead);
            assert_eq!(u.may(Action::RecordConcern), team, "{role:?}");
            assert_eq!(u.may(Action::ReadConcerns), team, "{role:?}");
            assert_eq!(
                u.may(Action::RaiseWorry),
                *role == Role::Volunteer,
                "{role:?}"
            );
        }
    }

    #[test]
    fn scopes_follow_roles() {
        assert_eq!(
            user(5, Role::LinkWorker, Some(3)).case_scope(),
            CaseScope::Team { team: 3, user: 5 }
        );
        assert_eq!(
            user(5, Role::Referrer, None).case_scope(),
            CaseScope::MadeBy(5)
        );
        for role in [Role::Analyst, Role::Admin, Role::Vcse, Role::Volunteer] {
            assert_eq!(user(5, role, Some(3)).case_scope(), CaseScope::Nothing);
            assert!(!user(5, role, Some(3)).may(Action::ReadCasework));
        }
        assert_eq!(
            user(5, Role::LinkWorker, None).case_scope(),
            CaseScope::Nothing,
            "no team, no caseload"
        );
    }
}
