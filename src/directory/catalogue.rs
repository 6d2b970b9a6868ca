//! The directory as a server holds it in memory: every listing parsed once, with what the
//! filters need worked out. Plain data built from what the store holds; keeping it current
//! is `directory/cache.rs`'s job.

use super::hsds::Service;
use super::search::SearchIndex;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

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
    /// Builds the catalogue at `version` from the stored listings (Linkwell's id and the
    /// HSDS record), taxonomy terms and organisations. Parsing and indexing 50,000 listings
    /// takes a moment: callers on async threads run this on a blocking thread.
    pub fn build(
        version: String,
        listings: Vec<(i64, Value)>,
        taxonomy_terms: Vec<Value>,
        mut organizations: Vec<Value>,
    ) -> anyhow::Result<Catalogue> {
        let entries = listings
            .into_iter()
            .map(|(id, document)| Entry::new(id, document))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let index = SearchIndex::build(&entries);
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
