//! Wellbeing questionnaires recorded against a referral. Only the answers are trusted on
//! the way back: scores are recomputed by `crate::measures`, so the scoring rules have one home.

use super::audit::append_audit;
use super::error::{StoreError, StoreResult};
use super::outbox::enqueue_gp_message_in;
use super::referrals::code;
use super::{on_reader, on_writer, Store};
use crate::audit::{AuditAction, AuditContext};
use crate::auth::policy::CaseScope;
use crate::measures::{Answers, Instrument, Score};
use crate::referrals::*;
use chrono::{DateTime, NaiveDate, Utc};

impl Store {
    /// Stores a questionnaire. Incomplete ones are kept, with no score.
    pub async fn add_measure(
        &self,
        referral_id: i64,
        scope: CaseScope,
        m: &NewMeasure,
        ctx: &AuditContext,
    ) -> StoreResult<Measure> {
        let person_id = self
            .referral(referral_id, scope)
            .await?
            .ok_or(StoreError::not_found("referral"))?
            .person_id;
        let score = m.answers.score();
        let total = score.as_ref().and_then(Score::total);
        let metric = score.as_ref().and_then(Score::metric);
        let answers_json = serde_json::to_string(m.answers.items()).map_err(anyhow::Error::from)?;
        let now = Utc::now();
        let id = on_writer!(self, pool => {
            let mut tx = pool.begin_with(crate::store::begin_statement(pool)).await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO measures (referral_id, instrument, timing, taken_on, answers, complete, total, metric_score, recorded_by, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id")
                .bind(referral_id).bind(m.answers.instrument().code()).bind(m.timing.code()).bind(m.taken_on)
                .bind(answers_json).bind(m.answers.is_complete()).bind(total).bind(metric).bind(ctx.actor_id).bind(now)
                .fetch_one(&mut *tx).await?;
            // Only a complete questionnaire has a score to code.
            if m.answers.is_complete() {
                enqueue_gp_message_in!(tx, crate::outbox::OutboxEvent::Score, "measures", id, referral_id, now);
            }
            append_audit!(tx, ctx, AuditAction::Create, "measure", Some(id), Some(person_id));
            tx.commit().await?;
            id
        });
        Ok(Measure {
            id,
            referral_id,
            instrument: m.answers.instrument(),
            timing: m.timing,
            taken_on: m.taken_on,
            answers: m.answers.items().to_vec(),
            complete: m.answers.is_complete(),
            score,
            recorded_at: Some(now),
        })
    }

    /// Measures are re-scored from their stored answers, so the scoring rules have one home.
    pub async fn measures(&self, referral_id: i64) -> StoreResult<Vec<Measure>> {
        self.measures_where("m.referral_id = $1", referral_id).await
    }

    /// Measures matching `clause` (on `measures m`, one parameter `$1`).
    pub(super) async fn measures_where(
        &self,
        clause: &str,
        bind: i64,
    ) -> StoreResult<Vec<Measure>> {
        let sql = format!("SELECT m.id, m.referral_id, m.instrument, m.timing, m.taken_on, m.answers, m.recorded_at \
            FROM measures m WHERE {clause} ORDER BY m.taken_on, m.id");
        #[allow(clippy::type_complexity)]
        let rows: Vec<(
            i64,
            i64,
            String,
            String,
            NaiveDate,
            String,
            Option<DateTime<Utc>>,
        )> = on_reader!(self, pool => sqlx::query_as(&sql).bind(bind).fetch_all(pool).await)?;
        rows.into_iter()
            .map(
                |(id, referral_id, instrument, timing, taken_on, answers, recorded_at)| {
                    let instrument = code(Instrument::from_code, &instrument)?;
                    let items: Vec<Option<i64>> = serde_json::from_str(&answers)?;
                    let answers = Answers::parse(instrument, &items)?;
                    Ok(Measure {
                        id,
                        referral_id,
                        instrument,
                        timing: code(MeasureTiming::from_code, &timing)?,
                        taken_on,
                        complete: answers.is_complete(),
                        score: answers.score(),
                        answers: answers.items().to_vec(),
                        recorded_at,
                    })
                },
            )
            .collect::<anyhow::Result<_>>()
            .map_err(StoreError::from)
    }
}
