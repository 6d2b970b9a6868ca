//! Making a referral: one page, one question group at a time, quick to finish (a referrer
//! should be done in under a minute). Every problem is listed at the top, each linking to
//! its field, and what was typed is kept. The postcode is checked as it is typed when
//! JavaScript runs, and on submit in every case.

use super::extract::{check_csrf, PageForm, PageUser};
use super::record_fields::RecordFields;
use super::render::{error_page, render};
use super::views::{Choice, FieldErrors, Layout};
use crate::auth::policy::Action;
use crate::error::AppError;
use crate::people::{Ethnicity, MatchRefused, NhsNumber, PersonDetails, Sex};
use crate::referrals::ReferrerKind;
use crate::state::AppState;
use crate::usecases::referrals;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use chrono::NaiveDate;
use serde::Deserialize;

/// What was typed, kept as text so a refused form comes back as it was.
#[derive(Deserialize, Default)]
#[serde(default)]
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
    /// A programme id, when the form offers a choice; empty for the team's usual one.
    #[serde(default)]
    programme: String,
    agreed: Option<String>,
    /// Ticked to refer again someone whose earlier referral (by this referrer) is open.
    #[serde(default)]
    again: String,
    #[serde(flatten)]
    pub record: RecordFields,
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
    pub languages: Vec<Choice>,
    pub formats: Vec<Choice>,
    pub methods: Vec<Choice>,
    /// Offered only when some team runs more than one programme (docs/programmes.md).
    pub programmes: Vec<Choice>,
}

async fn page(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    form: ReferralForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    let practices = match referrals::practice_choices(&state.store, user).await {
        Ok(p) => p,
        Err(e) => return error_page(Some(user), e),
    };
    let programmes = match crate::usecases::programmes::referral_choices(&state.store, user).await {
        Ok(p) => p,
        Err(e) => return error_page(Some(user), e),
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
        "preferred_name",
        "gender_identity",
        "ethnicity",
        "address_line1",
        "address_line2",
        "town",
        "postcode",
        "phone",
        "practice",
        "preferred_language",
        "interpreter_needed",
        "communication_needs",
        "written_format",
        "preferred_contact_method",
        "preferred_contact_times",
        "reason",
        "referrer_kind",
        "programme",
        "agreed",
    ]);
    let (languages, formats, methods) = form.record.choices();
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
        languages,
        formats,
        methods,
        programmes: programmes
            .iter()
            .map(|p| {
                let teams: Vec<&str> = p.teams.iter().map(|t| t.name.as_str()).collect();
                let id = p.id.to_string();
                Choice::new(
                    &id,
                    &format!("{} ({})", p.name, teams.join(", ")),
                    id == form.programme,
                )
            })
            .collect(),
        errors,
        form,
    };
    render(&page, status)
}

pub async fn new_referral_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
) -> Response {
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
            errors.add("nhs_number", e.advice().to_string());
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
    let born = date_of_birth(
        &mut errors,
        [&form.dob_day, &form.dob_month, &form.dob_year],
        today,
        "their",
    );
    if Sex::from_code(&form.sex).is_none() {
        errors.add("sex", "Select their sex as recorded by their GP".into());
    }
    if !form.ethnicity.is_empty() && Ethnicity::from_code(&form.ethnicity).is_none() {
        errors.add("ethnicity", "Select an ethnic group from the list".into());
    }
    if crate::geo::Postcode::parse(&form.postcode).is_err() {
        errors.add(
            "postcode",
            "Enter a full UK postcode, for example B25 8DS".into(),
        );
    }
    form.record.check(&mut errors);
    if form.phone.trim().chars().count() > 30 {
        errors.add(
            "phone",
            "Phone numbers must be 30 characters or fewer".into(),
        );
    }
    if ReferrerKind::from_code(&form.referrer_kind).is_none() {
        errors.add("referrer_kind", "Select who is making the referral".into());
    }
    match form.reason.trim().chars().count() {
        0 => errors.add(
            "reason",
            "Enter what the person would like help with".into(),
        ),
        n if n > 2000 => errors.add(
            "reason",
            "The reason must be 2,000 characters or fewer".into(),
        ),
        _ => {}
    }
    if form.agreed.is_none() {
        errors.add(
            "agreed",
            "Confirm that the person agrees to be referred".into(),
        );
    }
    (errors, born)
}

