//! Reading the equity report's facts, and writing the registered population.
//!
//! A million rows decoded one by one through the driver cost microseconds each, so the
//! facts are read in chunks: each query folds a few thousand rows into one text value in
//! the database (`string_agg`, in both SQLite and PostgreSQL), chunks run side by side,
//! and Rust splits the text. The same SQL runs on both engines except `utc_day`.

use super::{begin_statement, on_reader, on_writer, Backend, Store};
use crate::equity::facts::{
    barrier_bit, Facts, Outcome, PopulationCell, PracticeRef, Profile, ReferralFact, Register,
    RegisteredPerson, NEVER, NO_PRACTICE,
};
use crate::equity::population::PopulationRow;
use anyhow::Context;
use chrono::{Datelike, NaiveDate, Utc};
use futures_util::future::try_join_all;
use std::collections::HashMap;

/// `meta` key present when the people table holds the whole registered list, so the
/// report may take age, sex, ethnicity and group denominators from it.
pub const REGISTER_KEY: &str = "people_table_is_register";

/// Ids per chunk, and chunks read at once. On SQLite small chunks keep each query a
/// cheap index range; PostgreSQL plans the referral subqueries as hash joins over whole
/// tables, so there referrals come in one chunk and people in large ones.
fn chunk_ids(backend: Backend, table: &str) -> i64 {
    match (backend, table) {
        (Backend::Sqlite, _) => 8192,
        (Backend::Postgres, "people") => 1 << 17,
        (Backend::Postgres, _) => i64::MAX / 4,
    }
}
const CHUNKS_AT_ONCE: usize = 3;

/// A person's coded columns as text, `|`-separated (see `profile_from`).
const PROFILE_TEXT: &str = "COALESCE(CAST(p.practice_id AS TEXT), '') || '|' || COALESCE(CAST(p.imd_decile AS TEXT), '') \
|| '|' || p.sex || '|' || p.ethnicity || '|' || CAST(p.date_of_birth AS TEXT) || '|' || p.plus_groups || '|' || p.conditions";

/// The same for a referral: its practice and IMD decile as recorded when it was received
/// (migration 0019), the rest from the person.
const REFERRAL_PROFILE_TEXT: &str = "COALESCE(CAST(COALESCE(r.practice_id_at_referral, p.practice_id) AS TEXT), '') \
|| '|' || COALESCE(CAST(COALESCE(r.imd_decile_at_referral, p.imd_decile) AS TEXT), '') \
|| '|' || p.sex || '|' || p.ethnicity || '|' || CAST(p.date_of_birth AS TEXT) || '|' || p.plus_groups || '|' || p.conditions";

/// The UTC calendar date of a timestamp, as `YYYY-MM-DD` text.
pub(super) fn utc_day(backend: Backend, timestamp: &str) -> String {
    match backend {
        Backend::Sqlite => format!("date({timestamp})"),
        Backend::Postgres => {
            format!("CAST(CAST(({timestamp}) AT TIME ZONE 'UTC' AS DATE) AS TEXT)")
        }
    }
}

/// A person's profile and the day their record was created (when they joined the
/// register, for a generated population).
fn register_sql(backend: Backend) -> String {
    format!(
        "SELECT string_agg({PROFILE_TEXT} || '|' || {}, '\n') FROM people p WHERE p.id > $1 AND p.id <= $2",
        utc_day(backend, "p.created_at")
    )
}

fn referrals_sql(backend: Backend) -> String {
    let day = |timestamp: &str| format!("COALESCE({}, '')", utc_day(backend, timestamp));
    let fields = [
        "CAST(r.id AS TEXT)".to_string(),
        REFERRAL_PROFILE_TEXT.to_string(),
        utc_day(backend, "r.received_at"),
        "CASE WHEN r.state = 'closed' AND r.close_reason = 'goals_met' THEN '1' ELSE '0' END"
            .to_string(),
        day("(SELECT MIN(c.at) FROM contacts c WHERE c.referral_id = r.id AND c.reached)"),
        day("(SELECT MIN(e.at) FROM referral_events e WHERE e.referral_id = r.id AND e.to_state = 'active')"),
        day("(SELECT MIN(k.sent_at) FROM connections k WHERE k.referral_id = r.id)"),
        day(
            "(SELECT MIN(x.at) FROM (SELECT ce.at AS at FROM connection_events ce \
             JOIN connections k ON k.id = ce.connection_id WHERE k.referral_id = r.id \
             AND ce.status IN ('attended_first_session', 'completed') \
             UNION ALL SELECT k.status_at AS at FROM connections k WHERE k.referral_id = r.id \
             AND k.status IN ('attended_first_session', 'completed')) x)",
        ),
        day("(SELECT MIN(e.at) FROM referral_events e WHERE e.referral_id = r.id AND e.to_state = 'closed')"),
    ];
    format!(
        "SELECT string_agg({}, '\n' ORDER BY r.id) FROM referrals r JOIN people p ON p.id = r.person_id \
         WHERE r.id > $1 AND r.id <= $2 AND {}",
        fields.join(" || '|' || "),
        super::COUNTED_REFERRAL
    )
}

