//! Open Referral UK conformance as the ORUK validator decides it (Level 1): read `/oruk/`,
//! follow its `openapi_url`, and walk every path the document names on its first, middle
//! and last pages and every record seen there by id, each answer checked against the
//! document's own schema; every documented parameter accepted, every other refused; and
//! each parameter's meaning checked by hand on a small directory.

use crate::directory::{import, local_feed, oruk};
use crate::helpers::{spawn_app, spawn_app_with, Backend, TestApp};
use crate::on_both_databases;
use linkwell::public_url::PublicUrl;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// Validation keywords the checker below does not implement: meeting one fails the test
/// rather than passing a document unchecked.
const UNSUPPORTED: &[&str] = &[
    "additionalProperties",
    "const",
    "contains",
    "dependentRequired",
    "dependentSchemas",
    "exclusiveMaximum",
    "exclusiveMinimum",
    "if",
    "maxItems",
    "maxLength",
    "maxProperties",
    "maximum",
    "minItems",
    "minLength",
    "minProperties",
    "minimum",
    "multipleOf",
    "not",
    "oneOf",
    "pattern",
    "patternProperties",
    "prefixItems",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
    "uniqueItems",
];

/// Checks `value` against a JSON Schema 2020-12 `schema` from the OpenAPI document `doc`,
/// for the keywords the ORUK schemas use (`$ref` into the document, `allOf`, `anyOf`,
/// `type`, `required`, `properties`, `items`, `enum`; `format` is an annotation in
/// 2020-12). The jsonschema crate is not among Linkwell's dependencies; this is its
/// subset, and [`the_schema_checker_can_fail`] shows it refuses what it should.
fn violations(doc: &Value, schema: &Value, value: &Value, at: &str, found: &mut Vec<String>) {
    let Some(schema) = schema.as_object() else {
        return;
    };
    for keyword in UNSUPPORTED {
        assert!(
            !schema.contains_key(*keyword),
            "{at}: schema uses {keyword}, which this checker does not implement"
        );
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let pointer = reference
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("{at}: $ref {reference} leaves the document"));
        let target = doc
            .pointer(pointer)
            .unwrap_or_else(|| panic!("{at}: $ref {reference} names nothing"));
        violations(doc, target, value, at, found);
    }
    for part in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        violations(doc, part, value, at, found);
    }
    if let Some(parts) = schema.get("anyOf").and_then(Value::as_array) {
        let fits = parts.iter().any(|part| {
            let mut inner = Vec::new();
            violations(doc, part, value, at, &mut inner);
            inner.is_empty()
        });
        if !fits {
            found.push(format!("{at}: matches none of anyOf"));
        }
    }
    if let Some(kinds) = schema.get("type") {
        let kinds: Vec<&str> = match kinds {
            Value::String(k) => vec![k.as_str()],
            Value::Array(ks) => ks.iter().filter_map(Value::as_str).collect(),
            _ => panic!("{at}: bad type keyword"),
        };
        let is = |kind: &str| match kind {
            "string" => value.is_string(),
            "boolean" => value.is_boolean(),
            "object" => value.is_object(),
            "array" => value.is_array(),
            "null" => value.is_null(),
            "number" => value.is_number(),
            "integer" => {
                value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            other => panic!("{at}: unknown type {other}"),
        };
        if !kinds.iter().any(|k| is(k)) {
            found.push(format!("{at}: {value} is not of type {kinds:?}"));
            return;
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        if !allowed.contains(value) {
            found.push(format!("{at}: {value} is not one of {allowed:?}"));
        }
    }
    if let Some(fields) = value.as_object() {
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = name.as_str().unwrap();
            if !fields.contains_key(name) {
                found.push(format!("{at}: required {name} is missing"));
            }
        }
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            for (name, field) in fields {
                if let Some(property) = properties.get(name) {
                    violations(doc, property, field, &format!("{at}.{name}"), found);
                }
            }
        }
    }
    if let (Some(items), Some(values)) = (schema.get("items"), value.as_array()) {
        for (i, value) in values.iter().enumerate() {
            violations(doc, items, value, &format!("{at}[{i}]"), found);
        }
    }
}

