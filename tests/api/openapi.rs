//! The OpenAPI document describes the routes that exist.

use crate::helpers::{spawn_app, Backend};

#[tokio::test]
async fn openapi_document_lists_every_route_and_each_answers() {
    let app = spawn_app(Backend::Sqlite).await;
    let doc = app.openapi().await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert_eq!(doc["servers"][0]["url"], "/api/v1");
    let paths = doc["paths"].as_object().unwrap();
    let expected = [
        "/me",
        "/me/tokens",
        "/me/tokens/{id}/revocation",
        "/postcodes/{postcode}",
        "/people",
        "/people/{id}",
        "/people/{id}/record",
        "/referrals",
        "/referrals/{id}",
        "/referrals/{id}/transitions",
        "/referrals/{id}/assignment",
        "/referrals/{id}/contacts",
        "/referrals/{id}/needs",
        "/referrals/{id}/goals",
        "/goals/{id}/progress",
        "/referrals/{id}/barriers",
        "/referrals/{id}/measures",
        "/referrals/{id}/connections",
        "/connections/{id}/status",
        "/connections/{id}/messages",
        "/referrals/{id}/concerns",
        "/people/{id}/concerns",
        "/caseload",
        "/services",
        "/referrals/{id}/consents",
        "/consents/{id}/withdrawal",
        "/consents/{id}/confirmation",
        "/vcse/connections",
        "/reports/equity",
        "/reports/capacity",
        "/reports/activity",
        "/reports/service-use",
        "/referrals/{id}/service-use",
        "/service-use/imports",
        "/programmes",
        "/programmes/{id}",
        "/programmes/{id}/changes",
        "/programmes/{id}/costs",
        "/reports/cost",
        "/directory/search",
        "/referrals/{id}/matches",
        "/vcse/connections/{id}/status",
        "/directory/services/{id}/changes",
        "/directory/services/{id}/history",
        "/ontology.jsonld",
        "/ontology.ttl",
        "/referrals/{id}/appointments",
        "/appointments/{id}/cancellation",
        "/me/diary",
        "/caseload/handover",
        "/gp-outbox/requeue",
        "/me/outcomes",
    ];
    let mut documented: Vec<&str> = paths.keys().map(String::as_str).collect();
    documented.sort();
    let mut wanted = expected.to_vec();
    wanted.sort();
    assert_eq!(documented, wanted);
    // Every documented operation is routed: no 404 "page or endpoint" and no 405.
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            let url = format!(
                "{}/api/v1{}",
                app.address,
                path.replace("{id}", "1").replace("{postcode}", "SW1A1AA")
            );
            let request = match method.as_str() {
                "get" => app.client.get(&url),
                "post" => app.client.post(&url).json(&serde_json::json!({})),
                other => panic!("unexpected method {other}"),
            };
            let response = request.bearer_auth(&app.team_lead).send().await.unwrap();
            assert_ne!(response.status(), 405, "{method} {path}");
            let body = response.text().await.unwrap();
            assert!(
                !body.contains("page or endpoint"),
                "{method} {path} is not routed"
            );
        }
    }
}
