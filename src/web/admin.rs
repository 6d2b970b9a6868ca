//! The administrator's home: accounts and teams (never casework), and where to curate the
//! directory. Accounts are made with `linkwell users add`, which reads the password from
//! the environment so it never appears in a page or a command line.

use super::views::Layout;
use super::{error_page, render, PageUser};
use crate::app::AppState;
use crate::auth::Role;
use crate::error::AppError;
use crate::store::team::{Account, TeamSize};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

pub struct AccountLine {
    pub username: String,
    pub name: String,
    pub role: String,
    pub team: String,
    pub organisation: String,
}

impl From<Account> for AccountLine {
    fn from(a: Account) -> AccountLine {
        AccountLine {
            role: Role::from_code(&a.role)
                .map(|r| r.label().to_string())
                .unwrap_or(a.role),
            username: a.username,
            name: a.display_name,
            team: a.team.unwrap_or_default(),
            organisation: a.organisation.unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "admin.html")]
pub struct AdminPage {
    pub layout: Layout,
    pub accounts: Vec<AccountLine>,
    pub teams: Vec<TeamSize>,
}

pub async fn admin_page(State(state): State<AppState>, PageUser(user): PageUser) -> Response {
    let result = async {
        if user.role != Role::Admin {
            return Err(AppError::Forbidden(
                "this page is for administrators".into(),
            ));
        }
        Ok(AdminPage {
            layout: Layout::new("Administration", Some(&user)),
            accounts: state
                .store
                .accounts()
                .await?
                .into_iter()
                .map(AccountLine::from)
                .collect(),
            teams: state.store.team_sizes().await?,
        })
    }
    .await;
    match result {
        Ok(page) => render(&page, StatusCode::OK),
        Err(e) => error_page(Some(&user), e),
    }
}
