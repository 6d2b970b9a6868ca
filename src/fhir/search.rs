//! FHIR search parameters: parsed strictly (an unknown or unsupported parameter is refused,
//! so a mistyped filter can never widen what is returned), then applied to the resources
//! exactly as they are emitted.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{json, Value};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The resource types Linkwell serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Patient,
    ServiceRequest,
    Task,
    Goal,
    Consent,
    Condition,
    Questionnaire,
    QuestionnaireResponse,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Patient,
        Kind::ServiceRequest,
        Kind::Task,
        Kind::Goal,
        Kind::Consent,
        Kind::Condition,
        Kind::Questionnaire,
        Kind::QuestionnaireResponse,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Patient => "Patient",
            Kind::ServiceRequest => "ServiceRequest",
            Kind::Task => "Task",
            Kind::Goal => "Goal",
            Kind::Consent => "Consent",
            Kind::Condition => "Condition",
            Kind::Questionnaire => "Questionnaire",
            Kind::QuestionnaireResponse => "QuestionnaireResponse",
        }
    }

    /// The search parameter for the resource's status, and where the status is.
    fn status(self) -> Option<(&'static str, &'static str)> {
        match self {
            Kind::Patient => None,
            Kind::Goal => Some(("lifecycle-status", "/lifecycleStatus")),
            Kind::Condition => Some(("clinical-status", "/clinicalStatus/coding/0/code")),
            _ => Some(("status", "/status")),
        }
    }

    /// Whether the resource has `category` (R4 Task and QuestionnaireResponse do not).
    fn has_category(self) -> bool {
        matches!(
            self,
            Kind::ServiceRequest | Kind::Goal | Kind::Consent | Kind::Condition
        )
    }

    fn has_patient(self) -> bool {
        !matches!(self, Kind::Patient | Kind::Questionnaire)
    }

    fn has_last_updated(self) -> bool {
        self != Kind::Questionnaire
    }

    /// The search parameters supported for this type, for the CapabilityStatement.
    pub fn parameters(self) -> Vec<(&'static str, &'static str)> {
        let mut params = vec![("_id", "token")];
        if self.has_last_updated() {
            params.push(("_lastUpdated", "date"));
        }
        if self.has_patient() {
            params.push(("patient", "reference"));
        }
        if self.has_category() {
            params.push(("category", "token"));
        }
        if let Some((name, _)) = self.status() {
            params.push((name, "token"));
        }
        if self == Kind::Task {
            params.push(("focus", "reference"));
        }
        params
    }
}

/// The largest page a search returns.
pub const MOST_PER_PAGE: usize = 500;
/// Furthest a search pages: a page holds `_offset + _count` resources while it is built,
/// so the bound keeps that small (and `_offset + _count` can never wrap round).
pub const MOST_OFFSET: usize = 10_000;
const DEFAULT_PER_PAGE: usize = 50;

/// A parsed search: every condition must hold (repeated parameters are ANDed; the
/// comma-separated values of one parameter are ORed).
#[derive(Debug)]
pub struct Search {
    kind: Kind,
    ids: Vec<Vec<String>>,
    last_updated: Vec<(Prefix, DateTime<Utc>, DateTime<Utc>)>,
    /// `patient=Patient/{id}`: applied by the store, before anything is read.
    pub patient: Option<i64>,
    /// `focus=ServiceRequest/{id}` (Task).
    pub focus: Option<i64>,
    categories: Vec<Vec<(Option<String>, String)>>,
    statuses: Vec<Vec<String>>,
    pub count: usize,
    pub offset: usize,
    /// The parameters as given, for the Bundle's links.
    raw: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Prefix {
    Eq,
    Gt,
    Ge,
    Lt,
    Le,
}

/// A refused search, said in a sentence.
pub type SearchError = String;

impl Search {
    pub fn by_id(kind: Kind, id: &str) -> Search {
        Search {
            kind,
            ids: vec![vec![id.to_string()]],
            last_updated: vec![],
            patient: None,
            focus: None,
            categories: vec![],
            statuses: vec![],
            count: 1,
            offset: 0,
            raw: vec![("_id".into(), id.into())],
        }
    }

