//! What the FHIR API reads and writes beyond the casework API: business identifiers of
//! referrals that came in as ServiceRequests, and referral-scoped slices of the record for
//! searches (each one query, whatever the number of referrals).

use super::error::StoreResult;
use super::referrals::{ReferralRow, REFERRAL_COLUMNS};
use super::scope::referral_ids_in_scope;
use super::{on_reader, on_writer, Store};
use crate::auth::policy::CaseScope;
use crate::referrals::{Connection, Goal, Measure, RecordedNeed, Referral};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// The referrals a search may see, with when each last changed (its latest event).
pub struct ReferralsInScope {
    pub referrals: HashMap<i64, (Referral, DateTime<Utc>)>,
    subquery: Option<(String, i64)>,
}

impl ReferralsInScope {
    /// The `IN (...)` list a child table's `referral_id` must be in (parameter `$1`), and
    /// the one row wanted, if only one is (`alias.id`).
    fn clause(&self, column: &str, only: Option<i64>) -> Option<(String, i64)> {
        let alias = column.split('.').next().unwrap_or("");
        self.subquery.as_ref().map(|(sub, bind)| {
            let one = only
                .map(|id| format!(" AND {alias}.id = {id}"))
                .unwrap_or_default();
            (format!("{column} IN ({sub}){one}"), *bind)
        })
    }
}

impl Store {
    /// The referral made for this identifier, if one was.
    pub async fn referral_for_identifier(
        &self,
        system: &str,
        value: &str,
    ) -> anyhow::Result<Option<i64>> {
        let row: Option<(i64,)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT referral_id FROM fhir_identifiers WHERE system = $1 AND value = $2")
            .bind(system).bind(value).fetch_optional(pool).await)?;
        Ok(row.map(|r| r.0))
    }

    /// Records the identifier; `false` when it was taken meanwhile.
    pub async fn save_identifier(
        &self,
        system: &str,
        value: &str,
        referral_id: i64,
    ) -> anyhow::Result<bool> {
        let inserted = on_writer!(self, pool => sqlx::query(
            "INSERT INTO fhir_identifiers (system, value, referral_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(system).bind(value).bind(referral_id).execute(pool).await.map(|done| done.rows_affected() == 1))?;
        Ok(inserted)
    }

    pub async fn identifiers_of(&self, referral_id: i64) -> anyhow::Result<Vec<(String, String)>> {
        Ok(on_reader!(self, pool => sqlx::query_as(
            "SELECT system, value FROM fhir_identifiers WHERE referral_id = $1 ORDER BY system, value")
            .bind(referral_id).fetch_all(pool).await)?)
    }

    /// Referrals the scope may read: all, one person's, or one.
    pub async fn referrals_in_scope(
        &self,
        scope: CaseScope,
        person: Option<i64>,
        only: Option<i64>,
    ) -> StoreResult<ReferralsInScope> {
        let Some((sub, bind)) = referral_ids_in_scope(scope) else {
            return Ok(ReferralsInScope {
                referrals: HashMap::new(),
                subquery: None,
            });
        };
        // The person and the referral are parsed integers, safe to write into the SQL text.
        let mut sub = sub.to_string();
        if let Some(p) = person {
            sub.push_str(&format!(" AND r.person_id = {p}"));
        }
        if let Some(id) = only {
            sub.push_str(&format!(" AND r.id = {id}"));
        }
        let sql = format!("SELECT {REFERRAL_COLUMNS} FROM referrals r WHERE r.id IN ({sub})");
        let rows: Vec<ReferralRow> =
            on_reader!(self, pool => sqlx::query_as(&sql).bind(bind).fetch_all(pool).await)?;
        let sql = format!(
            "SELECT e.referral_id, MAX(e.at) FROM referral_events e WHERE e.referral_id IN ({sub}) GROUP BY e.referral_id"
        );
        let changed: Vec<(i64, DateTime<Utc>)> =
            on_reader!(self, pool => sqlx::query_as(&sql).bind(bind).fetch_all(pool).await)?;
        let changed: HashMap<i64, DateTime<Utc>> = changed.into_iter().collect();
        let mut referrals = HashMap::with_capacity(rows.len());
        for row in rows {
            let referral = Referral::try_from(row)?;
            let at = changed
                .get(&referral.id)
                .copied()
                .unwrap_or(referral.received_at);
            referrals.insert(referral.id, (referral, at));
        }
        Ok(ReferralsInScope {
            referrals,
            subquery: Some((sub, bind)),
        })
    }

    /// Business identifiers of the referrals, by referral.
    pub async fn identifiers_in(
        &self,
        within: &ReferralsInScope,
    ) -> StoreResult<HashMap<i64, Vec<(String, String)>>> {
        let Some((clause, bind)) = within.clause("referral_id", None) else {
            return Ok(HashMap::new());
        };
        let sql = format!("SELECT referral_id, system, value FROM fhir_identifiers WHERE {clause} ORDER BY system, value");
        let rows: Vec<(i64, String, String)> =
            on_reader!(self, pool => sqlx::query_as(&sql).bind(bind).fetch_all(pool).await)?;
        let mut by_referral: HashMap<i64, Vec<(String, String)>> = HashMap::new();
        for (referral, system, value) in rows {
            by_referral
                .entry(referral)
                .or_default()
                .push((system, value));
        }
        Ok(by_referral)
    }

    pub async fn needs_in(
        &self,
        within: &ReferralsInScope,
        only: Option<i64>,
    ) -> StoreResult<Vec<RecordedNeed>> {
        match within.clause("n.referral_id", only) {
            Some((clause, bind)) => self.needs_where(&clause, bind).await,
            None => Ok(vec![]),
        }
    }

    pub async fn goals_in(
        &self,
        within: &ReferralsInScope,
        only: Option<i64>,
    ) -> StoreResult<Vec<Goal>> {
        match within.clause("g.referral_id", only) {
            Some((clause, bind)) => self.goals_where(&clause, bind).await,
            None => Ok(vec![]),
        }
    }

    pub async fn connections_in(
        &self,
        within: &ReferralsInScope,
        only: Option<i64>,
    ) -> StoreResult<Vec<Connection>> {
        match within.clause("c.referral_id", only) {
            Some((clause, bind)) => self.connections_where(&clause, bind).await,
            None => Ok(vec![]),
        }
    }

    pub async fn measures_in(
        &self,
        within: &ReferralsInScope,
        only: Option<i64>,
    ) -> StoreResult<Vec<Measure>> {
        match within.clause("m.referral_id", only) {
            Some((clause, bind)) => self.measures_where(&clause, bind).await,
            None => Ok(vec![]),
        }
    }
}
