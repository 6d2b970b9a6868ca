//! `/people/{id}/record`: the PRSB part of a person's record (address lines and town,
//! preferred name, gender identity, language, interpreter, communication needs and contact
//! preferences) changed on its own page, so people registered before these fields existed,
//! or sent without them, can have them filled in. The address is asked for, as on the
//! referral form; every problem is listed at the top and what was typed is kept.

use super::extract::{check_csrf, PageForm, PageUser};
use super::record_fields::RecordFields;
use super::referral_form::capitalised;
use super::render::{error_page, render};
use super::views::{Choice, FieldErrors, Layout};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::people::{Person, PrsbRecord};
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
    #[serde(flatten)]
    pub record: RecordFields,
}

impl RecordForm {
    /// Every problem at once, or the checked record.
    fn check(&self) -> Result<PrsbRecord, FieldErrors> {
        let mut errors = FieldErrors::default();
        self.record.check(&mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        self.record.details().check().map_err(|e| {
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
    let (languages, formats, methods) = form.record.choices();
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
            let form = RecordForm {
                csrf: String::new(),
                record: RecordFields::of(&person.record),
            };
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
