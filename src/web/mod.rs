//! Server-rendered pages for link workers. Plain HTML forms (no JavaScript needed),
//! post/redirect/get, CSRF token on every form, one stylesheet served by the binary.

mod accounts;
mod admin;
mod casework;
mod directory;
mod referral_form;
mod reports;
mod session;
mod team;
mod views;
mod visits;

use crate::app::AppState;
use crate::auth::policy::Action;
use crate::auth::{self, CurrentUser, Role};
use crate::error::AppError;
use crate::measures::Instrument;
use crate::referrals::api::{
    apply_transition, referral_detail, ContactInput, MeasureInput, TransitionInput,
};
use crate::referrals::{CloseReason, ContactMode, MeasureTiming, ReferralState};
use crate::store::CaseloadFilter;
use askama::Template;
use axum::extract::{Form, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use std::collections::HashMap;
use views::*;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/static/linkwell.css", get(stylesheet))
        .route("/static/linkwell.js", get(script))
        .route(
            "/referrals/new",
            get(referral_form::new_referral_page).post(referral_form::make_referral),
        )
        .route("/postcode-check", get(referral_form::check_postcode))
        .route(
            "/sign-in",
            get(session::sign_in_page).post(session::sign_in),
        )
        .route("/sign-out", post(session::sign_out))
        .route("/caseload", get(caseload_page))
        .route("/team", get(team::team_page))
        .route("/admin", get(admin::admin_page))
        .route("/admin/invitations", post(admin::invite))
        .route("/admin/accounts/{id}/disable", post(admin::disable))
        .route("/admin/accounts/{id}/enable", post(admin::enable))
        .route("/admin/accounts/{id}/unlock", post(admin::unlock))
        .route(
            "/admin/accounts/{id}/sessions/end",
            post(admin::end_sessions),
        )
        .route(
            "/admin/accounts/{id}/tokens/revoke",
            post(admin::revoke_tokens),
        )
        .route(
            "/admin/accounts/{id}/password-reset",
            post(admin::reset_password),
        )
        .route(
            "/password-links/{secret}",
            get(accounts::password_link_page).post(accounts::use_password_link),
        )
        .route(
            "/account/password",
            get(accounts::change_password_page).post(accounts::change_password),
        )
        .route("/visits", get(visits::visits_page))
        .route("/visits/{id}/done", post(visits::record_visit))
        .route("/referrals/{id}/visits", post(visits::arrange_visit))
        .route("/referrals/{id}/assignment", post(team::assign))
        .route("/reports/equity", get(reports::equity_page))
        .route("/directory", get(directory::directory_page))
        .route("/directory/services/{id}", get(directory::service_page))
        .route(
            "/directory/services/{id}/changes",
            post(directory::change_listing),
        )
        .route("/referrals/{id}/matches", get(directory::matches_page))
        .route("/vcse/inbox", get(directory::inbox_page))
        .route(
            "/vcse/connections/{id}/status",
            post(directory::answer_connection),
        )
        .route("/reports/equity/{file}", get(reports::equity_download))
        .route("/people/{id}", get(person_page))
        .route("/people/{id}/plan", get(plan_page))
        .route("/referrals/{id}/contacts", post(record_contact))
        .route("/referrals/{id}/measures", post(record_measure))
        .route("/referrals/{id}/transitions", post(record_transition))
        .route("/referrals/{id}/needs", post(casework::record_need))
        .route("/referrals/{id}/goals", post(casework::record_goal))
        .route("/goals/{id}/progress", post(casework::record_progress))
        .route("/referrals/{id}/connections", post(casework::connect))
        .route(
            "/consents/{id}/confirmation",
            post(casework::confirm_consent),
        )
}

/// Each role starts where its work is.
async fn home(PageUser(user): PageUser) -> Redirect {
    match user.role {
        Role::Analyst => Redirect::to("/reports/equity"),
        Role::Vcse => Redirect::to("/vcse/inbox"),
        Role::Admin => Redirect::to("/admin"),
        Role::Volunteer => Redirect::to("/visits"),
        _ => Redirect::to("/caseload"),
    }
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        concat!(
            include_str!("../../static/linkwell.css"),
            include_str!("../../static/equity-report.css")
        ),
    )
}

