//! The published ontology (docs/ontology.md): every coded list the API accepts is a complete
//! FHIR CodeSystem with a definition for each code, its ValueSet expands to exactly those
//! codes, the SKOS export holds each concept once, and every outside code it maps to is in
//! data/ with its source.

use crate::fhir::fhir;
use crate::helpers::{spawn_app, Backend, TestApp};
use crate::on_both_databases;
use linkwell::audit::AuditAction;
use linkwell::auth::Role;
use linkwell::consent::{ConsentMethod, ConsentStatus, SharedField};
use linkwell::measures::Instrument;
use linkwell::people::{Ethnicity, LongTermCondition, PlusGroup, Sex};
use linkwell::referrals::{
    Barrier, CloseReason, ConnectionStatus, ContactMode, EventKind, MeasureTiming, Need,
    ReferralState, ReferrerKind,
};
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

on_both_databases!(
    every_coded_list_is_a_complete_code_system_with_definitions,
    each_value_set_expands_to_its_code_system,
    skos_export_holds_each_concept_once_with_a_definition,
    every_outside_code_mapped_is_in_data_with_a_source,
    bad_terminology_requests_get_an_operation_outcome,
);

fn codes<T: Copy>(all: &[T], code: fn(T) -> &'static str) -> BTreeSet<String> {
    all.iter().map(|x| code(*x).to_string()).collect()
}

/// Every coded list the API reads or writes, written out here (not taken from the ontology
/// module), with the codes its serde accepts.
fn api_vocabularies() -> BTreeMap<&'static str, BTreeSet<String>> {
    BTreeMap::from([
        ("need", codes(Need::ALL, Need::code)),
        ("barrier", codes(Barrier::ALL, Barrier::code)),
        ("contact-mode", codes(ContactMode::ALL, ContactMode::code)),
        ("close-reason", codes(CloseReason::ALL, CloseReason::code)),
        (
            "referrer-kind",
            codes(ReferrerKind::ALL, ReferrerKind::code),
        ),
        ("shared-field", codes(SharedField::ALL, SharedField::code)),
        (
            "consent-method",
            codes(ConsentMethod::ALL, ConsentMethod::code),
        ),
        (
            "consent-status",
            codes(ConsentStatus::ALL, ConsentStatus::code),
        ),
        (
            "connection-status",
            codes(ConnectionStatus::ALL, ConnectionStatus::code),
        ),
        (
            "referral-state",
            codes(ReferralState::ALL, ReferralState::code),
        ),
        (
            "referral-event-kind",
            codes(EventKind::ALL, EventKind::code),
        ),
        ("outcome-measure", codes(&Instrument::ALL, Instrument::code)),
        (
            "measure-timing",
            codes(MeasureTiming::ALL, MeasureTiming::code),
        ),
        ("sex", codes(Sex::ALL, Sex::code)),
        (
            "service-use",
            codes(
                linkwell::service_use::ServiceUseCode::ALL,
                linkwell::service_use::ServiceUseCode::code,
            ),
        ),
        (
            "ons-2021-ethnic-group",
            codes(Ethnicity::ALL, Ethnicity::code),
        ),
        ("plus-group", codes(PlusGroup::ALL, PlusGroup::code)),
        (
            "long-term-condition",
            codes(LongTermCondition::ALL, LongTermCondition::code),
        ),
        ("role", codes(Role::ALL, Role::code)),
        ("audit-action", codes(AuditAction::ALL, AuditAction::code)),
    ])
}

async fn get_fhir(app: &TestApp, path: &str) -> Value {
    let (status, body, headers) = fhir(app, "GET", path, Some(&app.referrer), None).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/fhir+json"));
    body
}

fn entries(bundle: &Value) -> Vec<Value> {
    assert_eq!(bundle["type"], "searchset");
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource"].clone())
        .collect()
}

