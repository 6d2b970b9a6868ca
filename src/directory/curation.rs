//! Keeping listings current: an organisation (or an administrator) changes what a listing
//! says, updates its places, or confirms it is still correct. Changes are made to the HSDS
//! record itself, checked like an imported one, and kept in the listing's history.

use super::hsds::Service;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

/// What may be changed; every field optional. Unknown fields are refused.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListingChange {
    pub name: Option<String>,
    pub description: Option<String>,
    /// active, inactive, defunct or "temporarily closed".
    pub status: Option<String>,
    pub minimum_age: Option<u32>,
    pub maximum_age: Option<u32>,
    /// Places free now.
    pub available: Option<u32>,
    /// Places in all.
    pub maximum: Option<u32>,
    /// Confirm the listing is correct today (sets `assured_date`).
    #[serde(default)]
    pub confirm_correct: bool,
}

/// One change to a listing, for its history.
#[derive(Debug, Clone, serde::Serialize, ToSchema)]
pub struct ListingChangeRecord {
    pub changed_at: DateTime<Utc>,
    pub changed_by: String,
    pub summary: String,
}

impl ListingChange {
    /// Applies the change to a listing's record; returns the changed record, the listing
    /// as typed (checked as a feed record is), and a one-line summary for the history.
    pub fn apply(
        &self,
        document: &Value,
        now: DateTime<Utc>,
    ) -> Result<(Value, Service, String), (String, String)> {
        let mut doc = document.clone();
        let mut changes: Vec<(&str, Value, String)> = Vec::new();
        let mut set = |field: &'static str, value: Value, summary: String| {
            changes.push((field, value, summary))
        };
        if let Some(name) = &self.name {
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 200 {
                return Err(("name".into(), "must be 1 to 200 characters".into()));
            }
            set("name", json!(name), format!("name \"{name}\""));
        }
        if let Some(text) = &self.description {
            if text.chars().count() > 4000 {
                return Err((
                    "description".into(),
                    "must be at most 4,000 characters".into(),
                ));
            }
            set("description", json!(text.trim()), "description".into());
        }
        if let Some(status) = &self.status {
            set("status", json!(status), format!("status {status}"));
        }
        if let Some(age) = self.minimum_age {
            set("minimum_age", json!(age), format!("minimum age {age}"));
        }
        if let Some(age) = self.maximum_age {
            set("maximum_age", json!(age), format!("maximum age {age}"));
        }
        if self.available.is_some() || self.maximum.is_some() {
            let mut capacity = doc["service_capacity"][0].clone();
            if !capacity.is_object() {
                capacity =
                    json!({"id": format!("{}-capacity", doc["id"].as_str().unwrap_or("service"))});
            }
            if let Some(n) = self.available {
                capacity["available"] = json!(n);
            }
            if let Some(n) = self.maximum {
                capacity["maximum"] = json!(n);
            }
            let (available, maximum) =
                (capacity["available"].as_f64(), capacity["maximum"].as_f64());
            if let (Some(a), Some(m)) = (available, maximum) {
                if a > m {
                    return Err((
                        "available".into(),
                        "must not be more than the places in all".into(),
                    ));
                }
            }
            capacity["updated"] = json!(now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
            let mut list = doc["service_capacity"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if list.is_empty() {
                list.push(capacity);
            } else {
                list[0] = capacity;
            }
            let text = match (available, maximum) {
                (Some(a), Some(m)) => format!("places {a} of {m}"),
                (Some(a), None) => format!("places {a}"),
                _ => "places".into(),
            };
            set("service_capacity", json!(list), text);
        }
        if self.confirm_correct {
            set(
                "assured_date",
                json!(now.date_naive().to_string()),
                "confirmed correct".into(),
            );
        }
        if changes.is_empty() {
            return Err((String::new(), "nothing to change".into()));
        }
        let mut said = Vec::new();
        for (field, value, summary) in changes {
            doc[field] = value;
            said.push(summary);
        }
        doc["last_modified"] = json!(now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        let service: Service = serde_path_to_error::deserialize(&doc)
            .map_err(|e| (e.path().to_string(), e.into_inner().to_string()))?;
        service.check()?;
        Ok((doc, service, said.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing() -> Value {
        json!({"id": "s1", "name": "Lunch club", "status": "active", "assured_date": "2024-01-01",
               "service_capacity": [{"id": "c", "unit": {"id": "u", "name": "seats"}, "available": 2, "maximum": 20}]})
    }

    #[test]
    fn places_and_confirmation_change_the_record_and_keep_the_rest() {
        let now: DateTime<Utc> = "2026-11-25T10:00:00Z".parse().unwrap();
        let change = ListingChange {
            available: Some(5),
            confirm_correct: true,
            ..Default::default()
        };
        let (doc, service, summary) = change.apply(&listing(), now).unwrap();
        assert_eq!(doc["service_capacity"][0]["available"], 5);
        assert_eq!(doc["service_capacity"][0]["maximum"], 20);
        assert_eq!(
            doc["service_capacity"][0]["unit"]["name"], "seats",
            "fields Linkwell does not use are kept"
        );
        assert_eq!(service.assured_date.as_deref(), Some("2026-11-25"));
        assert_eq!(doc["last_modified"], "2026-11-25T10:00:00Z");
        assert_eq!(summary, "places 5 of 20, confirmed correct");
    }

    #[test]
    fn bad_changes_name_their_field() {
        let now = Utc::now();
        let cases = [
            (
                ListingChange {
                    available: Some(30),
                    ..Default::default()
                },
                "available",
            ),
            (
                ListingChange {
                    status: Some("open".into()),
                    ..Default::default()
                },
                "status",
            ),
            (
                ListingChange {
                    minimum_age: Some(70),
                    maximum_age: Some(20),
                    ..Default::default()
                },
                "maximum_age",
            ),
            (
                ListingChange {
                    name: Some("  ".into()),
                    ..Default::default()
                },
                "name",
            ),
            (ListingChange::default(), ""),
        ];
        for (change, field) in cases {
            assert_eq!(
                change.apply(&listing(), now).unwrap_err().0,
                field,
                "{change:?}"
            );
        }
    }
}
