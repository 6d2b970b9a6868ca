//! How the activity report's facts are kept in memory (`facts_cache`), refreshed as the
//! equity report's are.

use super::ActivityFacts;
use crate::facts_cache::CachedFacts;
use crate::store::Store;

impl CachedFacts for ActivityFacts {
    const REPORT: &'static str = "activity";
    async fn load(store: &Store) -> anyhow::Result<ActivityFacts> {
        store.load_activity_facts().await
    }
    fn loaded_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.loaded_at
    }
}
