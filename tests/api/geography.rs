//! Postcode -> LSOA -> IMD against the shipped real data.

use crate::helpers::{spawn_app, Backend};
use linkwell::geo::{default_data_dir, Geography, Postcode, Precision};

fn geography() -> std::sync::Arc<Geography> {
    Geography::shared(&default_data_dir()).expect("reference data loads")
}

#[test]
fn buckingham_palace_is_in_decile_8() {
    let location = geography()
        .resolve(&Postcode::parse("SW1A 1AA").unwrap())
        .unwrap();
    assert_eq!(location.lsoa, "E01004736");
    assert_eq!(location.imd_decile.map(|d| d.get()), Some(8));
    assert_eq!(location.imd_quintile, Some(4));
    assert!(!location.core20);
    assert_eq!(location.precision, Precision::Postcode);
    let (lat, lon) = (location.latitude.unwrap(), location.longitude.unwrap());
    assert!(
        (lat - 51.501).abs() < 0.01 && (lon + 0.1416).abs() < 0.01,
        "{lat},{lon}"
    );
}

#[test]
fn a_core20_postcode_in_birmingham() {
    // E01008882 (Birmingham 066A) is in national IMD decile 1.
    let location = geography()
        .resolve(&Postcode::parse("b25 8ds").unwrap())
        .unwrap();
    assert_eq!(location.lsoa, "E01008882");
    assert_eq!(location.imd_decile.map(|d| d.get()), Some(1));
    assert!(location.core20);
}

#[test]
fn unknown_postcodes_fall_back_to_sector_then_district() {
    let g = geography();
    let sector = g.resolve(&Postcode::parse("SW1A 2ZZ").unwrap()).unwrap();
    assert_eq!(sector.precision, Precision::Sector);
    assert!(sector.note.as_deref().unwrap().contains("SW1A 2"));
    assert!(sector.imd_decile.is_some());
    let district = g.resolve(&Postcode::parse("SW1A 5AA").unwrap()).unwrap();
    assert_eq!(district.precision, Precision::District);
    assert!(g.resolve(&Postcode::parse("ZZ9 9ZZ").unwrap()).is_err());
}

#[test]
fn scottish_postcodes_have_no_english_imd() {
    let location = geography()
        .resolve(&Postcode::parse("AB10 1AB").unwrap())
        .unwrap();
    assert_eq!(location.lsoa, "S01006646");
    assert!(location.imd_decile.is_none());
    assert!(!location.core20);
    assert!(location.note.unwrap().contains("outside England"));
}

#[test]
fn every_english_lsoa_has_a_decile_and_deciles_are_balanced() {
    let g = geography();
    let mut per_decile = [0u32; 10];
    for lsoa in g.english_lsoas() {
        per_decile[lsoa.imd_decile.unwrap().get() as usize - 1] += 1;
    }
    assert_eq!(per_decile.iter().sum::<u32>(), 32_844);
    assert!(
        per_decile.iter().all(|n| (3284..=3285).contains(n)),
        "{per_decile:?}"
    );
    assert!(g.postcode_count() > 1_700_000);
}

#[tokio::test]
async fn postcode_lookup_over_http() {
    let app = spawn_app(Backend::Sqlite).await;
    let (status, body) = app.get("/postcodes/sw1a1aa", &app.link_worker).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["postcode"], "SW1A 1AA");
    assert_eq!(body["imd_decile"], 8);
    assert_eq!(body["core20"], false);
}
