//! A person's page: their details, consents, who read their record, and one panel per referral.

use super::{Choice, FormError, InstrumentForm, Layout, ReferralPanel};
use crate::geo::ImdDecile;
use crate::people::Person;
use askama::Template;

pub struct PersonView {
    pub name: String,
    pub nhs_number: String,
    pub date_of_birth: String,
    pub age: u32,
    pub sex: String,
    pub ethnicity: String,
    pub postcode: String,
    pub lsoa: String,
    pub deprivation: String,
    pub phone: String,
    pub plus_groups: String,
    pub conditions: String,
    pub preferred_name: String,
    pub gender_identity: String,
    pub address: String,
    /// Communication needs and contact preferences, one line each (empty: none recorded).
    pub communication: Vec<String>,
}

impl PersonView {
    pub fn new(p: &Person) -> PersonView {
        let join = |items: Vec<&str>| {
            if items.is_empty() {
                "None recorded".to_string()
            } else {
                items.join(", ")
            }
        };
        PersonView {
            name: p.full_name(),
            nhs_number: p
                .nhs_number
                .map(|n| n.to_string())
                .unwrap_or_else(|| "Not recorded".into()),
            date_of_birth: p.date_of_birth.format("%-d %B %Y").to_string(),
            age: p.age_on(chrono::Utc::now().date_naive()),
            sex: p.sex.label().into(),
            ethnicity: p.ethnicity.label().into(),
            postcode: p.postcode.clone(),
            preferred_name: p
                .record
                .preferred_name
                .clone()
                .unwrap_or_else(|| "Not recorded".into()),
            gender_identity: p
                .record
                .gender_identity
                .clone()
                .unwrap_or_else(|| "Not recorded".into()),
            address: match (&p.record.address_line1, &p.record.town) {
                (None, None) => format!("{} (only the postcode is recorded)", p.postcode),
                _ => p.record.address_with(&p.postcode),
            },
            communication: p.record.communication_summary(),
            lsoa: p.lsoa.clone().unwrap_or_default(),
            deprivation: match p.imd_decile {
                Some(d) if ImdDecile::new(d).is_some_and(ImdDecile::is_core20) => {
                    format!("IMD decile {d} of 10 (Core20: most deprived fifth of England)")
                }
                Some(d) => format!("IMD decile {d} of 10"),
                None => "Not known (outside England or postcode not found)".into(),
            },
            phone: p.phone.clone().unwrap_or_else(|| "Not recorded".into()),
            plus_groups: join(p.plus_groups.iter().map(|g| g.label()).collect()),
            conditions: join(p.conditions.iter().map(|c| c.label()).collect()),
        }
    }
}

/// One line of "who has accessed this record".
pub struct AccessLine {
    pub when: String,
    pub who: String,
    pub what: String,
    pub purpose: String,
}

impl AccessLine {
    pub fn new(record: crate::audit::AuditRecord, name: Option<String>) -> AccessLine {
        let role = crate::auth::Role::from_code(&record.actor_role)
            .map(|r| r.label().to_string())
            .unwrap_or(record.actor_role);
        let action = crate::audit::AuditAction::from_code(&record.action)
            .map(|a| a.label().to_string())
            .unwrap_or(record.action);
        AccessLine {
            when: chrono::DateTime::parse_from_rfc3339(&record.at)
                .map(|t| t.format("%-d %b %Y %H:%M").to_string())
                .unwrap_or(record.at),
            who: format!("{} ({role})", name.unwrap_or_else(|| "unknown user".into())),
            what: format!("{action} {}", record.record_type.replace('_', " ")),
            purpose: record.purpose,
        }
    }
}

/// One consent on the person page; consent sent with a referral waits for the link worker.
pub struct ConsentLine {
    pub id: i64,
    pub organisation: String,
    pub share: String,
    pub method: String,
    pub status: String,
    /// Sent with a referral, not yet confirmed or withdrawn: offer to confirm it.
    pub to_confirm: bool,
}

impl ConsentLine {
    pub fn new(consent: &crate::consent::Consent) -> ConsentLine {
        let proposed = consent.status == crate::consent::ConsentStatus::Proposed;
        ConsentLine {
            id: consent.id,
            organisation: consent.organisation.clone(),
            share: consent
                .share
                .iter()
                .map(|f| f.label())
                .collect::<Vec<_>>()
                .join(", "),
            method: consent.method.label().to_string(),
            status: match (consent.withdrawn_at.is_some(), proposed) {
                (true, _) => "Withdrawn".to_string(),
                (false, _) => consent.status.label().to_string(),
            },
            to_confirm: proposed && consent.withdrawn_at.is_none(),
        }
    }
}

