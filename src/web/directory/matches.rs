//! `/referrals/{id}/matches`: the services that fit a referral, with the connect form.

use super::{consent_choices, usable_consents, ConsentChoice};
use crate::directory::api::{matches_for, MatchResult};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::extract::PageUser;
use crate::web::render::{error_page, render};
use crate::web::views::{Choice, Layout};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

#[derive(Template)]
#[template(path = "matches.html")]
struct MatchesPage {
    layout: Layout,
    referral_id: i64,
    person_id: i64,
    person_name: String,
    /// Connections can be sent only while the referral is open.
    open: bool,
    matches: Vec<MatchResult>,
    consents: Vec<ConsentChoice>,
    shared_fields: Vec<Choice>,
    methods: Vec<Choice>,
}

pub async fn matches_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let id: i64 = id.parse().map_err(|_| AppError::NotFound("referral"))?;
        let matches = matches_for(&state, &user, id).await?;
        let referral = state
            .store
            .referral(id, user.case_scope())
            .await?
            .ok_or(AppError::NotFound("referral"))?;
        let person = state
            .store
            .person(referral.person_id, user.case_scope())
            .await?
            .ok_or(AppError::NotFound("person"))?;
        Ok::<_, AppError>(MatchesPage {
            layout: Layout::new("Services that fit", Some(&user)),
            referral_id: id,
            person_id: person.id,
            person_name: person.full_name(),
            open: referral.state.is_open(),
            matches,
            consents: usable_consents(&state, &user, id, person.id).await,
            shared_fields: consent_choices().0,
            methods: consent_choices().1,
        })
    }
    .await;
    match result {
        Ok(page) => render(&page, StatusCode::OK),
        Err(e) => error_page(Some(&user), e),
    }
}
