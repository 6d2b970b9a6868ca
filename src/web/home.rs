//! `/`: each role's front door.

use super::extract::PageUser;
use crate::auth::Role;
use axum::response::Redirect;

/// Each role starts where its work is.
pub(super) async fn home(PageUser(user): PageUser) -> Redirect {
    match user.role {
        Role::Analyst => Redirect::to("/reports/equity"),
        Role::Vcse => Redirect::to("/vcse/inbox"),
        Role::Admin => Redirect::to("/admin"),
        Role::Volunteer => Redirect::to("/visits"),
        _ => Redirect::to("/caseload"),
    }
}
