//! Messages on a connection (issue 15, item 5) and the organisation's inbox filtered and
//! paged (item 6): both sides see the thread, only under the person's consent in force,
//! every read and write audited, unread counts per user.

use crate::helpers::{assert_problem, spawn_app, Backend, TestApp, SERVICE_ORGANISATION};
use crate::on_both_databases;
use crate::pages::{csrf_of, page, sign_in_as};
use linkwell::auth::Role;
use linkwell::store::NewUser;
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_databases!(
    a_message_reaches_the_organisation_and_its_reply_the_link_worker,
    without_consent_in_force_the_organisation_reads_nothing_and_cannot_post,
    another_organisation_and_other_roles_cannot_reach_the_thread,
    the_inbox_shows_what_needs_an_answer_25_at_a_time_and_stays_in_place,
);

/// A person referred, their consent to share with the service's organisation, and a
/// connection to its service: (person id, connection id, consent id).
async fn connection(app: &TestApp) -> (i64, i64, i64) {
    let (person, referral) = app.person_with_referral("B25 8DS").await;
    let consent = app
        .consent_to_share(&referral["id"], &app.link_worker)
        .await;
    let (s, connection) = app
        .post(
            &format!("/referrals/{}/connections", referral["id"]),
            &app.link_worker,
            json!({"service_id": app.service_id, "consent_id": consent["id"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{connection}");
    (
        person["id"].as_i64().unwrap(),
        connection["id"].as_i64().unwrap(),
        consent["id"].as_i64().unwrap(),
    )
}

/// Audit records of this type (and action), in order.
async fn audited(
    app: &TestApp,
    record_type: &str,
    action: &str,
) -> Vec<linkwell::audit::AuditRecord> {
    app.store
        .audit_records(0, 100_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.record_type == record_type && r.action == action)
        .collect()
}

async fn a_message_reaches_the_organisation_and_its_reply_the_link_worker(backend: Backend) {
    let app = spawn_app(backend).await;
    let (person, id) = {
        let (person, id, _) = connection(&app).await;
        (person, id)
    };
    let thread = format!("/connections/{id}/messages");
    let (s, sent) = app
        .post(
            &thread,
            &app.link_worker,
            json!({"body": "Hard of hearing, speak slowly.\nSomeone will go with them."}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{sent}");
    assert_eq!(sent["side"], "team");

    // The organisation's inbox line says 1 unread until it reads the thread.
    let vcse = sign_in_as(&app, "vcse").await;
    let (_, inbox) = page(&app, &vcse, "/vcse/inbox").await;
    assert!(inbox.contains("1 unread"), "{inbox}");
    let (s, read) = app.get(&thread, &app.vcse).await;
    assert_eq!(s, StatusCode::OK, "{read}");
    assert_eq!(read["unread"], 1);
    assert_eq!(read["consent_in_force"], true);
    assert_eq!(
        read["messages"][0]["body"],
        "Hard of hearing, speak slowly.\nSomeone will go with them."
    );
    assert_eq!(read["messages"][0]["unread"], true);
    assert!(
        read.get("person_id").is_none(),
        "no internal person id for the organisation: {read}"
    );
    let (_, again) = app.get(&thread, &app.vcse).await;
    assert_eq!(again["unread"], 0);
    let (_, inbox) = page(&app, &vcse, "/vcse/inbox").await;
    assert!(
        inbox.contains("Walking group") && !inbox.contains("unread"),
        "{inbox}"
    );

    // The organisation answers from its page (CSRF form); the link worker's caseload shows 1 unread.
    let (s, html) = page(&app, &vcse, &thread).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Hard of hearing"), "{html}");
    let reply = app
        .client
        .post(format!("{}{thread}", app.address))
        .header("cookie", &vcse)
        .form(&[
            ("csrf", csrf_of(&html).as_str()),
            ("body", "We will ring her on Monday."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        reply.headers()["location"],
        format!("{thread}?sent=1#latest")
    );
    // A refused message comes back with the error summary and what was typed, nothing sent.
    let long = "x".repeat(1001);
    let refused = app
        .client
        .post(format!("{}{thread}", app.address))
        .header("cookie", &vcse)
        .form(&[("csrf", csrf_of(&html).as_str()), ("body", long.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = refused.text().await.unwrap();
    assert!(
        refused.contains("There is a problem: Message too long") && refused.contains(&long),
        "{refused}"
    );
    assert_eq!(app.count("connection_messages").await, 2);

    let worker = sign_in_as(&app, "lw").await;
    let (_, caseload) = page(&app, &worker, "/caseload").await;
    assert!(caseload.contains("1 unread"), "{caseload}");
    let (_, person_page) = page(&app, &worker, &format!("/people/{person}")).await;
    assert!(
        person_page.contains(&format!("/connections/{id}/messages"))
            && person_page.contains("1 unread")
    );
    let (s, read) = app.get(&thread, &app.link_worker).await;
    assert_eq!(s, StatusCode::OK, "{read}");
    assert_eq!(read["unread"], 1);
    assert_eq!(read["person_id"], person);
    let bodies: Vec<&str> = read["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(
        bodies,
        [
            "Hard of hearing, speak slowly.\nSomeone will go with them.",
            "We will ring her on Monday."
        ]
    );
    assert_eq!(read["messages"][1]["side"], "organisation");
    assert_eq!(read["messages"][1]["author"], "vcse");
    let (_, caseload) = page(&app, &worker, "/caseload").await;
    assert!(!caseload.contains(" unread"), "{caseload}");
    // The team lead has not read it: unread is per user.
    let (_, lead) = app.get(&thread, &app.team_lead).await;
    assert_eq!(lead["unread"], 1);

    // Bad text is refused with a problem document and nothing written.
    for (body, title) in [
        ("   ", "Message is empty"),
        ("ring \u{7} her", "Character not allowed"),
        ("abc\u{202E}def", "Character not allowed"),
    ] {
        let (s, problem) = app
            .post(&thread, &app.link_worker, json!({"body": body}))
            .await;
        assert_problem(s, &problem, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["title"], title, "{problem}");
    }
    let (s, problem) = app
        .post(&thread, &app.link_worker, json!({"body": "x".repeat(1001)}))
        .await;
    assert_problem(s, &problem, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("connection_messages").await, 2);

    // Every read and write is audited, with the person it concerns.
    let writes = audited(&app, "connection_message", "create").await;
    assert_eq!(writes.len(), 2);
    assert_eq!(
        (writes[0].actor_role.as_str(), writes[1].actor_role.as_str()),
        ("link_worker", "vcse")
    );
    // Reads: the organisation twice (API) and once (its page, before replying), the link
    // worker once, the team lead once; the refused page shows the thread again (one more).
    let reads = audited(&app, "connection_messages", "read").await;
    assert_eq!(reads.len(), 6, "{reads:?}");
    assert!(reads
        .iter()
        .chain(&writes)
        .all(|r| r.person_id == Some(person)));
    assert!(reads.iter().all(|r| r.record_id == Some(id)));
}

async fn without_consent_in_force_the_organisation_reads_nothing_and_cannot_post(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, id, consent) = connection(&app).await;
    let thread = format!("/connections/{id}/messages");
    let (s, _) = app
        .post(&thread, &app.link_worker, json!({"body": "Speak slowly"}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, withdrawn) = app
        .post(
            &format!("/consents/{consent}/withdrawal"),
            &app.link_worker,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{withdrawn}");
    let reads_before = audited(&app, "connection_messages", "read").await.len();

    let (s, problem) = app.get(&thread, &app.vcse).await;
    assert_problem(s, &problem, StatusCode::FORBIDDEN);
    assert!(
        problem["detail"].as_str().unwrap().contains("consent"),
        "{problem}"
    );
    assert!(!problem.to_string().contains("Speak slowly"));
    let (s, problem) = app
        .post(&thread, &app.vcse, json!({"body": "Shall we ring?"}))
        .await;
    assert_problem(s, &problem, StatusCode::FORBIDDEN);
    // The team keeps its record but cannot send what the organisation could not read.
    let (s, problem) = app
        .post(&thread, &app.link_worker, json!({"body": "Any news?"}))
        .await;
    assert_problem(s, &problem, StatusCode::CONFLICT);
    assert_eq!(app.count("connection_messages").await, 1, "nothing written");
    assert_eq!(audited(&app, "connection_message", "create").await.len(), 1);
    assert_eq!(
        audited(&app, "connection_messages", "read").await.len(),
        reads_before,
        "nothing read"
    );
    let (s, read) = app.get(&thread, &app.link_worker).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(read["consent_in_force"], false);
    assert_eq!(read["messages"].as_array().unwrap().len(), 1);
    // The pages say so plainly.
    let vcse = sign_in_as(&app, "vcse").await;
    let (s, html) = page(&app, &vcse, &thread).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(
        html.contains("consent to share with") && !html.contains("Speak slowly"),
        "{html}"
    );
    let worker = sign_in_as(&app, "lw").await;
    let (_, html) = page(&app, &worker, &thread).await;
    assert!(
        html.contains("consent is not in force") && !html.contains("Send message"),
        "{html}"
    );

    // A consent sent with a referral and never confirmed shares nothing either.
    app.execute(&format!(
        "UPDATE consents SET withdrawn_at = NULL, status = 'proposed' WHERE id = {consent}"
    ))
    .await;
    let (s, problem) = app.get(&thread, &app.vcse).await;
    assert_problem(s, &problem, StatusCode::FORBIDDEN);
}

async fn another_organisation_and_other_roles_cannot_reach_the_thread(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, id, _) = connection(&app).await;
    let thread = format!("/connections/{id}/messages");
    let (s, _) = app
        .post(&thread, &app.link_worker, json!({"body": "Speak slowly"}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let other = app
        .store
        .create_user(&NewUser {
            username: "vcse-b",
            display_name: "vcse-b",
            role: Role::Vcse,
            team_id: None,
            organisation: Some("Other Trust"),
            password: None,
        })
        .await
        .unwrap();
    assert_ne!(SERVICE_ORGANISATION, "Other Trust");
    let other = app.store.create_api_token(other, "test").await.unwrap();
    for token in [&other, &app.other_team_worker] {
        let (s, problem) = app.get(&thread, token).await;
        assert_problem(s, &problem, StatusCode::NOT_FOUND);
        let (s, problem) = app.post(&thread, token, json!({"body": "hello"})).await;
        assert_problem(s, &problem, StatusCode::NOT_FOUND);
    }
    for token in [&app.referrer, &app.volunteer, &app.analyst, &app.admin] {
        let (s, problem) = app.get(&thread, token).await;
        assert_problem(s, &problem, StatusCode::FORBIDDEN);
        let (s, problem) = app.post(&thread, token, json!({"body": "hello"})).await;
        assert_problem(s, &problem, StatusCode::FORBIDDEN);
    }
    assert_eq!(app.count("connection_messages").await, 1);
    assert_eq!(audited(&app, "connection_messages", "read").await.len(), 0);
}

/// The connection ids on an inbox page, in order.
fn lines_of(html: &str) -> Vec<i64> {
    html.split("<h3 id=\"connection-")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].parse().unwrap())
        .collect()
}

async fn the_inbox_shows_what_needs_an_answer_25_at_a_time_and_stays_in_place(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, referral) = app.person_with_referral("B25 8DS").await;
    let consent = app
        .consent_to_share(&referral["id"], &app.link_worker)
        .await;
    let mut ids: Vec<Value> = Vec::new();
    for _ in 0..33 {
        let (s, c) = app
            .post(
                &format!("/referrals/{}/connections", referral["id"]),
                &app.link_worker,
                json!({"service_id": app.service_id, "consent_id": consent["id"]}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{c}");
        ids.push(c["id"].clone());
    }
    // By hand: 33 sent; 2 accepted (active), 1 declined (closed): 30 need an answer.
    for (id, body) in [
        (&ids[0], json!({"status": "accepted"})),
        (&ids[1], json!({"status": "accepted"})),
        (
            &ids[2],
            json!({"status": "rejected", "note": "Group is full"}),
        ),
    ] {
        let (s, answered) = app
            .post(&format!("/vcse/connections/{id}/status"), &app.vcse, body)
            .await;
        assert_eq!(s, StatusCode::OK, "{answered}");
    }
    let vcse = sign_in_as(&app, "vcse").await;
    let (s, first) = page(&app, &vcse, "/vcse/inbox").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        first.contains("Needs your answer (30)")
            && first.contains("Active (2)")
            && first.contains("Closed (1)"),
        "{first}"
    );
    assert!(first.contains("Showing 1 to 25 of 30"), "{first}");
    assert_eq!(lines_of(&first).len(), 25);
    assert!(
        first.contains("page=2\">Next page") && !first.contains("Previous page"),
        "{first}"
    );
    let (_, second) = page(&app, &vcse, "/vcse/inbox?show=needs-answer&page=2").await;
    assert!(
        second.contains("Showing 26 to 30 of 30") && second.contains("Previous page"),
        "{second}"
    );
    let on_second = lines_of(&second);
    assert_eq!(on_second.len(), 5);
    // Newest first: the last five needing an answer are the oldest (ids 4 to 8 of 33).
    let oldest: Vec<i64> = ids[3..8]
        .iter()
        .rev()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert_eq!(on_second, oldest);
    assert!(!second.contains("Next page"));
    let (_, active) = page(&app, &vcse, "/vcse/inbox?show=active").await;
    assert_eq!(
        lines_of(&active),
        [ids[1].as_i64().unwrap(), ids[0].as_i64().unwrap()]
    );
    let (_, closed) = page(&app, &vcse, "/vcse/inbox?show=closed").await;
    assert_eq!(lines_of(&closed), [ids[2].as_i64().unwrap()]);

    // Answering from page 2 comes back to page 2 at the line, saying "Answer sent".
    let answered = on_second[0];
    let response = app
        .client
        .post(format!(
            "{}/vcse/connections/{answered}/status",
            app.address
        ))
        .header("cookie", &vcse)
        .form(&[
            ("csrf", csrf_of(&second).as_str()),
            ("status", "accepted"),
            ("note", ""),
            ("show", "needs-answer"),
            ("page", "2"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(
        location,
        format!("/vcse/inbox?show=needs-answer&page=2&answered={answered}#connection-{answered}")
    );
    let (_, back) = page(&app, &vcse, location.split('#').next().unwrap()).await;
    assert!(
        back.contains("Answer sent") && back.contains("Showing 26 to 29 of 29"),
        "{back}"
    );
    // The line left this list, so the banner carries its anchor.
    assert!(back.contains(&format!("id=\"connection-{answered}\"")));
    assert!(back.contains("Needs your answer (29)") && back.contains("Active (3)"));

    // A message from the link worker puts an active line back under "needs your answer".
    let (s, _) = app
        .post(
            &format!("/connections/{}/messages", ids[0]),
            &app.link_worker,
            json!({"body": "She uses a wheelchair"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, second) = page(&app, &vcse, "/vcse/inbox?show=needs-answer&page=2").await;
    assert!(
        second.contains("Needs your answer (30)") && second.contains("1 unread"),
        "{second}"
    );
    // It is the oldest connection, so the last line of the second page.
    assert_eq!(lines_of(&second).last(), ids[0].as_i64().as_ref());
    // A page beyond the last shows the last.
    let (_, far) = page(&app, &vcse, "/vcse/inbox?show=needs-answer&page=99").await;
    assert!(far.contains("Showing 26 to 30 of 30"), "{far}");
}
