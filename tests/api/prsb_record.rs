//! The PRSB Social Prescribing record (issue 16, item 5): address lines and town, preferred
//! name, gender identity, preferred language and interpreter, communication needs, written
//! format and contact preferences, through the API, the referral form, FHIR Patient, the CSV
//! import, matching, the printed plan and erasure; bad values refused, nothing written.

use crate::directory::{import as import_directory, local_feed};
use crate::fhir::{fhir, service_request};
use crate::helpers::{assert_problem, person_body, spawn_app, Backend, TestApp};
use crate::on_both_databases;
use crate::pages::{csrf_of, page, post_form, sign_in_as};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn full_record(postcode: &str) -> Value {
    let mut body = person_body(postcode);
    for (k, v) in [
        ("address_line1", json!("14 Acacia Avenue")),
        ("address_line2", json!("Flat 2")),
        ("town", json!("Birmingham")),
        ("preferred_name", json!("Addie")),
        ("gender_identity", json!("Woman")),
        ("preferred_language", json!("bfi")),
        ("interpreter_needed", json!(true)),
        (
            "communication_needs",
            json!("Uses a hearing loop\nNeeds things written down"),
        ),
        ("written_format", json!("large_print")),
        ("preferred_contact_method", json!("sms")),
        ("preferred_contact_times", json!("Weekday mornings")),
    ] {
        body[k] = v;
    }
    body
}

fn assert_full_record(person: &Value) {
    for (k, v) in [
        ("address_line1", json!("14 Acacia Avenue")),
        ("address_line2", json!("Flat 2")),
        ("town", json!("Birmingham")),
        ("preferred_name", json!("Addie")),
        ("gender_identity", json!("Woman")),
        ("preferred_language", json!("bfi")),
        ("interpreter_needed", json!(true)),
        ("written_format", json!("large_print")),
        ("preferred_contact_method", json!("sms")),
        ("preferred_contact_times", json!("Weekday mornings")),
    ] {
        assert_eq!(person[k], v, "{k} in {person}");
    }
}

on_both_databases!(the_record_fields_go_in_and_come_back_through_the_api);

