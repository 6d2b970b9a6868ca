//! Referrals and everything recorded against them. Every write is one transaction, and
//! every change to a referral row checks the version the writer saw.

use super::audit::append_audit;
use super::scope::referral_scope_clause;
use super::{on_reader, on_writer, Store};
use crate::audit::{AuditAction, AuditContext};
use crate::auth::policy::CaseScope;
use crate::error::{AppError, AppResult};
use crate::measures::{Answers, Instrument, Score};
use crate::referrals::*;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(sqlx::FromRow)]
pub(super) struct ReferralRow {
    id: i64,
    person_id: i64,
    state: String,
    version: i64,
    referrer_kind: String,
    referred_by: i64,
    reason: String,
    link_worker_id: Option<i64>,
    close_reason: Option<String>,
    received_at: DateTime<Utc>,
    next_follow_up_on: Option<NaiveDate>,
    snomed_code: String,
}

impl TryFrom<ReferralRow> for Referral {
    type Error = anyhow::Error;
    fn try_from(r: ReferralRow) -> anyhow::Result<Referral> {
        Ok(Referral {
            id: r.id,
            person_id: r.person_id,
            state: code(ReferralState::from_code, &r.state)?,
            version: r.version,
            referrer_kind: code(ReferrerKind::from_code, &r.referrer_kind)?,
            referred_by: r.referred_by,
            reason: r.reason,
            link_worker_id: r.link_worker_id,
            close_reason: r
                .close_reason
                .as_deref()
                .map(|c| code(CloseReason::from_code, c))
                .transpose()?,
            received_at: r.received_at,
            next_follow_up_on: r.next_follow_up_on,
            snomed_code: r.snomed_code,
        })
    }
}

/// Decodes a stored code, treating an unknown one as corruption rather than guessing.
pub(super) fn code<T>(parse: fn(&str) -> Option<T>, text: &str) -> anyhow::Result<T> {
    parse(text).ok_or_else(|| anyhow::anyhow!("unknown code {text:?} in database"))
}

pub(super) const REFERRAL_COLUMNS: &str =
    "r.id, r.person_id, r.state, r.version, r.referrer_kind, r.referred_by, r.reason, \
    r.link_worker_id, r.close_reason, r.received_at, r.next_follow_up_on, r.snomed_code";

#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    kind: String,
    to_state: Option<String>,
    close_reason: Option<String>,
    link_worker_id: Option<i64>,
    snomed_code: Option<String>,
    note: Option<String>,
    actor_id: i64,
    at: DateTime<Utc>,
}

pub struct NewContact {
    pub at: DateTime<Utc>,
    pub mode: ContactMode,
    pub duration_minutes: i32,
    pub reached: bool,
    pub notes: String,
    pub what_matters: Option<String>,
    pub follow_up_on: Option<NaiveDate>,
}

pub struct NewMeasure {
    pub answers: Answers,
    pub timing: MeasureTiming,
    pub taken_on: NaiveDate,
}

pub struct NewConnection {
    pub service_id: i64,
    pub accompanied: bool,
    pub notes: String,
    /// The consent the connection rests on: always named, never "the newest one".
    pub consent: ConsentBasis,
}

/// The consent a connection is sent under: one already confirmed (chosen by the link
/// worker), or one recorded with the person in the same step, for the service's organisation.
pub enum ConsentBasis {
    Existing(i64),
    Record {
        share: Vec<crate::consent::SharedField>,
        method: crate::consent::ConsentMethod,
    },
}

#[derive(Debug, Default, Clone)]
pub struct CaseloadFilter {
    pub state: Option<ReferralState>,
    pub link_worker_id: Option<i64>,
    pub overdue_on: Option<NaiveDate>,
    /// Follow-ups due on this day.
    pub due_on: Option<NaiveDate>,
    /// Only referrals with a connection unanswered for `UNANSWERED_AFTER_DAYS`.
    pub unanswered: bool,
    /// Only open referrals no link worker holds yet.
    pub unassigned: bool,
    pub limit: i64,
    pub offset: i64,
}

/// One line of a caseload list.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct CaseloadRow {
    pub referral_id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub state: String,
    pub version: i64,
    pub link_worker_id: Option<i64>,
    pub link_worker_name: Option<String>,
    pub received_at: DateTime<Utc>,
    pub next_follow_up_on: Option<NaiveDate>,
    pub imd_decile: Option<i32>,
    /// Connections sent over `UNANSWERED_AFTER_DAYS` ago that the organisation has not
    /// answered: flagged back to the link worker.
    pub unanswered_connections: i64,
}

/// A connection still "requested" after this many days is flagged to the link worker.
pub const UNANSWERED_AFTER_DAYS: i64 = 14;

/// Inside a write transaction: confirms the referral is still open (evaluating to its
/// person's id, for the audit record), and on PostgreSQL
/// locks its row until commit (a no-op UPDATE takes the lock on both engines), so a close
/// from another request or server cannot slip in between the check and the write.
macro_rules! ensure_still_open {
    ($tx:expr, $referral_id:expr) => {{
        let open: Option<(i64,)> = sqlx::query_as(
            "UPDATE referrals SET version = version WHERE id = $1 \
             AND state IN ('received', 'contacting', 'active') RETURNING person_id",
        )
        .bind($referral_id)
        .fetch_optional(&mut *$tx)
        .await?;
        if open.is_none() {
            return Err(AppError::Conflict(
                "this referral ended while you were recording; reload it to see its state".into(),
            ));
        }
        open.map(|o| o.0)
    }};
}
pub(super) use ensure_still_open;

