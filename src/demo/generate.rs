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

use super::bulk::{self, Table};
use crate::auth::Role;
use crate::directory::feed::Listing;
use crate::geo::{Geography, ImdDecile};
use crate::measures::{Answers, Instrument};
use crate::people::{join_codes, Ethnicity, LongTermCondition, NhsNumber, PlusGroup, Sex};
use crate::referrals::*;
use crate::store::equity::REGISTER_KEY;
use crate::store::{NewUser, Store};
use anyhow::{bail, Context};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::Path;
use std::time::Instant;

/// Local authorities of the synthetic care system: Birmingham and Solihull.
pub const AREA_LOCAL_AUTHORITIES: [&str; 2] = ["E08000025", "E08000029"];

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

struct Area {
    code: String,
    decile: ImdDecile,
    population: u32,
    age_shares: [f64; 3],
    lat: f64,
    lon: f64,
}

struct Practice {
    id: i64,
    lat: f64,
    lon: f64,
}

/// Everything buffered for one batch, flushed parents first.
struct Tables {
    people: Table,
    referrals: Table,
    events: Table,
    contacts: Table,
    needs: Table,
    goals: Table,
    goal_progress: Table,
    consents: Table,
    connections: Table,
    connection_events: Table,
    barriers: Table,
    measures: Table,
}

impl Tables {
    fn new() -> Tables {
        Tables {
            people: Table::new(
                "people",
                &[
                    "id",
                    "nhs_number",
                    "given_name",
                    "family_name",
                    "date_of_birth",
                    "sex",
                    "ethnicity",
                    "postcode",
                    "lsoa",
                    "imd_decile",
                    "practice_id",
                    "phone",
                    "plus_groups",
                    "conditions",
                    "created_at",
                ],
            ),
            referrals: Table::new(
                "referrals",
                &[
                    "id",
                    "person_id",
                    "state",
                    "version",
                    "referrer_kind",
                    "referred_by",
                    "reason",
                    "team_id",
                    "link_worker_id",
                    "close_reason",
                    "received_at",
                    "next_follow_up_on",
                    "snomed_code",
                    "practice_id_at_referral",
                    "imd_decile_at_referral",
                ],
            ),
            events: Table::new(
                "referral_events",
                &[
                    "referral_id",
                    "kind",
                    "to_state",
                    "close_reason",
                    "link_worker_id",
                    "snomed_code",
                    "note",
                    "actor_id",
                    "at",
                ],
            ),
            contacts: Table::new(
                "contacts",
                &[
                    "referral_id",
                    "at",
                    "mode",
                    "duration_minutes",
                    "reached",
                    "notes",
                    "what_matters",
                    "recorded_by",
                ],
            ),
            needs: Table::new("needs", &["referral_id", "need", "notes"]),
            goals: Table::new(
                "goals",
                &["id", "referral_id", "description", "need", "created_at"],
            ),
            goal_progress: Table::new(
                "goal_progress",
                &["goal_id", "progress", "note", "at", "recorded_by"],
            ),
            consents: Table::new(
                "consents",
                &[
                    "id",
                    "person_id",
                    "organisation",
                    "share_fields",
                    "method",
                    "given_at",
                    "recorded_by",
                ],
            ),
            connections: Table::new(
                "connections",
                &[
                    "consent_id",
                    "id",
                    "referral_id",
                    "service_id",
                    "status",
                    "accompanied",
                    "sent_at",
                    "status_at",
                    "notes",
                    "created_by",
                ],
            ),
            connection_events: Table::new(
                "connection_events",
                &["connection_id", "status", "note", "actor_id", "at"],
            ),
            barriers: Table::new(
                "barriers",
                &[
                    "referral_id",
                    "barrier",
                    "connection_id",
                    "notes",
                    "at",
                    "recorded_by",
                ],
            ),
            measures: Table::new(
                "measures",
                &[
                    "referral_id",
                    "instrument",
                    "timing",
                    "taken_on",
                    "answers",
                    "complete",
                    "total",
                    "metric_score",
                    "recorded_by",
                ],
            ),
        }
    }

    async fn flush(&mut self, store: &Store) -> anyhow::Result<()> {
        let t = self;
        bulk::flush(
            store,
            &mut [
                &mut t.people,
                &mut t.referrals,
                &mut t.events,
                &mut t.contacts,
                &mut t.needs,
                &mut t.goals,
                &mut t.goal_progress,
                &mut t.consents,
                &mut t.connections,
                &mut t.connection_events,
                &mut t.barriers,
                &mut t.measures,
            ],
        )
        .await
    }

    fn written(&self) -> u64 {
        [
            &self.people,
            &self.referrals,
            &self.events,
            &self.contacts,
            &self.needs,
            &self.goals,
            &self.goal_progress,
            &self.consents,
            &self.connections,
            &self.connection_events,
            &self.barriers,
            &self.measures,
        ]
        .iter()
        .map(|t| t.written)
        .sum()
    }
}

/// Who does the work in the synthetic system.
struct Staff {
    /// Per team: link worker ids (the first is the team lead).
    team_workers: HashMap<i64, Vec<i64>>,
    /// Per practice: the GP who refers.
    practice_gp: HashMap<i64, i64>,
    practice_team: HashMap<i64, i64>,
    /// Services by the need they meet, with the organisation that runs each.
    services_by_need: HashMap<Need, Vec<(i64, String)>>,
}

