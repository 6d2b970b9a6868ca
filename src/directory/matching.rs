//! Matching for one person: services for each of their needs, ranked by what would help
//! them get there and stay: distance from home (or no travel at all when transport is a
//! barrier), no online-only services without internet, cost, step-free access, a hearing
//! loop, other languages, places free, and whether the listing has been checked lately.
//! Each result explains its rank in a sentence.

use super::search::{Feature, Mode, SearchIndex, STALE_AFTER_DAYS};
use super::taxonomy::need_term_id;
use crate::people::{Language, WrittenFormat};
use crate::referrals::{Barrier, Need};
use chrono::NaiveDate;

/// How the person communicates, from their PRSB record: a service that lists their
/// language, or the written format they need in its accessibility, ranks higher and says so.
#[derive(Debug, Clone, Default)]
pub struct Communication {
    pub language: Option<Language>,
    pub written_format: Option<WrittenFormat>,
}

/// What matching knows about the person.
#[derive(Debug, Clone, Default)]
pub struct Circumstances {
    pub needs: Vec<Need>,
    pub barriers: Vec<Barrier>,
    pub age: Option<f64>,
    /// Home, from the person's postcode.
    pub home: Option<(f64, f64)>,
    pub today: Option<NaiveDate>,
    pub communication: Communication,
}

impl Circumstances {
    fn has(&self, barrier: Barrier) -> bool {
        self.barriers.contains(&barrier)
    }
    fn no_internet(&self) -> bool {
        self.has(Barrier::NoDevice)
            || self.has(Barrier::NoConnection)
            || self.has(Barrier::NoDigitalSkills)
    }
}

/// Without a transport barrier, in-person services further than this are not offered.
const FURTHEST_KM: f64 = 15.0;
/// With a transport barrier, in-person services must be this close (walking distance).
const NEAR_KM: f64 = 2.0;

#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// Position in the catalogue's entries.
    pub entry: usize,
    pub need: Need,
    pub score: f64,
    pub distance_km: Option<f64>,
    /// Why it ranks where it does, in one sentence.
    pub why: String,
}

/// The services within reach of a person for one need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reach {
    pub need: Need,
    /// Services matching would offer (full ones included: matching ranks them last).
    pub in_reach: usize,
    /// Positions in the catalogue of those in reach that list no places free.
    pub full: Vec<usize>,
}

impl Reach {
    /// Nothing in reach has a place: no service at all, or only full ones.
    pub fn unmet(&self) -> bool {
        self.full.len() == self.in_reach
    }
}

/// Score, distance in km, and the reasons for and against.
type Weighed = (f64, Option<f64>, Vec<String>, Vec<String>);

