//! Reference data an operator loads from the command line, checked whole before this is
//! called: the community directory and the registered population. No user acts: whoever
//! can run the command already holds the database.

use crate::directory::feed::Listing;
use crate::directory::package::Package;
use crate::equity::population::PopulationRow;
use crate::store::directory::ImportSummary;
use crate::store::Store;

/// Adds or updates the listings (known services by id), all or none, keeping a data
/// package's extra records when it came as one.
pub async fn import_directory(
    store: &Store,
    listings: &[Listing],
    package: Option<&Package>,
) -> anyhow::Result<ImportSummary> {
    store.import_directory(listings, package).await
}

/// Replaces the registered population (practice by LSOA) with these rows.
pub async fn replace_population(store: &Store, rows: &[PopulationRow]) -> anyhow::Result<()> {
    store.replace_population(rows).await
}
