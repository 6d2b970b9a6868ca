//! Contacts with the person (calls, meetings, attempts): the record the "unable to contact"
//! rule and follow-up dates are worked out from.

use super::audit::append_audit;
use super::error::{StoreError, StoreResult};
use super::outbox::enqueue_gp_message_in;
use super::referrals::{code, ensure_still_open};
use super::{on_reader, on_writer, Store};
use crate::audit::{AuditAction, AuditContext};
use crate::auth::policy::CaseScope;
use crate::referrals::*;
use chrono::{DateTime, Utc};

impl Store {
    pub async fn add_contact(
        &self,
        referral_id: i64,
        scope: CaseScope,
        c: &NewContact,
        ctx: &AuditContext,
    ) -> StoreResult<Contact> {
        let actor_id = ctx.actor_id;
        self.open_referral(referral_id, scope).await?;
        let id = on_writer!(self, pool => {
            let mut tx = pool.begin_with(crate::store::begin_statement(pool)).await?;
            let person_id = ensure_still_open!(tx, referral_id);
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO contacts (referral_id, at, mode, duration_minutes, reached, notes, what_matters, recorded_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
                .bind(referral_id).bind(c.at).bind(c.mode.code()).bind(c.duration_minutes).bind(c.reached)
                .bind(&c.notes).bind(&c.what_matters).bind(actor_id)
                .fetch_one(&mut *tx).await?;
            if let Some(day) = c.follow_up_on {
                sqlx::query("UPDATE referrals SET next_follow_up_on = $1 WHERE id = $2")
                    .bind(day).bind(referral_id).execute(&mut *tx).await?;
            }
            // The GP record hears of contacts where the person was seen; an unanswered
            // attempt is not coded there.
            if c.reached {
                enqueue_gp_message_in!(tx, crate::outbox::OutboxEvent::Contact, "contacts", id, referral_id, Utc::now());
            }
            append_audit!(tx, ctx, AuditAction::Create, "contact", Some(id), person_id);
            tx.commit().await?;
            id
        });
        Ok(Contact {
            id,
            referral_id,
            at: c.at,
            mode: c.mode,
            duration_minutes: c.duration_minutes,
            reached: c.reached,
            notes: c.notes.clone(),
            what_matters: c.what_matters.clone(),
            recorded_by: actor_id,
        })
    }

    pub async fn contacts(&self, referral_id: i64) -> StoreResult<Vec<Contact>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            at: DateTime<Utc>,
            mode: String,
            duration_minutes: i32,
            reached: bool,
            notes: String,
            what_matters: Option<String>,
            recorded_by: i64,
        }
        let rows: Vec<Row> = on_reader!(self, pool => sqlx::query_as(
            "SELECT id, at, mode, duration_minutes, reached, notes, what_matters, recorded_by FROM contacts WHERE referral_id = $1 ORDER BY at, id")
            .bind(referral_id).fetch_all(pool).await)?;
        rows.into_iter()
            .map(|r| {
                Ok(Contact {
                    id: r.id,
                    referral_id,
                    at: r.at,
                    mode: code(ContactMode::from_code, &r.mode)?,
                    duration_minutes: r.duration_minutes,
                    reached: r.reached,
                    notes: r.notes,
                    what_matters: r.what_matters,
                    recorded_by: r.recorded_by,
                })
            })
            .collect::<anyhow::Result<_>>()
            .map_err(StoreError::from)
    }
}
