//! Directory pages: search with filters (`search`), a service's page and its organisation's
//! listing form (`service`), matches for a referral (`matches`), and a community
//! organisation's inbox of connections with the answers it can give (`inbox`). This file holds
//! what they share: the person a search is for, and the connect form's choices.

mod connect_kept;
mod inbox;
mod matches;
mod search;
mod service;

pub(super) use connect_kept::ConnectKept;
pub(super) use inbox::{answer_connection, inbox_page};
pub(super) use matches::{matches_page, show_matches};
pub(super) use search::directory_page;
pub(super) use service::{change_listing, service_page, show_service, Shown};

use super::views::Choice;
use crate::state::AppState;
use crate::usecases;

/// The person a link worker is finding support for, while their referral is open.
pub struct ForPerson {
    pub referral_id: i64,
    pub person_id: i64,
    pub person_name: String,
    /// Where they live, to search near (the page starts there).
    pub postcode: String,
}

/// The referral named in a query, if the viewer may connect its person to services.
async fn for_person(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    raw: Option<&str>,
) -> Option<ForPerson> {
    let id: i64 = raw?.trim().parse().ok()?;
    let person = usecases::directory::person_to_connect(&state.store, user, id)
        .await
        .ok()??;
    Some(ForPerson {
        referral_id: id,
        person_id: person.id,
        person_name: person.full_name(),
        postcode: person.postcode.clone(),
    })
}

/// A confirmed consent a connection may rest on, offered on the connect form.
pub struct ConsentChoice {
    pub id: i64,
    pub organisation: String,
    pub label: String,
}

/// The person's confirmed consents in force that a connection for this referral may name
/// (none when they cannot be read).
async fn usable_consents(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    referral_id: i64,
    person_id: i64,
) -> Vec<ConsentChoice> {
    let Ok(consents) =
        usecases::directory::consents_for_connection(&state.store, user, referral_id, person_id)
            .await
    else {
        return Vec::new();
    };
    consents
        .into_iter()
        .map(|k| ConsentChoice {
            id: k.id,
            label: format!(
                "{} ({}, {})",
                k.share
                    .iter()
                    .map(|f| f.label())
                    .collect::<Vec<_>>()
                    .join(", "),
                k.method.label().to_lowercase(),
                k.given_at.format("%-d %b %Y")
            ),
            organisation: k.organisation,
        })
        .collect()
}

fn consent_choices() -> (Vec<Choice>, Vec<Choice>) {
    (
        crate::consent::SharedField::ALL
            .iter()
            .map(|f| Choice::new(f.code(), f.label(), false))
            .collect(),
        crate::consent::ConsentMethod::ALL
            .iter()
            .map(|m| Choice::new(m.code(), m.label(), false))
            .collect(),
    )
}

fn given(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// One fact about a service, as a label and a value.
struct Fact {
    label: &'static str,
    value: String,
}
