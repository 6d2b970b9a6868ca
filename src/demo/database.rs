//! The demo's database: used as it is when a complete synthetic system is there, built when
//! the database is empty, refused otherwise (an interrupted build, or real data).

use super::generate::{generate, GenerateOptions, GenerateReport, SYNTHETIC_POPULATION_KEY};
use crate::store::Store;
use std::path::Path;

/// What `linkwell demo` found or made.
pub enum DemoDatabase {
    /// A complete synthetic system was already there (its description).
    Existing(String),
    /// The database was empty and now holds a new system.
    Built(GenerateReport),
}

/// Opens the database at `url` and makes sure it holds a complete demo; `building` is
/// called before a build starts (it takes a while). Closes the database again, so the
/// server can open it.
pub async fn open_or_build(
    url: &str,
    data_dir: &Path,
    people: u32,
    seed: u64,
    building: impl FnOnce(),
) -> anyhow::Result<DemoDatabase> {
    let store = Store::connect(url).await?;
    let found = if let Some(population) = store.meta(SYNTHETIC_POPULATION_KEY).await? {
        DemoDatabase::Existing(population)
    } else if store.is_empty().await? {
        building();
        let options = GenerateOptions {
            demo_sign_ins: true,
            ..GenerateOptions::new(people, seed)
        };
        DemoDatabase::Built(generate(&store, data_dir, &options).await?)
    } else {
        anyhow::bail!(
            "{url} is not a complete demo database (an interrupted build, or real data); \
             delete it, or pass --database-url with a new file, to build a fresh demo"
        );
    };
    store.close().await;
    Ok(found)
}
