//! The stylesheet and the one script, compiled into the binary.

use axum::http::header;
use axum::response::IntoResponse;

/// One stylesheet for every page (the equity report's styles appended), cached for an hour.
pub(super) async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        concat!(
            include_str!("../../static/linkwell.css"),
            include_str!("../../static/equity-report.css"),
            include_str!("../../static/activity-report.css")
        ),
    )
}

/// The one script: progressive enhancement only, every page works without it.
pub(super) async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("../../static/linkwell.js"),
    )
}
