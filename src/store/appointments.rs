//! The diary: appointments booked against a referral, a user's diary for a stretch of time,
//! and each user's calendar feed secret (kept as its SHA-256 only).

use super::audit::append_audit;
use super::error::{Refusal, StoreError, StoreResult};
use super::referrals::ensure_still_open;
use super::scope::referral_scope_clause;
use super::{on_reader, on_writer, Store};
use crate::audit::{AuditAction, AuditContext};
use crate::auth::policy::CaseScope;
use crate::diary::{initials, Appointment, AppointmentKind, DiaryEntry, NewAppointment};
use crate::referrals::ContactMode;
use chrono::{DateTime, Utc};

const APPOINTMENT_COLUMNS: &str = "a.id, a.referral_id, r.person_id, a.kind, a.starts_at, a.duration_minutes, a.place, \
     a.mode, a.with_user_id, w.display_name, a.what_to_bring, a.booked_by, a.cancelled_at, p.given_name, p.family_name";

const APPOINTMENT_FROM: &str = "appointments a JOIN referrals r ON r.id = a.referral_id \
     JOIN people p ON p.id = r.person_id JOIN users w ON w.id = a.with_user_id";

#[derive(sqlx::FromRow)]
struct AppointmentRow {
    id: i64,
    referral_id: i64,
    person_id: i64,
    kind: String,
    starts_at: DateTime<Utc>,
    duration_minutes: i32,
    place: String,
    mode: String,
    with_user_id: i64,
    display_name: String,
    what_to_bring: String,
    booked_by: i64,
    cancelled_at: Option<DateTime<Utc>>,
    given_name: String,
    family_name: String,
}

impl AppointmentRow {
    fn into_entry(self) -> StoreResult<DiaryEntry> {
        let unknown = |what: &str, code: &str| {
            StoreError::Database(anyhow::anyhow!(
                "appointment {} has unknown {what} {code}",
                self.id
            ))
        };
        let kind =
            AppointmentKind::from_code(&self.kind).ok_or_else(|| unknown("kind", &self.kind))?;
        let mode = ContactMode::from_code(&self.mode).ok_or_else(|| unknown("mode", &self.mode))?;
        Ok(DiaryEntry {
            person_initials: initials(&self.given_name, &self.family_name),
            person_name: format!("{} {}", self.given_name, self.family_name),
            appointment: Appointment {
                id: self.id,
                referral_id: self.referral_id,
                person_id: self.person_id,
                kind,
                starts_at: self.starts_at,
                duration_minutes: self.duration_minutes,
                place: self.place,
                mode,
                with_user_id: self.with_user_id,
                with_name: self.display_name,
                what_to_bring: self.what_to_bring,
                booked_by: self.booked_by,
                cancelled_at: self.cancelled_at,
            },
        })
    }
}

/// What an appointment letter needs beyond the appointment: the person's name and the team.
pub struct LetterFacts {
    pub appointment: Appointment,
    pub person_name: String,
    pub team_name: String,
    pub team_phone: Option<String>,
}

