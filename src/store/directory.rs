//! The community directory's storage: services with their HSDS record, organisations and
//! taxonomy terms. An import is one transaction and bumps the directory's version, which
//! servers compare to know their in-memory copy is stale.

use super::{begin_statement, on_reader, on_writer, Store};
use crate::directory::curation::ListingChangeRecord;
use crate::directory::feed::Listing;
use crate::directory::package::{Package, Table};
use serde_json::{json, Value};

/// `meta` key that changes whenever the directory does.
pub const DIRECTORY_VERSION_KEY: &str = "directory_version";

const BUMP_VERSION: &str = "INSERT INTO meta (key, value) VALUES ($1, $2) \
ON CONFLICT (key) DO UPDATE SET value = excluded.value";

fn new_version() -> String {
    crate::auth::new_secret("").0[..24].to_string()
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportSummary {
    pub added: usize,
    pub updated: usize,
    pub organizations: usize,
    pub taxonomy_terms: usize,
}

/// A service as stored: Linkwell's id (what connections point at) and its HSDS record.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredListing {
    pub id: i64,
    pub document: Value,
}

/// A stable HSDS id for an organisation known only by name (services made before the
/// directory existed).
fn organisation_id(name: &str) -> String {
    let slug: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("linkwell-organisation-{}", slug.trim_matches('-'))
}

/// The HSDS record of a service that has none stored.
fn document_from_columns(
    id: i64,
    name: &str,
    organisation: &str,
    description: &str,
    status: &str,
) -> Value {
    let mut service = json!({
        "id": format!("linkwell-service-{id}"),
        "name": name,
        "status": status,
        "organization": {"id": organisation_id(organisation), "name": organisation, "description": ""},
    });
    if !description.is_empty() {
        service["description"] = json!(description);
    }
    service
}

impl Store {
    /// Adds new services and updates known ones (matched by HSDS id) from a checked feed,
    /// all in one transaction; services not in the feed are left as they are.
    ///
    /// A CSV data package also brings `package`: its tables' column orders and the rows no
    /// service carries, which replace those of any earlier package.
    pub async fn import_directory(
        &self,
        listings: &[Listing],
        package: Option<&Package>,
    ) -> anyhow::Result<ImportSummary> {
        let now = crate::store::audit::now_text();
        on_writer!(self, pool => {
            let mut tx = pool.begin_with(begin_statement(pool)).await?;
            let mut summary = ImportSummary { added: 0, updated: 0, organizations: 0, taxonomy_terms: 0 };
            for listing in listings {
                let s = &listing.service;
                let organisation = s.organization.as_ref().map_or("", |o| o.name.as_str());
                let document = listing.document.to_string();
                let status = listing.document["status"].as_str().unwrap_or("active");
                let description = s.description.as_deref().unwrap_or("");
                let updated = sqlx::query(
                    "UPDATE services SET name = $1, organisation = $2, description = $3, status = $4, \
                     document = $5, updated_at = $6 WHERE hsds_id = $7")
                    .bind(&s.name).bind(organisation).bind(description).bind(status)
                    .bind(&document).bind(&now).bind(&s.id)
                    .execute(&mut *tx).await?.rows_affected();
                if updated == 0 {
                    sqlx::query(
                        "INSERT INTO services (name, organisation, description, status, document, updated_at, hsds_id) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)")
                        .bind(&s.name).bind(organisation).bind(description).bind(status)
                        .bind(&document).bind(&now).bind(&s.id)
                        .execute(&mut *tx).await?;
                    summary.added += 1;
                } else {
                    summary.updated += 1;
                }
                if let (Some(org), Some(doc)) = (&s.organization, listing.document.get("organization")) {
                    sqlx::query("INSERT INTO directory_organizations (hsds_id, name, document) VALUES ($1, $2, $3) \
                                 ON CONFLICT (hsds_id) DO UPDATE SET name = excluded.name, document = excluded.document")
                        .bind(&org.id).bind(&org.name).bind(doc.to_string())
                        .execute(&mut *tx).await?;
                    summary.organizations += 1;
                }
                let terms = listing.document["attributes"].as_array().into_iter().flatten()
                    .filter_map(|a| a.get("taxonomy_term"));
                for (term, typed) in terms.zip(s.attributes.iter().filter_map(|a| a.taxonomy_term.as_ref())) {
                    sqlx::query("INSERT INTO directory_taxonomy_terms (hsds_id, name, taxonomy_id, document) VALUES ($1, $2, $3, $4) \
                                 ON CONFLICT (hsds_id) DO UPDATE SET name = excluded.name, taxonomy_id = excluded.taxonomy_id, document = excluded.document")
                        .bind(&typed.id).bind(&typed.name).bind(&typed.taxonomy_id).bind(term.to_string())
                        .execute(&mut *tx).await?;
                    summary.taxonomy_terms += 1;
                }
            }
            if let Some(package) = package {
                sqlx::query("DELETE FROM directory_package").execute(&mut *tx).await?;
                for (name, table) in package {
                    sqlx::query("INSERT INTO directory_package (table_name, columns, extra_rows) VALUES ($1, $2, $3)")
                        .bind(name)
                        .bind(serde_json::to_string(&table.columns)?)
                        .bind(serde_json::to_string(&table.rows)?)
                        .execute(&mut *tx).await?;
                }
            }
            sqlx::query(BUMP_VERSION).bind(DIRECTORY_VERSION_KEY).bind(new_version()).execute(&mut *tx).await?;
            tx.commit().await?;
            anyhow::Ok(summary)
        })
    }

