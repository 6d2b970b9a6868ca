//! The public self-referral page (`/self-referral`, no sign-in; docs/self-referral.md):
//! plain words, phone-first, and a form that works without JavaScript. This handler reads
//! the form (bounded in size), checks the CSRF token (double submit: there is no session),
//! checks every answer for the error summary, and calls the use case, which counts the
//! submission against the address and writes the referral. The success page names the
//! person by first name only.

use super::record_fields::RecordFields;
use super::referral_form::{capitalised, date_of_birth};
use super::render::{error_page, render};
use super::views::{Choice, FieldErrors, Layout};
use crate::auth;
use crate::error::AppError;
use crate::input::{line_field, text_field, UkPhone};
use crate::intake::self_referral::{CallTime, SelfReferral};
use crate::people::{ContactMethod, NhsNumber, PrsbDetails, PrsbRecord, WrittenFormat};
use crate::referrals::Need;
use crate::state::AppState;
use crate::usecases::self_referral::{self as usecase, Outcome, Submission};
use askama::Template;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use std::net::SocketAddr;

/// Cookie holding the form's CSRF token (double submit), scoped to this page.
const COOKIE: &str = "linkwell_self_referral";
/// The hidden field only a robot fills in.
const HONEYPOT: &str = "website";
/// The longest any one answer may be, in characters (the free text; others are shorter).
const LONGEST_ANSWER: usize = 2000;

/// What was typed, kept as text so a refused form comes back as it was.
#[derive(Default)]
pub struct SelfReferralForm {
    pub given_name: String,
    pub family_name: String,
    pub dob_day: String,
    pub dob_month: String,
    pub dob_year: String,
    pub phone: String,
    pub call_time: String,
    pub postcode: String,
    pub no_fixed_address: bool,
    pub nhs_number: String,
    pub needs: Vec<String>,
    pub in_their_words: String,
    pub consent: bool,
    pub address_line1: String,
    pub address_line2: String,
    pub town: String,
    pub preferred_name: String,
    pub preferred_language: String,
    pub interpreter_needed: String,
    pub communication_needs: String,
    pub written_format: String,
    pub preferred_contact_method: String,
    csrf: String,
    honeypot: String,
}

impl SelfReferralForm {
    /// From the posted pairs (the needs are ticked boxes, so a name may repeat; any other
    /// answer sent twice counts once, its first value, as on every page form).
    fn from_pairs(pairs: Vec<(String, String)>) -> SelfReferralForm {
        let mut form = SelfReferralForm::default();
        let mut seen = std::collections::HashSet::new();
        for (name, value) in pairs {
            if name != "needs" && !seen.insert(name.clone()) {
                continue;
            }
            match name.as_str() {
                "given_name" => form.given_name = value,
                "family_name" => form.family_name = value,
                "dob_day" => form.dob_day = value,
                "dob_month" => form.dob_month = value,
                "dob_year" => form.dob_year = value,
                "phone" => form.phone = value,
                "call_time" => form.call_time = value,
                "postcode" => form.postcode = value,
                "no_fixed_address" => form.no_fixed_address = true,
                "nhs_number" => form.nhs_number = value,
                "needs" => form.needs.push(value),
                "in_their_words" => form.in_their_words = value,
                "consent" => form.consent = true,
                "address_line1" => form.address_line1 = value,
                "address_line2" => form.address_line2 = value,
                "town" => form.town = value,
                "preferred_name" => form.preferred_name = value,
                "preferred_language" => form.preferred_language = value,
                "interpreter_needed" => form.interpreter_needed = value,
                "communication_needs" => form.communication_needs = value,
                "written_format" => form.written_format = value,
                "preferred_contact_method" => form.preferred_contact_method = value,
                "csrf" => form.csrf = value,
                HONEYPOT => form.honeypot = value,
                _ => {}
            }
        }
        form
    }
}

#[derive(Template)]
#[template(path = "self_referral.html")]
pub struct SelfReferralPage {
    pub layout: Layout,
    pub errors: FieldErrors,
    pub form: SelfReferralForm,
    pub csrf: String,
    pub needs: Vec<Choice>,
    pub call_times: Vec<Choice>,
    pub languages: Vec<Choice>,
    pub formats: Vec<Choice>,
    pub methods: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "self_referral_done.html")]
