//! Records management: erasing a person's identifying details and casework text while
//! keeping the coded facts that aggregate reports count, and the audit chain intact.

use super::audit::append_audit;
use super::error::{StoreError, StoreResult};
use super::{on_reader, on_writer, Store};
use crate::audit::{AuditAction, AuditContext};
use chrono::{Datelike, NaiveDate, Utc};

/// What replaces erased free text.
pub const ERASED: &str = "[erased]";

impl Store {
    /// Replaces the person's name, NHS number, phone, postcode and exact date of birth with
    /// a tombstone, blanks every PRSB field (address lines, town, preferred name, gender
    /// identity, language, interpreter, communication needs, contact preferences) (keeping the birth year, sex, ethnicity, area, practice, groups and
    /// conditions, which equity reports count), and erases the free text of their casework.
    pub async fn erase_person(&self, person_id: i64, ctx: &AuditContext) -> StoreResult<()> {
        let found: Option<(NaiveDate,)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT date_of_birth FROM people WHERE id = $1 AND erased_at IS NULL").bind(person_id).fetch_optional(pool).await)?;
        let (date_of_birth,) = found.ok_or(StoreError::not_found("person"))?;
        let mid_year = NaiveDate::from_ymd_opt(date_of_birth.year(), 7, 1).unwrap_or(date_of_birth);
        let referrals = "SELECT id FROM referrals WHERE person_id = $1";
        let texts = [
            format!("UPDATE contacts SET notes = '{ERASED}', what_matters = NULL WHERE referral_id IN ({referrals})"),
            format!("UPDATE needs SET notes = '{ERASED}' WHERE referral_id IN ({referrals})"),
            format!("UPDATE goals SET description = '{ERASED}' WHERE referral_id IN ({referrals})"),
            format!("UPDATE goal_progress SET note = '{ERASED}' WHERE goal_id IN (SELECT id FROM goals WHERE referral_id IN ({referrals}))"),
            format!("UPDATE barriers SET notes = '{ERASED}' WHERE referral_id IN ({referrals})"),
            format!("UPDATE connections SET notes = '{ERASED}' WHERE referral_id IN ({referrals})"),
            format!("UPDATE connection_events SET note = '{ERASED}' WHERE connection_id IN (SELECT id FROM connections WHERE referral_id IN ({referrals}))"),
            format!("UPDATE connection_messages SET body = '{ERASED}' WHERE connection_id IN (SELECT id FROM connections WHERE referral_id IN ({referrals}))"),
            format!("UPDATE referral_events SET note = NULL WHERE referral_id IN ({referrals})"),
            format!("UPDATE appointments SET place = '{ERASED}', what_to_bring = '{ERASED}' WHERE referral_id IN ({referrals})"),
            format!("UPDATE volunteer_visits SET activity = '{ERASED}', note = '{ERASED}', meeting_place = '{ERASED}', \
                     not_happened_reason = CASE WHEN not_happened_reason IS NULL THEN NULL ELSE '{ERASED}' END WHERE referral_id IN ({referrals})"),
            format!("UPDATE concerns SET description = '{ERASED}', action_taken = '{ERASED}' WHERE referral_id IN ({referrals})"),
            format!("UPDATE referrals SET reason = '{ERASED}' WHERE person_id = $1"),
            format!("UPDATE self_referrals SET stated_nhs_number = NULL, preferred_time = '{ERASED}' WHERE referral_id IN ({referrals})"),
            // Messages not yet sent to the GP would now carry the tombstone: stop them.
            format!("UPDATE gp_outbox SET status = 'dead', last_error = 'the person was erased before it was sent' \
                     WHERE status = 'pending' AND referral_id IN ({referrals})"),
        ];
        on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            sqlx::query(
                "UPDATE people SET nhs_number = NULL, given_name = 'Erased', family_name = 'person', phone = NULL, \
                 postcode = '', date_of_birth = $1, erased_at = $2, address_line1 = NULL, address_line2 = NULL, \
                 town = NULL, preferred_name = NULL, gender_identity = NULL, preferred_language = NULL, \
                 interpreter_needed = NULL, communication_needs = NULL, written_format = NULL, \
                 preferred_contact_method = NULL, preferred_contact_times = NULL WHERE id = $3")
                .bind(mid_year).bind(Utc::now()).bind(person_id).execute(&mut *tx).await?;
            for sql in &texts {
                sqlx::query(sql).bind(person_id).execute(&mut *tx).await?;
            }
            append_audit!(tx, ctx, AuditAction::Erase, "person", Some(person_id), Some(person_id));
            tx.commit().await?;
        });
        Ok(())
    }

    /// People past retention: not yet erased, with referrals, and every referral ended
    /// (closed, declined or unable to contact) with its last event before `cutoff`.
    pub async fn people_due_for_erasure(
        &self,
        cutoff: chrono::DateTime<Utc>,
    ) -> anyhow::Result<Vec<i64>> {
        Ok(on_reader!(self, pool => sqlx::query_scalar(
            "SELECT p.id FROM people p WHERE p.erased_at IS NULL \
             AND EXISTS (SELECT 1 FROM referrals r WHERE r.person_id = p.id) \
             AND NOT EXISTS (SELECT 1 FROM referrals r WHERE r.person_id = p.id \
                 AND (r.state IN ('received', 'contacting', 'active') \
                      OR EXISTS (SELECT 1 FROM referral_events e WHERE e.referral_id = r.id AND e.at >= $1))) \
             ORDER BY p.id")
            .bind(cutoff).fetch_all(pool).await)?)
    }
}