async fn the_record_fields_go_in_and_come_back_through_the_api(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, created) = app
        .post("/people", &app.link_worker, full_record("B25 8DS"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_full_record(&created);
    assert_eq!(
        created["communication_needs"],
        "Uses a hearing loop\nNeeds things written down"
    );
    let (status, read) = app
        .get(&format!("/people/{}", created["id"]), &app.link_worker)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_full_record(&read);

    // A person registered without them (as before this change) reads back with nulls.
    let (status, plain) = app
        .post("/people", &app.link_worker, person_body("B25 8DS"))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    for k in [
        "address_line1",
        "town",
        "preferred_language",
        "interpreter_needed",
        "written_format",
    ] {
        assert!(plain[k].is_null(), "{k}: {plain}");
    }

    // Each bad value is refused with a problem naming the field; nothing is written.
    let people = app.count("people").await;
    for (field, value, named) in [
        ("town", json!("Bir\u{7}mingham"), Some("town")),
        (
            "address_line1",
            json!("x".repeat(101)),
            Some("address_line1"),
        ),
        (
            "preferred_name",
            json!("Ad\u{202E}die"),
            Some("preferred_name"),
        ),
        (
            "communication_needs",
            json!("y".repeat(501)),
            Some("communication_needs"),
        ),
        (
            "preferred_language",
            json!("q4"),
            Some("preferred_language"),
        ),
        (
            "preferred_language",
            json!("klingon"),
            Some("preferred_language"),
        ),
        ("preferred_contact_method", json!("pigeon"), None),
        ("written_format", json!("easy_read"), None),
        ("interpreter_needed", json!("yes"), None),
    ] {
        let mut body = full_record("B25 8DS");
        body[field] = value;
        let (status, problem) = app.post("/people", &app.link_worker, body).await;
        assert_problem(status, &problem, StatusCode::UNPROCESSABLE_ENTITY);
        if let Some(named) = named {
            assert_eq!(problem["field"], named, "{problem}");
        } else {
            assert!(problem.to_string().contains(field), "{field}: {problem}");
        }
    }
    assert_eq!(app.count("people").await, people, "nothing written");
}

on_both_databases!(the_referral_form_asks_for_the_address_and_keeps_the_record);

async fn the_referral_form_asks_for_the_address_and_keeps_the_record(backend: Backend) {
    let app = spawn_app(backend).await;
    let cookie = sign_in_as(&app, "gp").await;
    let (_, html) = page(&app, &cookie, "/referrals/new").await;
    for field in [
        "address_line1",
        "address_line2",
        "town",
        "preferred_name",
        "gender_identity",
        "preferred_language",
        "interpreter_needed",
        "written_format",
        "communication_needs",
        "preferred_contact_method",
        "preferred_contact_times",
    ] {
        assert!(
            html.contains(&format!("id=\"{field}\"")),
            "{field} on the form"
        );
    }
    assert!(html.contains("<option value=\"bfi\">British Sign Language</option>"));
    let csrf = csrf_of(&html);
    let mut form: Vec<(&'static str, String)> = vec![
        ("csrf", csrf),
        ("given_name", "Rosa".into()),
        ("family_name", "Parks".into()),
        ("dob_day", "4".into()),
        ("dob_month", "2".into()),
        ("dob_year", "1944".into()),
        ("sex", "female".into()),
        ("postcode", "b25 8ds".into()),
        ("practice", "M00001".into()),
        ("referrer_kind", "gp".into()),
        ("reason", "Lonely since her husband died".into()),
        ("agreed", "1".into()),
        ("preferred_language", "pl".into()),
        ("interpreter_needed", "yes".into()),
        ("written_format", "large_print".into()),
        (
            "communication_needs",
            "Needs an interpreter at every visit".into(),
        ),
        ("preferred_contact_method", "telephone".into()),
        ("preferred_contact_times", "After 2pm".into()),
        ("preferred_name", "Ro".into()),
        ("gender_identity", "Woman".into()),
    ];
    let people = app.count("people").await;

    // No address: the summary names both fields, what was typed is kept, nothing is saved.
    let response = post_form(&app, &cookie, "/referrals/new", &form).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("href=\"#address_line1\"") && html.contains("href=\"#town\""),
        "{html}"
    );
    assert!(html.contains("Enter the first line of their address"));
    assert!(
        html.contains("<option value=\"pl\" selected>Polish</option>"),
        "language kept"
    );
    assert!(html.contains("value=\"After 2pm\""));
    assert_eq!(app.count("people").await, people);

    // An unknown language code (a hand-made post) is refused beside its field.
    form.push(("address_line1", "14 Acacia Avenue".into()));
    form.push(("town", "Birmingham".into()));
    let mut unknown = form.clone();
    unknown[12].1 = "q4".into();
    let response = post_form(&app, &cookie, "/referrals/new", &unknown).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("href=\"#preferred_language\""));
    assert_eq!(app.count("people").await, people);

    let response = post_form(&app, &cookie, "/referrals/new", &form).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let referral_id = location.trim_start_matches("/caseload?made=");
    let (status, referral) = app
        .get(&format!("/referrals/{referral_id}"), &app.link_worker)
        .await;
    assert_eq!(status, StatusCode::OK, "{referral}");
    let person_id = referral["person_id"]
        .as_i64()
        .or(referral["referral"]["person_id"].as_i64())
        .unwrap();
    let (_, person) = app
        .get(&format!("/people/{person_id}"), &app.link_worker)
        .await;
    assert_eq!(
        (
            &person["address_line1"],
            &person["town"],
            &person["preferred_language"],
            &person["interpreter_needed"],
            &person["written_format"],
            &person["preferred_contact_method"],
            &person["preferred_name"]
        ),
        (
            &json!("14 Acacia Avenue"),
            &json!("Birmingham"),
            &json!("pl"),
            &json!(true),
            &json!("large_print"),
            &json!("telephone"),
            &json!("Ro")
        )
    );

    // The link worker's page says it, and the printed plan is in large print, greeting
    // them by the name they prefer.
    let worker = sign_in_as(&app, "lw").await;
    let (_, html) = page(&app, &worker, &format!("/people/{person_id}")).await;
    for said in [
        "14 Acacia Avenue, Birmingham, B25 8DS",
        "Preferred language: Polish",
        "Needs an interpreter",
        "Written information in large print",
        "Prefers contact by telephone",
        "Best times: After 2pm",
    ] {
        assert!(html.contains(said), "{said} on the person page");
    }
    let (status, plan) = page(&app, &worker, &format!("/people/{person_id}/plan")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(plan.contains("class=\"plan large-print\""), "{plan}");
    assert!(plan.contains("in large print, as you asked"));
    assert!(
        plan.contains("<h1>Ro&#x27;s plan</h1>") || plan.contains("<h1>Ro's plan</h1>"),
        "{plan}"
    );
}

