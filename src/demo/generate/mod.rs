//! A synthetic integrated care system: people on real LSOAs of Birmingham and Solihull in
//! proportion to their population, practices, teams, link workers, services, and referrals
//! with full histories.
//!
//! Rates follow the direction of the evidence on social prescribing and inequality, so the
//! equity reports have something true to find: people in more deprived areas are referred
//! more often (higher need) but are harder to reach, attend less and meet more barriers
//! (cost, transport, digital); ethnic minority groups are under-referred relative to need;
//! older people report more loneliness; well-being improves on average, more for people
//! who attend a connection. Deterministic for a seed and reference date.
//!
//! This file runs the steps in order; each step has its own file: the areas and how many
//! people each gets (`areas`), the staff and practices (`staff`), the directory (`services`),
//! the people (`people`), their referrals (`referral/`), and the rows buffered for the store
//! (`batch`). Every random draw comes from one seeded generator in a fixed order, so the
//! order of the calls here is part of the output.

mod areas;
mod batch;
mod costs;
mod people;
mod referral;
mod services;
mod staff;

use crate::geo::Geography;
use crate::store::bulk::rows::PopulationRow;
use crate::store::bulk::Rows;
use crate::store::equity::REGISTER_KEY;
use crate::store::Store;
use anyhow::bail;
use batch::{Batch, Ids};
use chrono::{NaiveDate, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::time::Instant;

/// Set in the `meta` table once a synthetic population has been written completely.
pub const SYNTHETIC_POPULATION_KEY: &str = "synthetic_population";

/// Demo sign-ins printed by `linkwell demo`: (username, password, role).
pub const DEMO_SIGN_INS: [(&str, &str, &str); 7] = [
    ("linkworker", "demo-linkworker", "Link worker"),
    ("teamlead", "demo-teamlead", "Team lead"),
    ("referrer", "demo-referrer", "Referrer (GP)"),
    ("vcse", "demo-vcse", "Community organisation"),
    ("volunteer", "demo-volunteer", "Volunteer"),
    ("analyst", "demo-analyst", "Analyst"),
    ("admin", "demo-admin", "Administrator"),
];

pub struct GenerateOptions {
    pub people: u32,
    pub seed: u64,
    pub progress: bool,
    /// "Today" for the synthetic history; referrals fall in the year before it.
    pub reference_date: NaiveDate,
    /// Give the demo accounts the published passwords in [`DEMO_SIGN_INS`]. Only for the
    /// demo: without it every generated account has no password and cannot sign in.
    pub demo_sign_ins: bool,
    /// Community services in the synthetic directory.
    pub services: usize,
}

/// About as many services as a real directory lists for an area of this size.
pub const DEFAULT_SERVICES: usize = 2_000;

impl GenerateOptions {
    pub fn new(people: u32, seed: u64) -> GenerateOptions {
        GenerateOptions {
            people,
            seed,
            progress: true,
            reference_date: Utc::now().date_naive(),
            demo_sign_ins: false,
            services: DEFAULT_SERVICES,
        }
    }
}

/// What was generated and how long it took.
pub struct GenerateReport {
    pub people: u64,
    pub referrals: u64,
    pub rows: u64,
    pub seconds: f64,
}

impl fmt::Display for GenerateReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "generated {} people, {} referrals, {} rows in all, in {:.1} s",
            self.people, self.referrals, self.rows, self.seconds
        )
    }
}

/// People generated between two writes to the database.
const PEOPLE_PER_BATCH: u32 = 20_000;

