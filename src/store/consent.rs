//! Consents, and the view a community organisation has of the connections sent to it.

use super::audit::append_audit;
use super::error::{Refusal, StoreError, StoreResult};
use super::messages::unread_from_team;
use super::scope::referral_scope_clause;
use super::{on_reader, on_writer, Store};
use crate::audit::{AuditAction, AuditContext};
use crate::auth::policy::CaseScope;
use crate::consent::inbox::{InboxCounts, InboxFilter, InboxLine};
use crate::consent::{
    redact, Consent, ConsentMethod, ConsentStatus, FullDetails, SharedConnection, SharedField,
};
use crate::people::{join_codes, split_codes};
use crate::referrals::ConnectionStatus;
use chrono::{DateTime, NaiveDate, Utc};

#[derive(sqlx::FromRow)]
struct ConsentRow {
    id: i64,
    person_id: i64,
    organisation: String,
    share_fields: String,
    method: String,
    given_at: DateTime<Utc>,
    recorded_by: i64,
    withdrawn_at: Option<DateTime<Utc>>,
    status: String,
    referral_id: Option<i64>,
}

impl From<ConsentRow> for Consent {
    fn from(r: ConsentRow) -> Consent {
        Consent {
            id: r.id,
            person_id: r.person_id,
            organisation: r.organisation,
            share: split_codes(&r.share_fields, SharedField::from_code),
            method: ConsentMethod::from_code(&r.method).unwrap_or(ConsentMethod::Verbal),
            given_at: r.given_at,
            recorded_by: r.recorded_by,
            // Anything unreadable is treated as unconfirmed: nothing is shared under it.
            status: ConsentStatus::from_code(&r.status).unwrap_or(ConsentStatus::Proposed),
            referral_id: r.referral_id,
            withdrawn_at: r.withdrawn_at,
        }
    }
}

const CONSENT_COLUMNS: &str =
    "k.id, k.person_id, k.organisation, k.share_fields, k.method, k.given_at, k.recorded_by, k.withdrawn_at, \
     k.status, k.referral_id";

/// Limits a query on `consents k` to those the scope may read and the team holding the case
/// may change: consent recorded for (or sent with) a referral in scope; older consent,
/// recorded before consents named their referral, when someone in scope recorded it (a team
/// member; a referrer themselves) for a person with a referral in scope. Never another team's
/// consent for the same person: a second team referring the person must not read or change
/// it. Binds the scope id as `$2`; `None` when the scope sees no consent.
fn consent_scope_clause(scope: CaseScope) -> Option<(String, i64)> {
    let (referral_clause, scope_id) = referral_scope_clause(scope)?;
    let recorded_in_scope = match scope {
        CaseScope::Team { .. } => {
            "k.recorded_by IN (SELECT u.id FROM users u WHERE u.team_id = $2)"
        }
        CaseScope::MadeBy(_) | CaseScope::Nothing => "k.recorded_by = $2",
    };
    let clause = format!(
        "(k.referral_id IN (SELECT r.id FROM referrals r WHERE {referral_clause}) OR \
         (k.referral_id IS NULL \
          AND k.person_id IN (SELECT r.person_id FROM referrals r WHERE {referral_clause}) \
          AND {recorded_in_scope}))"
    );
    Some((clause, scope_id))
}

/// The organisation's connections sent under a consent still in force: `$1` the
/// organisation, `$2` one connection (or null for all).
const SHARED_FROM: &str = "FROM connections c JOIN services s ON s.id = c.service_id \
     JOIN consents k ON k.id = c.consent_id AND k.withdrawn_at IS NULL AND k.status = 'active' \
     AND k.organisation = s.organisation \
     JOIN referrals r ON r.id = c.referral_id JOIN people p ON p.id = r.person_id \
     WHERE s.organisation = $1 AND ($2 IS NULL OR c.id = $2)";

/// The lines an inbox filter holds, on `connections c`; the user whose unread messages
/// count is bound as `$3`. Built from the fixed status codes only.
fn inbox_clause(filter: InboxFilter) -> String {
    let statuses: Vec<&str> = filter.statuses().iter().map(|s| s.code()).collect();
    let by_status = format!("c.status IN ('{}')", statuses.join("', '"));
    match filter {
        InboxFilter::NeedsAnswer => format!("({by_status} OR {} > 0)", unread_from_team("$3")),
        _ => by_status,
    }
}