impl Store {
    /// Books an appointment on an open referral in scope. A contact is with a link worker or
    /// team lead of the referral's team (the booker when none is named); a visit is with one
    /// of the volunteers the team may ask.
    pub async fn book_appointment(
        &self,
        referral_id: i64,
        scope: CaseScope,
        a: &NewAppointment,
        ctx: &AuditContext,
    ) -> StoreResult<Appointment> {
        let Some((clause, scope_id)) = referral_scope_clause(scope) else {
            return Err(StoreError::not_found("referral"));
        };
        let sql = format!("SELECT r.team_id FROM referrals r WHERE r.id = $1 AND {clause}");
        let with_user = a.with_user_id.unwrap_or(ctx.actor_id);
        let id = on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            let team: Option<(Option<i64>,)> = sqlx::query_as(&sql).bind(referral_id).bind(scope_id).fetch_optional(&mut *tx).await?;
            let Some((team,)) = team else {
                return Err(StoreError::not_found("referral"));
            };
            let person_id = ensure_still_open!(tx, referral_id);
            let (who, refusal) = match a.kind {
                AppointmentKind::Contact => (
                    "SELECT id FROM users WHERE id = $1 AND role IN ('link_worker', 'team_lead') AND team_id = $2 AND disabled_at IS NULL",
                    Refusal::NotTeamLinkWorker,
                ),
                AppointmentKind::Visit => (
                    "SELECT id FROM users WHERE id = $1 AND role = 'volunteer' AND (team_id = $2 OR team_id IS NULL) AND disabled_at IS NULL",
                    Refusal::NotTeamVolunteer,
                ),
            };
            let found: Option<(i64,)> = sqlx::query_as(who).bind(with_user).bind(team).fetch_optional(&mut *tx).await?;
            if found.is_none() {
                return Err(refusal.into());
            }
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO appointments (referral_id, kind, starts_at, duration_minutes, place, mode, with_user_id, \
                 what_to_bring, booked_by, booked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id")
                .bind(referral_id).bind(a.kind.code()).bind(a.starts_at).bind(a.duration_minutes).bind(&a.place)
                .bind(a.mode.code()).bind(with_user).bind(&a.what_to_bring).bind(ctx.actor_id).bind(Utc::now())
                .fetch_one(&mut *tx).await?;
            append_audit!(tx, ctx, AuditAction::Create, "appointment", Some(id), person_id);
            tx.commit().await?;
            id
        });
        let mut found = self.appointments_where("a.id = $1", id).await?;
        found
            .pop()
            .map(|e| e.appointment)
            .ok_or(StoreError::not_found("appointment"))
    }

    /// Cancels an appointment whose referral is in scope (once). It stays on file, marked,
    /// so calendars that had it are told (STATUS:CANCELLED) rather than left guessing.
    pub async fn cancel_appointment(
        &self,
        appointment_id: i64,
        scope: CaseScope,
        ctx: &AuditContext,
    ) -> StoreResult<Appointment> {
        let Some((clause, scope_id)) = referral_scope_clause(scope) else {
            return Err(StoreError::not_found("appointment"));
        };
        let sql = format!(
            "SELECT r.person_id, a.cancelled_at FROM appointments a JOIN referrals r ON r.id = a.referral_id \
             WHERE a.id = $1 AND {clause}"
        );
        on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            let found: Option<(i64, Option<DateTime<Utc>>)> = sqlx::query_as(&sql)
                .bind(appointment_id).bind(scope_id).fetch_optional(&mut *tx).await?;
            let Some((person_id, cancelled_at)) = found else {
                return Err(StoreError::not_found("appointment"));
            };
            if cancelled_at.is_some() {
                return Err(Refusal::AppointmentAlreadyCancelled.into());
            }
            sqlx::query("UPDATE appointments SET cancelled_at = $1 WHERE id = $2")
                .bind(Utc::now()).bind(appointment_id).execute(&mut *tx).await?;
            append_audit!(tx, ctx, AuditAction::Update, "appointment", Some(appointment_id), Some(person_id));
            tx.commit().await?;
        });
        let mut found = self.appointments_where("a.id = $1", appointment_id).await?;
        found
            .pop()
            .map(|e| e.appointment)
            .ok_or(StoreError::not_found("appointment"))
    }

    /// A referral's appointments, soonest first (the caller has checked the referral is in
    /// scope and audited reading it).
    pub async fn appointments_of_referral(
        &self,
        referral_id: i64,
    ) -> StoreResult<Vec<Appointment>> {
        Ok(self
            .appointments_where("a.referral_id = $1", referral_id)
            .await?
            .into_iter()
            .map(|e| e.appointment)
            .collect())
    }

    /// One appointment in scope with what its letter needs; reading it is audited.
    pub async fn appointment_letter_facts(
        &self,
        appointment_id: i64,
        scope: CaseScope,
        ctx: &AuditContext,
    ) -> StoreResult<LetterFacts> {
        let Some((clause, scope_id)) = referral_scope_clause(scope) else {
            return Err(StoreError::not_found("appointment"));
        };
        let sql = format!(
            "SELECT {APPOINTMENT_COLUMNS}, t.name AS team_name, t.phone AS team_phone FROM {APPOINTMENT_FROM} \
             LEFT JOIN teams t ON t.id = r.team_id WHERE a.id = $1 AND {clause}"
        );
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            appointment: AppointmentRow,
            team_name: Option<String>,
            team_phone: Option<String>,
        }
        let row: Option<Row> = on_reader!(self, pool => sqlx::query_as(&sql)
            .bind(appointment_id).bind(scope_id).fetch_optional(pool).await)?;
        let Some(row) = row else {
            return Err(StoreError::not_found("appointment"));
        };
        let person_name = format!(
            "{} {}",
            row.appointment.given_name, row.appointment.family_name
        );
        let entry = row.appointment.into_entry()?;
        self.audit_read(
            ctx,
            AuditAction::Read,
            "appointment_letter",
            Some(appointment_id),
            Some(entry.appointment.person_id),
        )
        .await
        .map_err(StoreError::Database)?;
        Ok(LetterFacts {
            appointment: entry.appointment,
            person_name,
            team_name: row
                .team_name
                .unwrap_or_else(|| "the social prescribing team".into()),
            team_phone: row.team_phone.filter(|p| !p.trim().is_empty()),
        })
    }

    /// A user's diary from `from` to `to`: the appointments they are at and the visits they
    /// booked for volunteers, in time order, with each person's initials. Each appointment
    /// read is audited as a list read.
    pub async fn diary(
        &self,
        user_id: i64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        ctx: &AuditContext,
    ) -> StoreResult<Vec<DiaryEntry>> {
        let sql = format!(
            "SELECT {APPOINTMENT_COLUMNS} FROM {APPOINTMENT_FROM} \
             WHERE (a.with_user_id = $1 OR (a.booked_by = $1 AND a.kind = 'visit')) \
             AND a.starts_at >= $2 AND a.starts_at < $3 ORDER BY a.starts_at, a.id"
        );
        let rows: Vec<AppointmentRow> = on_reader!(self, pool => sqlx::query_as(&sql)
            .bind(user_id).bind(from).bind(to).fetch_all(pool).await)?;
        let entries = rows
            .into_iter()
            .map(AppointmentRow::into_entry)
            .collect::<StoreResult<Vec<_>>>()?;
        let reads: Vec<(&str, Option<i64>, Option<i64>)> = entries
            .iter()
            .map(|e| {
                (
                    "appointment",
                    Some(e.appointment.id),
                    Some(e.appointment.person_id),
                )
            })
            .collect();
        self.audit_reads(ctx, &reads)
            .await
            .map_err(StoreError::Database)?;
        Ok(entries)
    }

    async fn appointments_where(&self, clause: &str, bind: i64) -> StoreResult<Vec<DiaryEntry>> {
        let sql = format!(
            "SELECT {APPOINTMENT_COLUMNS} FROM {APPOINTMENT_FROM} WHERE {clause} ORDER BY a.starts_at, a.id"
        );
        let rows: Vec<AppointmentRow> =
            on_reader!(self, pool => sqlx::query_as(&sql).bind(bind).fetch_all(pool).await)?;
        rows.into_iter().map(AppointmentRow::into_entry).collect()
    }

    /// Sets (or replaces) the user's calendar feed secret, by its hash; the old link stops
    /// working at once.
    pub async fn set_calendar_feed(
        &self,
        secret_hash: &str,
        ctx: &AuditContext,
    ) -> StoreResult<()> {
        on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            sqlx::query(
                "INSERT INTO calendar_feeds (user_id, secret_hash, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (user_id) DO UPDATE SET secret_hash = excluded.secret_hash, created_at = excluded.created_at")
                .bind(ctx.actor_id).bind(secret_hash).bind(Utc::now()).execute(&mut *tx).await?;
            append_audit!(tx, ctx, AuditAction::Create, "calendar_feed", Some(ctx.actor_id), None::<i64>);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Ends the user's calendar feed link; true if there was one.
    pub async fn revoke_calendar_feed(&self, ctx: &AuditContext) -> StoreResult<bool> {
        let removed = on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            let done = sqlx::query("DELETE FROM calendar_feeds WHERE user_id = $1")
                .bind(ctx.actor_id).execute(&mut *tx).await?.rows_affected();
            if done > 0 {
                append_audit!(tx, ctx, AuditAction::Update, "calendar_feed", Some(ctx.actor_id), None::<i64>);
            }
            tx.commit().await?;
            done > 0
        });
        Ok(removed)
    }

    /// When the user's current calendar feed link was made, if they have one.
    pub async fn calendar_feed_made(&self, user_id: i64) -> StoreResult<Option<DateTime<Utc>>> {
        let row: Option<(DateTime<Utc>,)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT created_at FROM calendar_feeds WHERE user_id = $1").bind(user_id).fetch_optional(pool).await)?;
        Ok(row.map(|r| r.0))
    }
}
