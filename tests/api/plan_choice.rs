//! The printed plan is made from the referral that matters (issue 15, item 3): the open one,
//! not a newer declined duplicate; a choice when several are open; any one on request.

use crate::helpers::{spawn_app, Backend, TestApp};
use crate::on_both_databases;
use crate::pages::{page, sign_in_as};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_databases!(the_plan_is_made_from_the_open_referral_or_the_one_chosen);

async fn refer_again(app: &TestApp, person: &Value) -> Value {
    let (status, referral) = app
        .post(
            "/referrals",
            &app.link_worker,
            json!({"person_id": person["id"], "referrer_kind": "gp", "reason": "Referred again"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{referral}");
    referral
}

async fn the_plan_is_made_from_the_open_referral_or_the_one_chosen(backend: Backend) {
    let app = spawn_app(backend).await;
    let (person, first) = app.person_with_referral("B25 8DS").await;
    let (p, a) = (
        person["id"].as_i64().unwrap(),
        first["id"].as_i64().unwrap(),
    );
    let (s, _) = app
        .post(
            &format!("/referrals/{a}/goals"),
            &app.link_worker,
            json!({"description": "Walk to the shops on my own"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    // The same person referred again a minute later, and that duplicate declined.
    let duplicate = refer_again(&app, &person).await;
    let b = duplicate["id"].as_i64().unwrap();
    let (s, declined) = app
        .post(
            &format!("/referrals/{b}/transitions"),
            &app.link_worker,
            json!({"to": "declined", "expected_version": duplicate["version"]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{declined}");
    let cookie = sign_in_as(&app, "lw").await;

    let (status, plan) = page(&app, &cookie, &format!("/people/{p}/plan")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        plan.contains("Walk to the shops on my own"),
        "the open referral's goal, not the newer declined duplicate's blank: {plan}"
    );
    assert!(plan.contains(&format!("This plan is from Referral {a} ")));
    assert!(
        plan.contains(&format!("/people/{p}/plan?referral={b}")),
        "the other offered"
    );

    // Chosen: the declined one prints (blank), as asked.
    let (status, chosen) = page(&app, &cookie, &format!("/people/{p}/plan?referral={b}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!chosen.contains("Walk to the shops on my own"));
    assert!(chosen.contains(&format!("This plan is from Referral {b} ")));

    // Two open: the link worker chooses.
    let third = refer_again(&app, &person).await;
    let c = third["id"].as_i64().unwrap();
    let (status, choose) = page(&app, &cookie, &format!("/people/{p}/plan")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(choose.contains("<title>Which plan for "), "{choose}");
    for open in [a, c] {
        assert!(choose.contains(&format!("href=\"/people/{p}/plan?referral={open}\"")));
    }
    assert!(
        !choose.contains(&format!("plan?referral={b}\"")),
        "only open ones to choose"
    );

    // Not theirs, or not a number: not found.
    for wrong in ["999999", "x"] {
        let (status, _) = page(&app, &cookie, &format!("/people/{p}/plan?referral={wrong}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{wrong}");
    }
}