impl Store {
    /// Records the person's consent to share with an organisation, for a referral in scope.
    pub async fn add_consent(
        &self,
        referral_id: i64,
        scope: CaseScope,
        organisation: &str,
        share: &[SharedField],
        method: ConsentMethod,
        ctx: &AuditContext,
    ) -> StoreResult<Consent> {
        let referral = self
            .referral(referral_id, scope)
            .await?
            .ok_or(StoreError::not_found("referral"))?;
        let now = Utc::now();
        let sql = format!(
            "INSERT INTO consents (person_id, organisation, share_fields, method, given_at, recorded_by, status, referral_id) \
             VALUES ($1, $2, $3, $4, $5, $6, 'active', $7) RETURNING {}",
            CONSENT_COLUMNS.replace("k.", "")
        );
        let row: ConsentRow = on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            let row: ConsentRow = sqlx::query_as(&sql)
                .bind(referral.person_id).bind(organisation).bind(join_codes(share, SharedField::code))
                .bind(method.code()).bind(now).bind(ctx.actor_id).bind(referral_id)
                .fetch_one(&mut *tx).await?;
            append_audit!(tx, ctx, AuditAction::Create, "consent", Some(row.id), Some(referral.person_id));
            tx.commit().await?;
            row
        });
        Ok(row.into())
    }

    /// Withdraws a consent: from now on nothing more is shared under it.
    pub async fn withdraw_consent(
        &self,
        consent_id: i64,
        scope: CaseScope,
        ctx: &AuditContext,
    ) -> StoreResult<Consent> {
        // Only the team holding the case changes its consent.
        let consent = self.consent_in_scope(consent_id, scope).await?;
        if consent.withdrawn_at.is_some() {
            return Err(Refusal::ConsentAlreadyWithdrawn.into());
        }
        let now = Utc::now();
        on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            sqlx::query("UPDATE consents SET withdrawn_at = $1, withdrawn_by = $2 WHERE id = $3 AND withdrawn_at IS NULL")
                .bind(now).bind(ctx.actor_id).bind(consent_id).execute(&mut *tx).await?;
            append_audit!(tx, ctx, AuditAction::Update, "consent", Some(consent_id), Some(consent.person_id));
            tx.commit().await?;
        });
        Ok(Consent {
            withdrawn_at: Some(now),
            ..consent
        })
    }

    /// Confirms a consent that arrived with a referral, once the link worker has checked it
    /// with the person: from now on it may be shared under. Only the team holding the
    /// referral may, and only while it is proposed and not withdrawn.
    pub async fn confirm_consent(
        &self,
        consent_id: i64,
        scope: CaseScope,
        ctx: &AuditContext,
    ) -> StoreResult<Consent> {
        let consent = self.consent_in_scope(consent_id, scope).await?;
        if consent.withdrawn_at.is_some() || consent.status != ConsentStatus::Proposed {
            return Err(Refusal::ConsentNotProposed.into());
        }
        let now = Utc::now();
        let changed = on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            let done = sqlx::query(
                "UPDATE consents SET status = 'active', confirmed_by = $1, confirmed_at = $2 \
                 WHERE id = $3 AND status = 'proposed' AND withdrawn_at IS NULL")
                .bind(ctx.actor_id).bind(now).bind(consent_id).execute(&mut *tx).await?;
            if done.rows_affected() == 1 {
                append_audit!(tx, ctx, AuditAction::Update, "consent", Some(consent_id), Some(consent.person_id));
                tx.commit().await?;
                true
            } else {
                false
            }
        });
        if !changed {
            return Err(StoreError::Stale { what: "consent" });
        }
        Ok(Consent {
            status: ConsentStatus::Active,
            ..consent
        })
    }

    /// The consents the scope may read (all, or one person's, or one): see
    /// [`consent_scope_clause`].
    pub async fn consents_in_scope(
        &self,
        scope: CaseScope,
        person: Option<i64>,
        only: Option<i64>,
    ) -> StoreResult<Vec<Consent>> {
        let Some((clause, scope_id)) = consent_scope_clause(scope) else {
            return Ok(vec![]);
        };
        let sql = format!(
            "SELECT {CONSENT_COLUMNS} FROM consents k WHERE ($1 IS NULL OR k.person_id = $1) \
             AND ($3 IS NULL OR k.id = $3) AND {clause} ORDER BY k.id"
        );
        let rows: Vec<ConsentRow> = on_reader!(self, pool => sqlx::query_as(&sql).bind(person).bind(scope_id).bind(only).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(Consent::from).collect())
    }

    /// One consent the scope may read and its team change, or not found.
    async fn consent_in_scope(&self, consent_id: i64, scope: CaseScope) -> StoreResult<Consent> {
        self.consents_in_scope(scope, None, Some(consent_id))
            .await?
            .pop()
            .ok_or(StoreError::not_found("consent"))
    }

    /// Connections sent to an organisation under a consent still in force, each showing
    /// only the fields that consent covers. Every person shown is audited.
    pub async fn organisation_connections(
        &self,
        organisation: &str,
        ctx: &AuditContext,
    ) -> StoreResult<Vec<SharedConnection>> {
        self.shared_connections(organisation, None, ctx).await
    }

    /// One connection as the organisation sees it (its inbox line): what an answer to the
    /// organisation carries, so no response holds more than its consent covers.
    pub async fn organisation_connection(
        &self,
        organisation: &str,
        connection_id: i64,
        ctx: &AuditContext,
    ) -> StoreResult<SharedConnection> {
        self.shared_connections(organisation, Some(connection_id), ctx)
            .await?
            .pop()
            .ok_or(StoreError::not_found("connection"))
    }

    async fn shared_connections(
        &self,
        organisation: &str,
        only: Option<i64>,
        ctx: &AuditContext,
    ) -> StoreResult<Vec<SharedConnection>> {
        Ok(self
            .shared_lines(organisation, only, None, 500, 0, ctx)
            .await?
            .into_iter()
            .map(|l| l.connection)
            .collect())
    }

    /// One page of the organisation's inbox under a filter, newest first, each line with the
    /// messages from the team the user has not read; every person shown is audited.
    pub async fn organisation_inbox(
        &self,
        organisation: &str,
        filter: InboxFilter,
        limit: i64,
        offset: i64,
        ctx: &AuditContext,
    ) -> StoreResult<Vec<InboxLine>> {
        self.shared_lines(organisation, None, Some(filter), limit, offset, ctx)
            .await
    }

    /// How many of the organisation's connections (under a consent in force) each inbox
    /// filter holds for the user. Counts only: no person is read.
    pub async fn organisation_inbox_counts(
        &self,
        organisation: &str,
        user_id: i64,
    ) -> StoreResult<InboxCounts> {
        let sql = format!(
            "SELECT COUNT(CASE WHEN {needs} THEN 1 END), COUNT(CASE WHEN {active} THEN 1 END), \
             COUNT(CASE WHEN {closed} THEN 1 END) {SHARED_FROM}",
            needs = inbox_clause(InboxFilter::NeedsAnswer),
            active = inbox_clause(InboxFilter::Active),
            closed = inbox_clause(InboxFilter::Closed),
        );
        let (needs_answer, active, closed): (i64, i64, i64) = on_reader!(self, pool => sqlx::query_as(&sql)
            .bind(organisation).bind(None::<i64>).bind(user_id).fetch_one(pool).await)?;
        Ok(InboxCounts {
            needs_answer,
            active,
            closed,
        })
    }

    async fn shared_lines(
        &self,
        organisation: &str,
        only: Option<i64>,
        filter: Option<InboxFilter>,
        limit: i64,
        offset: i64,
        ctx: &AuditContext,
    ) -> StoreResult<Vec<InboxLine>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            connection_id: i64,
            referral_id: i64,
            person_id: i64,
            service_name: String,
            status: String,
            accompanied: bool,
            sent_at: DateTime<Utc>,
            share_fields: String,
            given_name: String,
            family_name: String,
            phone: Option<String>,
            date_of_birth: NaiveDate,
            unread_messages: i64,
        }
        let sql = format!(
            "SELECT c.id AS connection_id, c.referral_id, r.person_id, s.name AS service_name, c.status, c.accompanied, \
             c.sent_at, k.share_fields, p.given_name, p.family_name, p.phone, p.date_of_birth, {unread} AS unread_messages \
             {SHARED_FROM} AND {filter} ORDER BY c.sent_at DESC, c.id DESC LIMIT $4 OFFSET $5",
            unread = unread_from_team("$3"),
            filter = filter.map_or("1 = 1".to_string(), inbox_clause),
        );
        let rows: Vec<Row> = on_reader!(self, pool => sqlx::query_as(&sql)
            .bind(organisation).bind(only).bind(ctx.actor_id).bind(limit).bind(offset).fetch_all(pool).await)?;
        let mut shared = Vec::with_capacity(rows.len());
        let mut reads = Vec::with_capacity(rows.len());
        for row in rows {
            let share = split_codes(&row.share_fields, SharedField::from_code);
            let needs = if share.contains(&SharedField::Needs) {
                self.needs(row.referral_id)
                    .await?
                    .into_iter()
                    .map(|n| n.need.label().to_string())
                    .collect()
            } else {
                vec![]
            };
            let what_matters = if share.contains(&SharedField::WhatMatters) {
                self.contacts(row.referral_id)
                    .await?
                    .into_iter()
                    .filter_map(|c| c.what_matters)
                    .collect()
            } else {
                vec![]
            };
            let details = FullDetails {
                name: format!("{} {}", row.given_name, row.family_name),
                phone: row.phone,
                date_of_birth: row.date_of_birth,
                needs,
                what_matters,
            };
            reads.push(("connection", Some(row.connection_id), Some(row.person_id)));
            shared.push(InboxLine {
                unread_messages: row.unread_messages,
                connection: SharedConnection {
                    connection_id: row.connection_id,
                    service_name: row.service_name,
                    status: ConnectionStatus::from_code(&row.status).ok_or_else(|| {
                        anyhow::anyhow!("unknown connection status {}", row.status)
                    })?,
                    accompanied: row.accompanied,
                    sent_at: row.sent_at,
                    person: redact(details, &share),
                },
            });
        }
        self.audit_reads(ctx, &reads).await?;
        Ok(shared)
    }
}
