//! `/admin/programmes`: administrators define and change programmes (docs/programmes.md):
//! the list, and one form that defines a new programme or, with `?edit=ID`, changes one.
//! A refused form comes back as typed, with an error summary.

use super::extract::{check_csrf, NoFields, PageForm, PageUser};
use super::render::{error_page, render};
use super::views::{Choice, FieldErrors, Layout};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::input;
use crate::programmes::{Eligibility, NewProgramme, Programme, ProgrammeModel};
use crate::referrals::Need;
use crate::state::AppState;
use crate::usecases::programmes;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// A programme as a row of the list.
pub struct ProgrammeLine {
    pub id: i64,
    pub name: String,
    pub model: String,
    pub teams: String,
    pub eligibility: String,
    pub pathway: Vec<String>,
    pub active: bool,
}

impl ProgrammeLine {
    fn new(p: &Programme) -> ProgrammeLine {
        let mut rules = Vec::new();
        if let Some(age) = p.eligibility.min_age {
            rules.push(format!("aged {age} or over"));
        }
        if !p.eligibility.needs.is_empty() {
            let needs: Vec<String> = p
                .eligibility
                .needs
                .iter()
                .map(|n| n.label().to_lowercase())
                .collect();
            rules.push(format!("for {}", needs.join(", ")));
        }
        if !p.eligibility.notes.is_empty() {
            rules.push(p.eligibility.notes.clone());
        }
        ProgrammeLine {
            id: p.id,
            name: p.name.clone(),
            model: p.model.label().to_string(),
            teams: p
                .teams
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            eligibility: if rules.is_empty() {
                "Anyone referred".into()
            } else {
                rules.join("; ")
            },
            pathway: p.pathway.clone(),
            active: p.active,
        }
    }
}

/// What was typed, kept as text so a refused form comes back as it was.
#[derive(Default)]
pub struct ProgrammeForm {
    pub name: String,
    pub model: String,
    pub description: String,
    pub min_age: String,
    pub needs: Vec<String>,
    pub notes: String,
    pub team_ids: Vec<String>,
    pub pathway: String,
    pub active: bool,
}

impl ProgrammeForm {
    fn of(p: &Programme) -> ProgrammeForm {
        ProgrammeForm {
            name: p.name.clone(),
            model: p.model.code().into(),
            description: p.description.clone(),
            min_age: p
                .eligibility
                .min_age
                .map(|a| a.to_string())
                .unwrap_or_default(),
            needs: p
                .eligibility
                .needs
                .iter()
                .map(|n| n.code().to_string())
                .collect(),
            notes: p.eligibility.notes.clone(),
            team_ids: p.teams.iter().map(|t| t.id.to_string()).collect(),
            pathway: p.pathway.join("\n"),
            active: p.active,
        }
    }

    fn from_fields(fields: &[(String, String)]) -> (String, ProgrammeForm) {
        let mut csrf = String::new();
        let mut form = ProgrammeForm::default();
        for (key, value) in fields {
            match key.as_str() {
                "csrf" => csrf = value.clone(),
                "name" => form.name = value.clone(),
                "model" => form.model = value.clone(),
                "description" => form.description = value.clone(),
                "min_age" => form.min_age = value.clone(),
                "needs" => form.needs.push(value.clone()),
                "notes" => form.notes = value.clone(),
                "team_ids" => form.team_ids.push(value.clone()),
                "pathway" => form.pathway = value.clone(),
                "active" => form.active = true,
                _ => {}
            }
        }
        (csrf, form)
    }

    /// The definition, or every problem by field.
    fn parsed(&self) -> Result<NewProgramme, FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut text = |field: &str, value: &str, min, max, one_line: bool| {
            let checked = if one_line {
                input::line_field(field, value, min, max)
            } else {
                input::text_field(field, value, min, max)
            };
            checked
                .map_err(|e| errors.add(field, capitalised(&e.detail)))
                .unwrap_or_default()
        };
        let name = text("name", &self.name, 1, 120, true);
        let description = text("description", &self.description, 0, 2000, false);
        let notes = text("notes", &self.notes, 0, 2000, false);
        let pathway = text("pathway", &self.pathway, 0, 4400, false);
        let model = ProgrammeModel::from_code(&self.model);
        if model.is_none() {
            errors.add("model", "Choose the model the programme follows".into());
        }
        let min_age = match self.min_age.trim() {
            "" => None,
            age => match age.parse::<u8>() {
                Ok(a) => Some(a),
                Err(_) => {
                    errors.add(
                        "min_age",
                        "Enter the minimum age as a whole number of years, or leave it empty"
                            .into(),
                    );
                    None
                }
            },
        };
        let team_ids: Vec<i64> = self
            .team_ids
            .iter()
            .filter_map(|t| t.parse().ok())
            .collect();
        let needs: Vec<Need> = self
            .needs
            .iter()
            .filter_map(|n| Need::from_code(n))
            .collect();
        let new = NewProgramme {
            name,
            model: model.unwrap_or(ProgrammeModel::Other),
            description,
            eligibility: Eligibility {
                min_age,
                needs,
                notes,
            },
            team_ids,
            pathway: crate::programmes::pathway_steps(&pathway),
            active: self.active,
        };
        match new.checked() {
            Ok(new) if errors.is_empty() => Ok(new),
            Ok(_) => Err(errors),
            Err(e) => {
                errors.add(e.field(), capitalised(&e.to_string()));
                Err(errors)
            }
        }
    }
}

