//! The administrator's home: accounts and teams (never casework), and where to curate the
//! directory. Administrators invite people by a one-time link at which they choose their
//! own password (no password is ever shown to or typed by an administrator), and disable,
//! enable, unlock, end the sessions of and revoke the tokens of accounts. All audited.

use super::extract::{check_csrf, PageForm, PageUser};
use super::render::{error_page, render};
use super::views::{Choice, Layout};
use crate::accounts::{Account, NewUser, TeamSize};
use crate::auth::{CurrentUser, Role};
use crate::error::AppError;
use crate::state::AppState;
use crate::usecases::users::{self, Administrator};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// How long an invitation or password link works.
pub const LINK_HOURS: i64 = 72;

pub struct AccountLine {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub role: String,
    pub team: String,
    pub organisation: String,
    pub disabled: bool,
    pub status: String,
    pub sessions: i64,
    pub tokens: i64,
    pub is_you: bool,
    /// Refused at sign-in by the failures counted against it.
    pub locked: bool,
}

impl AccountLine {
    fn new(a: Account, you: i64, locked: bool) -> AccountLine {
        let status = if a.disabled {
            "Disabled".to_string()
        } else if !a.has_password {
            "Invited (no password yet)".to_string()
        } else if locked {
            "Active; sign-in locked after failed attempts".to_string()
        } else {
            "Active".to_string()
        };
        AccountLine {
            id: a.id,
            is_you: a.id == you,
            role: Role::from_code(&a.role)
                .map(|r| r.label().to_string())
                .unwrap_or(a.role),
            username: a.username,
            name: a.display_name,
            team: a.team.unwrap_or_default(),
            organisation: a.organisation.unwrap_or_default(),
            disabled: a.disabled,
            status,
            sessions: a.sessions,
            tokens: a.tokens,
            locked,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct InviteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    team_id: String,
    #[serde(default)]
    pub organisation: String,
}

#[derive(Template)]
#[template(path = "admin.html")]
pub struct AdminPage {
    pub layout: Layout,
    pub accounts: Vec<AccountLine>,
    pub teams: Vec<TeamSize>,
    pub team_choices: Vec<Choice>,
    pub roles: Vec<Choice>,
    pub form: InviteForm,
    pub errors: Vec<(String, String)>,
    pub done: Option<String>,
    pub link_hours: i64,
}

#[derive(Template)]
#[template(path = "admin_link.html")]
pub struct LinkPage {
    pub layout: Layout,
    pub message: String,
    pub name: String,
    pub link: String,
    pub expires: String,
}

#[derive(Deserialize)]
pub struct AdminQuery {
    done: Option<String>,
}

/// What the last action did, from the redirect after it (a fixed set of messages).
fn done_message(code: &str) -> Option<&'static str> {
    Some(match code {
        "disabled" => "The account is disabled; its sessions and API tokens have ended.",
        "enabled" => "The account is enabled again.",
        "unlocked" => "The account's failed sign-ins are forgotten: its user can sign in again.",
        "sessions" => "The account's sessions have ended.",
        "tokens" => "The account's API tokens are revoked.",
        _ => return None,
    })
}

pub async fn admin_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(query): Query<AdminQuery>,
) -> Response {
    let done = query
        .done
        .as_deref()
        .and_then(done_message)
        .map(str::to_string);
    show_admin(
        &state,
        &user,
        InviteForm::default(),
        Vec::new(),
        done,
        StatusCode::OK,
    )
    .await
}

async fn show_admin(
    state: &AppState,
    user: &CurrentUser,
    form: InviteForm,
    errors: Vec<(String, String)>,
    done: Option<String>,
    status: StatusCode,
) -> Response {
    let result = users::overview(state, user)
        .await
        .map(|overview| AdminPage {
            layout: Layout::new("Administration", Some(user)),
            accounts: overview
                .accounts
                .into_iter()
                .map(|a| AccountLine::new(a.account, user.id, a.locked))
                .collect(),
            team_choices: overview
                .teams
                .iter()
                .map(|t| Choice::new(&t.id.to_string(), &t.name, form.team_id == t.id.to_string()))
                .collect(),
            roles: Role::ALL
                .iter()
                .map(|r| Choice::new(r.code(), r.label(), form.role == r.code()))
                .collect(),
            teams: overview.teams,
            form,
            errors,
            done,
            link_hours: LINK_HOURS,
        });
    match result {
        Ok(page) => render(&page, status),
        Err(e) => error_page(Some(user), e),
    }
}

/// Checks an invitation; every problem, by field.
fn invitation_problems(form: &InviteForm, role: Option<Role>) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    let username = form.username.trim();
    if username.is_empty()
        || username.chars().count() > 64
        || username.contains(char::is_whitespace)
    {
        problems.push((
            "username".into(),
            "Enter a username of up to 64 characters, with no spaces".into(),
        ));
    }
    let name = form.display_name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        problems.push(("display_name".into(), "Enter the person's full name".into()));
    }
    match role {
        None => problems.push(("role".into(), "Choose a role".into())),
        Some(Role::Vcse) if form.organisation.trim().is_empty() => problems.push((
            "organisation".into(),
            "Enter the community organisation this person works for".into(),
        )),
        Some(Role::LinkWorker | Role::TeamLead | Role::Volunteer) if form.team_id.is_empty() => {
            problems.push((
                "team_id".into(),
                "Choose the team this person works in".into(),
            ))
        }
        _ => {}
    }
    problems
}

