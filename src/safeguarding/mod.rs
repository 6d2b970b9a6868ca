//! Risk and safeguarding concerns (docs/safeguarding.md): what a link worker records when
//! they are worried someone is at risk of harm (the kind, what they did, when they referred
//! it to the safeguarding lead), and a volunteer's "I'm worried about them", which reaches
//! the team at once. Only the team holding the referral reads them; organisations and
//! volunteers never do. Plain types and checks: no HTTP, no SQL.

pub mod api;

use crate::input::{FieldError, EARLIEST_RECORD};
use crate::people::coded_enum;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A concern's text is a short account, not a case file: a few paragraphs.
pub const MAX_CONCERN_CHARS: usize = 2000;
/// A volunteer's worry is a message: a few sentences.
pub const MAX_WORRY_CHARS: usize = 1000;

/// Where the categories of abuse and neglect come from; copied, with this source, into
/// `data/care-act-abuse-categories.csv`.
pub const CARE_ACT_SOURCE: &str =
    "Care and support statutory guidance (Care Act 2014), Department of Health and Social Care, para 14.17";

coded_enum! {
    /// What kind of concern it is: the ten categories of abuse and neglect the Care Act 2014
    /// statutory guidance names (para 14.17), and one for any other risk, which has no
    /// national list. The codes are Linkwell's own storage keys, not national codes: the
    /// guidance names categories but gives them none.
    ConcernKind {
        Physical = "physical": "Physical abuse",
        Domestic = "domestic": "Domestic violence",
        Sexual = "sexual": "Sexual abuse",
        Psychological = "psychological": "Psychological abuse",
        Financial = "financial": "Financial or material abuse",
        ModernSlavery = "modern_slavery": "Modern slavery",
        Discriminatory = "discriminatory": "Discriminatory abuse",
        Organisational = "organisational": "Organisational abuse",
        Neglect = "neglect": "Neglect and acts of omission",
        SelfNeglect = "self_neglect": "Self-neglect",
        OtherRisk = "other_risk": "Another risk to the person or to others",
    }
}

impl ConcernKind {
    /// Where the category is defined: the statutory guidance, or Linkwell for `OtherRisk`.
    pub fn source(self) -> &'static str {
        match self {
            ConcernKind::OtherRisk => "Linkwell (no national list of other risks)",
            _ => CARE_ACT_SOURCE,
        }
    }
}

coded_enum! {
    /// Who raised a concern.
    RaisedBy {
        Team = "team": "Link worker's team",
        Volunteer = "volunteer": "Volunteer",
    }
}

/// One concern as the team reads it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Concern {
    pub id: i64,
    pub referral_id: i64,
    /// Not yet assessed (a volunteer's worry) when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<ConcernKind>,
    pub description: String,
    pub action_taken: String,
    /// The day it was referred to the safeguarding lead, if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referred_to_lead_on: Option<NaiveDate>,
    pub raised_by: RaisedBy,
    /// The display name of who raised it.
    pub raised_by_name: String,
    /// The visit the volunteer was worried on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visit_id: Option<i64>,
    pub raised_at: DateTime<Utc>,
    /// Raised by someone else and not read by the reader before this read.
    pub new: bool,
}

/// A concern a team member records, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewConcern {
    pub kind: ConcernKind,
    pub description: String,
    pub action_taken: String,
    pub referred_to_lead_on: Option<NaiveDate>,
}

