//! Who does the work in the synthetic system: teams (primary care networks) of link
//! workers, practices with the GP who refers, and one account for each other role.

use super::areas::Area;
use super::people::{given_name, FAMILY};
use crate::audit::AuditContext;
use crate::auth::Role;
use crate::geo::Geography;
use crate::people::Sex;
use crate::programmes::{Eligibility, NewProgramme, ProgrammeModel};
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
    pub programmes: DemoProgrammes,
}

/// The three programmes of the synthetic system (docs/programmes.md): practice link workers
/// everywhere, community connectors in every other team (so a smaller reach), befriending
/// for older people everywhere.
#[derive(Default)]
pub(super) struct DemoProgrammes {
    pub practice: i64,
    pub connectors: i64,
    pub befriending: i64,
    pub connector_teams: HashSet<i64>,
}

/// Which of the demo's programmes a referral is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DemoProgramme {
    Practice,
    Connectors,
    Befriending,
}

impl DemoProgramme {
    /// The progress (0 to 10) at the review from which goals count as met: befriending's
    /// weekly contact gets people there sooner, the connectors' short support later. Only
    /// the threshold moves, never a random draw, so the rest of the system is the same as
    /// without programmes.
    pub fn goals_met_from(self) -> i32 {
        match self {
            DemoProgramme::Practice => 8,
            DemoProgramme::Connectors => 9,
            DemoProgramme::Befriending => 7,
        }
    }
}

impl DemoProgrammes {
    /// The programme a referral belongs to, decided from what is already drawn (no draw of
    /// its own, so the rest of the system is the same with or without programmes).
    pub fn pick(
        &self,
        team: i64,
        age: u32,
        needs: &[Need],
        referral_id: i64,
    ) -> (DemoProgramme, i64) {
        if age >= 65 && needs.contains(&Need::Loneliness) {
            (DemoProgramme::Befriending, self.befriending)
        } else if self.connector_teams.contains(&team) && referral_id % 3 == 0 {
            (DemoProgramme::Connectors, self.connectors)
        } else {
            (DemoProgramme::Practice, self.practice)
        }
    }
}

/// Defines the demo's programmes over its teams.
async fn create_programmes(store: &Store, teams: &[i64]) -> anyhow::Result<DemoProgrammes> {
    let ctx = AuditContext {
        actor_id: 0,
        actor_role: "system".into(),
        purpose: "synthetic care system".into(),
        request_id: "generate".into(),
    };
    let steps = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let connector_teams: Vec<i64> = teams.iter().copied().step_by(2).collect();
    let define = |name: &str,
                  model: ProgrammeModel,
                  description: &str,
                  eligibility: Eligibility,
                  team_ids: Vec<i64>,
                  pathway: Vec<String>| NewProgramme {
        name: name.into(),
        model,
        description: description.into(),
        eligibility,
        team_ids,
        pathway,
        active: true,
    };
    let practice = define(
        "Practice link workers",
        ProgrammeModel::PracticeAttached,
        "Link workers based in the practices, seeing anyone their GP refers.",
        Eligibility::default(),
        teams.to_vec(),
        steps(&[
            "Referral received",
            "First contact",
            "What matters conversation and plan",
            "Connections to community support",
            "Review at about three months",
        ]),
    );
    let connectors = define(
        "Community connectors",
        ProgrammeModel::CommunityConnectors,
        "Connectors and volunteers meeting people in the community, for a few weeks of support.",
        Eligibility {
            min_age: Some(18),
            needs: Vec::new(),
            notes: "Adults living in the networks that run it.".into(),
        },
        connector_teams.clone(),
        steps(&[
            "Referral received",
            "Home or community visit",
            "Up to 12 weeks of support with a volunteer",
            "Handover to community groups",
        ]),
    );
    let befriending = define(
        "Befriending for older people",
        ProgrammeModel::Befriending,
        "A volunteer befriender visiting or calling every week.",
        Eligibility {
            min_age: Some(65),
            needs: vec![Need::Loneliness],
            notes: String::new(),
        },
        teams.to_vec(),
        steps(&[
            "Referral received",
            "Matched with a volunteer befriender",
            "Weekly visits or calls",
            "Review at about three months",
        ]),
    );
    Ok(DemoProgrammes {
        practice: store.create_programme(&practice, &ctx).await?.id,
        connectors: store.create_programme(&connectors, &ctx).await?.id,
        befriending: store.create_programme(&befriending, &ctx).await?.id,
        connector_teams: connector_teams.into_iter().collect(),
    })
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
        programmes: DemoProgrammes::default(),
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
    staff.programmes = create_programmes(store, &teams).await?;
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
