//! Making a referral: one page, one question group at a time, quick to finish (a referrer
//! should be done in under a minute). Every problem is listed at the top, each linking to
//! its field, and what was typed is kept. The postcode is checked as it is typed when
//! JavaScript runs, and on submit in every case.

use super::extract::{check_csrf, PageUser};
use super::render::{error_page, render};
use super::views::{Choice, FieldErrors, Layout};
use crate::auth::policy::Action;
use crate::error::AppError;
use crate::intake::Intake;
use crate::people::api::PersonInput;
use crate::people::{Ethnicity, NhsNumber, Sex};
use crate::referrals::ReferrerKind;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use chrono::NaiveDate;
use serde::Deserialize;

/// What was typed, kept as text so a refused form comes back as it was.
#[derive(Deserialize, Default)]
pub struct ReferralForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    nhs_number: String,
    #[serde(default)]
    given_name: String,
    #[serde(default)]
    family_name: String,
    #[serde(default)]
    dob_day: String,
    #[serde(default)]
    dob_month: String,
    #[serde(default)]
    dob_year: String,
    #[serde(default)]
    sex: String,
    #[serde(default)]
    ethnicity: String,
    #[serde(default)]
    postcode: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    practice: String,
    #[serde(default)]
    referrer_kind: String,
    #[serde(default)]
    reason: String,
    agreed: Option<String>,
}

#[derive(Template)]
#[template(path = "referral_new.html")]
pub struct ReferralPage {
    pub layout: Layout,
    pub errors: FieldErrors,
    pub form: ReferralForm,
    pub sexes: Vec<Choice>,
    pub ethnicities: Vec<Choice>,
    pub practices: Vec<Choice>,
    pub kinds: Vec<Choice>,
}

async fn page(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    form: ReferralForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    let practices = match state.store.practice_choices().await {
        Ok(p) => p,
        Err(e) => return error_page(Some(user), AppError::Internal(e)),
    };
    let choices = |all: Vec<(&str, &str)>, chosen: &str| -> Vec<Choice> {
        all.into_iter()
            .map(|(code, label)| Choice::new(code, label, code == chosen))
            .collect()
    };
    let kind = if form.referrer_kind.is_empty() {
        ReferrerKind::Gp.code()
    } else {
        form.referrer_kind.as_str()
    };
    let errors = errors.in_order(&[
        "given_name",
        "family_name",
        "nhs_number",
        "dob_day",
        "sex",
        "ethnicity",
        "postcode",
        "phone",
        "practice",
        "reason",
        "referrer_kind",
        "agreed",
    ]);
    let page = ReferralPage {
        layout: Layout::new("Make a referral", Some(user)),
        sexes: choices(
            Sex::ALL.iter().map(|s| (s.code(), s.label())).collect(),
            &form.sex,
        ),
        ethnicities: choices(
            Ethnicity::ALL
                .iter()
                .map(|e| (e.code(), e.label()))
                .collect(),
            &form.ethnicity,
        ),
        practices: practices
            .iter()
            .map(|(code, name)| {
                Choice::new(code, &format!("{name} ({code})"), *code == form.practice)
            })
            .collect(),
        kinds: choices(
            ReferrerKind::ALL
                .iter()
                .map(|k| (k.code(), k.label()))
                .collect(),
            kind,
        ),
        errors,
        form,
    };
    render(&page, status)
}

