//! Report facts a running server keeps in memory, so a report costs one pass over arrays
//! rather than a read of the whole database. Rebuildable at any time, so several server
//! instances each keep their own. One mechanism for every report that keeps facts (the
//! equity and activity reports); each says how its facts are loaded ([`CachedFacts`]).

use crate::store::Store;
use chrono::{DateTime, Utc};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, RwLock};

/// Facts a [`FactsCache`] can hold: read whole from the database, stamped with when.
pub trait CachedFacts: Send + Sync + Sized + 'static {
    /// Which report's facts, for the log when a background refresh fails.
    const REPORT: &'static str;
    fn load(store: &Store) -> impl Future<Output = anyhow::Result<Self>> + Send;
    fn loaded_at(&self) -> DateTime<Utc>;
}

pub struct FactsCache<F> {
    /// How old the facts may be before a refresh is started. Zero reads the database for
    /// every report.
    max_age: Duration,
    current: RwLock<Option<Arc<F>>>,
    /// Held while loading, so concurrent first requests load once.
    loading: Mutex<()>,
    refreshing: AtomicBool,
}

impl<F: CachedFacts> FactsCache<F> {
    pub fn new(max_age: Duration) -> FactsCache<F> {
        FactsCache {
            max_age,
            current: RwLock::new(None),
            loading: Mutex::new(()),
            refreshing: AtomicBool::new(false),
        }
    }

    fn is_fresh(&self, facts: &F) -> bool {
        let age = Utc::now() - facts.loaded_at();
        age.to_std().is_ok_and(|age| age <= self.max_age) && !self.max_age.is_zero()
    }

    /// The facts: cached ones while fresh; stale ones while a background refresh runs;
    /// loaded now when there are none (or caching is off).
    pub async fn get(self: &Arc<Self>, store: &Store) -> anyhow::Result<Arc<F>> {
        let cached = self.current.read().await.clone();
        match cached {
            Some(facts) if self.is_fresh(&facts) => Ok(facts),
            Some(facts) if !self.max_age.is_zero() => {
                if !self.refreshing.swap(true, Ordering::AcqRel) {
                    let (cache, store) = (Arc::clone(self), store.clone());
                    tokio::spawn(async move {
                        if let Err(e) = cache.load(&store).await {
                            tracing::error!("refreshing the {} report's facts: {e:#}", F::REPORT);
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

    async fn load(&self, store: &Store) -> anyhow::Result<Arc<F>> {
        let facts = Arc::new(F::load(store).await?);
        *self.current.write().await = Some(Arc::clone(&facts));
        Ok(facts)
    }
}
