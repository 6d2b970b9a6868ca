//! Approved evaluations, the facts an extract is built from, and the record of every
//! extract and refusal (with its audit record, in one transaction).

use super::audit::{append_audit, now_text};
use super::equity::utc_day;
use super::error::StoreResult;
use super::{begin_statement, on_reader, on_writer, Store};
use crate::audit::{AuditAction, AuditContext};
use crate::evaluation::table::{Episode, MeasureTaken};
use crate::evaluation::{Evaluation, ExtractRecord, NewEvaluation, Period};
use anyhow::Context;
use chrono::NaiveDate;
use std::collections::HashMap;

fn date(text: &str) -> anyhow::Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").with_context(|| format!("not a date: {text:?}"))
}

type EpisodeRow = (
    i64,
    i64,
    String,
    String,
    String,
    Option<i64>,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
);

/// Referral, instrument, timing, answers, total, metric score.
type MeasureRow = (i64, String, String, String, Option<i64>, Option<f64>);

impl Store {
    /// Stores an approval with its secret, audited.
    pub async fn create_evaluation(
        &self,
        ctx: &AuditContext,
        evaluation: &NewEvaluation,
        key_secret_hex: &str,
    ) -> StoreResult<i64> {
        on_writer!(self, pool => {
            let mut tx = pool.begin_with(begin_statement(pool)).await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO evaluations (name, evaluator, purpose, approved_until, key_secret, approved_at, approved_by_role, approved_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
                .bind(&evaluation.name).bind(&evaluation.evaluator).bind(&evaluation.purpose)
                .bind(evaluation.approved_until.to_string()).bind(key_secret_hex).bind(now_text())
                .bind(&ctx.actor_role).bind((ctx.actor_id > 0).then_some(ctx.actor_id))
                .fetch_one(&mut *tx).await?;
            append_audit!(tx, ctx, AuditAction::Create, "evaluation", Some(id), None::<i64>);
            tx.commit().await?;
            Ok(id)
        })
    }

    /// The evaluation with this name, if approved at some time.
    pub async fn evaluation_by_name(&self, name: &str) -> StoreResult<Option<Evaluation>> {
        let row: Option<(i64, String, String, String, String, String)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT id, name, evaluator, purpose, approved_until, key_secret FROM evaluations WHERE name = $1")
            .bind(name).fetch_optional(pool).await)?;
        let Some((id, name, evaluator, purpose, until, secret)) = row else {
            return Ok(None);
        };
        Ok(Some(Evaluation {
            id,
            name,
            evaluator,
            purpose,
            approved_until: date(&until)?,
            key_secret: hex::decode(secret).context("evaluation secret")?,
        }))
    }