fn capitalised(text: &str) -> String {
    super::referral_form::capitalised(text)
}

#[derive(Template)]
#[template(path = "admin_programmes.html")]
pub struct ProgrammesPage {
    pub layout: Layout,
    pub programmes: Vec<ProgrammeLine>,
    /// The programme being changed, or none for a new one.
    pub editing: Option<(i64, String)>,
    pub form: ProgrammeForm,
    pub models: Vec<Choice>,
    pub needs: Vec<Choice>,
    pub teams: Vec<Choice>,
    pub errors: FieldErrors,
    pub done: Option<String>,
}

#[derive(Deserialize)]
pub struct ProgrammesQuery {
    edit: Option<i64>,
    done: Option<String>,
}

pub async fn programmes_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(query): Query<ProgrammesQuery>,
) -> Response {
    let editing = match query.edit {
        Some(id) => match programmes::one(&state.store, &user, id).await {
            Ok(p) => Some(p),
            Err(e) => return error_page(Some(&user), e),
        },
        None => None,
    };
    let form = editing
        .as_ref()
        .map(ProgrammeForm::of)
        .unwrap_or(ProgrammeForm {
            active: true,
            ..ProgrammeForm::default()
        });
    let done = match query.done.as_deref() {
        Some("created") => Some("The programme is defined.".to_string()),
        Some("changed") => Some("The programme is changed.".to_string()),
        _ => None,
    };
    show(
        &state,
        &user,
        editing.map(|p| (p.id, p.name)),
        form,
        FieldErrors::default(),
        done,
        StatusCode::OK,
    )
    .await
}

async fn show(
    state: &AppState,
    user: &CurrentUser,
    editing: Option<(i64, String)>,
    form: ProgrammeForm,
    errors: FieldErrors,
    done: Option<String>,
    status: StatusCode,
) -> Response {
    // Administrators only: the team list is theirs to read.
    let teams = match programmes::teams(&state.store, user).await {
        Ok(t) => t,
        Err(e) => return error_page(Some(user), e),
    };
    let all = match programmes::list(&state.store, user).await {
        Ok(p) => p,
        Err(e) => return error_page(Some(user), e),
    };
    let page = ProgrammesPage {
        layout: Layout::new("Programmes", Some(user)),
        programmes: all.iter().map(ProgrammeLine::new).collect(),
        models: ProgrammeModel::ALL
            .iter()
            .map(|m| Choice::new(m.code(), m.label(), form.model == m.code()))
            .collect(),
        needs: Need::ALL
            .iter()
            .map(|n| {
                Choice::new(
                    n.code(),
                    n.label(),
                    form.needs.iter().any(|x| x == n.code()),
                )
            })
            .collect(),
        teams: teams
            .iter()
            .map(|(id, name)| {
                let id = id.to_string();
                Choice::new(&id, name, form.team_ids.contains(&id))
            })
            .collect(),
        errors: errors.in_order(&[
            "name",
            "model",
            "description",
            "team_ids",
            "min_age",
            "needs",
            "notes",
            "pathway",
        ]),
        editing,
        form,
        done,
    };
    render(&page, status)
}

async fn save(
    state: AppState,
    user: CurrentUser,
    id: Option<i64>,
    fields: Vec<(String, String)>,
) -> Response {
    let (csrf, form) = ProgrammeForm::from_fields(&fields);
    if let Err(e) = check_csrf(&user, &csrf) {
        return error_page(Some(&user), e);
    }
    let editing = id.map(|id| (id, form.name.clone()));
    let new = match form.parsed() {
        Ok(new) => new,
        Err(errors) => {
            return show(
                &state,
                &user,
                editing,
                form,
                errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    let saved = match id {
        None => programmes::create(&state.store, &user, new).await,
        Some(id) => programmes::update(&state.store, &user, id, new).await,
    };
    match saved {
        Ok(_) => {
            let done = if id.is_some() { "changed" } else { "created" };
            Redirect::to(&format!("/admin/programmes?done={done}")).into_response()
        }
        Err(AppError::Validation { field, detail, .. }) => {
            let mut errors = FieldErrors::default();
            errors.add(field.as_deref().unwrap_or("name"), capitalised(&detail));
            show(
                &state,
                &user,
                editing,
                form,
                errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => error_page(Some(&user), e),
    }
}

/// The answers as sent, with the CSRF token `save` checks among them.
fn with_token(sent: PageForm<NoFields>) -> Vec<(String, String)> {
    let mut fields = vec![("csrf".to_string(), sent.token().to_string())];
    fields.extend(sent.kept);
    fields
}

pub async fn create_programme(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    sent: PageForm<NoFields>,
) -> Response {
    save(state, user, None, with_token(sent)).await
}

pub async fn change_programme(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
    sent: PageForm<NoFields>,
) -> Response {
    save(state, user, Some(id), with_token(sent)).await
}
