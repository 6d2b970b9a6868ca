//! What operators see: every request carries one request id, in its response header, on every
//! log line written while it runs (internal errors included) and in the audit log; and
//! Prometheus metrics of request latency by route and of database pool use.

use crate::store::PoolUse;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::{Registry, Unit};
use std::sync::Arc;
use std::time::Instant;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{MakeSpan, TraceLayer};

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Gives the request its id before anything else sees it: the caller's `X-Request-Id` when it
/// is short and plain (so a caller can correlate), otherwise a fresh one; echoed in the reply.
pub async fn assign_request_id(mut request: Request, next: Next) -> Response {
    let id = crate::auth::request_id(request.headers());
    let value = HeaderValue::from_str(&id).ok();
    if let Some(value) = &value {
        request.headers_mut().insert(X_REQUEST_ID, value.clone());
    }
    let mut response = next.run(request).await;
    if let Some(value) = value {
        response.headers_mut().insert(X_REQUEST_ID, value);
    }
    response
}

/// One span per request named by its id, method and path (never the query, which may hold
/// personal details), so every log line inside it says which request it belongs to.
#[derive(Clone, Copy, Debug, Default)]
pub struct RequestSpan;

impl<B> MakeSpan<B> for RequestSpan {
    fn make_span(&mut self, request: &axum::http::Request<B>) -> tracing::Span {
        let id = request
            .headers()
            .get(X_REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-");
        let path = loggable_path(request.uri().path());
        tracing::info_span!("request", id = %id, method = %request.method(), path = %path)
    }
}

/// The path as logged: the secret in a calendar feed or one-time password link address is
/// a key, so it is left out of the logs.
pub fn loggable_path(path: &str) -> &str {
    for prefix in ["/calendar/", "/password-links/"] {
        if path.starts_with(prefix) {
            return prefix;
        }
    }
    path
}

/// tower-http's trace layer with the request-id span; server errors are logged as failures.
pub fn trace_layer() -> TraceLayer<SharedClassifier<ServerErrorsAsFailures>, RequestSpan> {
    TraceLayer::new_for_http().make_span_with(RequestSpan)
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    /// The route's pattern (`/api/v1/people/{id}`), never the path itself, so ids do not
    /// become labels.
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    pool: String,
    state: String,
}

/// The metrics one server keeps, rendered in the OpenMetrics text format at `/metrics`.
pub struct Metrics {
    registry: Registry,
    latency: Family<RequestLabels, Histogram>,
    pools: Family<PoolLabels, Gauge>,
    gp_outbox_depth: Gauge,
    gp_outbox_dead: Gauge,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("linkwell");
        // 0.5 ms to about 16 s, doubling.
        let latency = Family::<RequestLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 2.0, 16))
        });
        registry.register_with_unit(
            "http_request_duration",
            "Time to answer a request, by method, route and status",
            Unit::Seconds,
            latency.clone(),
        );
        let pools = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "db_pool_connections",
            "Database connections by pool and state (idle or in use)",
            pools.clone(),
        );
        // Issue 14 item 5: a growing depth means messages are not reaching practices.
        let gp_outbox_depth = Gauge::default();
        registry.register(
            "gp_outbox_depth",
            "GP messages waiting to be delivered (not yet tried, or to be tried again)",
            gp_outbox_depth.clone(),
        );
        let gp_outbox_dead = Gauge::default();
        registry.register(
            "gp_outbox_dead",
            "GP messages given up on after the last try (dead letters), to be looked at",
            gp_outbox_dead.clone(),
        );
        Metrics {
            registry,
            latency,
            pools,
            gp_outbox_depth,
            gp_outbox_dead,
        }
    }

    /// Sets the GP outbox gauges (read from the database when the metrics are asked for).
    pub fn set_gp_outbox(&self, counts: &crate::outbox::OutboxCounts) {
        self.gp_outbox_depth.set(counts.depth());
        self.gp_outbox_dead.set(counts.dead);
    }

    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.latency
            .get_or_create(&RequestLabels {
                method: method.to_string(),
                route: route.to_string(),
                status,
            })
            .observe(seconds);
    }

    /// The metrics as OpenMetrics text, with the pools' use as it is now.
    pub fn render(&self, pools: &[PoolUse]) -> String {
        for pool in pools {
            for (state, count) in [
                ("idle", pool.idle),
                ("in_use", pool.open.saturating_sub(pool.idle)),
            ] {
                self.pools
                    .get_or_create(&PoolLabels {
                        pool: pool.pool.to_string(),
                        state: state.to_string(),
                    })
                    .set(i64::from(count));
            }
        }
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

/// Times each routed request under its route pattern. Added with `route_layer`, so the
/// matched route is known.
pub async fn time_request(
    State(metrics): State<Arc<Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    metrics.observe(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_in_addresses_are_not_logged() {
        assert_eq!(loggable_path("/calendar/0123abcd.ics"), "/calendar/");
        assert_eq!(
            loggable_path("/password-links/0123abcd"),
            "/password-links/"
        );
        assert_eq!(loggable_path("/people/7"), "/people/7");
    }

    #[test]
    fn renders_latency_by_route_and_pool_use() {
        let metrics = Metrics::new();
        metrics.observe("GET", "/api/v1/people/{id}", 200, 0.003);
        let text = metrics.render(&[PoolUse {
            pool: "write",
            open: 3,
            idle: 1,
        }]);
        assert!(
            text.contains(r#"linkwell_http_request_duration_seconds_count{method="GET",route="/api/v1/people/{id}",status="200"} 1"#),
            "{text}"
        );
        // 3 ms falls in the 4 ms bucket, not the 2 ms one (0.5 ms doubling: 0.5, 1, 2, 4).
        let bucket = |le: &str, n: u8| {
            format!(
                r#"linkwell_http_request_duration_seconds_bucket{{le="{le}",method="GET",route="/api/v1/people/{{id}}",status="200"}} {n}"#
            )
        };
        assert!(text.contains(&bucket("0.002", 0)), "{text}");
        assert!(text.contains(&bucket("0.004", 1)), "{text}");
        assert!(
            text.contains(r#"linkwell_db_pool_connections{pool="write",state="in_use"} 2"#),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
