//! Two server instances on one database: concurrent writers with the same version, one wins.

use crate::helpers::{spawn_app, Backend};
use crate::on_both_databases;
use linkwell::app::{Application, Settings};
use reqwest::StatusCode;
use serde_json::json;

on_both_databases!(two_instances_racing_on_one_referral_give_one_winner);

async fn two_instances_racing_on_one_referral_give_one_winner(backend: Backend) {
    let app = spawn_app(backend).await;
    let second = Application::build(
        Settings::new(&app.database_url),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let second_address = format!("http://127.0.0.1:{}", second.port());
    tokio::spawn(second.run_until_stopped());

    for round in 0..5 {
        let (_, referral) = app.person_with_referral("SW1A 1AA").await;
        let path = format!("/api/v1/referrals/{}/transitions", referral["id"]);
        let send = |address: String, to: &'static str| {
            let client = app.client.clone();
            let token = app.link_worker.clone();
            let url = format!("{address}{path}");
            async move {
                client
                    .post(url)
                    .bearer_auth(token)
                    .json(&json!({"to": to, "expected_version": 1}))
                    .send()
                    .await
                    .unwrap()
                    .status()
            }
        };
        let (a, b) = tokio::join!(
            send(app.address.clone(), "contacting"),
            send(second_address.clone(), "declined")
        );
        let mut statuses = [a, b];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::OK, StatusCode::CONFLICT],
            "round {round}"
        );
        let (_, detail) = app
            .get(&format!("/referrals/{}", referral["id"]), &app.link_worker)
            .await;
        assert_eq!(
            detail["history"].as_array().unwrap().len(),
            2,
            "exactly one transition recorded"
        );
        assert_eq!(detail["referral"]["version"], 2);
    }
}
