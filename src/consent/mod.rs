//! Consent to share with a community (VCSE) organisation, and what that organisation may
//! then see. Nothing about a person reaches an organisation without an active consent, and
//! only the fields the person agreed to.

mod answer;
pub mod api;
mod connection;

pub use answer::{organisation_answer, ORGANISATION_ANSWERS};
pub use connection::{ConsentBasis, NewConnection};

use crate::people::coded_enum;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

coded_enum! {
    /// A piece of the record a person may agree to share.
    SharedField {
        Name = "name": "Name",
        ContactDetails = "contact_details": "Phone number",
        DateOfBirth = "date_of_birth": "Date of birth",
        Needs = "needs": "What they want help with",
        WhatMatters = "what_matters": "What matters to them",
    }
}

coded_enum! {
    /// How consent was given.
    ConsentMethod {
        Verbal = "verbal": "Verbal, recorded by the link worker",
        Written = "written": "Written",
        Digital = "digital": "Digital (online form or message)",
    }
}

coded_enum! {
    /// Whether a consent may be shared under. Consent sent with a referral is the sender's
    /// account until the link worker confirms it with the person.
    ConsentStatus {
        Proposed = "proposed": "Sent with the referral: to confirm with the person",
        Active = "active": "Confirmed",
    }
}

/// A consent to record: what may be shared, with whom, and how it was given.
#[derive(Debug, Clone, PartialEq)]
pub struct NewConsent {
    pub organisation: String,
    pub share: Vec<SharedField>,
    pub method: ConsentMethod,
}

/// A recorded consent: what may be shared, with whom, when and how it was given.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Consent {
    pub id: i64,
    pub person_id: i64,
    pub organisation: String,
    pub share: Vec<SharedField>,
    pub method: ConsentMethod,
    pub given_at: DateTime<Utc>,
    pub recorded_by: i64,
    /// `proposed` until the team holding the case confirms it; only `active` consent is
    /// shared under.
    pub status: ConsentStatus,
    /// The referral it was recorded for or arrived with (none for older records).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referral_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawn_at: Option<DateTime<Utc>>,
}

impl Consent {
    /// Confirmed and not withdrawn: something may be shared under it.
    pub fn is_active(&self) -> bool {
        self.status == ConsentStatus::Active && self.withdrawn_at.is_none()
    }
}

/// What an organisation sees of a person: only the consented fields are present.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct SharedPerson {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needs: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub what_matters: Option<Vec<String>>,
}

/// A connection as the receiving organisation sees it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SharedConnection {
    pub connection_id: i64,
    pub service_name: String,
    pub status: crate::referrals::ConnectionStatus,
    pub accompanied: bool,
    pub sent_at: DateTime<Utc>,
    pub person: SharedPerson,
}

/// The person's details as they may be shared: everything not consented to is left out.
pub struct FullDetails {
    pub name: String,
    pub phone: Option<String>,
    pub date_of_birth: NaiveDate,
    pub needs: Vec<String>,
    pub what_matters: Vec<String>,
}

pub fn redact(details: FullDetails, share: &[SharedField]) -> SharedPerson {
    let has = |f: SharedField| share.contains(&f);
    SharedPerson {
        name: has(SharedField::Name).then_some(details.name),
        phone: if has(SharedField::ContactDetails) {
            details.phone
        } else {
            None
        },
        date_of_birth: has(SharedField::DateOfBirth).then_some(details.date_of_birth),
        needs: has(SharedField::Needs).then_some(details.needs),
        what_matters: has(SharedField::WhatMatters).then_some(details.what_matters),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_consented_fields_are_shared() {
        let details = || FullDetails {
            name: "Ada Lovelace".into(),
            phone: Some("07700 900000".into()),
            date_of_birth: NaiveDate::from_ymd_opt(1950, 12, 10).unwrap(),
            needs: vec!["Loneliness".into()],
            what_matters: vec!["Seeing people".into()],
        };
        let shared = redact(details(), &[SharedField::Name, SharedField::Needs]);
        assert_eq!(shared.name.as_deref(), Some("Ada Lovelace"));
        assert_eq!(shared.needs, Some(vec!["Loneliness".to_string()]));
        assert!(
            shared.phone.is_none()
                && shared.date_of_birth.is_none()
                && shared.what_matters.is_none()
        );
        let nothing = redact(details(), &[]);
        assert_eq!(
            serde_json::to_value(nothing).unwrap(),
            serde_json::json!({})
        );
    }
}
