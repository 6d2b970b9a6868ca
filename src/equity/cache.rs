//! How the equity report's facts are kept in memory (`facts_cache`).

use super::Facts;
use crate::facts_cache::CachedFacts;
use crate::store::Store;

impl CachedFacts for Facts {
    const REPORT: &'static str = "equity";
    async fn load(store: &Store) -> anyhow::Result<Facts> {
        store.load_equity_facts().await
    }
    fn loaded_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.loaded_at
    }
}