/// Panics with every violation of `value` against the document's 200 answer for `path`.
fn assert_fits(doc: &Value, path: &str, value: &Value, at: &str) {
    let schema =
        &doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
    assert!(schema.is_object(), "{path}: no JSON schema for 200");
    let mut found = Vec::new();
    violations(doc, schema, value, at, &mut found);
    assert!(found.is_empty(), "{at} does not fit {path}: {found:#?}");
}

async fn get(app: &TestApp, url: &str) -> (StatusCode, Value, String) {
    let response = app.client.get(url).send().await.unwrap();
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let origin = response
        .headers()
        .get("access-control-allow-origin")
        .cloned();
    assert_eq!(
        origin.as_ref().map(|v| v.to_str().unwrap()),
        Some("*"),
        "{url}"
    );
    (status, response.json().await.unwrap(), kind)
}

/// Two services with their own dates, organisations and terms: a child term (choirs, under
/// loneliness) and a second taxonomy (an LGA-style service list).
fn second_feed() -> Value {
    json!([
        {"id": "singers", "name": "Singing for health", "status": "active",
         "description": "Songs and tea", "last_modified": "2026-07-01T00:00:00Z",
         "organization": {"id": "org-singers", "name": "Singers Guild", "description": "A choir"},
         "service_at_locations": [{"id": "sal-singers", "location": {
             "id": "loc-singers", "location_type": "physical", "latitude": 52.4800, "longitude": -1.9000}}],
         "attributes": [{"id": "at-singers", "taxonomy_term": {
             "id": "choirs", "name": "Choirs", "description": "Singing groups",
             "taxonomy": "Linkwell needs", "taxonomy_id": "linkwell-needs", "parent_id": "loneliness"}}]},
        {"id": "advice", "name": "Debt advice", "status": "active",
         "description": "Help with money", "last_modified": "2026-05-01T00:00:00Z",
         "organization": {"id": "org-advice", "name": "Advice Bureau", "description": "Free advice"},
         "service_at_locations": [{"id": "sal-advice", "location": {
             "id": "loc-advice", "location_type": "physical", "latitude": 52.4700, "longitude": -1.8900}}],
         "attributes": [{"id": "at-advice", "taxonomy_term": {
             "id": "lga-debt", "name": "Debt", "description": "Money and debt help",
             "taxonomy": "LGA service list", "taxonomy_id": "lga-services"}}]}
    ])
}

/// The test app (its own "Walking group" made through the API), the local feed (near, far,
/// choir) and the second feed (singers, advice).
async fn small_directory(backend: Backend) -> TestApp {
    let app = spawn_app(backend).await;
    import(&app, &serde_json::to_vec(&local_feed()).unwrap()).await;
    import(&app, &serde_json::to_vec(&second_feed()).unwrap()).await;
    app
}

/// `/oruk/`, then the document its `openapi_url` names, checked against its own schema.
async fn follow_openapi_url(app: &TestApp) -> (Value, String) {
    let (status, about, _) = oruk(app, "/").await;
    assert_eq!(status, StatusCode::OK);
    let url = about["openapi_url"]
        .as_str()
        .expect("openapi_url")
        .to_string();
    assert_eq!(url, format!("{}/oruk/openapi.json", app.address));
    let (status, doc, kind) = get(app, &url).await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("application/json"), "{kind}");
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_fits(&doc, "/", &about, "/");
    let server = doc["servers"][0]["url"].as_str().unwrap().to_string();
    assert_eq!(server, format!("{}/oruk", app.address));
    (doc, server)
}

