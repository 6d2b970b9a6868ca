//! Service use around a referral (docs/service-use.md): one row per referral and window,
//! written only inside the caller's team scope, every change audited in the same
//! transaction; and the report's facts, read whole (coded, nothing identifying).

use super::audit::append_audit;
use super::equity::{record_key, RECORD_KEY_SECRET};
use super::error::{StoreError, StoreResult};
use super::scope::{referral_ids_in_scope, referral_scope_clause};
use super::{on_reader, on_writer, Store};
use crate::audit::{AuditAction, AuditContext};
use crate::auth::policy::CaseScope;
use crate::diary::london;
use crate::people::Ethnicity;
use crate::service_use::report::{ReferralUse, ServiceUseFacts};
use crate::service_use::{window_days, NewServiceUse, ServiceUse, Source, Window};
use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;

/// A referral's row as the import matches it: id, the person's NHS number (10 digits, no
/// spaces) and when it was received.
pub type ImportCandidate = (i64, String, DateTime<Utc>);

fn count(n: Option<u32>) -> Option<i32> {
    n.map(|n| n as i32)
}

fn stored_count(n: Option<i32>) -> Option<u32> {
    n.and_then(|n| u32::try_from(n).ok())
}

impl Store {
    /// A referral in scope: its person and the day (London time) it was received; or not
    /// found.
    pub async fn service_use_referral(
        &self,
        referral_id: i64,
        scope: CaseScope,
    ) -> StoreResult<(i64, NaiveDate)> {
        let Some((clause, scope_id)) = referral_scope_clause(scope) else {
            return Err(StoreError::not_found("referral"));
        };
        let sql = format!(
            "SELECT r.person_id, r.received_at FROM referrals r WHERE r.id = $1 AND {clause}"
        );
        let row: Option<(i64, DateTime<Utc>)> = on_reader!(self, pool => sqlx::query_as(&sql)
            .bind(referral_id).bind(scope_id).fetch_optional(pool).await)?;
        row.map(|(person, at)| (person, london::day_of(at)))
            .ok_or(StoreError::not_found("referral"))
    }

