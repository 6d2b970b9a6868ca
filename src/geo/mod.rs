//! Geography from the shipped ONS and MHCLG data: postcode -> LSOA -> IMD 2019.
//!
//! The postcode table has 1.7 million rows. It is parsed once per process into a sorted
//! array of packed keys (about 40 MB) on a background thread at start-up, so serving
//! begins at once and the first lookup waits only if the table is not ready yet.

pub mod api;
mod distance;
mod postcode;

pub use distance::metres_between;
pub use postcode::{Postcode, PostcodeError};

use anyhow::Context;
use serde::Serialize;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use utoipa::ToSchema;

pub const IMD_FILE: &str = "imd2019_england_lsoa11.csv";
pub const POSTCODE_FILE: &str = "gb_postcodes_lsoa11_latlon.csv.gz";

/// A national IMD 2019 decile: 1 is the most deprived tenth of English LSOAs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ToSchema)]
#[schema(value_type = u8)]
pub struct ImdDecile(u8);

impl ImdDecile {
    pub fn new(decile: u8) -> Option<Self> {
        (1..=10).contains(&decile).then_some(ImdDecile(decile))
    }
    pub fn get(self) -> u8 {
        self.0
    }
    /// National quintile: deciles 1-2 are quintile 1, and so on.
    pub fn quintile(self) -> u8 {
        self.0.div_ceil(2)
    }
    /// Core20: the most deprived 20% of areas nationally (quintile 1).
    pub fn is_core20(self) -> bool {
        self.quintile() == 1
    }
}

/// One 2011 Lower layer Super Output Area (or Scottish data zone) with its deprivation.
#[derive(Debug, Clone)]
pub struct Lsoa {
    pub code: String,
    pub name: Option<String>,
    pub local_authority: Option<String>,
    pub local_authority_code: Option<String>,
    pub imd_rank: Option<u32>,
    pub imd_decile: Option<ImdDecile>,
    pub population: u32,
    /// Mid-2015 population aged 0-15, 16-59 and 60+.
    pub population_by_age: [u32; 3],
}

/// How exactly a postcode was placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    /// The postcode itself is in the lookup.
    Postcode,
    /// Unknown postcode (perhaps newer than the May 2022 lookup): placed by its sector.
    Sector,
    /// Placed by its district (outward code) only.
    District,
}

