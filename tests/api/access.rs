//! The access matrix: every API route x every role x (a record of their own / another
//! team's), against the policy in src/auth/policy.rs (docs/security.md). A route in the
//! OpenAPI document without an entry here fails the test, so the matrix stays complete as
//! routes are added.

use crate::helpers::{spawn_app, Backend, TestApp};
use crate::on_both_databases;
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_databases!(
    every_route_every_role_every_scope,
    terminology_routes_for_every_role
);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    LinkWorker,
    TeamLead,
    Referrer,
    Vcse,
    Volunteer,
    Analyst,
    Admin,
}
use Role::*;

const ROLES: [Role; 7] = [
    LinkWorker, TeamLead, Referrer, Vcse, Volunteer, Analyst, Admin,
];

/// Whether the record used is the caller's own (their team's, or a referral they made) or
/// another team's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Own,
    OtherTeam,
}

/// Expected: may the role do this to a record in this scope?
fn allowed(method: &str, path: &str, role: Role, scope: Scope) -> bool {
    let casework = matches!(role, LinkWorker | TeamLead);
    let own = scope == Scope::Own;
    match (method, path) {
        ("get", "/me") | ("get", "/caseload") => true,
        // The published code lists carry no personal data (docs/ontology.md).
        ("get", "/ontology.jsonld") | ("get", "/ontology.ttl") => true,
        // Everyone manages their own API tokens, and only their own.
        ("get", "/me/tokens") | ("post", "/me/tokens") => true,
        ("post", "/me/tokens/{id}/revocation") => own,
        ("get", "/postcodes/{postcode}") => {
            matches!(role, LinkWorker | TeamLead | Referrer | Admin)
        }
        ("post", "/people") => matches!(role, LinkWorker | TeamLead | Referrer),
        // Changing the PRSB part of a record is casework, on the team's own people.
        ("post", "/people/{id}/record") => own && casework,
        // Referring someone needs the person to be in the caller's scope.
        ("post", "/referrals") => own && matches!(role, LinkWorker | TeamLead | Referrer),
        // Matching reads the person's needs, barriers and home: casework.
        ("get", "/referrals/{id}/matches") => own && casework,
        ("get", "/people/{id}") | ("get", "/referrals/{id}") => {
            own && matches!(role, LinkWorker | TeamLead | Referrer)
        }
        // Connections to the organisation's own services, whichever team sent them...
        ("get", "/vcse/connections") => role == Vcse,
        // ...under a consent in force: the matrix withdrew the own record's consent
        // (`/consents/{id}/withdrawal` comes first), so only the other team's is answerable.
        ("post", "/vcse/connections/{id}/status") => role == Vcse && !own,
        // Aggregate and disclosure-controlled, so not scoped to a team.
        ("get", "/reports/equity") => matches!(role, Analyst | TeamLead),
        // Aggregate too; administrators keep the directory current, so they see it as well.
        ("get", "/reports/capacity") => matches!(role, Analyst | TeamLead | Admin),
        // Aggregate and disclosure-controlled; a team lead's is their own team's.
        ("get", "/reports/activity") => matches!(role, Analyst | TeamLead),
        // Aggregate and disclosure-controlled: a link worker's own beside their team's.
        ("get", "/me/outcomes") => casework,
        // Service use around a referral is casework: the team holding it records and reads
        // it; the practice's file is matched to the importer's own team's referrals only.
        // Analysts see only the aggregate report (docs/service-use.md).
        ("get", "/referrals/{id}/service-use") => own && casework,
        ("post", "/service-use/imports") => casework,
        ("get", "/reports/service-use") => matches!(role, Analyst | TeamLead),
        // Programmes carry nothing personal: whoever reads reports or refers sees them;
        // administrators define and change them (docs/programmes.md).
        ("get", "/programmes") | ("get", "/programmes/{id}") => {
            matches!(role, LinkWorker | TeamLead | Referrer | Analyst | Admin)
        }
        ("post", "/programmes") | ("post", "/programmes/{id}/changes") => role == Admin,
        // Costs are entered and read back by whoever manages programmes; the report (costs
        // beside disclosure-controlled counts) is for commissioners' analysts only
        // (docs/cost-report.md).
        ("get", "/programmes/{id}/costs") | ("post", "/programmes/{id}/costs") => role == Admin,
        ("get", "/reports/cost") => role == Analyst,
        // Sending dead letters to the GP again is the administrators' (docs/gp-record.md).
        ("post", "/gp-outbox/requeue") => role == Admin,
        // Only the team holding the case confirms or withdraws its consent. (The fixture's
        // consents are already confirmed: the team's attempt is refused as a conflict.)
        ("post", "/consents/{id}/withdrawal") | ("post", "/consents/{id}/confirmation") => {
            own && casework
        }
        // The fixture service belongs to the community organisation user's organisation.
        ("post", "/directory/services/{id}/changes") => matches!(role, Vcse | Admin),
        ("get", "/directory/search")
        | ("get", "/directory/services/{id}/history")
        | ("get", "/services") => {
            matches!(role, LinkWorker | TeamLead | Referrer | Vcse | Admin)
        }
        ("post", "/services") => matches!(role, TeamLead | Admin),
        // The body assigns the team's link worker: a team lead may, and so may that link
        // worker (taking it on); giving it to someone else is for team leads only (unit-tested).
        ("post", "/referrals/{id}/assignment") => own && casework,
        // Team leads hand their own team's caseloads over (the body names the team's link
        // worker twice, so the lead passes the policy and is refused as invalid, 422).
        ("post", "/caseload/handover") => role == TeamLead,
        // A connection's thread: the team holding the referral, and the organisation it was
        // sent to (both records' consents are still in force when the matrix gets here).
        ("get", "/connections/{id}/messages") | ("post", "/connections/{id}/messages") => {
            (own && casework) || role == Vcse
        }
        // The diary: a referral's appointments are casework; one's own day is for casework
        // roles only (it names the people by initials).
        ("get", "/referrals/{id}/appointments") | ("post", "/appointments/{id}/cancellation") => {
            own && casework
        }
        ("get", "/me/diary") => casework,
        // Safeguarding concerns: the team holding the referral only; never organisations,
        // volunteers, referrers, analysts or administrators (docs/safeguarding.md).
        ("post", "/referrals/{id}/concerns") | ("get", "/people/{id}/concerns") => own && casework,
        ("post", p)
            if p.starts_with("/referrals/{id}/")
                || p.starts_with("/goals/")
                || p.starts_with("/connections/") =>
        {
            own && casework
        }
        other => panic!("no policy entry for {other:?}: add the route to the access matrix"),
    }
}