    /// Records each (referral, counts) in one transaction: all or none. A referral outside
    /// the scope is not found (nothing written). A count given replaces the one recorded
    /// before; a count not given is kept. Each row's creation or change is audited.
    pub async fn record_service_use(
        &self,
        entries: &[(i64, NewServiceUse)],
        scope: CaseScope,
        ctx: &AuditContext,
    ) -> StoreResult<()> {
        let Some((clause, scope_id)) = referral_scope_clause(scope) else {
            return Err(StoreError::not_found("referral"));
        };
        let find = format!("SELECT r.person_id FROM referrals r WHERE r.id = $1 AND {clause}");
        let now = Utc::now();
        let recorded_by = (ctx.actor_id > 0).then_some(ctx.actor_id);
        on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            for (referral_id, new) in entries {
                let person: Option<(i64,)> = sqlx::query_as(&find).bind(referral_id).bind(scope_id)
                    .fetch_optional(&mut *tx).await?;
                let Some((person_id,)) = person else {
                    return Err(StoreError::not_found("referral"));
                };
                let existing: Option<(i64,)> = sqlx::query_as(
                    "SELECT id FROM service_use WHERE referral_id = $1 AND window_code = $2")
                    .bind(referral_id).bind(new.window.code()).fetch_optional(&mut *tx).await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO service_use (referral_id, window_code, gp_consultations, ae_attendances, source, recorded_by, recorded_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) \
                     ON CONFLICT (referral_id, window_code) DO UPDATE SET \
                     gp_consultations = COALESCE(excluded.gp_consultations, service_use.gp_consultations), \
                     ae_attendances = COALESCE(excluded.ae_attendances, service_use.ae_attendances), \
                     source = excluded.source, recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at \
                     RETURNING id")
                    .bind(referral_id).bind(new.window.code())
                    .bind(count(new.counts.gp_consultations)).bind(count(new.counts.ae_attendances))
                    .bind(new.source.code()).bind(recorded_by).bind(now)
                    .fetch_one(&mut *tx).await?;
                let action = if existing.is_some() { AuditAction::Update } else { AuditAction::Create };
                append_audit!(tx, ctx, action, "service_use", Some(id), Some(person_id));
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// A referral's recorded windows (read, audited), or not found outside the scope.
    pub async fn service_use_of_referral(
        &self,
        referral_id: i64,
        scope: CaseScope,
        ctx: &AuditContext,
    ) -> StoreResult<Vec<ServiceUse>> {
        let (_, received) = self.service_use_referral(referral_id, scope).await?;
        type Row = (
            i64,
            String,
            Option<i32>,
            Option<i32>,
            String,
            Option<String>,
            DateTime<Utc>,
            i64,
        );
        let rows: Vec<Row> = on_reader!(self, pool => sqlx::query_as(
            "SELECT s.id, s.window_code, s.gp_consultations, s.ae_attendances, s.source, u.display_name, s.recorded_at, r.person_id \
             FROM service_use s JOIN referrals r ON r.id = s.referral_id LEFT JOIN users u ON u.id = s.recorded_by \
             WHERE s.referral_id = $1 ORDER BY s.window_code DESC")
            .bind(referral_id).fetch_all(pool).await)?;
        let mut out = Vec::with_capacity(rows.len());
        for (id, window, gp, ae, source, by, at, person_id) in rows {
            let window = Window::from_code(&window)
                .ok_or_else(|| anyhow::anyhow!("unknown window {window}"))?;
            let (from, to) = window_days(window, received);
            self.audit_read(
                ctx,
                AuditAction::Read,
                "service_use",
                Some(id),
                Some(person_id),
            )
            .await?;
            out.push(ServiceUse {
                referral_id,
                window,
                from,
                to,
                gp_consultations: stored_count(gp),
                ae_attendances: stored_count(ae),
                source: Source::from_code(&source)
                    .ok_or_else(|| anyhow::anyhow!("unknown source {source}"))?,
                recorded_by: by.unwrap_or_else(|| "the operator".into()),
                recorded_at: at,
            });
        }
        Ok(out)
    }

    /// The referrals in scope an import may match: each with its person's NHS number and
    /// when it was received. Only the scope's own referrals, so a row that matches none
    /// says nothing about anyone else's.
    pub async fn service_use_import_candidates(
        &self,
        scope: CaseScope,
    ) -> StoreResult<Vec<ImportCandidate>> {
        let Some((ids, scope_id)) = referral_ids_in_scope(scope) else {
            return Ok(Vec::new());
        };
        let sql = format!(
            "SELECT r.id, p.nhs_number, r.received_at FROM referrals r JOIN people p ON p.id = r.person_id \
             WHERE p.nhs_number IS NOT NULL AND r.id IN ({ids}) AND {}",
            super::COUNTED_REFERRAL
        );
        Ok(on_reader!(self, pool => sqlx::query_as(&sql)
            .bind(scope_id).fetch_all(pool).await)?)
    }

    /// Everything the report is computed from: each counted referral with any service use
    /// recorded, keyed and coded.
    pub async fn load_service_use_facts(&self) -> anyhow::Result<ServiceUseFacts> {
        let secret = self
            .meta(RECORD_KEY_SECRET)
            .await?
            .context("the record key secret is missing (migration 0016)")?;
        let programmes: Vec<(i64, String)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT id, name FROM programmes ORDER BY id").fetch_all(pool).await)?;
        type Row = (
            i64,
            DateTime<Utc>,
            Option<i64>,
            Option<i64>,
            Option<i32>,
            String,
            String,
            Option<i32>,
            Option<i32>,
        );
        let sql = format!(
            "SELECT r.id, r.received_at, r.team_id, r.programme_id, r.imd_decile_at_referral, p.ethnicity, \
             s.window_code, s.gp_consultations, s.ae_attendances \
             FROM service_use s JOIN referrals r ON r.id = s.referral_id JOIN people p ON p.id = r.person_id \
             WHERE {} ORDER BY r.id",
            super::COUNTED_REFERRAL
        );
        let rows: Vec<Row> = on_reader!(self, pool => sqlx::query_as(&sql).fetch_all(pool).await)?;
        let mut referrals: Vec<ReferralUse> = Vec::new();
        let mut index: HashMap<i64, usize> = HashMap::new();
        for (id, received_at, team, programme, decile, ethnicity, window, gp, ae) in rows {
            let i = *index.entry(id).or_insert_with(|| {
                referrals.push(ReferralUse {
                    key: record_key(secret.as_bytes(), id),
                    received: london::day_of(received_at),
                    team_id: team,
                    programme_id: programme,
                    imd_decile: decile.and_then(|d| u8::try_from(d).ok()),
                    ethnicity: Ethnicity::from_code(&ethnicity),
                    before: [None; 2],
                    after: [None; 2],
                });
                referrals.len() - 1
            });
            let counts = [stored_count(gp), stored_count(ae)];
            let slot = match Window::from_code(&window) {
                Some(Window::Before) => &mut referrals[i].before,
                Some(Window::After) => &mut referrals[i].after,
                None => continue,
            };
            *slot = counts;
        }
        Ok(ServiceUseFacts {
            programmes,
            referrals,
        })
    }
}