pub async fn invite(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    PageForm { fields: form, .. }: PageForm<InviteForm>,
) -> Response {
    if let Err(e) = check_csrf(&user, &form.csrf) {
        return error_page(Some(&user), e);
    }
    let role = Role::from_code(&form.role);
    let mut problems = invitation_problems(&form, role);
    let team_id = form.team_id.parse::<i64>().ok();
    let username = form.username.trim().to_string();
    match users::invitation_problems(&state.store, &user, &username, team_id).await {
        Ok(found) => problems.extend(
            found
                .into_iter()
                .map(|(field, message)| (field.to_string(), message.to_string())),
        ),
        Err(e) => return error_page(Some(&user), e),
    }
    let (Some(role), true) = (role, problems.is_empty()) else {
        return show_admin(
            &state,
            &user,
            form,
            problems,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let organisation = form.organisation.trim();
    let new_user = NewUser {
        username: &username,
        display_name: form.display_name.trim(),
        role,
        team_id,
        organisation: (!organisation.is_empty()).then_some(organisation),
        password: None,
    };
    let lifetime = chrono::Duration::hours(LINK_HOURS);
    match users::invite(
        &state.store,
        Administrator::User(&user),
        &new_user,
        lifetime,
    )
    .await
    {
        Ok((_, secret)) => link_page(
            &state,
            &user,
            format!(
                "{} ({}) can now be invited.",
                new_user.display_name,
                role.label()
            ),
            new_user.display_name,
            &secret,
            lifetime,
        ),
        Err(e) => error_page(Some(&user), e),
    }
}

/// The one-time link, shown once to the administrator who made it.
fn link_page(
    state: &AppState,
    user: &CurrentUser,
    message: String,
    name: &str,
    secret: &str,
    lifetime: chrono::Duration,
) -> Response {
    let page = LinkPage {
        layout: Layout::new("Invitation link", Some(user)),
        message,
        name: name.to_string(),
        link: state.settings.public_url().password_link(secret),
        expires: (chrono::Utc::now() + lifetime)
            .format("%-d %B %Y at %H:%M UTC")
            .to_string(),
    };
    render(&page, StatusCode::CREATED)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActionForm {
    #[serde(default)]
    csrf: String,
}

/// One of the account actions on the administration page.
#[derive(Debug, Clone, Copy)]
enum AccountAction {
    Disable,
    Enable,
    Unlock,
    EndSessions,
    RevokeTokens,
    ResetPassword,
}

async fn act(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    csrf: &str,
    action: AccountAction,
) -> Response {
    let result = async {
        check_csrf(user, csrf)?;
        // No account has id 0: an id that is not a number is answered like an unknown one
        // (404), after the policy has had its say.
        let id: i64 = id.parse().unwrap_or(0);
        let admin = Administrator::User(user);
        let store = &state.store;
        let done = match action {
            AccountAction::Disable => {
                users::disable(store, admin, id).await?;
                "disabled"
            }
            AccountAction::Enable => {
                users::enable(store, admin, id).await?;
                "enabled"
            }
            AccountAction::Unlock => {
                users::unlock(store, admin, id).await?;
                "unlocked"
            }
            AccountAction::EndSessions => {
                users::end_sessions(store, admin, id).await?;
                "sessions"
            }
            AccountAction::RevokeTokens => {
                users::revoke_tokens(store, admin, id).await?;
                "tokens"
            }
            AccountAction::ResetPassword => {
                let lifetime = chrono::Duration::hours(LINK_HOURS);
                let reset = users::reset_password(store, admin, id, lifetime).await?;
                return Ok(link_page(
                    state,
                    user,
                    format!(
                        "{}'s password, sessions and API tokens have ended.",
                        reset.username
                    ),
                    &reset.username,
                    &reset.secret,
                    lifetime,
                ));
            }
        };
        Ok::<_, AppError>(Redirect::to(&format!("/admin?done={done}")).into_response())
    }
    .await;
    result.unwrap_or_else(|e| error_page(Some(user), e))
}

macro_rules! account_action {
    ($name:ident, $action:expr) => {
        pub async fn $name(
            State(state): State<AppState>,
            PageUser(user): PageUser,
            Path(id): Path<String>,
            PageForm { fields: form, .. }: PageForm<ActionForm>,
        ) -> Response {
            act(&state, &user, &id, &form.csrf, $action).await
        }
    };
}

account_action!(disable, AccountAction::Disable);
account_action!(enable, AccountAction::Enable);
account_action!(unlock, AccountAction::Unlock);
account_action!(end_sessions, AccountAction::EndSessions);
account_action!(revoke_tokens, AccountAction::RevokeTokens);
account_action!(reset_password, AccountAction::ResetPassword);
