//! The community directory: the standards' own examples round-trip exactly through import,
//! export and the ORUK API; re-imports update in place; bad feeds change nothing; the
//! public API pages, filters (AND), measures distance and allows any origin.

use crate::helpers::{linkwell, spawn_app, Backend, TestApp};
use crate::on_both_databases;
use linkwell::directory::feed;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::PathBuf;

fn example(path: &str) -> (Vec<u8>, Value) {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/standards")
        .join(path);
    let bytes = std::fs::read(&file).unwrap();
    let value = serde_json::from_slice(&bytes).unwrap();
    (bytes, value)
}

/// The records a feed file holds: its `contents`, or the one service.
fn records(feed: &Value) -> Vec<Value> {
    match feed.get("contents") {
        Some(Value::Array(items)) => items.clone(),
        _ => vec![feed.clone()],
    }
}

pub(crate) async fn import(
    app: &TestApp,
    bytes: &[u8],
) -> linkwell::store::directory::ImportSummary {
    let listings = feed::parse(bytes).unwrap();
    app.store.import_directory(&listings, None).await.unwrap()
}

pub(crate) async fn oruk(app: &TestApp, path: &str) -> (StatusCode, Value, Option<String>) {
    let response = app
        .client
        .get(format!("{}/oruk{path}", app.address))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let origin = response
        .headers()
        .get("access-control-allow-origin")
        .map(|v| v.to_str().unwrap().to_string());
    (status, response.json().await.unwrap(), origin)
}

on_both_databases!(the_standards_examples_round_trip_exactly);

async fn the_standards_examples_round_trip_exactly(backend: Backend) {
    let app = spawn_app(backend).await;
    let before = app.count("services").await;
    for (n, file) in [
        "oruk-3.0/examples/service_full.json",
        "oruk-3.0/examples/service_list.json",
        "hsds-3.0/examples/service_full.json",
        "hsds-3.0/examples/service_list.json",
    ]
    .iter()
    .enumerate()
    {
        let (bytes, value) = example(file);
        let summary = import(&app, &bytes).await;
        // All four files describe the same service: the first adds it, the rest update it.
        assert_eq!(
            (summary.added, summary.updated),
            if n == 0 { (1, 0) } else { (0, 1) },
            "{file}"
        );
        let expected = records(&value);
        let stored = app.store.directory_listings().await.unwrap();
        for record in &expected {
            let id = record["id"].as_str().unwrap();
            let exported = stored.iter().find(|l| l.document["id"] == id).unwrap();
            assert_eq!(&exported.document, record, "{file}: export differs");
            let (status, served, _) = oruk(&app, &format!("/services/{id}")).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(&served, record, "{file}: /oruk/services/{id} differs");
        }
        // Export, then import the export: the feed is a fixed point.
        let exported = feed::export(stored.iter().map(|l| &l.document));
        let again = feed::parse(&serde_json::to_vec(&exported).unwrap()).unwrap();
        assert_eq!(again.len(), stored.len());
    }
    assert_eq!(app.count("services").await, before + 1, "updated in place");
}

/// A small feed around Birmingham: two services 1 km and 12 km from B25 8DS.
pub(crate) fn local_feed() -> Value {
    let service = |id: &str,
                   name: &str,
                   lat: f64,
                   lon: f64,
                   min_age: u32,
                   byday: &str,
                   term: &str| {
        json!({
            "id": id, "name": name, "status": "active",
            "description": format!("{name} for adults"),
            "minimum_age": min_age, "maximum_age": 99,
            "assured_date": "2026-06-01",
            "last_modified": "2026-06-01T09:00:00Z",
            "organization": {"id": format!("org-{id}"), "name": format!("{name} Trust"), "description": "A local charity"},
            "schedules": [{"id": format!("s-{id}"), "freq": "WEEKLY", "byday": byday, "opens_at": "10:00", "closes_at": "12:00"}],
            "service_at_locations": [{"id": format!("sal-{id}"), "location": {
                "id": format!("loc-{id}"), "location_type": "physical", "latitude": lat, "longitude": lon,
                "addresses": [{"id": format!("a-{id}"), "address_1": "1 High Street", "city": "Birmingham",
                               "state_province": "West Midlands", "postal_code": "B25 8DS", "country": "GB", "address_type": "physical"}]}}],
            "attributes": [{"id": format!("at-{id}"), "taxonomy_term": {
                "id": term, "name": term, "description": "A need", "taxonomy": "Linkwell needs", "taxonomy_id": "linkwell-needs"}}]
        })
    };
    json!([
        service(
            "near",
            "Walking group",
            52.4697,
            -1.8145,
            18,
            "MO,WE",
            "physical_activity"
        ),
        service(
            "far",
            "Walking club",
            52.5600,
            -1.8300,
            18,
            "SA",
            "physical_activity"
        ),
        service(
            "choir",
            "Community choir",
            52.4697,
            -1.8145,
            60,
            "TU",
            "loneliness"
        ),
    ])
}

