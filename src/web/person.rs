//! `/people/{id}`: a person's page (their details, referrals, consents and who read their
//! record, with every casework form), and `/people/{id}/plan`, their plan to print.

use super::extract::PageUser;
use super::render::{error_page, render};
use super::views::{
    AccessLine, Choice, ConsentLine, FormError, InstrumentForm, Layout, PersonPage, PersonView,
    PlanPage, ReferralPanel,
};
use crate::auth::policy::Action;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::measures::Instrument;
use crate::referrals::api::referral_detail;
use crate::referrals::{CloseReason, ContactMode, MeasureTiming};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

pub(super) async fn person_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return error_page(Some(&user), AppError::NotFound("person"));
    };
    show_person(&state, &user, id, None, StatusCode::OK).await
}

/// The person's plan, to print and keep: what matters to them, their goals and progress,
/// the services they are connected to, and when the link worker will be in touch.
pub(super) async fn plan_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        user.require(Action::ReadCasework)?;
        let id: i64 = id.parse().map_err(|_| AppError::NotFound("person"))?;
        let scope = user.case_scope();
        let person = state
            .store
            .read_person(id, scope, &user.audit_context())
            .await?
            .ok_or(AppError::NotFound("person"))?;
        let referral = state
            .store
            .referrals_of_person(id, scope)
            .await?
            .into_iter()
            .next()
            .ok_or(AppError::NotFound("referral"))?;
        let detail = referral_detail(&state, &user, referral.id).await?;
        Ok::<_, AppError>(PlanPage::new(&person, detail, &user))
    }
    .await;
    match result {
        Ok(page) => render(&page, StatusCode::OK),
        Err(e) => error_page(Some(&user), e),
    }
}

/// Renders a person's page, optionally with a form error summary at the top.
pub(super) async fn show_person(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    error: Option<FormError>,
    status: StatusCode,
) -> Response {
    match person(state, user, id, error).await {
        Ok(page) => render(&page, status),
        Err(e) => error_page(Some(user), e),
    }
}

/// The page: the person (read and audited), who on the team read their record, their
/// consents, one panel per referral, and the choices the casework forms offer.
async fn person(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    error: Option<FormError>,
) -> Result<PersonPage, AppError> {
    if !user.may(Action::ReadCasework) {
        return Err(AppError::NotFound("person"));
    }
    let scope = user.case_scope();
    let person = state
        .store
        .read_person(id, scope, &user.audit_context())
        .await?
        .ok_or(AppError::NotFound("person"))?;
    let referrals = state.store.referrals_of_person(id, scope).await?;
    // Casework readers always have a team (their scope needs one); a page without one shows none.
    let Some(team) = user.team_id else {
        return Err(AppError::NotFound("person"));
    };
    let accesses = state
        .store
        .accesses_of_person_by_team(id, team, 20)
        .await
        .map_err(AppError::Internal)?
        .into_iter()
        .map(|(record, name)| AccessLine::new(record, name))
        .collect();
    let consents = state
        .store
        .consents_in_scope(scope, Some(person.id), None)
        .await?
        .iter()
        .map(ConsentLine::new)
        .collect();
    let unread = crate::usecases::messages::unread_by_connection(&state.store, user, id).await?;
    let mut panels = Vec::new();
    for referral in referrals {
        panels.push(
            ReferralPanel::new(referral_detail(state, user, referral.id).await?)
                .with_unread(&unread),
        );
    }
    let volunteers = state
        .store
        .volunteers_for(team)
        .await?
        .into_iter()
        .map(|(id, name)| Choice::new(&id.to_string(), &name, false))
        .collect();
    Ok(PersonPage {
        layout: Layout::new(&person.full_name(), Some(user)),
        person_id: person.id,
        consents,
        person: PersonView::new(&person),
        referrals: panels,
        accesses,
        error,
        csrf: user.csrf_token.clone().unwrap_or_default(),
        modes: ContactMode::ALL
            .iter()
            .map(|m| Choice::new(m.code(), m.label(), false))
            .collect(),
        instruments: Instrument::ALL
            .iter()
            .map(|i| InstrumentForm::new(*i))
            .collect(),
        timings: MeasureTiming::ALL
            .iter()
            .map(|t| Choice::new(t.code(), t.label(), false))
            .collect(),
        close_reasons: CloseReason::ALL
            .iter()
            .map(|r| Choice::new(r.code(), r.label(), false))
            .collect(),
        volunteers,
        needs: crate::referrals::Need::ALL
            .iter()
            .map(|n| Choice::new(n.code(), n.label(), false))
            .collect(),
        today: chrono::Utc::now().date_naive().to_string(),
    })
}