    pub fn parse(kind: Kind, params: &[(String, String)]) -> Result<Search, SearchError> {
        let mut search = Search {
            kind,
            ids: vec![],
            last_updated: vec![],
            patient: None,
            focus: None,
            categories: vec![],
            statuses: vec![],
            count: DEFAULT_PER_PAGE,
            offset: 0,
            raw: params.to_vec(),
        };
        let status_param = kind.status().map(|(name, _)| name);
        for (name, value) in params {
            let values = || -> Vec<String> {
                value
                    .split(',')
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty())
                    .collect()
            };
            match name.as_str() {
                "_id" => search.ids.push(values()),
                "_lastUpdated" if kind.has_last_updated() => {
                    search.last_updated.push(date_bound(value)?)
                }
                "patient" | "subject" if kind.has_patient() => {
                    let id = reference_id(value, "Patient")?;
                    if search.patient.is_some_and(|p| p != id) {
                        return Err("patient is given twice with different values".into());
                    }
                    search.patient = Some(id);
                }
                "focus" if kind == Kind::Task => {
                    search.focus = Some(reference_id(value, "ServiceRequest")?)
                }
                "category" if kind.has_category() => search.categories.push(
                    values()
                        .into_iter()
                        .map(|token| match token.split_once('|') {
                            Some((system, code)) => (
                                Some(system.to_string()).filter(|s| !s.is_empty()),
                                code.to_string(),
                            ),
                            None => (None, token),
                        })
                        .collect(),
                ),
                n if Some(n) == status_param => search.statuses.push(values()),
                "_count" => {
                    search.count = value
                        .parse::<usize>()
                        .ok()
                        .filter(|n| (1..=MOST_PER_PAGE).contains(n))
                        .ok_or_else(|| format!("_count must be 1 to {MOST_PER_PAGE}"))?
                }
                "_offset" => {
                    search.offset = value
                        .parse::<usize>()
                        .ok()
                        .filter(|n| *n <= MOST_OFFSET)
                        .ok_or_else(|| format!("_offset must be a whole number from 0 to {MOST_OFFSET} (narrow the search to go further)"))?
                }
                "_format" if value.contains("json") => {}
                other => {
                    let supported: Vec<&str> = kind
                        .parameters()
                        .into_iter()
                        .map(|(n, _)| n)
                        .chain(["_count", "_offset"])
                        .collect();
                    return Err(format!(
                        "{} cannot be searched by {other:?}; the parameters are {}",
                        kind.name(),
                        supported.join(", ")
                    ));
                }
            }
        }
        Ok(search)
    }

    /// The one id asked for, when `_id` names exactly one (so the database can be asked for
    /// just that record).
    pub fn single_id(&self) -> Option<i64> {
        let mut ids = self.ids.iter().flatten();
        let first = ids.next()?;
        if ids.any(|other| other != first) {
            return None;
        }
        first.parse().ok()
    }

