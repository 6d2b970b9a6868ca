//! Directory search for link workers, in memory: ranked text (BM25 over name, description,
//! organisation and taxonomy, tolerant of one typo and of unfinished words), taxonomy,
//! distance from a point, age, day and time open, how it is delivered, cost, accessibility
//! and capacity. Every result says why it matched; listings not checked for a year are
//! flagged and ranked down.

use super::catalogue::Entry;
use crate::geo::metres_between;
use chrono::{Datelike, NaiveDate, NaiveTime, Timelike};
use std::collections::HashMap;

/// How a service is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    InPerson,
    Phone,
    Online,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::InPerson, Mode::Phone, Mode::Online];
    pub(super) fn bit(self) -> u8 {
        1 << self as u8
    }
    pub fn code(self) -> &'static str {
        match self {
            Mode::InPerson => "in_person",
            Mode::Phone => "phone",
            Mode::Online => "online",
        }
    }
    pub fn from_code(code: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.code() == code)
    }
    fn label(self) -> &'static str {
        match self {
            Mode::InPerson => "in person",
            Mode::Phone => "by phone",
            Mode::Online => "online",
        }
    }
}

/// Accessibility features recognised in listings' accessibility descriptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    StepFree,
    HearingLoop,
}

impl Feature {
    pub const ALL: [Feature; 2] = [Feature::StepFree, Feature::HearingLoop];
    pub(super) fn bit(self) -> u8 {
        1 << self as u8
    }
    pub fn code(self) -> &'static str {
        match self {
            Feature::StepFree => "step_free",
            Feature::HearingLoop => "hearing_loop",
        }
    }
    pub fn from_code(code: &str) -> Option<Feature> {
        Feature::ALL.into_iter().find(|f| f.code() == code)
    }
    fn label(self) -> &'static str {
        match self {
            Feature::StepFree => "step-free access",
            Feature::HearingLoop => "hearing loop",
        }
    }
    fn found_in(self, text: &str) -> bool {
        match self {
            Feature::StepFree => {
                text.contains("step-free")
                    || text.contains("step free")
                    || text.contains("wheelchair")
            }
            Feature::HearingLoop => {
                text.contains("hearing loop") || text.contains("induction loop")
            }
        }
    }
}

