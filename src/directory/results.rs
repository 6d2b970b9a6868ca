//! What a search or a match gives back for one service: enough to list it and to connect a
//! person to it, with the reasons in plain words. The JSON API and the pages show the same.

use super::catalogue::Entry;
use super::matching::Match;
use super::search::Hit;
use crate::referrals::Need;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResult {
    /// Linkwell's service id, for connections.
    pub service_id: i64,
    /// The HSDS id.
    pub id: String,
    pub name: String,
    pub organisation: Option<String>,
    pub distance_km: Option<f64>,
    /// Not checked as correct for over a year.
    pub stale: bool,
    pub assured_date: Option<String>,
    /// Why it matched, in plain words.
    pub reasons: Vec<String>,
}

impl SearchResult {
    /// One search hit on its listing (distance to 0.1 km).
    pub fn of(entry: &Entry, hit: &Hit) -> SearchResult {
        SearchResult {
            service_id: entry.id,
            id: entry.service.id.clone(),
            name: entry.service.name.clone(),
            organisation: entry.service.organization.as_ref().map(|o| o.name.clone()),
            distance_km: hit.distance_metres.map(|m| (m / 100.0).round() / 10.0),
            stale: hit.stale,
            assured_date: entry.service.assured_date.clone(),
            reasons: hit.reasons.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    /// Matches in all (only the first `limit` are listed).
    pub total: usize,
    pub results: Vec<SearchResult>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MatchResult {
    /// Linkwell's service id, for a connection.
    pub service_id: i64,
    /// The HSDS id.
    pub id: String,
    pub name: String,
    pub organisation: Option<String>,
    /// The need this service is for.
    pub need: Need,
    pub distance_km: Option<f64>,
    /// Why it ranks where it does.
    pub why: String,
}

impl MatchResult {
    /// One match on its listing (distance to 0.1 km).
    pub fn of(entry: &Entry, found: Match) -> MatchResult {
        MatchResult {
            service_id: entry.id,
            id: entry.service.id.clone(),
            name: entry.service.name.clone(),
            organisation: entry.service.organization.as_ref().map(|o| o.name.clone()),
            need: found.need,
            distance_km: found.distance_km.map(|d| (d * 10.0).round() / 10.0),
            why: found.why,
        }
    }
}
