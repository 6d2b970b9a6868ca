//! Questionnaires on the person page (issue 15, item 8): the published answer words and
//! time frame, "When" starting on follow-up once a baseline exists, and a question before an
//! incomplete questionnaire is saved (it is kept but never scored).

use crate::helpers::{spawn_app, Backend};
use crate::on_both_databases;
use crate::pages::{csrf_of, page, post_form, sign_in_as};
use reqwest::StatusCode;

on_both_databases!(
    questionnaires_show_their_published_words_and_time_frame,
    when_starts_on_follow_up_once_a_baseline_exists,
    an_incomplete_questionnaire_is_saved_only_when_the_user_says_so
);

/// The form of one questionnaire on the page, from its summary to the end of its form.
fn form_of<'a>(html: &'a str, summary: &str) -> &'a str {
    let start = html.find(summary).unwrap_or_else(|| panic!("{summary}"));
    let form = &html[start..];
    &form[..form.find("</form>").unwrap()]
}

async fn questionnaires_show_their_published_words_and_time_frame(backend: Backend) {
    let app = spawn_app(backend).await;
    let (person, _) = app.person_with_referral("B25 8DS").await;
    let cookie = sign_in_as(&app, "lw").await;
    let (_, html) = page(&app, &cookie, &format!("/people/{}", person["id"])).await;
    let swemwbs = form_of(&html, "Record SWEMWBS");
    for words in [
        "over the last 2 weeks",
        ">1 – None of the time<",
        ">2 – Rarely<",
        ">3 – Some of the time<",
        ">4 – Often<",
        ">5 – All of the time<",
    ] {
        assert!(swemwbs.contains(words), "{words} in {swemwbs}");
    }
    let ucla = form_of(&html, "Record UCLA");
    for words in [
        ">1 – Hardly ever or never<",
        ">2 – Some of the time<",
        ">3 – Often<",
        "how often you feel that way",
    ] {
        assert!(ucla.contains(words), "{words} in {ucla}");
    }
    let ons4 = form_of(&html, "Record ONS4");
    for words in [
        ">0 – Not at all<",
        ">5<",
        ">10 – Completely<",
        "scale of 0 to 10",
    ] {
        assert!(ons4.contains(words), "{words} in {ons4}");
    }
}

async fn when_starts_on_follow_up_once_a_baseline_exists(backend: Backend) {
    let app = spawn_app(backend).await;
    let (person, referral) = app.person_with_referral("B25 8DS").await;
    let cookie = sign_in_as(&app, "lw").await;
    let path = format!("/people/{}", person["id"]);
    let (_, html) = page(&app, &cookie, &path).await;
    assert!(form_of(&html, "Record SWEMWBS").contains(r#"<option value="baseline" selected>"#));

    let (status, _) = app
        .post(
            &format!("/referrals/{}/measures", referral["id"]),
            &app.link_worker,
            serde_json::json!({"instrument": "swemwbs", "timing": "baseline", "answers": [3, 3, 3, 3, 3, 3, 3]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, html) = page(&app, &cookie, &path).await;
    let swemwbs = form_of(&html, "Record SWEMWBS");
    assert!(
        swemwbs.contains(r#"<option value="follow_up" selected>"#),
        "{swemwbs}"
    );
    assert!(!swemwbs.contains(r#"<option value="baseline" selected>"#));
    assert!(
        form_of(&html, "Record UCLA").contains(r#"<option value="baseline" selected>"#),
        "only the questionnaire with a baseline moves on"
    );
}

async fn an_incomplete_questionnaire_is_saved_only_when_the_user_says_so(backend: Backend) {
    let app = spawn_app(backend).await;
    let (person, referral) = app.person_with_referral("B25 8DS").await;
    let cookie = sign_in_as(&app, "lw").await;
    let (_, html) = page(&app, &cookie, &format!("/people/{}", person["id"])).await;
    let csrf = csrf_of(&html);
    let path = format!("/referrals/{}/measures", referral["id"]);
    let answers = |incomplete: Option<&str>| {
        let mut form = vec![
            ("csrf", csrf.clone()),
            ("instrument", "ucla3".to_string()),
            ("timing", "baseline".to_string()),
            ("item1", "2".to_string()),
            ("item2", "".to_string()),
            ("item3", "3".to_string()),
        ];
        if let Some(yes) = incomplete {
            form.push(("incomplete", yes.to_string()));
        }
        form
    };
    let before = app.count("measures").await;
    let refused = post_form(&app, &cookie, &path, &answers(None)).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(html.contains("error-summary"), "{html}");
    assert!(html.contains("1 of 3 questions are not answered"), "{html}");
    let ucla = form_of(&html, "Record UCLA");
    assert!(
        ucla.contains(r#"<option value="3" selected>"#),
        "answers kept"
    );
    assert!(ucla.contains(r#"aria-invalid="true""#));
    assert_eq!(app.count("measures").await, before, "nothing saved");

    let saved = post_form(&app, &cookie, &path, &answers(Some("yes"))).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("measures").await, before + 1);
}
