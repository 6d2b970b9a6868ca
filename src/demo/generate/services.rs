//! The synthetic directory the link workers connect people to, imported like a feed.

use crate::directory::feed::Listing;
use crate::referrals::Need;
use crate::store::Store;
use chrono::NaiveDate;
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;
use std::collections::HashMap;

/// Imports `count` synthetic services placed at `places`; returns each need's services
/// with the organisation that runs each.
pub(super) async fn create_directory(
    store: &Store,
    rng: &mut ChaCha8Rng,
    count: usize,
    places: &[(String, f64, f64)],
    today: NaiveDate,
) -> anyhow::Result<HashMap<Need, Vec<(i64, String)>>> {
    let documents =
        crate::demo::directory::synthetic_services(rng, count.max(Need::ALL.len()), places, today);
    let listings = documents
        .into_iter()
        .map(|document| {
            Ok(Listing {
                service: crate::directory::hsds::Service::deserialize(&document)?,
                document,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    store.import_directory(&listings, None).await?;
    let mut by_need: HashMap<Need, Vec<(i64, String)>> = HashMap::new();
    for stored in store.directory_listings().await? {
        let term = stored.document["attributes"][0]["taxonomy_term"]["id"]
            .as_str()
            .unwrap_or_default();
        let organisation = stored.document["organization"]["name"]
            .as_str()
            .unwrap_or_default();
        if let Some(need) = Need::ALL
            .iter()
            .find(|n| crate::directory::taxonomy::need_term_id(**n) == term)
        {
            by_need
                .entry(*need)
                .or_default()
                .push((stored.id, organisation.to_string()));
        }
    }
    Ok(by_need)
}
