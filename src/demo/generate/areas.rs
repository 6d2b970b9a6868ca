//! Where the synthetic people live: the demo area's LSOAs with their postcodes, and how
//! many people each gets.

use crate::geo::{Geography, ImdDecile, Lsoa, Postcode};
use anyhow::bail;
use std::collections::{HashMap, HashSet};

/// Local authorities of the synthetic care system: Birmingham and Solihull.
pub const AREA_LOCAL_AUTHORITIES: [&str; 2] = ["E08000025", "E08000029"];

/// One LSOA of the demo area.
pub(super) struct Area {
    pub code: String,
    pub decile: ImdDecile,
    pub population: u32,
    /// Shares of the population aged 0-15, 16-59 and 60 or over.
    pub age_shares: [f64; 3],
    /// The mean position of the LSOA's postcodes.
    pub lat: f64,
    pub lon: f64,
}

/// Postcodes of each LSOA, with their positions.
pub(super) type PostcodesByLsoa = HashMap<String, Vec<(Postcode, f64, f64)>>;

/// The demo area's LSOAs, sorted by code, with the postcodes of each (one pass over the
/// postcode table).
pub(super) fn load_areas(geography: &Geography) -> anyhow::Result<(Vec<Area>, PostcodesByLsoa)> {
    let chosen: Vec<&Lsoa> = geography
        .english_lsoas()
        .filter(|l| {
            l.local_authority_code
                .as_deref()
                .is_some_and(|c| AREA_LOCAL_AUTHORITIES.contains(&c))
        })
        .collect();
    if chosen.is_empty() {
        bail!("no LSOAs found for the demo area in the IMD file");
    }
    let codes: HashSet<&str> = chosen.iter().map(|l| l.code.as_str()).collect();
    let postcodes = geography.postcodes_in(&codes);
    let mut areas: Vec<Area> = chosen
        .into_iter()
        .filter_map(|l| {
            let pcs = postcodes.get(&l.code)?;
            let n = pcs.len() as f64;
            let total: f64 = l
                .population_by_age
                .iter()
                .map(|p| *p as f64)
                .sum::<f64>()
                .max(1.0);
            Some(Area {
                code: l.code.clone(),
                decile: l.imd_decile?,
                population: l.population,
                age_shares: l.population_by_age.map(|p| p as f64 / total),
                lat: pcs.iter().map(|p| p.1).sum::<f64>() / n,
                lon: pcs.iter().map(|p| p.2).sum::<f64>() / n,
            })
        })
        .collect();
    areas.sort_by(|a, b| a.code.cmp(&b.code));
    Ok((areas, postcodes))
}

/// Largest-remainder allocation: each area gets its population share of `people`.
pub(super) fn allocate(people: u32, areas: &[Area]) -> Vec<u32> {
    let total: f64 = areas.iter().map(|a| a.population as f64).sum();
    let exact: Vec<f64> = areas
        .iter()
        .map(|a| people as f64 * a.population as f64 / total)
        .collect();
    let mut counts: Vec<u32> = exact.iter().map(|e| e.floor() as u32).collect();
    let mut short = people - counts.iter().sum::<u32>();
    let mut order: Vec<usize> = (0..areas.len()).collect();
    order.sort_by(|a, b| {
        (exact[*b] - exact[*b].floor())
            .total_cmp(&(exact[*a] - exact[*a].floor()))
            .then(a.cmp(b))
    });
    for i in order {
        if short == 0 {
            break;
        }
        counts[i] += 1;
        short -= 1;
    }
    counts
}

/// Every 29th postcode of the area, LSOAs in code order, as places for services: sorted,
/// so the same seed places services at the same postcodes.
pub(super) fn service_places(postcodes: &PostcodesByLsoa) -> Vec<(String, f64, f64)> {
    let mut lsoas: Vec<&String> = postcodes.keys().collect();
    lsoas.sort();
    lsoas
        .iter()
        .flat_map(|lsoa| &postcodes[*lsoa])
        .step_by(29)
        .map(|(postcode, lat, lon)| (postcode.to_string(), *lat, *lon))
        .collect()
}