fn patient_with_record(identifier: &str) -> Value {
    let mut request = service_request(identifier);
    let patient = &mut request["contained"][0];
    patient["name"] = json!([
        {"use": "usual", "given": ["Patsy"]},
        {"use": "official", "family": "Example", "given": ["Pat"]}
    ]);
    patient["address"] = json!([{"line": ["14 Acacia Avenue", "Flat 2"], "city": "Birmingham", "postalCode": "B25 8DS"}]);
    patient["communication"] = json!([
        {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "en"}]}},
        {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "bfi"}]}, "preferred": true}
    ]);
    patient["extension"] = json!([
        {"url": "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired", "valueBoolean": true},
        {"url": "http://hl7.org/fhir/StructureDefinition/patient-genderIdentity", "valueCodeableConcept": {"text": "Non-binary"}},
        {"url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-ContactPreference", "extension": [
            {"url": "PreferredContactMethod", "valueCodeableConcept": {"coding": [
                {"system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-PreferredContactMethod", "code": "9"}]}},
            {"url": "PreferredContactTimes", "valueString": "Evenings"},
            {"url": "PreferredWrittenCommunicationFormat", "valueCodeableConcept": {"coding": [
                {"system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-PreferredWrittenCommunicationFormat", "code": "12"}]}}
        ]}
    ]);
    request
}

on_both_databases!(a_fhir_patient_carries_the_record_both_ways);

async fn a_fhir_patient_carries_the_record_both_ways(backend: Backend) {
    let app = spawn_app(backend).await;
    let media = "application/fhir+json";
    // Unknown codes are refused with an OperationOutcome naming the element; nothing written.
    let referrals = app.count("referrals").await;
    for (pointer, value, said) in [
        (
            "/contained/0/communication/1/language/coding/0/code",
            json!("q4"),
            "Patient.communication.language",
        ),
        (
            "/contained/0/extension/2/extension/0/valueCodeableConcept/coding/0/code",
            json!("99"),
            "PreferredContactMethod",
        ),
        (
            "/contained/0/extension/0/valueBoolean",
            json!("yes"),
            "interpreterRequired",
        ),
        ("/contained/0/address/0/city", json!("B\u{0}ham"), "town"),
    ] {
        let mut bad = patient_with_record(&format!("prsb-bad-{said}"));
        *bad.pointer_mut(pointer).unwrap() = value;
        let (status, outcome, _) = fhir(
            &app,
            "POST",
            "/ServiceRequest",
            Some(&app.link_worker),
            Some((media, bad)),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{said}: {outcome}"
        );
        assert_eq!(outcome["resourceType"], "OperationOutcome");
        assert!(outcome.to_string().contains(said), "{said}: {outcome}");
    }
    assert_eq!(app.count("referrals").await, referrals);

    let (status, created, _) = fhir(
        &app,
        "POST",
        "/ServiceRequest",
        Some(&app.link_worker),
        Some((media, patient_with_record("prsb-1"))),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let patient_ref = created["subject"]["reference"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, patient, _) = fhir(
        &app,
        "GET",
        &format!("/{patient_ref}"),
        Some(&app.link_worker),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{patient}");
    assert_eq!(
        patient["address"][0]["line"],
        json!(["14 Acacia Avenue", "Flat 2"])
    );
    assert_eq!(patient["address"][0]["city"], "Birmingham");
    assert_eq!(patient["address"][0]["postalCode"], "B25 8DS");
    let names = patient["name"].as_array().unwrap();
    assert_eq!(
        names[0]["given"][0], "Pat",
        "the legal name, not the usual one"
    );
    assert!(names
        .iter()
        .any(|n| n["use"] == "usual" && n["given"][0] == "Patsy"));
    assert_eq!(
        patient["communication"],
        json!([{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "bfi", "display": "British Sign Language"}],
                             "text": "British Sign Language"}, "preferred": true}])
    );
    let extension = |url: &str| {
        patient["extension"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["url"] == url)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(
        extension("http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired")
            ["valueBoolean"],
        true
    );
    assert_eq!(
        extension("http://hl7.org/fhir/StructureDefinition/patient-genderIdentity")
            ["valueCodeableConcept"]["text"],
        "Non-binary"
    );
    let preference =
        extension("https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-ContactPreference");
    assert_eq!(
        preference["extension"],
        json!([
            {"url": "PreferredContactMethod", "valueCodeableConcept": {"coding": [
                {"system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-PreferredContactMethod", "code": "9", "display": "SMS"}], "text": "SMS"}},
            {"url": "PreferredContactTimes", "valueString": "Evenings"},
            {"url": "PreferredWrittenCommunicationFormat", "valueCodeableConcept": {"coding": [
                {"system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-PreferredWrittenCommunicationFormat", "code": "12", "display": "Braille"}], "text": "Braille"}}
        ])
    );
    // The same person over the JSON API.
    let id = patient_ref.trim_start_matches("Patient/");
    let (_, person) = app.get(&format!("/people/{id}"), &app.link_worker).await;
    assert_eq!(
        (
            &person["preferred_contact_method"],
            &person["written_format"],
            &person["gender_identity"]
        ),
        (&json!("sms"), &json!("braille"), &json!("Non-binary"))
    );
}

