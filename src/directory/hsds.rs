//! The parts of the HSDS 3.0 / Open Referral UK service record that Linkwell reads:
//! typed so a feed is checked on the way in (every required field, every type) and so
//! search and matching can use them. The record itself is kept exactly as received
//! (`Listing::document`), so fields Linkwell does not use still round-trip untouched.

use serde::Deserialize;

/// A service as the standard nests it: with its organisation, locations, schedules,
/// costs, languages, taxonomy attributes and (HSDS 3.1) capacity.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Service {
    pub id: String,
    pub name: String,
    pub status: ServiceStatus,
    pub organization_id: Option<String>,
    pub description: Option<String>,
    pub minimum_age: Option<f64>,
    pub maximum_age: Option<f64>,
    /// When the listing was last checked as correct (`YYYY-MM-DD`).
    pub assured_date: Option<String>,
    pub last_modified: Option<String>,
    #[serde(default)]
    pub schedules: Vec<Schedule>,
    #[serde(default)]
    pub service_at_locations: Vec<ServiceAtLocation>,
    #[serde(default)]
    pub attributes: Vec<Attribute>,
    #[serde(default)]
    pub cost_options: Vec<CostOption>,
    #[serde(default)]
    pub languages: Vec<Language>,
    pub organization: Option<Organization>,
    /// HSDS 3.1 `service_capacity`, accepted in 3.0 feeds as an extension.
    #[serde(default)]
    pub service_capacity: Vec<Capacity>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum ServiceStatus {
    #[serde(rename = "active")]
    Active,
    #[serde(rename = "inactive")]
    Inactive,
    #[serde(rename = "defunct")]
    Defunct,
    #[serde(rename = "temporarily closed")]
    TemporarilyClosed,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Organization {
    pub id: String,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Schedule {
    pub id: String,
    pub freq: Option<String>,
    /// RFC 5545 days, e.g. `MO,WE`.
    pub byday: Option<String>,
    pub opens_at: Option<String>,
    pub closes_at: Option<String>,
    pub attending_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ServiceAtLocation {
    pub id: String,
    pub location: Option<Location>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Location {
    pub id: String,
    /// `physical`, `postal` or `virtual`.
    pub location_type: String,
    pub name: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    #[serde(default)]
    pub addresses: Vec<Address>,
    #[serde(default)]
    pub accessibility: Vec<Accessibility>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Address {
    pub id: String,
    pub address_1: String,
    pub city: String,
    pub state_province: String,
    pub postal_code: String,
    pub country: String,
    pub address_type: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Accessibility {
    pub id: String,
    pub description: Option<String>,
    pub details: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Attribute {
    pub id: String,
    pub taxonomy_term_id: Option<String>,
    pub taxonomy_term: Option<TaxonomyTerm>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TaxonomyTerm {
    pub id: String,
    pub name: String,
    pub description: String,
    pub parent_id: Option<String>,
    pub taxonomy: Option<String>,
    pub taxonomy_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CostOption {
    pub id: String,
    pub option: Option<String>,
    pub amount: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Language {
    pub id: String,
    pub name: Option<String>,
    pub code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Capacity {
    pub id: String,
    pub available: Option<f64>,
    pub maximum: Option<f64>,
    pub updated: Option<String>,
}

impl Service {
    /// Rules the types cannot say; each problem names its field.
    pub fn check(&self) -> Result<(), (String, String)> {
        let problem = |field: &str, message: &str| Err((field.to_string(), message.to_string()));
        if self.id.trim().is_empty() || self.id.len() > 200 {
            return problem("id", "must be 1 to 200 characters");
        }
        if self.name.trim().is_empty() {
            return problem("name", "must not be empty");
        }
        for (field, age) in [
            ("minimum_age", self.minimum_age),
            ("maximum_age", self.maximum_age),
        ] {
            if age.is_some_and(|a| !(0.0..=150.0).contains(&a)) {
                return problem(field, "must be an age from 0 to 150");
            }
        }
        if let (Some(min), Some(max)) = (self.minimum_age, self.maximum_age) {
            if min > max {
                return problem("maximum_age", "must not be below minimum_age");
            }
        }
        if let Some(date) = &self.assured_date {
            if chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_err() {
                return problem("assured_date", "must be a date like 2026-03-31");
            }
        }
        if let Some(time) = &self.last_modified {
            if chrono::DateTime::parse_from_rfc3339(time).is_err() {
                return problem("last_modified", "must be an RFC 3339 date-time");
            }
        }
        if let Some(org) = &self.organization {
            if org.id.trim().is_empty() {
                return problem("organization.id", "must not be empty");
            }
        }
        Ok(())
    }
}