    /// The last imported package's column orders and kept rows (empty if none).
    pub async fn directory_package(&self) -> anyhow::Result<Package> {
        let rows: Vec<(String, String, String)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT table_name, columns, extra_rows FROM directory_package").fetch_all(pool).await)?;
        rows.into_iter()
            .map(|(name, columns, extra)| {
                Ok((
                    name,
                    Table {
                        columns: serde_json::from_str(&columns)?,
                        rows: serde_json::from_str(&extra)?,
                    },
                ))
            })
            .collect()
    }

    /// Marks the directory changed (after a service was added outside an import).
    pub async fn bump_directory_version(&self) -> anyhow::Result<()> {
        self.set_meta(DIRECTORY_VERSION_KEY, &new_version()).await
    }

    pub async fn directory_version(&self) -> anyhow::Result<String> {
        Ok(self.meta(DIRECTORY_VERSION_KEY).await?.unwrap_or_default())
    }

    /// Every service with its HSDS record, in Linkwell id order.
    pub async fn directory_listings(&self) -> anyhow::Result<Vec<StoredListing>> {
        type Row = (i64, String, String, String, String, Option<String>);
        let rows: Vec<Row> = on_reader!(self, pool => sqlx::query_as(
            "SELECT id, name, organisation, description, status, document FROM services ORDER BY id")
            .fetch_all(pool).await)?;
        rows.into_iter()
            .map(|(id, name, organisation, description, status, document)| {
                let document = match document {
                    Some(text) => serde_json::from_str(&text)?,
                    None => document_from_columns(id, &name, &organisation, &description, &status),
                };
                Ok(StoredListing { id, document })
            })
            .collect()
    }

    /// Organisation records as last received, by HSDS id.
    pub async fn directory_organizations(&self) -> anyhow::Result<Vec<Value>> {
        self.documents("SELECT document FROM directory_organizations ORDER BY hsds_id")
            .await
    }

    /// Taxonomy term records as last received, by HSDS id.
    pub async fn directory_taxonomy_terms(&self) -> anyhow::Result<Vec<Value>> {
        self.documents("SELECT document FROM directory_taxonomy_terms ORDER BY hsds_id")
            .await
    }

    async fn documents(&self, sql: &str) -> anyhow::Result<Vec<Value>> {
        let rows: Vec<(String,)> =
            on_reader!(self, pool => sqlx::query_as(sql).fetch_all(pool).await)?;
        rows.into_iter()
            .map(|(text,)| Ok(serde_json::from_str(&text)?))
            .collect()
    }
}

impl Store {
    /// Changes a listing, checked as an imported record is, with its history, in one
    /// transaction. `organisation` limits it to that organisation's listings (others are
    /// not found); `None` is an administrator.
    pub async fn change_listing(
        &self,
        hsds_id: &str,
        organisation: Option<&str>,
        change: &crate::directory::curation::ListingChange,
        actor_id: i64,
    ) -> crate::store::StoreResult<Value> {
        use super::error::{Refusal, StoreError};
        let now = chrono::Utc::now();
        let result = on_writer!(self, pool => {
            let mut tx = pool.begin_with(begin_statement(pool)).await?;
            type Row = (i64, String, String, String, String, Option<String>);
            let row: Option<Row> = sqlx::query_as(
                "SELECT id, name, organisation, description, status, document FROM services WHERE hsds_id = $1 \
                 OR (hsds_id IS NULL AND 'linkwell-service-' || CAST(id AS TEXT) = $1)")
                .bind(hsds_id).fetch_optional(&mut *tx).await?;
            let Some((id, name, owner, description, status, document)) = row else {
                return Err(StoreError::not_found("service"));
            };
            if organisation.is_some_and(|o| o != owner) {
                return Err(StoreError::not_found("service"));
            }
            let before = match document {
                Some(text) => serde_json::from_str(&text)?,
                None => document_from_columns(id, &name, &owner, &description, &status),
            };
            let (after, service, summary) = change
                .apply(&before, now)
                .map_err(|(field, message)| Refusal::ListingChange { field, message })?;
            sqlx::query("UPDATE services SET name = $1, description = $2, status = $3, document = $4, updated_at = $5, \
                         hsds_id = COALESCE(hsds_id, $6) WHERE id = $7")
                .bind(&service.name).bind(service.description.as_deref().unwrap_or(""))
                .bind(after["status"].as_str().unwrap_or("active")).bind(after.to_string())
                .bind(crate::store::audit::now_text()).bind(&service.id).bind(id)
                .execute(&mut *tx).await?;
            sqlx::query("INSERT INTO directory_listing_history (service_id, changed_at, changed_by, summary, document_before, document_after) \
                         VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(id).bind(now).bind(actor_id).bind(&summary).bind(before.to_string()).bind(after.to_string())
                .execute(&mut *tx).await?;
            sqlx::query(BUMP_VERSION).bind(DIRECTORY_VERSION_KEY).bind(new_version()).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, StoreError>(after)
        });
        result
    }

    /// A listing's changes made in Linkwell, newest first.
    pub async fn listing_history(
        &self,
        service_id: i64,
    ) -> anyhow::Result<Vec<ListingChangeRecord>> {
        let rows: Vec<(chrono::DateTime<chrono::Utc>, String, String)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT h.changed_at, u.display_name, h.summary FROM directory_listing_history h \
             JOIN users u ON u.id = h.changed_by WHERE h.service_id = $1 ORDER BY h.id DESC")
            .bind(service_id).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(|(changed_at, changed_by, summary)| ListingChangeRecord {
                changed_at,
                changed_by,
                summary,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn services_without_a_record_get_one_from_their_columns() {
        let doc = super::document_from_columns(7, "Choir", "Singers & Co", "", "active");
        assert_eq!(doc["id"], "linkwell-service-7");
        assert_eq!(
            doc["organization"]["id"],
            "linkwell-organisation-singers---co"
        );
        assert!(doc.get("description").is_none(), "empty fields are omitted");
    }
}
