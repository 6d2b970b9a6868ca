//! `/people/{id}/record`: the PRSB part of a person's record (address lines and town,
//! preferred name, gender identity, language, interpreter, communication needs and contact
//! preferences) changed on its own page, so people registered before these fields existed,
//! or sent without them, can have them filled in. The address is asked for, as on the
//! referral form; every problem is listed at the top and what was typed is kept.

use super::extract::{check_csrf, PageForm, PageUser};
use super::record_fields::RecordText;
use super::referral_form::capitalised;
use super::render::{error_page, render};
use super::views::{Choice, FieldErrors, Layout};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::people::{ContactMethod, Person, PrsbDetails, PrsbRecord, WrittenFormat};
use crate::state::AppState;
use crate::usecases::people;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// What was typed, kept as text so a refused form comes back as it was.
#[derive(Deserialize, Default)]
pub struct RecordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    address_line1: String,
    #[serde(default)]
    address_line2: String,
    #[serde(default)]
    town: String,
    #[serde(default)]
    preferred_name: String,
    #[serde(default)]
    gender_identity: String,
    #[serde(default)]
    preferred_language: String,
    #[serde(default)]
    interpreter_needed: String,
    #[serde(default)]
    communication_needs: String,
    #[serde(default)]
    written_format: String,
    #[serde(default)]
    preferred_contact_method: String,
    #[serde(default)]
    preferred_contact_times: String,
}

impl RecordForm {
    fn of(record: &PrsbRecord) -> RecordForm {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        RecordForm {
            csrf: String::new(),
            address_line1: text(&record.address_line1),
            address_line2: text(&record.address_line2),
            town: text(&record.town),
            preferred_name: text(&record.preferred_name),
            gender_identity: text(&record.gender_identity),
            preferred_language: record
                .preferred_language
                .map(|l| l.code().to_string())
                .unwrap_or_default(),
            interpreter_needed: match record.interpreter_needed {
                Some(true) => "yes".into(),
                Some(false) => "no".into(),
                None => String::new(),
            },
            communication_needs: text(&record.communication_needs),
            written_format: record
                .written_format
                .map(|f| f.code().to_string())
                .unwrap_or_default(),
            preferred_contact_method: record
                .preferred_contact_method
                .map(|m| m.code().to_string())
                .unwrap_or_default(),
            preferred_contact_times: text(&record.preferred_contact_times),
        }
    }

