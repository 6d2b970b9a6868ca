//! Services and the connections a link worker makes to them: sent only under a named, confirmed
//! consent, then moved along the Task workflow by the team or by the organisation itself.

use super::audit::append_audit;
use super::error::{Refusal, StoreError, StoreResult};
use super::referrals::{code, ensure_still_open};
use super::{on_reader, on_writer, Store};
use crate::audit::{AuditAction, AuditContext};
use crate::auth::policy::CaseScope;
use crate::consent::{ConsentBasis, NewConnection};
use crate::referrals::*;
use chrono::{DateTime, Utc};

impl Store {
    pub async fn create_service(
        &self,
        name: &str,
        organisation: &str,
        description: &str,
    ) -> StoreResult<Service> {
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

    pub async fn services(&self) -> StoreResult<Vec<Service>> {
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
    pub async fn service_organisation(&self, service_id: i64) -> StoreResult<Option<String>> {
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
    ) -> StoreResult<Connection> {
        let actor_id = ctx.actor_id;
        self.open_referral(referral_id, scope).await?;
        let now = Utc::now();
        let id = on_writer!(self, pool => {
            let mut tx = pool.begin_with(crate::store::begin_statement(pool)).await?;
            let person_id = ensure_still_open!(tx, referral_id);
            let service: Option<(String,)> = sqlx::query_as("SELECT organisation FROM services WHERE id = $1")
                .bind(c.service_id).fetch_optional(&mut *tx).await?;
            let Some((organisation,)) = service else {
                return Err(StoreError::UnknownReference { field: "service_id" });
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
                        return Err(Refusal::ConsentNeeded { organisation }.into());
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
        reason: Option<DeclineReason>,
        ctx: &AuditContext,
    ) -> StoreResult<Connection> {
        let current = self.connection(connection_id).await?;
        let person_id = self
            .referral(current.referral_id, scope)
            .await?
            .ok_or(StoreError::not_found("connection"))?
            .person_id;
        self.write_connection_status(current, person_id, to, note, reason, ctx)
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
        reason: Option<DeclineReason>,
        ctx: &AuditContext,
    ) -> StoreResult<Connection> {
        let found: Option<(i64,)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT r.person_id FROM connections c JOIN services s ON s.id = c.service_id \
             JOIN consents k ON k.id = c.consent_id AND k.withdrawn_at IS NULL AND k.status = 'active' AND k.organisation = s.organisation \
             JOIN referrals r ON r.id = c.referral_id WHERE c.id = $1 AND s.organisation = $2")
            .bind(connection_id).bind(organisation).fetch_optional(pool).await)?;
        let (person_id,) = found.ok_or(StoreError::not_found("connection"))?;
        let current = self.connection(connection_id).await?;
        self.write_connection_status(current, person_id, to, note, reason, ctx)
            .await
    }

    async fn write_connection_status(
        &self,
        current: Connection,
        person_id: i64,
        to: ConnectionStatus,
        note: &str,
        reason: Option<DeclineReason>,
        ctx: &AuditContext,
    ) -> StoreResult<Connection> {
        let connection_id = current.id;
        check_connection_status(current.status, to).map_err(Refusal::ConnectionStatus)?;
        let now = Utc::now();
        let changed = on_writer!(self, pool => {
            let mut tx = pool.begin_with(crate::store::begin_statement(pool)).await?;
            let updated = sqlx::query("UPDATE connections SET status = $1, status_at = $2, decline_reason = $5 WHERE id = $3 AND status = $4")
                .bind(to.code()).bind(now).bind(connection_id).bind(current.status.code()).bind(reason.map(DeclineReason::code)).execute(&mut *tx).await?;
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
            return Err(StoreError::Stale { what: "connection" });
        }
        self.connection(connection_id).await
    }

    /// A connection by id, for callers that check scope themselves.
    pub async fn connection_by_id(&self, id: i64) -> StoreResult<Connection> {
        self.connection(id).await
    }

    async fn connection(&self, id: i64) -> StoreResult<Connection> {
        let mut rows = self.connections_where("c.id = $1", id).await?;
        rows.pop().ok_or(StoreError::not_found("connection"))
    }

    pub async fn connections(&self, referral_id: i64) -> StoreResult<Vec<Connection>> {
        self.connections_where("c.referral_id = $1", referral_id)
            .await
    }

    pub(super) async fn connections_where(
        &self,
        clause: &str,
        id: i64,
    ) -> StoreResult<Vec<Connection>> {
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
            .map_err(StoreError::from)
    }
}
