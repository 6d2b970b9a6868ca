//! Errors the framework produces itself (a path that is not UTF-8, a body over the limit,
//! JSON or a form that cannot be read, a method a route does not take) come back as plain
//! text or nothing at all. This layer turns every such error response into the document
//! the rest of Linkwell answers with: an OperationOutcome under `/fhir`, an error page for a
//! browser asking for a page, and an RFC 9457 problem document everywhere else.

use crate::error::{AppError, Problem};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The most of a framework's message kept as the problem's detail.
const MOST_DETAIL_BYTES: usize = 2_000;

pub async fn structured_errors(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let wants_page = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    let fhir = path == "/fhir" || path.starts_with("/fhir/");
    let page = wants_page && !fhir && !is_machine_path(&path);
    let response = next.run(request).await;
    let status = response.status();
    // A browser asking for a page gets a page, even where the router's own fallback (an
    // unknown address, a method a page does not take) answered with a problem document.
    let problem_for_a_browser = page && is_problem_document(&response);
    if !(status.is_client_error() || status.is_server_error())
        || (is_structured(&response, fhir) && !problem_for_a_browser)
    {
        return response;
    }
    let allow = response.headers().get(header::ALLOW).cloned();
    let text = match axum::body::to_bytes(response.into_body(), MOST_DETAIL_BYTES).await {
        Ok(bytes) => match serde_json::from_slice::<Problem>(&bytes) {
            Ok(problem) => problem.detail,
            Err(_) => String::from_utf8_lossy(&bytes).trim().to_string(),
        },
        Err(_) => String::new(),
    };
    let problem = problem_for(status, &text);
    let mut structured = if fhir {
        crate::fhir::api::outcome_response(status, &problem.detail)
    } else if page {
        crate::web::problem_page(status, problem)
    } else {
        problem_response(status, &problem)
    };
    if let Some(allow) = allow {
        structured.headers_mut().insert(header::ALLOW, allow);
    }
    structured
}

/// Responses already in one of Linkwell's documents (or a page) are left as they are;
/// under `/fhir` only an OperationOutcome will do (the router's own 405 is a problem
/// document).
fn is_structured(response: &Response, fhir: bool) -> bool {
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media = content_type.split(';').next().unwrap_or("").trim();
    if fhir {
        return media == "application/fhir+json";
    }
    media == "text/html" || media == "application/json" || media.ends_with("+json")
}

fn is_problem_document(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/problem+json"))
}

/// Paths that machines call, which answer in JSON whoever asks.
fn is_machine_path(path: &str) -> bool {
    ["/api/", "/oruk", "/healthz"]
        .iter()
        .any(|prefix| path.starts_with(prefix))
}

/// The problem document for a framework error with this status and message.
pub fn problem_for(status: StatusCode, text: &str) -> Problem {
    let (kind, detail) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => {
            ("payload-too-large", AppError::PayloadTooLarge.to_string())
        }
        StatusCode::NOT_FOUND => ("not-found", "there is no page or endpoint here".to_string()),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method-not-allowed",
            "this address does not accept that HTTP method".to_string(),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported-media-type",
            AppError::UnsupportedMediaType.to_string(),
        ),
        StatusCode::UNAUTHORIZED => ("unauthenticated", "sign-in required".to_string()),
        s if s.is_server_error() => (
            "internal",
            "Something went wrong on our side. Nothing was changed.".to_string(),
        ),
        _ => ("bad-request", text.to_string()),
    };
    let title = status.canonical_reason().unwrap_or("Error").to_string();
    Problem {
        problem_type: format!("/problems/{kind}"),
        detail: if detail.is_empty() {
            title.clone()
        } else {
            detail
        },
        title,
        status: status.as_u16(),
        field: None,
    }
}

fn problem_response(status: StatusCode, problem: &Problem) -> Response {
    let mut response = Response::new(Body::from(serde_json::to_vec(problem).unwrap_or_default()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response.into_response()
}
