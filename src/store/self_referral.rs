//! Self-referrals from the public page: the per-address counter (counted under a row lock
//! before anything is written, as sign-in attempts are), the team that receives them, and
//! the person, referral and self-referral record written in one transaction.

use super::audit::time_text;
use super::error::{StoreError, StoreResult};
use super::people::insert_person_in;
use super::referrals::insert_referral_in;
use super::{on_reader, on_writer, Backend, Store};
use crate::audit::AuditContext;
use crate::intake::self_referral::{SelfReferral, SelfReferralLimits, SubmissionCounter};
use crate::people::{Ethnicity, NewPerson, Sex};
use crate::referrals::ReferrerKind;
use chrono::{DateTime, Duration, Utc};

/// The account self-referrals are recorded under (made on first use, disabled).
const SELF_REFERRAL_ACCOUNT: &str = "self-referral-form";

fn parse_time(text: &str) -> anyhow::Result<DateTime<Utc>> {
    Ok(DateTime::parse_from_rfc3339(text)?.with_timezone(&Utc))
}

/// Where a self-referred person lives, as far as the page could tell.
#[derive(Debug, Clone, Default)]
pub struct SelfReferralPlace {
    pub lsoa: Option<String>,
    pub imd_decile: Option<u8>,
}

impl Store {
    /// Counts one submission from an address and says whether it may go on (`Err`: how long
    /// until it may). Read, decided and written in one transaction holding the row
    /// (PostgreSQL `FOR UPDATE`, SQLite's single writer), so parallel submissions cannot
    /// all see "under the limit". A refused submission is not counted.
    pub async fn count_self_referral(
        &self,
        address_key: &str,
        now: DateTime<Utc>,
        limits: &SelfReferralLimits,
    ) -> anyhow::Result<Result<(), Duration>> {
        let lock = match self.backend() {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        let select = format!(
            "SELECT submissions, window_start FROM self_referral_counters WHERE address_key = $1{lock}"
        );
        let now_text = time_text(now);
        // Counters whose window is over are forgotten (housekeeping; a failure stops nothing).
        let stale = time_text(now - limits.window());
        let tidied = on_writer!(self, pool => sqlx::query(
            "DELETE FROM self_referral_counters WHERE window_start < $1 AND address_key <> $2")
            .bind(&stale).bind(address_key).execute(pool).await.map(|_| ()));
        if let Err(e) = tidied {
            tracing::warn!(error = %e, "old self-referral counters not removed this time");
        }
        let verdict = on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            sqlx::query(
                "INSERT INTO self_referral_counters (address_key, submissions, window_start) \
                 VALUES ($1, 0, $2) ON CONFLICT (address_key) DO NOTHING")
                .bind(address_key).bind(&now_text).execute(&mut *tx).await?;
            let (submissions, window_start): (i64, String) = sqlx::query_as(&select)
                .bind(address_key).fetch_one(&mut *tx).await?;
            let counter = SubmissionCounter { submissions, window_start: parse_time(&window_start)? };
            let verdict = limits.count(Some(counter), now);
            if let Ok(counted) = verdict {
                sqlx::query(
                    "UPDATE self_referral_counters SET submissions = $1, window_start = $2 WHERE address_key = $3")
                    .bind(counted.submissions).bind(time_text(counted.window_start)).bind(address_key)
                    .execute(&mut *tx).await?;
            }
            tx.commit().await?;
            verdict.map(|_| ())
        });
        Ok(verdict)
    }

    /// The team a self-referral goes to: the team of a practice in the person's area (LSOA)
    /// where one is on file, else the team named in the settings, else the first team made.
    pub async fn self_referral_team(
        &self,
        lsoa: Option<&str>,
        default_team: Option<&str>,
    ) -> StoreResult<Option<i64>> {
        let by_area: Option<(i64,)> = match lsoa {
            Some(lsoa) => on_reader!(self, pool => sqlx::query_as(
                "SELECT team_id FROM practices WHERE lsoa = $1 AND team_id IS NOT NULL ORDER BY id LIMIT 1")
                .bind(lsoa).fetch_optional(pool).await)?,
            None => None,
        };
        if let Some((team,)) = by_area {
            return Ok(Some(team));
        }
        if let Some(name) = default_team {
            let named: Option<(i64,)> = on_reader!(self, pool => sqlx::query_as(
                "SELECT id FROM teams WHERE name = $1").bind(name).fetch_optional(pool).await)?;
            if let Some((team,)) = named {
                return Ok(Some(team));
            }
        }
        let first: Option<(i64,)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT id FROM teams ORDER BY id LIMIT 1").fetch_optional(pool).await)?;
        Ok(first.map(|(team,)| team))
    }

    /// The acting account for self-referrals, with its role, for the audit records:
    /// `referrals.referred_by` and every audit row name an account. Made on first use
    /// (disabled, no password: nobody signs in as it), not by a migration, so a new
    /// database stays empty for the demo generator. An account someone else made under the
    /// same name is never used (it would see the self-referrals as its own referrals).
    pub async fn self_referral_account(&self) -> StoreResult<(i64, String)> {
        let now = Utc::now();
        on_writer!(self, pool => sqlx::query(
            "INSERT INTO users (username, display_name, role, created_at, disabled_at) \
             VALUES ($1, 'Self-referral form', 'referrer', $2, $2) ON CONFLICT (username) DO NOTHING")
            .bind(SELF_REFERRAL_ACCOUNT).bind(now).execute(pool).await.map(|_| ()))?;
        let found: Option<(i64, String)> = on_writer!(self, pool => sqlx::query_as(
            "SELECT id, role FROM users WHERE username = $1 AND password_hash IS NULL \
             AND disabled_at IS NOT NULL AND display_name = 'Self-referral form'")
            .bind(SELF_REFERRAL_ACCOUNT).fetch_optional(pool).await)?;
        found.ok_or(StoreError::not_found("self-referral account"))
    }

    /// Writes a self-referral: always a new person (never matched to anyone on file, and
    /// without the NHS number, which is kept as stated for the link worker to reconcile),
    /// a referral of kind `self` in `team_id`'s unassigned list, and its reference. Returns
    /// the referral's id.
    pub async fn admit_self_referral(
        &self,
        referral: &SelfReferral,
        place: &SelfReferralPlace,
        team_id: i64,
        reference: &str,
        ctx: &AuditContext,
    ) -> StoreResult<i64> {
        let person = NewPerson {
            nhs_number: None,
            given_name: referral.given_name.clone(),
            family_name: referral.family_name.clone(),
            date_of_birth: referral.date_of_birth,
            sex: Sex::Unknown,
            ethnicity: Ethnicity::NotStated,
            postcode: referral.postcode.clone().unwrap_or_default(),
            lsoa: place.lsoa.clone(),
            imd_decile: place.imd_decile,
            practice_id: None,
            phone: Some(referral.phone.as_str().to_string()),
            plus_groups: Vec::new(),
            conditions: Vec::new(),
            record: referral.record.clone(),
        };
        let reason = referral.reason(reference);
        let referral_id = on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            let person_id = insert_person_in!(tx, &person, ctx).id;
            let referral_id = insert_referral_in!(tx, person_id, ReferrerKind::SelfReferral, &reason,
                Utc::now(), ctx, Some(team_id));
            sqlx::query(
                "INSERT INTO self_referrals (referral_id, reference, stated_nhs_number, preferred_time, \
                 no_fixed_address, consent_to_contact, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(referral_id).bind(reference)
                .bind(referral.stated_nhs_number.map(|n| n.to_string().replace(' ', "")))
                .bind(referral.call_time.code()).bind(referral.postcode.is_none()).bind(true)
                .bind(Utc::now()).execute(&mut *tx).await?;
            tx.commit().await?;
            referral_id
        });
        Ok(referral_id)
    }
}