/// Complete questionnaires in the order they were taken, so the first baseline and the
/// last follow-up of each referral are the first and last seen.
const MEASURES_SQL: &str = "SELECT string_agg(CAST(m.referral_id AS TEXT) || '|' || m.instrument || '|' || m.timing \
|| '|' || m.answers || '|' || COALESCE(CAST(m.total AS TEXT), '') || '|' || COALESCE(CAST(m.metric_score AS TEXT), ''), \
'\n' ORDER BY m.referral_id, m.taken_on, m.id) FROM measures m WHERE m.complete AND m.referral_id > $1 AND m.referral_id <= $2";

fn day_number(text: &str) -> anyhow::Result<i32> {
    Ok(NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .with_context(|| format!("not a date: {text:?}"))?
        .num_days_from_ce())
}

/// Codes the seven `PROFILE_TEXT` fields.
fn profile_from<'a>(
    fields: &mut impl Iterator<Item = &'a str>,
    practices: &HashMap<i64, u16>,
) -> anyhow::Result<Profile> {
    let mut next = || fields.next().context("a short row of facts");
    let practice = next()?
        .parse::<i64>()
        .ok()
        .and_then(|id| practices.get(&id).copied());
    let decile = next()?.parse::<i64>().ok();
    let (sex, ethnicity) = (next()?, next()?);
    let birth = NaiveDate::parse_from_str(next()?, "%Y-%m-%d").context("date of birth")?;
    let (plus, conditions) = (next()?, next()?);
    Ok(Profile::code(
        practice.unwrap_or(NO_PRACTICE),
        decile,
        sex,
        ethnicity,
        birth,
        plus,
        conditions,
    ))
}

/// A referral's record key: the first 8 bytes of SHA-256(secret, id). Fixed for the life of
/// the database and uniformly random to anyone without the secret (`equity::disclosure`).
pub fn record_key(secret: &[u8], referral_id: i64) -> u64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(secret)
        .chain_update(b"referral:")
        .chain_update(referral_id.to_be_bytes())
        .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first)
}

/// `meta` key of the secret behind record keys (created by migration 0016).
pub const RECORD_KEY_SECRET: &str = "equity_record_key_secret";

fn referral_from(
    line: &str,
    practices: &HashMap<i64, u16>,
    secret: &[u8],
) -> anyhow::Result<(i64, ReferralFact)> {
    let mut fields = line.split('|');
    let id: i64 = fields.next().context("referral id")?.parse()?;
    let who = profile_from(&mut fields, practices)?;
    let mut next = || fields.next().context("a short referral row");
    let received = day_number(next()?)?;
    let goals_met = next()? == "1";
    // Days from receipt to a stage's date, if any (a date before receipt counts as day 0).
    let days = |text: &str| -> anyhow::Result<Option<u16>> {
        Ok(match text {
            "" => None,
            day => Some((day_number(day)? - received).clamp(0, i32::from(NEVER) - 1) as u16),
        })
    };
    let contacted = days(next()?)?;
    let active = days(next()?)?;
    let connected = days(next()?)?;
    let attended = days(next()?)?;
    let closed = days(next()?)?;
    let stage_days = [
        contacted,
        active,
        connected,
        attended,
        closed.filter(|_| goals_met),
    ]
    .map(|d| d.unwrap_or(NEVER));
    Ok((
        id,
        ReferralFact {
            who,
            key: record_key(secret, id),
            age: crate::equity::facts::age_on(who.birth_day, received),
            received_day: received,
            stage_days,
            closed_days: closed,
            barriers: 0,
            change: [f32::NAN; 4],
            programme: 0,
        },
    ))
}

