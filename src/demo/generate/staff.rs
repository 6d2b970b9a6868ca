//! Who does the work in the synthetic system: teams (primary care networks) of link
//! workers, practices with the GP who refers, and one account for each other role.

use super::areas::Area;
use super::people::{given_name, FAMILY};
use crate::auth::Role;
use crate::geo::Geography;
use crate::people::Sex;
use crate::referrals::Need;
use crate::store::{NewUser, Store};
use anyhow::Context;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::collections::{HashMap, HashSet};

/// Who does the work in the synthetic system.
pub(super) struct Staff {
    /// Per team: link worker ids (the first is the team lead).
    pub team_workers: HashMap<i64, Vec<i64>>,
    /// Per practice: the GP who refers.
    pub practice_gp: HashMap<i64, i64>,
    pub practice_team: HashMap<i64, i64>,
    /// Services by the need they meet, with the organisation that runs each.
    pub services_by_need: HashMap<Need, Vec<(i64, String)>>,
}

/// A practice and where it is.
pub(super) struct Practice {
    id: i64,
    lat: f64,
    lon: f64,
}

/// Teams (primary care networks), practices, staff and demo sign-ins.
pub(super) async fn create_staff(
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
        // Ofcom keeps 0121 496 0000-0999 for drama: a number that is never anyone's.
        store
            .set_team_phone(team, Some(&format!("0121 496 {:04}", t % 1000)))
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
            let username = match (demo, w) {
                (true, 0) => "teamlead".to_string(),
                (true, _) => "linkworker".to_string(),
                _ => format!("lw{}-{}", t + 1, w + 1),
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
                        password: None,
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

/// Each practice at the middle postcode of its LSOA.
pub(super) async fn practice_positions(
    store: &Store,
    geography: &Geography,
) -> anyhow::Result<Vec<Practice>> {
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

/// The practice nearest a point (a flat approximation, good enough within one area).
pub(super) fn nearest_practice(practices: &[Practice], lat: f64, lon: f64) -> i64 {
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