struct Fixture {
    own: Ids,
    other: Ids,
}

struct Ids {
    person: i64,
    referral: i64,
    goal: i64,
    connection: i64,
    consent: i64,
    appointment: i64,
}

async fn ids(app: &TestApp, token: &str, practice: Option<i64>) -> Ids {
    let mut body = crate::helpers::person_body("SW1A 1AA");
    body["practice_id"] = json!(practice);
    let (s, person) = app.post("/people", token, body).await;
    assert_eq!(s, StatusCode::CREATED, "{person}");
    let (s, referral) = app
        .post(
            "/referrals",
            token,
            json!({"person_id": person["id"], "referrer_kind": "gp", "reason": "matrix"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{referral}");
    let id = referral["id"].as_i64().unwrap();
    // Casework to point at, written by a link worker of the team that holds the referral.
    let worker = if practice.is_some() {
        &app.link_worker
    } else {
        &app.other_team_worker
    };
    let (s, goal) = app
        .post(
            &format!("/referrals/{id}/goals"),
            worker,
            json!({"description": "g"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{goal}");
    let consent = app.consent_to_share(&json!(id), worker).await;
    let (s, connection) = app
        .post(
            &format!("/referrals/{id}/connections"),
            worker,
            json!({"service_id": app.service_id, "consent_id": consent["id"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{connection}");
    let (s, appointment) = app
        .post(
            &format!("/referrals/{id}/appointments"),
            worker,
            appointment_body(),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{appointment}");
    Ids {
        appointment: appointment["id"].as_i64().unwrap(),
        person: person["id"].as_i64().unwrap(),
        referral: id,
        goal: goal["id"].as_i64().unwrap(),
        connection: connection["id"].as_i64().unwrap(),
        consent: consent["id"].as_i64().unwrap(),
    }
}

/// Numbers programme names in bodies, so each is new.
static NAMES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A contact booked for tomorrow with the caller.
fn appointment_body() -> Value {
    let tomorrow = chrono::Utc::now() + chrono::Duration::days(1);
    json!({"kind": "contact", "starts_at": tomorrow.to_rfc3339(), "duration_minutes": 30,
           "place": "Library", "mode": "in_person"})
}

/// A body that passes validation, so only the policy decides.
fn body_for(path: &str, app: &TestApp, referral_version: i64, link_worker: i64) -> Value {
    match path {
        "/people" => crate::helpers::person_body("B25 8DS"),
        "/people/{id}/record" => json!({"address_line1": "1 Road", "town": "Birmingham"}),
        "/referrals" => json!({"person_id": 0, "referrer_kind": "gp", "reason": "x"}),
        "/services" => json!({"name": "Choir", "organisation": "Singers"}),
        "/referrals/{id}/transitions" => {
            json!({"to": "declined", "expected_version": referral_version})
        }
        "/referrals/{id}/assignment" => {
            json!({"link_worker_id": link_worker, "expected_version": referral_version})
        }
        "/referrals/{id}/contacts" => json!({"mode": "phone", "duration_minutes": 5}),
        "/referrals/{id}/appointments" => appointment_body(),
        "/appointments/{id}/cancellation" => json!({}),
        "/caseload/handover" => {
            json!({"from_link_worker_id": link_worker, "to_link_worker_id": link_worker})
        }
        "/referrals/{id}/needs" => json!({"need": "food"}),
        "/referrals/{id}/goals" => json!({"description": "walk"}),
        "/referrals/{id}/barriers" => json!({"barrier": "transport"}),
        "/referrals/{id}/measures" => {
            json!({"instrument": "ucla3", "timing": "baseline", "answers": [1, 2, 3]})
        }
        // Consent recorded in the same step, so the body is valid for any referral.
        "/referrals/{id}/connections" => {
            json!({"service_id": app.service_id, "consent": {"share": ["name"], "method": "verbal"}})
        }
        "/goals/{id}/progress" => json!({"progress": 3}),
        "/referrals/{id}/service-use" => json!({"window": "before", "gp_consultations": 1}),
        "/service-use/imports" => json!({
            "csv": "nhs_number,referral_received,window,gp_consultations,ae_attendances\n"
        }),
        "/connections/{id}/status" => json!({"status": "cancelled"}),
        "/connections/{id}/messages" => json!({"body": "matrix"}),
        "/referrals/{id}/concerns" => {
            json!({"kind": "financial", "description": "matrix", "action_taken": "told the lead"})
        }
        "/vcse/connections/{id}/status" => json!({"status": "accepted"}),
        "/directory/services/{id}/changes" => json!({"confirm_correct": true}),
        "/referrals/{id}/consents" => {
            json!({"organisation": crate::helpers::SERVICE_ORGANISATION, "share": ["name"], "method": "written"})
        }
        "/consents/{id}/withdrawal" | "/consents/{id}/confirmation" => json!({}),
        "/me/tokens" => json!({"label": "matrix", "expires_in_days": 1}),
        "/me/tokens/{id}/revocation" => json!({}),
        // A new name each time, so only the policy decides.
        "/programmes" | "/programmes/{id}/changes" => json!({
            "name": format!("Matrix {}", NAMES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)),
            "model": "hub",
            "team_ids": [1]
        }),
        "/programmes/{id}/costs" => json!({
            "month": "2026-01", "staff_pence": 100, "grants_pence": 0, "other_pence": 0
        }),
        "/gp-outbox/requeue" => json!({"practice": "M00001", "confirm": true}),
        other => panic!("no request body for {other}"),
    }
}

async fn every_route_every_role_every_scope(backend: Backend) {
    let app = spawn_app(backend).await;
    let fixture = Fixture {
        own: ids(&app, &app.referrer, Some(app.practice_id)).await,
        other: ids(&app, &app.other_team_worker, None).await,
    };
    let (s, programme) = app
        .post(
            "/programmes",
            &app.admin,
            json!({"name": "Matrix programme", "model": "other", "team_ids": [1]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{programme}");
    let programme = programme["id"].as_i64().unwrap();
    let doc = app.openapi().await;
    let token = |role: Role| match role {
        LinkWorker => &app.link_worker,
        TeamLead => &app.team_lead,
        Referrer => &app.referrer,
        Vcse => &app.vcse,
        Volunteer => &app.volunteer,
        Analyst => &app.analyst,
        Admin => &app.admin,
    };
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            for role in ROLES {
                for scope in [Scope::Own, Scope::OtherTeam] {
                    let ids = if scope == Scope::Own {
                        &fixture.own
                    } else {
                        &fixture.other
                    };
                    let id = if path.starts_with("/programmes/") {
                        programme
                    } else if path.starts_with("/goals/") {
                        ids.goal
                    } else if path.starts_with("/connections/")
                        || path.starts_with("/vcse/connections/")
                    {
                        ids.connection
                    } else if path.starts_with("/appointments/") {
                        ids.appointment
                    } else if path.starts_with("/consents/") {
                        ids.consent
                    } else if path.starts_with("/people/") {
                        ids.person
                    } else {
                        ids.referral
                    };
                    let id = if path.starts_with("/directory/services/") {
                        format!("linkwell-service-{}", app.service_id)
                    } else if path.starts_with("/me/tokens/") {
                        // A spare token: the caller's own, or another account's.
                        let holder = if scope == Scope::Own {
                            role
                        } else if role == LinkWorker {
                            TeamLead
                        } else {
                            LinkWorker
                        };
                        let (s, issued) = app
                            .post("/me/tokens", token(holder), json!({"label": "spare"}))
                            .await;
                        assert_eq!(s, StatusCode::CREATED, "{issued}");
                        issued["id"].to_string()
                    } else {
                        id.to_string()
                    };
                    let url_path = path.replace("{id}", &id).replace("{postcode}", "SW1A1AA");
                    let (status, body) = if method == "get" {
                        app.get(&url_path, token(role)).await
                    } else {
                        // Re-read the version each time: earlier allowed writes move it on.
                        let reader = if scope == Scope::Own {
                            &app.link_worker
                        } else {
                            &app.other_team_worker
                        };
                        let (_, detail) = app
                            .get(&format!("/referrals/{}", ids.referral), reader)
                            .await;
                        let version = detail["referral"]["version"].as_i64().unwrap();
                        let mut body = body_for(path, &app, version, app.link_worker_id);
                        if path == "/referrals" {
                            body["person_id"] = json!(ids.person);
                        }
                        app.post(&url_path, token(role), body).await
                    };
                    let expect = allowed(method, path, role, scope);
                    assert!(
                        status.as_u16() < 500,
                        "{method} {path} as {role:?}: {status} {body}"
                    );
                    // Out-of-scope ids in a body are refused as unknown (422), as in a path (404).
                    let denied = matches!(
                        status,
                        StatusCode::FORBIDDEN | StatusCode::NOT_FOUND | StatusCode::UNAUTHORIZED
                    ) || (path == "/referrals"
                        && status == StatusCode::UNPROCESSABLE_ENTITY);
                    assert_eq!(
                        !denied, expect,
                        "{method} {path} as {role:?} on {scope:?} record: got {status} {body}"
                    );
                    checked += 1;
                }
            }
        }
    }
    eprintln!("access matrix ({backend:?}): {checked} route x role x scope cases");
    assert!(checked >= 20 * 7 * 2, "{checked}");
}

/// The FHIR terminology routes (not in the OpenAPI document, which covers /api/v1): every
/// signed-in role may read them, as they carry no personal data; without a token, 401.
async fn terminology_routes_for_every_role(backend: Backend) {
    let app = spawn_app(backend).await;
    let tokens = [
        (LinkWorker, &app.link_worker),
        (TeamLead, &app.team_lead),
        (Referrer, &app.referrer),
        (Vcse, &app.vcse),
        (Volunteer, &app.volunteer),
        (Analyst, &app.analyst),
        (Admin, &app.admin),
    ];
    assert_eq!(tokens.len(), ROLES.len());
    let expand_by_url = format!(
        "/fhir/ValueSet/$expand?url={}/fhir/ValueSet/need",
        app.address
    );
    let paths = [
        "/fhir/CodeSystem",
        "/fhir/CodeSystem/need",
        "/fhir/ValueSet",
        "/fhir/ValueSet/need",
        "/fhir/ValueSet/need/$expand",
        expand_by_url.as_str(),
    ];
    for path in paths {
        let url = format!("{}{path}", app.address);
        for (role, token) in tokens {
            let response = app
                .client
                .get(&url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{path} as {role:?}");
        }
        let response = app.client.get(&url).send().await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{path} with no token"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["resourceType"], "OperationOutcome");
    }
}