/// A measure's baseline and follow-up values for each outcome.
#[derive(Default, Clone, Copy)]
struct Pair {
    baseline: Option<f32>,
    follow_up: Option<f32>,
}

/// The outcome values one complete questionnaire gives.
fn outcome_values(
    instrument: &str,
    answers: &str,
    total: Option<f32>,
    metric: Option<f32>,
) -> [Option<f32>; 4] {
    let mut values = [None; 4];
    match instrument {
        "swemwbs" => values[Outcome::SwemwbsMetric as usize] = metric,
        "ucla3" => values[Outcome::Ucla3 as usize] = total,
        "ons4" => {
            let items: Vec<Option<f32>> = serde_json::from_str(answers).unwrap_or_default();
            values[Outcome::Ons4LifeSatisfaction as usize] = items.first().copied().flatten();
            values[Outcome::Ons4Anxiety as usize] = items.get(3).copied().flatten();
        }
        _ => {}
    }
    values
}

/// Folds one chunk of measure rows into baseline/follow-up pairs per referral.
fn measure_pairs(text: &str) -> anyhow::Result<Vec<(i64, [Pair; 4])>> {
    let mut out: Vec<(i64, [Pair; 4])> = Vec::new();
    for line in text.lines() {
        let mut f = line.split('|');
        let mut next = || f.next().context("a short measure row");
        let referral: i64 = next()?.parse()?;
        let (instrument, timing, answers) = (next()?, next()?, next()?);
        let total = next()?.parse::<f32>().ok();
        let metric = next()?.parse::<f32>().ok();
        add_measure(
            &mut out, referral, instrument, timing, answers, total, metric,
        );
    }
    Ok(out)
}

/// Adds one complete questionnaire (rows come by referral, in the order taken) to the
/// pairs: the first baseline and the last follow-up of each outcome are kept. The one rule
/// for a paired change, shared by the equity report and a link worker's own outcomes.
fn add_measure(
    out: &mut Vec<(i64, [Pair; 4])>,
    referral: i64,
    instrument: &str,
    timing: &str,
    answers: &str,
    total: Option<f32>,
    metric: Option<f32>,
) {
    if out.last().is_none_or(|(id, _)| *id != referral) {
        out.push((referral, [Pair::default(); 4]));
    }
    let baseline = timing == "baseline";
    if let Some((_, pairs)) = out.last_mut() {
        for (pair, value) in pairs
            .iter_mut()
            .zip(outcome_values(instrument, answers, total, metric))
        {
            match (value, baseline) {
                (Some(v), true) if pair.baseline.is_none() => pair.baseline = Some(v),
                (Some(v), false) => pair.follow_up = Some(v),
                _ => {}
            }
        }
    }
}

/// A complete questionnaire as read: referral, instrument, timing, answers (JSON), total,
/// metric score.
pub(super) type MeasureValues = (i64, String, String, String, Option<i64>, Option<f64>);

/// Complete questionnaires by referral in the order taken, with their values.
pub(super) const MEASURE_VALUES_SQL: &str =
    "SELECT m.referral_id, m.instrument, m.timing, m.answers, CAST(m.total AS BIGINT), m.metric_score \
FROM measures m WHERE m.complete ORDER BY m.referral_id, m.taken_on, m.id";

/// Follow-up minus baseline for each `Outcome` of each referral with at least one pair
/// (NaN where an outcome is not paired), by `add_measure`'s rule.
pub(super) fn paired_changes(rows: &[MeasureValues]) -> Vec<(i64, [f32; 4])> {
    let mut out = Vec::new();
    for (referral, instrument, timing, answers, total, metric) in rows {
        add_measure(
            &mut out,
            *referral,
            instrument,
            timing,
            answers,
            total.map(|t| t as f32),
            metric.map(|m| m as f32),
        );
    }
    out.into_iter()
        .filter_map(|(id, pairs)| {
            let changes = pairs.map(|p| match (p.baseline, p.follow_up) {
                (Some(b), Some(f)) => f - b,
                _ => f32::NAN,
            });
            changes
                .iter()
                .any(|c| c.is_finite())
                .then_some((id, changes))
        })
        .collect()
}

impl Store {
    /// Reads everything the equity report is computed from.
    pub async fn load_equity_facts(&self) -> anyhow::Result<Facts> {
        Ok(self.load_equity_facts_and_register().await?.0)
    }