const HEADER: &str = "reference,given_name,family_name,date_of_birth,sex,postcode,referred_on,referrer_kind,reason,address_line1,town,preferred_name,preferred_language,interpreter_needed,written_format,preferred_contact_method,preferred_contact_times,communication_needs";

fn import(app: &TestApp, file: &std::path::Path) -> (bool, String, String) {
    let run = crate::helpers::linkwell(&[
        "import",
        "referrals",
        "--database-url",
        &app.database_url,
        "--as",
        "lw",
        file.to_str().unwrap(),
    ]);
    (
        run.status.success(),
        String::from_utf8_lossy(&run.stdout).into_owned(),
        String::from_utf8_lossy(&run.stderr).into_owned(),
    )
}

on_both_databases!(the_csv_import_takes_the_record_all_or_nothing);

async fn the_csv_import_takes_the_record_all_or_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let people = app.count("people").await;
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, [
        HEADER,
        "R1,Ada,Brown,1950-12-10,female,B25 8DS,2026-03-01,gp,Lonely,1 Road,Birmingham,Addie,Polish,yes,large print,sms,Mornings,",
        "R2,Bo,Green,1961-01-02,male,B25 8DS,2026-03-02,gp,Debt,2 Road,Birmingham,,q4,no,,,,",
        "R3,Cy,Hall,1970-03-02,male,B25 8DS,2026-03-03,gp,Housing,3 Road,Birmingham,,,perhaps,,,,",
        "R4,Di,Ives,1980-05-06,female,B25 8DS,2026-03-04,gp,Low mood,4 Road,Birmingham,,,,easy read,pigeon,,",
        "R5,Ed,Jones,1975-07-08,male,B25 8DS,2026-03-05,gp,Carer,5 Road\u{7},Birmingham,,,,,,,",
    ].join("\n")).unwrap();
    let (ok, _, stderr) = import(&app, &bad);
    assert!(!ok);
    for named in [
        "line 3, preferred_language",
        "line 4, interpreter_needed",
        "line 5, written_format",
        "line 5, preferred_contact_method",
        "line 6, address_line1",
    ] {
        assert!(stderr.contains(named), "{named} in {stderr}");
    }
    assert!(!stderr.contains("line 2,"), "line 2 is fine: {stderr}");
    assert_eq!(app.count("people").await, people, "nothing imported");

    let good = dir.path().join("good.csv");
    std::fs::write(&good, [
        HEADER,
        "R1,Ada,Brown,1950-12-10,female,B25 8DS,2026-03-01,gp,Lonely,1 Road,Birmingham,Addie,Polish,yes,large print,sms,Mornings,\"Large print, please\"",
        "R2,Bo,Green,1961-01-02,male,B25 8DS,2026-03-02,gp,Debt,2 Road,Birmingham,,bfi,no,braille,Letter,,",
    ].join("\n")).unwrap();
    let (ok, stdout, stderr) = import(&app, &good);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("imported 2 referrals"), "{stdout}");
    let mut found = Vec::new();
    for id in 1..=people + 2 {
        let (status, person) = app.get(&format!("/people/{id}"), &app.link_worker).await;
        if status == StatusCode::OK {
            found.push(person);
        }
    }
    let ada = found
        .iter()
        .find(|p| p["given_name"] == "Ada")
        .expect("Ada imported");
    assert_eq!(
        (
            &ada["address_line1"],
            &ada["town"],
            &ada["preferred_name"],
            &ada["preferred_language"],
            &ada["interpreter_needed"],
            &ada["written_format"],
            &ada["preferred_contact_method"],
            &ada["preferred_contact_times"],
            &ada["communication_needs"]
        ),
        (
            &json!("1 Road"),
            &json!("Birmingham"),
            &json!("Addie"),
            &json!("pl"),
            &json!(true),
            &json!("large_print"),
            &json!("sms"),
            &json!("Mornings"),
            &json!("Large print, please")
        )
    );
    let bo = found
        .iter()
        .find(|p| p["given_name"] == "Bo")
        .expect("Bo imported");
    assert_eq!(
        (
            &bo["preferred_language"],
            &bo["interpreter_needed"],
            &bo["written_format"],
            &bo["preferred_contact_method"]
        ),
        (
            &json!("bfi"),
            &json!(false),
            &json!("braille"),
            &json!("letter")
        )
    );
}

