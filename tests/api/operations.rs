//! What operators rely on: a request id on every reply, and metrics kept from the public.

use crate::helpers::{spawn_app, Backend};
use crate::on_both_databases;
use reqwest::StatusCode;

on_both_databases!(metrics_are_for_administrators_and_time_each_route);

async fn metrics_are_for_administrators_and_time_each_route(backend: Backend) {
    let app = spawn_app(backend).await;
    let (person, _) = app.person_with_referral("SW1A 1AA").await;
    let (status, _) = app
        .get(&format!("/people/{}", person["id"]), &app.link_worker)
        .await;
    assert_eq!(status, StatusCode::OK);

    let metrics = |token: Option<&str>| {
        let mut request = app.client.get(format!("{}/metrics", app.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let anonymous = metrics(None).await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    for token in [&app.link_worker, &app.analyst, &app.vcse] {
        let refused = metrics(Some(token)).await.unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            refused.headers()["content-type"],
            "application/problem+json"
        );
    }
    let answer = metrics(Some(&app.admin)).await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let text = answer.text().await.unwrap();
    // Timed under the route's pattern, never the id itself.
    assert!(
        text.contains(r#"route="/api/v1/people/{id}",status="200""#),
        "{text}"
    );
    assert!(!text.contains(&format!("/people/{}\"", person["id"])));
    assert!(text.contains("linkwell_db_pool_connections{"), "{text}");
}

on_both_databases!(every_reply_carries_a_request_id);

async fn every_reply_carries_a_request_id(backend: Backend) {
    let app = spawn_app(backend).await;
    let sent = app
        .client
        .get(format!("{}/api/v1/people/1", app.address))
        .header("x-request-id", "trace-456")
        .send()
        .await
        .unwrap();
    assert_eq!(sent.headers()["x-request-id"], "trace-456");
    // An id that is not short and plain is replaced, never echoed.
    for bad in ["a b", "x".repeat(65).as_str()] {
        let replaced = app
            .client
            .get(format!("{}/healthz", app.address))
            .header("x-request-id", bad)
            .send()
            .await
            .unwrap();
        let id = replaced.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_string();
        assert_ne!(id, bad);
        assert!(id.len() >= 16 && id.bytes().all(|b| b.is_ascii_alphanumeric()));
    }
    let fresh = app
        .client
        .get(format!("{}/no-such-page", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(fresh.status(), StatusCode::NOT_FOUND);
    assert!(fresh.headers().contains_key("x-request-id"));
}
