//! The catalogue a server answers from, reloaded when the stored directory's version
//! changes (so every instance behind a load balancer sees an import or a listing change at
//! once). Shared state built on the store, beside the equity facts cache.

use super::catalogue::Catalogue;
use crate::store::Store;
use std::sync::Arc;
use tokio::sync::{Mutex, RwLock};

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
        let catalogue = Arc::new(load(store, version).await?);
        *self.current.write().await = Some(Arc::clone(&catalogue));
        Ok(catalogue)
    }
}

/// Reads the directory at `version` and builds its catalogue off the async threads.
async fn load(store: &Store, version: String) -> anyhow::Result<Catalogue> {
    let listings = store
        .directory_listings()
        .await?
        .into_iter()
        .map(|l| (l.id, l.document))
        .collect();
    let taxonomy_terms = store.directory_taxonomy_terms().await?;
    let organizations = store.directory_organizations().await?;
    tokio::task::spawn_blocking(move || {
        Catalogue::build(version, listings, taxonomy_terms, organizations)
    })
    .await?
}