    /// Whether an emitted resource meets every condition.
    pub fn matches(&self, resource: &Value) -> bool {
        let id = resource["id"].as_str().unwrap_or("");
        if !self.ids.iter().all(|any| any.iter().any(|i| i == id)) {
            return false;
        }
        if !self.last_updated.is_empty() {
            let Some(at) = resource
                .pointer("/meta/lastUpdated")
                .and_then(Value::as_str)
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&Utc))
            else {
                return false;
            };
            let within =
                |(prefix, start, end): &(Prefix, DateTime<Utc>, DateTime<Utc>)| match prefix {
                    Prefix::Eq => at >= *start && at < *end,
                    Prefix::Gt => at >= *end,
                    Prefix::Ge => at >= *start,
                    Prefix::Lt => at < *start,
                    Prefix::Le => at < *end,
                };
            if !self.last_updated.iter().all(within) {
                return false;
            }
        }
        if let Some(focus) = self.focus {
            if resource.pointer("/focus/reference").and_then(Value::as_str)
                != Some(format!("ServiceRequest/{focus}").as_str())
            {
                return false;
            }
        }
        if let Some((_, pointer)) = self.kind.status() {
            let status = resource.pointer(pointer).and_then(Value::as_str);
            if !self
                .statuses
                .iter()
                .all(|any| any.iter().any(|s| Some(s.as_str()) == status))
            {
                return false;
            }
        }
        let codings: Vec<&Value> = resource["category"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|c| c["coding"].as_array().into_iter().flatten())
            .collect();
        self.categories.iter().all(|any| {
            any.iter().any(|(system, code)| {
                codings.iter().any(|c| {
                    c["code"] == code.as_str() && system.as_deref().is_none_or(|s| c["system"] == s)
                })
            })
        })
    }

    /// Collects one page of matches as resources arrive (see [`Pager`]).
    pub fn pager<T>(&self) -> Pager<'_, T> {
        Pager {
            search: self,
            total: 0,
            kept: BinaryHeap::new(),
        }
    }

    /// The matching resources, most recently changed first, one page of them as a
    /// searchset Bundle with `total` counting every match.
    pub fn page(&self, resources: Vec<Value>) -> (Value, Vec<Value>) {
        let mut pager = self.pager();
        for resource in resources {
            pager.offer(resource, ());
        }
        let (bundle, page) = pager.finish();
        (bundle, page.into_iter().map(|(r, ())| r).collect())
    }

    fn url(&self, offset: usize) -> String {
        let mut pairs: Vec<(String, String)> = self
            .raw
            .iter()
            .filter(|(n, _)| n != "_offset" && n != "_count")
            .cloned()
            .collect();
        pairs.push(("_count".into(), self.count.to_string()));
        pairs.push(("_offset".into(), offset.to_string()));
        let query: Vec<String> = pairs
            .iter()
            .map(|(n, v)| format!("{}={}", encode(n), encode(v)))
            .collect();
        format!("/fhir/{}?{}", self.kind.name(), query.join("&"))
    }
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `Patient/12` or `12`.
fn reference_id(value: &str, kind: &str) -> Result<i64, SearchError> {
    value
        .strip_prefix(kind)
        .and_then(|v| v.strip_prefix('/'))
        .unwrap_or(value)
        .parse()
        .map_err(|_| format!("expected {kind}/{{id}}, got {value:?}"))
}

/// A `_lastUpdated` value: an optional prefix and a date or date-time, as the half-open
/// interval its precision covers.
fn date_bound(value: &str) -> Result<(Prefix, DateTime<Utc>, DateTime<Utc>), SearchError> {
    let (prefix, rest) = match value.get(..2) {
        Some("eq") => (Prefix::Eq, &value[2..]),
        Some("gt") => (Prefix::Gt, &value[2..]),
        Some("ge") => (Prefix::Ge, &value[2..]),
        Some("lt") => (Prefix::Lt, &value[2..]),
        Some("le") => (Prefix::Le, &value[2..]),
        Some(p) if p.chars().all(|c| c.is_ascii_alphabetic()) => {
            return Err(format!(
                "_lastUpdated prefix {p:?} is not supported (use eq, gt, ge, lt or le)"
            ))
        }
        _ => (Prefix::Eq, value),
    };
    let bad = || {
        format!("_lastUpdated {value:?} is not a date (YYYY-MM-DD) or date-time with a time zone")
    };
    if let Ok(day) = NaiveDate::parse_from_str(rest, "%Y-%m-%d") {
        let start = day.and_hms_opt(0, 0, 0).ok_or_else(bad)?.and_utc();
        return Ok((prefix, start, start + Duration::days(1)));
    }
    let at = DateTime::parse_from_rfc3339(rest)
        .map_err(|_| bad())?
        .with_timezone(&Utc);
    Ok((prefix, at, at + Duration::seconds(1)))
}