    /// The facts, and the register person by person (for exporting the same data to
    /// another engine); the facts keep only the register's per-practice index.
    pub async fn load_equity_facts_and_register(
        &self,
    ) -> anyhow::Result<(Facts, Option<Vec<RegisteredPerson>>)> {
        let loaded_at = Utc::now();
        let practices: Vec<PracticeRef> =
            on_reader!(self, pool => sqlx::query_as::<_, (i64, String, String)>(
            "SELECT id, code, name FROM practices ORDER BY id").fetch_all(pool).await)?
            .into_iter()
            .map(|(id, code, name)| PracticeRef { id, code, name })
            .collect();
        anyhow::ensure!(
            practices.len() < NO_PRACTICE as usize,
            "too many practices for the report"
        );
        let index: HashMap<i64, u16> = practices
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id, i as u16))
            .collect();
        let has_register = self.meta(REGISTER_KEY).await?.is_some();
        let secret = self
            .meta(RECORD_KEY_SECRET)
            .await?
            .context("the equity record key secret is missing (migration 0016)")?;
        let secret = secret.as_bytes();
        let backend = self.backend();
        let (referral_sql, register_sql) = (referrals_sql(backend), register_sql(backend));
        let index = &index;

        let (population, register, referral_chunks, measure_chunks, barriers) = tokio::try_join!(
            self.read_population(index),
            async {
                if !has_register {
                    return Ok(None);
                }
                let chunks = self
                    .read_chunks("people", &register_sql, |text| {
                        text.lines()
                            .map(|line| {
                                let mut fields = line.split('|');
                                let who = profile_from(&mut fields, index)?;
                                let registered =
                                    day_number(fields.next().context("a short register row")?)?;
                                Ok(RegisteredPerson { who, registered })
                            })
                            .collect::<anyhow::Result<Vec<_>>>()
                    })
                    .await?;
                Ok(Some(
                    chunks
                        .into_iter()
                        .flatten()
                        .collect::<Vec<RegisteredPerson>>(),
                ))
            },
            self.read_chunks("referrals", &referral_sql, |text| {
                text.lines()
                    .map(|line| referral_from(line, index, secret))
                    .collect::<anyhow::Result<Vec<_>>>()
            }),
            self.read_chunks("referrals", MEASURES_SQL, measure_pairs),
            self.read_barriers(),
        )?;
        let (ids, mut referrals): (Vec<i64>, Vec<ReferralFact>) =
            referral_chunks.into_iter().flatten().unzip();
        let position = |id: i64| ids.binary_search(&id).ok();
        for (id, pairs) in measure_chunks.into_iter().flatten() {
            if let Some(i) = position(id) {
                for (change, pair) in referrals[i].change.iter_mut().zip(pairs) {
                    if let (Some(b), Some(f)) = (pair.baseline, pair.follow_up) {
                        *change = f - b;
                    }
                }
            }
        }
        for (id, bit) in barriers {
            if let Some(i) = position(id) {
                referrals[i].barriers |= 1 << bit;
            }
        }
        // Programmes (docs/programmes.md): a separate small read, so the chunked referral
        // read above keeps its shape.
        let programmes: Vec<(i64, i64)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT id, programme_id FROM referrals WHERE programme_id IS NOT NULL").fetch_all(pool).await)?;
        for (id, programme) in programmes {
            if let (Some(i), Ok(programme)) = (position(id), u32::try_from(programme)) {
                referrals[i].programme = programme;
            }
        }
        let index = register
            .as_deref()
            .map(|people| Register::build(people, practices.len()));
        let facts = Facts {
            practices,
            population,
            register: index,
            referrals,
            loaded_at,
        };
        Ok((facts, register))
    }

    /// Runs `sql` (one `string_agg` over ids in `($1, $2]`) over every chunk of `table`'s
    /// ids, a few at a time, and parses each chunk; results come back in id order.
    async fn read_chunks<T>(
        &self,
        table: &'static str,
        sql: &str,
        parse: impl Fn(&str) -> anyhow::Result<T> + Sync,
    ) -> anyhow::Result<Vec<T>> {
        let range_sql = format!("SELECT COALESCE(MIN(id), 0), COALESCE(MAX(id), 0) FROM {table}");
        let (first, last): (i64, i64) =
            on_reader!(self, pool => sqlx::query_as(&range_sql).fetch_one(pool).await)?;
        let chunk = chunk_ids(self.backend(), table);
        let starts: Vec<i64> = (first - 1..=last).step_by(chunk as usize).collect();
        let parse = &parse;
        let lanes = (0..CHUNKS_AT_ONCE).map(|lane| {
            let mine: Vec<(usize, i64)> = starts
                .iter()
                .copied()
                .enumerate()
                .skip(lane)
                .step_by(CHUNKS_AT_ONCE)
                .collect();
            async move {
                let mut out = Vec::with_capacity(mine.len());
                for (n, start) in mine {
                    let text: (Option<String>,) = on_reader!(self, pool => sqlx::query_as(sql)
                        .bind(start).bind(start.saturating_add(chunk)).fetch_one(pool).await)?;
                    out.push((n, parse(text.0.as_deref().unwrap_or_default())?));
                }
                anyhow::Ok(out)
            }
        });
        let mut chunks: Vec<(usize, T)> =
            try_join_all(lanes).await?.into_iter().flatten().collect();
        chunks.sort_by_key(|(n, _)| *n);
        Ok(chunks.into_iter().map(|(_, t)| t).collect())
    }

    async fn read_population(
        &self,
        practices: &HashMap<i64, u16>,
    ) -> anyhow::Result<Vec<PopulationCell>> {
        let rows: Vec<(i64, Option<i32>, i64)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT practice_id, imd_decile, people FROM population").fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(|(practice, decile, people)| PopulationCell {
                practice: practices.get(&practice).copied().unwrap_or(NO_PRACTICE),
                quintile: decile
                    .filter(|d| (1..=10).contains(d))
                    .map_or(0, |d| (d as u8).div_ceil(2)),
                people: people.clamp(0, u32::MAX as i64) as u32,
            })
            .collect())
    }

    async fn read_barriers(&self) -> anyhow::Result<Vec<(i64, u8)>> {
        let rows: Vec<(i64, String)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT referral_id, barrier FROM barriers").fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, b)| barrier_bit(&b).map(|bit| (id, bit)))
            .collect())
    }

    /// Replaces the registered population in one transaction, adding practices not yet
    /// known. The people table no longer counts as the register afterwards.
    pub async fn replace_population(&self, rows: &[PopulationRow]) -> anyhow::Result<()> {
        on_writer!(self, pool => {
            let mut tx = pool.begin_with(begin_statement(pool)).await?;
            sqlx::query("DELETE FROM population").execute(&mut *tx).await?;
            sqlx::query("DELETE FROM meta WHERE key = $1").bind(REGISTER_KEY).execute(&mut *tx).await?;
            let mut practice_ids: HashMap<String, i64> = HashMap::new();
            for row in rows {
                let code = row.practice_code.as_str();
                let practice = match practice_ids.get(code) {
                    Some(&id) => id,
                    None => {
                        let existing: Option<(i64,)> = sqlx::query_as("SELECT id FROM practices WHERE code = $1")
                            .bind(code).fetch_optional(&mut *tx).await?;
                        let id = match existing {
                            Some((id,)) => id,
                            None => sqlx::query_as::<_, (i64,)>(
                                "INSERT INTO practices (code, name) VALUES ($1, $2) RETURNING id")
                                .bind(code)
                                .bind(row.practice_name.as_deref().unwrap_or(code))
                                .fetch_one(&mut *tx).await?.0,
                        };
                        practice_ids.insert(code.to_string(), id);
                        id
                    }
                };
                sqlx::query("INSERT INTO population (practice_id, lsoa, imd_decile, people) VALUES ($1, $2, $3, $4)")
                    .bind(practice)
                    .bind(&row.lsoa)
                    .bind(row.imd_decile.map(i32::from))
                    .bind(row.people as i64)
                    .execute(&mut *tx).await?;
            }
            tx.commit().await?;
            anyhow::Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::outcome_values;

    #[test]
    fn questionnaires_give_their_outcome_values() {
        assert_eq!(
            outcome_values("swemwbs", "[]", Some(16.0), Some(16.36)),
            [Some(16.36), None, None, None]
        );
        assert_eq!(
            outcome_values("ons4", "[3,4,3,6]", None, None),
            [None, Some(3.0), Some(6.0), None]
        );
        assert_eq!(
            outcome_values("ucla3", "[2,3,3]", Some(8.0), None),
            [None, None, None, Some(8.0)]
        );
        assert_eq!(outcome_values("ons4", "not json", None, None), [None; 4]);
    }
}
