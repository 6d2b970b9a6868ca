//! Admitting referrals from outside: people, referrals, identifiers and consents written in
//! one transaction, each with its audit record.

use super::audit::append_audit;
use super::error::{Refusal, StoreError};
use super::people::insert_person_in;
use super::referrals::insert_referral_in;
use super::{on_writer, Store};
use crate::audit::{AuditAction, AuditContext};
use crate::consent::SharedField;
use crate::intake::{Admitted, Intake, Subject};
use crate::people::join_codes;

impl Store {
    /// Admits every intake or none. A failure names the intake (0-based) it came from.
    pub async fn admit(
        &self,
        intakes: &[Intake],
        ctx: &AuditContext,
        actor_team: Option<i64>,
    ) -> Result<Vec<Admitted>, (usize, StoreError)> {
        let at_start = |e: sqlx::Error| (0, StoreError::from(e));
        on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await.map_err(at_start)?;
            let mut admitted: Vec<Admitted> = Vec::with_capacity(intakes.len());
            for (index, intake) in intakes.iter().enumerate() {
                let one = async {
                    let person_id = match &intake.subject {
                        Subject::New(person) => insert_person_in!(tx, person, ctx).id,
                        Subject::Existing(id) => *id,
                        Subject::SameAsEarlier(earlier) => admitted
                            .get(*earlier)
                            .map(|a| a.person_id)
                            .ok_or_else(|| anyhow::anyhow!("intake refers to a later one"))?,
                    };
                    let referral_id = insert_referral_in!(tx, person_id, intake.referrer_kind, &intake.reason,
                        intake.received_at, ctx, actor_team, intake.programme);
                    if let Some((system, value)) = &intake.identifier {
                        let done = sqlx::query(
                            "INSERT INTO fhir_identifiers (system, value, referral_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                            .bind(system).bind(value).bind(referral_id).execute(&mut *tx).await?;
                        if done.rows_affected() != 1 {
                            return Err(Refusal::IdentifierTaken { system: system.clone(), value: value.clone() }.into());
                        }
                    }
                    let consent_id = match &intake.consent {
                        None => None,
                        Some(consent) => {
                            // The sender's account of what the person agreed: it belongs to this
                            // referral and nothing is shared under it until the team confirms it.
                            let (id,): (i64,) = sqlx::query_as(
                                "INSERT INTO consents (person_id, organisation, share_fields, method, given_at, recorded_by, status, referral_id) \
                                 VALUES ($1, $2, $3, $4, $5, $6, 'proposed', $7) RETURNING id")
                                .bind(person_id).bind(&consent.organisation)
                                .bind(join_codes(&consent.share, SharedField::code)).bind(consent.method.code())
                                .bind(intake.received_at).bind(ctx.actor_id).bind(referral_id)
                                .fetch_one(&mut *tx).await?;
                            append_audit!(tx, ctx, AuditAction::Create, "consent", Some(id), Some(person_id));
                            Some(id)
                        }
                    };
                    Ok(Admitted { person_id, referral_id, consent_id })
                };
                let done: Result<Admitted, StoreError> = one.await;
                admitted.push(done.map_err(|e| (index, e))?);
            }
            tx.commit().await.map_err(|e| (intakes.len().saturating_sub(1), StoreError::from(e)))?;
            Ok(admitted)
        })
    }
}