/// The one script: progressive enhancement only, every page works without it.
async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("../../static/linkwell.js"),
    )
}

/// A signed-in page user; anyone else is sent to the sign-in page.
pub struct PageUser(pub CurrentUser);

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Some(session) = auth::session_cookie(&parts.headers) else {
            return Err(Redirect::to("/sign-in").into_response());
        };
        let idle = chrono::Duration::minutes(state.settings.session_idle_minutes);
        match state
            .store
            .user_by_session(&auth::hash_secret(session), idle)
            .await
        {
            Ok(Some(mut user)) => {
                user.request_id = auth::request_id(&parts.headers);
                Ok(PageUser(user))
            }
            Ok(None) => Err(Redirect::to("/sign-in").into_response()),
            Err(e) => Err(AppError::Internal(e).into_response()),
        }
    }
}

/// A posted form, typed, with its answers as sent (shown again if the form is refused).
pub struct KeptForm<T>(pub T, pub Vec<(String, String)>);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for KeptForm<T> {
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Response> {
        let body = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let refuse = |e: serde_urlencoded::de::Error| {
            error_page(
                None,
                AppError::BadBody(format!("the form could not be read: {e}")),
            )
        };
        let typed = serde_urlencoded::from_bytes(&body).map_err(refuse)?;
        let answers: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).map_err(refuse)?;
        Ok(KeptForm(
            typed,
            answers
                .into_iter()
                .filter(|(name, _)| name != "csrf")
                .collect(),
        ))
    }
}

/// Renders a page; template failures are internal errors, never partial pages.
fn render(template: &impl Template, status: StatusCode) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => AppError::Internal(e.into()).into_response(),
    }
}

/// An error shown as a page, not as JSON.
fn error_page(user: Option<&CurrentUser>, err: AppError) -> Response {
    if let AppError::Internal(e) = &err {
        tracing::error!(error = ?e, "internal error on page");
    }
    let problem = err.problem();
    let page = ErrorPage {
        layout: Layout::new("Something went wrong", user),
        title: problem.title,
        detail: problem.detail,
    };
    render(&page, err.status())
}

/// An error the framework raised (see `error_documents`), as a page for a browser.
pub(crate) fn problem_page(status: StatusCode, problem: crate::error::Problem) -> Response {
    let page = ErrorPage {
        layout: Layout::new("Something went wrong", None),
        title: problem.title,
        detail: problem.detail,
    };
    render(&page, status)
}

fn check_csrf(user: &CurrentUser, token: &str) -> Result<(), AppError> {
    match &user.csrf_token {
        Some(expected) if auth::same_secret(expected, token) => Ok(()),
        _ => Err(AppError::Forbidden(
            "the form has expired; go back, reload the page and try again".into(),
        )),
    }
}

#[derive(Deserialize, Default)]
struct CaseloadParams {
    state: Option<String>,
    mine: Option<String>,
    overdue: Option<String>,
    /// `today`: follow-ups due today.
    due: Option<String>,
    unanswered: Option<String>,
    unassigned: Option<String>,
    page: Option<i64>,
    /// A referral just made on the referral form, to confirm.
    made: Option<i64>,
}

const PAGE_SIZE: i64 = 50;
/// Bounds the page number so offsets cannot overflow.
const MAX_PAGE: i64 = 1_000_000;