impl SearchIndex {
    /// The best `per_need` services for each need, best first overall.
    pub fn match_for(&self, person: &Circumstances, per_need: usize) -> Vec<Match> {
        let stale_before = person
            .today
            .map(|d| d - chrono::Duration::days(STALE_AFTER_DAYS));
        let mut all = Vec::new();
        for &need in &person.needs {
            let mut found: Vec<Match> = self
                .by_term
                .get(&need_term_id(need))
                .into_iter()
                .flatten()
                .filter_map(|&i| {
                    let (score, distance_km, good, bad) =
                        self.weigh(i as usize, person, stale_before)?;
                    Some(Match {
                        entry: i as usize,
                        need,
                        score,
                        distance_km,
                        why: sentence(need, &good, &bad),
                    })
                })
                .collect();
            found.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.entry.cmp(&b.entry)));
            found.truncate(per_need);
            all.extend(found);
        }
        all.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.entry.cmp(&b.entry)));
        all
    }

    /// For each need, the services matching would offer the person (exactly those
    /// `match_for` lists: within reach given their barriers, age and home), and which of
    /// them are full. What the capacity report counts as unmet need (issue 17).
    pub fn reach(&self, person: &Circumstances) -> Vec<Reach> {
        person
            .needs
            .iter()
            .map(|&need| {
                let mut reach = Reach {
                    need,
                    in_reach: 0,
                    full: Vec::new(),
                };
                for &i in self.by_term.get(&need_term_id(need)).into_iter().flatten() {
                    if self.weigh(i as usize, person, None).is_some() {
                        reach.in_reach += 1;
                        if self.facts[i as usize]
                            .capacity
                            .is_some_and(|(available, _)| available <= 0.0)
                        {
                            reach.full.push(i as usize);
                        }
                    }
                }
                reach
            })
            .collect()
    }

    /// Score, distance and the reasons for and against; `None` when it cannot be used.
    fn weigh(
        &self,
        i: usize,
        person: &Circumstances,
        stale_before: Option<NaiveDate>,
    ) -> Option<Weighed> {
        let f = &self.facts[i];
        if !f.active
            || person
                .age
                .is_some_and(|a| !(f.min_age..=f.max_age).contains(&a))
        {
            return None;
        }
        let in_person = f.modes & Mode::InPerson.bit() != 0;
        let phone = f.modes & Mode::Phone.bit() != 0;
        let online = f.modes & Mode::Online.bit() != 0;
        let transport = person.has(Barrier::Transport);
        let remote_ok = phone || (online && !person.no_internet());
        let mut good = Vec::new();
        let mut bad = Vec::new();
        let distance_km = person
            .home
            .zip(f.position)
            .map(|(h, p)| crate::geo::metres_between(h, p) / 1000.0);
        let reachable_in_person = in_person
            && distance_km.is_none_or(|d| d <= if transport { NEAR_KM } else { FURTHEST_KM });
        let mut score = match (reachable_in_person, remote_ok) {
            (true, _) => {
                let d = distance_km.unwrap_or(3.0);
                if let Some(d) = distance_km {
                    good.push(format!("{d:.1} km from home"));
                }
                1.0 / (1.0 + d / 3.0)
            }
            (false, true) => {
                good.push(if phone {
                    "by phone, so no travel".into()
                } else {
                    "online, so no travel".into()
                });
                if transport {
                    0.8
                } else {
                    0.5
                }
            }
            (false, false) => return None,
        };
        if f.free {
            good.push("free".into());
        } else {
            score *= if person.has(Barrier::CostOfTakingPart) {
                0.3
            } else {
                0.8
            };
            bad.push("it costs money".into());
        }
        if reachable_in_person && person.has(Barrier::PhysicalAccess) {
            if f.features & Feature::StepFree.bit() != 0 {
                score *= 1.2;
                good.push("step-free access".into());
            } else {
                score *= 0.4;
                bad.push("no step-free access listed".into());
            }
        }
        if reachable_in_person
            && person.has(Barrier::Sensory)
            && f.features & Feature::HearingLoop.bit() != 0
        {
            score *= 1.1;
            good.push("a hearing loop".into());
        }
        if person.has(Barrier::Language) && f.other_languages {
            score *= 1.2;
            good.push("help in languages other than English".into());
        }
        if let Some(language) = person.communication.language.filter(|l| !l.is_english()) {
            if f.languages
                .iter()
                .any(|(code, name)| language.matches_listing(code.as_deref(), name.as_deref()))
            {
                score *= 1.3;
                good.push(format!("offers {}", language.label()));
            }
        }
        if let Some(format) = person.communication.written_format {
            let words = format.label().to_lowercase();
            if f.accessibility_text.contains(&words) {
                score *= 1.1;
                good.push(format!("offers {words}"));
            }
        }
        match f.capacity {
            Some((available, _)) if available > 0.0 => {
                score *= 1.1;
                good.push(format!("{available} places free"));
            }
            Some(_) => {
                score *= 0.3;
                bad.push("full at the moment".into());
            }
            None => {}
        }
        if stale_before.is_some_and(|limit| f.assured.is_none_or(|a| a < limit)) {
            score *= 0.7;
            bad.push("the listing has not been checked for over a year".into());
        }
        Some((score, distance_km, good, bad))
    }
}

