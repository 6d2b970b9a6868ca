//! Turning a template or an error into a page.

use super::views::{ErrorPage, Layout};
use crate::auth::CurrentUser;
use crate::error::AppError;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// Renders a page; template failures are internal errors, never partial pages.
pub(super) fn render(template: &impl Template, status: StatusCode) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => AppError::Internal(e.into()).into_response(),
    }
}

/// An error shown as a page, not as JSON.
pub(super) fn error_page(user: Option<&CurrentUser>, err: AppError) -> Response {
    if let AppError::Internal(e) = &err {
        tracing::error!(error = ?e, "internal error on page");
    }
    let problem = err.problem();
    let page = ErrorPage {
        layout: Layout::new("Something went wrong", user),
        title: problem.title,
        detail: problem.detail,
    };
    render(&page, err.status())
}

/// An error the framework raised (see `error_documents`), as a page for a browser.
pub(crate) fn problem_page(status: StatusCode, problem: crate::error::Problem) -> Response {
    let page = ErrorPage {
        layout: Layout::new("Something went wrong", None),
        title: problem.title,
        detail: problem.detail,
    };
    render(&page, status)
}

/// A report written as a file to save (`linkwell-{name}.{extension}`, with its media type),
/// or the error page when it could not be written.
pub(super) fn report_file(
    user: &CurrentUser,
    format: crate::equity::render::Format,
    name: &str,
    written: anyhow::Result<impl Into<axum::body::Body>>,
) -> Response {
    match written {
        Ok(bytes) => (
            [
                (
                    axum::http::header::CONTENT_TYPE,
                    format.media_type().to_string(),
                ),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"linkwell-{}.{}\"",
                        name.replace('/', "-"),
                        format.extension()
                    ),
                ),
            ],
            bytes.into(),
        )
            .into_response(),
        Err(e) => error_page(Some(user), AppError::Internal(e)),
    }
}
