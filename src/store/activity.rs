//! Reading the activity report's facts: a few whole-table reads folded in memory into
//! coded arrays (`activity::facts`). The same SQL on both engines except `utc_day`.

use super::equity::{
    paired_changes, record_key, MeasureValues, MEASURE_VALUES_SQL, RECORD_KEY_SECRET,
};
use super::{on_reader, Backend, Store};
use crate::activity::facts::{
    barrier_bit, close_reason_index, contact_mode_index, month_number, month_of_day, need_bit,
    referrer_kind_index, ActivityFacts, Assignment, ConnectionFact, ContactFact, Ending, Named,
    ReferralFact, ServiceRef, Supported, Worker, NEVER, NONE,
};
use crate::referrals::ConnectionStatus;
use anyhow::Context;
use chrono::{Datelike, NaiveDate, Utc};
use std::collections::HashMap;

/// The UTC calendar date of a timestamp, as `YYYY-MM-DD` text.
fn utc_day(backend: Backend, timestamp: &str) -> String {
    match backend {
        Backend::Sqlite => format!("date({timestamp})"),
        Backend::Postgres => {
            format!("CAST(CAST(({timestamp}) AT TIME ZONE 'UTC' AS DATE) AS TEXT)")
        }
    }
}

fn day_number(text: &str) -> anyhow::Result<i32> {
    Ok(NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .with_context(|| format!("not a date: {text:?}"))?
        .num_days_from_ce())
}

/// A record key for something other than a referral (a contact, a connection, a person):
/// the same construction as `record_key`, kept apart by the kind in the hash.
pub fn keyed(secret: &[u8], kind: &str, id: i64) -> u64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(secret)
        .chain_update(kind.as_bytes())
        .chain_update(b":")
        .chain_update(id.to_be_bytes())
        .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first)
}

/// The label analysts see for a link worker: stable, and naming nobody without the
/// database's secret.
fn pseudonym(secret: &[u8], user_id: i64) -> String {
    format!(
        "Link worker {:04x}",
        keyed(secret, "link-worker", user_id) & 0xffff
    )
}

type ReferralRow = (
    i64,
    i64,
    String,
    String,
    Option<i64>,
    Option<i64>,
    String,
    Option<String>,
    Option<i64>,
    Option<i64>,
);