const DAY_CODES: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
pub const DAY_NAMES: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// RFC 5545 day codes ("MO,WE") as English day names ("Monday, Wednesday").
pub fn day_names(byday: &str) -> String {
    byday
        .split(',')
        .map(|d| {
            let code = d.trim();
            DAY_CODES
                .iter()
                .position(|c| code.ends_with(c))
                .map_or(code.to_string(), |i| DAY_NAMES[i].to_string())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A weekly opening: days as bits (Monday = bit 0) and minutes from midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Opening {
    days: u8,
    opens: u16,
    closes: u16,
}

fn minutes(text: Option<&str>) -> Option<u16> {
    let text = text?;
    let time = NaiveTime::parse_from_str(text, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M"))
        .ok()?;
    Some((time.hour() * 60 + time.minute()) as u16)
}

/// What the filters need of one listing, worked out once.
#[derive(Debug, Clone)]
pub(super) struct Facts {
    pub(super) active: bool,
    pub(super) position: Option<(f64, f64)>,
    pub(super) postcode: Option<String>,
    pub(super) min_age: f64,
    pub(super) max_age: f64,
    openings: Vec<Opening>,
    pub(super) modes: u8,
    pub(super) free: bool,
    pub(super) features: u8,
    pub(super) capacity: Option<(f64, f64)>,
    pub(super) assured: Option<NaiveDate>,
    pub(super) terms: Vec<(String, String)>,
    /// Offers a language other than English.
    pub(super) other_languages: bool,
    /// The languages listed, as (code, name).
    pub(super) languages: Vec<(Option<String>, Option<String>)>,
    /// Every location's accessibility description and details, lower case.
    pub(super) accessibility_text: String,
}

fn facts_of(entry: &Entry) -> Facts {
    let s = &entry.service;
    let mut modes = 0;
    let mut position = None;
    let mut postcode = None;
    let mut features = 0;
    let mut accessibility_text = String::new();
    for place in &s.service_at_locations {
        let Some(location) = &place.location else {
            continue;
        };
        match location.location_type.as_str() {
            "virtual" => modes |= Mode::Online.bit(),
            _ => {
                if let (Some(lat), Some(lon)) = (location.latitude, location.longitude) {
                    if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) {
                        modes |= Mode::InPerson.bit();
                        position = position.or(Some((lat, lon)));
                        postcode = postcode
                            .or_else(|| location.addresses.first().map(|a| a.postal_code.clone()));
                    }
                }
            }
        }
        for a in &location.accessibility {
            let text = format!(
                "{} {}",
                a.description.as_deref().unwrap_or(""),
                a.details.as_deref().unwrap_or("")
            )
            .to_lowercase();
            accessibility_text.push_str(&text);
            accessibility_text.push('\n');
            for f in Feature::ALL {
                if f.found_in(&text) {
                    features |= f.bit();
                }
            }
        }
    }
    let mut openings = Vec::new();
    for schedule in &s.schedules {
        let attending = schedule
            .attending_type
            .as_deref()
            .unwrap_or("")
            .to_lowercase();
        if attending.contains("phone") {
            modes |= Mode::Phone.bit();
        }
        if attending.contains("online") || attending.contains("video") {
            modes |= Mode::Online.bit();
        }
        let days = schedule
            .byday
            .as_deref()
            .unwrap_or("")
            .split(',')
            .fold(0u8, |set, d| {
                let code = d.trim();
                let code = &code[code.len().saturating_sub(2)..];
                DAY_CODES
                    .iter()
                    .position(|c| *c == code)
                    .map_or(set, |i| set | 1 << i)
            });
        if let (Some(opens), Some(closes)) = (
            minutes(schedule.opens_at.as_deref()),
            minutes(schedule.closes_at.as_deref()),
        ) {
            openings.push(Opening {
                days,
                opens,
                closes,
            });
        }
    }
    let free = s.cost_options.is_empty()
        || s.cost_options
            .iter()
            .all(|c| c.amount.is_none_or(|a| a <= 0.0));
    let capacity = s
        .service_capacity
        .iter()
        .find_map(|c| Some((c.available?, c.maximum.unwrap_or(f64::NAN))));
    Facts {
        active: s.status == super::hsds::ServiceStatus::Active,
        position,
        postcode,
        min_age: s.minimum_age.unwrap_or(0.0),
        max_age: s.maximum_age.unwrap_or(f64::INFINITY),
        openings,
        modes,
        free,
        features,
        capacity,
        assured: s
            .assured_date
            .as_deref()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
        other_languages: s.languages.iter().any(|l| {
            l.code.as_deref().is_some_and(|c| c != "en")
                || l.name.as_deref().is_some_and(|n| n != "English")
        }),
        languages: s
            .languages
            .iter()
            .map(|l| (l.code.clone(), l.name.clone()))
            .collect(),
        accessibility_text,
        terms: s
            .attributes
            .iter()
            .filter_map(|a| {
                a.taxonomy_term
                    .as_ref()
                    .map(|t| (t.id.clone(), t.name.clone()))
            })
            .collect(),
    }
}

/// Where a word was found, and how much that counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Name,
    Taxonomy,
    Organisation,
    Description,
}

impl Field {
    fn weight(self) -> f32 {
        match self {
            Field::Name => 3.0,
            Field::Taxonomy => 2.0,
            Field::Organisation => 1.0,
            Field::Description => 1.0,
        }
    }
    fn said(self) -> &'static str {
        match self {
            Field::Name => "the name",
            Field::Taxonomy => "its category",
            Field::Organisation => "the organisation's name",
            Field::Description => "the description",
        }
    }
}

/// Lower-case words of two letters or more.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2)
        .map(str::to_lowercase)
}