pub async fn new_referral_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
) -> Response {
    if let Err(e) = user.require(Action::CreateReferral) {
        return error_page(Some(&user), e.into());
    }
    page(
        &state,
        &user,
        ReferralForm::default(),
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// Checks every answer, so the summary lists every problem at once.
fn check(form: &ReferralForm, today: NaiveDate) -> (FieldErrors, Option<NaiveDate>) {
    let mut errors = FieldErrors::default();
    let nhs = form.nhs_number.trim();
    if !nhs.is_empty() {
        if let Err(e) = NhsNumber::parse(nhs) {
            errors.add(
                "nhs_number",
                format!("Enter a valid NHS number or leave it blank: {e}"),
            );
        }
    }
    for (field, value, what) in [
        ("given_name", &form.given_name, "Enter their first name"),
        ("family_name", &form.family_name, "Enter their last name"),
    ] {
        let length = value.trim().chars().count();
        if length == 0 {
            errors.add(field, what.to_string());
        } else if length > 100 {
            errors.add(field, "Names must be 100 characters or fewer".to_string());
        }
    }
    let number = |s: &str| s.trim().parse::<u32>().ok();
    let born = match (
        number(&form.dob_day),
        number(&form.dob_month),
        number(&form.dob_year),
    ) {
        (Some(d), Some(m), Some(y)) => NaiveDate::from_ymd_opt(y as i32, m, d),
        _ => None,
    };
    match born {
        None => errors.add(
            "dob_day",
            "Enter their date of birth as day, month and year, for example 27 3 1957".into(),
        ),
        Some(d) if d > today => errors.add("dob_day", "Date of birth must be in the past".into()),
        Some(d) if d < NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(d) => errors.add(
            "dob_day",
            "Date of birth must be after 1 January 1900".into(),
        ),
        Some(_) => {}
    }
    if Sex::from_code(&form.sex).is_none() {
        errors.add("sex", "Choose their sex as recorded by their GP".into());
    }
    if !form.ethnicity.is_empty() && Ethnicity::from_code(&form.ethnicity).is_none() {
        errors.add("ethnicity", "Choose an ethnic group from the list".into());
    }
    if crate::geo::Postcode::parse(&form.postcode).is_err() {
        errors.add(
            "postcode",
            "Enter a full UK postcode, for example B25 8DS".into(),
        );
    }
    if form.phone.trim().chars().count() > 30 {
        errors.add(
            "phone",
            "Phone numbers must be 30 characters or fewer".into(),
        );
    }
    if ReferrerKind::from_code(&form.referrer_kind).is_none() {
        errors.add("referrer_kind", "Say who is making the referral".into());
    }
    match form.reason.trim().chars().count() {
        0 => errors.add("reason", "Say what the person would like help with".into()),
        n if n > 2000 => errors.add(
            "reason",
            "The reason must be 2,000 characters or fewer".into(),
        ),
        _ => {}
    }
    if form.agreed.is_none() {
        errors.add("agreed", "Confirm the person agrees to be referred".into());
    }
    (errors, born)
}

pub async fn make_referral(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form<ReferralForm>,
) -> Response {
    if let Err(e) =
        check_csrf(&user, &form.csrf).and_then(|()| Ok(user.require(Action::CreateReferral)?))
    {
        return error_page(Some(&user), e);
    }
    let today = chrono::Utc::now().date_naive();
    let (mut errors, born) = check(&form, today);
    let geography = match state.geography().await {
        Ok(g) => g,
        Err(e) => return error_page(Some(&user), e),
    };
    let mut practice = None;
    if !form.practice.is_empty() {
        match state.store.practice_by_code(&form.practice).await {
            Ok(Some((id, team))) => practice = Some((id, team)),
            Ok(None) => errors.add("practice", "Choose their practice from the list".into()),
            Err(e) => return error_page(Some(&user), AppError::Internal(e)),
        }
    }
    if practice
        .and_then(|(_, team)| team)
        .or(user.team_id)
        .is_none()
    {
        errors.add(
            "practice",
            "Choose the person's GP practice: it decides which social prescribing team will contact them".into(),
        );
    }
    let person = match (errors.is_empty(), born) {
        (true, Some(date_of_birth)) => {
            let input = PersonInput {
                nhs_number: Some(form.nhs_number.clone()),
                given_name: form.given_name.clone(),
                family_name: form.family_name.clone(),
                date_of_birth,
                sex: Sex::from_code(&form.sex).unwrap_or(Sex::Unknown),
                ethnicity: Ethnicity::from_code(&form.ethnicity).unwrap_or(Ethnicity::NotStated),
                postcode: form.postcode.clone(),
                practice_id: practice.map(|(id, _)| id),
                phone: Some(form.phone.clone()),
                plus_groups: Vec::new(),
                conditions: Vec::new(),
            };
            match input.validate_with(&geography) {
                Ok(person) => Some(person),
                Err(AppError::Validation { field, detail, .. }) => {
                    let field = field.unwrap_or_else(|| "postcode".into());
                    errors.add(&field, capitalised(&detail));
                    None
                }
                Err(e) => return error_page(Some(&user), e),
            }
        }
        _ => None,
    };
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    let subject = match person {
        None => None,
        Some(person) => {
            match crate::usecases::intake::subject_for(&state.store, &user.audit_context(), person)
                .await
            {
                Ok(Ok(subject)) => Some(subject),
                Ok(Err(refused)) => {
                    errors.add("nhs_number", capitalised(&refused.message()));
                    if refused == crate::intake::MatchRefused::TooManyFailures {
                        status = StatusCode::TOO_MANY_REQUESTS;
                    }
                    None
                }
                Err(e) => return error_page(Some(&user), AppError::Internal(e)),
            }
        }
    };
    let Some(subject) = subject.filter(|_| errors.is_empty()) else {
        return page(&state, &user, form, errors, status).await;
    };
    let intake = Intake {
        subject,
        referrer_kind: ReferrerKind::from_code(&form.referrer_kind).unwrap_or(ReferrerKind::Gp),
        reason: form.reason.trim().to_string(),
        received_at: chrono::Utc::now(),
        identifier: None,
        consent: None,
    };
    match state
        .store
        .admit(&[intake], &user.audit_context(), user.team_id)
        .await
        .map_err(|(index, e)| (index, AppError::from(e)))
    {
        Ok(admitted) => {
            let id = admitted.first().map_or(0, |a| a.referral_id);
            Redirect::to(&format!("/caseload?made={id}")).into_response()
        }
        Err((_, e @ AppError::Validation { .. })) => {
            errors.add("practice", capitalised(&e.problem().detail));
            page(
                &state,
                &user,
                form,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err((_, e)) => error_page(Some(&user), e),
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[derive(Deserialize)]
pub struct PostcodeQuery {
    #[serde(default)]
    postcode: String,
}

/// For the referral form's script: where a postcode is, in words, or why it is not found.
pub async fn check_postcode(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(query): Query<PostcodeQuery>,
) -> Response {
    if let Err(e) = user.require(Action::LookUpPostcode) {
        return AppError::from(e).into_response();
    }
    let (found, text) = match crate::geo::api::resolve(&state, &query.postcode).await {
        Ok(location) => {
            let area = location
                .local_authority
                .clone()
                .or(location.lsoa_name.clone())
                .unwrap_or(location.lsoa.clone());
            let deprivation = match location.imd_decile {
                Some(d) if location.core20 => format!(
                    ", among the 20% most deprived areas in England (decile {})",
                    d.get()
                ),
                Some(d) => format!(", deprivation decile {} of 10", d.get()),
                None => String::new(),
            };
            (true, format!("{}: {area}{deprivation}", location.postcode))
        }
        Err(e) => (false, capitalised(&e.problem().detail)),
    };
    (
        [(header::CACHE_CONTROL, "no-store")],
        Json(serde_json::json!({"found": found, "text": text})),
    )
        .into_response()
}