impl Store {
    /// Reads everything the activity report is computed from.
    pub async fn load_activity_facts(&self) -> anyhow::Result<ActivityFacts> {
        let loaded_at = Utc::now();
        let backend = self.backend();
        let day = |t: &str| utc_day(backend, t);
        let secret = self
            .meta(RECORD_KEY_SECRET)
            .await?
            .context("the record key secret is missing (migration 0016)")?;
        let secret = secret.as_bytes();

        let practices: Vec<(i64, String, String)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT id, code, name FROM practices ORDER BY id").fetch_all(pool).await)?;
        let teams: Vec<(i64, String)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT id, name FROM teams ORDER BY id").fetch_all(pool).await)?;
        let programmes: Vec<(i64, String)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT id, name FROM programmes ORDER BY id").fetch_all(pool).await)?;
        let workers: Vec<(i64, String, Option<i64>)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT id, display_name, team_id FROM users WHERE role IN ('link_worker', 'team_lead') ORDER BY id")
            .fetch_all(pool).await)?;
        let services: Vec<(i64, String, String)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT id, name, organisation FROM services ORDER BY id").fetch_all(pool).await)?;
        let referral_sql = format!(
            "SELECT id, person_id, {}, referrer_kind, practice_id_at_referral, team_id, state, close_reason, link_worker_id, programme_id \
             FROM referrals r WHERE {} ORDER BY id",
            day("received_at"),
            super::COUNTED_REFERRAL
        );
        let referral_rows: Vec<ReferralRow> =
            on_reader!(self, pool => sqlx::query_as(&referral_sql).fetch_all(pool).await)?;
        let endings_sql = format!(
            "SELECT referral_id, to_state, {} FROM referral_events \
             WHERE to_state IN ('declined', 'unable_to_contact', 'closed')",
            day("at")
        );
        let endings: Vec<(i64, String, String)> =
            on_reader!(self, pool => sqlx::query_as(&endings_sql).fetch_all(pool).await)?;
        let assignments_sql = format!(
            "SELECT referral_id, link_worker_id, {} FROM referral_events \
             WHERE kind = 'assigned' AND link_worker_id IS NOT NULL ORDER BY referral_id, at, id",
            day("at")
        );
        let assignment_rows: Vec<(i64, i64, String)> =
            on_reader!(self, pool => sqlx::query_as(&assignments_sql).fetch_all(pool).await)?;
        let needs: Vec<(i64, String)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT referral_id, need FROM needs").fetch_all(pool).await)?;
        let contacts_sql = format!(
            "SELECT id, referral_id, {}, mode, reached FROM contacts ORDER BY id",
            day("at")
        );
        let contact_rows: Vec<(i64, i64, String, String, bool)> =
            on_reader!(self, pool => sqlx::query_as(&contacts_sql).fetch_all(pool).await)?;
        let connections_sql = format!(
            "SELECT id, referral_id, {}, service_id, status FROM connections ORDER BY id",
            day("sent_at")
        );
        let connection_rows: Vec<(i64, i64, String, i64, String)> =
            on_reader!(self, pool => sqlx::query_as(&connections_sql).fetch_all(pool).await)?;
        let connection_events: Vec<(i64, String)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT connection_id, status FROM connection_events").fetch_all(pool).await)?;
        let barriers: Vec<(i64, Option<i64>, String)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT referral_id, connection_id, barrier FROM barriers").fetch_all(pool).await)?;
        let measures: Vec<(i64, String, String)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT referral_id, instrument, timing FROM measures WHERE complete").fetch_all(pool).await)?;
        let measure_values: Vec<MeasureValues> = on_reader!(self, pool => sqlx::query_as(
            MEASURE_VALUES_SQL).fetch_all(pool).await)?;
        let activations_sql = format!(
            "SELECT referral_id, MIN({}) FROM referral_events WHERE to_state = 'active' GROUP BY referral_id",
            day("at")
        );
        let activations: Vec<(i64, Option<String>)> =
            on_reader!(self, pool => sqlx::query_as(&activations_sql).fetch_all(pool).await)?;

        let index_of = |ids: Vec<i64>| -> HashMap<i64, u16> {
            ids.into_iter()
                .enumerate()
                .map(|(i, id)| (id, i as u16))
                .collect()
        };
        let practice_index = index_of(practices.iter().map(|p| p.0).collect());
        let team_index = index_of(teams.iter().map(|t| t.0).collect());
        let programme_index = index_of(programmes.iter().map(|p| p.0).collect());
        let worker_index = index_of(workers.iter().map(|w| w.0).collect());
        anyhow::ensure!(
            practices.len() < NONE as usize
                && teams.len() < NONE as usize
                && workers.len() < NONE as usize
                && programmes.len() < NONE as usize,
            "too many practices, teams, programmes or link workers for the report"
        );
        let lookup = |map: &HashMap<i64, u16>, id: Option<i64>| {
            id.and_then(|id| map.get(&id).copied()).unwrap_or(NONE)
        };
        let mut organisation_index: HashMap<String, u32> = HashMap::new();
        let mut organisations = Vec::new();
        let service_refs: Vec<ServiceRef> = services
            .iter()
            .map(|(_, name, organisation)| {
                let at = *organisation_index
                    .entry(organisation.clone())
                    .or_insert_with(|| {
                        organisations.push(organisation.clone());
                        organisations.len() as u32 - 1
                    });
                ServiceRef {
                    name: name.clone(),
                    organisation: at,
                }
            })
            .collect();
        let service_index: HashMap<i64, u32> = services
            .iter()
            .enumerate()
            .map(|(i, s)| (s.0, i as u32))
            .collect();