/// Listings not checked for this long are flagged and ranked down.
pub const STALE_AFTER_DAYS: i64 = 365;
const STALE_FACTOR: f32 = 0.7;

/// Each word once with every place it occurs: (listing, field, times).
type Postings = Vec<(u32, Field, u16)>;

#[derive(Debug, Clone, Default)]
pub struct SearchIndex {
    pub(super) facts: Vec<Facts>,
    words: Vec<String>,
    word_ids: HashMap<String, u32>,
    postings: Vec<Postings>,
    /// Each word with one letter deleted, to the words it came from (one-typo matches).
    deletions: HashMap<String, Vec<u32>>,
    lengths: Vec<f32>,
    average_length: f32,
    /// Listings by taxonomy term id.
    pub(super) by_term: HashMap<String, Vec<u32>>,
}

fn deletions_of(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    (0..chars.len())
        .map(|i| {
            chars
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, c)| c)
                .collect()
        })
        .collect()
}

/// Whether two words are at most one edit apart (insert, delete, substitute or swap of
/// neighbours). The candidates come from the deletion index, so this only confirms them:
/// the optimal-string-alignment distance is the Damerau-Levenshtein distance whenever
/// either is at most 1, without the latter's per-call alphabet map.
fn one_edit(a: &str, b: &str) -> bool {
    strsim::osa_distance(a, b) <= 1
}

/// A text query word and what it matched: the same word, a near spelling, or a longer word it begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    Exact,
    Typo,
    Prefix,
}

/// What a search asks for; every part is optional and all given parts must hold.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    pub text: Option<String>,
    /// Taxonomy term id.
    pub term: Option<String>,
    /// Point to measure from, and a limit in metres (in-person services only when set).
    pub origin: Option<(f64, f64)>,
    pub within_metres: Option<f64>,
    /// Label for the point, e.g. the postcode, used in explanations.
    pub origin_label: String,
    pub age: Option<f64>,
    /// Monday = 0.
    pub day: Option<usize>,
    pub time: Option<NaiveTime>,
    /// Any of these delivery modes.
    pub modes: Vec<Mode>,
    pub free_only: bool,
    /// All of these features.
    pub features: Vec<Feature>,
    pub has_capacity: bool,
    pub include_inactive: bool,
    pub today: Option<NaiveDate>,
    pub limit: usize,
    /// Nearest first (a link worker looking for something near the person's home) rather
    /// than best match first; services without a place come last.
    pub nearest_first: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Position in the catalogue's entries.
    pub entry: usize,
    pub score: f32,
    pub distance_metres: Option<f64>,
    /// Not checked for over a year: shown with a warning and ranked down.
    pub stale: bool,
    pub reasons: Vec<String>,
}

impl SearchIndex {
    pub fn build(entries: &[Entry]) -> SearchIndex {
        let mut index = SearchIndex::default();
        for (n, entry) in entries.iter().enumerate() {
            let s = &entry.service;
            let org = s.organization.as_ref().map_or("", |o| o.name.as_str());
            let terms: String = s
                .attributes
                .iter()
                .filter_map(|a| a.taxonomy_term.as_ref().map(|t| t.name.as_str()))
                .collect::<Vec<_>>()
                .join(" ");
            let mut counts: HashMap<(u32, u8), u16> = HashMap::new();
            let mut length = 0.0;
            for (field, text) in [
                (Field::Name, s.name.as_str()),
                (Field::Taxonomy, terms.as_str()),
                (Field::Organisation, org),
                (Field::Description, s.description.as_deref().unwrap_or("")),
            ] {
                for word in words(text) {
                    length += 1.0;
                    let id = match index.word_ids.get(&word) {
                        Some(&id) => id,
                        None => {
                            let id = index.words.len() as u32;
                            for d in deletions_of(&word) {
                                index.deletions.entry(d).or_default().push(id);
                            }
                            index.word_ids.insert(word.clone(), id);
                            index.words.push(word);
                            index.postings.push(Vec::new());
                            id
                        }
                    };
                    *counts.entry((id, field as u8)).or_default() += 1;
                }
            }
            let mut counts: Vec<_> = counts.into_iter().collect();
            counts.sort_unstable();
            for ((id, field), times) in counts {
                let field = [
                    Field::Name,
                    Field::Taxonomy,
                    Field::Organisation,
                    Field::Description,
                ][field as usize];
                index.postings[id as usize].push((n as u32, field, times));
            }
            index.lengths.push(length);
            let facts = facts_of(entry);
            for (term, _) in &facts.terms {
                index
                    .by_term
                    .entry(term.clone())
                    .or_default()
                    .push(n as u32);
            }
            index.facts.push(facts);
        }
        index.average_length =
            index.lengths.iter().sum::<f32>() / index.lengths.len().max(1) as f32;
        index
    }

