//! `linkwell bench directory`: search over a synthetic directory of N services in process,
//! and the same queries through SQLite FTS5 + R*Tree in the same run, with the ratio.

use crate::demo::directory::synthetic_services;
use crate::directory::catalogue::Entry;
use crate::directory::search::{SearchIndex, SearchQuery};
use crate::directory::taxonomy::need_term_id;
use crate::geo::Geography;
use crate::referrals::Need;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sqlx::sqlite::SqlitePoolOptions;
use sqlx::Row;
use std::path::Path;
use std::time::{Duration, Instant};

/// Text, need and whether the words are spelt right (FTS5 has no typo tolerance).
const QUERIES: [(&str, Need); 8] = [
    ("walking group", Need::PhysicalActivity),
    ("debt advice", Need::Money),
    ("food bank", Need::Food),
    ("choir", Need::Loneliness),
    ("peer support", Need::MentalWellbeing),
    ("job club", Need::Employment),
    ("carers support", Need::CarerSupport),
    ("housing advice", Need::Housing),
];

fn summary(label: &str, mut times: Vec<Duration>) -> f64 {
    times.sort();
    let at = |p: f64| times[((times.len() - 1) as f64 * p) as usize].as_secs_f64() * 1e6;
    println!(
        "{label}: p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs over {} queries",
        at(0.5),
        at(0.99),
        at(1.0),
        times.len()
    );
    at(0.99)
}