/// The answer to "where is this postcode and how deprived is it?".
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Location {
    pub postcode: String,
    pub precision: Precision,
    pub lsoa: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lsoa_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_authority: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imd_decile: Option<ImdDecile>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imd_quintile: Option<u8>,
    pub core20: bool,
    /// Plain-English caveat when the answer is approximate or has no English IMD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum GeoError {
    #[error(transparent)]
    Malformed(#[from] PostcodeError),
    #[error("postcode {0} is not known, and neither is its sector or district")]
    Unknown(String),
}

impl Geography {
    /// Parses and resolves a postcode as a person's details give it, naming the field on
    /// failure, so every way a person is registered refuses the same postcodes alike.
    pub fn resolve_field(&self, input: &str) -> Result<Location, crate::input::FieldError> {
        use crate::input::FieldError;
        let postcode = Postcode::parse(input)
            .map_err(|e| FieldError::new("postcode", "Invalid postcode", e.to_string()))?;
        self.resolve(&postcode).map_err(|e| match e {
            GeoError::Malformed(e) => {
                FieldError::new("postcode", "Invalid postcode", e.to_string())
            }
            GeoError::Unknown(_) => FieldError::new("postcode", "Unknown postcode", e.to_string()),
        })
    }
}

#[derive(Clone, Copy)]
struct PostcodeRow {
    key: u64,
    lsoa: u32,
    lat: f32,
    lon: f32,
}

static SHARED: OnceLock<Result<Arc<Geography>, String>> = OnceLock::new();

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadStatus {
    Loading,
    Loaded,
    Failed(String),
}

/// The loaded lookup tables.
pub struct Geography {
    postcodes: Vec<PostcodeRow>,
    lsoas: Vec<Lsoa>,
    lsoa_index: HashMap<String, u32>,
}

impl Geography {
    /// Parses the shipped files. Takes well under a second in a release build.
    pub fn load(data_dir: &Path) -> anyhow::Result<Geography> {
        let mut lsoas = Vec::with_capacity(45_000);
        let mut lsoa_index = HashMap::with_capacity(45_000);
        let imd_path = data_dir.join(IMD_FILE);
        let mut reader = csv::Reader::from_path(&imd_path)
            .with_context(|| format!("opening {}", imd_path.display()))?;
        for (line, record) in reader.records().enumerate() {
            let r = record.with_context(|| format!("{} row {}", imd_path.display(), line + 2))?;
            let field = |i: usize| r.get(i).unwrap_or_default().to_string();
            let number = |i: usize| -> anyhow::Result<u32> {
                field(i)
                    .parse()
                    .with_context(|| format!("{} row {} column {}", IMD_FILE, line + 2, i + 1))
            };
            let decile = ImdDecile::new(number(5)? as u8)
                .with_context(|| format!("{IMD_FILE} row {}: decile out of range", line + 2))?;
            lsoa_index.insert(field(0), lsoas.len() as u32);
            lsoas.push(Lsoa {
                code: field(0),
                name: Some(field(1)),
                local_authority_code: Some(field(2)),
                local_authority: Some(field(3)),
                imd_rank: Some(number(4)?),
                imd_decile: Some(decile),
                population: number(6)?,
                population_by_age: [number(7)?, number(8)?, number(9)?],
            });
        }

        let pc_path = data_dir.join(POSTCODE_FILE);
        let file = std::fs::File::open(&pc_path)
            .with_context(|| format!("opening {}", pc_path.display()))?;
        let mut reader = BufReader::with_capacity(
            1 << 20,
            flate2::read::MultiGzDecoder::new(BufReader::with_capacity(1 << 20, file)),
        );
        let mut postcodes = Vec::with_capacity(1_800_000);
        let mut line = Vec::with_capacity(64);
        reader.read_until(b'\n', &mut line)?; // header
        let mut line_no = 1;
        loop {
            line.clear();
            if reader.read_until(b'\n', &mut line)? == 0 {
                break;
            }
            line_no += 1;
            let text = std::str::from_utf8(&line)?.trim_end();
            let mut parts = text.split(',');
            let (Some(pc), Some(code), Some(lat), Some(lon)) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                anyhow::bail!("{POSTCODE_FILE} line {line_no}: expected 4 fields");
            };
            let postcode =
                Postcode::parse(pc).with_context(|| format!("{POSTCODE_FILE} line {line_no}"))?;
            let lsoa = match lsoa_index.get(code) {
                Some(i) => *i,
                None => {
                    let i = lsoas.len() as u32;
                    lsoa_index.insert(code.to_string(), i);
                    lsoas.push(Lsoa {
                        code: code.to_string(),
                        name: None,
                        local_authority: None,
                        local_authority_code: None,
                        imd_rank: None,
                        imd_decile: None,
                        population: 0,
                        population_by_age: [0; 3],
                    });
                    i
                }
            };
            let coord = |s: &str| s.parse::<f32>().unwrap_or(f32::NAN);
            postcodes.push(PostcodeRow {
                key: postcode.key(),
                lsoa,
                lat: coord(lat),
                lon: coord(lon),
            });
        }
        postcodes.sort_unstable_by_key(|p| p.key);
        Ok(Geography {
            postcodes,
            lsoas,
            lsoa_index,
        })
    }

    /// The process-wide copy, loaded on first use. Every server and test in the process
    /// shares it, since the data is read-only.
    pub fn shared(data_dir: &Path) -> anyhow::Result<Arc<Geography>> {
        SHARED
            .get_or_init(|| {
                Geography::load(data_dir)
                    .map(Arc::new)
                    .map_err(|e| format!("{e:#}"))
            })
            .clone()
            .map_err(|e| anyhow::anyhow!(e))
    }

    /// Whether the shared copy is loaded, still loading, or failed, without waiting.
    pub fn status() -> LoadStatus {
        match SHARED.get() {
            None => LoadStatus::Loading,
            Some(Ok(_)) => LoadStatus::Loaded,
            Some(Err(e)) => LoadStatus::Failed(e.clone()),
        }
    }

    pub fn postcode_count(&self) -> usize {
        self.postcodes.len()
    }

    pub fn lsoa(&self, code: &str) -> Option<&Lsoa> {
        self.lsoa_index.get(code).map(|i| &self.lsoas[*i as usize])
    }

    /// English LSOAs with an IMD 2019 decile.
    pub fn english_lsoas(&self) -> impl Iterator<Item = &Lsoa> {
        self.lsoas.iter().filter(|l| l.imd_decile.is_some())
    }

    /// The postcodes (with coordinates) of each chosen LSOA, for placing synthetic people.
    pub fn postcodes_in(
        &self,
        lsoas: &std::collections::HashSet<&str>,
    ) -> HashMap<String, Vec<(Postcode, f64, f64)>> {
        let mut map: HashMap<String, Vec<(Postcode, f64, f64)>> = HashMap::new();
        for row in &self.postcodes {
            let code = self.lsoas[row.lsoa as usize].code.as_str();
            if row.lat.is_nan() || !lsoas.contains(code) {
                continue;
            }
            map.entry(code.to_string()).or_default().push((
                Postcode::from_key(row.key),
                row.lat as f64,
                row.lon as f64,
            ));
        }
        map
    }

    /// Resolves a postcode, falling back to its sector and then its district.
    pub fn resolve(&self, postcode: &Postcode) -> Result<Location, GeoError> {
        let key = postcode.key();
        if let Ok(i) = self.postcodes.binary_search_by_key(&key, |p| p.key) {
            let row = self.postcodes[i];
            return Ok(self.location(postcode, Precision::Postcode, row.lsoa, row.lat, row.lon));
        }
        for (precision, prefix_bytes) in [(Precision::Sector, 5), (Precision::District, 4)] {
            if let Some((lsoa, lat, lon)) = self.area_by_prefix(key, prefix_bytes) {
                return Ok(self.location(postcode, precision, lsoa, lat, lon));
            }
        }
        Err(GeoError::Unknown(postcode.to_string()))
    }

    /// The most common LSOA and mean position of the postcodes sharing a key prefix.
    fn area_by_prefix(&self, key: u64, prefix_bytes: u32) -> Option<(u32, f32, f32)> {
        let shift = (8 - prefix_bytes) * 8;
        let prefix = key >> shift;
        let start = self
            .postcodes
            .partition_point(|p| (p.key >> shift) < prefix);
        let end = self
            .postcodes
            .partition_point(|p| (p.key >> shift) <= prefix);
        let rows = &self.postcodes[start..end];
        if rows.is_empty() {
            return None;
        }
        let mut counts: HashMap<u32, u32> = HashMap::new();
        let (mut lat, mut lon, mut n) = (0.0f64, 0.0f64, 0u32);
        for row in rows {
            *counts.entry(row.lsoa).or_default() += 1;
            if !row.lat.is_nan() {
                lat += row.lat as f64;
                lon += row.lon as f64;
                n += 1;
            }
        }
        let modal = counts
            .into_iter()
            .max_by_key(|(lsoa, count)| (*count, std::cmp::Reverse(*lsoa)))
            .map(|(lsoa, _)| lsoa)?;
        let (lat, lon) = if n == 0 {
            (f32::NAN, f32::NAN)
        } else {
            ((lat / n as f64) as f32, (lon / n as f64) as f32)
        };
        Some((modal, lat, lon))
    }

    fn location(
        &self,
        postcode: &Postcode,
        precision: Precision,
        lsoa: u32,
        lat: f32,
        lon: f32,
    ) -> Location {
        let area = &self.lsoas[lsoa as usize];
        let decile = area.imd_decile;
        let mut notes = Vec::new();
        match precision {
            Precision::Postcode => {}
            Precision::Sector => notes.push(format!(
                "{postcode} is not in the May 2022 lookup; placed by its postcode sector {}, so the area is approximate",
                postcode.sector()
            )),
            Precision::District => notes.push(format!(
                "{postcode} is not in the May 2022 lookup; placed by its postcode district {}, so the area is approximate",
                postcode.outward()
            )),
        }
        if decile.is_none() {
            notes.push("outside England: the English IMD 2019 does not cover this area".into());
        }
        let coord = |v: f32| (!v.is_nan()).then_some(v as f64);
        Location {
            postcode: postcode.to_string(),
            precision,
            lsoa: area.code.clone(),
            lsoa_name: area.name.clone(),
            local_authority: area.local_authority.clone(),
            latitude: coord(lat),
            longitude: coord(lon),
            imd_decile: decile,
            imd_quintile: decile.map(ImdDecile::quintile),
            core20: decile.is_some_and(ImdDecile::is_core20),
            note: (!notes.is_empty()).then(|| notes.join("; ")),
        }
    }
}

/// Where the reference data lives: `LINKWELL_DATA_DIR`, else the source tree's `data/`.
pub fn default_data_dir() -> PathBuf {
    std::env::var_os("LINKWELL_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/data")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quintiles_and_core20_follow_deciles() {
        let q: Vec<(u8, bool)> = (1..=10)
            .map(|d| {
                let d = ImdDecile::new(d).unwrap();
                (d.quintile(), d.is_core20())
            })
            .collect();
        assert_eq!(q[0], (1, true));
        assert_eq!(q[1], (1, true));
        assert_eq!(q[2], (2, false));
        assert_eq!(q[9], (5, false));
        assert!(ImdDecile::new(0).is_none());
        assert!(ImdDecile::new(11).is_none());
    }
}