    /// Vocabulary words a query word stands for.
    fn variants(&self, word: &str) -> Vec<(u32, Variant)> {
        let mut found = Vec::new();
        if let Some(&id) = self.word_ids.get(word) {
            found.push((id, Variant::Exact));
        }
        if word.chars().count() >= 4 {
            let mut near: Vec<u32> = Vec::new();
            if let Some(ids) = self.deletions.get(word) {
                near.extend(ids);
            }
            for d in deletions_of(word) {
                if let Some(&id) = self.word_ids.get(&d) {
                    near.push(id);
                }
                if let Some(ids) = self.deletions.get(&d) {
                    near.extend(ids);
                }
            }
            near.sort_unstable();
            near.dedup();
            for id in near {
                if found.iter().all(|(f, _)| *f != id) && one_edit(word, &self.words[id as usize]) {
                    found.push((id, Variant::Typo));
                }
            }
        }
        if word.chars().count() >= 3 && found.is_empty() {
            // An unfinished word: only when nothing closer matched, to keep lists short.
            for (id, w) in self.words.iter().enumerate() {
                if w.len() > word.len() && w.starts_with(word) {
                    found.push((id as u32, Variant::Prefix));
                }
            }
        }
        found
    }

    /// BM25 scores of the listings holding every query word (in some spelling), in a
    /// dense array; returns the listings that matched them all.
    fn text_scores(&self, words: &[Vec<(u32, Variant)>], scores: &mut [f32]) -> Vec<u32> {
        const K1: f32 = 1.2;
        const B: f32 = 0.75;
        let total = self.facts.len() as f32;
        // How many query words each listing has matched so far, in order.
        let mut matched = vec![0u8; self.facts.len()];
        let mut touched = Vec::new();
        for (w, variants) in words.iter().enumerate() {
            let (before, after) = (w as u8, w as u8 + 1);
            for &(id, variant) in variants {
                let postings = &self.postings[id as usize];
                let idf = ((total - postings.len() as f32 + 0.5) / (postings.len() as f32 + 0.5)
                    + 1.0)
                    .ln();
                let damp = match variant {
                    Variant::Exact => 1.0,
                    Variant::Typo => 0.7,
                    Variant::Prefix => 0.8,
                };
                for &(listing, field, times) in postings {
                    let l = listing as usize;
                    if matched[l] != before && matched[l] != after {
                        continue;
                    }
                    let tf = f32::from(times);
                    let norm = 1.0 - B + B * self.lengths[l] / self.average_length.max(1.0);
                    scores[l] += idf * tf * (K1 + 1.0) / (tf + K1 * norm) * field.weight() * damp;
                    if matched[l] == before {
                        matched[l] = after;
                        if w == 0 {
                            touched.push(listing);
                        }
                    }
                }
            }
        }
        let all = words.len() as u8;
        touched.retain(|&l| matched[l as usize] == all);
        touched
    }

