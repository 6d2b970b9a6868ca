//! The activity facts a running server keeps in memory, refreshed in the background when
//! older than the configured age, as the equity report's are (`equity::cache`): a report is
//! then one pass over arrays, not a read of the database.

use super::ActivityFacts as Facts;
use crate::store::Store;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, RwLock};

pub struct ActivityCache {
    /// How old the facts may be before a refresh is started. Zero reads the database for
    /// every report.
    max_age: Duration,
    current: RwLock<Option<Arc<Facts>>>,
    /// Held while loading, so concurrent first requests load once.
    loading: Mutex<()>,
    refreshing: AtomicBool,
}

impl ActivityCache {
    pub fn new(max_age: Duration) -> ActivityCache {
        ActivityCache {
            max_age,
            current: RwLock::new(None),
            loading: Mutex::new(()),
            refreshing: AtomicBool::new(false),
        }
    }

    fn is_fresh(&self, facts: &Facts) -> bool {
        let age = chrono::Utc::now() - facts.loaded_at;
        age.to_std().is_ok_and(|age| age <= self.max_age) && !self.max_age.is_zero()
    }

    /// The facts: cached ones while fresh; stale ones while a background refresh runs;
    /// loaded now when there are none (or caching is off).
    pub async fn get(self: &Arc<Self>, store: &Store) -> anyhow::Result<Arc<Facts>> {
        let cached = self.current.read().await.clone();
        match cached {
            Some(facts) if self.is_fresh(&facts) => Ok(facts),
            Some(facts) if !self.max_age.is_zero() => {
                if !self.refreshing.swap(true, Ordering::AcqRel) {
                    let (cache, store) = (Arc::clone(self), store.clone());
                    tokio::spawn(async move {
                        if let Err(e) = cache.load(&store).await {
                            tracing::error!("refreshing the activity report's facts: {e:#}");
                        }
                        cache.refreshing.store(false, Ordering::Release);
                    });
                }
                Ok(facts)
            }
            _ => {
                let _one_at_a_time = self.loading.lock().await;
                if let Some(facts) = self.current.read().await.clone() {
                    if self.is_fresh(&facts) {
                        return Ok(facts);
                    }
                }
                self.load(store).await
            }
        }
    }

    async fn load(&self, store: &Store) -> anyhow::Result<Arc<Facts>> {
        let facts = Arc::new(store.load_activity_facts().await?);
        *self.current.write().await = Some(Arc::clone(&facts));
        Ok(facts)
    }
}