impl NewConcern {
    /// Checks the raw fields: what was seen or heard (1 to 2,000 characters), what was done
    /// (1 to 2,000), and the referral to the safeguarding lead on a day from 2000 to today.
    pub fn check(
        kind: ConcernKind,
        description: &str,
        action_taken: &str,
        referred_to_lead_on: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Result<NewConcern, FieldError> {
        let description =
            crate::input::text_field("description", description, 1, MAX_CONCERN_CHARS).map_err(
                |e| {
                    if description.trim().is_empty() {
                        FieldError::new(
                            "description",
                            "Say what the concern is",
                            "describe what was seen, heard or said",
                        )
                    } else {
                        e
                    }
                },
            )?;
        let action_taken =
            crate::input::text_field("action_taken", action_taken, 1, MAX_CONCERN_CHARS).map_err(
                |e| {
                    if action_taken.trim().is_empty() {
                        FieldError::new(
                            "action_taken",
                            "Say what was done",
                            "say what action was taken, even if it was only to talk to the safeguarding lead",
                        )
                    } else {
                        e
                    }
                },
            )?;
        if let Some(day) = referred_to_lead_on {
            if day > today {
                return Err(FieldError::new(
                    "referred_to_lead_on",
                    "Date in the future",
                    format!("{day} is in the future: give the day it was referred, on or before {today}"),
                ));
            }
            if day < EARLIEST_RECORD {
                return Err(FieldError::new(
                    "referred_to_lead_on",
                    "Date too long ago",
                    format!("{day} is too long ago: the day it was referred must be on or after {EARLIEST_RECORD}"),
                ));
            }
        }
        Ok(NewConcern {
            kind,
            description,
            action_taken,
            referred_to_lead_on,
        })
    }
}

/// A volunteer's "I'm worried about them", checked: 1 to 1,000 characters.
pub fn worry_text(value: &str) -> Result<String, FieldError> {
    crate::input::text_field("worry", value, 1, MAX_WORRY_CHARS).map_err(|e| {
        if value.trim().is_empty() {
            FieldError::new(
                "worry",
                "Say what worried you",
                "write a few words about what worried you, so the link worker knows what to do",
            )
        } else {
            e
        }
    })
}

/// What the caseload shows of a person's concerns: that there are some, and how many are
/// new to the reader. Counts only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConcernFlag {
    pub concerns: i64,
    pub new: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_categories_are_the_statutory_guidances_as_copied_into_data() {
        let csv = include_str!("../../data/care-act-abuse-categories.csv");
        let rows: Vec<(&str, &str)> = csv
            .lines()
            .skip(1)
            .map(|line| {
                let mut cells = line.split(',');
                (cells.next().unwrap(), cells.next().unwrap())
            })
            .collect();
        assert_eq!(rows.len(), 10, "the guidance names ten");
        for (code, category) in &rows {
            let kind = ConcernKind::from_code(code).expect(code);
            assert_eq!(kind.label(), *category);
            assert_eq!(kind.source(), CARE_ACT_SOURCE);
        }
        // Every other kind is Linkwell's own, and says so.
        for kind in ConcernKind::ALL {
            if !rows.iter().any(|(code, _)| *code == kind.code()) {
                assert!(kind.source().starts_with("Linkwell"), "{kind:?}");
            }
        }
    }

    #[test]
    fn a_concern_says_what_and_what_was_done_and_a_referral_date_not_ahead() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let ok = NewConcern::check(
            ConcernKind::Financial,
            " Son takes her pension ",
            "Told the lead",
            Some(today),
            today,
        )
        .unwrap();
        assert_eq!(ok.description, "Son takes her pension");
        let err = |d: &str, a: &str, on: Option<NaiveDate>| {
            NewConcern::check(ConcernKind::Neglect, d, a, on, today).unwrap_err()
        };
        assert_eq!(err(" ", "x", None).field, "description");
        assert_eq!(err("x", "", None).field, "action_taken");
        assert_eq!(err("x", "y", today.succ_opt()).field, "referred_to_lead_on");
        assert_eq!(
            err("x", "y", NaiveDate::from_ymd_opt(1999, 12, 31)).field,
            "referred_to_lead_on"
        );
        assert_eq!(err(&"a".repeat(2001), "y", None).field, "description");
        assert_eq!(worry_text("  ").unwrap_err().title, "Say what worried you");
        assert_eq!(
            worry_text("Bruises on her arm").unwrap(),
            "Bruises on her arm"
        );
    }
}