/// A search's page gathered as resources are built: every match is counted, but only the
/// `_offset + _count` most recently changed are kept, so a search across a whole team holds
/// one page of resources at a time, never all of them.
pub struct Pager<'s, T> {
    search: &'s Search,
    total: usize,
    /// The best matches so far, the least recent on top (so it is the one let go).
    kept: BinaryHeap<Reverse<Ranked<T>>>,
}

/// A match ranked by when it last changed, then by id (most recent, highest first), then
/// by arrival (first first).
struct Ranked<T> {
    key: (String, Option<i64>, Reverse<usize>),
    resource: Value,
    item: T,
}

impl<T> PartialEq for Ranked<T> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<T> Eq for Ranked<T> {}
impl<T> PartialOrd for Ranked<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Ranked<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key.cmp(&other.key)
    }
}

impl<T> Pager<'_, T> {
    /// Counts the resource if it matches, and keeps it if it may be on the page.
    pub fn offer(&mut self, resource: Value, item: T) {
        if !self.search.matches(&resource) {
            return;
        }
        self.total += 1;
        let key = (
            resource
                .pointer("/meta/lastUpdated")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            resource["id"].as_str().and_then(|i| i.parse::<i64>().ok()),
            Reverse(self.total),
        );
        self.kept.push(Reverse(Ranked {
            key,
            resource,
            item,
        }));
        if self.kept.len() > self.search.offset + self.search.count {
            self.kept.pop();
        }
    }

    /// The searchset Bundle, and the page's resources with their items, in order.
    pub fn finish(self) -> (Value, Vec<(Value, T)>) {
        let search = self.search;
        let total = self.total;
        // Ascending order of `Reverse` is most recent first.
        let page: Vec<(Value, T)> = self
            .kept
            .into_sorted_vec()
            .into_iter()
            .skip(search.offset)
            .take(search.count)
            .map(|Reverse(r)| (r.resource, r.item))
            .collect();
        let mut links = vec![json!({"relation": "self", "url": search.url(search.offset)})];
        if search.offset + search.count < total {
            links
                .push(json!({"relation": "next", "url": search.url(search.offset + search.count)}));
        }
        let mut bundle = super::resources::searchset(page.iter().map(|(r, _)| r.clone()).collect());
        bundle["total"] = json!(total);
        bundle["link"] = json!(links);
        (bundle, page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    fn goal(id: &str, updated: &str, status: &str, category: &str) -> Value {
        json!({"resourceType": "Goal", "id": id, "meta": {"lastUpdated": updated},
               "lifecycleStatus": status,
               "category": [{"coding": [{"system": "http://sdoh", "code": category}]}]})
    }

    #[test]
    fn last_updated_prefixes_cover_the_day_named() {
        let g = goal("1", "2026-11-20T15:00:00Z", "active", "stress");
        let check = |value: &str| {
            Search::parse(Kind::Goal, &params(&[("_lastUpdated", value)]))
                .unwrap()
                .matches(&g)
        };
        assert!(check("2026-11-20"));
        assert!(check("eq2026-11-20"));
        assert!(!check("eq2026-11-21"));
        assert!(check("ge2026-11-20"));
        assert!(
            !check("gt2026-11-20"),
            "gt a day means after that whole day"
        );
        assert!(check("gt2026-11-19"));
        assert!(check("le2026-11-20"));
        assert!(!check("lt2026-11-20"));
        assert!(check("lt2026-11-20T15:00:01Z"));
        assert!(!check("lt2026-11-20T15:00:00Z"));
        assert!(check("gt2026-11-20T14:00:00+00:00"));
        assert!(!check("gt2026-11-20T17:00:00+01:00"), "16:00 UTC is later");
    }

    #[test]
    fn repeated_parameters_are_anded_and_commas_ored() {
        let g = goal("7", "2026-11-20T15:00:00Z", "active", "stress");
        let s = |pairs: &[(&str, &str)]| Search::parse(Kind::Goal, &params(pairs)).unwrap();
        assert!(s(&[
            ("_lastUpdated", "ge2026-11-01"),
            ("_lastUpdated", "lt2026-12-01")
        ])
        .matches(&g));
        assert!(!s(&[
            ("_lastUpdated", "ge2026-11-01"),
            ("_lastUpdated", "lt2026-11-15")
        ])
        .matches(&g));
        assert!(s(&[("lifecycle-status", "completed,active")]).matches(&g));
        assert!(!s(&[("lifecycle-status", "completed")]).matches(&g));
        assert!(s(&[("category", "http://sdoh|stress")]).matches(&g));
        assert!(s(&[("category", "stress")]).matches(&g));
        assert!(!s(&[("category", "http://other|stress")]).matches(&g));
        assert!(s(&[("_id", "3,7")]).matches(&g));
        assert!(!s(&[("_id", "3")]).matches(&g));
    }

    #[test]
    fn unknown_and_unsupported_parameters_are_refused() {
        let refused = |kind, pairs: &[(&str, &str)]| Search::parse(kind, &params(pairs)).is_err();
        assert!(refused(Kind::Goal, &[("patinet", "Patient/1")]));
        assert!(
            refused(Kind::Goal, &[("status", "active")]),
            "Goal's is lifecycle-status"
        );
        assert!(
            refused(Kind::Task, &[("category", "x")]),
            "R4 Task has no category"
        );
        assert!(refused(Kind::Patient, &[("patient", "1")]));
        assert!(refused(Kind::Goal, &[("_lastUpdated", "sa2026-01-01")]));
        assert!(refused(Kind::Goal, &[("_lastUpdated", "2026-13-01")]));
        assert!(refused(Kind::Goal, &[("_count", "0")]));
        assert!(refused(Kind::Goal, &[("patient", "Group/1")]));
        assert!(!refused(
            Kind::Condition,
            &[("clinical-status", "active"), ("patient", "Patient/4")]
        ));
    }

    #[test]
    fn pages_carry_the_total_and_a_next_link() {
        let goals: Vec<Value> = (1..=5)
            .map(|i| {
                goal(
                    &i.to_string(),
                    &format!("2026-11-2{i}T00:00:00Z"),
                    "active",
                    "stress",
                )
            })
            .collect();
        let search = Search::parse(
            Kind::Goal,
            &params(&[("_count", "2"), ("category", "stress")]),
        )
        .unwrap();
        let (bundle, page) = search.page(goals);
        assert_eq!(bundle["total"], 5);
        let ids: Vec<&str> = page.iter().map(|g| g["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["5", "4"], "most recently changed first");
        assert_eq!(
            bundle["link"][1]["url"],
            "/fhir/Goal?category=stress&_count=2&_offset=2"
        );
    }

    #[test]
    fn a_page_deep_in_a_large_result_is_the_same_as_sorting_everything() {
        // 200 goals changed on days spread out of order (37 is coprime to 200).
        let goals: Vec<Value> = (0..200)
            .map(|i| {
                let day = (i * 37) % 200;
                let at = format!("2026-{:02}-{:02}T00:00:00Z", 1 + day / 28, 1 + day % 28);
                goal(&i.to_string(), &at, "active", "stress")
            })
            .collect();
        let mut expected: Vec<(String, i64)> = goals
            .iter()
            .map(|g| {
                (
                    g["meta"]["lastUpdated"].as_str().unwrap().to_string(),
                    g["id"].as_str().unwrap().parse().unwrap(),
                )
            })
            .collect();
        expected.sort_by(|a, b| b.cmp(a));
        let search =
            Search::parse(Kind::Goal, &params(&[("_count", "7"), ("_offset", "150")])).unwrap();
        let (bundle, page) = search.page(goals);
        assert_eq!(bundle["total"], 200);
        let got: Vec<i64> = page
            .iter()
            .map(|g| g["id"].as_str().unwrap().parse().unwrap())
            .collect();
        let want: Vec<i64> = expected[150..157].iter().map(|(_, id)| *id).collect();
        assert_eq!(got, want);
    }
}
