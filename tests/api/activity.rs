//! The activity report (issue 17, item 1): its figures against counts worked out by hand
//! on a small hand-made dataset, on both databases; disclosure control on what is shown;
//! refused periods; and who may see it.

use crate::helpers::{spawn_app, Backend, TestApp};
use crate::on_both_databases;
use crate::pages::{page, sign_in_as};
use chrono::{DateTime, NaiveDate, Utc};
use linkwell::activity::tally::{tally, Monthly, Tally};
use linkwell::activity::{parse_period, Request, Scope};
use linkwell::equity::tally::Count;
use linkwell::referrals::{Barrier, CloseReason, ContactMode, Need, ReferrerKind};
use linkwell::store::bulk::rows::*;
use linkwell::store::bulk::Rows;
use reqwest::StatusCode;

on_both_databases!(
    figures_match_a_hand_count,
    small_counts_are_hidden_and_unpublished_periods_refused,
    only_analysts_and_team_leads_see_it
);

fn at(s: &str) -> DateTime<Utc> {
    format!("{s}T10:00:00Z").parse().unwrap()
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Referral number, person number, referrer kind, received, team, assigned on, state, close reason.
type HandReferral = (
    i64,
    i64,
    &'static str,
    &'static str,
    i64,
    Option<&'static str>,
    &'static str,
    Option<&'static str>,
);

/// Ids of the hand-made dataset, well above anything the test app made.
const TEAM_A: i64 = 1;

/// The dataset (September 2026, and one referral in September 2025):
///
/// | referral | person | referred by | received | team | needs | contacts (mode, reached) | end |
/// |---|---|---|---|---|---|---|---|
/// | R1 | P1 | gp | 09-02 | A | loneliness, money | 09-03 phone no; 09-05 phone yes; 09-20 in person yes | closed goals met 09-28, SWEMWBS baseline + follow-up |
/// | R2 | P2 | self | 09-10 | A | housing | 09-25 video yes | open; connection C1 (walking group) sent 09-26: accepted, attended |
/// | R3 | P3 | gp | 2026-08-20 | A | – | 09-01 home visit yes | open; connection C2 (food bank) sent 09-05: declined, barrier "service full" |
/// | R4 | P4 | practice staff | 09-15 | A | – | 09-16, 09-19, 09-22 phone no | unable to contact 09-23 |
/// | R5 | P5 | gp | 09-18 | A | loneliness | 09-19 phone yes | declined 09-19, barrier "confidence" |
/// | R6 | P1 | other professional | 09-21 | A | food | 09-22 in person yes | open, never assigned |
/// | R7 | P6 | gp | 2025-09-10 | A | – | 2025-09-12 phone yes | closed disengaged 2025-09-30 |
/// | R8 | P6 | gp | 09-05 | C | – | – | open, never assigned |
///
/// R1 to R5 are assigned to the team's link worker on the day received (R3 on 08-20).
pub(crate) async fn hand_made_dataset(app: &TestApp) -> i64 {
    let team_c = app.store.create_team("Team C").await.unwrap();
    let food_bank = app
        .store
        .create_service("Food bank", "Trussell", "Food parcels")
        .await
        .unwrap()
        .id;
    let worker = app.link_worker_id;
    let mut people = Rows::<PersonRow>::default();
    for p in 1..=6 {
        people.push(PersonRow {
            id: 9000 + p,
            nhs_number: None,
            given_name: "Hand",
            family_name: "Made",
            date_of_birth: day("1960-01-01"),
            sex: "female",
            ethnicity: "white",
            postcode: "SW1A 1AA".into(),
            lsoa: "E01004736".into(),
            imd_decile: 5,
            practice_id: app.practice_id,
            phone: String::new(),
            plus_groups: String::new(),
            conditions: String::new(),
            created_at: at("2025-01-01"),
        });
    }
    let mut referrals = Rows::<ReferralRow>::default();
    let mut events = Rows::<ReferralEventRow>::default();
    let table: [HandReferral; 8] = [
        (
            1,
            1,
            "gp",
            "2026-09-02",
            TEAM_A,
            Some("2026-09-02"),
            "closed",
            Some("goals_met"),
        ),
        (
            2,
            2,
            "self",
            "2026-09-10",
            TEAM_A,
            Some("2026-09-11"),
            "active",
            None,
        ),
        (
            3,
            3,
            "gp",
            "2026-08-20",
            TEAM_A,
            Some("2026-08-20"),
            "active",
            None,
        ),
        (
            4,
            4,
            "practice_staff",
            "2026-09-15",
            TEAM_A,
            Some("2026-09-15"),
            "unable_to_contact",
            None,
        ),
        (
            5,
            5,
            "gp",
            "2026-09-18",
            TEAM_A,
            Some("2026-09-18"),
            "declined",
            None,
        ),
        (
            6,
            1,
            "other",
            "2026-09-21",
            TEAM_A,
            None,
            "contacting",
            None,
        ),
        (
            7,
            6,
            "gp",
            "2025-09-10",
            TEAM_A,
            Some("2025-09-10"),
            "closed",
            Some("disengaged"),
        ),
        (8, 6, "gp", "2026-09-05", team_c, None, "received", None),
    ];
    for (n, person, kind, received, team, assigned, state, reason) in table {
        let id = 9100 + n;
        referrals.push(ReferralRow {
            id,
            person_id: 9000 + person,
            state,
            version: 1,
            referrer_kind: kind,
            referred_by: worker,
            reason: "hand-made".into(),
            team_id: if team == TEAM_A { team } else { team_c },
            link_worker_id: assigned.map(|_| worker),
            close_reason: reason,
            received_at: at(received),
            next_follow_up_on: None,
            snomed_code: None,
            practice_id_at_referral: app.practice_id,
            imd_decile_at_referral: 5,
            programme_id: None,
        });
        if let Some(day) = assigned {
            events.push(event(id, "assigned", None, reason, Some(worker), day));
        }
    }
    events.push(event(
        9101,
        "transition",
        Some("closed"),
        Some("goals_met"),
        None,
        "2026-09-28",
    ));
    events.push(event(
        9104,
        "transition",
        Some("unable_to_contact"),
        None,
        None,
        "2026-09-23",
    ));
    events.push(event(
        9105,
        "transition",
        Some("declined"),
        None,
        None,
        "2026-09-19",
    ));
    events.push(event(
        9107,
        "transition",
        Some("closed"),
        Some("disengaged"),
        None,
        "2025-09-30",
    ));
    let mut needs = Rows::<NeedRow>::default();
    for (r, need) in [
        (1, "loneliness"),
        (1, "money"),
        (2, "housing"),
        (5, "loneliness"),
        (6, "food"),
    ] {
        needs.push(NeedRow {
            referral_id: 9100 + r,
            need,
            notes: "",
        });
    }
    let mut contacts = Rows::<ContactRow>::default();
    for (r, when, mode, reached) in [
        (1, "2026-09-03", "phone", false),
        (1, "2026-09-05", "phone", true),
        (1, "2026-09-20", "in_person", true),
        (2, "2026-09-25", "video", true),
        (3, "2026-09-01", "home_visit", true),
        (4, "2026-09-16", "phone", false),
        (4, "2026-09-19", "phone", false),
        (4, "2026-09-22", "phone", false),
        (5, "2026-09-19", "phone", true),
        (6, "2026-09-22", "in_person", true),
        (7, "2025-09-12", "phone", true),
    ] {
        contacts.push(ContactRow {
            referral_id: 9100 + r,
            at: at(when),
            mode,
            duration_minutes: 10,
            reached,
            notes: "",
            what_matters: None,
            recorded_by: worker,
        });
    }
    let mut consents = Rows::<ConsentRow>::default();
    for (id, person, organisation) in [(9301, 9002, "Parks Trust"), (9302, 9003, "Trussell")] {
        consents.push(ConsentRow {
            id,
            person_id: person,
            organisation: organisation.into(),
            share_fields: "name",
            method: "verbal",
            given_at: at("2026-09-01"),
            recorded_by: worker,
        });
    }
    let mut connections = Rows::<ConnectionRow>::default();
    let mut connection_events = Rows::<ConnectionEventRow>::default();
    for (id, consent, referral, service, status, sent, history) in [
        (
            9401,
            9301,
            9102,
            app.service_id,
            "attended_first_session",
            "2026-09-26",
            &["requested", "accepted", "attended_first_session"][..],
        ),
        (
            9402,
            9302,
            9103,
            food_bank,
            "rejected",
            "2026-09-05",
            &["requested", "rejected"][..],
        ),
    ] {
        connections.push(ConnectionRow {
            consent_id: consent,
            id,
            referral_id: referral,
            service_id: service,
            status,
            accompanied: false,
            sent_at: at(sent),
            status_at: at(sent),
            notes: "",
            created_by: worker,
        });
        for status in history {
            connection_events.push(ConnectionEventRow {
                connection_id: id,
                status,
                note: "",
                actor_id: worker,
                at: at(sent),
            });
        }
    }
    let mut barriers = Rows::<BarrierRow>::default();
    for (referral, barrier, connection) in [
        (9103, "service_full", Some(9402)),
        (9105, "confidence", None),
    ] {
        barriers.push(BarrierRow {
            referral_id: referral,
            barrier,
            connection_id: connection,
            notes: "",
            at: at("2026-09-19"),
            recorded_by: worker,
        });
    }
    let mut measures = Rows::<MeasureRow>::default();
    for (timing, taken) in [("baseline", "2026-09-05"), ("follow_up", "2026-09-27")] {
        measures.push(MeasureRow {
            referral_id: 9101,
            instrument: "swemwbs",
            timing,
            taken_on: day(taken),
            answers: "[3,3,3,3,3,3,3]".into(),
            complete: true,
            total: Some(21),
            metric_score: Some(20.73),
            recorded_by: worker,
        });
    }
    app.store
        .insert_rows(&mut [
            &mut people,
            &mut referrals,
            &mut events,
            &mut needs,
            &mut contacts,
            &mut consents,
            &mut connections,
            &mut connection_events,
            &mut barriers,
            &mut measures,
        ])
        .await
        .unwrap();
    team_c
}

fn event(
    referral: i64,
    kind: &'static str,
    to: Option<&'static str>,
    reason: Option<&'static str>,
    worker: Option<i64>,
    when: &str,
) -> ReferralEventRow {
    ReferralEventRow {
        referral_id: referral,
        kind,
        to_state: to,
        close_reason: if kind == "assigned" { None } else { reason },
        link_worker_id: worker,
        snomed_code: None,
        note: None,
        actor_id: worker.unwrap_or(1),
        at: at(when),
    }
}

fn n(c: &Count) -> u64 {
    c.n
}

fn position<T: PartialEq>(all: &[T], value: T) -> usize {
    all.iter().position(|v| *v == value).unwrap()
}

async fn september(
    app: &TestApp,
    scope: impl Fn(&linkwell::activity::ActivityFacts) -> Scope,
) -> (linkwell::activity::ActivityFacts, Tally) {
    let facts = app.store.load_activity_facts().await.unwrap();
    let request = Request {
        period: parse_period(Some("2026-09"), day("2026-11-30")).unwrap(),
        scope: scope(&facts),
        programme: None,
    };
    let t = tally(&facts, &request);
    (facts, t)
}

async fn figures_match_a_hand_count(backend: Backend) {
    let app = spawn_app(backend).await;
    hand_made_dataset(&app).await;
    let (facts, t) = september(&app, |_| Scope::All).await;
    let team_a = facts.team_index(TEAM_A).unwrap();
    assert_eq!(facts.teams[usize::from(team_a)].name, "Team A");

    // Received in September 2026: R1, R2, R4, R5, R6, R8 = 6 (R3 came in August, R7 in 2025).
    assert_eq!(n(&t.referrals), 6);
    // By kind: gp R1, R5, R8 = 3; self R2 = 1; practice staff R4 = 1; other R6 = 1.
    let kind = |k| n(&t.by_kind[position(ReferrerKind::ALL, k)]);
    assert_eq!(kind(ReferrerKind::Gp), 3);
    assert_eq!(kind(ReferrerKind::SelfReferral), 1);
    assert_eq!(kind(ReferrerKind::PracticeStaff), 1);
    assert_eq!(kind(ReferrerKind::Other), 1);
    // All six from the one practice; five held by team A, one (R8) by team C.
    let practice = facts
        .practices
        .iter()
        .position(|p| p.code == "M00001")
        .unwrap();
    assert_eq!(n(&t.by_practice[practice]), 6);
    assert_eq!(n(&t.by_team[usize::from(team_a)]), 5);
    // Needs: loneliness R1 + R5 = 2; money R1 = 1; housing R2 = 1; food R6 = 1; none R4, R8 = 2.
    let need = |x| n(&t.by_need[position(Need::ALL, x)]);
    assert_eq!(need(Need::Loneliness), 2);
    assert_eq!(need(Need::Money), 1);
    assert_eq!(need(Need::Housing), 1);
    assert_eq!(need(Need::Food), 1);
    assert_eq!(n(&t.by_need[Need::ALL.len()]), 2);
    // People reached in September: P1 (on R1 twice and R6), P2, P3, P5 = 4 distinct.
    assert_eq!(n(&t.people_supported), 4);
    // Contacts: phone R1 ×2, R4 ×3, R5 ×1 = 6 (reached: R1 09-05, R5 = 2); in person R1, R6 = 2
    // (2 reached); video R2 = 1 (1); home visit R3 = 1 (1); text 0.
    let mode = |m| position(ContactMode::ALL, m);
    for (m, all, reached) in [
        (ContactMode::Phone, 6, 2),
        (ContactMode::InPerson, 2, 2),
        (ContactMode::Video, 1, 1),
        (ContactMode::HomeVisit, 1, 1),
        (ContactMode::Text, 0, 0),
    ] {
        assert_eq!(
            (n(&t.contacts[mode(m)]), n(&t.reached[mode(m)])),
            (all, reached),
            "{m:?}"
        );
    }
    // Open on 30 September: R2, R3 (the link worker's: 2), R6, R8 (not assigned: 2).
    let worker = facts
        .workers
        .iter()
        .position(|w| w.id == app.link_worker_id)
        .unwrap();
    assert_eq!(n(&t.caseload[worker]), 2);
    assert_eq!(n(t.caseload.last().unwrap()), 2);
    // First reached in September, days from receipt: R1 09-02→09-05 = 3; R2 09-10→09-25 = 15;
    // R3 08-20→09-01 = 12; R5 = 1; R6 = 1. Bands 0-7: R1, R5, R6 = 3; 8-14: R3 = 1; 15-28: R2 = 1.
    assert_eq!(
        t.waits.iter().map(n).collect::<Vec<_>>(),
        [3, 1, 1, 0, 0, 0]
    );
    // Declined R5 (reason: confidence); unable to contact R4; closed R1 (goals met, with a
    // SWEMWBS baseline and follow-up).
    assert_eq!(n(&t.declined), 1);
    assert_eq!(
        n(&t.decline_reasons[position(Barrier::ALL, Barrier::Confidence)]),
        1
    );
    assert_eq!(n(&t.decline_reasons[Barrier::ALL.len()]), 0);
    assert_eq!(n(&t.unable_to_contact), 1);
    assert_eq!(
        n(&t.closures[position(CloseReason::ALL, CloseReason::GoalsMet)]),
        1
    );
    assert_eq!(t.closures.iter().map(n).sum::<u64>(), 1);
    assert_eq!(n(&t.outcome_pairs), 1);
    // Connections sent in September: C1 (accepted, attended) and C2 (declined, service full):
    // sent 2, accepted 1, declined 1, attended 1; each organisation 1 sent.
    assert_eq!(
        t.connections.iter().map(n).collect::<Vec<_>>(),
        [2, 1, 1, 1]
    );
    let parks = facts
        .organisations
        .iter()
        .position(|o| o == "Parks Trust")
        .unwrap();
    let trussell = facts
        .organisations
        .iter()
        .position(|o| o == "Trussell")
        .unwrap();
    assert_eq!(
        t.by_organisation[parks].iter().map(n).collect::<Vec<_>>(),
        [1, 1, 0, 1]
    );
    assert_eq!(
        t.by_organisation[trussell]
            .iter()
            .map(n)
            .collect::<Vec<_>>(),
        [1, 0, 1, 0]
    );
    assert_eq!(
        n(&t.connection_decline_reasons[position(Barrier::ALL, Barrier::ServiceFull)]),
        1
    );
    // Month by month: September 2026 is the last of 24 months, September 2025 twelve before.
    let month = |m: usize, f: Monthly| n(&t.monthly[m][f as usize]);
    // September 2026: referrals 6, people 4, contacts 6 + 2 + 1 + 1 = 10, reached 2 + 2 + 1 + 1
    // = 6, connections 2 (1 attended), declined 1, unable 1, closed 1 (goals met 1).
    for (f, expected) in [
        (Monthly::Referrals, 6),
        (Monthly::PeopleSupported, 4),
        (Monthly::Contacts, 10),
        (Monthly::ContactsReached, 6),
        (Monthly::ConnectionsSent, 2),
        (Monthly::ConnectionsAttended, 1),
        (Monthly::Declined, 1),
        (Monthly::UnableToContact, 1),
        (Monthly::Closed, 1),
        (Monthly::GoalsMet, 1),
    ] {
        assert_eq!(month(23, f), expected, "2026-09 {f:?}");
    }
    // August 2026: R3 received. September 2025: R7 received, P6 reached once, closed
    // (disengaged, so no goals met).
    assert_eq!(month(22, Monthly::Referrals), 1);
    for (f, expected) in [
        (Monthly::Referrals, 1),
        (Monthly::PeopleSupported, 1),
        (Monthly::Contacts, 1),
        (Monthly::Closed, 1),
        (Monthly::GoalsMet, 0),
    ] {
        assert_eq!(month(11, f), expected, "2025-09 {f:?}");
    }

    // Team A's own report leaves out R8 (team C): 5 referrals, and only R6 unassigned.
    let (_, a) = september(&app, |f| Scope::Team(f.team_index(TEAM_A).unwrap())).await;
    assert_eq!(n(&a.referrals), 5);
    assert_eq!(n(a.caseload.last().unwrap()), 1);
    assert_eq!(
        n(&a.by_kind[position(ReferrerKind::ALL, ReferrerKind::Gp)]),
        2
    );
}

async fn small_counts_are_hidden_and_unpublished_periods_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    hand_made_dataset(&app).await;
    let (s, report) = app
        .get("/reports/activity?period=2026-09", &app.analyst)
        .await;
    assert_eq!(s, StatusCode::OK, "{report}");
    // Three GP referrals (counted by hand above): too few to show.
    let kinds = report["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "referrals_by_referrer_kind")
        .unwrap();
    let gp = kinds["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "gp")
        .unwrap();
    assert_eq!(gp["counts"][0], "*", "{gp}");
    // Every count in the report is "*" or a multiple of 5 of at least 10.
    let text = report.to_string();
    assert!(!text.contains("Hand") && !text.contains("/people/"));
    for table in report["tables"].as_array().unwrap() {
        for row in table["rows"].as_array().unwrap() {
            for c in row["counts"].as_array().unwrap() {
                assert!(
                    c == "*" || c.as_u64().is_some_and(|v| v >= 10 && v % 5 == 0),
                    "{c} in {}",
                    table["code"]
                );
            }
        }
    }
    // Nothing is computed from hidden counts.
    assert!(report["waiting"]["median_days"].is_null());
    assert!(report["outcome_completion"]["percent"].is_null());
    // Analysts see link workers under pseudonyms, never their names.
    let caseload = report["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "caseload_by_link_worker")
        .unwrap()
        .to_string();
    assert!(
        caseload.contains("Link worker ") && !caseload.contains("\"lw\""),
        "{caseload}"
    );
    assert_eq!(report["period"]["from"], "2026-09-01");
    assert_eq!(report["monthly"].as_array().unwrap().len(), 12);
    assert_eq!(report["monthly"][11]["month"], "2026-09");

    // Periods that are not published, or not over, are refused with a problem document.
    for period in [
        "2026-9",
        "2026-09-01",
        "2026-Q5",
        "2026/28",
        "2026-11",
        "2027-Q1",
        "2026/27",
    ] {
        let (s, problem) = app
            .get(
                &format!("/reports/activity?period={}", period.replace('/', "%2F")),
                &app.analyst,
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{period}: {problem}");
        assert_eq!(problem["field"], "period", "{problem}");
        assert!(problem["type"].as_str().unwrap().starts_with("/problems/"));
    }
    let (s, _) = app
        .get("/reports/activity?from=2026-09-01", &app.analyst)
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown parameters are refused"
    );

    // The page: the report, then a refused period as the form with an error summary.
    let cookie = sign_in_as(&app, "analyst").await;
    let (status, html) = page(&app, &cookie, "/reports/activity?period=2026-Q3").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Month by month") && html.contains("data-label=\"Sent\""));
    assert!(!html.contains("/people/"));
    let (status, refused) = page(&app, &cookie, "/reports/activity?period=2026-13").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("<title>Error: ") && refused.contains("There is a problem"));
    assert!(refused.contains("href=\"#period\"") && refused.contains("value=\"2026-13\" "));
    assert!(!refused.contains("Month by month"));
    let (status, csv) = page(
        &app,
        &cookie,
        "/reports/activity/download.csv?period=2026-09",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.starts_with("table,row,row_label,column,count,change_from_a_year_before"));
    assert!(
        csv.contains("referrals_by_referrer_kind,gp,GP,count,*,"),
        "{csv}"
    );
}

async fn only_analysts_and_team_leads_see_it(backend: Backend) {
    let app = spawn_app(backend).await;
    hand_made_dataset(&app).await;
    for token in [
        &app.referrer,
        &app.vcse,
        &app.volunteer,
        &app.link_worker,
        &app.admin,
    ] {
        let (s, problem) = app.get("/reports/activity?period=2026-09", token).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{problem}");
    }
    // A team lead gets their own team's report, with their team's names.
    let (s, report) = app
        .get("/reports/activity?period=2026-09", &app.team_lead)
        .await;
    assert_eq!(s, StatusCode::OK, "{report}");
    assert_eq!(report["scope"], "Team A");
    let teams = report["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "referrals_by_team")
        .unwrap();
    assert_eq!(
        teams["rows"].as_array().unwrap().len(),
        1,
        "only their team"
    );
    assert!(
        report.to_string().contains("\"label\":\"lw\""),
        "names for the team lead"
    );
    let (s, _) = app
        .get("/reports/activity?period=2026-09", &app.analyst)
        .await;
    assert_eq!(s, StatusCode::OK);
    let worker = sign_in_as(&app, "lw").await;
    let (status, _) = page(&app, &worker, "/reports/activity").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
