//! What the community capacity report is computed from: referrals open in a period with
//! their needs and barriers, and the connections sent with how far they got. Coded and
//! keyed only: no names reach the report.

use super::equity::{record_key, RECORD_KEY_SECRET};
use super::error::StoreResult;
use super::{on_reader, Store};
use crate::capacity::{OpenReferralRecord, SentConnection};
use crate::referrals::{Barrier, DeclineReason, Need};
use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;

/// Referral states that end it.
const ENDED: &str = "('closed', 'declined', 'unable_to_contact')";

impl Store {
    async fn record_key_secret(&self) -> StoreResult<String> {
        Ok(self
            .meta(RECORD_KEY_SECRET)
            .await?
            .context("the equity record key secret is missing (migration 0016)")?)
    }

    /// Referrals open at some time from `from` to `to`: received by `to` and not ended
    /// before `from`; with their needs, and the barriers recorded by `to`. With a
    /// programme, only its referrals.
    pub async fn capacity_referrals(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        programme: Option<i64>,
    ) -> StoreResult<Vec<OpenReferralRecord>> {
        let secret = self.record_key_secret().await?;
        let sql = format!(
            "SELECT r.id, r.received_at, p.date_of_birth, p.postcode, r.imd_decile_at_referral, \
             (SELECT MIN(e.at) FROM referral_events e WHERE e.referral_id = r.id AND e.to_state IN {ENDED}), \
             r.programme_id FROM referrals r JOIN people p ON p.id = r.person_id WHERE {counted} ORDER BY r.id",
            counted = super::COUNTED_REFERRAL
        );
        #[allow(clippy::type_complexity)]
        let rows: Vec<(
            i64,
            DateTime<Utc>,
            NaiveDate,
            String,
            Option<i32>,
            Option<DateTime<Utc>>,
            Option<i64>,
        )> = on_reader!(self, pool => sqlx::query_as(&sql).fetch_all(pool).await)?;
        let mut open: HashMap<i64, OpenReferralRecord> = HashMap::new();
        let mut order = Vec::new();
        for (id, received, birth, postcode, decile, ended, belongs_to) in rows {
            if received.date_naive() > to
                || ended.is_some_and(|e| e.date_naive() < from)
                || programme.is_some_and(|p| belongs_to != Some(p))
            {
                continue;
            }
            order.push(id);
            open.insert(
                id,
                OpenReferralRecord {
                    key: record_key(secret.as_bytes(), id),
                    needs: Vec::new(),
                    barriers: Vec::new(),
                    date_of_birth: Some(birth),
                    postcode,
                    imd_decile: decile.and_then(|d| u8::try_from(d).ok()),
                },
            );
        }
        let needs: Vec<(i64, String)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT referral_id, need FROM needs ORDER BY id").fetch_all(pool).await)?;
        for (id, code) in needs {
            if let (Some(r), Some(need)) = (open.get_mut(&id), Need::from_code(&code)) {
                if !r.needs.contains(&need) {
                    r.needs.push(need);
                }
            }
        }
        let barriers: Vec<(i64, String, DateTime<Utc>)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT referral_id, barrier, at FROM barriers ORDER BY id").fetch_all(pool).await)?;
        for (id, code, at) in barriers {
            if at.date_naive() > to {
                continue;
            }
            if let (Some(r), Some(barrier)) = (open.get_mut(&id), Barrier::from_code(&code)) {
                if !r.barriers.contains(&barrier) {
                    r.barriers.push(barrier);
                }
            }
        }
        Ok(order
            .into_iter()
            .filter_map(|id| open.remove(&id))
            .collect())
    }

    /// Connections sent from `from` to `to`, with whether the service accepted them, the
    /// person attended, and the service declined them (for lack of places). With a
    /// programme, only connections on its referrals.
    pub async fn capacity_connections(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        programme: Option<i64>,
    ) -> StoreResult<Vec<SentConnection>> {
        let secret = self.record_key_secret().await?;
        #[allow(clippy::type_complexity)]
        let rows: Vec<(
            i64,
            i64,
            String,
            DateTime<Utc>,
            String,
            Option<String>,
            i64,
            i64,
            Option<i64>,
        )> = on_reader!(self, pool => sqlx::query_as(
            "SELECT c.referral_id, c.service_id, s.organisation, c.sent_at, c.status, c.decline_reason, \
             (SELECT COUNT(*) FROM connection_events e WHERE e.connection_id = c.id \
              AND e.status IN ('accepted', 'in-progress', 'attended_first_session', 'completed')), \
             (SELECT COUNT(*) FROM connection_events e WHERE e.connection_id = c.id \
              AND e.status IN ('attended_first_session', 'completed')), r.programme_id \
             FROM connections c JOIN services s ON s.id = c.service_id JOIN referrals r ON r.id = c.referral_id ORDER BY c.id")
            .fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .filter(|r| (from..=to).contains(&r.3.date_naive()))
            .filter(|r| programme.is_none_or(|p| r.8 == Some(p)))
            .map(
                |(
                    referral,
                    service_id,
                    organisation,
                    sent_at,
                    status,
                    reason,
                    accepted,
                    attended,
                    _,
                )| {
                    SentConnection {
                        key: record_key(secret.as_bytes(), referral),
                        service_id,
                        organisation,
                        sent_at,
                        accepted: accepted > 0,
                        attended: attended > 0,
                        declined: status == "rejected",
                        declined_for_capacity: status == "rejected"
                            && reason.as_deref() == Some(DeclineReason::NoCapacity.code()),
                    }
                },
            )
            .collect())
    }
}
