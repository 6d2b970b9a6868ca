//! Programme costs by month (migration 0037). Append-only: recording a month again adds a
//! row, and a month's figures are its latest row, so every version stays with who recorded
//! it and when; each row has its audit record in the same transaction.

use super::audit::append_audit;
use super::error::{StoreError, StoreResult};
use super::{on_reader, on_writer, Store};
use crate::audit::{AuditAction, AuditContext};
use crate::costs::{CostEntry, CostMonth, MonthCost, NewCost};
use chrono::{DateTime, Utc};

/// Only a month's latest row.
const LATEST: &str = "c.id = (SELECT MAX(x.id) FROM programme_costs x \
     WHERE x.programme_id = c.programme_id AND x.month = c.month)";

type EntryRow = (
    i64,
    i64,
    String,
    i64,
    i64,
    i64,
    String,
    String,
    DateTime<Utc>,
    i64,
);

impl Store {
    /// Records one programme's costs for a month (replacing what was recorded for it, which
    /// stays as history). The programme must exist.
    pub async fn record_programme_cost(
        &self,
        programme_id: i64,
        new: &NewCost,
        ctx: &AuditContext,
    ) -> StoreResult<CostEntry> {
        let month = new.month.code();
        on_writer!(self, pool => {
            let mut tx = pool.begin_with(crate::store::begin_statement(pool)).await?;
            let known: Option<(i64,)> = sqlx::query_as("SELECT id FROM programmes WHERE id = $1")
                .bind(programme_id).fetch_optional(&mut *tx).await?;
            if known.is_none() {
                return Err(StoreError::NotFound { what: "programme" });
            }
            let (before,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM programme_costs WHERE programme_id = $1 AND month = $2")
                .bind(programme_id).bind(&month).fetch_one(&mut *tx).await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO programme_costs (programme_id, month, staff_pence, grants_pence, other_pence, note, recorded_by, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
                .bind(programme_id).bind(&month).bind(new.staff_pence).bind(new.grants_pence)
                .bind(new.other_pence).bind(&new.note).bind(ctx.actor_id).bind(Utc::now())
                .fetch_one(&mut *tx).await?;
            let action = if before == 0 { AuditAction::Create } else { AuditAction::Update };
            append_audit!(tx, ctx, action, "programme_cost", Some(id), None::<i64>);
            tx.commit().await?;
        });
        self.programme_costs(programme_id)
            .await?
            .into_iter()
            .find(|e| e.month == month)
            .ok_or(StoreError::NotFound { what: "cost" })
    }

    /// A programme's costs as recorded now, one entry per month, newest month first.
    pub async fn programme_costs(&self, programme_id: i64) -> StoreResult<Vec<CostEntry>> {
        let sql = format!(
            "SELECT c.id, c.programme_id, c.month, c.staff_pence, c.grants_pence, c.other_pence, c.note, \
             u.display_name, c.recorded_at, \
             (SELECT COUNT(*) FROM programme_costs v WHERE v.programme_id = c.programme_id AND v.month = c.month) \
             FROM programme_costs c JOIN users u ON u.id = c.recorded_by \
             WHERE c.programme_id = $1 AND {LATEST} ORDER BY c.month DESC"
        );
        let rows: Vec<EntryRow> = on_reader!(self, pool => sqlx::query_as(&sql)
            .bind(programme_id).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(
                |(id, programme_id, month, staff, grants, other, note, by, at, versions)| {
                    CostEntry {
                        id,
                        programme_id,
                        month,
                        staff_pence: staff,
                        grants_pence: grants,
                        other_pence: other,
                        total_pence: staff + grants + other,
                        note,
                        recorded_by: by,
                        recorded_at: at,
                        versions,
                    }
                },
            )
            .collect())
    }

    /// Every programme's latest figures for the months `first` to `last`, for the report.
    pub async fn month_costs(
        &self,
        first: CostMonth,
        last: CostMonth,
    ) -> StoreResult<Vec<MonthCost>> {
        let sql = format!(
            "SELECT c.programme_id, c.month, c.staff_pence, c.grants_pence, c.other_pence \
             FROM programme_costs c WHERE c.month >= $1 AND c.month <= $2 AND {LATEST} \
             ORDER BY c.programme_id, c.month"
        );
        let rows: Vec<(i64, String, i64, i64, i64)> = on_reader!(self, pool => sqlx::query_as(&sql)
            .bind(first.code()).bind(last.code()).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .filter_map(|(programme_id, month, staff, grants, other)| {
                Some(MonthCost {
                    programme_id,
                    month: CostMonth::parse(&month)?,
                    staff_pence: staff,
                    grants_pence: grants,
                    other_pence: other,
                })
            })
            .collect())
    }
}