#[derive(Template)]
#[template(path = "person.html")]
pub struct PersonPage {
    pub layout: Layout,
    pub person_id: i64,
    pub consents: Vec<ConsentLine>,
    pub accesses: Vec<AccessLine>,
    pub person: PersonView,
    pub referrals: Vec<ReferralPanel>,
    pub error: Option<FormError>,
    /// What the save that led here changed beyond itself.
    pub notice: Option<super::Notice>,
    /// The viewer, for "Assign to me".
    pub me: i64,
    /// For team leads: the team's workers with their open caseloads, to give a referral to.
    pub give_to: Vec<super::Choice>,
    pub csrf: String,
    pub modes: Vec<Choice>,
    pub instruments: Vec<InstrumentForm>,
    pub timings: Vec<Choice>,
    pub close_reasons: Vec<Choice>,
    pub needs: Vec<Choice>,
    /// Volunteers the team may ask to visit.
    pub volunteers: Vec<Choice>,
    pub today: String,
    /// A save just made: its banner, and where it stands (`referral-<id>` or `consents`).
    pub saved: Option<super::Saved>,
    pub saved_at: String,
    /// The person's open referrals when there is more than one (a likely duplicate).
    pub open_referrals: Vec<i64>,
    /// Every referral's appointments (each names its referral).
    pub appointments: Vec<super::AppointmentLine>,
    /// Risk and safeguarding concerns, newest first (the team's eyes only).
    pub concerns: Vec<super::ConcernLine>,
    pub concern_kinds: Vec<Choice>,
    /// Every referral's recorded GP and A&E use (each names its referral).
    pub service_use: Vec<super::ServiceUseLine>,
}

impl PersonPage {
    /// How many of the concerns are new to the reader.
    pub fn new_concerns(&self) -> usize {
        self.concerns.iter().filter(|c| c.new).count()
    }
}

impl PersonPage {
    /// Whether the success banner stands at this place (`referral-<id>` or `consents`).
    pub fn saved_here(&self, place: &str) -> bool {
        self.saved.is_some() && self.saved_at == place
    }

    /// Whether a form panel should be open: the one whose answers were just refused.
    pub fn opens(&self, panel: &str, id: &i64) -> bool {
        self.error
            .as_ref()
            .is_some_and(|e| e.panel == format!("{panel}-{id}"))
    }

    /// What was typed into a field of the refused form (nothing for any other form).
    fn kept(&self, panel: &str, id: &i64, field: &str) -> Option<&str> {
        let error = self.error.as_ref().filter(|_| self.opens(panel, id))?;
        error
            .kept
            .iter()
            .find(|(name, _)| name == field)
            .map(|(_, value)| value.as_str())
    }

    /// A field's value: what was typed if its form was refused, else `default`.
    pub fn value(&self, panel: &str, id: &i64, field: &str, default: &str) -> String {
        if self.opens(panel, id) {
            self.kept(panel, id, field).unwrap_or_default().to_string()
        } else {
            default.to_string()
        }
    }

    /// The refused form's message, for the field with this id (the one its summary links to),
    /// so the field can be marked `aria-invalid` and described by the message beside it.
    pub fn field_error(&self, id: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|e| e.anchor == id)
            .map(|e| e.detail.as_str())
    }

    /// One referral's recorded service use, before then after.
    pub fn service_use_of(&self, referral: &i64) -> Vec<&super::ServiceUseLine> {
        self.service_use
            .iter()
            .filter(|s| s.referral_id == *referral)
            .collect()
    }

    /// One referral's appointments, soonest first.
    pub fn appointments_of(&self, referral: &i64) -> Vec<&super::AppointmentLine> {
        self.appointments
            .iter()
            .filter(|a| a.referral_id == *referral)
            .collect()
    }

    /// Whether an option was the one chosen in the refused form.
    pub fn chose(&self, panel: &str, id: &i64, field: &str, option: &str) -> bool {
        self.kept(panel, id, field) == Some(option)
    }

    /// Whether a checkbox is ticked: as sent if its form was refused, else `default`.
    pub fn ticked(&self, panel: &str, id: &i64, field: &str, default: bool) -> bool {
        if self.opens(panel, id) {
            self.kept(panel, id, field).is_some()
        } else {
            default
        }
    }
}
