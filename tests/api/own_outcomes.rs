//! A link worker's own outcomes beside their team's (issue 15, item 15;
//! docs/own-outcomes.md): the exact figures against a count by hand on a small dataset, the
//! mean changes worked out by hand, suppressed cells (small counts, and team figures whose
//! "team minus yours" would be small), refused quarters, and who may see whose.

use crate::helpers::{spawn_app, Backend, TestApp};
use crate::on_both_databases;
use crate::pages::{page, sign_in_as};
use chrono::{DateTime, NaiveDate, Utc};
use linkwell::activity::own_outcomes::{parse_quarter, tally, Step};
use linkwell::auth::Role;
use linkwell::store::bulk::rows::*;
use linkwell::store::bulk::Rows;
use linkwell::store::NewUser;
use reqwest::StatusCode;
use serde_json::Value;

on_both_databases!(
    own_figures_match_a_hand_count,
    small_and_differencing_cells_are_hidden,
    a_link_worker_sees_only_their_own
);

const TEAM_A: i64 = 1;

fn at(s: &str) -> DateTime<Utc> {
    format!("{s}T10:00:00Z").parse().unwrap()
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// One hand-made referral: id, holder (None: never assigned), received, first reached,
/// became active, ended (state, day), SWEMWBS metric (baseline, follow-up), ONS4 (life
/// satisfaction and anxiety: baseline, follow-up).
struct Hand {
    id: i64,
    holder: Option<i64>,
    received: &'static str,
    reached: Option<&'static str>,
    active: Option<&'static str>,
    ended: Option<(&'static str, &'static str)>,
    swemwbs: Option<(f64, f64)>,
    ons4: bool,
}

/// The dataset, all in team A, the quarter 2026-Q3 (July to September 2026):
///
/// | referrals | held by | received | first reached | active | ended | pairs |
/// |---|---|---|---|---|---|---|
/// | A1-A10 | lw | 07-06 | 07-08 | 07-10 | closed goals met 09-15 | SWEMWBS 17.0 -> 17 + c, c = 1,2,3,4,5,1,2,3,4,5; ONS4 |
/// | A11-A13 | lw | 08-03 | – | – | declined 08-05 | – |
/// | B1-B9 | lw2 | 07-13 | 07-15 | B1-B4 only, 07-20 | closed goals met 09-20 | SWEMWBS 20.0 -> 21.0; ONS4 |
/// | U1 | nobody | 08-10 | – | – | open | – |
/// | U2 | nobody | 07-20 | – | – | closed goals met 09-25 | ONS4 only |
///
/// ONS4 pairs: life satisfaction 5 -> 6 (+1), anxiety 5 -> 4 (-1).
/// Returns lw2's account id.
async fn hand_made_quarter(app: &TestApp) -> i64 {
    let lw = app.link_worker_id;
    let lw2 = app
        .store
        .create_user(&NewUser {
            username: "lw2",
            display_name: "Second Worker",
            role: Role::LinkWorker,
            team_id: Some(TEAM_A),
            organisation: None,
            password: None,
        })
        .await
        .unwrap();
    let mut hand = Vec::new();
    for (i, c) in [1.0, 2.0, 3.0, 4.0, 5.0, 1.0, 2.0, 3.0, 4.0, 5.0]
        .into_iter()
        .enumerate()
    {
        hand.push(Hand {
            id: 9501 + i as i64,
            holder: Some(lw),
            received: "2026-07-06",
            reached: Some("2026-07-08"),
            active: Some("2026-07-10"),
            ended: Some(("closed", "2026-09-15")),
            swemwbs: Some((17.0, 17.0 + c)),
            ons4: true,
        });
    }
    for i in 0..3 {
        hand.push(Hand {
            id: 9511 + i,
            holder: Some(lw),
            received: "2026-08-03",
            reached: None,
            active: None,
            ended: Some(("declined", "2026-08-05")),
            swemwbs: None,
            ons4: false,
        });
    }
    for i in 0..9 {
        hand.push(Hand {
            id: 9521 + i,
            holder: Some(lw2),
            received: "2026-07-13",
            reached: Some("2026-07-15"),
            active: (i < 4).then_some("2026-07-20"),
            ended: Some(("closed", "2026-09-20")),
            swemwbs: Some((20.0, 21.0)),
            ons4: true,
        });
    }
    hand.push(Hand {
        id: 9531,
        holder: None,
        received: "2026-08-10",
        reached: None,
        active: None,
        ended: None,
        swemwbs: None,
        ons4: false,
    });
    hand.push(Hand {
        id: 9532,
        holder: None,
        received: "2026-07-20",
        reached: None,
        active: None,
        ended: Some(("closed", "2026-09-25")),
        swemwbs: None,
        ons4: true,
    });

    let mut people = Rows::<PersonRow>::default();
    let mut referrals = Rows::<ReferralRow>::default();
    let mut events = Rows::<ReferralEventRow>::default();
    let mut contacts = Rows::<ContactRow>::default();
    let mut measures = Rows::<MeasureRow>::default();
    let event =
        |referral: i64, kind, to, reason, worker: Option<i64>, when: &str| ReferralEventRow {
            referral_id: referral,
            kind,
            to_state: to,
            close_reason: reason,
            link_worker_id: worker,
            snomed_code: None,
            note: None,
            actor_id: lw,
            at: at(when),
        };
    for h in &hand {
        people.push(PersonRow {
            id: h.id,
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
        let (state, reason) = match h.ended {
            Some(("closed", _)) => ("closed", Some("goals_met")),
            Some((state, _)) => (state, None),
            None => ("received", None),
        };
        referrals.push(ReferralRow {
            id: h.id,
            person_id: h.id,
            state,
            version: 1,
            referrer_kind: "gp",
            referred_by: lw,
            reason: "hand-made".into(),
            team_id: TEAM_A,
            link_worker_id: h.holder,
            close_reason: reason,
            received_at: at(h.received),
            next_follow_up_on: None,
            snomed_code: None,
            practice_id_at_referral: app.practice_id,
            imd_decile_at_referral: 5,
            programme_id: None,
        });
        if let Some(worker) = h.holder {
            events.push(event(
                h.id,
                "assigned",
                None,
                None,
                Some(worker),
                h.received,
            ));
        }
        if let Some(when) = h.active {
            events.push(event(h.id, "transition", Some("active"), None, None, when));
        }
        if let Some((state, when)) = h.ended {
            events.push(event(h.id, "transition", Some(state), reason, None, when));
        }
        if let Some(when) = h.reached {
            contacts.push(ContactRow {
                referral_id: h.id,
                at: at(when),
                mode: "phone",
                duration_minutes: 10,
                reached: true,
                notes: "",
                what_matters: None,
                recorded_by: lw,
            });
        }
        let mut measure = |instrument, timing, taken: &str, answers: &str, metric| {
            measures.push(MeasureRow {
                referral_id: h.id,
                instrument,
                timing,
                taken_on: day(taken),
                answers: answers.into(),
                complete: true,
                total: None,
                metric_score: metric,
                recorded_by: lw,
            });
        };
        if let Some((baseline, follow_up)) = h.swemwbs {
            let answers = "[3,3,3,3,3,3,3]";
            measure("swemwbs", "baseline", "2026-07-10", answers, Some(baseline));
            measure(
                "swemwbs",
                "follow_up",
                "2026-09-10",
                answers,
                Some(follow_up),
            );
        }
        if h.ons4 {
            measure("ons4", "baseline", "2026-07-10", "[5,5,5,5]", None);
            measure("ons4", "follow_up", "2026-09-10", "[6,5,5,4]", None);
        }
    }
    app.store
        .insert_rows(&mut [
            &mut people,
            &mut referrals,
            &mut events,
            &mut contacts,
            &mut measures,
        ])
        .await
        .unwrap();
    lw2
}

const TODAY: &str = "2026-11-30";

async fn own_figures_match_a_hand_count(backend: Backend) {
    let app = spawn_app(backend).await;
    let lw2 = hand_made_quarter(&app).await;
    let facts = app.store.load_activity_facts().await.unwrap();
    let quarter = parse_quarter(Some("2026-Q3"), day(TODAY)).unwrap();
    let team = facts.team_index(TEAM_A).unwrap();
    let worker = |id: i64| facts.workers.iter().position(|w| w.id == id).unwrap() as u16;
    let t = tally(&facts, &quarter, team, worker(app.link_worker_id));
    let n = |c: &linkwell::activity::own_outcomes::Caseload, step| c.step(step).n;

    // lw: received A1-A10 and A11-A13 = 13; first reached A1-A10 = 10; active A1-A10 = 10;
    // connected none; closed (goals met) A1-A10 = 10; declined A11-A13 = 3.
    let mine = [13, 10, 10, 0, 10, 10, 3, 0];
    // The team: 13 + B1-B9 (9) + U1, U2 = 24 referred; reached 10 + 9 = 19; active 10 + 4
    // (B1-B4) = 14; closed with goals met 10 + 9 + U2 = 20; declined 3.
    let team_counts = [24, 19, 14, 0, 20, 20, 3, 0];
    for (i, step) in Step::ALL.into_iter().enumerate() {
        assert_eq!(n(&t.worker, step), mine[i], "lw {}", step.code());
        assert_eq!(n(&t.team, step), team_counts[i], "team {}", step.code());
    }
    // SWEMWBS pairs: lw 10, team 10 + 9 = 19 (U2 has none); ONS4: lw 10, team 10 + 9 + 1 = 20.
    assert_eq!([t.worker.pairs[0].n, t.team.pairs[0].n], [10, 19]);
    assert_eq!([t.worker.pairs[1].n, t.team.pairs[1].n], [10, 20]);
    assert_eq!([t.worker.pairs[2].n, t.team.pairs[2].n], [10, 20]);
    assert_eq!(t.team.pairs[3].n, 0, "nobody answered UCLA-3");
    // Link workers whose own means can be shown (8 pairs or more): lw (10) and lw2 (9).
    assert_eq!(t.pairs_of_shown_workers[0], 19);
    assert_eq!(t.pairs_of_shown_workers[1], 19);
    // lw2's own caseload: 9 received, reached, closed; 4 active.
    let theirs = tally(&facts, &quarter, team, worker(lw2));
    assert_eq!(n(&theirs.worker, Step::Referred), 9);
    assert_eq!(n(&theirs.worker, Step::Active), 4);
    assert_eq!(n(&theirs.worker, Step::GoalsMet), 9);
    // The quarter before holds none of it.
    let q2 = parse_quarter(Some("2026-Q2"), day(TODAY)).unwrap();
    let before = tally(&facts, &q2, team, worker(app.link_worker_id));
    assert_eq!(n(&before.team, Step::Referred), 0);

    // Over the API, the means (exact values; shown on 8 or more pairs):
    // lw's SWEMWBS changes 1,2,3,4,5,1,2,3,4,5: sum 30, mean 3.0; squared deviations
    // 2 x (4+1+0+1+4) = 20, s^2 = 20/9 = 2.222, s = 1.4907, s/sqrt(10) = 0.4714,
    // t(0.975, 9) = 2.2622, half-width 1.0664: 3.0 (1.9 to 4.1).
    // The team's: lw's ten and nine changes of 1: n 19, sum 39, mean 2.0526; sum of
    // squares 110 + 9 = 119, s^2 = (119 - 39^2/19)/18 = 2.1637, s = 1.4710,
    // s/sqrt(19) = 0.3375, t(0.975, 18) = 2.1009, half-width 0.7090: 2.1 (1.3 to 2.8).
    let (s, mine) = app
        .get("/me/outcomes?period=2026-Q3", &app.link_worker)
        .await;
    assert_eq!(s, StatusCode::OK, "{mine}");
    assert_eq!(mine["period"]["from"], "2026-07-01");
    assert_eq!(mine["team"], "Team A");
    let swemwbs = &mine["wellbeing"][0];
    assert_eq!(swemwbs["code"], "swemwbs");
    assert_eq!(
        [
            &swemwbs["yours_mean_change"]["value"],
            &swemwbs["yours_mean_change"]["lower"],
            &swemwbs["yours_mean_change"]["upper"]
        ],
        [3.0, 1.9, 4.1]
    );
    assert_eq!(
        [
            &swemwbs["team_mean_change"]["value"],
            &swemwbs["team_mean_change"]["lower"],
            &swemwbs["team_mean_change"]["upper"]
        ],
        [2.1, 1.3, 2.8]
    );
    // ONS4 life satisfaction: every change +1, so 1.0 (1.0 to 1.0) for lw.
    let life = &mine["wellbeing"][1];
    assert_eq!(life["yours_mean_change"]["value"], 1.0);
    assert_eq!(life["yours_mean_change"]["lower"], 1.0);
    let anxiety = &mine["wellbeing"][2];
    assert_eq!(anxiety["yours_mean_change"]["value"], -1.0);
}

fn funnel<'a>(report: &'a Value, code: &str) -> &'a Value {
    report["funnel"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == code)
        .unwrap()
}

fn shown(v: &Value) -> bool {
    v.as_u64().is_some_and(|n| n >= 10 && n.is_multiple_of(5))
}

async fn small_and_differencing_cells_are_hidden(backend: Backend) {
    let app = spawn_app(backend).await;
    let lw2 = hand_made_quarter(&app).await;
    let (s, mine) = app
        .get("/me/outcomes?period=2026-Q3", &app.link_worker)
        .await;
    assert_eq!(s, StatusCode::OK, "{mine}");
    // Counted by hand above. Referred: lw 13, shown; team 24 with 11 others, shown.
    assert!(shown(&funnel(&mine, "referred")["yours"]), "{mine}");
    assert!(shown(&funnel(&mine, "referred")["team"]), "{mine}");
    // Declined: 3, a small count, hidden on both sides.
    assert_eq!(funnel(&mine, "declined")["yours"], "*");
    assert_eq!(funnel(&mine, "declined")["team"], "*");
    // Connected: 0 is hidden too.
    assert_eq!(funnel(&mine, "connected")["yours"], "*");
    // Active: lw 10 shown; the team's 14 is not small, but the team minus lw is 4 (B1-B4):
    // shown beside lw's it would give that, so it is hidden.
    assert!(shown(&funnel(&mine, "active")["yours"]));
    assert_eq!(funnel(&mine, "active")["team"], "*", "{mine}");
    // ONS4: the team's 20 pairs are shown (20 - 10 = 10 others), but its mean is not: lw's
    // (10) and lw2's (9) means can be shown, and the one pair beyond them (U2, held by
    // nobody) would be the team's sum minus theirs.
    let life = &mine["wellbeing"][1];
    assert!(shown(&life["team_pairs"]), "{life}");
    assert!(life["team_mean_change"].is_null(), "{life}");
    // UCLA-3: nothing to show.
    assert_eq!(mine["wellbeing"][3]["yours_pairs"], "*");
    assert!(mine["wellbeing"][3]["yours_mean_change"].is_null());
    // Every count is "*" or a multiple of 5 of at least 10; nothing names a person.
    for row in mine["funnel"].as_array().unwrap() {
        for side in ["yours", "team"] {
            assert!(row[side] == "*" || shown(&row[side]), "{row}");
        }
    }
    assert!(!mine.to_string().contains("Hand"));

    // The team lead looking at lw2: lw2's 4 active are hidden, and now the rest of the team
    // (lw's 10) is not small, so the team's active is shown.
    let (s, theirs) = app
        .get(
            &format!("/me/outcomes?period=2026-Q3&worker={lw2}"),
            &app.team_lead,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{theirs}");
    assert_eq!(theirs["link_worker"], "Second Worker");
    assert_eq!(funnel(&theirs, "active")["yours"], "*");
    assert!(shown(&funnel(&theirs, "active")["team"]), "{theirs}");
    // lw2's nine SWEMWBS changes are all 1: 1.0 (1.0 to 1.0).
    assert_eq!(theirs["wellbeing"][0]["yours_mean_change"]["value"], 1.0);

    // Quarters only, and only ended ones: a problem naming the field.
    for period in ["2026-09", "2026%2F27", "2026-Q4", "2026-Q5"] {
        let (s, problem) = app
            .get(&format!("/me/outcomes?period={period}"), &app.link_worker)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{period}: {problem}");
        assert_eq!(problem["field"], "period");
    }

    // The page: the figures, linked from "Your day"; a refused quarter is the form with an
    // error summary.
    let cookie = sign_in_as(&app, "lw").await;
    let (status, day_page) = page(&app, &cookie, "/caseload").await;
    assert_eq!(status, StatusCode::OK);
    assert!(day_page.contains("href=\"/me/outcomes\""));
    let (status, html) = page(&app, &cookie, "/me/outcomes?period=2026-Q3").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<h1>Your outcomes</h1>"), "{html}");
    assert!(html.contains("+3.0 (1.9 to 4.1)") && html.contains("+2.1 (1.3 to 2.8)"));
    assert!(!html.contains("/people/"));
    let (status, refused) = page(&app, &cookie, "/me/outcomes?period=2026-13").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("<title>Error: ") && refused.contains("There is a problem"));
    assert!(refused.contains("aria-invalid=\"true\"") && refused.contains("value=\"2026-13\""));
}

async fn a_link_worker_sees_only_their_own(backend: Backend) {
    let app = spawn_app(backend).await;
    let lw2 = hand_made_quarter(&app).await;
    // A link worker asking for a colleague's: refused, with nothing of theirs.
    let (s, problem) = app
        .get(
            &format!("/me/outcomes?period=2026-Q3&worker={lw2}"),
            &app.link_worker,
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{problem}");
    assert!(!problem.to_string().contains("Second Worker"));
    // A team lead asking for another team's link worker: refused.
    let (_, other) = app.get("/me", &app.other_team_worker).await;
    let other_id = other["id"].as_i64().unwrap();
    let (s, _) = app
        .get(
            &format!("/me/outcomes?period=2026-Q3&worker={other_id}"),
            &app.team_lead,
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Roles without casework: refused.
    for token in [
        &app.referrer,
        &app.vcse,
        &app.volunteer,
        &app.analyst,
        &app.admin,
    ] {
        let (s, problem) = app.get("/me/outcomes?period=2026-Q3", token).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{problem}");
    }
    // Unknown parameters are refused.
    let (s, _) = app
        .get("/me/outcomes?quarter=2026-Q3", &app.link_worker)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // The page: a link worker has no choice of colleague, and asking is refused.
    let cookie = sign_in_as(&app, "lw").await;
    let (status, html) = page(&app, &cookie, "/me/outcomes?period=2026-Q3").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("id=\"worker\"") && !html.contains("Second Worker"));
    let (status, _) = page(
        &app,
        &cookie,
        &format!("/me/outcomes?period=2026-Q3&worker={lw2}"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