on_both_databases!(
    matching_prefers_a_service_in_the_persons_language_and_erasure_blanks_the_record
);

async fn matching_prefers_a_service_in_the_persons_language_and_erasure_blanks_the_record(
    backend: Backend,
) {
    use linkwell::directory::taxonomy::need_term_id;
    use linkwell::referrals::Need;
    let app = spawn_app(backend).await;
    // "near" and "choir" stand at the same place; only the choir lists British Sign Language.
    let mut feed = local_feed();
    for service in feed.as_array_mut().unwrap() {
        service["attributes"][0]["taxonomy_term"]["id"] =
            json!(need_term_id(Need::PhysicalActivity));
        service["minimum_age"] = json!(18);
    }
    let choir = feed
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|s| s["id"] == "choir")
        .unwrap();
    choir["languages"] =
        json!([{"id": "lang-choir", "name": "British Sign Language", "code": "bfi"}]);
    import_directory(&app, &serde_json::to_vec(&feed).unwrap()).await;

    let (status, person) = app
        .post("/people", &app.link_worker, full_record("B25 8DS"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{person}");
    let (status, referral) = app
        .post("/referrals", &app.link_worker, json!({"person_id": person["id"], "referrer_kind": "gp", "reason": "Wants to get out more"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{referral}");
    let id = referral["id"].as_i64().unwrap();
    app.post(
        &format!("/referrals/{id}/needs"),
        &app.link_worker,
        json!({"need": "physical_activity"}),
    )
    .await;
    let (status, matches) = app
        .get(&format!("/referrals/{id}/matches"), &app.link_worker)
        .await;
    assert_eq!(status, StatusCode::OK, "{matches}");
    let first = &matches[0];
    assert_eq!(first["id"], "choir", "{matches:#}");
    assert!(
        first["why"]
            .as_str()
            .unwrap()
            .contains("offers British Sign Language"),
        "{first}"
    );
    assert!(
        matches.as_array().unwrap()[1..]
            .iter()
            .all(|m| !m["why"].as_str().unwrap().contains("British Sign Language")),
        "{matches:#}"
    );

    // Erasure blanks every field of the record.
    let run = crate::helpers::linkwell(&[
        "people",
        "erase",
        "--id",
        &person["id"].to_string(),
        "--by",
        "admin",
        "--database-url",
        &app.database_url,
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let (_, erased) = app
        .get(&format!("/people/{}", person["id"]), &app.link_worker)
        .await;
    for k in [
        "address_line1",
        "address_line2",
        "town",
        "preferred_name",
        "gender_identity",
        "preferred_language",
        "interpreter_needed",
        "communication_needs",
        "written_format",
        "preferred_contact_method",
        "preferred_contact_times",
    ] {
        assert!(erased[k].is_null(), "{k} erased: {erased}");
    }
}

on_both_databases!(a_record_made_before_is_completed_over_the_api_and_on_its_page);

async fn a_record_made_before_is_completed_over_the_api_and_on_its_page(backend: Backend) {
    let app = spawn_app(backend).await;
    // A person registered without the PRSB fields, as everyone was before migration 0035.
    let (person, _) = app.person_with_referral("B25 8DS").await;
    let id = person["id"].as_i64().unwrap();
    let path = format!("/people/{id}/record");

    // Over the API: replaced whole; a bad value changes nothing; another team cannot.
    let body = json!({"address_line1": "3 Mill Lane", "town": "Birmingham", "preferred_language": "pa",
                      "interpreter_needed": true, "written_format": "audio"});
    let (status, problem) = app.post(&path, &app.other_team_worker, body.clone()).await;
    assert_problem(status, &problem, StatusCode::NOT_FOUND);
    let (status, problem) = app.post(&path, &app.referrer, body.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    let mut bad = body.clone();
    bad["town"] = json!("x".repeat(101));
    let (status, problem) = app.post(&path, &app.link_worker, bad).await;
    assert_problem(status, &problem, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["field"], "town");
    let (_, unchanged) = app.get(&format!("/people/{id}"), &app.link_worker).await;
    assert!(unchanged["town"].is_null(), "{unchanged}");
    let audit = app.count("audit_log").await;
    let (status, updated) = app.post(&path, &app.link_worker, body).await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(
        (
            &updated["address_line1"],
            &updated["preferred_language"],
            &updated["written_format"],
            &updated["preferred_name"]
        ),
        (
            &json!("3 Mill Lane"),
            &json!("pa"),
            &json!("audio"),
            &Value::Null
        )
    );
    assert!(
        app.count("audit_log").await > audit,
        "the change is audited"
    );

    // On its page: filled in with what is on file; problems listed; then saved.
    let cookie = sign_in_as(&app, "lw").await;
    let (status, html) = page(&app, &cookie, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("value=\"3 Mill Lane\""), "{html}");
    assert!(
        html.contains("<option value=\"pa\" selected>"),
        "language chosen"
    );
    let csrf = csrf_of(&html);
    let form = |town: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("address_line1", "3 Mill Lane".to_string()),
            ("town", town.to_string()),
            ("preferred_name", "Bea".to_string()),
            ("preferred_language", "pa".to_string()),
            ("interpreter_needed", "no".to_string()),
            ("written_format", "large_print".to_string()),
            ("communication_needs", "Easy read, please".to_string()),
            ("preferred_contact_method", "letter".to_string()),
        ]
    };
    let response = post_form(&app, &cookie, &path, &form("")).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("href=\"#town\"") && html.contains("Enter their town or city"),
        "{html}"
    );
    assert!(html.contains("value=\"Bea\""), "what was typed is kept");
    let response = post_form(&app, &cookie, &path, &form("Birmingham")).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, saved) = app.get(&format!("/people/{id}"), &app.link_worker).await;
    assert_eq!(
        (
            &saved["preferred_name"],
            &saved["interpreter_needed"],
            &saved["written_format"],
            &saved["preferred_contact_method"],
            &saved["communication_needs"],
            &saved["town"]
        ),
        (
            &json!("Bea"),
            &json!(false),
            &json!("large_print"),
            &json!("letter"),
            &json!("Easy read, please"),
            &json!("Birmingham")
        )
    );
    let (_, html) = page(&app, &cookie, &format!("/people/{id}")).await;
    assert!(
        html.contains("Communication needs: Easy read, please"),
        "{html}"
    );
    assert!(html.contains(&format!("href=\"/people/{id}/record\"")));
}
