//! What a page handler takes from the request: the signed-in user (or a redirect to sign in),
//! a posted form kept as sent, and the CSRF check every form makes.

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

/// A posted page form, read so that it can never be refused with the framework's plain text:
/// every field the handler's type names is filled from the body (a missing one takes its
/// default, so the handler's own check names it in the page's error summary), a repeated
/// one counts once (its first value), and what was typed is kept to show again. Every web
/// form is read with this (issue 15, item 7); `accept` then asks the two questions every
/// form asks first: is it genuine (CSRF), and could it be read.
pub struct PageForm<T> {
    pub fields: T,
    /// Every answer as sent (without the CSRF token), in order, repeats included.
    pub kept: Vec<(String, String)>,
    csrf: String,
    unreadable: Option<String>,
}

impl<T> PageForm<T> {
    /// The form is genuine and could be read, or the refusal to show in its summary.
    pub fn accept(&self, user: &CurrentUser) -> Result<(), AppError> {
        check_csrf(user, &self.csrf)?;
        match &self.unreadable {
            None => Ok(()),
            Some(why) => Err(AppError::invalid_field(
                "form",
                "The form could not be read",
                why.clone(),
            )),
        }
    }

    /// The CSRF token the form carried, for a handler that checks it with the rest itself.
    pub fn token(&self) -> &str {
        &self.csrf
    }

    /// The first value sent under a name, or "" when there is none.
    pub fn value(&self, name: &str) -> &str {
        self.kept
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every value sent under a name (a group of checkboxes), in order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.kept
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl<T, S> axum::extract::FromRequest<S> for PageForm<T>
where
    T: serde::de::DeserializeOwned + Default,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Response> {
        // Only a body over the limit is refused here (413, made a page by `error_documents`);
        // anything else, whatever its content type, is read as a form.
        let body = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(PageForm::read(&body))
    }
}

impl<T: serde::de::DeserializeOwned + Default> PageForm<T> {
    /// Reads a urlencoded body; never fails (bytes that are not UTF-8 are read lossily).
    pub fn read(body: &[u8]) -> PageForm<T> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
        let mut once: Vec<(&str, &str)> = Vec::new();
        for (name, value) in &pairs {
            if !once.iter().any(|(n, _)| n == name) {
                once.push((name, value));
            }
        }
        let typed = serde_urlencoded::to_string(&once)
            .map_err(|e| e.to_string())
            .and_then(|text| serde_urlencoded::from_str::<T>(&text).map_err(|e| e.to_string()));
        let (fields, unreadable) = match typed {
            Ok(fields) => (fields, None),
            Err(why) => (T::default(), Some(why)),
        };
        let csrf = once
            .iter()
            .find(|(n, _)| *n == "csrf")
            .map(|(_, v)| v.to_string())
            .unwrap_or_default();
        PageForm {
            fields,
            kept: pairs.into_iter().filter(|(n, _)| n != "csrf").collect(),
            csrf,
            unreadable,
        }
    }
}

/// A form with nothing but its CSRF token (a button: sign out, confirm, an account action).
#[derive(serde::Deserialize, Default)]
pub struct NoFields {}

/// A form is genuine only if it carries the token of the session that posted it.
pub(super) fn check_csrf(user: &CurrentUser, token: &str) -> Result<(), AppError> {
    match &user.csrf_token {
        Some(expected) if auth::same_secret(expected, token) => Ok(()),
        _ => Err(AppError::Forbidden(
            "the form has expired; go back, reload the page and try again".into(),
        )),
    }
}