on_both_databases!(the_public_api_pages_filters_and_measures_distance);

async fn the_public_api_pages_filters_and_measures_distance(backend: Backend) {
    let app = spawn_app(backend).await;
    import(&app, &serde_json::to_vec(&local_feed()).unwrap()).await;

    let (status, about, origin) = oruk(&app, "").await;
    assert_eq!((status, origin.as_deref()), (StatusCode::OK, Some("*")));
    assert_eq!(about["version"], "3.0");
    let (status, about_slash, origin) = oruk(&app, "/").await;
    assert_eq!(
        (status, origin.as_deref(), &about_slash),
        (StatusCode::OK, Some("*"), &about)
    );

    let (_, page, _) = oruk(&app, "/services?per_page=2&page=2").await;
    // Three imported plus the test app's own "Walking group" made through the API.
    assert_eq!(
        (page["total_items"].as_u64(), page["total_pages"].as_u64()),
        (Some(4), Some(2))
    );
    assert_eq!(
        (page["first_page"].as_bool(), page["last_page"].as_bool()),
        (Some(false), Some(true))
    );
    assert!(
        page["contents"][0].get("schedules").is_none(),
        "list form holds one-to-one fields only"
    );

    let ids = |page: &Value| -> Vec<String> {
        page["contents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, walking, _) = oruk(
        &app,
        "/services?search=walking&taxonomy_term_id=physical_activity",
    )
    .await;
    assert_eq!(ids(&walking), ["near", "far"]);
    let (_, monday, _) = oruk(&app, "/services?search=walking&day=MO&start_time=09:00").await;
    assert_eq!(ids(&monday), ["near"], "filters combine as AND");
    let (_, older, _) = oruk(&app, "/services?minimum_age=50").await;
    assert_eq!(ids(&older), ["choir"]);
    let (_, taxonomy, _) = oruk(
        &app,
        "/services?taxonomy_id=linkwell-needs&organization_id=org-choir",
    )
    .await;
    assert_eq!(ids(&taxonomy), ["choir"]);

    let (_, nearby, _) = oruk(
        &app,
        "/service_at_locations?postcode=B25%208DS&proximity=5000&search=walking",
    )
    .await;
    let places: Vec<&str> = nearby["contents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["service"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(places, ["near"]);
    assert_eq!(nearby["contents"][0]["location"]["id"], "loc-near");

    let (status, terms, _) = oruk(&app, "/taxonomy_terms").await;
    assert_eq!(
        (status, terms["total_items"].as_u64()),
        (StatusCode::OK, Some(2))
    );
    let (_, taxonomies, _) = oruk(&app, "/taxonomies").await;
    assert_eq!(taxonomies["contents"][0]["id"], "linkwell-needs");
    let (status, org, _) = oruk(&app, "/organizations/org-near").await;
    assert_eq!(
        (status, org["name"].as_str()),
        (StatusCode::OK, Some("Walking group Trust"))
    );

    for (query, status) in [
        ("/services/nope", StatusCode::NOT_FOUND),
        ("/services?page=0", StatusCode::UNPROCESSABLE_ENTITY),
        (
            "/services?per_page=100000",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("/services?day=Funday", StatusCode::UNPROCESSABLE_ENTITY),
        ("/services?colour=blue", StatusCode::UNPROCESSABLE_ENTITY),
        (
            "/service_at_locations?proximity=100",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/service_at_locations?postcode=ZZ99%209ZZ",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let (s, problem, origin) = oruk(&app, query).await;
        assert_eq!(s, status, "{query}: {problem}");
        assert!(
            problem["type"].as_str().unwrap().starts_with("/problems/"),
            "{query}: {problem}"
        );
        assert_eq!(origin.as_deref(), Some("*"));
    }
}

#[tokio::test]
async fn a_bad_feed_names_record_and_field_and_imports_nothing() {
    let app = spawn_app(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let mut bad = local_feed();
    bad[1]["service_at_locations"][0]["location"]["addresses"][0]
        .as_object_mut()
        .unwrap()
        .remove("postal_code");
    bad[2]["status"] = json!("open");
    let file = dir.path().join("feed.json");
    std::fs::write(&file, serde_json::to_vec(&bad).unwrap()).unwrap();
    let before = app.count("services").await;
    let run = linkwell(&[
        "import",
        "directory",
        "--database-url",
        &app.database_url,
        file.to_str().unwrap(),
    ]);
    assert!(!run.status.success());
    let errors = String::from_utf8_lossy(&run.stderr);
    assert!(
        errors.contains("record 2 (id \"far\"), field service_at_locations[0].location.addresses[0]: missing field `postal_code`"),
        "{errors}"
    );
    assert!(
        errors.contains("record 3 (id \"choir\"), field status"),
        "{errors}"
    );
    assert!(errors.contains("nothing was imported"), "{errors}");
    assert_eq!(app.count("services").await, before);

    std::fs::write(&file, serde_json::to_vec(&local_feed()).unwrap()).unwrap();
    let run = linkwell(&[
        "import",
        "directory",
        "--database-url",
        &app.database_url,
        file.to_str().unwrap(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(app.count("services").await, before + 3);
    let out = dir.path().join("export.json");
    let run = linkwell(&[
        "export",
        "directory",
        "--database-url",
        &app.database_url,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(run.status.success());
    let exported: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(exported["total_items"].as_u64(), Some(before as u64 + 3));
    let near = exported["contents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "near")
        .unwrap();
    assert_eq!(near, &local_feed()[0]);
}

on_both_databases!(link_workers_search_the_directory_and_see_why);

async fn link_workers_search_the_directory_and_see_why(backend: Backend) {
    let app = spawn_app(backend).await;
    import(&app, &serde_json::to_vec(&local_feed()).unwrap()).await;
    let (status, found) = app
        .get("/directory/search?q=walkng&postcode=B25%208DS&within_km=5&taxonomy_term_id=physical_activity&day=monday", &app.link_worker)
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["total"], 1, "{found}");
    let hit = &found["results"][0];
    assert_eq!(hit["id"], "near");
    assert!(hit["service_id"].as_i64().unwrap() > 0);
    let why = hit["reasons"].to_string();
    for part in [
        "read as “walking”",
        "km from B25 8DS",
        "open Monday 10:00-12:00",
        "listed under physical_activity",
    ] {
        assert!(why.contains(part), "{part} not in {why}");
    }
    let (_, everything) = app.get("/directory/search?limit=100", &app.referrer).await;
    assert_eq!(everything["total"], 4);
    for (query, field) in [
        ("within_km=5", "within_km"),
        ("need=astrology", "need"),
        ("day=Funday", "day"),
        ("mode=carrier_pigeon", "mode"),
        ("limit=0", "limit"),
        ("time=25:00", "time"),
    ] {
        let (status, problem) = app
            .get(&format!("/directory/search?{query}"), &app.link_worker)
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {problem}"
        );
        assert_eq!(problem["field"], field, "{query}: {problem}");
    }
    let (status, _) = app.get("/directory/search", &app.analyst).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

on_both_databases!(matching_ranks_services_for_the_persons_needs_and_barriers);

async fn matching_ranks_services_for_the_persons_needs_and_barriers(backend: Backend) {
    use linkwell::directory::taxonomy::need_term_id;
    use linkwell::referrals::Need;
    let app = spawn_app(backend).await;
    let mut feed = local_feed();
    for service in feed.as_array_mut().unwrap() {
        let term = &mut service["attributes"][0]["taxonomy_term"];
        term["id"] = json!(need_term_id(Need::PhysicalActivity));
    }
    feed[0]["cost_options"] = json!([{"id": "c", "amount": 4}]);
    feed[2]["minimum_age"] = json!(18);
    feed[2]["name"] = json!("Seated exercise");
    import(&app, &serde_json::to_vec(&feed).unwrap()).await;

    let (_, referral) = app.person_with_referral("B25 8DS").await;
    let id = referral["id"].as_i64().unwrap();
    let (status, problem) = app
        .get(&format!("/referrals/{id}/matches"), &app.link_worker)
        .await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("needs"))
    );

    app.post(
        &format!("/referrals/{id}/needs"),
        &app.link_worker,
        json!({"need": "physical_activity"}),
    )
    .await;
    for barrier in ["transport", "cost"] {
        let (s, b) = app
            .post(
                &format!("/referrals/{id}/barriers"),
                &app.link_worker,
                json!({"barrier": barrier}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    let (status, matches) = app
        .get(&format!("/referrals/{id}/matches"), &app.link_worker)
        .await;
    assert_eq!(status, StatusCode::OK, "{matches}");
    let names: Vec<&str> = matches
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    // No transport: the club 10 km away is out; cost is a barrier: the free session first.
    assert_eq!(names, ["choir", "near"], "{matches:#}");
    let why = matches[1]["why"].as_str().unwrap();
    assert!(
        why.starts_with("For physical activity: ")
            && why.contains("km from home")
            && why.contains("but it costs money"),
        "{why}"
    );
    assert_eq!(matches[0]["need"], "physical_activity");

    let (status, _) = app
        .get(&format!("/referrals/{id}/matches"), &app.other_team_worker)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn directory_pages_search_show_and_let_organisations_answer() {
    use crate::pages::{csrf_of, page, sign_in_as};
    let app = spawn_app(Backend::Sqlite).await;
    import(&app, &serde_json::to_vec(&local_feed()).unwrap()).await;
    let worker = sign_in_as(&app, "lw").await;

    let (status, html) = page(
        &app,
        &worker,
        "/directory?q=walkng&postcode=B25+8DS&within_km=5",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("1 service found") && html.contains("Walking group"),
        "{html}"
    );
    assert!(html.contains("read as “walking”") && !html.contains("Walking club"));
    let (status, html) = page(&app, &worker, "/directory?postcode=B25+8DS&within_km=far").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("There is a problem") && html.contains("within_km must be a number"),
        "{html}"
    );
    let (status, html) = page(&app, &worker, "/directory/services/near").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("1 High Street, Birmingham, B25 8DS") && html.contains("/oruk/services/near")
    );

    // A connection to the test organisation's service, answered from its inbox page.
    let (_, referral) = app.person_with_referral("B25 8DS").await;
    let consent = app
        .consent_to_share(&referral["id"], &app.link_worker)
        .await;
    let (_, connection) = app
        .post(
            &format!("/referrals/{}/connections", referral["id"]),
            &app.link_worker,
            json!({"service_id": app.service_id, "consent_id": consent["id"]}),
        )
        .await;
    let vcse = sign_in_as(&app, "vcse").await;
    let (status, inbox) = page(&app, &vcse, "/vcse/inbox").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        inbox.contains("Walking group") && inbox.contains("Accept"),
        "{inbox}"
    );
    // The organisation's own listings, to keep current, with when each was last checked.
    let listings = &inbox[inbox.find("Your listings").expect("listings section")..];
    assert!(
        listings.contains("Walking group") && listings.contains("Never"),
        "{listings}"
    );
    let answer = app
        .client
        .post(format!(
            "{}/vcse/connections/{}/status",
            app.address, connection["id"]
        ))
        .header("cookie", &vcse)
        .form(&[
            ("csrf", csrf_of(&inbox).as_str()),
            ("status", "accepted"),
            ("note", "See you Monday"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let (_, detail) = app
        .get(&format!("/referrals/{}", referral["id"]), &app.link_worker)
        .await;
    assert_eq!(detail["casework"]["connections"][0]["status"], "accepted");
    let (status, _) = page(&app, &worker, "/vcse/inbox").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The organisation keeps its own listing current from the service page.
    let listing = format!("/directory/services/linkwell-service-{}", app.service_id);
    let (_, html) = page(&app, &worker, &listing).await;
    assert!(
        !html.contains("Keep this listing current"),
        "not the link worker's listing"
    );
    let (_, html) = page(&app, &vcse, &listing).await;
    assert!(html.contains("Keep this listing current"));
    let saved = app
        .client
        .post(format!("{}{listing}/changes", app.address))
        .header("cookie", &vcse)
        .form(&[
            ("csrf", csrf_of(&html).as_str()),
            ("available", "4"),
            ("maximum", "10"),
            ("confirm_correct", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let (_, html) = page(&app, &worker, &listing).await;
    assert!(
        html.contains("places 4 of 10, confirmed correct") && html.contains("4 free of 10"),
        "{html}"
    );
}

on_both_databases!(organisations_keep_their_own_listings_current_with_history);

async fn organisations_keep_their_own_listings_current_with_history(backend: Backend) {
    let app = spawn_app(backend).await;
    import(&app, &serde_json::to_vec(&local_feed()).unwrap()).await;
    let own = format!("linkwell-service-{}", app.service_id);
    let change = |id: String, token: String, body: Value| {
        let app = &app;
        async move {
            app.post(&format!("/directory/services/{id}/changes"), &token, body)
                .await
        }
    };

    let (s, record) = change(
        own.clone(),
        app.vcse.clone(),
        json!({"available": 3, "maximum": 12, "confirm_correct": true}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{record}");
    assert_eq!(record["service_capacity"][0]["available"], 3);
    assert!(record["assured_date"].as_str().is_some());
    let (_, served, _) = oruk(&app, &format!("/services/{own}")).await;
    assert_eq!(
        served["service_capacity"][0]["maximum"], 12,
        "the public record changed at once"
    );
    let (_, found) = app
        .get(
            "/directory/search?has_capacity=true&q=walking",
            &app.link_worker,
        )
        .await;
    assert!(
        found["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == own.as_str()),
        "{found}"
    );

    // Another organisation's listing is not the community organisation's to change.
    let (s, _) = change(
        "near".into(),
        app.vcse.clone(),
        json!({"status": "inactive"}),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = change(
        "near".into(),
        app.admin.clone(),
        json!({"status": "temporarily closed"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "administrators curate every listing");
    let (s, problem) = change(own.clone(), app.vcse.clone(), json!({"available": 40})).await;
    assert_eq!(
        (s, problem["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("available"))
    );
    let (s, _) = change(own.clone(), app.vcse.clone(), json!({"colour": "red"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    let (s, history) = app
        .get(
            &format!("/directory/services/{own}/history"),
            &app.link_worker,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        history.as_array().unwrap().len(),
        1,
        "refused changes leave no history: {history}"
    );
    assert_eq!(history[0]["summary"], "places 3 of 12, confirmed correct");
    assert_eq!(history[0]["changed_by"], "vcse");
}

fn read_table(path: &std::path::Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let mut rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    rows.sort();
    (header, rows)
}

#[tokio::test]
async fn the_hsds_csv_package_round_trips_exactly_and_bad_packages_import_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("package.db").display().to_string();
    assert!(
        linkwell(&["teams", "add", "--name", "T", "--database-url", &db])
            .status
            .success()
    );
    let package =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/standards/hsds-3.0/examples/csv");
    let run = linkwell(&[
        "import",
        "directory",
        "--database-url",
        &db,
        package.to_str().unwrap(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(String::from_utf8_lossy(&run.stdout).contains("imported 1 services: 1 new"));

    let out = dir.path().join("export");
    let run = linkwell(&[
        "export",
        "directory",
        "--csv",
        "--database-url",
        &db,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut tables = 0;
    for entry in std::fs::read_dir(&package).unwrap() {
        let original = entry.unwrap().path();
        let exported = out.join(original.file_name().unwrap());
        assert_eq!(
            read_table(&original),
            read_table(&exported),
            "{}",
            original.display()
        );
        tables += 1;
    }
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        tables,
        "no tables added"
    );
    assert_eq!(tables, 21);

    // The nested record is the one the JSON feed and /oruk serve.
    let json = dir.path().join("feed.json");
    linkwell(&[
        "export",
        "directory",
        "--database-url",
        &db,
        "--out",
        json.to_str().unwrap(),
    ]);
    let feed: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let service = &feed["contents"][0];
    assert_eq!(service["organization"]["name"], "Example Organization Inc.");
    assert_eq!(
        service["service_at_locations"][0]["location"]["addresses"][0]["postal_code"],
        "ABC 1234"
    );
    assert_eq!(
        service["minimum_age"], 12,
        "numbers are numbers in the record"
    );

    // A broken copy: a bad number, a duplicate id and a link to a missing service.
    let broken = dir.path().join("broken");
    std::fs::create_dir(&broken).unwrap();
    for entry in std::fs::read_dir(&package).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, broken.join(path.file_name().unwrap())).unwrap();
    }
    let services = std::fs::read_to_string(broken.join("services.csv")).unwrap();
    std::fs::write(
        broken.join("services.csv"),
        services.replacen(",12,", ",twelve,", 1),
    )
    .unwrap();
    let sal = std::fs::read_to_string(broken.join("service_at_location.csv")).unwrap();
    let row = sal.lines().nth(1).unwrap().to_string();
    let orphan = row
        .replacen("ac148810", "00000000", 1)
        .replacen("e94c9f38", "e94c9f39", 1);
    std::fs::write(
        broken.join("service_at_location.csv"),
        format!("{sal}{row}\n{orphan}\n"),
    )
    .unwrap();
    let run = linkwell(&[
        "import",
        "directory",
        "--database-url",
        &db,
        broken.to_str().unwrap(),
    ]);
    assert!(!run.status.success());
    let errors = String::from_utf8_lossy(&run.stderr);
    assert!(
        errors.contains("services.csv row 2, field minimum_age: must be a number (got \"twelve\")"),
        "{errors}"
    );
    assert!(
        errors.contains("service_at_location.csv row 3, field id:")
            && errors.contains("appears twice"),
        "{errors}"
    );
    assert!(
        errors.contains("field service_id: no services row has the id \"00000000"),
        "{errors}"
    );
    assert!(errors.contains("nothing was imported"), "{errors}");
    linkwell(&[
        "export",
        "directory",
        "--database-url",
        &db,
        "--out",
        json.to_str().unwrap(),
    ]);
    let after: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(after, feed, "the refused package changed nothing");
}

on_both_databases!(the_directory_from_a_persons_page_starts_near_their_home_nearest_first);

/// Issue 15, item 11: opened from a person's page, the directory is filled in with their
/// postcode and sorted nearest first; the API sorts by distance when asked, and says why
/// it cannot without a postcode.
async fn the_directory_from_a_persons_page_starts_near_their_home_nearest_first(backend: Backend) {
    let app = spawn_app(backend).await;
    import(&app, &serde_json::to_vec(&local_feed()).unwrap()).await;
    for (query, why) in [
        ("sort=distance", "Sorting by distance needs a postcode"),
        ("sort=sideways&postcode=B25%208DS", "Unknown sort"),
    ] {
        let (status, problem) = app
            .get(&format!("/directory/search?{query}"), &app.link_worker)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(problem["field"], "sort", "{problem}");
        assert_eq!(problem["title"], why, "{problem}");
    }
    let (status, found) = app
        .get(
            "/directory/search?postcode=B25%208DS&within_km=50&sort=distance&limit=100",
            &app.link_worker,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    let distances: Vec<f64> = found["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["distance_km"].as_f64().unwrap())
        .collect();
    assert_eq!(distances.len(), 3, "{found}");
    assert!(
        distances.windows(2).all(|w| w[0] <= w[1]),
        "nearest first: {distances:?}"
    );
    assert!(distances[2] > 5.0, "the 12 km club is last: {distances:?}");

    let (person, referral) = app.person_with_referral("B25 8DS").await;
    let cookie = crate::pages::sign_in_as(&app, "lw").await;
    let (status, html) = crate::pages::page(
        &app,
        &cookie,
        &format!("/directory?referral={}", referral["id"]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!("/people/{}", person["id"])),
        "for them"
    );
    assert!(
        html.contains(r#"name="postcode" type="text" value="B25 8DS""#),
        "their postcode filled in"
    );
    assert!(html.contains(r#"<option value="distance" selected>"#));
    let shown: Vec<f64> = html
        .split(" km away")
        .filter_map(|before| before.rsplit(" · ").next()?.trim().parse().ok())
        .collect();
    assert!(
        !shown.is_empty() && html.contains("Walking group"),
        "{shown:?}"
    );
    assert!(
        shown.windows(2).all(|w| w[0] <= w[1]),
        "nearest first: {shown:?}"
    );
}