/// Inserts a referral and its first event (SNOMED 871731000000106) inside the caller's
/// write transaction, with its audit record; evaluates to the referral's id. The team
/// serving the person's practice holds it; failing that, the team of the person making it.
macro_rules! insert_referral_in {
    ($tx:expr, $person_id:expr, $referrer_kind:expr, $reason:expr, $received_at:expr, $ctx:expr, $actor_team:expr) => {{
        use $crate::referrals::{EventKind, ReferralState, SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING};
        let person_id: i64 = $person_id;
        let received_at: chrono::DateTime<chrono::Utc> = $received_at;
        let team: Option<(Option<i64>,)> = sqlx::query_as(
            "SELECT pr.team_id FROM people p LEFT JOIN practices pr ON pr.id = p.practice_id WHERE p.id = $1")
            .bind(person_id).fetch_optional(&mut *$tx).await?;
        let Some((team_id,)) = team else {
            return Err($crate::error::AppError::invalid_field("person_id", "Unknown person", "there is no person with this id"));
        };
        // Never a guess: with neither, the referral is refused.
        let Some(team_id) = team_id.or($actor_team) else {
            return Err($crate::error::AppError::invalid_field("person_id", "No team serves this person",
                "the person's practice is not served by a social prescribing team; record their practice first"));
        };
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO referrals (person_id, state, version, referrer_kind, referred_by, reason, team_id, received_at, snomed_code) \
             VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8) RETURNING id")
            .bind(person_id).bind(ReferralState::Received.code()).bind($referrer_kind.code()).bind($ctx.actor_id)
            .bind($reason).bind(team_id).bind(received_at).bind(SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING)
            .fetch_one(&mut *$tx).await?;
        sqlx::query(
            "INSERT INTO referral_events (referral_id, kind, to_state, snomed_code, actor_id, at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id).bind(EventKind::Created.code()).bind(ReferralState::Received.code())
            .bind(SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING).bind($ctx.actor_id).bind(received_at)
            .execute(&mut *$tx).await?;
        $crate::store::audit::append_audit!($tx, $ctx, $crate::audit::AuditAction::Create, "referral", Some(id), Some(person_id));
        id
    }};
}
pub(crate) use insert_referral_in;

/// The outcome of a versioned update: changed, gone (or out of scope), or stale.
enum Guard {
    Ok,
    Missing,
    Stale,
}

impl Store {
    /// Creates a referral and its first event (SNOMED 871731000000106) together.
    pub async fn create_referral(
        &self,
        person_id: i64,
        referrer_kind: ReferrerKind,
        reason: &str,
        ctx: &AuditContext,
        actor_team: Option<i64>,
    ) -> AppResult<Referral> {
        let id = on_writer!(self, pool => {
            let mut tx = pool.begin_with(crate::store::begin_statement(pool)).await?;
            let id = insert_referral_in!(tx, person_id, referrer_kind, reason, Utc::now(), ctx, actor_team);
            tx.commit().await?;
            id
        });
        self.referral_by_id(id).await
    }

    /// A referral whatever the scope, for callers that have checked it (or just made it).
    pub async fn referral_by_id(&self, id: i64) -> AppResult<Referral> {
        let sql = format!("SELECT {REFERRAL_COLUMNS} FROM referrals r WHERE r.id = $1");
        let row: ReferralRow =
            on_reader!(self, pool => sqlx::query_as(&sql).bind(id).fetch_one(pool).await)?;
        Ok(row.try_into()?)
    }

    /// Reads a referral within scope; out-of-scope and missing look the same.
    pub async fn referral(&self, id: i64, scope: CaseScope) -> AppResult<Option<Referral>> {
        let Some((clause, scope_id)) = referral_scope_clause(scope) else {
            return Ok(None);
        };
        let sql =
            format!("SELECT {REFERRAL_COLUMNS} FROM referrals r WHERE r.id = $1 AND {clause}");
        let row: Option<ReferralRow> = on_reader!(self, pool => sqlx::query_as(&sql).bind(id).bind(scope_id).fetch_optional(pool).await)?;
        Ok(row.map(Referral::try_from).transpose()?)
    }

    pub async fn referrals_of_person(
        &self,
        person_id: i64,
        scope: CaseScope,
    ) -> AppResult<Vec<Referral>> {
        let Some((clause, scope_id)) = referral_scope_clause(scope) else {
            return Ok(vec![]);
        };
        let sql = format!("SELECT {REFERRAL_COLUMNS} FROM referrals r WHERE r.person_id = $1 AND {clause} ORDER BY r.received_at DESC, r.id DESC");
        let rows: Vec<ReferralRow> = on_reader!(self, pool => sqlx::query_as(&sql).bind(person_id).bind(scope_id).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(Referral::try_from)
            .collect::<anyhow::Result<_>>()?)
    }

