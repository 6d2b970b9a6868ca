//! Programmes (issue 17, item 3): the social prescribing offer a referral belongs to. The
//! review behind Linkwell names several models, and commissioners fund (and compare) them
//! separately, so every report can be limited to one programme and the activity report is
//! broken down by programme (docs/programmes.md).
//!
//! Plain data and rules only: what a programme is, the models, and the checks a definition
//! must pass. SQL is in `store/programmes.rs`, who may do what in `usecases/programmes.rs`.

pub mod api;

use crate::people::coded_enum;
use crate::referrals::Need;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

coded_enum! {
    /// The model a programme follows: the ones the review names, and "other".
    ProgrammeModel {
        PracticeAttached = "practice_attached": "Practice-attached link workers (as in Glasgow's Deep End practices)",
        CommunityConnectors = "community_connectors": "Community connectors with volunteers (as in the British Red Cross and Co-op programme)",
        Hub = "hub": "A community hub (as in the Life Rooms)",
        Befriending = "befriending": "Befriending for older people (as in Hand in Hand)",
        CommunityWellbeingPractice = "community_wellbeing_practice": "Community Well-being Practices",
        Other = "other": "Another model",
    }
}

/// Who a programme is for. Kept simple on purpose: two structured rules a link worker can
/// check at a glance (a minimum age, the needs it is for) and notes in words for the rest
/// (areas, conditions). Shown beside the programme; not enforced when a referral is made,
/// since the link worker decides with the person.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Eligibility {
    /// Youngest age taken, in whole years; none means any age.
    #[schema(minimum = 0, maximum = 120)]
    pub min_age: Option<u8>,
    /// The needs the programme is for; empty means any need.
    pub needs: Vec<Need>,
    /// Anything else, in words (areas served, conditions, exclusions).
    pub notes: String,
}

/// A team that runs a programme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProgrammeTeam {
    pub id: i64,
    pub name: String,
}

/// A programme as defined by an administrator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Programme {
    pub id: i64,
    pub name: String,
    pub model: ProgrammeModel,
    pub description: String,
    pub eligibility: Eligibility,
    /// The teams that run it; a referral held by one of them may belong to it.
    pub teams: Vec<ProgrammeTeam>,
    /// The steps a referral goes through, in order, in words.
    pub pathway: Vec<String>,
    /// Inactive programmes take no new referrals but stay in reports.
    pub active: bool,
}

impl Programme {
    pub fn runs_in(&self, team_id: i64) -> bool {
        self.teams.iter().any(|t| t.id == team_id)
    }
}

/// A programme's definition, checked: what creating or changing one writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProgramme {
    pub name: String,
    pub model: ProgrammeModel,
    pub description: String,
    pub eligibility: Eligibility,
    pub team_ids: Vec<i64>,
    pub pathway: Vec<String>,
    pub active: bool,
}

/// The most pathway steps a programme lists.
pub const MAX_STEPS: usize = 20;
/// The oldest minimum age accepted.
pub const MAX_MIN_AGE: u8 = 120;

/// Why a definition is refused, naming the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProgrammeError {
    #[error("choose at least one team to run the programme")]
    NoTeam,
    #[error("a minimum age is a whole number of years from 0 to {MAX_MIN_AGE}")]
    MinAge,
    #[error("a pathway has at most {MAX_STEPS} steps, one per line, of up to 200 characters each")]
    Pathway,
}

impl ProgrammeError {
    pub fn field(&self) -> &'static str {
        match self {
            ProgrammeError::NoTeam => "team_ids",
            ProgrammeError::MinAge => "min_age",
            ProgrammeError::Pathway => "pathway",
        }
    }
}