async fn every_coded_list_is_a_complete_code_system_with_definitions(backend: Backend) {
    let app = spawn_app(backend).await;
    let wanted = api_vocabularies();
    let listed = entries(&get_fhir(&app, "/CodeSystem").await);
    let ids: BTreeSet<&str> = listed.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, wanted.keys().copied().collect());
    let mut concepts = 0;
    for (id, api_codes) in &wanted {
        let cs = get_fhir(&app, &format!("/CodeSystem/{id}")).await;
        assert_eq!(cs["resourceType"], "CodeSystem");
        assert_eq!(cs["url"], format!("{}/fhir/CodeSystem/{id}", app.address));
        assert_eq!(cs["status"], "active");
        assert_eq!(cs["content"], "complete");
        assert_eq!(
            cs["valueSet"],
            format!("{}/fhir/ValueSet/{id}", app.address)
        );
        let list = cs["concept"].as_array().unwrap();
        assert_eq!(cs["count"], list.len());
        let got: BTreeSet<String> = list
            .iter()
            .map(|c| c["code"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(&got, api_codes, "{id}: the codes the API accepts");
        assert_eq!(got.len(), list.len(), "{id}: each code once");
        for c in list {
            for field in ["display", "definition"] {
                let text = c[field].as_str().unwrap_or_default();
                assert!(!text.trim().is_empty(), "{id}#{}: no {field}", c["code"]);
            }
        }
        // The search and the read agree.
        let found = listed.iter().find(|r| r["id"] == *id).unwrap();
        assert_eq!(found, &cs);
        concepts += list.len();
    }
    assert_eq!(concepts, wanted.values().map(BTreeSet::len).sum::<usize>());
    // The existing FHIR systems are tied to the published ones.
    let need = get_fhir(&app, "/CodeSystem/need").await;
    assert_eq!(
        need["identifier"][0]["value"],
        "urn:linkwell:CodeSystem:need"
    );
    let by_url = get_fhir(
        &app,
        &format!("/CodeSystem?url={}/fhir/CodeSystem/barrier", app.address),
    )
    .await;
    assert_eq!(by_url["total"], 1);
    assert_eq!(entries(&by_url)[0]["id"], "barrier");
    // The CapabilityStatement says both types are served.
    let (_, capability, _) = fhir(&app, "GET", "/metadata", None, None).await;
    let types: Vec<&str> = capability["rest"][0]["resource"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert!(
        types.contains(&"CodeSystem") && types.contains(&"ValueSet"),
        "{types:?}"
    );
}

async fn each_value_set_expands_to_its_code_system(backend: Backend) {
    let app = spawn_app(backend).await;
    let systems = entries(&get_fhir(&app, "/CodeSystem").await);
    let sets = entries(&get_fhir(&app, "/ValueSet").await);
    assert_eq!(systems.len(), sets.len());
    for cs in &systems {
        let id = cs["id"].as_str().unwrap();
        let vs = get_fhir(&app, &format!("/ValueSet/{id}")).await;
        assert_eq!(vs["status"], "active");
        assert_eq!(vs["url"], cs["valueSet"]);
        assert_eq!(vs["compose"]["include"][0]["system"], cs["url"]);
        let want: BTreeSet<(String, String, String)> = cs["concept"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    cs["url"].as_str().unwrap().to_string(),
                    c["code"].as_str().unwrap().to_string(),
                    c["display"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        for path in [
            format!("/ValueSet/{id}/$expand"),
            format!("/ValueSet/{id}/%24expand"),
            format!("/ValueSet/$expand?url={}", vs["url"].as_str().unwrap()),
        ] {
            let expanded = get_fhir(&app, &path).await;
            let contains = expanded["expansion"]["contains"].as_array().unwrap();
            let got: BTreeSet<(String, String, String)> = contains
                .iter()
                .map(|c| {
                    (
                        c["system"].as_str().unwrap().to_string(),
                        c["code"].as_str().unwrap().to_string(),
                        c["display"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            assert_eq!(got, want, "{path}");
            assert_eq!(contains.len(), want.len(), "{path}: no code twice");
            assert_eq!(expanded["expansion"]["total"], want.len());
        }
    }
}

async fn skos_export(app: &TestApp, path: &str, media: &str) -> String {
    let response = app
        .client
        .get(format!("{}/api/v1{path}", app.address))
        .bearer_auth(&app.volunteer)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], media);
    response.text().await.unwrap()
}

async fn skos_export_holds_each_concept_once_with_a_definition(backend: Backend) {
    let app = spawn_app(backend).await;
    let systems = entries(&get_fhir(&app, "/CodeSystem").await);
    let doc: Value =
        serde_json::from_str(&skos_export(&app, "/ontology.jsonld", "application/ld+json").await)
            .unwrap();
    let turtle = skos_export(&app, "/ontology.ttl", "text/turtle").await;
    let graph = doc["@graph"].as_array().unwrap();
    assert_eq!(
        doc["@context"]["skos"],
        "http://www.w3.org/2004/02/skos/core#"
    );
    let mut concepts = 0;
    for cs in &systems {
        let scheme = cs["url"].as_str().unwrap();
        let schemes: Vec<_> = graph.iter().filter(|n| n["@id"] == scheme).collect();
        assert_eq!(schemes.len(), 1, "{scheme}");
        assert_eq!(schemes[0]["@type"], "skos:ConceptScheme");
        assert_eq!(
            turtle
                .matches(&format!("<{scheme}> a skos:ConceptScheme"))
                .count(),
            1
        );
        for c in cs["concept"].as_array().unwrap() {
            let iri = format!("{scheme}#{}", c["code"].as_str().unwrap());
            let nodes: Vec<_> = graph.iter().filter(|n| n["@id"] == iri).collect();
            assert_eq!(nodes.len(), 1, "{iri} once in JSON-LD");
            let node = nodes[0];
            assert_eq!(node["@type"], "skos:Concept");
            assert_eq!(node["skos:inScheme"]["@id"], scheme);
            assert_eq!(node["skos:prefLabel"]["@value"], c["display"]);
            assert_eq!(node["skos:definition"]["@value"], c["definition"]);
            assert_eq!(node["skos:notation"], c["code"]);
            assert_eq!(
                turtle.matches(&format!("<{iri}> a skos:Concept")).count(),
                1,
                "{iri} once in Turtle"
            );
            concepts += 1;
        }
    }
    let in_graph = graph
        .iter()
        .filter(|n| n["@type"] == "skos:Concept")
        .count();
    assert_eq!(in_graph, concepts, "no concept outside a code system");
    assert_eq!(turtle.matches(" a skos:Concept ;").count(), concepts);
}

/// Targets of skos:exactMatch, closeMatch and relatedMatch, with the concept they are on.
fn mappings(doc: &Value) -> Vec<(String, &'static str, String)> {
    let mut found = Vec::new();
    for node in doc["@graph"].as_array().unwrap() {
        for relation in ["exactMatch", "closeMatch", "relatedMatch"] {
            for target in node[format!("skos:{relation}")]
                .as_array()
                .into_iter()
                .flatten()
            {
                found.push((
                    node["@id"].as_str().unwrap().to_string(),
                    relation,
                    target["@id"].as_str().unwrap().to_string(),
                ));
            }
        }
    }
    found
}

async fn every_outside_code_mapped_is_in_data_with_a_source(backend: Backend) {
    let app = spawn_app(backend).await;
    let doc: Value =
        serde_json::from_str(&skos_export(&app, "/ontology.jsonld", "application/ld+json").await)
            .unwrap();
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sdohcc-codes.csv");
    let mut reader = csv::Reader::from_path(data).unwrap();
    assert_eq!(
        reader.headers().unwrap(),
        vec!["system", "code", "display", "source"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let oruk_terms: BTreeSet<String> = Need::ALL
        .iter()
        .map(|n| {
            format!(
                "urn:uuid:{}",
                linkwell::directory::taxonomy::need_term_id(*n)
            )
        })
        .collect();
    let need_scheme = format!("{}/fhir/CodeSystem/need#", app.address);
    let mut by_target: BTreeMap<String, usize> = BTreeMap::new();
    for (concept, relation, target) in mappings(&doc) {
        if oruk_terms.contains(&target) {
            assert!(concept.starts_with(&need_scheme), "{concept} -> {target}");
            assert_eq!(relation, "exactMatch");
            *by_target.entry("oruk".into()).or_default() += 1;
            continue;
        }
        let (system, code) = target.split_once('#').expect("system#code");
        let row = rows
            .iter()
            .find(|r| &r[0] == system && &r[1] == code)
            .unwrap_or_else(|| panic!("{concept} -> {target} is not in data/sdohcc-codes.csv"));
        assert!(!row[3].trim().is_empty(), "{target} has no source");
        assert!(
            !system.contains("snomed"),
            "no SNOMED CT code has a cited NHS source in the repository"
        );
        *by_target.entry(system.into()).or_default() += 1;
    }
    // Worked out by hand from src/ontology/mappings.rs: 14 need and 6 barrier mappings to
    // SDOH categories, 4 connection statuses to Task statuses, one ORUK term per need.
    assert_eq!(
        by_target,
        BTreeMap::from([
            (
                "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes"
                    .to_string(),
                20
            ),
            ("http://hl7.org/fhir/task-status".to_string(), 4),
            ("oruk".to_string(), Need::ALL.len()),
        ])
    );
    // Every need with an SDOH category in FHIR resources carries that category as a mapping.
    for need in Need::ALL {
        if let Some(category) = need.gravity_category() {
            let iri = format!("{need_scheme}{}", need.code());
            assert!(
                mappings(&doc)
                    .iter()
                    .any(|(c, _, t)| *c == iri && t.ends_with(&format!("#{category}"))),
                "{iri}"
            );
        }
    }
}

async fn bad_terminology_requests_get_an_operation_outcome(backend: Backend) {
    let app = spawn_app(backend).await;
    for (path, status) in [
        ("/CodeSystem/nonsense", StatusCode::NOT_FOUND),
        ("/ValueSet/nonsense", StatusCode::NOT_FOUND),
        ("/ValueSet/nonsense/$expand", StatusCode::NOT_FOUND),
        ("/CodeSystem?colour=red", StatusCode::BAD_REQUEST),
        ("/ValueSet/need/$expand?filter=x", StatusCode::BAD_REQUEST),
        ("/ValueSet/$expand", StatusCode::BAD_REQUEST),
        (
            "/ValueSet/$expand?url=http://example.org/ValueSet/need",
            StatusCode::NOT_FOUND,
        ),
    ] {
        let (got, body, _) = fhir(&app, "GET", path, Some(&app.analyst), None).await;
        assert_eq!(got, status, "{path}: {body}");
        assert_eq!(body["resourceType"], "OperationOutcome", "{path}");
    }
    // Without a token: 401, as an OperationOutcome.
    let (got, body, _) = fhir(&app, "GET", "/CodeSystem/need", None, None).await;
    assert_eq!(got, StatusCode::UNAUTHORIZED);
    assert_eq!(body["resourceType"], "OperationOutcome");
}

#[test]
fn the_command_line_exports_the_same_skos() {
    let out = crate::helpers::linkwell(&[
        "export",
        "ontology",
        "--format",
        "ttl",
        "--public-url",
        "https://linkwell.example.org/",
    ]);
    assert!(out.status.success(), "{out:?}");
    let ttl = String::from_utf8(out.stdout).unwrap();
    assert!(ttl.contains("<https://linkwell.example.org/fhir/CodeSystem/need#food> a skos:Concept"));
    let concepts = ttl.matches(" a skos:Concept ;").count();
    assert_eq!(
        concepts,
        api_vocabularies()
            .values()
            .map(BTreeSet::len)
            .sum::<usize>()
    );
    let out = crate::helpers::linkwell(&[
        "export",
        "ontology",
        "--format",
        "jsonld",
        "--public-url",
        "https://linkwell.example.org",
    ]);
    assert!(out.status.success(), "{out:?}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let in_graph = doc["@graph"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["@type"] == "skos:Concept")
        .count();
    assert_eq!(in_graph, concepts);
    let bad = crate::helpers::linkwell(&["export", "ontology", "--public-url", "ftp://nowhere"]);
    assert!(!bad.status.success());
}