/// Generates the care system into an empty database.
pub async fn generate(
    store: &Store,
    data_dir: &Path,
    options: &GenerateOptions,
) -> anyhow::Result<GenerateReport> {
    let started = Instant::now();
    if !store.is_empty().await? {
        bail!("the database already holds people or users; generate into an empty database");
    }
    let dir = data_dir.to_path_buf();
    let geography = tokio::task::spawn_blocking(move || Geography::shared(&dir)).await??;
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);

    let (areas, postcodes) = areas::load_areas(&geography)?;
    let people_per_area = areas::allocate(options.people, &areas);

    let mut staff = staff::create_staff(store, &areas, options.people, &mut rng).await?;
    costs::record_costs(
        store,
        &staff.programmes,
        staff.team_workers.len(),
        options.reference_date,
    )
    .await?;
    staff.services_by_need = services::create_directory(
        store,
        &mut rng,
        options.services,
        &areas::service_places(&postcodes),
        options.reference_date,
    )
    .await?;
    let practices = staff::practice_positions(store, &geography).await?;

    let bar = progress_bar(options);
    let mut batch = Batch::default();
    let mut ids = Ids::new();
    let mut batch_people = 0u32;
    // Registered population by practice and LSOA: the equity report's denominators.
    let mut registered: BTreeMap<(i64, &str), (u8, u32)> = BTreeMap::new();
    let created_at = people::registered_since(options.reference_date);
    for (area, &count) in areas.iter().zip(&people_per_area) {
        let Some(area_postcodes) = postcodes.get(&area.code) else {
            continue;
        };
        let practice = staff::nearest_practice(&practices, area.lat, area.lon);
        registered
            .entry((practice, area.code.as_str()))
            .or_insert((area.decile.get(), 0))
            .1 += count;
        for _ in 0..count {
            let person = people::synth_person(&mut rng, area, options.reference_date);
            ids.person += 1;
            let row = people::person_row(
                &mut rng,
                &mut ids,
                &person,
                area,
                area_postcodes,
                practice,
                created_at,
            );
            batch.people.push(row);
            if rng.gen_bool(person.referral_probability()) {
                let person_id = ids.person;
                referral::synth_referral(
                    &mut rng,
                    &mut batch,
                    &mut ids,
                    &staff,
                    &person,
                    person_id,
                    practice,
                    options.reference_date,
                );
            }
            batch_people += 1;
            if batch_people == PEOPLE_PER_BATCH {
                batch.flush(store).await?;
                bar.inc(batch_people as u64);
                batch_people = 0;
            }
        }
    }
    batch.flush(store).await?;
    let mut population = Rows::<PopulationRow>::default();
    for ((practice, lsoa), (decile, people)) in registered {
        population.push(PopulationRow {
            practice_id: practice,
            lsoa: lsoa.to_string(),
            imd_decile: decile as i32,
            people: people as i64,
        });
    }
    store.insert_rows(&mut [&mut population]).await?;
    bar.inc(batch_people as u64);
    bar.finish_and_clear();
    store.reset_id_sequences().await?;
    mark_complete(store, options).await?;
    Ok(GenerateReport {
        people: batch.people.written(),
        referrals: batch.referrals.written(),
        rows: batch.written(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn progress_bar(options: &GenerateOptions) -> ProgressBar {
    if !options.progress {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(options.people as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} people, {per_sec}, eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// The demo passwords if asked for, then the marks that say what this database holds.
async fn mark_complete(store: &Store, options: &GenerateOptions) -> anyhow::Result<()> {
    if options.demo_sign_ins {
        for (username, password, _) in DEMO_SIGN_INS {
            store.set_password(username, password).await?;
        }
    }
    store
        .set_meta(
            REGISTER_KEY,
            "the synthetic people are the whole registered list",
        )
        .await?;
    // Synthetic data only: record keys follow from the seed, so the same seed gives the
    // same perturbed equity figures on either database (a real database keeps the random
    // secret migration 0016 created).
    store
        .set_meta(
            crate::store::equity::RECORD_KEY_SECRET,
            &format!("synthetic population, seed {}", options.seed),
        )
        .await?;
    store
        .set_meta(
            SYNTHETIC_POPULATION_KEY,
            &format!(
                "{} people, seed {}, as of {}",
                options.people, options.seed, options.reference_date
            ),
        )
        .await?;
    Ok(())
}
