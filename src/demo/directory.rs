//! A synthetic community directory for the demo area, in HSDS 3.0 / ORUK form: community
//! organisations with services for each need, at real postcodes (or by phone or online),
//! with schedules, costs, ages, languages, accessibility, capacity and assurance dates
//! that vary as real listings do (about a third not re-checked for a year).

use crate::directory::taxonomy::{need_term_id, needs_taxonomy_id, uuid_from};
use crate::referrals::Need;
use chrono::{Duration, NaiveDate};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

/// The organisation the demo's community organisation user works for.
pub const DEMO_ORGANISATION: &str = "Acorns Community Trust";

fn random_uuid(rng: &mut ChaCha8Rng) -> String {
    uuid_from(rng.gen())
}

/// Neighbourhoods of the demo area with their approximate centres, to name services after
/// the place they are held.
const PLACES: [(&str, f64, f64); 24] = [
    ("Acocks Green", 52.449, -1.816),
    ("Sparkbrook", 52.462, -1.870),
    ("Northfield", 52.414, -1.966),
    ("Erdington", 52.524, -1.839),
    ("Handsworth", 52.506, -1.928),
    ("Shirley", 52.410, -1.820),
    ("Chelmsley Wood", 52.481, -1.735),
    ("Kings Heath", 52.434, -1.893),
    ("Moseley", 52.446, -1.888),
    ("Small Heath", 52.472, -1.856),
    ("Sutton Coldfield", 52.563, -1.823),
    ("Yardley", 52.476, -1.806),
    ("Castle Vale", 52.520, -1.786),
    ("Kingstanding", 52.548, -1.888),
    ("Balsall Heath", 52.456, -1.885),
    ("Edgbaston", 52.462, -1.925),
    ("Selly Oak", 52.437, -1.937),
    ("Ladywood", 52.479, -1.919),
    ("Aston", 52.501, -1.882),
    ("Perry Barr", 52.522, -1.900),
    ("Hall Green", 52.430, -1.841),
    ("Solihull", 52.413, -1.778),
    ("Knowle", 52.388, -1.732),
    ("Olton", 52.437, -1.801),
];

/// The named neighbourhood nearest a point.
fn nearest_place(lat: f64, lon: f64) -> &'static str {
    PLACES
        .iter()
        .min_by(|a, b| {
            let d = |p: &(&str, f64, f64)| (p.1 - lat).powi(2) + ((p.2 - lon) * 0.61).powi(2);
            d(a).total_cmp(&d(b))
        })
        .map_or("Birmingham", |p| p.0)
}

const KINDS: [&str; 10] = [
    "Community Trust",
    "Neighbours",
    "Together",
    "Foundation",
    "Community Association",
    "Advice Centre",
    "Wellbeing Hub",
    "Community Church",
    "Mutual Aid",
    "Partnership",
];

fn activities(need: Need) -> &'static [&'static str] {
    match need {
        Need::Loneliness => &[
            "Friendship café",
            "Lunch club",
            "Befriending calls",
            "Knit and natter",
            "Community choir",
            "Men's shed",
        ],
        Need::MentalWellbeing => &[
            "Peer support group",
            "Mindfulness group",
            "Talking therapies drop-in",
            "Art for wellbeing",
        ],
        Need::LongTermCondition => &[
            "Diabetes self-management course",
            "Breathe easy group",
            "Pain management group",
            "Heart health class",
        ],
        Need::PhysicalActivity => &[
            "Walking group",
            "Chair yoga",
            "Walking football",
            "Cycling club",
            "Gentle swimming",
            "Tai chi",
        ],
        Need::Money => &[
            "Debt advice",
            "Benefits advice",
            "Money coaching",
            "Energy bill help",
        ],
        Need::Housing => &["Housing advice", "Tenancy support", "Home repairs help"],
        Need::Food => &[
            "Food bank",
            "Community pantry",
            "Cooking on a budget",
            "Community meal",
        ],
        Need::Employment => &[
            "Job club",
            "Volunteering hub",
            "CV workshop",
            "Skills for work course",
        ],
        Need::CarerSupport => &[
            "Carers' support group",
            "Young carers club",
            "Carers' respite sessions",
        ],
        Need::DigitalInclusion => &[
            "Digital skills drop-in",
            "Tablet loan scheme",
            "Online safety course",
        ],
        Need::Transport => &[
            "Community transport",
            "Volunteer driver scheme",
            "Ring and ride",
        ],
        Need::LegalAdvice => &[
            "Immigration advice",
            "Legal advice clinic",
            "Welfare rights appeals",
        ],
        Need::SubstanceUse => &[
            "Recovery café",
            "Alcohol support group",
            "Family support for substance use",
        ],
        Need::Bereavement => &[
            "Bereavement café",
            "Bereavement counselling",
            "Loss and grief group",
        ],
        Need::DomesticAbuse => &[
            "Domestic abuse advice line",
            "Safe space drop-in",
            "Freedom programme",
        ],
    }
}