async fn caseload_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(params): Query<CaseloadParams>,
) -> Response {
    let casework = user.may(Action::ReadCasework);
    if !casework && user.role != Role::Referrer {
        return error_page(
            Some(&user),
            AppError::Forbidden(format!(
                "there is no caseload for the {} role; case lists are for link workers, team leads and referrers",
                user.role.label().to_lowercase()
            )),
        );
    }
    let state_filter = params
        .state
        .as_deref()
        .filter(|s| !s.is_empty())
        .and_then(ReferralState::from_code);
    let page = params.page.unwrap_or(1).clamp(1, MAX_PAGE);
    let filter = CaseloadFilter {
        state: state_filter,
        link_worker_id: params.mine.is_some().then_some(user.id),
        overdue_on: params
            .overdue
            .is_some()
            .then(|| chrono::Utc::now().date_naive()),
        due_on: (params.due.as_deref() == Some("today")).then(|| chrono::Utc::now().date_naive()),
        unanswered: params.unanswered.is_some(),
        unassigned: params.unassigned.is_some(),
        limit: PAGE_SIZE + 1,
        offset: (page - 1) * PAGE_SIZE,
    };
    let today = chrono::Utc::now().date_naive();
    let summary = match (casework, user.team_id) {
        (true, Some(team)) => {
            let worker = (user.role == Role::LinkWorker).then_some(user.id);
            match state.store.day_summary(team, worker, today).await {
                Ok(s) => Some(s),
                Err(e) => return error_page(Some(&user), e),
            }
        }
        _ => None,
    };
    let mut rows = match state
        .store
        .read_caseload(user.case_scope(), &filter, &user.audit_context())
        .await
    {
        Ok(rows) => rows,
        Err(e) => return error_page(Some(&user), e),
    };
    let made_for = match params.made {
        Some(id) => match state.store.referral(id, user.case_scope()).await {
            Ok(Some(referral)) => state
                .store
                .person(referral.person_id, user.case_scope())
                .await
                .ok()
                .flatten()
                .map(|p| p.full_name()),
            _ => None,
        },
        None => None,
    };
    let has_next = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let page_view = CaseloadPage {
        layout: Layout::new(
            if casework {
                "Caseload"
            } else {
                "Your referrals"
            },
            Some(&user),
        ),
        casework,
        rows: rows
            .into_iter()
            .map(|r| CaseloadLine::from_row(r, today))
            .collect(),
        states: ReferralState::ALL
            .iter()
            .map(|s| Choice::new(s.code(), s.label(), state_filter == Some(*s)))
            .collect(),
        mine: params.mine.is_some(),
        overdue: params.overdue.is_some(),
        page,
        previous_link: (page > 1).then(|| caseload_link(&params, page - 1)),
        next_link: has_next.then(|| caseload_link(&params, page + 1)),
        made_for,
        may_refer: user.may(Action::CreateReferral),
        summary,
        for_team: user.role == Role::TeamLead,
        filtered: params.due.is_some()
            || params.unanswered.is_some()
            || params.unassigned.is_some()
            || params.overdue.is_some(),
    };
    render(&page_view, StatusCode::OK)
}

fn caseload_link(params: &CaseloadParams, page: i64) -> String {
    let mut query = vec![format!("page={page}")];
    if let Some(s) = params.state.as_deref().and_then(ReferralState::from_code) {
        query.push(format!("state={}", s.code()));
    }
    if params.mine.is_some() {
        query.push("mine=1".into());
    }
    if params.overdue.is_some() {
        query.push("overdue=1".into());
    }
    if params.due.as_deref() == Some("today") {
        query.push("due=today".into());
    }
    if params.unanswered.is_some() {
        query.push("unanswered=1".into());
    }
    if params.unassigned.is_some() {
        query.push("unassigned=1".into());
    }
    format!("/caseload?{}", query.join("&"))
}