    /// Every referral received in the period, with what happened in it. Read once for an
    /// extract; the grouped queries run over the same referrals.
    pub async fn evaluation_episodes(&self, period: Period) -> StoreResult<Vec<Episode>> {
        let backend = self.backend();
        let day = |t: &str| utc_day(backend, t);
        let in_period = format!("{} BETWEEN $1 AND $2", day("r.received_at"));
        let (from, to) = (period.from.to_string(), period.to.to_string());
        let episodes_sql = format!(
            "SELECT r.id, r.person_id, CAST(p.date_of_birth AS TEXT), p.sex, p.ethnicity, \
             CAST(COALESCE(r.imd_decile_at_referral, p.imd_decile) AS BIGINT), p.plus_groups, p.conditions, \
             r.referrer_kind, r.state, r.close_reason, {}, \
             (SELECT {} FROM contacts c WHERE c.referral_id = r.id AND c.reached), \
             (SELECT {} FROM referral_events e WHERE e.referral_id = r.id AND e.to_state IN ('closed', 'declined', 'unable_to_contact')) \
             FROM referrals r JOIN people p ON p.id = r.person_id WHERE {in_period} AND {counted} ORDER BY r.id",
            day("r.received_at"),
            day("MIN(c.at)"),
            day("MIN(e.at)"),
            counted = super::COUNTED_REFERRAL,
        );
        let rows: Vec<EpisodeRow> = on_reader!(self, pool => sqlx::query_as(&episodes_sql)
            .bind(&from).bind(&to).fetch_all(pool).await)?;
        let mut episodes = Vec::with_capacity(rows.len());
        let mut index = HashMap::with_capacity(rows.len());
        for (
            id,
            person,
            birth,
            sex,
            ethnicity,
            decile,
            plus,
            conditions,
            kind,
            state,
            reason,
            received,
            contact,
            ended,
        ) in rows
        {
            index.insert(id, episodes.len());
            episodes.push(Episode {
                referral_id: id,
                person_id: person,
                birth: date(&birth)?,
                sex,
                ethnicity,
                imd_decile: decile,
                plus_groups: plus,
                conditions,
                referrer_kind: kind,
                state,
                close_reason: reason,
                received: date(&received)?,
                first_contact: contact.as_deref().map(date).transpose()?,
                ended: ended.as_deref().map(date).transpose()?,
                needs: Vec::new(),
                contacts: Default::default(),
                connections: Default::default(),
                goals_set: 0,
                goals_met: 0,
                measures: Vec::new(),
            });
        }
        let of = |id: i64| index.get(&id).copied();

        let needs: Vec<(i64, String)> = on_reader!(self, pool => sqlx::query_as(&format!(
            "SELECT n.referral_id, n.need FROM needs n JOIN referrals r ON r.id = n.referral_id WHERE {in_period}"))
            .bind(&from).bind(&to).fetch_all(pool).await)?;
        for (id, need) in needs {
            if let Some(i) = of(id) {
                episodes[i].needs.push(need);
            }
        }
        let contacts: Vec<(i64, String, i64)> = on_reader!(self, pool => sqlx::query_as(&format!(
            "SELECT c.referral_id, c.mode, COUNT(*) FROM contacts c JOIN referrals r ON r.id = c.referral_id \
             WHERE {in_period} GROUP BY c.referral_id, c.mode"))
            .bind(&from).bind(&to).fetch_all(pool).await)?;
        for (id, mode, n) in contacts {
            if let Some(i) = of(id) {
                episodes[i].contacts.insert(mode, n);
            }
        }
        let connections: Vec<(i64, String, i64)> = on_reader!(self, pool => sqlx::query_as(&format!(
            "SELECT k.referral_id, k.status, COUNT(*) FROM connections k JOIN referrals r ON r.id = k.referral_id \
             WHERE {in_period} GROUP BY k.referral_id, k.status"))
            .bind(&from).bind(&to).fetch_all(pool).await)?;
        for (id, status, n) in connections {
            if let Some(i) = of(id) {
                episodes[i].connections.insert(status, n);
            }
        }
        // Each goal's progress in order: the last one is where it stands.
        let goals: Vec<(i64, i64, Option<i64>)> = on_reader!(self, pool => sqlx::query_as(&format!(
            "SELECT g.referral_id, g.id, CAST(gp.progress AS BIGINT) FROM goals g JOIN referrals r ON r.id = g.referral_id \
             LEFT JOIN goal_progress gp ON gp.goal_id = g.id WHERE {in_period} ORDER BY g.id, gp.at, gp.id"))
            .bind(&from).bind(&to).fetch_all(pool).await)?;
        let mut latest: Vec<(i64, Option<i64>)> = Vec::new();
        let mut last_goal = None;
        for (id, goal, progress) in goals {
            if last_goal == Some(goal) {
                if let Some(entry) = latest.last_mut() {
                    entry.1 = progress;
                }
            } else {
                latest.push((id, progress));
                last_goal = Some(goal);
            }
        }
        for (id, progress) in latest {
            if let Some(i) = of(id) {
                episodes[i].goals_set += 1;
                episodes[i].goals_met += i64::from(progress == Some(10));
            }
        }
        let measures: Vec<MeasureRow> = on_reader!(self, pool => sqlx::query_as(&format!(
            "SELECT m.referral_id, m.instrument, m.timing, m.answers, CAST(m.total AS BIGINT), CAST(m.metric_score AS DOUBLE PRECISION) \
             FROM measures m JOIN referrals r ON r.id = m.referral_id WHERE m.complete AND {in_period} \
             ORDER BY m.referral_id, m.taken_on, m.id"))
            .bind(&from).bind(&to).fetch_all(pool).await)?;
        for (id, instrument, timing, answers, total, metric) in measures {
            if let Some(i) = of(id) {
                episodes[i].measures.push(MeasureTaken {
                    instrument,
                    timing,
                    answers,
                    total,
                    metric,
                });
            }
        }
        Ok(episodes)
    }

    /// Records an extract or a refusal, and its audit record, in one transaction.
    pub async fn record_evaluation_extract(
        &self,
        ctx: &AuditContext,
        record: &ExtractRecord,
    ) -> StoreResult<i64> {
        let action = if record.written {
            AuditAction::Extract
        } else {
            AuditAction::ExtractRefused
        };
        let mut audit_ctx = ctx.clone();
        audit_ctx.purpose = record.audit_purpose();
        on_writer!(self, pool => {
            let mut tx = pool.begin_with(begin_statement(pool)).await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO evaluation_extracts (evaluation_name, evaluation_id, at, actor_role, actor_id, outcome, \
                 period_from, period_to, row_count, k_achieved, generalisations, detail) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id")
                .bind(&record.evaluation_name).bind(record.evaluation_id).bind(now_text())
                .bind(&ctx.actor_role).bind((ctx.actor_id > 0).then_some(ctx.actor_id))
                .bind(if record.written { "written" } else { "refused" })
                .bind(record.period.from.to_string()).bind(record.period.to.to_string())
                .bind(record.rows as i64).bind(record.k.map(|k| k as i64))
                .bind(record.generalisations.join("; ")).bind(&record.detail)
                .fetch_one(&mut *tx).await?;
            append_audit!(tx, audit_ctx, action, "evaluation_extract", Some(id), None::<i64>);
            tx.commit().await?;
            Ok(id)
        })
    }
}