    /// Every problem at once, or the checked record.
    fn record_text(&self) -> RecordText<'_> {
        RecordText {
            address_line1: &self.address_line1,
            town: &self.town,
            preferred_language: &self.preferred_language,
            interpreter_needed: &self.interpreter_needed,
            written_format: &self.written_format,
            preferred_contact_method: &self.preferred_contact_method,
        }
    }

    fn check(&self) -> Result<PrsbRecord, FieldErrors> {
        let mut errors = FieldErrors::default();
        let text = self.record_text();
        text.check(&mut errors);
        let code = |text: &str| Some(text.to_string()).filter(|t| !t.is_empty());
        // Lengths and characters, field by field, with the checks every way in uses.
        use crate::people::record::{
            ADDRESS_LINE_MAX, COMMUNICATION_NEEDS_MAX, CONTACT_TIMES_MAX, GENDER_IDENTITY_MAX,
            NAME_MAX,
        };
        for (field, value, max, multi_line) in [
            (
                "address_line1",
                &self.address_line1,
                ADDRESS_LINE_MAX,
                false,
            ),
            (
                "address_line2",
                &self.address_line2,
                ADDRESS_LINE_MAX,
                false,
            ),
            ("town", &self.town, ADDRESS_LINE_MAX, false),
            ("preferred_name", &self.preferred_name, NAME_MAX, false),
            (
                "gender_identity",
                &self.gender_identity,
                GENDER_IDENTITY_MAX,
                false,
            ),
            (
                "communication_needs",
                &self.communication_needs,
                COMMUNICATION_NEEDS_MAX,
                true,
            ),
            (
                "preferred_contact_times",
                &self.preferred_contact_times,
                CONTACT_TIMES_MAX,
                false,
            ),
        ] {
            let checked = if multi_line {
                crate::input::text_field(field, value, 0, max)
            } else {
                crate::input::line_field(field, value, 0, max)
            };
            if let (Err(e), None) = (checked, errors.of(field)) {
                errors.add(field, capitalised(&e.detail));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        PrsbDetails {
            address_line1: Some(self.address_line1.clone()),
            address_line2: Some(self.address_line2.clone()),
            town: Some(self.town.clone()),
            preferred_name: Some(self.preferred_name.clone()),
            gender_identity: Some(self.gender_identity.clone()),
            preferred_language: code(&self.preferred_language),
            interpreter_needed: text.interpreter(),
            communication_needs: Some(self.communication_needs.clone()),
            written_format: WrittenFormat::from_code(&self.written_format),
            preferred_contact_method: ContactMethod::from_code(&self.preferred_contact_method),
            preferred_contact_times: Some(self.preferred_contact_times.clone()),
        }
        .check()
        .map_err(|e| {
            let mut errors = FieldErrors::default();
            errors.add(&e.field, capitalised(&e.detail));
            errors
        })
    }
}

#[derive(Template)]
#[template(path = "person_record.html")]
pub struct RecordPage {
    pub layout: Layout,
    pub person_id: i64,
    pub name: String,
    pub postcode: String,
    pub errors: FieldErrors,
    pub form: RecordForm,
    pub languages: Vec<Choice>,
    pub formats: Vec<Choice>,
    pub methods: Vec<Choice>,
}

fn page(
    user: &CurrentUser,
    person: &Person,
    form: RecordForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    let errors = errors.in_order(&[
        "preferred_name",
        "gender_identity",
        "address_line1",
        "address_line2",
        "town",
        "preferred_language",
        "interpreter_needed",
        "written_format",
        "communication_needs",
        "preferred_contact_method",
        "preferred_contact_times",
    ]);
    let (languages, formats, methods) = form.record_text().choices();
    let page = RecordPage {
        layout: Layout::new(&format!("{}'s details", person.full_name()), Some(user)),
        person_id: person.id,
        name: person.full_name(),
        postcode: person.postcode.clone(),
        languages,
        formats,
        methods,
        errors,
        form,
    };
    render(&page, status)
}

fn person_id(id: &str) -> Result<i64, AppError> {
    id.parse().map_err(|_| AppError::NotFound("person"))
}

pub(super) async fn record_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
) -> Response {
    let found = match person_id(&id) {
        Ok(id) => people::for_editing(&state.store, &user, id).await,
        Err(e) => Err(e),
    };
    match found {
        Ok(person) => {
            let form = RecordForm::of(&person.record);
            page(&user, &person, form, FieldErrors::default(), StatusCode::OK)
        }
        Err(e) => error_page(Some(&user), e),
    }
}

pub(super) async fn save_record(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    PageForm { fields: form, .. }: PageForm<RecordForm>,
) -> Response {
    if let Err(e) = check_csrf(&user, &form.csrf) {
        return error_page(Some(&user), e);
    }
    let id = match person_id(&id) {
        Ok(id) => id,
        Err(e) => return error_page(Some(&user), e),
    };
    let person = match people::for_editing(&state.store, &user, id).await {
        Ok(p) => p,
        Err(e) => return error_page(Some(&user), e),
    };
    let record = match form.check() {
        Ok(record) => record,
        Err(errors) => {
            return page(
                &user,
                &person,
                form,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    };
    match people::update_record(&state.store, &user, id, record).await {
        Ok(_) => Redirect::to(&format!("/people/{id}#details-heading")).into_response(),
        Err(e) => error_page(Some(&user), e),
    }
}