async fn person_page(
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
async fn plan_page(
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
async fn show_person(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    error: Option<FormError>,
    status: StatusCode,
) -> Response {
    if !user.may(Action::ReadCasework) {
        return error_page(Some(user), AppError::NotFound("person"));
    }
    let scope = user.case_scope();
    let person = match state
        .store
        .read_person(id, scope, &user.audit_context())
        .await
    {
        Ok(Some(p)) => p,
        Ok(None) => return error_page(Some(user), AppError::NotFound("person")),
        Err(e) => return error_page(Some(user), e),
    };
    let referrals = match state.store.referrals_of_person(id, scope).await {
        Ok(r) => r,
        Err(e) => return error_page(Some(user), e),
    };
    // Casework readers always have a team (their scope needs one); a page without one shows none.
    let Some(team) = user.team_id else {
        return error_page(Some(user), AppError::NotFound("person"));
    };
    let accesses = match state.store.accesses_of_person_by_team(id, team, 20).await {
        Ok(rows) => rows
            .into_iter()
            .map(|(record, name)| AccessLine::new(record, name))
            .collect(),
        Err(e) => return error_page(Some(user), AppError::Internal(e)),
    };
    let consents = match state
        .store
        .consents_in_scope(scope, Some(person.id), None)
        .await
    {
        Ok(k) => k.iter().map(ConsentLine::new).collect(),
        Err(e) => return error_page(Some(user), e),
    };
    let mut panels = Vec::new();
    for referral in referrals {
        match referral_detail(state, user, referral.id).await {
            Ok(detail) => panels.push(ReferralPanel::new(detail)),
            Err(e) => return error_page(Some(user), e),
        }
    }
    let page = PersonPage {
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
        volunteers: match user.team_id {
            Some(team) => match state.store.volunteers_for(team).await {
                Ok(v) => v
                    .into_iter()
                    .map(|(id, name)| Choice::new(&id.to_string(), &name, false))
                    .collect(),
                Err(e) => return error_page(Some(user), e),
            },
            None => Vec::new(),
        },
        needs: crate::referrals::Need::ALL
            .iter()
            .map(|n| Choice::new(n.code(), n.label(), false))
            .collect(),
        today: chrono::Utc::now().date_naive().to_string(),
    };
    render(&page, status)
}

/// After a form post: back to the person page on success, or the page with the error.
async fn after_form(
    state: &AppState,
    user: &CurrentUser,
    referral_id: i64,
    panel: Panel,
    kept: Vec<(String, String)>,
    result: Result<(), AppError>,
) -> Response {
    let person_id = match state.store.referral(referral_id, user.case_scope()).await {
        Ok(Some(r)) => r.person_id,
        Ok(None) => return error_page(Some(user), AppError::NotFound("referral")),
        Err(e) => return error_page(Some(user), e),
    };
    match result {
        Ok(()) => {
            Redirect::to(&format!("/people/{person_id}#referral-{referral_id}")).into_response()
        }
        Err(AppError::Internal(e)) => error_page(Some(user), AppError::Internal(e)),
        Err(err @ (AppError::Forbidden(_) | AppError::NotFound(_))) => error_page(Some(user), err),
        Err(err) => {
            let status = err.status();
            let problem = err.problem();
            let error = FormError {
                panel: panel.key(referral_id),
                anchor: panel.anchor(referral_id, problem.field.as_deref()),
                kept,
                title: problem.title,
                detail: problem.detail,
            };
            show_person(state, user, person_id, Some(error), status).await
        }
    }
}

pub(super) fn form_id(id: &str) -> Result<i64, AppError> {
    id.parse().map_err(|_| AppError::NotFound("referral"))
}

#[derive(Deserialize)]
struct ContactForm {
    csrf: String,
    mode: String,
    duration_minutes: String,
    reached: Option<String>,
    notes: String,
    what_matters: Option<String>,
    follow_up_on: Option<String>,
}

async fn record_contact(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    KeptForm(form, kept): KeptForm<ContactForm>,
) -> Response {
    let result = async {
        check_csrf(&user, &form.csrf)?;
        user.require(Action::WriteCasework)?;
        let id = form_id(&id)?;
        let mode = ContactMode::from_code(&form.mode).ok_or_else(|| {
            AppError::invalid_field(
                "mode",
                "Choose how the contact happened",
                "choose in person, phone, video, home visit or text",
            )
        })?;
        let duration_minutes = form.duration_minutes.trim().parse().map_err(|_| {
            AppError::invalid_field(
                "duration_minutes",
                "Enter the duration",
                "duration must be a whole number of minutes",
            )
        })?;
        let follow_up_on = match form.follow_up_on.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(d) => Some(d.parse().map_err(|_| {
                AppError::invalid_field(
                    "follow_up_on",
                    "Enter a real date",
                    "the follow-up date must be a date like 2026-12-01",
                )
            })?),
        };
        let contact = ContactInput {
            at: None,
            mode,
            duration_minutes,
            reached: form.reached.is_some(),
            notes: form.notes.clone(),
            what_matters: form.what_matters.clone(),
            follow_up_on,
        }
        .validate()?;
        state
            .store
            .add_contact(id, user.case_scope(), &contact, &user.audit_context())
            .await?;
        Ok(id)
    }
    .await;
    finish(&state, &user, &id, Panel::Contact, kept, result).await
}

pub(super) async fn finish(
    state: &AppState,
    user: &CurrentUser,
    raw_id: &str,
    panel: Panel,
    kept: Vec<(String, String)>,
    result: Result<i64, AppError>,
) -> Response {
    match form_id(raw_id) {
        Ok(id) => after_form(state, user, id, panel, kept, result.map(|_| ())).await,
        Err(e) => error_page(Some(user), e),
    }
}

async fn record_measure(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let result = async {
        check_csrf(
            &user,
            form.get("csrf").map(String::as_str).unwrap_or_default(),
        )?;
        user.require(Action::WriteCasework)?;
        let id = form_id(&id)?;
        let instrument = form
            .get("instrument")
            .and_then(|i| Instrument::from_code(i))
            .ok_or_else(|| {
                AppError::invalid_field(
                    "instrument",
                    "Choose a questionnaire",
                    "unknown questionnaire",
                )
            })?;
        let timing = form
            .get("timing")
            .and_then(|t| MeasureTiming::from_code(t))
            .ok_or_else(|| {
                AppError::invalid_field(
                    "timing",
                    "Choose baseline or follow-up",
                    "say whether this is a baseline or a follow-up",
                )
            })?;
        let mut items = Vec::with_capacity(instrument.item_count());
        for i in 1..=instrument.item_count() {
            let raw = form
                .get(&format!("item{i}"))
                .map(|s| s.trim())
                .unwrap_or_default();
            items.push(if raw.is_empty() {
                None
            } else {
                Some(raw.parse::<i64>().map_err(|_| {
                    AppError::invalid_field(
                        "answers",
                        "Answers must be numbers",
                        format!("item {i} must be a number"),
                    )
                })?)
            });
        }
        let measure = MeasureInput {
            instrument,
            timing,
            taken_on: None,
            answers: items,
        }
        .validate()?;
        state
            .store
            .add_measure(id, user.case_scope(), &measure, &user.audit_context())
            .await?;
        Ok(id)
    }
    .await;
    let panel = form
        .get("instrument")
        .and_then(|i| Instrument::from_code(i))
        .map_or(Panel::Connect, Panel::Measure);
    let kept = form
        .into_iter()
        .filter(|(name, _)| name != "csrf")
        .collect();
    finish(&state, &user, &id, panel, kept, result).await
}

#[derive(Deserialize)]
struct TransitionForm {
    csrf: String,
    to: String,
    expected_version: String,
    reason: Option<String>,
    note: Option<String>,
}

async fn record_transition(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    KeptForm(form, kept): KeptForm<TransitionForm>,
) -> Response {
    let result = async {
        check_csrf(&user, &form.csrf)?;
        user.require(Action::WriteCasework)?;
        let id = form_id(&id)?;
        let to = ReferralState::from_code(&form.to).ok_or_else(|| {
            AppError::invalid_field("to", "Choose the new state", "choose what happens next")
        })?;
        let expected_version = form
            .expected_version
            .parse()
            .map_err(|_| AppError::BadBody("missing version".into()))?;
        let reason = match form.reason.as_deref() {
            None | Some("") => None,
            Some(r) => Some(CloseReason::from_code(r).ok_or_else(|| {
                AppError::invalid_field("reason", "Choose a reason", "unknown reason")
            })?),
        };
        let input = TransitionInput {
            to,
            expected_version,
            reason,
            note: form.note.clone(),
        };
        apply_transition(&state, &user, id, input).await?;
        Ok(id)
    }
    .await;
    finish(&state, &user, &id, Panel::State, kept, result).await
}