fn sentence(need: Need, good: &[String], bad: &[String]) -> String {
    let mut text = format!("For {}", need.label().to_lowercase());
    if !good.is_empty() {
        text.push_str(": ");
        text.push_str(&good.join(", "));
    }
    if !bad.is_empty() {
        text.push_str(if good.is_empty() { ", but " } else { "; but " });
        text.push_str(&bad.join(", and "));
    }
    text.push('.');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::catalogue::Entry;
    use serde_json::{json, Value};

    const HOME: (f64, f64) = (52.4500, -1.8000);

    /// A physical activity service; `place` is (lat, lon) or None for remote.
    fn service(id: &str, place: Option<(f64, f64)>, attending: &str, extra: Value) -> Entry {
        let location = match place {
            Some((lat, lon)) => {
                json!({"id": "l", "location_type": "physical", "latitude": lat, "longitude": lon,
                "addresses": [{"id": "a", "address_1": "1 Road", "city": "Birmingham", "state_province": "West Midlands",
                               "postal_code": "B25 8DS", "country": "GB", "address_type": "physical"}]})
            }
            None => json!({"id": "l", "location_type": "virtual"}),
        };
        let mut doc = json!({
            "id": id, "name": id, "status": "active", "assured_date": "2026-10-01",
            "schedules": [{"id": "s", "byday": "MO", "opens_at": "10:00", "closes_at": "12:00", "attending_type": attending}],
            "service_at_locations": [{"id": "p", "location": location}],
            "attributes": [{"id": "t", "taxonomy_term": {"id": need_term_id(Need::PhysicalActivity), "name": "Physical activity", "description": "d"}}],
        });
        if let Value::Object(extra) = extra {
            for (k, v) in extra {
                doc[k] = v;
            }
        }
        Entry::new(1, doc).unwrap()
    }

    /// About 1 km and about 8 km north of home.
    const NEAR: (f64, f64) = (52.4590, -1.8000);
    const FAR: (f64, f64) = (52.5220, -1.8000);

    fn ranked(entries: &[Entry], barriers: &[Barrier], age: Option<f64>) -> Vec<String> {
        let index = SearchIndex::build(entries);
        let person = Circumstances {
            needs: vec![Need::PhysicalActivity],
            barriers: barriers.to_vec(),
            age,
            home: Some(HOME),
            today: Some("2026-11-25".parse().unwrap()),
            communication: Communication::default(),
        };
        index
            .match_for(&person, 10)
            .iter()
            .map(|m| entries[m.entry].service.id.clone())
            .collect()
    }

    #[test]
    fn without_transport_the_near_group_beats_the_far_one_and_the_phone_line() {
        let entries = [
            service("far", Some(FAR), "in person", json!({})),
            service("phone", None, "by phone", json!({})),
            service("near", Some(NEAR), "in person", json!({})),
        ];
        assert_eq!(ranked(&entries, &[], None), ["near", "phone", "far"]);
    }

    #[test]
    fn with_no_transport_far_groups_drop_out_and_remote_help_rises() {
        let entries = [
            service("far", Some(FAR), "in person", json!({})),
            service("phone", None, "by phone", json!({})),
            service("near", Some(NEAR), "in person", json!({})),
        ];
        let order = ranked(&entries, &[Barrier::Transport], None);
        assert_eq!(
            order,
            ["phone", "near"],
            "8 km is out of reach; phone needs no travel"
        );
    }

    #[test]
    fn no_internet_rules_out_online_only_and_cost_barriers_favour_free() {
        let entries = [
            service("online", None, "online", json!({})),
            service(
                "paid",
                Some(NEAR),
                "in person",
                json!({"cost_options": [{"id": "c", "amount": 5}]}),
            ),
            service("free", Some((52.4610, -1.8000)), "in person", json!({})),
        ];
        assert_eq!(
            ranked(
                &entries,
                &[Barrier::NoDevice, Barrier::CostOfTakingPart],
                None
            ),
            ["free", "paid"]
        );
        let anyone = ranked(&entries, &[], None);
        assert_eq!(
            anyone.len(),
            3,
            "online and paid services are offered to others: {anyone:?}"
        );
    }

    #[test]
    fn age_full_services_step_free_access_and_the_sentence() {
        let entries = [
            service(
                "over-60s",
                Some(NEAR),
                "in person",
                json!({"minimum_age": 60}),
            ),
            service(
                "full",
                Some(NEAR),
                "in person",
                json!({"service_capacity": [{"id": "k", "available": 0, "maximum": 10}]}),
            ),
            service("steps", Some(NEAR), "in person", json!({})),
            service(
                "step-free",
                Some(NEAR),
                "in person",
                json!({"service_at_locations": [{"id": "p", "location": {
                "id": "l", "location_type": "physical", "latitude": NEAR.0, "longitude": NEAR.1,
                "accessibility": [{"id": "x", "description": "Step-free access"}]}}],
                "service_capacity": [{"id": "k", "available": 4, "maximum": 10}]}),
            ),
        ];
        let order = ranked(&entries, &[Barrier::PhysicalAccess], Some(35.0));
        assert_eq!(order, ["step-free", "steps", "full"]);
        let index = SearchIndex::build(&entries);
        let person = Circumstances {
            needs: vec![Need::PhysicalActivity],
            barriers: vec![Barrier::PhysicalAccess],
            age: Some(35.0),
            home: Some(HOME),
            today: Some("2026-11-25".parse().unwrap()),
            communication: Communication::default(),
        };
        let best = &index.match_for(&person, 1)[0];
        assert_eq!(
            best.why,
            "For physical activity: 1.0 km from home, free, step-free access, 4 places free."
        );
    }

    #[test]
    fn a_service_offering_the_persons_language_or_format_ranks_first_and_says_so() {
        // Two services at the same place; only one lists British Sign Language (bfi).
        let entries = [
            service("plain", Some(NEAR), "in person", json!({})),
            service(
                "signing",
                Some(NEAR),
                "in person",
                json!({"languages": [{"id": "l1", "name": "British Sign Language", "code": "bfi"}]}),
            ),
        ];
        let index = SearchIndex::build(&entries);
        let mut person = Circumstances {
            needs: vec![Need::PhysicalActivity],
            home: Some(HOME),
            ..Default::default()
        };
        let ids = |m: &[Match]| -> Vec<String> {
            m.iter()
                .map(|m| entries[m.entry].service.id.clone())
                .collect()
        };
        assert_eq!(
            ids(&index.match_for(&person, 10)),
            ["plain", "signing"],
            "ties keep listing order"
        );
        person.communication.language = Some(Language::parse("bfi").unwrap());
        let found = index.match_for(&person, 10);
        assert_eq!(ids(&found), ["signing", "plain"]);
        assert!(
            found[0].why.contains("offers British Sign Language"),
            "{}",
            found[0].why
        );
        assert!(!found[1].why.contains("offers"), "{}", found[1].why);
        // A different language changes nothing.
        person.communication.language = Some(Language::parse("pl").unwrap());
        assert_eq!(ids(&index.match_for(&person, 10)), ["plain", "signing"]);
    }
}
