//! Connecting someone to a community service: their consent to share with the service's
//! organisation (which fields, how given) is recorded first, then the connection is sent
//! under it (or under a consent already confirmed, chosen on the form).

use super::{finish, form_id};
use crate::consent::{ConsentBasis, ConsentMethod, NewConnection, SharedField};
use crate::error::AppError;
use crate::state::AppState;
use crate::usecases::casework;
use crate::web::directory::{show_matches, show_service, ConnectKept, Shown};
use crate::web::extract::{NoFields, PageForm, PageUser};
use crate::web::referral_form::capitalised;
use crate::web::views::Panel;
use axum::extract::{Path, State};
use axum::response::Response;

pub(in crate::web) async fn connect(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    sent: PageForm<NoFields>,
) -> Response {
    let value = |name: &str| sent.value(name);
    let result = async {
        sent.accept(&user)?;
        let id = form_id(&id)?;
        let service_id: i64 = value("service_id").parse().map_err(|_| {
            AppError::invalid_field("service_id", "Choose a service", "unknown service")
        })?;
        // Nothing is recorded for a referral that has ended, nor for an unknown service.
        let organisation =
            casework::connection_organisation(&state.store, &user, id, service_id).await?;
        // The consent it rests on: one already confirmed, chosen on the form, or the one
        // recorded with the person now.
        let consent = match value("consent_id") {
            "" => {
                let share: Vec<SharedField> = sent
                    .all("share")
                    .filter_map(SharedField::from_code)
                    .collect();
                if share.is_empty() {
                    return Err(AppError::invalid_field(
                        "share",
                        "Say what they agree to share",
                        format!(
                            "tick what the person agrees {organisation} may see (at least one)"
                        ),
                    ));
                }
                let method = ConsentMethod::from_code(value("method")).ok_or_else(|| {
                    AppError::invalid_field(
                        "method",
                        "Say how they agreed",
                        "choose verbal, written or digital",
                    )
                })?;
                ConsentBasis::record(&share, method)?
            }
            chosen => ConsentBasis::Existing(chosen.parse().map_err(|_| {
                AppError::invalid_field("consent_id", "Choose a consent", "unknown consent")
            })?),
        };
        let connection = NewConnection {
            service_id,
            accompanied: !value("accompanied").is_empty(),
            notes: crate::api::text_field("notes", value("notes"), 0, 2000)?,
            consent,
        };
        casework::add_connection(&state.store, &user, id, &connection).await?;
        Ok(id)
    }
    .await;
    match result {
        // A refusal the person can put right keeps the user on the page they connected
        // from, at that service's form, with what they chose.
        Err(err @ AppError::Validation { .. }) => {
            let status = err.status();
            let problem = err.problem();
            let connect = ConnectKept {
                service_id: Some(value("service_id").parse().unwrap_or_default()),
                title: problem.title,
                message: capitalised(&problem.detail),
                field: problem.field.unwrap_or_default(),
                kept: sent.kept.clone(),
            };
            // The service's page when sent from there, else the matches page.
            if value("from") == "service" && !value("service").is_empty() {
                let shown = Shown {
                    referral: Some(id.clone()),
                    connect,
                    ..Shown::default()
                };
                show_service(&state, &user, value("service"), shown, status).await
            } else {
                show_matches(&state, &user, &id, connect, status).await
            }
        }
        result => finish(&state, &user, &id, Panel::Connect, Vec::new(), result).await,
    }
}