pub struct DonePage {
    pub layout: Layout,
    pub first_name: String,
    pub reference: String,
}

#[derive(Template)]
#[template(path = "self_referral_wait.html")]
pub struct WaitPage {
    pub layout: Layout,
    pub minutes: i64,
}

/// The form with a fresh CSRF token, in the page and in a cookie scoped to it.
fn form_page(
    state: &AppState,
    form: SelfReferralForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    let (token, _) = auth::new_secret("");
    let errors = errors.in_order(&[
        "given_name",
        "family_name",
        "preferred_name",
        "dob_day",
        "phone",
        "call_time",
        "preferred_contact_method",
        "address_line1",
        "address_line2",
        "town",
        "postcode",
        "nhs_number",
        "preferred_language",
        "interpreter_needed",
        "written_format",
        "communication_needs",
        "needs",
        "in_their_words",
        "consent",
    ]);
    let (languages, formats, methods) = record_text(&form).choices();
    let page = SelfReferralPage {
        layout: Layout::new("Ask for help from a social prescribing link worker", None),
        languages,
        formats,
        methods,
        needs: Need::ALL
            .iter()
            .map(|n| {
                Choice::new(
                    n.code(),
                    n.label(),
                    form.needs.iter().any(|c| c == n.code()),
                )
            })
            .collect(),
        call_times: CallTime::ALL
            .iter()
            .map(|t| Choice::new(t.code(), t.label(), form.call_time == t.code()))
            .collect(),
        errors,
        form,
        csrf: token.clone(),
    };
    let secure = if state.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{COOKIE}={token}; Path=/self-referral; HttpOnly; SameSite=Strict; Max-Age=7200{secure}"
    );
    (
        [
            (header::SET_COOKIE, cookie),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        render(&page, status),
    )
        .into_response()
}

pub async fn self_referral_page(State(state): State<AppState>) -> Response {
    form_page(
        &state,
        SelfReferralForm::default(),
        FieldErrors::default(),
        StatusCode::OK,
    )
}

/// The PRSB answers as the shared record fields (their checks and choice lists); gender
/// identity and contact times are not asked here.
fn record_text(form: &SelfReferralForm) -> RecordFields {
    RecordFields {
        address_line1: form.address_line1.clone(),
        address_line2: form.address_line2.clone(),
        town: form.town.clone(),
        preferred_name: form.preferred_name.clone(),
        gender_identity: String::new(),
        preferred_language: form.preferred_language.trim().to_string(),
        interpreter_needed: form.interpreter_needed.clone(),
        communication_needs: form.communication_needs.clone(),
        written_format: form.written_format.clone(),
        preferred_contact_method: form.preferred_contact_method.clone(),
        preferred_contact_times: String::new(),
    }
}

/// The PRSB part of the record, as the person gave it; the time to call is their contact
/// times. Each problem, in the person's own terms, goes to the summary.
fn check_record(
    form: &SelfReferralForm,
    call_time: Option<CallTime>,
    errors: &mut FieldErrors,
) -> PrsbRecord {
    // Choices not on their lists (someone posting by hand) and lengths: the shared checks,
    // but for the address, whose wording here is the person's own (below).
    let mut choices = FieldErrors::default();
    record_text(form).check(&mut choices);
    for (field, message) in choices.all() {
        if !matches!(field.as_str(), "address_line1" | "town") {
            errors.add(field, message.replace("contact them", "contact you"));
        }
    }
    // The address is asked for unless they have no fixed address (then it is optional).
    if !form.no_fixed_address {
        if form.address_line1.trim().is_empty() {
            errors.add(
                "address_line1",
                "Enter the first line of your address, or tick the box if you do not have a fixed address".into(),
            );
        }
        if form.town.trim().is_empty() {
            errors.add("town", "Enter your town or city".into());
        }
    }
    let text = |v: &str| Some(v.to_string()).filter(|v| !v.trim().is_empty());
    let details = PrsbDetails {
        address_line1: text(&form.address_line1),
        address_line2: text(&form.address_line2),
        town: text(&form.town),
        preferred_name: text(&form.preferred_name),
        gender_identity: None,
        preferred_language: text(form.preferred_language.trim()),
        interpreter_needed: record_text(form).interpreter(),
        communication_needs: text(&form.communication_needs),
        written_format: WrittenFormat::from_code(&form.written_format),
        preferred_contact_method: ContactMethod::from_code(&form.preferred_contact_method),
        preferred_contact_times: call_time.map(|t| t.label().to_string()),
    };
    match details.check() {
        Ok(record) => record,
        Err(e) => {
            errors.add(&e.field, capitalised(&e.detail));
            PrsbRecord::default()
        }
    }
}

