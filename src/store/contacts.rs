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
    /// Records a contact. The referral follows the work in the same transaction, each change
    /// with its event and audit record: an unassigned referral becomes the recorder's when
    /// `take_if_unassigned` (and they are in the team holding it), and a `received` one moves
    /// to `contacting` (`referrals::moved_by_contact`).
    pub async fn add_contact(
        &self,
        referral_id: i64,
        scope: CaseScope,
        c: &NewContact,
        take_if_unassigned: bool,
        ctx: &AuditContext,
    ) -> StoreResult<ContactRecorded> {
        let actor_id = ctx.actor_id;
        self.open_referral(referral_id, scope).await?;
        let now = Utc::now();
        let (id, taken, moved_to) = on_writer!(self, pool => {
            let mut tx = pool.begin_with(crate::store::begin_statement(pool)).await?;
            let person_id = ensure_still_open!(tx, referral_id);
            let taken: Option<(i64,)> = if take_if_unassigned {
                sqlx::query_as(
                    "UPDATE referrals SET link_worker_id = $1, version = version + 1 \
                     WHERE id = $2 AND link_worker_id IS NULL \
                     AND team_id = (SELECT u.team_id FROM users u WHERE u.id = $1 AND u.role IN ('link_worker', 'team_lead')) \
                     RETURNING id")
                    .bind(actor_id).bind(referral_id).fetch_optional(&mut *tx).await?
            } else {
                None
            };
            if taken.is_some() {
                sqlx::query("INSERT INTO referral_events (referral_id, kind, link_worker_id, note, actor_id, at) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(referral_id).bind(EventKind::Assigned.code()).bind(actor_id).bind(TAKEN_AT_FIRST_CONTACT).bind(actor_id).bind(now)
                    .execute(&mut *tx).await?;
                append_audit!(tx, ctx, AuditAction::Update, "referral", Some(referral_id), person_id);
            }
            let (state,): (String,) = sqlx::query_as("SELECT state FROM referrals WHERE id = $1")
                .bind(referral_id).fetch_one(&mut *tx).await?;
            let moved_to = moved_by_contact(code(ReferralState::from_code, &state)?);
            if let Some(to) = moved_to {
                sqlx::query("UPDATE referrals SET state = $1, version = version + 1 WHERE id = $2 AND state = $3")
                    .bind(to.code()).bind(referral_id).bind(&state).execute(&mut *tx).await?;
                sqlx::query(
                    "INSERT INTO referral_events (referral_id, kind, to_state, note, actor_id, at) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(referral_id).bind(EventKind::Transition.code()).bind(to.code()).bind(MOVED_AT_FIRST_CONTACT)
                    .bind(actor_id).bind(now)
                    .execute(&mut *tx).await?;
                append_audit!(tx, ctx, AuditAction::Update, "referral", Some(referral_id), person_id);
            }
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
            (id, taken.is_some(), moved_to)
        });
        Ok(ContactRecorded {
            contact: Contact {
                id,
                referral_id,
                at: c.at,
                mode: c.mode,
                duration_minutes: c.duration_minutes,
                reached: c.reached,
                notes: c.notes.clone(),
                what_matters: c.what_matters.clone(),
                recorded_by: actor_id,
            },
            taken,
            moved_to,
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
