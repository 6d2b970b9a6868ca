//! Crash safety: the server is killed with SIGKILL under write load, restarted, and every
//! referral whose creation was acknowledged must still be there, intact.

use crate::helpers::{fresh_database, Backend};
use crate::on_both_databases;
use linkwell::auth::Role;
use linkwell::store::{NewUser, Store};
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

on_both_databases!(acknowledged_referrals_survive_sigkill);

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start_server(database_url: &str, port: u16) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_linkwell"))
        .args([
            "serve",
            "--database-url",
            database_url,
            "--addr",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start server");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if client
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            return child;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().ok();
    child.wait().ok();
    panic!("server did not start");
}

async fn acknowledged_referrals_survive_sigkill(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(backend, &dir).await;
    let token = {
        let store = Store::connect(&url).await.unwrap();
        let team = store.create_team("Crash team").await.unwrap();
        let user = store
            .create_user(&NewUser {
                username: "lw",
                display_name: "LW",
                role: Role::LinkWorker,
                team_id: Some(team),
                organisation: None,
                password: None,
            })
            .await
            .unwrap();
        let token = store.create_api_token(user, "crash").await.unwrap();
        store.close().await;
        token
    };
    let port = free_port();
    let mut server = start_server(&url, port).await;
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let client = reqwest::Client::new();
    let person: Value = client
        .post(format!("{base}/people"))
        .bearer_auth(&token)
        .json(&crate::helpers::person_body("SW1A 1AA"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    let acknowledged: Arc<Mutex<Vec<(i64, String)>>> = Arc::default();
    let mut writers = Vec::new();
    for writer in 0..8 {
        let (client, base, token, acknowledged) = (
            client.clone(),
            base.clone(),
            token.clone(),
            acknowledged.clone(),
        );
        let person_id = person["id"].clone();
        writers.push(tokio::spawn(async move {
            for n in 0.. {
                let reason = format!("writer {writer} request {n}");
                let sent = client
                    .post(format!("{base}/referrals"))
                    .bearer_auth(&token)
                    .json(&json!({"person_id": person_id, "referrer_kind": "gp", "reason": reason}))
                    .send()
                    .await;
                let Ok(response) = sent else { break };
                if response.status() != 201 {
                    break;
                }
                let Ok(body) = response.json::<Value>().await else {
                    break;
                };
                acknowledged
                    .lock()
                    .unwrap()
                    .push((body["id"].as_i64().unwrap(), reason));
            }
        }));
    }
    // Kill mid-load, once a good number of writes have been acknowledged.
    let deadline = Instant::now() + Duration::from_secs(20);
    while acknowledged.lock().unwrap().len() < 200 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.kill().expect("SIGKILL");
    server.wait().unwrap();
    for w in writers {
        w.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 200,
        "load reached the server: {}",
        acknowledged.len()
    );

    let mut server = start_server(&url, port).await;
    let mut found = 0;
    for (id, reason) in &acknowledged {
        let response = client
            .get(format!("{base}/referrals/{id}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "acknowledged referral {id} lost");
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["referral"]["reason"],
            reason.as_str(),
            "referral {id} intact"
        );
        assert_eq!(body["history"].as_array().unwrap().len(), 1);
        found += 1;
    }
    eprintln!(
        "durability ({backend:?}): acknowledged {} / found {found}",
        acknowledged.len()
    );
    server.kill().unwrap();
    server.wait().unwrap();
}
