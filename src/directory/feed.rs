//! Open Referral UK JSON feeds in and out. A feed is a list of fully nested services: a
//! JSON array, one page of the ORUK API (`{"contents": [...]}`, as `/services?full=true`
//! answers) or a single service. Each record is checked against the standard's required
//! fields and types, and every problem names its record and field.

use super::hsds::Service;
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::fmt;

/// One directory listing: the service as typed for Linkwell's use, and the record exactly
/// as the feed gave it, which is what is stored and served again.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    pub service: Service,
    pub document: Value,
}

/// A problem in a feed: which record (from 1), its id if it has one, which field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedError {
    pub record: Option<usize>,
    pub id: Option<String>,
    pub field: String,
    pub message: String,
}

impl fmt::Display for FeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.record, &self.id) {
            (Some(n), Some(id)) => write!(f, "record {n} (id {id:?})")?,
            (Some(n), None) => write!(f, "record {n}")?,
            _ => write!(f, "feed")?,
        }
        if !self.field.is_empty() {
            write!(f, ", field {}", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

fn whole_feed(message: String) -> Vec<FeedError> {
    vec![FeedError {
        record: None,
        id: None,
        field: String::new(),
        message,
    }]
}

/// Parses and checks a whole feed; nothing is returned unless every record is good.
pub fn parse(bytes: &[u8]) -> Result<Vec<Listing>, Vec<FeedError>> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| whole_feed(format!("not valid JSON: {e}")))?;
    let records = match value {
        Value::Array(items) => items,
        Value::Object(mut map) => match map.remove("contents") {
            Some(Value::Array(items)) => items,
            Some(_) => return Err(whole_feed("\"contents\" must be a list of services".into())),
            None => vec![Value::Object(map)],
        },
        _ => {
            return Err(whole_feed(
                "expected a list of services, a page with \"contents\", or one service".into(),
            ))
        }
    };
    let mut listings = Vec::with_capacity(records.len());
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for (i, document) in records.into_iter().enumerate() {
        let id = document
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_string);
        let mut fail = |field: String, message: String| {
            errors.push(FeedError {
                record: Some(i + 1),
                id: id.clone(),
                field,
                message,
            })
        };
        match serde_path_to_error::deserialize::<_, Service>(&document) {
            Err(e) => {
                let path = e.path().to_string();
                let field = if path == "." { String::new() } else { path };
                fail(field, e.into_inner().to_string());
            }
            Ok(service) => match service.check() {
                Err((field, message)) => fail(field, message),
                Ok(()) if !seen.insert(service.id.clone()) => {
                    fail("id".into(), "appears twice in the feed".into())
                }
                Ok(()) => listings.push(Listing { service, document }),
            },
        }
    }
    if listings.is_empty() && errors.is_empty() {
        return Err(whole_feed("the feed holds no services".into()));
    }
    if errors.is_empty() {
        Ok(listings)
    } else {
        Err(errors)
    }
}

/// One page of the ORUK API: the pagination envelope around `contents`.
pub fn page(
    total_items: usize,
    page_number: usize,
    per_page: usize,
    contents: Vec<Value>,
) -> Value {
    let total_pages = total_items.div_ceil(per_page.max(1)).max(1);
    serde_json::json!({
        "total_items": total_items,
        "total_pages": total_pages,
        "page_number": page_number,
        "size": contents.len(),
        "first_page": page_number == 1,
        "last_page": page_number >= total_pages,
        "empty": contents.is_empty(),
        "contents": contents,
    })
}

/// A feed of the given services, as one page holding them all (so it imports again).
pub fn export<'a>(documents: impl Iterator<Item = &'a Value>) -> Value {
    let contents: Vec<Value> = documents.cloned().collect();
    let total = contents.len();
    page(total, 1, total.max(1), contents)
}

/// The one-to-one (scalar) fields of a record: the "list" form of ORUK objects.
pub fn one_to_one(value: &Value) -> Map<String, Value> {
    value
        .as_object()
        .map(|fields| {
            fields
                .iter()
                .filter(|(_, v)| !v.is_array() && !v.is_object() && !v.is_null())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// A service in list form: its scalar fields and its organisation's.
pub fn service_summary(document: &Value) -> Value {
    let mut summary = one_to_one(document);
    if let Some(org) = document.get("organization") {
        summary.insert("organization".into(), Value::Object(one_to_one(org)));
    }
    Value::Object(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn service(id: &str) -> Value {
        json!({"id": id, "name": "Walking group", "status": "active"})
    }

    #[test]
    fn arrays_pages_and_single_services_are_feeds() {
        let array = serde_json::to_vec(&json!([service("a"), service("b")])).unwrap();
        assert_eq!(parse(&array).unwrap().len(), 2);
        let page =
            serde_json::to_vec(&json!({"total_items": 1, "contents": [service("a")]})).unwrap();
        assert_eq!(parse(&page).unwrap()[0].service.id, "a");
        let one = serde_json::to_vec(&service("a")).unwrap();
        assert_eq!(parse(&one).unwrap()[0].document, service("a"));
    }

    #[test]
    fn every_problem_names_its_record_and_field() {
        let feed = json!([
            service("a"),
            {"id": "b", "name": "No status"},
            {"id": "c", "name": "Bad status", "status": "open"},
            {"id": "d", "name": "Ages", "status": "active", "minimum_age": 70, "maximum_age": 18},
            {"id": "e", "name": "Where", "status": "active",
             "service_at_locations": [{"id": "sal", "location": {"id": "l", "location_type": "physical", "latitude": "north"}}]},
            service("a"),
        ]);
        let errors: Vec<String> = parse(&serde_json::to_vec(&feed).unwrap())
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(errors.len(), 5, "{errors:#?}");
        assert!(
            errors[0].starts_with("record 2 (id \"b\"): missing field `status`"),
            "{}",
            errors[0]
        );
        assert!(
            errors[1].starts_with("record 3 (id \"c\"), field status: unknown variant `open`"),
            "{}",
            errors[1]
        );
        assert!(
            errors[2].starts_with("record 4 (id \"d\"), field maximum_age:"),
            "{}",
            errors[2]
        );
        assert!(
            errors[3].starts_with(
                "record 5 (id \"e\"), field service_at_locations[0].location.latitude:"
            ),
            "{}",
            errors[3]
        );
        assert!(errors[4].contains("appears twice"), "{}", errors[4]);
    }

    #[test]
    fn not_json_or_no_services_is_refused() {
        assert!(parse(b"{not json").unwrap_err()[0]
            .message
            .starts_with("not valid JSON"));
        assert!(parse(b"[]").is_err());
        assert!(parse(b"42").is_err());
    }

    #[test]
    fn pages_say_where_they_are() {
        let p = page(45, 3, 20, vec![json!(1); 5]);
        assert_eq!(
            (p["total_pages"].as_u64(), p["last_page"].as_bool()),
            (Some(3), Some(true))
        );
        assert_eq!(
            (p["size"].as_u64(), p["first_page"].as_bool()),
            (Some(5), Some(false))
        );
        let summary = service_summary(&json!({"id": "a", "name": "n", "status": "active",
            "schedules": [], "organization": {"id": "o", "name": "O", "description": "d", "phones": []}}));
        assert_eq!(
            summary,
            json!({"id": "a", "name": "n", "status": "active",
            "organization": {"id": "o", "name": "O", "description": "d"}})
        );
    }
}