fn ids(page: &Value) -> Vec<String> {
    page["contents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_schema_checker_can_fail() {
    let doc = linkwell::directory::oruk::openapi::document("http://x.example/oruk");
    let fits = |path: &str, value: Value| {
        let schema =
            &doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
        let mut found = Vec::new();
        violations(&doc, schema, &value, path, &mut found);
        found
    };
    let service = json!({"id": "a", "name": "Walks", "status": "active"});
    assert!(fits("/services/{id}", service.clone()).is_empty());
    assert_eq!(
        fits("/services/{id}", json!({"id": "a", "status": "active"})),
        ["/services/{id}: required name is missing"]
    );
    assert_eq!(
        fits(
            "/services/{id}",
            json!({"id": "a", "name": "W", "status": "active", "minimum_age": "ten"})
        )
        .len(),
        1
    );
    // A nested record deep in a full service is checked too.
    let mut bad = service.clone();
    bad["schedules"] = json!([{"id": "s", "byday": 7}]);
    assert_eq!(
        fits("/services/{id}", bad).len(),
        1,
        "schedule byday must be text"
    );
    let page = json!({"total_items": 1, "total_pages": 1, "page_number": 1, "size": 1,
        "first_page": true, "last_page": true, "empty": false, "contents": [service]});
    assert!(fits("/services", page.clone()).is_empty());
    let mut no_total = page.clone();
    no_total.as_object_mut().unwrap().remove("total_items");
    assert_eq!(fits("/services", no_total).len(), 1);
    let mut bad_item = page;
    bad_item["contents"][0]["name"] = json!(3);
    assert_eq!(fits("/services", bad_item).len(), 1);
}

on_both_databases!(the_validators_walk_passes_every_path_page_and_record);

async fn the_validators_walk_passes_every_path_page_and_record(backend: Backend) {
    let app = small_directory(backend).await;
    let (doc, server) = follow_openapi_url(&app).await;
    let paths = doc["paths"].as_object().unwrap();
    let lists: Vec<&String> = paths
        .keys()
        .filter(|p| !p.contains('{') && *p != "/" && *p != "/openapi.json")
        .collect();
    assert_eq!(
        lists,
        [
            "/organizations",
            "/service_at_locations",
            "/services",
            "/taxonomies",
            "/taxonomy_terms"
        ]
    );
    let (mut pages, mut records) = (0, 0);
    for path in lists {
        // One item a page, so even a small directory has a first, middle and last page.
        let (status, first, _) = get(&app, &format!("{server}{path}?per_page=1")).await;
        assert_eq!(status, StatusCode::OK, "{path}: {first}");
        let last = first["total_pages"].as_u64().unwrap();
        assert!(last >= 2, "{path} has {last} page(s)");
        let mut seen = BTreeSet::new();
        for number in [1, last.div_ceil(2), last] {
            let url = format!("{server}{path}?per_page=1&page={number}");
            let (status, page, _) = get(&app, &url).await;
            assert_eq!(status, StatusCode::OK, "{url}");
            assert_fits(&doc, path, &page, &url);
            assert_eq!(
                (
                    page["page_number"].as_u64(),
                    page["first_page"].as_bool(),
                    page["last_page"].as_bool(),
                    page["size"].as_u64()
                ),
                (
                    Some(number),
                    Some(number == 1),
                    Some(number == last),
                    Some(1)
                ),
                "{url}"
            );
            pages += 1;
            seen.extend(ids(&page));
        }
        let record_path = format!("{path}/{{id}}");
        assert!(
            paths.contains_key(&record_path),
            "{record_path} undocumented"
        );
        for id in seen {
            let url = format!("{server}{path}/{id}");
            let (status, record, _) = get(&app, &url).await;
            assert_eq!(status, StatusCode::OK, "{url}");
            assert_eq!(record["id"], id.as_str());
            assert_fits(&doc, &record_path, &record, &url);
            records += 1;
        }
        let (status, problem, kind) = get(&app, &format!("{server}{path}/no-such-id")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {problem}");
        assert!(kind.starts_with("application/problem+json"), "{kind}");
    }
    // Five lists, three pages each; every record seen on them by id (3 distinct ids each
    // except taxonomies, whose 2 pages' middle is its first).
    assert_eq!((pages, records), (15, 14));
}

/// A value for each parameter Linkwell's ORUK API knows, that selects something.
fn sample(name: &str) -> &'static str {
    match name {
        "search" => "search=walking",
        "page" => "page=1",
        "per_page" => "per_page=2",
        "format" => "format=json",
        "taxonomy_term_id" => "taxonomy_term_id=physical_activity",
        "taxonomy_id" => "taxonomy_id=linkwell-needs",
        "organization_id" => "organization_id=org-near",
        "modified_after" => "modified_after=2026-01-01T00:00:00Z",
        "minimal" => "minimal=true",
        "full" => "full=true",
        "full_service" => "full_service=true",
        "top_only" => "top_only=true",
        "parent_id" => "parent_id=loneliness",
        "postcode" => "postcode=B25%208DS",
        // Proximity is measured from a postcode, so it comes with one.
        "proximity" => "proximity=5000&postcode=B25%208DS",
        "minimum_age" => "minimum_age=18",
        "maximum_age" => "maximum_age=99",
        "start_time" => "start_time=09:00",
        "end_time" => "end_time=13:00",
        "day" => "day=MO",
        other => panic!("no sample value for {other}"),
    }
}

on_both_databases!(every_documented_parameter_is_accepted_and_no_other);

async fn every_documented_parameter_is_accepted_and_no_other(backend: Backend) {
    let app = small_directory(backend).await;
    let (doc, server) = follow_openapi_url(&app).await;
    let known: Vec<&String> = doc["components"]["parameters"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(known.len(), 20);
    let (mut accepted, mut refused) = (0, 0);
    for (path, operation) in doc["paths"].as_object().unwrap() {
        if path == "/" || path == "/openapi.json" {
            continue;
        }
        let documented: Vec<&str> = operation["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["$ref"].as_str().unwrap().rsplit('/').next().unwrap())
            .collect();
        let concrete = path.replace(
            "{id}",
            if path.starts_with("/organizations") {
                "org-near"
            } else if path.starts_with("/services") {
                "near"
            } else if path.starts_with("/service_at_locations") {
                "sal-near"
            } else if path.starts_with("/taxonomies") {
                "linkwell-needs"
            } else {
                "loneliness"
            },
        );
        for name in &known {
            let url = format!("{server}{concrete}?{}", sample(name));
            let (status, body, kind) = get(&app, &url).await;
            if documented.contains(&name.as_str()) {
                assert_eq!(status, StatusCode::OK, "{url}: {body}");
                if *name != "minimal" {
                    assert_fits(&doc, path, &body, &url);
                } else {
                    assert!(body["contents"][0]["id"].is_string(), "{url}");
                }
                accepted += 1;
            } else {
                assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {body}");
                assert!(
                    kind.starts_with("application/problem+json"),
                    "{url}: {kind}"
                );
                refused += 1;
            }
        }
        let url = format!("{server}{concrete}?colour=blue");
        let (status, _, _) = get(&app, &url).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
    }
    // services 15 of 20, service_at_locations 16, organizations 6, taxonomies 4,
    // taxonomy_terms 7, organizations/{id} 1: 49 accepted; 10 paths x 20 - 49 refused.
    assert_eq!((accepted, refused), (49, 151));
}

on_both_databases!(the_openapi_url_is_built_on_the_public_url_not_the_host_header);

async fn the_openapi_url_is_built_on_the_public_url_not_the_host_header(backend: Backend) {
    let app = spawn_app_with(backend, |settings| {
        settings.public_url = Some(PublicUrl::parse("https://directory.example.org/lw/").unwrap());
    })
    .await;
    for path in ["/oruk", "/oruk/"] {
        let about: Value = app
            .client
            .get(format!("{}{path}", app.address))
            .header("host", "attacker.example")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            about,
            json!({"version": "3.0", "profile": "https://openreferral.org/open-referral-uk/",
                   "openapi_url": "https://directory.example.org/lw/oruk/openapi.json"}),
            "{path}"
        );
    }
    let doc: Value = app
        .client
        .get(format!("{}/oruk/openapi.json", app.address))
        .header("host", "attacker.example")
        .header("x-forwarded-host", "attacker.example")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        doc["servers"],
        json!([{"url": "https://directory.example.org/lw/oruk"}])
    );
}

async fn ndjson(app: &TestApp, path: &str) -> Vec<Value> {
    let response = app
        .client
        .get(format!("{}/oruk{path}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/x-ndjson"
    );
    assert!(
        response.headers().get("content-length").is_none(),
        "{path}: streamed line by line, not built whole"
    );
    let body = response.text().await.unwrap();
    assert!(body.ends_with('\n'), "{path}: every line ends");
    body.lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

on_both_databases!(service_parameters_minimal_format_organization_modified_and_full);

async fn service_parameters_minimal_format_organization_modified_and_full(backend: Backend) {
    let app = small_directory(backend).await;
    let own = app.store.directory_listings().await.unwrap();
    let own = own
        .iter()
        .map(|l| l.document["id"].as_str().unwrap().to_string())
        .find(|id| id.starts_with("linkwell-service-"))
        .unwrap();

    // minimal: id and last_modified only, all six services on one page by default.
    let (status, minimal, _) = oruk(&app, "/services?minimal=true").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (
            minimal["total_items"].as_u64(),
            minimal["total_pages"].as_u64(),
            minimal["size"].as_u64()
        ),
        (Some(6), Some(1), Some(6))
    );
    let by_id = |id: &str| {
        minimal["contents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(
        by_id("near"),
        json!({"id": "near", "last_modified": "2026-06-01T09:00:00Z"})
    );
    assert_eq!(
        by_id("singers"),
        json!({"id": "singers", "last_modified": "2026-07-01T00:00:00Z"})
    );
    assert_eq!(by_id(&own), json!({"id": own}), "no date known, none shown");
    let (_, paged, _) = oruk(&app, "/services?minimal=true&per_page=4&page=2").await;
    assert_eq!(
        (paged["total_pages"].as_u64(), paged["size"].as_u64()),
        (Some(2), Some(2))
    );
    let (status, _, _) = oruk(&app, "/services?minimal=true&full=true").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _, _) = oruk(&app, "/service_at_locations?minimal=true").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // format=ndjson: every match, one a line, no envelope and no pagination.
    let lines = ndjson(
        &app,
        "/services?format=ndjson&search=walking&taxonomy_term_id=physical_activity&per_page=1&page=2",
    )
    .await;
    let line_ids: Vec<&str> = lines.iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(line_ids, ["near", "far"]);
    assert!(
        lines[0].get("schedules").is_none(),
        "list form, as the page gives"
    );
    let full_lines = ndjson(
        &app,
        "/services?format=ndjson&full=true&organization_id=org-near",
    )
    .await;
    assert_eq!(full_lines.len(), 1);
    assert_eq!(full_lines[0]["schedules"][0]["byday"], "MO,WE");
    assert_eq!(
        ndjson(&app, "/service_at_locations?format=ndjson")
            .await
            .len(),
        5
    );
    let (_, json_format, _) = oruk(&app, "/services?format=json").await;
    assert_eq!(json_format["total_items"].as_u64(), Some(6));
    for bad in ["/services?format=xml", "/services?format=ndjson&page=0"] {
        let (status, problem, _) = oruk(&app, bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {problem}");
    }

    // organization_id and modified_after, on services and their places.
    let (_, by_org, _) = oruk(&app, "/services?organization_id=org-singers").await;
    assert_eq!(ids(&by_org), ["singers"]);
    let (_, recent, _) = oruk(&app, "/services?modified_after=2026-06-15T00:00:00Z").await;
    assert_eq!(ids(&recent), ["singers"]);
    let (_, since_june, _) = oruk(&app, "/services?modified_after=2026-06-01T09:00:00Z").await;
    assert_eq!(
        sorted(ids(&since_june)),
        ["choir", "far", "near", "singers"],
        "on or after: the three of 1 June 09:00 count"
    );
    let (_, places, _) = oruk(
        &app,
        "/service_at_locations?organization_id=org-advice&modified_after=2026-04-01T00:00:00Z",
    )
    .await;
    assert_eq!(ids(&places), ["sal-advice"]);
    let (_, none, _) = oruk(
        &app,
        "/service_at_locations?organization_id=org-advice&modified_after=2026-05-02T00:00:00Z",
    )
    .await;
    assert_eq!(none["total_items"].as_u64(), Some(0));

    // full on service_at_locations: the nested record, as by id.
    let (_, summary, _) = oruk(&app, "/service_at_locations?organization_id=org-near").await;
    assert!(summary["contents"][0]["location"]
        .get("addresses")
        .is_none());
    let (_, full, _) = oruk(
        &app,
        "/service_at_locations?organization_id=org-near&full=true",
    )
    .await;
    assert_eq!(
        full["contents"][0]["location"]["addresses"][0]["postal_code"],
        "B25 8DS"
    );
    let (_, by_id_record, _) = oruk(&app, "/service_at_locations/sal-near").await;
    assert_eq!(full["contents"][0], by_id_record);
    assert_eq!(by_id_record["service"]["id"], "near");
}

on_both_databases!(organization_and_taxonomy_parameters_select_by_hand_checked_rules);

async fn organization_and_taxonomy_parameters_select_by_hand_checked_rules(backend: Backend) {
    let app = small_directory(backend).await;

    // Organisations: search over name and description; full nests services in list form,
    // full_service in full; the default list holds one-to-one fields only.
    let (_, all, _) = oruk(&app, "/organizations").await;
    assert_eq!(all["total_items"].as_u64(), Some(6));
    assert!(all["contents"][0].get("services").is_none());
    let (_, walking, _) = oruk(&app, "/organizations?search=WALKING%20trust").await;
    assert_eq!(sorted(ids(&walking)), ["org-far", "org-near"]);
    let (_, choir, _) = oruk(&app, "/organizations?search=choir").await;
    assert_eq!(
        sorted(ids(&choir)),
        ["org-choir", "org-singers"],
        "Community choir Trust by name, Singers Guild by its description"
    );
    let (_, full, _) = oruk(&app, "/organizations?search=community&full=true").await;
    assert_eq!(ids(&full), ["org-choir"]);
    assert_eq!(full["contents"][0]["services"][0]["id"], "choir");
    assert!(full["contents"][0]["services"][0]
        .get("schedules")
        .is_none());
    let (_, full_service, _) =
        oruk(&app, "/organizations?search=community&full_service=true").await;
    assert_eq!(
        full_service["contents"][0]["services"][0]["schedules"][0]["byday"],
        "TU"
    );
    let (_, record, _) = oruk(&app, "/organizations/org-singers").await;
    assert_eq!(record["services"].as_array().unwrap().len(), 1);
    assert!(record["services"][0].get("attributes").is_none());
    let (_, record, _) = oruk(&app, "/organizations/org-singers?full_service=true").await;
    assert_eq!(
        record["services"][0]["attributes"][0]["taxonomy_term"]["id"],
        "choirs"
    );
    let (_, none, _) = oruk(&app, "/organizations?search=zebra").await;
    assert_eq!(
        (none["total_items"].as_u64(), none["empty"].as_bool()),
        (Some(0), Some(true))
    );
    // The three feed Trusts and the test app's own "Parks Trust".
    let trusts = ndjson(&app, "/organizations?format=ndjson&search=trust").await;
    assert_eq!(trusts.len(), 4);

    // Taxonomies: the two named by the terms, searched by name and description.
    let (_, taxonomies, _) = oruk(&app, "/taxonomies").await;
    assert_eq!(ids(&taxonomies), ["lga-services", "linkwell-needs"]);
    let (_, lga, _) = oruk(&app, "/taxonomies?search=lga").await;
    assert_eq!(ids(&lga), ["lga-services"]);
    let (_, needs, _) = oruk(&app, "/taxonomies?search=Needs").await;
    assert_eq!(ids(&needs), ["linkwell-needs"]);

    // Terms: choirs (child of loneliness), lga-debt, loneliness, physical_activity.
    let (_, terms, _) = oruk(&app, "/taxonomy_terms").await;
    assert_eq!(
        ids(&terms),
        ["choirs", "lga-debt", "loneliness", "physical_activity"]
    );
    for (query, expected) in [
        (
            "top_only=true",
            vec!["lga-debt", "loneliness", "physical_activity"],
        ),
        (
            "top_only=false",
            vec!["choirs", "lga-debt", "loneliness", "physical_activity"],
        ),
        ("parent_id=loneliness", vec!["choirs"]),
        ("parent_id=choirs", vec![]),
        ("taxonomy_id=lga-services", vec!["lga-debt"]),
        (
            "taxonomy_id=linkwell-needs&top_only=true",
            vec!["loneliness", "physical_activity"],
        ),
        ("search=singing", vec!["choirs"]),
        ("search=debt&taxonomy_id=linkwell-needs", vec![]),
    ] {
        let (status, page, _) = oruk(&app, &format!("/taxonomy_terms?{query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}");
        assert_eq!(ids(&page), expected, "{query}");
    }
    let lines = ndjson(&app, "/taxonomy_terms?format=ndjson&parent_id=loneliness").await;
    assert_eq!(lines[0]["id"], "choirs");
    for bad in [
        "/taxonomy_terms?top_only=maybe",
        "/taxonomies?format=csv",
        "/organizations?full_service=yes",
        "/organizations/org-near?full=true",
        "/taxonomy_terms/choirs?search=x",
    ] {
        let (status, problem, _) = oruk(&app, bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {problem}");
        assert!(
            problem["type"].as_str().unwrap().starts_with("/problems/"),
            "{bad}"
        );
    }
}