pub async fn make_referral(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    PageForm { fields: form, .. }: PageForm<ReferralForm>,
) -> Response {
    // The policy is asked by each use case below; the CSRF check is the page's own.
    if let Err(e) = check_csrf(&user, &form.csrf) {
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
        match referrals::practice_by_code(&state.store, &user, &form.practice).await {
            Ok(Some((id, team))) => practice = Some((id, team)),
            Ok(None) => errors.add("practice", "Select their GP practice from the list".into()),
            Err(e) => return error_page(Some(&user), e),
        }
    }
    let team = practice.and_then(|(_, team)| team).or(user.team_id);
    let programme = match form.programme.trim() {
        "" => None,
        chosen => match chosen.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                errors.add("programme", "Choose a programme from the list".into());
                None
            }
        },
    };
    if let (Some(id), Some(team)) = (programme, team) {
        let runs = crate::usecases::programmes::referral_choices(&state.store, &user)
            .await
            .map(|all| all.iter().any(|p| p.id == id && p.runs_in(team)));
        match runs {
            Ok(true) => {}
            Ok(false) => errors.add(
                "programme",
                "Choose a programme run by the team that serves their practice, or leave it to the team".into(),
            ),
            Err(e) => return error_page(Some(&user), e),
        }
    }
    if team.is_none() {
        errors.add(
            "practice",
            "Select the person's GP practice: it decides which social prescribing team will contact them".into(),
        );
    }
    let person = match (errors.is_empty(), born) {
        (true, Some(date_of_birth)) => {
            let details = PersonDetails {
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
                record: form.record.details(),
            };
            match details.check(&geography, today) {
                Ok(person) => Some(person),
                Err(e) => {
                    errors.add(&e.field, capitalised(&e.detail));
                    None
                }
            }
        }
        _ => None,
    };
    let Some(person) = person.filter(|_| errors.is_empty()) else {
        return page(
            &state,
            &user,
            form,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    // The same person referred twice (issue 15, item 4): say so, once, before a duplicate.
    if form.again.is_empty() {
        match referrals::my_open_referrals_for(&state.store, &user, &person).await {
            Ok(open) => {
                if let Some((id, received)) = open.first() {
                    errors.add(
                        "again",
                        format!(
                            "You referred this person on {} (referral {id}) and that referral is still open: the link worker has it. To refer them again anyway, tick the box and send the form again",
                            received.format("%-d %B %Y")
                        ),
                    );
                    return page(&state, &user, form, errors, StatusCode::CONFLICT).await;
                }
            }
            Err(e) => return error_page(Some(&user), e),
        }
    }
    let referrer_kind = ReferrerKind::from_code(&form.referrer_kind).unwrap_or(ReferrerKind::Gp);
    let reason = form.reason.trim().to_string();
    let (field, refusal, status) = match referrals::refer_person(
        &state.store,
        &user,
        person,
        referrer_kind,
        reason,
        programme,
    )
    .await
    {
        Ok(Ok(id)) => return Redirect::to(&format!("/caseload?made={id}")).into_response(),
        Ok(Err(refused)) => {
            let status = if refused == MatchRefused::TooManyFailures {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            ("nhs_number", refused.message(), status)
        }
        Err(e @ AppError::Validation { .. }) => (
            "practice",
            e.problem().detail,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => return error_page(Some(&user), e),
    };
    errors.add(field, capitalised(&refusal));
    page(&state, &user, form, errors, status).await
}

/// The date of birth typed as day, month and year, or why it is refused (`whose`: "their"
/// on a referrer's form, "your" on the self-referral page). Shared by both forms.
pub(super) fn date_of_birth(
    errors: &mut FieldErrors,
    [day, month, year]: [&str; 3],
    today: NaiveDate,
    whose: &str,
) -> Option<NaiveDate> {
    let number = |s: &str| s.trim().parse::<u32>().ok();
    let born = match (number(day), number(month), number(year)) {
        (Some(d), Some(m), Some(y)) => NaiveDate::from_ymd_opt(y as i32, m, d),
        _ => None,
    };
    match born {
        None => errors.add(
            "dob_day",
            format!("Enter {whose} date of birth as day, month and year, for example 27 3 1957"),
        ),
        Some(d) if d > today => errors.add("dob_day", "Date of birth must be in the past".into()),
        Some(d) if d < NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(d) => errors.add(
            "dob_day",
            "Date of birth must be after 1 January 1900".into(),
        ),
        Some(_) => {}
    }
    born
}

pub(super) fn capitalised(text: &str) -> String {
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
