//! What a page handler takes from the request: the signed-in user (or a redirect to sign in),
//! a posted form kept as sent, and the CSRF check every form makes.

use super::render::error_page;
use crate::auth::{self, CurrentUser};
use crate::error::AppError;
use crate::state::AppState;
use crate::usecases::sessions;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};

/// A signed-in page user; anyone else is sent to the sign-in page.
pub struct PageUser(pub CurrentUser);

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Some(session) = auth::session_cookie(&parts.headers) else {
            return Err(Redirect::to("/sign-in").into_response());
        };
        match sessions::user_for_session(state, session).await {
            Ok(Some(mut user)) => {
                user.request_id = auth::request_id(&parts.headers);
                Ok(PageUser(user))
            }
            Ok(None) => Err(Redirect::to("/sign-in").into_response()),
            Err(e) => Err(e.into_response()),
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

/// A form is genuine only if it carries the token of the session that posted it.
pub(super) fn check_csrf(user: &CurrentUser, token: &str) -> Result<(), AppError> {
    match &user.csrf_token {
        Some(expected) if auth::same_secret(expected, token) => Ok(()),
        _ => Err(AppError::Forbidden(
            "the form has expired; go back, reload the page and try again".into(),
        )),
    }
}
