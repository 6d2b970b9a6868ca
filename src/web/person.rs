//! `/people/{id}`: a person's page (their details, referrals, consents and who read their
//! record, with every casework form), and `/people/{id}/plan`, their plan to print.

use super::extract::PageUser;
use super::render::{error_page, render};
use super::views::{
    AccessLine, AppointmentLine, Choice, ConcernLine, ConsentLine, FormError, InstrumentForm,
    Layout, Notice, PersonPage, PersonView, PlanChooserPage, PlanPage, ReferralPanel, Saved,
};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::measures::Instrument;
use crate::referrals::{CloseReason, ContactMode, MeasureTiming};
use crate::state::AppState;
use crate::usecases::case_file;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

/// What the save that led here changed beyond itself (`views::Notice`), what it saved
/// (`views::Saved`), and where (a referral, or the consents).
#[derive(Deserialize, Default)]
pub(super) struct PersonParams {
    notice: Option<String>,
    saved: Option<String>,
    referral: Option<String>,
}

pub(super) async fn person_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    Query(params): Query<PersonParams>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return error_page(Some(&user), AppError::NotFound("person"));
    };
    let saved = params.saved.as_deref().and_then(Saved::of_code);
    // The banner stands where the user lands: in the referral saved, else above the consents.
    let saved_at = match params.referral.as_deref().map(str::parse::<i64>) {
        Some(Ok(r)) => format!("referral-{r}"),
        _ => "consents".to_string(),
    };
    match person(&state, &user, id, None).await {
        Ok(mut page) => {
            page.notice = params.notice.as_deref().and_then(Notice::from_code);
            page.saved = saved;
            page.saved_at = saved_at;
            render(&page, StatusCode::OK)
        }
        Err(e) => error_page(Some(&user), e),
    }
}

/// The person's plan, to print and keep: what matters to them, their goals and progress,
/// the services they are connected to, and when the link worker will be in touch.
/// The referral a plan is to be made from, when the link worker has chosen one.
#[derive(Deserialize, Default)]
pub(super) struct PlanParams {
    referral: Option<String>,
}

pub(super) async fn plan_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    Query(params): Query<PlanParams>,
) -> Response {
    let result = async {
        let id: i64 = id.parse().map_err(|_| AppError::NotFound("person"))?;
        let chosen = match params.referral.as_deref() {
            None | Some("") => None,
            Some(r) => Some(r.parse().map_err(|_| AppError::NotFound("referral"))?),
        };
        case_file::plan(&state.store, &user, id, chosen).await
    }
    .await;
    match result {
        Ok(case_file::Plan::Print {
            person,
            detail,
            others,
        }) => render(
            &PlanPage::new(&person, *detail, &others, &user),
            StatusCode::OK,
        ),
        Ok(case_file::Plan::Choose { person, open }) => {
            render(&PlanChooserPage::new(&person, &open, &user), StatusCode::OK)
        }
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

/// The page: the person's case file (the person, who on the team read their record, their
/// consents, one panel per referral) and the choices the casework forms offer.
async fn person(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    error: Option<FormError>,
) -> Result<PersonPage, AppError> {
    let file = case_file::open(&state.store, user, id).await?;
    let person = file.person;
    let accesses = file
        .accesses
        .into_iter()
        .map(|(record, name)| AccessLine::new(record, name))
        .collect();
    let consents = file.consents.iter().map(ConsentLine::new).collect();
    let unread = crate::usecases::messages::unread_by_connection(&state.store, user, id).await?;
    // Two open referrals for one person are most often a duplicate (issue 15, item 4).
    let open_referrals: Vec<i64> = file
        .referrals
        .iter()
        .filter(|d| d.referral.state.is_open())
        .map(|d| d.referral.id)
        .collect();
    let panels: Vec<ReferralPanel> = file
        .referrals
        .into_iter()
        .map(|r| {
            ReferralPanel::new(r)
                .with_unread(&unread)
                .with_holder(user.id, &file.workers)
        })
        .collect();
    let concerns = crate::usecases::concerns::of_person(&state.store, user, id).await?;
    let mut service_use = Vec::new();
    for panel in &panels {
        let recorded =
            crate::usecases::service_use::of_referral(&state.store, user, panel.id).await?;
        service_use.extend(recorded.iter().map(super::views::ServiceUseLine::new));
    }
    let volunteers = file
        .volunteers
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
        notice: None,
        me: user.id,
        give_to: if user.role == crate::auth::Role::TeamLead {
            file.workers.iter().map(load_choice).collect()
        } else {
            Vec::new()
        },
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
        saved: None,
        saved_at: String::new(),
        open_referrals: if open_referrals.len() > 1 {
            open_referrals
        } else {
            Vec::new()
        },
        appointments: file
            .appointments
            .iter()
            .map(|a| AppointmentLine::new(a, chrono::Utc::now()))
            .collect(),
        concerns: concerns.iter().map(ConcernLine::new).collect(),
        concern_kinds: crate::safeguarding::ConcernKind::ALL
            .iter()
            .map(|k| Choice::new(k.code(), k.label(), false))
            .collect(),
        service_use,
    })
}

/// A worker as a "Give to" choice, with their open caseload so the load is seen.
fn load_choice(w: &crate::referrals::WorkerLoad) -> Choice {
    Choice::new(
        &w.id.to_string(),
        &format!("{} ({} open)", w.name, w.open),
        false,
    )
}
