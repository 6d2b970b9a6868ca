//! The directory as a server holds it in memory: every listing parsed once, with what the
//! filters need worked out, reloaded when the stored directory's version changes (so
//! every instance behind a load balancer sees an import at once).

use super::hsds::Service;
use super::search::SearchIndex;
use crate::store::Store;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use tokio::sync::{Mutex, RwLock};

/// One listing ready to filter.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Linkwell's id: what connections point at.
    pub id: i64,
    pub service: Service,
    pub document: Value,
    /// Name and description, lower-cased, for text search.
    pub text: String,
    pub organization_id: Option<String>,
}

impl Entry {
    pub fn new(id: i64, document: Value) -> anyhow::Result<Entry> {
        let service: Service = Service::deserialize(&document)?;
        let text = format!(
            "{} {}",
            service.name,
            service.description.as_deref().unwrap_or("")
        )
        .to_lowercase();
        let organization_id = service
            .organization_id
            .clone()
            .or_else(|| service.organization.as_ref().map(|o| o.id.clone()));
        Ok(Entry {
            id,
            service,
            document,
            text,
            organization_id,
        })
    }

    pub fn term_ids(&self) -> impl Iterator<Item = &str> {
        self.service.attributes.iter().filter_map(|a| {
            a.taxonomy_term
                .as_ref()
                .map(|t| t.id.as_str())
                .or(a.taxonomy_term_id.as_deref())
        })
    }

    pub fn taxonomy_ids(&self) -> impl Iterator<Item = &str> {
        self.service
            .attributes
            .iter()
            .filter_map(|a| a.taxonomy_term.as_ref()?.taxonomy_id.as_deref())
    }
}

/// The whole directory at one version.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    pub version: String,
    pub entries: Vec<Entry>,
    pub organizations: Vec<Value>,
    pub taxonomy_terms: Vec<Value>,
    /// Taxonomies named by the terms (id, name), as the terms carry no fuller record.
    pub taxonomies: Vec<Value>,
    pub index: SearchIndex,
    /// Position of each listing by HSDS id.
    by_id: HashMap<String, usize>,
}

impl Catalogue {
    pub async fn load(store: &Store, version: String) -> anyhow::Result<Catalogue> {
        let entries = store
            .directory_listings()
            .await?
            .into_iter()
            .map(|l| Entry::new(l.id, l.document))
            .collect::<anyhow::Result<Vec<_>>>()?;
        // Indexing 50,000 listings takes a moment: off the async threads.
        let (entries, index) = tokio::task::spawn_blocking(move || {
            let index = SearchIndex::build(&entries);
            (entries, index)
        })
        .await?;
        let taxonomy_terms = store.directory_taxonomy_terms().await?;
        let mut taxonomies = BTreeMap::new();
        for term in &taxonomy_terms {
            if let Some(id) = term.get("taxonomy_id").and_then(Value::as_str) {
                let name = term.get("taxonomy").and_then(Value::as_str).unwrap_or(id);
                taxonomies.entry(id.to_string()).or_insert_with(|| {
                    json!({"id": id, "name": name, "description": format!("The {name} taxonomy, as used by this directory's terms")})
                });
            }
        }
        let entries_by_id = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.service.id.clone(), i))
            .collect();
        let mut organizations = store.directory_organizations().await?;
        // Organisations known only from services made before the directory existed.
        for entry in &entries {
            if let Some(org) = entry.document.get("organization") {
                let id = org.get("id");
                if !organizations.iter().any(|o| o.get("id") == id) {
                    organizations.push(org.clone());
                }
            }
        }
        Ok(Catalogue {
            version,
            entries,
            organizations,
            taxonomy_terms,
            taxonomies: taxonomies.into_values().collect(),
            index,
            by_id: entries_by_id,
        })
    }

    /// The services an organisation runs, by the organisation's name.
    pub fn entries_of<'a>(&'a self, organisation: &'a str) -> impl Iterator<Item = &'a Entry> {
        self.entries.iter().filter(move |e| {
            e.service
                .organization
                .as_ref()
                .is_some_and(|o| o.name == organisation)
        })
    }

    pub fn entry(&self, hsds_id: &str) -> Option<&Entry> {
        self.by_id.get(hsds_id).map(|&i| &self.entries[i])
    }
}

/// Keeps the catalogue, reloading when the stored version differs.
#[derive(Default)]
pub struct CatalogueCache {
    current: RwLock<Option<Arc<Catalogue>>>,
    loading: Mutex<()>,
}

impl CatalogueCache {
    pub async fn get(&self, store: &Store) -> anyhow::Result<Arc<Catalogue>> {
        let version = store.directory_version().await?;
        if let Some(c) = self.current.read().await.as_ref() {
            if c.version == version {
                return Ok(Arc::clone(c));
            }
        }
        let _one_at_a_time = self.loading.lock().await;
        if let Some(c) = self.current.read().await.as_ref() {
            if c.version == version {
                return Ok(Arc::clone(c));
            }
        }
        let catalogue = Arc::new(Catalogue::load(store, version).await?);
        *self.current.write().await = Some(Arc::clone(&catalogue));
        Ok(catalogue)
    }
}