const GIVEN_FEMALE: [&str; 20] = [
    "Olivia", "Amelia", "Isla", "Ava", "Mia", "Aisha", "Fatima", "Maryam", "Grace", "Zara",
    "Sophie", "Chloe", "Priya", "Jasmine", "Margaret", "Patricia", "Joan", "Blessing", "Hannah",
    "Niamh",
];
const GIVEN_MALE: [&str; 20] = [
    "Oliver", "George", "Noah", "Arthur", "Muhammad", "Harry", "Leo", "Jack", "Yusuf", "Ibrahim",
    "Kwame", "David", "John", "Michael", "Raj", "Tomasz", "Liam", "Daniel", "Samuel", "Ahmed",
];
const FAMILY: [&str; 40] = [
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas",
    "Johnson", "Khan", "Ahmed", "Hussain", "Ali", "Begum", "Patel", "Singh", "Kaur", "Roberts",
    "Walker", "Wright", "Robinson", "Thompson", "White", "Hughes", "Edwards", "Green", "Hall",
    "Wood", "Clarke", "Mensah", "Okafor", "Campbell", "Kowalski", "Nowak", "Murphy", "O'Brien",
    "Lewis", "Harris", "Mahmood",
];

fn given_name(rng: &mut ChaCha8Rng, sex: Sex) -> &'static str {
    let names = if sex == Sex::Female {
        &GIVEN_FEMALE
    } else {
        &GIVEN_MALE
    };
    names[rng.gen_range(0..names.len())]
}

/// First nine digits of the synthetic NHS numbers: the 999 range NHS England reserves for
/// testing, never issued to a patient. It holds about 909,000 valid numbers; people generated
/// past that have no NHS number recorded (as some self-referrers do not).
const NHS_TEST_RANGE: std::ops::RangeInclusive<u32> = 999_000_000..=999_999_999;