const LANGUAGES: [(&str, &str); 6] = [
    ("Urdu", "ur"),
    ("Punjabi", "pa"),
    ("Bengali", "bn"),
    ("Polish", "pl"),
    ("Arabic", "ar"),
    ("Somali", "so"),
];

const DAYS: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

/// `count` services; `places` are (postcode, latitude, longitude) in the area.
pub fn synthetic_services(
    rng: &mut ChaCha8Rng,
    count: usize,
    places: &[(String, f64, f64)],
    today: NaiveDate,
) -> Vec<Value> {
    let organisations: Vec<(String, String)> = std::iter::once(DEMO_ORGANISATION.to_string())
        .chain((1..(count / 3).max(2)).map(|i| {
            let place = PLACES[i % PLACES.len()].0;
            let kind = KINDS[(i / PLACES.len()) % KINDS.len()];
            let round = i / (PLACES.len() * KINDS.len());
            if round == 0 {
                format!("{place} {kind}")
            } else {
                format!("{place} {kind} {}", round + 1)
            }
        }))
        .map(|name| (random_uuid(rng), name))
        .collect();
    (0..count)
        .map(|i| {
            // The demo organisation runs one in fifty services, so its inbox has work.
            let (org_id, org_name) = if i % 50 == 0 {
                &organisations[0]
            } else {
                organisations.choose(rng).expect("organisations")
            };
            let need = Need::ALL[i % Need::ALL.len()];
            let activity = activities(need).choose(rng).expect("activities");
            let at = places.choose(rng).expect("places").clone();
            service(rng, need, activity, &at, org_id, org_name, today)
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn service(
    rng: &mut ChaCha8Rng,
    need: Need,
    activity: &str,
    at: &(String, f64, f64),
    org_id: &str,
    org_name: &str,
    today: NaiveDate,
) -> Value {
    let (postcode, lat, lon) = at;
    let place = nearest_place(*lat, *lon);
    let id = random_uuid(rng);
    let mode = match rng.gen_range(0..100) {
        0..=69 => "in person",
        70..=84 => "by phone",
        _ => "online",
    };
    let assured = today - Duration::days(rng.gen_range(0..720));
    let mut s = json!({
        "id": id,
        "name": format!("{activity} – {place}"),
        "description": format!(
            "{activity} run by {org_name} for people in and around {place}, {mode}. Help with {}.",
            need.label().to_lowercase()
        ),
        "status": if rng.gen_bool(0.04) { "temporarily closed" } else { "active" },
        "assured_date": assured.to_string(),
        "last_modified": format!("{assured}T09:00:00Z"),
        "organization": {"id": org_id, "name": org_name, "description": format!("{org_name}: a community organisation in Birmingham and Solihull")},
        "attributes": [{"id": random_uuid(rng), "taxonomy_term": {
            "id": need_term_id(need), "name": need.label(), "description": format!("Support with {}", need.label().to_lowercase()),
            "taxonomy": "Linkwell needs", "taxonomy_id": needs_taxonomy_id()}}],
    });
    let (min_age, max_age) = match rng.gen_range(0..100) {
        0..=4 => (11, 25),
        5..=14 => (60, 120),
        _ => (18, 120),
    };
    s["minimum_age"] = json!(min_age);
    s["maximum_age"] = json!(max_age);
    let opens = rng.gen_range(9..18);
    let how_many = rng.gen_range(1..3);
    let mut days: Vec<&str> = DAYS.choose_multiple(rng, how_many).copied().collect();
    days.sort_by_key(|d| DAYS.iter().position(|x| x == d));
    s["schedules"] = json!([{
        "id": random_uuid(rng), "freq": "WEEKLY", "interval": 1, "byday": days.join(","),
        "opens_at": format!("{opens:02}:00"), "closes_at": format!("{:02}:00", opens + 2),
        "attending_type": mode,
    }]);
    s["cost_options"] = if rng.gen_bool(0.75) {
        json!([{"id": random_uuid(rng), "option": "Free", "amount": 0, "amount_description": "No charge"}])
    } else {
        json!([{"id": random_uuid(rng), "option": "Per session", "amount": rng.gen_range(2..11), "amount_description": "per session"}])
    };
    let mut languages = vec![json!({"id": random_uuid(rng), "name": "English", "code": "en"})];
    if rng.gen_bool(0.2) {
        let (name, code) = LANGUAGES.choose(rng).expect("languages");
        languages.push(json!({"id": random_uuid(rng), "name": name, "code": code}));
    }
    s["languages"] = json!(languages);
    if rng.gen_bool(0.85) {
        let maximum = rng.gen_range(10..31);
        let available = if rng.gen_bool(0.15) {
            0
        } else {
            rng.gen_range(1..=maximum)
        };
        s["service_capacity"] = json!([{"id": random_uuid(rng), "available": available, "maximum": maximum,
            "updated": format!("{}T08:00:00Z", today - Duration::days(rng.gen_range(0..30)))}]);
    }
    let location = if mode == "online" {
        json!({"id": random_uuid(rng), "location_type": "virtual", "name": "Online"})
    } else {
        let mut accessibility = Vec::new();
        if rng.gen_bool(0.6) {
            accessibility.push(json!({"id": random_uuid(rng), "description": "Step-free access and an accessible toilet"}));
        }
        if rng.gen_bool(0.3) {
            accessibility.push(json!({"id": random_uuid(rng), "description": "Hearing loop"}));
        }
        let mut location = json!({
            "id": random_uuid(rng), "location_type": "physical", "name": format!("{place} community centre"),
            "latitude": (lat * 1e5).round() / 1e5, "longitude": (lon * 1e5).round() / 1e5,
            "addresses": [{"id": random_uuid(rng), "address_1": format!("{} High Street", rng.gen_range(1..200)),
                           "city": if ["Solihull", "Knowle", "Shirley", "Olton", "Chelmsley Wood"].contains(&place) { "Solihull" } else { "Birmingham" },
                           "state_province": "West Midlands", "postal_code": postcode, "country": "GB", "address_type": "physical"}],
        });
        if !accessibility.is_empty() {
            location["accessibility"] = json!(accessibility);
        }
        location
    };
    s["service_at_locations"] = json!([{"id": random_uuid(rng), "location": location}]);
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn generated_services_pass_the_feed_checks() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let places = vec![("B25 8DS".to_string(), 52.45, -1.81)];
        let today: NaiveDate = "2026-11-25".parse().unwrap();
        let services = synthetic_services(&mut rng, 300, &places, today);
        let listings =
            crate::directory::feed::parse(&serde_json::to_vec(&services).unwrap()).unwrap();
        assert_eq!(listings.len(), 300);
        let demo = listings
            .iter()
            .filter(|l| l.service.organization.as_ref().unwrap().name == DEMO_ORGANISATION)
            .count();
        assert!(
            (6..20).contains(&demo),
            "one in fifty and a few more: {demo}"
        );
        let stale = listings
            .iter()
            .filter(|l| l.service.assured_date.as_deref().unwrap() < "2025-11-25")
            .count();
        assert!(
            (60..160).contains(&stale),
            "about a third unassured for a year: {stale}"
        );
    }
}