        // Referrals, in id order, and their people.
        let mut person_index: HashMap<i64, u32> = HashMap::new();
        let mut person_keys = Vec::new();
        let mut referral_ids = Vec::with_capacity(referral_rows.len());
        let mut referrals = Vec::with_capacity(referral_rows.len());
        let mut current_workers = Vec::with_capacity(referral_rows.len());
        for (id, person, received, kind, practice, team, state, close_reason, worker, programme) in
            referral_rows
        {
            let person = *person_index.entry(person).or_insert_with(|| {
                person_keys.push(keyed(secret, "person", person));
                person_keys.len() as u32 - 1
            });
            let received_day = day_number(&received)?;
            let ending = match state.as_str() {
                "declined" => Ending::Declined,
                "unable_to_contact" => Ending::UnableToContact,
                "closed" => Ending::Closed(
                    close_reason
                        .as_deref()
                        .and_then(close_reason_index)
                        .unwrap_or(0),
                ),
                _ => Ending::Open,
            };
            referral_ids.push(id);
            current_workers.push(worker);
            referrals.push(ReferralFact {
                key: record_key(secret, id),
                person,
                received_day,
                received_month: month_of_day(received_day),
                kind: referrer_kind_index(&kind),
                practice: lookup(&practice_index, practice),
                team: lookup(&team_index, team),
                programme: lookup(&programme_index, programme),
                needs: 0,
                first_reached_day: NEVER,
                first_reached_month: NEVER,
                ending,
                end_day: NEVER,
                end_month: NEVER,
                barriers: 0,
                outcome_pair: false,
                active_month: NEVER,
                first_connection_month: NEVER,
                change: [f32::NAN; 4],
                assignments: (0, 0),
            });
        }
        let position = |id: i64| referral_ids.binary_search(&id).ok();

        for (id, state, at) in endings {
            let Some(i) = position(id) else { continue };
            let r = &mut referrals[i];
            let matches = matches!(
                (r.ending, state.as_str()),
                (Ending::Declined, "declined")
                    | (Ending::UnableToContact, "unable_to_contact")
                    | (Ending::Closed(_), "closed")
            );
            if matches {
                let d = day_number(&at)?;
                // The last such event, should there be more than one.
                if r.end_day == NEVER || d > r.end_day {
                    r.end_day = d;
                    r.end_month = month_of_day(d);
                }
            }
        }

        let mut assignments = Vec::with_capacity(assignment_rows.len());
        let mut rows = assignment_rows.into_iter().peekable();
        for (i, r) in referrals.iter_mut().enumerate() {
            let id = referral_ids[i];
            let start = assignments.len();
            while let Some((referral, _, _)) = rows.peek() {
                if *referral < id {
                    rows.next();
                    continue;
                }
                if *referral > id {
                    break;
                }
                let (_, worker, at) = rows.next().expect("peeked");
                assignments.push(Assignment {
                    day: day_number(&at)?,
                    worker: lookup(&worker_index, Some(worker)),
                });
            }
            // A referral given a link worker without an assignment event: theirs from receipt.
            if assignments.len() == start {
                if let Some(worker) = current_workers[i] {
                    assignments.push(Assignment {
                        day: r.received_day,
                        worker: lookup(&worker_index, Some(worker)),
                    });
                }
            }
            r.assignments = (
                start as u32,
                (assignments.len() - start).min(u16::MAX as usize) as u16,
            );
        }

        for (id, need) in needs {
            if let (Some(i), Some(bit)) = (position(id), need_bit(&need)) {
                referrals[i].needs |= 1 << bit;
            }
        }

        let mut contacts = Vec::with_capacity(contact_rows.len());
        let mut supported = Vec::new();
        for (id, referral, at, mode, reached) in contact_rows {
            let Some(i) = position(referral) else {
                continue;
            };
            let day = day_number(&at)?;
            let month = month_of_day(day);
            contacts.push(ContactFact {
                key: keyed(secret, "contact", id),
                referral: i as u32,
                day,
                month,
                mode: contact_mode_index(&mode).unwrap_or(0),
                reached,
            });
            if reached {
                let r = &mut referrals[i];
                if day < r.first_reached_day {
                    r.first_reached_day = day;
                    r.first_reached_month = month;
                }
                supported.push(Supported {
                    person: r.person,
                    month,
                    team: r.team,
                    programme: r.programme,
                });
            }
        }
        supported.sort_unstable();
        supported.dedup();