/// A referral event before it is written: kind, new state, close reason, link worker,
/// SNOMED code, time and actor.
type SynthEvent = (
    EventKind,
    Option<ReferralState>,
    Option<CloseReason>,
    Option<i64>,
    Option<&'static str>,
    DateTime<Utc>,
    i64,
);

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

    let (areas, postcodes) = load_areas(&geography)?;
    let people_per_area = allocate(options.people, &areas);

    let mut staff = create_staff(store, &areas, options.people, &mut rng).await?;
    // Sorted, so the same seed places services at the same postcodes.
    let mut lsoas: Vec<&String> = postcodes.keys().collect();
    lsoas.sort();
    let places: Vec<(String, f64, f64)> = lsoas
        .iter()
        .flat_map(|lsoa| &postcodes[*lsoa])
        .step_by(29)
        .map(|(postcode, lat, lon)| (postcode.to_string(), *lat, *lon))
        .collect();
    staff.services_by_need = create_directory(
        store,
        &mut rng,
        options.services,
        &places,
        options.reference_date,
    )
    .await?;
    let practices: Vec<Practice> = practice_positions(store, &geography).await?;

    let bar = if options.progress {
        let bar = ProgressBar::new(options.people as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} people, {per_sec}, eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };

    let mut tables = Tables::new();
    let mut ids = Ids {
        nhs_seed: *NHS_TEST_RANGE.start(),
        ..Ids::default()
    };
    let mut batch_people = 0u32;
    // Registered population by practice and LSOA: the equity report's denominators.
    let mut registered: BTreeMap<(i64, &str), (u8, u32)> = BTreeMap::new();
    let created_at = options
        .reference_date
        .and_hms_opt(9, 0, 0)
        .expect("valid time")
        .and_utc()
        - Duration::days(400);
    for (area, &count) in areas.iter().zip(&people_per_area) {
        let Some(area_postcodes) = postcodes.get(&area.code) else {
            continue;
        };
        let practice = nearest_practice(&practices, area.lat, area.lon);
        registered
            .entry((practice, area.code.as_str()))
            .or_insert((area.decile.get(), 0))
            .1 += count;
        for _ in 0..count {
            let person = synth_person(&mut rng, area, options.reference_date);
            ids.person += 1;
            let (postcode, _, _) = area_postcodes.choose(&mut rng).expect("LSOA has postcodes");
            let nhs = loop {
                if !NHS_TEST_RANGE.contains(&ids.nhs_seed) {
                    break None;
                }
                ids.nhs_seed += 1;
                if let Some(n) = NhsNumber::from_first_nine(ids.nhs_seed - 1) {
                    break Some(n);
                }
            };
            tables.people.push(vec![
                ids.person.into(),
                nhs.map(|n| n.to_string().replace(' ', "")).into(),
                given_name(&mut rng, person.sex).into(),
                FAMILY[rng.gen_range(0..FAMILY.len())].into(),
                person.date_of_birth.into(),
                person.sex.code().into(),
                person.ethnicity.code().into(),
                postcode.to_string().into(),
                area.code.as_str().into(),
                (area.decile.get() as i32).into(),
                practice.into(),
                format!("07700 9{:05}", rng.gen_range(0..100_000)).into(),
                join_codes(&person.plus, PlusGroup::code).into(),
                join_codes(&person.conditions, LongTermCondition::code).into(),
                // On the register (the equity report's denominators) from birth, for
                // anyone born since the people were first loaded.
                created_at
                    .max(
                        person
                            .date_of_birth
                            .and_hms_opt(9, 0, 0)
                            .expect("valid time")
                            .and_utc(),
                    )
                    .into(),
            ]);
            if rng.gen_bool(person.referral_probability()) {
                let person_id = ids.person;
                synth_referral(
                    &mut rng,
                    &mut tables,
                    &mut ids,
                    &staff,
                    &person,
                    person_id,
                    practice,
                    options.reference_date,
                );
            }
            batch_people += 1;
            if batch_people == 20_000 {
                tables.flush(store).await?;
                bar.inc(batch_people as u64);
                batch_people = 0;
            }
        }
    }
    tables.flush(store).await?;
    let mut population = Table::new(
        "population",
        &["practice_id", "lsoa", "imd_decile", "people"],
    );
    for ((practice, lsoa), (decile, people)) in registered {
        population.push(vec![
            practice.into(),
            lsoa.into(),
            (decile as i32).into(),
            (people as i64).into(),
        ]);
    }
    bulk::flush(store, &mut [&mut population]).await?;
    bar.inc(batch_people as u64);
    bar.finish_and_clear();
    store.reset_id_sequences().await?;
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
    Ok(GenerateReport {
        people: tables.people.written,
        referrals: tables.referrals.written,
        rows: tables.written(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

#[derive(Default)]
struct Ids {
    person: i64,
    referral: i64,
    goal: i64,
    connection: i64,
    consent: i64,
    nhs_seed: u32,
}

/// The demo area's LSOAs, with the postcodes of each (one pass over the postcode table).
#[allow(clippy::type_complexity)]
fn load_areas(
    geography: &Geography,
) -> anyhow::Result<(
    Vec<Area>,
    HashMap<String, Vec<(crate::geo::Postcode, f64, f64)>>,
)> {
    let chosen: Vec<&crate::geo::Lsoa> = geography
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
fn allocate(people: u32, areas: &[Area]) -> Vec<u32> {
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

/// The synthetic directory, imported like a feed; returns each need's services.
async fn create_directory(
    store: &Store,
    rng: &mut ChaCha8Rng,
    count: usize,
    places: &[(String, f64, f64)],
    today: NaiveDate,
) -> anyhow::Result<HashMap<Need, Vec<(i64, String)>>> {
    let documents =
        super::directory::synthetic_services(rng, count.max(Need::ALL.len()), places, today);
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

/// Teams (primary care networks), practices, staff and demo sign-ins.
async fn create_staff(
    store: &Store,
    areas: &[Area],
    people: u32,
    rng: &mut ChaCha8Rng,
) -> anyhow::Result<Staff> {
    let practice_count = (people / 8_000).clamp(3, 150) as usize;
    let team_count = practice_count.div_ceil(5);
    let mut staff = Staff {
        team_workers: HashMap::new(),
        practice_gp: HashMap::new(),
        practice_team: HashMap::new(),
        services_by_need: HashMap::new(),
    };
    let mut teams = Vec::new();
    for t in 0..team_count {
        let team = store
            .create_team(&format!("Primary care network {}", t + 1))
            .await?;
        teams.push(team);
        let mut workers = Vec::new();
        for w in 0..4 {
            let role = if w == 0 {
                Role::TeamLead
            } else {
                Role::LinkWorker
            };
            let demo = t == 0 && w <= 1;
            let (username, password) = match (demo, w) {
                (true, 0) => ("teamlead".to_string(), None),
                (true, _) => ("linkworker".to_string(), None),
                _ => (format!("lw{}-{}", t + 1, w + 1), None),
            };
            let sex = if rng.gen_bool(0.7) {
                Sex::Female
            } else {
                Sex::Male
            };
            let name = format!(
                "{} {}",
                given_name(rng, sex),
                FAMILY[rng.gen_range(0..FAMILY.len())]
            );
            workers.push(
                store
                    .create_user(&NewUser {
                        username: &username,
                        display_name: &name,
                        role,
                        team_id: Some(team),
                        organisation: None,
                        password,
                    })
                    .await?,
            );
        }
        staff.team_workers.insert(team, workers);
    }
    let weights: Vec<f64> = areas.iter().map(|a| a.population as f64).collect();
    let picker = rand::distributions::WeightedIndex::new(&weights).context("area weights")?;
    for p in 0..practice_count {
        let area = &areas[rng.sample(&picker)];
        let team = teams[p % teams.len()];
        let practice = store
            .create_practice(
                &format!("M{:05}", 85_000 + p),
                &format!("{} Medical Practice", FAMILY[p % FAMILY.len()]),
                Some(&area.code),
                Some(team),
            )
            .await?;
        let username = if p == 0 {
            "referrer".to_string()
        } else {
            format!("gp{}", p + 1)
        };
        let gp = store
            .create_user(&NewUser {
                username: &username,
                display_name: &format!("Dr {}", FAMILY[(p * 7 + 3) % FAMILY.len()]),
                role: Role::Referrer,
                team_id: None,
                organisation: None,
                password: None,
            })
            .await?;
        staff.practice_gp.insert(practice, gp);
        staff.practice_team.insert(practice, team);
    }
    for (username, role, organisation) in [
        ("vcse", Role::Vcse, Some("Acorns Community Trust")),
        ("volunteer", Role::Volunteer, None),
        ("analyst", Role::Analyst, None),
        ("admin", Role::Admin, None),
    ] {
        store
            .create_user(&NewUser {
                username,
                display_name: role.label(),
                role,
                team_id: None,
                organisation,
                password: None,
            })
            .await?;
    }
    Ok(staff)
}

async fn practice_positions(store: &Store, geography: &Geography) -> anyhow::Result<Vec<Practice>> {
    let practices = store.practices_with_lsoa().await?;
    let codes: HashSet<&str> = practices.iter().map(|(_, l)| l.as_str()).collect();
    let postcodes = geography.postcodes_in(&codes);
    Ok(practices
        .iter()
        .filter_map(|(id, lsoa)| {
            let pcs = postcodes.get(lsoa)?;
            let (_, lat, lon) = pcs[pcs.len() / 2];
            Some(Practice { id: *id, lat, lon })
        })
        .collect())
}

fn nearest_practice(practices: &[Practice], lat: f64, lon: f64) -> i64 {
    practices
        .iter()
        .min_by(|a, b| {
            let da = (a.lat - lat).powi(2) + ((a.lon - lon) * 0.62).powi(2);
            let db = (b.lat - lat).powi(2) + ((b.lon - lon) * 0.62).powi(2);
            da.total_cmp(&db)
        })
        .map(|p| p.id)
        .unwrap_or(1)
}

struct SynthPerson {
    date_of_birth: NaiveDate,
    age: u32,
    sex: Sex,
    ethnicity: Ethnicity,
    plus: Vec<PlusGroup>,
    conditions: Vec<LongTermCondition>,
    decile: u8,
}

impl SynthPerson {
    fn quintile(&self) -> u8 {
        self.decile.div_ceil(2)
    }
    fn minority(&self) -> bool {
        self.plus.contains(&PlusGroup::EthnicMinority)
    }
    /// Annual chance of referral: need rises with deprivation, age and long-term
    /// conditions; ethnic minority groups are under-referred for their need.
    fn referral_probability(&self) -> f64 {
        let deprivation = 1.5 - 0.1 * (self.decile as f64 - 1.0);
        let age = match self.age {
            0..=17 => 0.05,
            18..=64 => 1.0,
            _ => 1.5,
        };
        let conditions = 1.0 + 0.3 * self.conditions.len() as f64;
        let minority = if self.minority() { 0.7 } else { 1.0 };
        (0.09 * deprivation * age * conditions * minority).min(0.9)
    }
}

fn synth_person(rng: &mut ChaCha8Rng, area: &Area, today: NaiveDate) -> SynthPerson {
    let band = {
        let x: f64 = rng.gen();
        if x < area.age_shares[0] {
            0
        } else if x < area.age_shares[0] + area.age_shares[1] {
            1
        } else {
            2
        }
    };
    let age = match band {
        0 => rng.gen_range(0..16),
        1 => rng.gen_range(16..60),
        _ => 60 + (rng.gen::<f64>().powf(1.6) * 38.0) as u32,
    };
    let date_of_birth = today - Duration::days(age as i64 * 365 + rng.gen_range(0..365));
    let sex = if rng.gen_bool(if age > 70 { 0.56 } else { 0.5 }) {
        Sex::Female
    } else {
        Sex::Male
    };
    let decile = area.decile.get();
    let p_minority = (0.72 - 0.06 * (decile as f64 - 1.0)).clamp(0.1, 0.8);
    let ethnicity = if rng.gen_bool(0.03) {
        Ethnicity::NotStated
    } else if rng.gen_bool(p_minority) {
        *[
            Ethnicity::Asian,
            Ethnicity::Asian,
            Ethnicity::Asian,
            Ethnicity::Asian,
            Ethnicity::Black,
            Ethnicity::Black,
            Ethnicity::Mixed,
            Ethnicity::Other,
        ]
        .choose(rng)
        .expect("non-empty")
    } else {
        Ethnicity::White
    };
    let mut conditions = Vec::new();
    let risk = (age as f64 / 100.0) * (1.4 - 0.05 * decile as f64);
    for (condition, base) in [
        (LongTermCondition::Hypertension, 0.35),
        (LongTermCondition::Diabetes, 0.18),
        (LongTermCondition::ChronicRespiratory, 0.12),
        (LongTermCondition::Depression, 0.25),
        (LongTermCondition::SevereMentalIllness, 0.03),
        (LongTermCondition::Cancer, 0.06),
        (LongTermCondition::Dementia, 0.04),
    ] {
        let p = if condition == LongTermCondition::Depression {
            0.12 + 0.01 * (10 - decile) as f64
        } else {
            base * risk
        };
        if age >= 16 && rng.gen_bool(p.clamp(0.0, 0.95)) {
            conditions.push(condition);
        }
    }
    if sex == Sex::Female && (18..45).contains(&age) && rng.gen_bool(0.04) {
        conditions.push(LongTermCondition::Maternity);
    }
    let mut plus = Vec::new();
    if !matches!(ethnicity, Ethnicity::White | Ethnicity::NotStated) {
        plus.push(PlusGroup::EthnicMinority);
    }
    if rng.gen_bool(0.015 + 0.004 * (10 - decile) as f64) {
        plus.push(PlusGroup::InclusionHealth);
    }
    if rng.gen_bool(0.02) {
        plus.push(PlusGroup::LearningDisabilityAutism);
    }
    if age >= 16 && rng.gen_bool(0.09) {
        plus.push(PlusGroup::Carer);
    }
    if conditions
        .iter()
        .filter(|c| **c != LongTermCondition::Maternity)
        .count()
        >= 2
    {
        plus.push(PlusGroup::Multimorbidity);
    }
    SynthPerson {
        date_of_birth,
        age,
        sex,
        ethnicity,
        plus,
        conditions,
        decile,
    }
}

fn at(day: NaiveDate, rng: &mut ChaCha8Rng) -> DateTime<Utc> {
    day.and_hms_opt(rng.gen_range(9..17), rng.gen_range(0..60), 0)
        .expect("valid time")
        .and_utc()
}

/// Item answers drawn around a mean, clamped to the instrument's range; 5% leave one blank.
fn answers(
    rng: &mut ChaCha8Rng,
    instrument: Instrument,
    mean: f64,
    spread: f64,
    may_skip: bool,
) -> Answers {
    let (min, max) = instrument.item_range();
    let skip = if may_skip && rng.gen_bool(0.05) {
        Some(rng.gen_range(0..instrument.item_count()))
    } else {
        None
    };
    let items: Vec<Option<i64>> = (0..instrument.item_count())
        .map(|i| {
            if Some(i) == skip {
                return None;
            }
            let noise: f64 = (0..3).map(|_| rng.gen::<f64>() - 0.5).sum::<f64>() * spread * 2.0;
            Some((mean + noise).round().clamp(min as f64, max as f64) as i64)
        })
        .collect();
    Answers::parse(instrument, &items).expect("generated answers are in range")
}

/// ONS4 answers: items 1-3 drawn around `wellbeing`, item 4 (anxiety) around `anxiety`,
/// clamped to 0-10; 5% leave one blank.
fn ons4_answers(rng: &mut ChaCha8Rng, wellbeing: f64, anxiety: f64) -> Answers {
    let skip = if rng.gen_bool(0.05) {
        Some(rng.gen_range(0..4))
    } else {
        None
    };
    let items: Vec<Option<i64>> = (0..4)
        .map(|i| {
            if Some(i) == skip {
                return None;
            }
            let mean = if i == 3 { anxiety } else { wellbeing };
            let noise: f64 = (0..3).map(|_| rng.gen::<f64>() - 0.5).sum::<f64>() * 4.0;
            Some((mean + noise).round().clamp(0.0, 10.0) as i64)
        })
        .collect();
    Answers::parse(Instrument::Ons4, &items).expect("generated answers are in range")
}

fn push_measure(
    tables: &mut Tables,
    referral: i64,
    a: &Answers,
    timing: MeasureTiming,
    day: NaiveDate,
    actor: i64,
) {
    let score = a.score();
    let total = score.as_ref().and_then(|s| s.total());
    let metric = score.as_ref().and_then(|s| s.metric());
    tables.measures.push(vec![
        referral.into(),
        a.instrument().code().into(),
        timing.code().into(),
        day.into(),
        serde_json::to_string(a.items()).unwrap_or_default().into(),
        a.is_complete().into(),
        total.into(),
        metric.into(),
        actor.into(),
    ]);
}

fn pick_needs(rng: &mut ChaCha8Rng, p: &SynthPerson) -> Vec<Need> {
    let mut weighted: Vec<(Need, f64)> = vec![
        (Need::Loneliness, if p.age >= 65 { 3.0 } else { 1.2 }),
        (Need::MentalWellbeing, 2.0),
        (
            Need::LongTermCondition,
            0.5 + 0.5 * p.conditions.len() as f64,
        ),
        (Need::PhysicalActivity, 1.0),
        (Need::Money, 0.6 + 0.25 * (10 - p.decile) as f64),
        (Need::Housing, 0.3 + 0.15 * (10 - p.decile) as f64),
        (Need::Food, 0.1 + 0.1 * (10 - p.decile) as f64),
        (Need::Employment, if p.age < 65 { 0.8 } else { 0.05 }),
        (
            Need::CarerSupport,
            if p.plus.contains(&PlusGroup::Carer) {
                3.0
            } else {
                0.1
            },
        ),
        (Need::DigitalInclusion, if p.age >= 70 { 0.8 } else { 0.2 }),
        (Need::Transport, 0.3),
        (Need::LegalAdvice, if p.minority() { 0.4 } else { 0.1 }),
        (Need::SubstanceUse, 0.15),
        (Need::Bereavement, if p.age >= 65 { 0.6 } else { 0.2 }),
        (Need::DomesticAbuse, 0.05),
    ];
    let count = 1 + rng.gen_range(0..3usize);
    let mut chosen = Vec::new();
    for _ in 0..count {
        let total: f64 = weighted.iter().map(|w| w.1).sum();
        let mut x = rng.gen::<f64>() * total;
        let idx = weighted.iter().position(|w| {
            x -= w.1;
            x <= 0.0
        });
        let idx = idx.unwrap_or(weighted.len() - 1);
        chosen.push(weighted.remove(idx).0);
    }
    chosen
}

/// Barriers a person meets when a connection does not work out, by circumstance.
fn pick_barrier(rng: &mut ChaCha8Rng, p: &SynthPerson) -> Barrier {
    let mut options = vec![
        (Barrier::Confidence, 1.0),
        (Barrier::ServiceFull, 0.6),
        (Barrier::CaringOrWork, 0.5),
    ];
    if p.quintile() <= 2 {
        options.extend([
            (Barrier::CostOfTakingPart, 1.5),
            (Barrier::Transport, 1.2),
            (Barrier::NoConnection, 0.6),
        ]);
    }
    if p.age >= 70 {
        options.extend([
            (Barrier::Transport, 1.0),
            (Barrier::NoDigitalSkills, 0.8),
            (Barrier::PhysicalAccess, 0.7),
        ]);
    }
    if p.minority() {
        options.extend([
            (Barrier::Language, 0.9),
            (Barrier::Stigma, 0.5),
            (Barrier::NotAccepted, 0.3),
        ]);
    }
    if p.plus.contains(&PlusGroup::LearningDisabilityAutism) {
        options.push((Barrier::LearningDisability, 1.5));
    }
    let total: f64 = options.iter().map(|o| o.1).sum();
    let mut x = rng.gen::<f64>() * total;
    for (barrier, w) in &options {
        x -= w;
        if x <= 0.0 {
            return *barrier;
        }
    }
    options[0].0
}

#[allow(clippy::too_many_arguments)]
fn synth_referral(
    rng: &mut ChaCha8Rng,
    t: &mut Tables,
    ids: &mut Ids,
    staff: &Staff,
    p: &SynthPerson,
    person_id: i64,
    practice: i64,
    today: NaiveDate,
) {
    ids.referral += 1;
    let rid = ids.referral;
    let team = staff.practice_team[&practice];
    let gp = staff.practice_gp[&practice];
    let workers = &staff.team_workers[&team];
    let worker = workers[rng.gen_range(0..workers.len())];
    let today = today - Duration::days(1);
    // Never before the person was born.
    let days_back = (today - p.date_of_birth).num_days().clamp(0, 364);
    let received = today - Duration::days(rng.gen_range(0..=days_back));
    let received_at = at(received, rng);
    let kind = *[
        ReferrerKind::Gp,
        ReferrerKind::Gp,
        ReferrerKind::Gp,
        ReferrerKind::PracticeStaff,
        ReferrerKind::OtherProfessional,
        ReferrerKind::SelfReferral,
    ]
    .choose(rng)
    .expect("non-empty");
    let needs = pick_needs(rng, p);
    let q = p.quintile() as f64;
    let mut events: Vec<SynthEvent> = vec![(
        EventKind::Created,
        Some(ReferralState::Received),
        None,
        None,
        None,
        received_at,
        gp,
    )];
    let mut state = ReferralState::Received;
    let mut close_reason = None;
    let mut follow_up: Option<NaiveDate> = None;
    let mut day = received;
    let elapsed = |d: NaiveDate| d <= today;
    'history: {
        // Assignment and first contact: slower and less often successful in deprived areas.
        day += Duration::days(rng.gen_range(1..4));
        if elapsed(day) {
            events.push((
                EventKind::Assigned,
                None,
                None,
                Some(worker),
                None,
                at(day, rng),
                workers[0],
            ));
        }
        day += Duration::days(rng.gen_range(2..8) + (5.0 - q) as i64 * 2);
        if !elapsed(day) {
            follow_up = Some(day);
            break 'history;
        }
        events.push((
            EventKind::Transition,
            Some(ReferralState::Contacting),
            None,
            None,
            None,
            at(day, rng),
            worker,
        ));
        state = ReferralState::Contacting;
        let p_unreachable = 0.05
            + 0.025 * (5.0 - q)
            + if p.plus.contains(&PlusGroup::InclusionHealth) {
                0.15
            } else {
                0.0
            };
        if rng.gen_bool(p_unreachable) {
            for _ in 0..3 {
                if !elapsed(day) {
                    break;
                }
                t.contacts.push(vec![
                    rid.into(),
                    at(day, rng).into(),
                    "phone".into(),
                    5i32.into(),
                    false.into(),
                    "No answer; voicemail left".into(),
                    Option::<String>::None.into(),
                    worker.into(),
                ]);
                day += Duration::days(rng.gen_range(2..6));
            }
            if elapsed(day) {
                events.push((
                    EventKind::Transition,
                    Some(ReferralState::UnableToContact),
                    None,
                    None,
                    None,
                    at(day, rng),
                    worker,
                ));
                state = ReferralState::UnableToContact;
            } else {
                follow_up = Some(day);
            }
            break 'history;
        }
        if rng.gen_bool(0.08) {
            t.contacts.push(vec![
                rid.into(),
                at(day, rng).into(),
                "phone".into(),
                15i32.into(),
                true.into(),
                "Explained social prescribing; does not want support now".into(),
                Option::<String>::None.into(),
                worker.into(),
            ]);
            events.push((
                EventKind::Transition,
                Some(ReferralState::Declined),
                None,
                None,
                Some(SNOMED_SOCIAL_PRESCRIBING_DECLINED),
                at(day, rng),
                worker,
            ));
            state = ReferralState::Declined;
            break 'history;
        }

        // The "what matters to me" conversation, needs, goals and baseline measures.
        let mode = *[
            ContactMode::InPerson,
            ContactMode::InPerson,
            ContactMode::Phone,
            ContactMode::HomeVisit,
            ContactMode::Video,
        ]
        .choose(rng)
        .expect("non-empty");
        t.contacts.push(vec![
            rid.into(),
            at(day, rng).into(),
            mode.code().into(),
            rng.gen_range(30..75i32).into(),
            true.into(),
            "What matters conversation".into(),
            Some(format!(
                "Wants help with {}",
                needs[0].label().to_lowercase()
            ))
            .into(),
            worker.into(),
        ]);
        events.push((
            EventKind::Transition,
            Some(ReferralState::Active),
            None,
            None,
            Some(SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING),
            at(day, rng),
            worker,
        ));
        state = ReferralState::Active;
        for need in &needs {
            t.needs
                .push(vec![rid.into(), need.code().into(), "".into()]);
        }
        let mut goal_ids = Vec::new();
        for need in needs.iter().take(2) {
            ids.goal += 1;
            goal_ids.push(ids.goal);
            t.goals.push(vec![
                ids.goal.into(),
                rid.into(),
                format!("Make progress with {}", need.label().to_lowercase()).into(),
                need.code().into(),
                at(day, rng).into(),
            ]);
            t.goal_progress.push(vec![
                ids.goal.into(),
                0i32.into(),
                "goal agreed".into(),
                at(day, rng).into(),
                worker.into(),
            ]);
        }
        let baseline_item = 2.35 + 0.06 * p.decile as f64;
        let swemwbs = answers(rng, Instrument::Swemwbs, baseline_item, 0.8, true);
        push_measure(t, rid, &swemwbs, MeasureTiming::Baseline, day, worker);
        let lonely = 1.6 + if p.age >= 65 { 0.5 } else { 0.0 } + 0.05 * (10 - p.decile) as f64;
        let ucla = answers(rng, Instrument::Ucla3, lonely, 0.6, true);
        push_measure(t, rid, &ucla, MeasureTiming::Baseline, day, worker);
        // ONS4: the first three items (satisfied, worthwhile, happy) are higher-is-better,
        // the fourth (anxious yesterday) lower-is-better, and more anxious in deprived areas.
        let (wellbeing, anxiety) = (5.0 + 0.15 * p.decile as f64, 6.3 - 0.2 * p.decile as f64);
        let ons = ons4_answers(rng, wellbeing, anxiety);
        push_measure(t, rid, &ons, MeasureTiming::Baseline, day, worker);

        // Connections: accepted mostly; attendance falls with deprivation and exclusion.
        let mut attended_any = false;
        day += Duration::days(rng.gen_range(5..15));
        if !elapsed(day) {
            follow_up = Some(day);
            break 'history;
        }
        for need in needs.iter().take(2) {
            ids.connection += 1;
            let cid = ids.connection;
            let services = &staff.services_by_need[need];
            let (service, organisation) = &services[rng.gen_range(0..services.len())];
            let (service, organisation) = (*service, organisation.as_str());
            let accompanied = rng.gen_bool(0.2);
            let mut status = ConnectionStatus::Requested;
            let sent = at(day, rng);
            t.connection_events.push(vec![
                cid.into(),
                status.code().into(),
                "".into(),
                worker.into(),
                sent.into(),
            ]);
            let mut when = sent;
            let mut step = |t: &mut Tables,
                            s: ConnectionStatus,
                            days: i64,
                            actor: i64,
                            rng: &mut ChaCha8Rng| {
                when += Duration::days(days) + Duration::minutes(rng.gen_range(0..600));
                t.connection_events.push(vec![
                    cid.into(),
                    s.code().into(),
                    "".into(),
                    actor.into(),
                    when.into(),
                ]);
                status = s;
            };
            if rng.gen_bool(0.9) {
                step(
                    t,
                    ConnectionStatus::Accepted,
                    rng.gen_range(1..10),
                    worker,
                    rng,
                );
                let mut p_attend = 0.78 - 0.05 * (5.0 - q);
                if p.minority() {
                    p_attend -= 0.06;
                }
                if p.plus.contains(&PlusGroup::InclusionHealth)
                    || p.plus.contains(&PlusGroup::LearningDisabilityAutism)
                {
                    p_attend -= 0.1;
                }
                if accompanied {
                    p_attend += 0.12;
                }
                if rng.gen_bool(p_attend.clamp(0.05, 0.95)) {
                    step(
                        t,
                        ConnectionStatus::AttendedFirstSession,
                        rng.gen_range(3..21),
                        worker,
                        rng,
                    );
                    attended_any = true;
                    if rng.gen_bool(0.7) {
                        step(
                            t,
                            ConnectionStatus::Completed,
                            rng.gen_range(20..60),
                            worker,
                            rng,
                        );
                    }
                } else {
                    step(
                        t,
                        ConnectionStatus::Failed,
                        rng.gen_range(7..21),
                        worker,
                        rng,
                    );
                    t.barriers.push(vec![
                        rid.into(),
                        pick_barrier(rng, p).code().into(),
                        cid.into(),
                        "".into(),
                        when.into(),
                        worker.into(),
                    ]);
                }
            } else {
                step(
                    t,
                    ConnectionStatus::Rejected,
                    rng.gen_range(1..10),
                    worker,
                    rng,
                );
                t.barriers.push(vec![
                    rid.into(),
                    Barrier::ServiceFull.code().into(),
                    cid.into(),
                    "".into(),
                    when.into(),
                    worker.into(),
                ]);
            }
            let status_at = if when.date_naive() > today {
                sent
            } else {
                when
            };
            // Consent to share name and needs with the organisation, given as the connection is made.
            ids.consent += 1;
            t.consents.push(vec![
                ids.consent.into(),
                person_id.into(),
                organisation.into(),
                "name,needs".into(),
                "verbal".into(),
                sent.into(),
                worker.into(),
            ]);
            t.connections.push(vec![
                ids.consent.into(),
                cid.into(),
                rid.into(),
                service.into(),
                status.code().into(),
                accompanied.into(),
                sent.into(),
                status_at.into(),
                "".into(),
                worker.into(),
            ]);
        }

        // Follow-up and closing about three months in.
        day += Duration::days(rng.gen_range(60..110));
        if !elapsed(day) {
            follow_up = Some(today + Duration::days(rng.gen_range(-20..30)));
            break 'history;
        }
        let p_disengage = 0.1 + 0.03 * (5.0 - q) + if attended_any { 0.0 } else { 0.12 };
        if rng.gen_bool(p_disengage.min(0.9)) {
            t.barriers.push(vec![
                rid.into(),
                pick_barrier(rng, p).code().into(),
                Option::<i64>::None.into(),
                "Stopped engaging".into(),
                at(day, rng).into(),
                worker.into(),
            ]);
            events.push((
                EventKind::Transition,
                Some(ReferralState::Closed),
                Some(CloseReason::Disengaged),
                None,
                None,
                at(day, rng),
                worker,
            ));
            close_reason = Some(CloseReason::Disengaged);
            state = ReferralState::Closed;
            break 'history;
        }
        let gain = 0.25 + if attended_any { 0.3 } else { 0.0 };
        let follow = answers(rng, Instrument::Swemwbs, baseline_item + gain, 0.8, true);
        push_measure(t, rid, &follow, MeasureTiming::FollowUp, day, worker);
        let ucla_follow = answers(
            rng,
            Instrument::Ucla3,
            lonely - if attended_any { 0.35 } else { 0.1 },
            0.6,
            true,
        );
        push_measure(t, rid, &ucla_follow, MeasureTiming::FollowUp, day, worker);
        // Improvement: well-being items rise, anxiety falls.
        let ons_follow = ons4_answers(rng, wellbeing + gain * 2.0, anxiety - gain * 2.0);
        push_measure(t, rid, &ons_follow, MeasureTiming::FollowUp, day, worker);
        let progress = if attended_any {
            rng.gen_range(5..=10)
        } else {
            rng.gen_range(1..=6)
        };
        for g in &goal_ids {
            t.goal_progress.push(vec![
                (*g).into(),
                progress.into(),
                "review".into(),
                at(day, rng).into(),
                worker.into(),
            ]);
        }
        t.contacts.push(vec![
            rid.into(),
            at(day, rng).into(),
            "phone".into(),
            20i32.into(),
            true.into(),
            "Follow-up review".into(),
            Option::<String>::None.into(),
            worker.into(),
        ]);
        let reason = if progress >= 8 {
            CloseReason::GoalsMet
        } else if progress >= 4 {
            CloseReason::GoalsPartlyMet
        } else {
            CloseReason::Disengaged
        };
        events.push((
            EventKind::Transition,
            Some(ReferralState::Closed),
            Some(reason),
            None,
            None,
            at(day, rng),
            worker,
        ));
        state = ReferralState::Closed;
        close_reason = Some(reason);
    }
    finish_referral(
        t,
        rid,
        (person_id, practice, p.decile),
        kind,
        gp,
        team,
        worker,
        state,
        close_reason,
        received_at,
        follow_up,
        &needs,
        events,
    );
}

#[allow(clippy::too_many_arguments)]
fn finish_referral(
    t: &mut Tables,
    rid: i64,
    (person_id, practice, decile): (i64, i64, u8),
    kind: ReferrerKind,
    gp: i64,
    team: i64,
    worker: i64,
    state: ReferralState,
    close_reason: Option<CloseReason>,
    received_at: DateTime<Utc>,
    follow_up: Option<NaiveDate>,
    needs: &[Need],
    events: Vec<SynthEvent>,
) {
    let assigned = events.iter().any(|e| e.0 == EventKind::Assigned);
    t.referrals.push(vec![
        rid.into(),
        person_id.into(),
        state.code().into(),
        (events.len() as i64).into(),
        kind.code().into(),
        gp.into(),
        format!(
            "Would benefit from support with {}",
            needs[0].label().to_lowercase()
        )
        .into(),
        team.into(),
        assigned.then_some(worker).into(),
        close_reason.map(CloseReason::code).into(),
        received_at.into(),
        if state.is_open() { follow_up } else { None }.into(),
        // The latest code recorded: the referral code once accepted, declined on a decline.
        events
            .iter()
            .rev()
            .find_map(|e| e.4)
            .map(str::to_string)
            .into(),
        practice.into(),
        (decile as i32).into(),
    ]);
    for (kind, to, reason, lw, snomed, when, actor) in events {
        t.events.push(vec![
            rid.into(),
            kind.code().into(),
            to.map(ReferralState::code).into(),
            reason.map(CloseReason::code).into(),
            lw.into(),
            snomed.into(),
            Option::<String>::None.into(),
            actor.into(),
            when.into(),
        ]);
    }
}