    pub async fn referral_events(&self, referral_id: i64) -> AppResult<Vec<ReferralEvent>> {
        let rows: Vec<EventRow> = on_reader!(self, pool => sqlx::query_as(
            "SELECT id, kind, to_state, close_reason, link_worker_id, snomed_code, note, actor_id, at \
             FROM referral_events WHERE referral_id = $1 ORDER BY id")
            .bind(referral_id).fetch_all(pool).await)?;
        rows.into_iter()
            .map(|r| {
                Ok(ReferralEvent {
                    id: r.id,
                    kind: code(EventKind::from_code, &r.kind)?,
                    to_state: r
                        .to_state
                        .as_deref()
                        .map(|s| code(ReferralState::from_code, s))
                        .transpose()?,
                    close_reason: r
                        .close_reason
                        .as_deref()
                        .map(|s| code(CloseReason::from_code, s))
                        .transpose()?,
                    link_worker_id: r.link_worker_id,
                    snomed_code: r.snomed_code,
                    note: r.note,
                    actor_id: r.actor_id,
                    at: r.at,
                })
            })
            .collect::<anyhow::Result<_>>()
            .map_err(AppError::from)
    }

    /// Moves a referral to a new state if the lifecycle allows it and nobody changed it
    /// since `expected_version`. The check and the write share one transaction, and the
    /// update itself re-checks the version, so two servers cannot both win.
    #[allow(clippy::too_many_arguments)]
    pub async fn transition_referral(
        &self,
        id: i64,
        scope: CaseScope,
        expected_version: i64,
        to: ReferralState,
        reason: Option<CloseReason>,
        note: Option<&str>,
        ctx: &AuditContext,
        settings: &LifecycleSettings,
    ) -> AppResult<Referral> {
        let actor_id = ctx.actor_id;
        let Some((clause, scope_id)) = referral_scope_clause(scope) else {
            return Err(AppError::NotFound("referral"));
        };
        let select = format!(
            "SELECT r.state, r.version, r.person_id FROM referrals r WHERE r.id = $1 AND {clause}"
        );
        let now = Utc::now();
        let guard = on_writer!(self, pool => {
            let mut tx = pool.begin_with(crate::store::begin_statement(pool)).await?;
            let current: Option<(String, i64, i64)> = sqlx::query_as(&select).bind(id).bind(scope_id).fetch_optional(&mut *tx).await?;
            let Some((state, version, person_id)) = current else { return Err(AppError::NotFound("referral")) };
            // Lock the row at the version the writer saw before reading anything else: a
            // concurrent writer waits here, then finds the version moved on (409), rather
            // than judging its change against state it never saw.
            let locked: Option<(i64,)> = if version == expected_version {
                sqlx::query_as("UPDATE referrals SET version = version WHERE id = $1 AND version = $2 RETURNING id")
                    .bind(id).bind(expected_version).fetch_optional(&mut *tx).await?
            } else {
                None
            };
            if locked.is_none() {
                Guard::Stale
            } else {
                // The lifecycle checks the state the events derive, not the projection column.
                let last: Option<(String,)> = sqlx::query_as(
                    "SELECT to_state FROM referral_events WHERE referral_id = $1 AND to_state IS NOT NULL ORDER BY id DESC LIMIT 1")
                    .bind(id).fetch_optional(&mut *tx).await?;
                let from = match last {
                    Some((derived,)) => code(ReferralState::from_code, &derived)?,
                    None => code(ReferralState::from_code, &state)?,
                };
                let (attempts,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM contacts WHERE referral_id = $1 AND reached = $2")
                    .bind(id).bind(false).fetch_one(&mut *tx).await?;
                check_transition(from, to, reason, attempts as u32, settings)
                    .map_err(|e| AppError::validation("Transition not allowed", e.to_string()))?;
                let updated = sqlx::query(
                    "UPDATE referrals SET state = $1, close_reason = $2, version = version + 1 WHERE id = $3 AND version = $4")
                    .bind(to.code()).bind(reason.map(CloseReason::code)).bind(id).bind(expected_version)
                    .execute(&mut *tx).await?;
                if updated.rows_affected() == 0 {
                    Guard::Stale
                } else {
                    let snomed = (to == ReferralState::Declined).then_some(SNOMED_SOCIAL_PRESCRIBING_DECLINED);
                    sqlx::query(
                        "INSERT INTO referral_events (referral_id, kind, to_state, close_reason, snomed_code, note, actor_id, at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                        .bind(id).bind(EventKind::Transition.code()).bind(to.code()).bind(reason.map(CloseReason::code))
                        .bind(snomed).bind(note).bind(actor_id).bind(now)
                        .execute(&mut *tx).await?;
                    append_audit!(tx, ctx, AuditAction::Update, "referral", Some(id), Some(person_id));
                    tx.commit().await?;
                    Guard::Ok
                }
            }
        });
        self.finish_guarded(id, guard).await
    }

    async fn finish_guarded(&self, id: i64, guard: Guard) -> AppResult<Referral> {
        match guard {
            Guard::Ok => self.referral_by_id(id).await,
            Guard::Missing => Err(AppError::NotFound("referral")),
            Guard::Stale => Err(AppError::Conflict(
                "this referral was changed by someone else since you read it; reload it and try again".into(),
            )),
        }
    }

    /// Gives the referral to a link worker in the same team.
    pub async fn assign_referral(
        &self,
        id: i64,
        scope: CaseScope,
        expected_version: i64,
        link_worker_id: i64,
        ctx: &AuditContext,
    ) -> AppResult<Referral> {
        let actor_id = ctx.actor_id;
        let Some((clause, scope_id)) = referral_scope_clause(scope) else {
            return Err(AppError::NotFound("referral"));
        };
        let select = format!(
            "SELECT r.version, r.team_id, r.state, r.person_id FROM referrals r WHERE r.id = $1 AND {clause}"
        );
        let now = Utc::now();
        let guard = on_writer!(self, pool => {
            let mut tx = pool.begin_with(crate::store::begin_statement(pool)).await?;
            let current: Option<(i64, Option<i64>, String, i64)> = sqlx::query_as(&select).bind(id).bind(scope_id).fetch_optional(&mut *tx).await?;
            match current {
                None => Guard::Missing,
                Some((version, _, _, _)) if version != expected_version => Guard::Stale,
                Some((_, team, state, person_id)) => {
                    if !code(ReferralState::from_code, &state)?.is_open() {
                        return Err(AppError::validation("Referral has ended", "an ended referral cannot be reassigned"));
                    }
                    let member: Option<(i64,)> = sqlx::query_as(
                        "SELECT id FROM users WHERE id = $1 AND team_id = $2 AND role IN ('link_worker', 'team_lead')")
                        .bind(link_worker_id).bind(team).fetch_optional(&mut *tx).await?;
                    if member.is_none() {
                        return Err(AppError::invalid_field("link_worker_id", "Not a link worker in this team",
                            "a referral can only be assigned to a link worker or team lead of the team that holds it"));
                    }
                    let updated = sqlx::query("UPDATE referrals SET link_worker_id = $1, version = version + 1 WHERE id = $2 AND version = $3")
                        .bind(link_worker_id).bind(id).bind(expected_version).execute(&mut *tx).await?;
                    if updated.rows_affected() == 0 {
                        Guard::Stale
                    } else {
                        sqlx::query("INSERT INTO referral_events (referral_id, kind, link_worker_id, actor_id, at) VALUES ($1, $2, $3, $4, $5)")
                            .bind(id).bind(EventKind::Assigned.code()).bind(link_worker_id).bind(actor_id).bind(now)
                            .execute(&mut *tx).await?;
                        append_audit!(tx, ctx, AuditAction::Update, "referral", Some(id), Some(person_id));
                        tx.commit().await?;
                        Guard::Ok
                    }
                }
            }
        });
        self.finish_guarded(id, guard).await
    }

    /// Checks that the referral exists in scope and is still open for casework.
    async fn open_referral(&self, id: i64, scope: CaseScope) -> AppResult<Referral> {
        let referral = self
            .referral(id, scope)
            .await?
            .ok_or(AppError::NotFound("referral"))?;
        if !referral.state.is_open() {
            return Err(AppError::validation(
                "Referral has ended",
                format!(
                    "this referral is {}; nothing more can be recorded against it",
                    referral.state
                ),
            ));
        }
        Ok(referral)
    }

    pub async fn add_contact(
        &self,
        referral_id: i64,
        scope: CaseScope,
        c: &NewContact,
        ctx: &AuditContext,
    ) -> AppResult<Contact> {
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

    pub async fn contacts(&self, referral_id: i64) -> AppResult<Vec<Contact>> {
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
            .map_err(AppError::from)
    }

    pub async fn add_need(
        &self,
        referral_id: i64,
        scope: CaseScope,
        need: Need,
        notes: &str,
        ctx: &AuditContext,
    ) -> AppResult<RecordedNeed> {
        self.open_referral(referral_id, scope).await?;
        let now = Utc::now();
        let id = on_writer!(self, pool => {
            let mut tx = pool.begin_with(crate::store::begin_statement(pool)).await?;
            let person_id = ensure_still_open!(tx, referral_id);
            let (id,): (i64,) = sqlx::query_as("INSERT INTO needs (referral_id, need, notes, recorded_at) VALUES ($1, $2, $3, $4) RETURNING id")
                .bind(referral_id).bind(need.code()).bind(notes).bind(now).fetch_one(&mut *tx).await?;
            append_audit!(tx, ctx, AuditAction::Create, "need", Some(id), person_id);
            tx.commit().await?;
            id
        });
        Ok(RecordedNeed {
            id,
            referral_id,
            need,
            gravity_category: need.gravity_category().map(str::to_string),
            notes: notes.to_string(),
            recorded_at: Some(now),
        })
    }

    pub async fn needs(&self, referral_id: i64) -> AppResult<Vec<RecordedNeed>> {
        self.needs_where("n.referral_id = $1", referral_id).await
    }

    /// Needs matching `clause` (on `needs n`, one parameter `$1`).
    pub(super) async fn needs_where(
        &self,
        clause: &str,
        bind: i64,
    ) -> AppResult<Vec<RecordedNeed>> {
        let sql = format!("SELECT n.id, n.referral_id, n.need, n.notes, n.recorded_at FROM needs n WHERE {clause} ORDER BY n.id");
        #[allow(clippy::type_complexity)]
        let rows: Vec<(i64, i64, String, String, Option<DateTime<Utc>>)> =
            on_reader!(self, pool => sqlx::query_as(&sql).bind(bind).fetch_all(pool).await)?;
        rows.into_iter()
            .map(|(id, referral_id, n, notes, recorded_at)| {
                let need = code(Need::from_code, &n)?;
                Ok(RecordedNeed {
                    id,
                    referral_id,
                    need,
                    gravity_category: need.gravity_category().map(str::to_string),
                    notes,
                    recorded_at,
                })
            })
            .collect::<anyhow::Result<_>>()
            .map_err(AppError::from)
    }

    pub async fn add_goal(
        &self,
        referral_id: i64,
        scope: CaseScope,
        description: &str,
        need: Option<Need>,
        ctx: &AuditContext,
    ) -> AppResult<Goal> {
        let actor_id = ctx.actor_id;
        self.open_referral(referral_id, scope).await?;
        let now = Utc::now();
        let id = on_writer!(self, pool => {
            let mut tx = pool.begin_with(crate::store::begin_statement(pool)).await?;
            let person_id = ensure_still_open!(tx, referral_id);
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO goals (referral_id, description, need, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
                .bind(referral_id).bind(description).bind(need.map(Need::code)).bind(now).fetch_one(&mut *tx).await?;
            sqlx::query("INSERT INTO goal_progress (goal_id, progress, note, at, recorded_by) VALUES ($1, 0, $2, $3, $4)")
                .bind(id).bind("goal agreed").bind(now).bind(actor_id).execute(&mut *tx).await?;
            append_audit!(tx, ctx, AuditAction::Create, "goal", Some(id), person_id);
            tx.commit().await?;
            id
        });
        self.goal(id).await
    }

    /// Records progress (0-10) on a goal whose referral is in scope and open.
    pub async fn add_goal_progress(
        &self,
        goal_id: i64,
        scope: CaseScope,
        progress: i32,
        note: &str,
        ctx: &AuditContext,
    ) -> AppResult<Goal> {
        let actor_id = ctx.actor_id;
        let found: Option<(i64,)> = on_reader!(self, pool => sqlx::query_as("SELECT referral_id FROM goals WHERE id = $1")
            .bind(goal_id).fetch_optional(pool).await)?;
        let (referral_id,) = found.ok_or(AppError::NotFound("goal"))?;
        self.open_referral(referral_id, scope)
            .await
            .map_err(|e| match e {
                AppError::NotFound(_) => AppError::NotFound("goal"),
                other => other,
            })?;
        on_writer!(self, pool => {
            let mut tx = pool.begin_with(crate::store::begin_statement(pool)).await?;
            let person_id = ensure_still_open!(tx, referral_id);
            sqlx::query("INSERT INTO goal_progress (goal_id, progress, note, at, recorded_by) VALUES ($1, $2, $3, $4, $5)")
                .bind(goal_id).bind(progress).bind(note).bind(Utc::now()).bind(actor_id).execute(&mut *tx).await?;
            append_audit!(tx, ctx, AuditAction::Update, "goal", Some(goal_id), person_id);
            tx.commit().await?;
        });
        self.goal(goal_id).await
    }

    async fn goal(&self, id: i64) -> AppResult<Goal> {
        let mut goals = self.goals_where("g.id = $1", id).await?;
        goals.pop().ok_or(AppError::NotFound("goal"))
    }

    pub async fn goals(&self, referral_id: i64) -> AppResult<Vec<Goal>> {
        self.goals_where("g.referral_id = $1", referral_id).await
    }

    pub(super) async fn goals_where(&self, clause: &str, id: i64) -> AppResult<Vec<Goal>> {
        let sql = format!(
            "SELECT g.id, g.referral_id, g.description, g.need, p.progress, p.note, p.at FROM goals g \
             JOIN goal_progress p ON p.goal_id = g.id WHERE {clause} ORDER BY g.id, p.at, p.id");
        #[allow(clippy::type_complexity)]
        let rows: Vec<(i64, i64, String, Option<String>, i32, String, DateTime<Utc>)> =
            on_reader!(self, pool => sqlx::query_as(&sql).bind(id).fetch_all(pool).await)?;
        let mut goals: Vec<Goal> = Vec::new();
        for (id, referral_id, description, need, progress, note, at) in rows {
            if goals.last().map(|g| g.id) != Some(id) {
                goals.push(Goal {
                    id,
                    referral_id,
                    description,
                    need: need
                        .as_deref()
                        .map(|n| code(Need::from_code, n))
                        .transpose()?,
                    progress,
                    progress_history: vec![],
                });
            }
            let goal = goals.last_mut().expect("pushed above");
            goal.progress = progress;
            goal.progress_history
                .push(GoalProgress { progress, note, at });
        }
        Ok(goals)
    }

    pub async fn add_barrier(
        &self,
        referral_id: i64,
        scope: CaseScope,
        barrier: Barrier,
        connection_id: Option<i64>,
        notes: &str,
        ctx: &AuditContext,
    ) -> AppResult<RecordedBarrier> {
        let person_id = self
            .referral(referral_id, scope)
            .await?
            .ok_or(AppError::NotFound("referral"))?
            .person_id;
        if let Some(cid) = connection_id {
            let found: Option<(i64,)> = on_reader!(self, pool => sqlx::query_as("SELECT id FROM connections WHERE id = $1 AND referral_id = $2")
                .bind(cid).bind(referral_id).fetch_optional(pool).await)?;
            if found.is_none() {
                return Err(AppError::invalid_field(
                    "connection_id",
                    "Unknown connection",
                    "this referral has no connection with that id",
                ));
            }
        }
        let at = Utc::now();
        let id = on_writer!(self, pool => {
            let mut tx = pool.begin_with(crate::store::begin_statement(pool)).await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO barriers (referral_id, barrier, connection_id, notes, at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                .bind(referral_id).bind(barrier.code()).bind(connection_id).bind(notes).bind(at).bind(ctx.actor_id)
                .fetch_one(&mut *tx).await?;
            append_audit!(tx, ctx, AuditAction::Create, "barrier", Some(id), Some(person_id));
            tx.commit().await?;
            id
        });
        Ok(RecordedBarrier {
            id,
            referral_id,
            barrier,
            connection_id,
            notes: notes.to_string(),
            at,
        })
    }

    pub async fn barriers(&self, referral_id: i64) -> AppResult<Vec<RecordedBarrier>> {
        #[allow(clippy::type_complexity)]
        let rows: Vec<(i64, String, Option<i64>, String, DateTime<Utc>)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT id, barrier, connection_id, notes, at FROM barriers WHERE referral_id = $1 ORDER BY id")
            .bind(referral_id).fetch_all(pool).await)?;
        rows.into_iter()
            .map(|(id, b, connection_id, notes, at)| {
                Ok(RecordedBarrier {
                    id,
                    referral_id,
                    barrier: code(Barrier::from_code, &b)?,
                    connection_id,
                    notes,
                    at,
                })
            })
            .collect::<anyhow::Result<_>>()
            .map_err(AppError::from)
    }

    /// Stores a questionnaire. Incomplete ones are kept, with no score.
    pub async fn add_measure(
        &self,
        referral_id: i64,
        scope: CaseScope,
        m: &NewMeasure,
        ctx: &AuditContext,
    ) -> AppResult<Measure> {
        let person_id = self
            .referral(referral_id, scope)
            .await?
            .ok_or(AppError::NotFound("referral"))?
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
    pub async fn measures(&self, referral_id: i64) -> AppResult<Vec<Measure>> {
        self.measures_where("m.referral_id = $1", referral_id).await
    }

    /// Measures matching `clause` (on `measures m`, one parameter `$1`).
    pub(super) async fn measures_where(&self, clause: &str, bind: i64) -> AppResult<Vec<Measure>> {
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
            .map_err(AppError::from)
    }

    pub async fn create_service(
        &self,
        name: &str,
        organisation: &str,
        description: &str,
    ) -> AppResult<Service> {
        let (id,): (i64,) = on_writer!(self, pool => sqlx::query_as(
            "INSERT INTO services (name, organisation, description) VALUES ($1, $2, $3) RETURNING id")
            .bind(name).bind(organisation).bind(description).fetch_one(pool).await)?;
        self.bump_directory_version().await?;
        Ok(Service {
            id,
            name: name.into(),
            organisation: organisation.into(),
            description: description.into(),
        })
    }

    pub async fn services(&self) -> AppResult<Vec<Service>> {
        let rows: Vec<(i64, String, String, String)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT id, name, organisation, description FROM services ORDER BY name, id").fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(|(id, name, organisation, description)| Service {
                id,
                name,
                organisation,
                description,
            })
            .collect())
    }

    /// The organisation running a service (whose consent a connection needs).
    pub async fn service_organisation(&self, service_id: i64) -> AppResult<Option<String>> {
        let row: Option<(String,)> = on_reader!(self, pool => sqlx::query_as("SELECT organisation FROM services WHERE id = $1")
            .bind(service_id).fetch_optional(pool).await)?;
        Ok(row.map(|r| r.0))
    }

    pub async fn add_connection(
        &self,
        referral_id: i64,
        scope: CaseScope,
        c: &NewConnection,
        ctx: &AuditContext,
    ) -> AppResult<Connection> {
        let actor_id = ctx.actor_id;
        self.open_referral(referral_id, scope).await?;
        let now = Utc::now();
        let id = on_writer!(self, pool => {
            let mut tx = pool.begin_with(crate::store::begin_statement(pool)).await?;
            let person_id = ensure_still_open!(tx, referral_id);
            let service: Option<(String,)> = sqlx::query_as("SELECT organisation FROM services WHERE id = $1")
                .bind(c.service_id).fetch_optional(&mut *tx).await?;
            let Some((organisation,)) = service else {
                return Err(AppError::invalid_field("service_id", "Unknown service", "there is no service with this id"));
            };
            // Nothing is sent to an organisation without the person's consent to share with
            // it: the consent named, confirmed, in force, for this person and organisation,
            // and recorded by the team holding this referral (or before consents named one).
            let consent_id = match &c.consent {
                ConsentBasis::Existing(id) => {
                    let usable: Option<(i64,)> = sqlx::query_as(
                        "SELECT k.id FROM consents k WHERE k.id = $1 AND k.person_id = $2 AND k.organisation = $3 \
                         AND k.withdrawn_at IS NULL AND k.status = 'active' AND (k.referral_id IS NULL OR k.referral_id IN \
                         (SELECT o.id FROM referrals o JOIN referrals r ON r.id = $4 WHERE o.team_id = r.team_id))")
                        .bind(id).bind(person_id).bind(&organisation).bind(referral_id).fetch_optional(&mut *tx).await?;
                    let Some((id,)) = usable else {
                        return Err(AppError::invalid_field("consent_id", "Consent needed",
                            format!("name a confirmed consent of this person to share with {organisation}, or record one")));
                    };
                    id
                }
                ConsentBasis::Record { share, method } => {
                    let (id,): (i64,) = sqlx::query_as(
                        "INSERT INTO consents (person_id, organisation, share_fields, method, given_at, recorded_by, status, referral_id) \
                         VALUES ($1, $2, $3, $4, $5, $6, 'active', $7) RETURNING id")
                        .bind(person_id).bind(&organisation).bind(crate::people::join_codes(share, crate::consent::SharedField::code))
                        .bind(method.code()).bind(now).bind(actor_id).bind(referral_id).fetch_one(&mut *tx).await?;
                    append_audit!(tx, ctx, AuditAction::Create, "consent", Some(id), person_id);
                    id
                }
            };
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO connections (referral_id, service_id, status, accompanied, sent_at, status_at, notes, created_by, consent_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id")
                .bind(referral_id).bind(c.service_id).bind(ConnectionStatus::Requested.code()).bind(c.accompanied)
                .bind(now).bind(now).bind(&c.notes).bind(actor_id).bind(consent_id).fetch_one(&mut *tx).await?;
            sqlx::query("INSERT INTO connection_events (connection_id, status, note, actor_id, at) VALUES ($1, $2, $3, $4, $5)")
                .bind(id).bind(ConnectionStatus::Requested.code()).bind("").bind(actor_id).bind(now).execute(&mut *tx).await?;
            append_audit!(tx, ctx, AuditAction::Create, "connection", Some(id), person_id);
            tx.commit().await?;
            id
        });
        self.connection(id).await
    }

    /// Moves a connection along the Task workflow, within the referral's scope.
    pub async fn set_connection_status(
        &self,
        connection_id: i64,
        scope: CaseScope,
        to: ConnectionStatus,
        note: &str,
        ctx: &AuditContext,
    ) -> AppResult<Connection> {
        let current = self.connection(connection_id).await?;
        let person_id = self
            .referral(current.referral_id, scope)
            .await?
            .ok_or(AppError::NotFound("connection"))?
            .person_id;
        self.write_connection_status(current, person_id, to, note, ctx)
            .await
    }

    /// A community organisation answers a connection sent to it: only connections to its
    /// own services, shared under a consent still in force (others are not found).
    pub async fn organisation_sets_connection_status(
        &self,
        connection_id: i64,
        organisation: &str,
        to: ConnectionStatus,
        note: &str,
        ctx: &AuditContext,
    ) -> AppResult<Connection> {
        let found: Option<(i64,)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT r.person_id FROM connections c JOIN services s ON s.id = c.service_id \
             JOIN consents k ON k.id = c.consent_id AND k.withdrawn_at IS NULL AND k.status = 'active' AND k.organisation = s.organisation \
             JOIN referrals r ON r.id = c.referral_id WHERE c.id = $1 AND s.organisation = $2")
            .bind(connection_id).bind(organisation).fetch_optional(pool).await)?;
        let (person_id,) = found.ok_or(AppError::NotFound("connection"))?;
        let current = self.connection(connection_id).await?;
        self.write_connection_status(current, person_id, to, note, ctx)
            .await
    }

    async fn write_connection_status(
        &self,
        current: Connection,
        person_id: i64,
        to: ConnectionStatus,
        note: &str,
        ctx: &AuditContext,
    ) -> AppResult<Connection> {
        let connection_id = current.id;
        check_connection_status(current.status, to)
            .map_err(|e| AppError::validation("Status change not allowed", e))?;
        let now = Utc::now();
        let changed = on_writer!(self, pool => {
            let mut tx = pool.begin_with(crate::store::begin_statement(pool)).await?;
            let updated = sqlx::query("UPDATE connections SET status = $1, status_at = $2 WHERE id = $3 AND status = $4")
                .bind(to.code()).bind(now).bind(connection_id).bind(current.status.code()).execute(&mut *tx).await?;
            if updated.rows_affected() == 1 {
                sqlx::query("INSERT INTO connection_events (connection_id, status, note, actor_id, at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(connection_id).bind(to.code()).bind(note).bind(ctx.actor_id).bind(now).execute(&mut *tx).await?;
                append_audit!(tx, ctx, AuditAction::Update, "connection", Some(connection_id), Some(person_id));
                tx.commit().await?;
                true
            } else {
                false
            }
        });
        if !changed {
            return Err(AppError::Conflict(
                "this connection was changed by someone else; reload it and try again".into(),
            ));
        }
        self.connection(connection_id).await
    }

    /// A connection by id, for callers that check scope themselves.
    pub async fn connection_by_id(&self, id: i64) -> AppResult<Connection> {
        self.connection(id).await
    }

    /// The person a referral is for (callers have checked scope).
    pub async fn person_of_referral(&self, referral_id: i64) -> AppResult<i64> {
        let row: Option<(i64,)> = on_reader!(self, pool => sqlx::query_as("SELECT person_id FROM referrals WHERE id = $1")
            .bind(referral_id).fetch_optional(pool).await)?;
        row.map(|r| r.0).ok_or(AppError::NotFound("referral"))
    }

    async fn connection(&self, id: i64) -> AppResult<Connection> {
        let mut rows = self.connections_where("c.id = $1", id).await?;
        rows.pop().ok_or(AppError::NotFound("connection"))
    }

    pub async fn connections(&self, referral_id: i64) -> AppResult<Vec<Connection>> {
        self.connections_where("c.referral_id = $1", referral_id)
            .await
    }

    pub(super) async fn connections_where(
        &self,
        clause: &str,
        id: i64,
    ) -> AppResult<Vec<Connection>> {
        let sql = format!(
            "SELECT c.id, c.referral_id, c.service_id, s.name, c.status, c.accompanied, c.sent_at, c.status_at, c.notes \
             FROM connections c JOIN services s ON s.id = c.service_id WHERE {clause} ORDER BY c.id");
        #[allow(clippy::type_complexity)]
        let rows: Vec<(
            i64,
            i64,
            i64,
            String,
            String,
            bool,
            DateTime<Utc>,
            DateTime<Utc>,
            String,
        )> = on_reader!(self, pool => sqlx::query_as(&sql).bind(id).fetch_all(pool).await)?;
        rows.into_iter()
            .map(
                |(
                    id,
                    referral_id,
                    service_id,
                    service_name,
                    status,
                    accompanied,
                    sent_at,
                    status_at,
                    notes,
                )| {
                    Ok(Connection {
                        id,
                        referral_id,
                        service_id,
                        service_name,
                        status: code(ConnectionStatus::from_code, &status)?,
                        accompanied,
                        sent_at,
                        status_at,
                        notes,
                    })
                },
            )
            .collect::<anyhow::Result<_>>()
            .map_err(AppError::from)
    }

    /// A caseload list within scope, newest first, with optional filters.
    pub async fn caseload(
        &self,
        scope: CaseScope,
        filter: &CaseloadFilter,
    ) -> AppResult<Vec<CaseloadRow>> {
        let Some((clause, scope_id)) = referral_scope_clause(scope) else {
            return Ok(vec![]);
        };
        let open: Vec<&str> = ReferralState::ALL
            .iter()
            .filter(|s| s.is_open())
            .map(|s| s.code())
            .collect();
        // A referrer sees what they sent and where the referral stands: the name only of
        // people they registered (the family name they matched otherwise), and nothing the
        // team recorded (follow-ups, connections) or derived from another's record.
        let (name, follow_up, imd, unanswered_count) = if matches!(scope, CaseScope::MadeBy(_)) {
            (
                "CASE WHEN p.created_by = $2 THEN p.given_name || ' ' || p.family_name ELSE p.family_name END",
                "CAST(NULL AS DATE)",
                "CASE WHEN p.created_by = $2 THEN p.imd_decile END",
                "(SELECT COUNT(*) FROM connections k WHERE 1 = 0 AND k.sent_at < $7)",
            )
        } else {
            (
                "p.given_name || ' ' || p.family_name",
                "r.next_follow_up_on",
                "p.imd_decile",
                "(SELECT COUNT(*) FROM connections k WHERE k.referral_id = r.id AND k.status = 'requested' AND k.sent_at < $7)",
            )
        };
        let sql = format!(
            "SELECT r.id AS referral_id, p.id AS person_id, {name} AS person_name, \
             r.state, r.version, r.link_worker_id, u.display_name AS link_worker_name, r.received_at, {follow_up} AS next_follow_up_on, \
             {imd} AS imd_decile, {unanswered_count} AS unanswered_connections \
             FROM referrals r JOIN people p ON p.id = r.person_id LEFT JOIN users u ON u.id = r.link_worker_id \
             WHERE {clause} \
             AND ($1 IS NULL OR r.state = $1) \
             AND ($3 IS NULL OR r.link_worker_id = $3) \
             AND ($4 IS NULL OR (r.next_follow_up_on < $4 AND r.state IN ('{open}'))) \
             AND ($8 IS NULL OR (r.next_follow_up_on = $8 AND r.state IN ('{open}'))) \
             {unanswered}{unassigned} \
             ORDER BY r.received_at DESC, r.id DESC LIMIT $5 OFFSET $6",
            open = open.join("', '"),
            unanswered = if filter.unanswered {
                "AND EXISTS (SELECT 1 FROM connections k WHERE k.referral_id = r.id AND k.status = 'requested' AND k.sent_at < $7) "
            } else {
                ""
            },
            unassigned = if filter.unassigned {
                format!("AND r.link_worker_id IS NULL AND r.state IN ('{}') ", open.join("', '"))
            } else {
                String::new()
            },
        );
        Ok(on_reader!(self, pool => sqlx::query_as(&sql)
            .bind(filter.state.map(ReferralState::code))
            .bind(scope_id)
            .bind(filter.link_worker_id)
            .bind(filter.overdue_on)
            .bind(filter.limit).bind(filter.offset)
            .bind(Utc::now() - chrono::Duration::days(UNANSWERED_AFTER_DAYS))
            .bind(filter.due_on)
            .fetch_all(pool).await)?)
    }

    /// A caseload list for someone to see; the listing itself is audited.
    pub async fn read_caseload(
        &self,
        scope: CaseScope,
        filter: &CaseloadFilter,
        ctx: &AuditContext,
    ) -> AppResult<Vec<CaseloadRow>> {
        let rows = self.caseload(scope, filter).await?;
        self.audit_read(ctx, AuditAction::List, "caseload", None, None)
            .await?;
        Ok(rows)
    }
}