/// Checks every answer, so the summary lists every problem at once.
fn check(form: &SelfReferralForm, today: NaiveDate) -> Result<SelfReferral, FieldErrors> {
    let mut errors = FieldErrors::default();
    let line = |errors: &mut FieldErrors, field: &str, value: &str, max: usize, what: &str| {
        if value.trim().is_empty() {
            errors.add(field, what.to_string());
            return String::new();
        }
        match line_field(field, value, 1, max) {
            Ok(v) => v,
            Err(e) => {
                errors.add(field, capitalised(&e.detail));
                String::new()
            }
        }
    };
    let given_name = line(
        &mut errors,
        "given_name",
        &form.given_name,
        100,
        "Enter your first name",
    );
    let family_name = line(
        &mut errors,
        "family_name",
        &form.family_name,
        100,
        "Enter your last name",
    );
    let born = date_of_birth(
        &mut errors,
        [&form.dob_day, &form.dob_month, &form.dob_year],
        today,
        "your",
    );
    let phone = match UkPhone::parse(&form.phone) {
        Ok(phone) if form.phone.chars().count() <= 30 => Some(phone),
        _ if form.phone.trim().is_empty() => {
            errors.add("phone", "Enter a phone number we can call you on".into());
            None
        }
        Ok(_) => {
            errors.add(
                "phone",
                "Phone numbers must be 30 characters or fewer".into(),
            );
            None
        }
        Err(e) => {
            errors.add("phone", format!("Enter a UK phone number: {e}"));
            None
        }
    };
    let call_time = CallTime::from_code(&form.call_time);
    if call_time.is_none() {
        errors.add("call_time", "Choose when we should call you".into());
    }
    let postcode = if form.postcode.trim().is_empty() {
        if !form.no_fixed_address {
            errors.add(
                "postcode",
                "Enter your postcode, or tick the box if you do not have a fixed address".into(),
            );
        }
        None
    } else {
        match crate::geo::Postcode::parse(&form.postcode) {
            Ok(p) => Some(p.to_string()),
            Err(_) => {
                errors.add(
                    "postcode",
                    "Enter a full UK postcode, for example B25 8DS".into(),
                );
                None
            }
        }
    };
    let nhs = form.nhs_number.trim();
    let stated_nhs_number = if nhs.is_empty() {
        None
    } else {
        match NhsNumber::parse(nhs) {
            Ok(n) => Some(n),
            Err(_) => {
                errors.add(
                    "nhs_number",
                    "Check your NHS number: it is 10 digits, for example 943 476 5919. You can leave it blank".into(),
                );
                None
            }
        }
    };
    let mut needs = Vec::new();
    for code in &form.needs {
        match Need::from_code(code) {
            Some(need) if !needs.contains(&need) => needs.push(need),
            Some(_) => {}
            None => errors.add(
                "needs",
                "Choose what you would like help with from the list".into(),
            ),
        }
    }
    let in_their_words = match text_field("in_their_words", &form.in_their_words, 0, LONGEST_ANSWER)
    {
        Ok(text) => text,
        Err(e) => {
            errors.add("in_their_words", capitalised(&e.detail));
            String::new()
        }
    };
    if needs.is_empty() && in_their_words.is_empty() {
        errors.add(
            "needs",
            "Tick what you would like help with, or tell us in your own words".into(),
        );
    }
    if !form.consent {
        errors.add(
            "consent",
            "Tick the box to say a link worker may phone you: we cannot help without calling"
                .into(),
        );
    }
    let record = check_record(form, call_time, &mut errors);
    match (errors.is_empty(), born, phone, call_time) {
        (true, Some(date_of_birth), Some(phone), Some(call_time)) => Ok(SelfReferral {
            given_name,
            family_name,
            date_of_birth,
            phone,
            call_time,
            postcode,
            stated_nhs_number,
            needs,
            in_their_words,
            record,
        }),
        _ => Err(errors),
    }
}