        let mut statuses: HashMap<i64, u32> = HashMap::new();
        let status_bit = |s: &str| {
            ConnectionStatus::from_code(s)
                .and_then(|s| ConnectionStatus::ALL.iter().position(|a| *a == s))
                .map_or(0, |i| 1u32 << i)
        };
        for (connection, status) in connection_events {
            *statuses.entry(connection).or_default() |= status_bit(&status);
        }
        let bits =
            |all: &[ConnectionStatus]| all.iter().fold(0u32, |b, s| b | status_bit(s.code()));
        let accepted_bits = bits(&[
            ConnectionStatus::Accepted,
            ConnectionStatus::InProgress,
            ConnectionStatus::AttendedFirstSession,
            ConnectionStatus::Completed,
        ]);
        let attended_bits = bits(&[
            ConnectionStatus::AttendedFirstSession,
            ConnectionStatus::Completed,
        ]);
        let declined_bits = bits(&[ConnectionStatus::Rejected]);
        let mut connection_barriers: HashMap<i64, u32> = HashMap::new();
        for (referral, connection, barrier) in &barriers {
            let Some(bit) = barrier_bit(barrier) else {
                continue;
            };
            match connection {
                Some(c) => *connection_barriers.entry(*c).or_default() |= 1 << bit,
                None => {
                    if let Some(i) = position(*referral) {
                        referrals[i].barriers |= 1 << bit;
                    }
                }
            }
        }
        let mut connections = Vec::with_capacity(connection_rows.len());
        for (id, referral, sent, service, status) in connection_rows {
            let (Some(i), Some(&service)) = (position(referral), service_index.get(&service))
            else {
                continue;
            };
            let seen = statuses.get(&id).copied().unwrap_or(0) | status_bit(&status);
            let sent_month = month_number(NaiveDate::parse_from_str(&sent, "%Y-%m-%d")?);
            let first = &mut referrals[i].first_connection_month;
            *first = (*first).min(sent_month);
            connections.push(ConnectionFact {
                key: keyed(secret, "connection", id),
                referral: i as u32,
                sent_month,
                service,
                accepted: seen & accepted_bits != 0,
                declined: seen & declined_bits != 0,
                attended: seen & attended_bits != 0,
                barriers: connection_barriers.get(&id).copied().unwrap_or(0),
            });
        }

        // A baseline and a follow-up of the same questionnaire.
        let mut taken: HashMap<(i64, String), (bool, bool)> = HashMap::new();
        for (referral, instrument, timing) in measures {
            let entry = taken.entry((referral, instrument)).or_default();
            match timing.as_str() {
                "baseline" => entry.0 = true,
                "follow_up" => entry.1 = true,
                _ => {}
            }
        }
        for ((referral, _), (baseline, follow_up)) in taken {
            if baseline && follow_up {
                if let Some(i) = position(referral) {
                    referrals[i].outcome_pair = true;
                }
            }
        }

        for (referral, changes) in paired_changes(&measure_values) {
            if let Some(i) = position(referral) {
                referrals[i].change = changes;
            }
        }
        for (referral, day) in activations {
            if let (Some(i), Some(day)) = (position(referral), day) {
                referrals[i].active_month = month_of_day(day_number(&day)?);
            }
        }

        Ok(ActivityFacts {
            practices: practices
                .into_iter()
                .map(|(id, code, name)| Named { id, code, name })
                .collect(),
            teams: teams
                .into_iter()
                .map(|(id, name)| Named {
                    id,
                    code: id.to_string(),
                    name,
                })
                .collect(),
            programmes: programmes
                .into_iter()
                .map(|(id, name)| Named {
                    id,
                    code: id.to_string(),
                    name,
                })
                .collect(),
            workers: workers
                .into_iter()
                .map(|(id, name, team)| Worker {
                    id,
                    name,
                    pseudonym: pseudonym(secret, id),
                    team: lookup(&team_index, team),
                })
                .collect(),
            services: service_refs,
            organisations,
            person_keys,
            referrals,
            assignments,
            contacts,
            connections,
            supported,
            loaded_at,
        })
    }
}