    /// Why a listing matched the text: each query word, how it was read, and where.
    fn text_reasons(&self, listing: u32, query: &[(String, Vec<(u32, Variant)>)]) -> Vec<String> {
        let mut reasons = Vec::new();
        for (word, variants) in query {
            let best = variants.iter().find_map(|&(id, variant)| {
                let postings = &self.postings[id as usize];
                let at = postings.partition_point(|p| p.0 < listing);
                postings[at..]
                    .iter()
                    .take_while(|p| p.0 == listing)
                    .min_by_key(|p| p.1 as u8)
                    .map(|p| (id, variant, p.1))
            });
            if let Some((id, variant, field)) = best {
                let found = &self.words[id as usize];
                reasons.push(match variant {
                    Variant::Typo => format!("“{word}” read as “{found}” in {}", field.said()),
                    Variant::Exact | Variant::Prefix => format!("“{found}” in {}", field.said()),
                });
            }
        }
        reasons
    }

    /// The listings that meet every filter, best first.
    pub fn search(&self, q: &SearchQuery) -> Vec<Hit> {
        let query: Vec<(String, Vec<(u32, Variant)>)> = q
            .text
            .as_deref()
            .map(|t| {
                words(t)
                    .map(|w| {
                        let v = self.variants(&w);
                        (w, v)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut scores = vec![
            0f32;
            if query.is_empty() {
                0
            } else {
                self.facts.len()
            }
        ];
        let candidates: Vec<u32> = if query.is_empty() {
            match &q.term {
                Some(term) => self.by_term.get(term).cloned().unwrap_or_default(),
                None => (0..self.facts.len() as u32).collect(),
            }
        } else {
            let variants: Vec<Vec<(u32, Variant)>> = query.iter().map(|(_, v)| v.clone()).collect();
            self.text_scores(&variants, &mut scores)
        };
        let stale_before = q
            .today
            .map(|d| d - chrono::Duration::days(STALE_AFTER_DAYS));
        // A box around the limit first: cheap, and most listings fall outside it.
        let bounds = q.origin.zip(q.within_metres).map(|((lat, lon), m)| {
            let dlat = m / 111_000.0;
            let dlon = m / (111_000.0 * lat.to_radians().cos().max(0.01));
            (lat - dlat, lat + dlat, lon - dlon, lon + dlon)
        });
        let mut hits: Vec<Hit> = candidates
            .into_iter()
            .filter_map(|i| {
                let f = &self.facts[i as usize];
                if !passes(f, q) {
                    return None;
                }
                if let Some((south, north, west, east)) = bounds {
                    let (lat, lon) = f.position?;
                    if lat < south || lat > north || lon < west || lon > east {
                        return None;
                    }
                }
                let distance = q.origin.zip(f.position).map(|(o, p)| metres_between(o, p));
                if let Some(limit) = q.within_metres {
                    distance.filter(|d| *d <= limit)?;
                }
                let stale = stale_before.is_some_and(|limit| f.assured.is_none_or(|a| a < limit));
                let score = if query.is_empty() {
                    1.0
                } else {
                    scores[i as usize]
                };
                let score = if stale { score * STALE_FACTOR } else { score };
                Some(Hit {
                    entry: i as usize,
                    score,
                    distance_metres: distance,
                    stale,
                    reasons: Vec::new(),
                })
            })
            .collect();
        let nearer = |a: &Hit, b: &Hit| {
            a.distance_metres
                .unwrap_or(f64::INFINITY)
                .total_cmp(&b.distance_metres.unwrap_or(f64::INFINITY))
        };
        hits.sort_by(|a, b| {
            if q.nearest_first {
                nearer(a, b).then_with(|| b.score.total_cmp(&a.score))
            } else {
                b.score.total_cmp(&a.score).then_with(|| nearer(a, b))
            }
            .then(a.entry.cmp(&b.entry))
        });
        if q.limit > 0 {
            hits.truncate(q.limit);
        }
        for hit in &mut hits {
            let f = &self.facts[hit.entry];
            let mut reasons = self.text_reasons(hit.entry as u32, &query);
            explain(f, q, &mut reasons);
            if let (Some(d), Some(postcode)) = (hit.distance_metres, &f.postcode) {
                let from = if q.origin_label.is_empty() {
                    String::new()
                } else {
                    format!(" from {}", q.origin_label)
                };
                reasons.push(format!("{:.1} km{from} (at {postcode})", d / 1000.0));
            }
            hit.reasons = reasons;
        }
        hits
    }
}

fn open_slot(f: &Facts, q: &SearchQuery) -> Option<Opening> {
    let at = q.time.map(|t| (t.hour() * 60 + t.minute()) as u16);
    f.openings
        .iter()
        .find(|o| {
            q.day.is_none_or(|d| o.days & (1 << d) != 0)
                && at.is_none_or(|m| o.opens <= m && m < o.closes)
        })
        .copied()
}

/// Whether a listing meets every filter other than text and distance.
fn passes(f: &Facts, q: &SearchQuery) -> bool {
    (q.include_inactive || f.active)
        && q.term
            .as_ref()
            .is_none_or(|t| f.terms.iter().any(|(id, _)| id == t))
        && q.age
            .is_none_or(|age| (f.min_age..=f.max_age).contains(&age))
        && ((q.day.is_none() && q.time.is_none()) || open_slot(f, q).is_some())
        && (q.modes.is_empty() || q.modes.iter().any(|m| f.modes & m.bit() != 0))
        && (!q.free_only || f.free)
        && q.features.iter().all(|x| f.features & x.bit() != 0)
        && (!q.has_capacity || f.capacity.is_some_and(|(a, _)| a > 0.0))
}

/// What each given filter found, for a listing that passed them all.
fn explain(f: &Facts, q: &SearchQuery, reasons: &mut Vec<String>) {
    if let Some((_, name)) = q
        .term
        .as_ref()
        .and_then(|t| f.terms.iter().find(|(id, _)| id == t))
    {
        reasons.push(format!("listed under {name}"));
    }
    if q.age.is_some() {
        reasons.push(if f.max_age.is_finite() && f.max_age < 120.0 {
            format!("for ages {}-{}", f.min_age, f.max_age)
        } else {
            format!("for ages {}+", f.min_age)
        });
    }
    if let Some(open) = (q.day.is_some() || q.time.is_some())
        .then(|| open_slot(f, q))
        .flatten()
    {
        let day = q
            .day
            .map_or(String::new(), |d| format!("{} ", DAY_NAMES[d]));
        reasons.push(format!(
            "open {day}{:02}:{:02}-{:02}:{:02}",
            open.opens / 60,
            open.opens % 60,
            open.closes / 60,
            open.closes % 60
        ));
    }
    if let Some(mode) = q.modes.iter().find(|m| f.modes & m.bit() != 0) {
        reasons.push(mode.label().to_string());
    }
    if q.free_only {
        reasons.push("free".into());
    }
    reasons.extend(q.features.iter().map(|x| x.label().to_string()));
    if let (true, Some((available, maximum))) = (q.has_capacity, f.capacity) {
        reasons.push(if maximum.is_finite() {
            format!("{available} of {maximum} places free")
        } else {
            format!("{available} places free")
        });
    }
}

/// Day of the week, Monday = 0, from a date (for "open today").
pub fn weekday(date: NaiveDate) -> usize {
    date.weekday().num_days_from_monday() as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    struct Listing<'a> {
        id: &'a str,
        name: &'a str,
        lat: f64,
        assured: &'a str,
        extra: Value,
    }

    fn listing(l: Listing) -> Entry {
        let mut doc = json!({
            "id": l.id, "name": l.name, "status": "active", "description": "A friendly weekly session",
            "assured_date": l.assured,
            "organization": {"id": "o", "name": "Acorns Community Trust", "description": "d"},
            "schedules": [{"id": "s", "byday": "MO,WE", "opens_at": "10:00", "closes_at": "12:00", "attending_type": "in person"}],
            "service_at_locations": [{"id": "p", "location": {"id": "l", "location_type": "physical",
                "latitude": l.lat, "longitude": -1.80,
                "addresses": [{"id": "a", "address_1": "1 Road", "city": "Birmingham", "state_province": "West Midlands",
                               "postal_code": "B25 8DS", "country": "GB", "address_type": "physical"}],
                "accessibility": [{"id": "x", "description": "Step-free access"}]}}],
            "attributes": [{"id": "t", "taxonomy_term": {"id": "term-activity", "name": "Physical activity", "description": "d"}}],
        });
        if let Value::Object(extra) = l.extra {
            for (k, v) in extra {
                doc[k] = v;
            }
        }
        Entry::new(1, doc).unwrap()
    }

    fn directory() -> (Vec<Entry>, SearchIndex) {
        let entries = vec![
            listing(Listing {
                id: "walk",
                name: "Walking group",
                lat: 52.45,
                assured: "2026-06-01",
                extra: json!({}),
            }),
            listing(Listing {
                id: "walk-old",
                name: "Walking group",
                lat: 52.45,
                assured: "2024-01-01",
                extra: json!({}),
            }),
            listing(Listing {
                id: "walk-far",
                name: "Walking club",
                lat: 52.70,
                assured: "2026-06-01",
                extra: json!({}),
            }),
            listing(Listing {
                id: "choir",
                name: "Community choir",
                lat: 52.45,
                assured: "2026-06-01",
                extra: json!({
                "cost_options": [{"id": "c", "amount": 5}],
                "minimum_age": 60,
                "service_capacity": [{"id": "k", "available": 0, "maximum": 20}],
                "attributes": [{"id": "t", "taxonomy_term": {"id": "term-lonely", "name": "Loneliness", "description": "d"}}]}),
            }),
            listing(Listing {
                id: "phone",
                name: "Befriending calls",
                lat: 99.0,
                assured: "2026-06-01",
                extra: json!({
                "schedules": [{"id": "s", "byday": "FR", "opens_at": "18:00", "closes_at": "20:00", "attending_type": "by phone"}],
                "service_capacity": [{"id": "k", "available": 4, "maximum": 10}]}),
            }),
        ];
        let index = SearchIndex::build(&entries);
        (entries, index)
    }

    fn ids(entries: &[Entry], hits: &[Hit]) -> Vec<String> {
        hits.iter()
            .map(|h| entries[h.entry].service.id.clone())
            .collect()
    }

    fn today() -> Option<NaiveDate> {
        Some("2026-11-25".parse().unwrap())
    }

    #[test]
    fn text_is_ranked_forgives_a_typo_and_flags_stale_listings() {
        let (entries, index) = directory();
        let q = SearchQuery {
            text: Some("walkng".into()),
            today: today(),
            ..SearchQuery::default()
        };
        let hits = index.search(&q);
        assert_eq!(
            ids(&entries, &hits),
            ["walk", "walk-far", "walk-old"],
            "stale ranked down"
        );
        let both = SearchQuery {
            text: Some("walkng grup".into()),
            ..q.clone()
        };
        assert_eq!(
            ids(&entries, &index.search(&both)),
            ["walk", "walk-old"],
            "both words, each forgiven a typo"
        );
        assert!(
            hits[0].reasons[0].contains("“walkng” read as “walking” in the name"),
            "{:?}",
            hits[0].reasons
        );
        assert!(hits[2].stale && !hits[0].stale);
        let prefix = index.search(&SearchQuery {
            text: Some("befri".into()),
            ..SearchQuery::default()
        });
        assert_eq!(ids(&entries, &prefix), ["phone"]);
        assert!(
            index
                .search(&SearchQuery {
                    text: Some("walking choir".into()),
                    ..SearchQuery::default()
                })
                .is_empty(),
            "every word must match"
        );
    }

    #[test]
    fn nearest_first_puts_distance_before_the_match() {
        let (entries, index) = directory();
        // From the walking group's own spot: best match first puts the stale listing (at the
        // same place) after the far club, which matches as well; nearest first puts both
        // listings 0 km away before the club 27.8 km off.
        let from_home = SearchQuery {
            text: Some("walkng".into()),
            origin: Some((52.45, -1.80)),
            today: today(),
            ..SearchQuery::default()
        };
        assert_eq!(
            ids(&entries, &index.search(&from_home)),
            ["walk", "walk-far", "walk-old"]
        );
        let nearest = SearchQuery {
            nearest_first: true,
            ..from_home.clone()
        };
        assert_eq!(
            ids(&entries, &index.search(&nearest)),
            ["walk", "walk-old", "walk-far"],
            "0 km (best match first among equals), then 27.8 km"
        );
        let everything = SearchQuery {
            origin: Some((52.70, -1.80)),
            nearest_first: true,
            ..SearchQuery::default()
        };
        assert_eq!(
            ids(&entries, &index.search(&everything))
                .last()
                .map(String::as_str),
            Some("phone"),
            "a service with no place comes last"
        );
    }

    #[test]
    fn every_filter_must_hold_and_says_so() {
        let (entries, index) = directory();
        let near = SearchQuery {
            origin: Some((52.45, -1.80)),
            within_metres: Some(5_000.0),
            origin_label: "B25 8DS".into(),
            term: Some("term-activity".into()),
            day: Some(0),
            time: NaiveTime::from_hms_opt(11, 0, 0),
            features: vec![Feature::StepFree],
            free_only: true,
            today: today(),
            ..SearchQuery::default()
        };
        let hits = index.search(&near);
        assert_eq!(ids(&entries, &hits), ["walk", "walk-old"]);
        let why = hits[0].reasons.join("; ");
        for part in [
            "listed under Physical activity",
            "open Monday 10:00-12:00",
            "free",
            "step-free access",
            "0.0 km from B25 8DS",
        ] {
            assert!(why.contains(part), "{part} missing from {why}");
        }
        let at_noon = SearchQuery {
            time: NaiveTime::from_hms_opt(12, 0, 0),
            ..near.clone()
        };
        assert!(index.search(&at_noon).is_empty(), "closes at 12:00");
        let older = SearchQuery {
            age: Some(30.0),
            term: Some("term-lonely".into()),
            ..SearchQuery::default()
        };
        assert!(index.search(&older).is_empty(), "the choir is for over-60s");
        let places = SearchQuery {
            has_capacity: true,
            ..SearchQuery::default()
        };
        assert_eq!(ids(&entries, &index.search(&places)), ["phone"]);
        let by_phone = SearchQuery {
            modes: vec![Mode::Phone, Mode::Online],
            ..SearchQuery::default()
        };
        let hits = index.search(&by_phone);
        assert_eq!(
            ids(&entries, &hits),
            ["phone"],
            "an impossible latitude is not a place"
        );
        assert_eq!(hits[0].reasons, ["by phone"]);
    }

    #[test]
    fn day_codes_read_as_names() {
        assert_eq!(day_names("MO,WE"), "Monday, Wednesday");
        assert_eq!(day_names("1SU"), "Sunday");
        assert_eq!(day_names("XX"), "XX");
    }

    #[test]
    fn one_edit_covers_typos_and_nothing_further() {
        assert!(one_edit("walking", "walkng"));
        assert!(one_edit("walking", "wlaking"));
        assert!(one_edit("walking", "walkinh"));
        assert!(one_edit("walking", "walkings"));
        assert!(!one_edit("walking", "talkinh"));
        assert!(!one_edit("walking", "walk"));
    }
}
