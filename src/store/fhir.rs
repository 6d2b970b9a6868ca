//! Business identifiers of referrals that came in as FHIR ServiceRequests.

use super::{on_reader, on_writer, Store};

impl Store {
    /// The referral made for this identifier, if one was.
    pub async fn referral_for_identifier(
        &self,
        system: &str,
        value: &str,
    ) -> anyhow::Result<Option<i64>> {
        let row: Option<(i64,)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT referral_id FROM fhir_identifiers WHERE system = $1 AND value = $2")
            .bind(system).bind(value).fetch_optional(pool).await)?;
        Ok(row.map(|r| r.0))
    }

    /// Records the identifier; `false` when it was taken meanwhile.
    pub async fn save_identifier(
        &self,
        system: &str,
        value: &str,
        referral_id: i64,
    ) -> anyhow::Result<bool> {
        let inserted = on_writer!(self, pool => sqlx::query(
            "INSERT INTO fhir_identifiers (system, value, referral_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(system).bind(value).bind(referral_id).execute(pool).await.map(|done| done.rows_affected() == 1))?;
        Ok(inserted)
    }

    pub async fn identifiers_of(&self, referral_id: i64) -> anyhow::Result<Vec<(String, String)>> {
        Ok(on_reader!(self, pool => sqlx::query_as(
            "SELECT system, value FROM fhir_identifiers WHERE referral_id = $1 ORDER BY system, value")
            .bind(referral_id).fetch_all(pool).await)?)
    }
}