impl NewProgramme {
    /// Checks the rules a definition must meet beyond its text fields (checked at the
    /// edge): at least one team, a sensible minimum age, a short pathway. Teams and needs
    /// are de-duplicated, keeping the order given; blank pathway lines are dropped.
    pub fn checked(mut self) -> Result<NewProgramme, ProgrammeError> {
        let mut seen = std::collections::HashSet::new();
        self.team_ids.retain(|t| seen.insert(*t));
        let mut needs = Vec::new();
        for n in self.eligibility.needs.drain(..) {
            if !needs.contains(&n) {
                needs.push(n);
            }
        }
        self.eligibility.needs = needs;
        if self.team_ids.is_empty() {
            return Err(ProgrammeError::NoTeam);
        }
        if self.eligibility.min_age.is_some_and(|a| a > MAX_MIN_AGE) {
            return Err(ProgrammeError::MinAge);
        }
        self.pathway = self
            .pathway
            .iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        if self.pathway.len() > MAX_STEPS || self.pathway.iter().any(|s| s.chars().count() > 200) {
            return Err(ProgrammeError::Pathway);
        }
        Ok(self)
    }
}

/// Pathway steps as stored: one per line.
pub fn pathway_text(steps: &[String]) -> String {
    steps.join("\n")
}

pub fn pathway_steps(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// Needs as stored: comma-separated codes.
pub fn needs_text(needs: &[Need]) -> String {
    needs.iter().map(|n| n.code()).collect::<Vec<_>>().join(",")
}

pub fn needs_from_text(text: &str) -> Vec<Need> {
    text.split(',')
        .filter_map(|c| Need::from_code(c.trim()))
        .collect()
}

/// The programme a new referral held by a team belongs to when nobody chose: the team's
/// one active programme. With none, or several (the choice is the referrer's or the link
/// worker's), none is guessed.
pub fn default_for_team(programmes: &[Programme], team_id: i64) -> Option<i64> {
    let mut run = programmes.iter().filter(|p| p.active && p.runs_in(team_id));
    match (run.next(), run.next()) {
        (Some(only), None) => Some(only.id),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(teams: Vec<i64>) -> NewProgramme {
        NewProgramme {
            name: "Befriending".into(),
            model: ProgrammeModel::Befriending,
            description: String::new(),
            eligibility: Eligibility {
                min_age: Some(65),
                needs: vec![Need::Loneliness, Need::Loneliness],
                notes: String::new(),
            },
            team_ids: teams,
            pathway: vec!["Referral".into(), "  ".into(), " First visit ".into()],
            active: true,
        }
    }

    #[test]
    fn a_definition_needs_a_team_and_is_tidied() {
        assert_eq!(new(vec![]).checked(), Err(ProgrammeError::NoTeam));
        let ok = new(vec![2, 1, 2]).checked().unwrap();
        assert_eq!(ok.team_ids, [2, 1]);
        assert_eq!(ok.eligibility.needs, [Need::Loneliness]);
        assert_eq!(ok.pathway, ["Referral", "First visit"]);
        let mut old = new(vec![1]);
        old.eligibility.min_age = Some(121);
        assert_eq!(old.checked(), Err(ProgrammeError::MinAge));
        let mut long = new(vec![1]);
        long.pathway = vec!["step".into(); MAX_STEPS + 1];
        assert_eq!(long.checked(), Err(ProgrammeError::Pathway));
    }

    #[test]
    fn a_team_with_one_active_programme_defaults_to_it() {
        let programme = |id, teams: &[i64], active| Programme {
            id,
            name: format!("P{id}"),
            model: ProgrammeModel::Other,
            description: String::new(),
            eligibility: Eligibility::default(),
            teams: teams
                .iter()
                .map(|&t| ProgrammeTeam {
                    id: t,
                    name: String::new(),
                })
                .collect(),
            pathway: vec![],
            active,
        };
        let all = [
            programme(1, &[10], true),
            programme(2, &[10, 20], true),
            programme(3, &[30], false),
            programme(4, &[40], true),
        ];
        assert_eq!(default_for_team(&all, 40), Some(4));
        assert_eq!(default_for_team(&all, 20), Some(2));
        assert_eq!(default_for_team(&all, 10), None, "two: nobody guesses");
        assert_eq!(default_for_team(&all, 30), None, "inactive");
        assert_eq!(
            needs_from_text(&needs_text(&[Need::Food, Need::Money])).len(),
            2
        );
        assert_eq!(
            pathway_steps(&pathway_text(&["a".into(), "b".into()])),
            ["a", "b"]
        );
    }
}