pub async fn run(data_dir: &Path, services: usize, queries: usize) -> anyhow::Result<()> {
    let dir = data_dir.to_path_buf();
    let geography = tokio::task::spawn_blocking(move || Geography::shared(&dir)).await??;
    let codes: std::collections::HashSet<&str> = geography
        .english_lsoas()
        .filter(|l| {
            l.local_authority
                .as_deref()
                .is_some_and(|a| a == "Birmingham" || a == "Solihull")
        })
        .map(|l| l.code.as_str())
        .collect();
    let mut lsoas: Vec<_> = geography.postcodes_in(&codes).into_iter().collect();
    lsoas.sort_by(|a, b| a.0.cmp(&b.0));
    let places: Vec<(String, f64, f64)> = lsoas
        .iter()
        .flat_map(|(_, pcs)| pcs.iter())
        .step_by(29)
        .map(|(p, lat, lon)| (p.to_string(), *lat, *lon))
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let today = chrono::Utc::now().date_naive();
    let started = Instant::now();
    let documents = synthetic_services(&mut rng, services, &places, today);
    let entries: Vec<Entry> = documents
        .into_iter()
        .enumerate()
        .map(|(i, d)| Entry::new(i as i64 + 1, d))
        .collect::<anyhow::Result<_>>()?;
    let generated = started.elapsed();
    let started = Instant::now();
    let index = SearchIndex::build(&entries);
    println!(
        "{services} services generated in {:.1} s, indexed in {:.2} s",
        generated.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );

    let asks: Vec<(&str, Need, (f64, f64))> = (0..queries)
        .map(|i| {
            let (text, need) = QUERIES[i % QUERIES.len()];
            let (_, lat, lon) = places.choose(&mut rng).expect("places");
            (text, need, (*lat, *lon))
        })
        .collect();
    let mut times = Vec::with_capacity(queries);
    let mut found = 0usize;
    for (text, need, origin) in &asks {
        let q = SearchQuery {
            text: Some(text.to_string()),
            term: Some(need_term_id(*need)),
            origin: Some(*origin),
            within_metres: Some(5_000.0),
            free_only: true,
            has_capacity: true,
            today: Some(today),
            limit: 20,
            ..SearchQuery::default()
        };
        let t = Instant::now();
        found += std::hint::black_box(index.search(&q)).len();
        times.push(t.elapsed());
    }
    println!("query: text + taxonomy + within 5 km of a postcode + free + places free; {:.1} results on average", found as f64 / queries as f64);
    let ours = summary("linkwell in-memory search", times);

    // The same data and queries in SQLite: FTS5 for text, R*Tree for the 5 km box.
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect("sqlite::memory:")
        .await?;
    for sql in [
        "CREATE VIRTUAL TABLE fts USING fts5(name, terms, organisation, description)",
        "CREATE VIRTUAL TABLE places USING rtree(id, min_lat, max_lat, min_lon, max_lon)",
        "CREATE TABLE facts (id INTEGER PRIMARY KEY, term TEXT, free INTEGER, places_free INTEGER, active INTEGER, lat REAL, lon REAL)",
        "CREATE INDEX facts_term ON facts(term)",
    ] {
        sqlx::query(sql).execute(&pool).await?;
    }
    let mut tx = pool.begin().await?;
    for (i, e) in entries.iter().enumerate() {
        let s = &e.service;
        let id = i as i64 + 1;
        let terms: Vec<&str> = s
            .attributes
            .iter()
            .filter_map(|a| a.taxonomy_term.as_ref().map(|t| t.name.as_str()))
            .collect();
        let org = s.organization.as_ref().map_or("", |o| o.name.as_str());
        sqlx::query("INSERT INTO fts (rowid, name, terms, organisation, description) VALUES (?, ?, ?, ?, ?)")
            .bind(id).bind(&s.name).bind(terms.join(" ")).bind(org).bind(s.description.as_deref().unwrap_or(""))
            .execute(&mut *tx).await?;
        let position = s
            .service_at_locations
            .iter()
            .filter_map(|p| p.location.as_ref())
            .find_map(|l| Some((l.latitude?, l.longitude?)));
        let free = s
            .cost_options
            .iter()
            .all(|c| c.amount.is_none_or(|a| a <= 0.0));
        let places_free = s
            .service_capacity
            .iter()
            .any(|c| c.available.is_some_and(|a| a > 0.0));
        let term = s
            .attributes
            .iter()
            .find_map(|a| a.taxonomy_term.as_ref().map(|t| t.id.clone()));
        sqlx::query("INSERT INTO facts VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind(id)
            .bind(term)
            .bind(free)
            .bind(places_free)
            .bind(s.status == crate::directory::hsds::ServiceStatus::Active)
            .bind(position.map(|p| p.0))
            .bind(position.map(|p| p.1))
            .execute(&mut *tx)
            .await?;
        if let Some((lat, lon)) = position {
            sqlx::query("INSERT INTO places VALUES (?, ?, ?, ?, ?)")
                .bind(id)
                .bind(lat)
                .bind(lat)
                .bind(lon)
                .bind(lon)
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    let sql = "SELECT f.id, f.lat, f.lon FROM fts JOIN facts f ON f.id = fts.rowid JOIN places p ON p.id = f.id \
               WHERE fts MATCH ? AND f.term = ? AND f.free = 1 AND f.places_free = 1 AND f.active = 1 \
               AND p.min_lat >= ? AND p.max_lat <= ? AND p.min_lon >= ? AND p.max_lon <= ? ORDER BY bm25(fts) LIMIT 20";
    let mut times = Vec::with_capacity(queries);
    let mut found = 0usize;
    for (text, need, (lat, lon)) in &asks {
        let (dlat, dlon) = (
            5_000.0 / 111_320.0,
            5_000.0 / (111_320.0 * lat.to_radians().cos()),
        );
        let words: Vec<String> = text
            .split_whitespace()
            .map(|w| format!("\"{w}\""))
            .collect();
        let t = Instant::now();
        let rows = sqlx::query(sql)
            .bind(words.join(" AND "))
            .bind(need_term_id(*need))
            .bind(lat - dlat)
            .bind(lat + dlat)
            .bind(lon - dlon)
            .bind(lon + dlon)
            .fetch_all(&pool)
            .await?;
        found += rows
            .iter()
            .filter(|r| crate::geo::metres_between((*lat, *lon), (r.get(1), r.get(2))) <= 5_000.0)
            .count();
        times.push(t.elapsed());
    }
    println!(
        "SQLite FTS5 + R*Tree: {:.1} results on average (no typo tolerance)",
        found as f64 / queries as f64
    );
    let theirs = summary("SQLite FTS5 + R*Tree (sqlx, in memory)", times);
    println!("p99 ratio: SQLite / linkwell = {:.1}", theirs / ours);
    Ok(())
}
