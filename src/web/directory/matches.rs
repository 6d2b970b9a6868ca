//! `/referrals/{id}/matches`: the services that fit a referral, with the connect form.

use super::{consent_choices, usable_consents, ConnectKept, ConsentChoice};
use crate::auth::CurrentUser;
use crate::directory::results::MatchResult;
use crate::error::AppError;
use crate::state::AppState;
use crate::usecases;
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
    /// A refused connect form, shown again at its service.
    connect: ConnectKept,
}

pub async fn matches_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
) -> Response {
    show_matches(&state, &user, &id, ConnectKept::default(), StatusCode::OK).await
}

/// The matches page, with a refused connect form open at its service if there is one.
pub(in crate::web) async fn show_matches(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    connect: ConnectKept,
    status: StatusCode,
) -> Response {
    let result = async {
        let id: i64 = id.parse().map_err(|_| AppError::NotFound("referral"))?;
        let found = usecases::directory::matches(state, user, id).await?;
        let (referral, person) = (found.referral, found.person);
        Ok::<_, AppError>(MatchesPage {
            layout: Layout::new("Services that fit", Some(user)),
            referral_id: id,
            person_id: person.id,
            person_name: person.full_name(),
            open: referral.state.is_open(),
            matches: found.services,
            consents: usable_consents(state, user, id, person.id).await,
            shared_fields: consent_choices().0,
            methods: consent_choices().1,
            connect,
        })
    }
    .await;
    match result {
        Ok(page) => render(&page, status),
        Err(e) => error_page(Some(user), e),
    }
}