/// One answer longer than any field takes is refused before anything else is looked at.
fn oversize_field(form: &SelfReferralForm) -> bool {
    let long = |s: &String| s.chars().count() > LONGEST_ANSWER;
    [
        &form.given_name,
        &form.family_name,
        &form.dob_day,
        &form.dob_month,
        &form.dob_year,
        &form.phone,
        &form.call_time,
        &form.postcode,
        &form.nhs_number,
        &form.in_their_words,
        &form.honeypot,
        &form.address_line1,
        &form.address_line2,
        &form.town,
        &form.preferred_name,
        &form.preferred_language,
        &form.interpreter_needed,
        &form.communication_needs,
        &form.written_format,
        &form.preferred_contact_method,
    ]
    .into_iter()
    .any(long)
        || form.needs.len() > Need::ALL.len()
        || form.needs.iter().any(|n| n.len() > 100)
}

pub async fn submit_self_referral(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let refuse = |form: SelfReferralForm, field: &str, message: &str, status: StatusCode| {
        let mut errors = FieldErrors::default();
        errors.add(field, message.to_string());
        form_page(&state, form, errors, status)
    };
    let limit = state.settings.self_referral_limits.max_body_bytes;
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
        return refuse(
            SelfReferralForm::default(),
            "given_name",
            "The form was too long to read. Please fill it in again with shorter answers",
            StatusCode::PAYLOAD_TOO_LARGE,
        );
    };
    let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes) else {
        return refuse(
            SelfReferralForm::default(),
            "given_name",
            "The form could not be read. Please fill it in again",
            StatusCode::BAD_REQUEST,
        );
    };
    let mut form = SelfReferralForm::from_pairs(pairs);
    if oversize_field(&form) {
        form.in_their_words = form.in_their_words.chars().take(LONGEST_ANSWER).collect();
        return refuse(
            form,
            "in_their_words",
            "An answer is too long: please keep what you tell us to 2,000 characters",
            StatusCode::PAYLOAD_TOO_LARGE,
        );
    }
    let cookie = auth::cookie(&headers, COOKIE);
    if !cookie.is_some_and(|c| auth::same_secret(c, &form.csrf)) {
        return refuse(
            form,
            "given_name",
            "The form had expired. Check your answers and send it again",
            StatusCode::FORBIDDEN,
        );
    }
    let submission = if !form.honeypot.is_empty() {
        Submission::Honeypot {
            first_name: form.given_name.trim().chars().take(100).collect(),
        }
    } else {
        match check(&form, chrono::Utc::now().date_naive()) {
            Ok(referral) => Submission::Genuine(Box::new(referral)),
            Err(errors) => {
                return form_page(&state, form, errors, StatusCode::UNPROCESSABLE_ENTITY)
            }
        }
    };
    let request_id = auth::request_id(&headers);
    match usecase::submit(&state, peer.ip(), request_id, submission).await {
        Ok(Outcome::Received(received)) => render(
            &DonePage {
                layout: Layout::new("Thank you: we have your request", None),
                first_name: received.first_name,
                reference: received.reference,
            },
            StatusCode::OK,
        ),
        Ok(Outcome::TooMany { retry_after }) => {
            let seconds = retry_after.num_seconds().max(1);
            (
                [(header::RETRY_AFTER, seconds.to_string())],
                render(
                    &WaitPage {
                        layout: Layout::new("Please try again later", None),
                        minutes: (seconds + 59) / 60,
                    },
                    StatusCode::TOO_MANY_REQUESTS,
                ),
            )
                .into_response()
        }
        Err(e @ AppError::Validation { .. }) => refuse(
            form,
            "postcode",
            &capitalised(&e.problem().detail),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => error_page(None, e),
    }
}
