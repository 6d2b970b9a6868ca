//! Building and running the HTTP application: the router (every route and layer) and
//! `Application::build`. Tests build it the same way `serve` does. Shared state is in
//! [`crate::state`].

mod api_routes;

use crate::directory::cache::CatalogueCache;
use crate::error::{AppError, AppResult};
use crate::facts_cache::FactsCache;
use crate::geo::Geography;
use crate::public_url::PublicUrl;
pub use crate::state::{AppState, Settings, MAX_BODY_BYTES};
use crate::store::Store;
use crate::telemetry::{self, Metrics};
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower_http::set_header::SetResponseHeaderLayer;

pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
}

impl Application {
    /// Opens the database (running migrations), binds the address and starts loading the
    /// postcode table in the background. Port 0 picks a free port (used by tests).
    pub async fn build(mut settings: Settings, addr: SocketAddr) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(addr).await?;
        if settings.public_url.is_none() {
            settings.public_url = Some(PublicUrl::of_listen_address(listener.local_addr()?));
        }
        // A service reached over HTTPS never sends its session cookie over plain HTTP.
        settings.secure_cookies |= settings.public_url().is_https();
        let store = Store::connect(&settings.database_url).await?;
        let data_dir = settings.data_dir.clone();
        std::thread::spawn(move || {
            let started = std::time::Instant::now();
            match Geography::shared(&data_dir) {
                Ok(g) => tracing::info!(
                    postcodes = g.postcode_count(),
                    millis = started.elapsed().as_millis() as u64,
                    "postcode lookup loaded"
                ),
                Err(e) => tracing::error!(error = %e, "postcode lookup failed to load"),
            }
        });
        if settings.gp_delivery.enabled {
            crate::outbox::worker::spawn(
                store.clone(),
                settings.gp_delivery.clone(),
                settings.public_url().join("/fhir"),
            )?;
        }
        let state = AppState {
            store,
            equity: Arc::new(FactsCache::new(settings.equity_refresh)),
            activity: Arc::new(FactsCache::new(settings.equity_refresh)),
            directory: Arc::new(CatalogueCache::default()),
            metrics: Arc::new(Metrics::default()),
            settings: Arc::new(settings),
        };
        Ok(Application {
            listener,
            router: router(state.clone()),
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await?;
        Ok(())
    }
}

async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
}

/// All routes: the JSON API, the pages, static assets and the health check.
pub fn router(state: AppState) -> Router {
    let https = state.settings.public_url().is_https();
    let (api, openapi) = api_routes::routes().split_for_parts();
    let openapi = Arc::new(openapi);
    let metrics = state.metrics.clone();
    let router = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .nest("/api/v1", api)
        // The Open Referral UK read API: public by the standard, directory data only.
        .nest("/oruk", crate::directory::oruk::routes())
        .nest("/fhir", crate::fhir::api::routes())
        .route(
            "/oruk/",
            get(crate::directory::oruk::about).layer(crate::directory::oruk::open_to_any_origin()),
        )
        .route(
            "/api/v1/openapi.json",
            // Behind sign-in like the rest of the API: only /healthz and the public
            // directory (/oruk) are anonymous.
            get(move |_: crate::auth::CurrentUser| {
                let doc = openapi.clone();
                async move { Json(doc.as_ref().clone()) }
            }),
        )
        .merge(crate::web::routes())
        .route_layer(axum::middleware::from_fn_with_state(
            metrics,
            telemetry::time_request,
        ))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // Framework rejections (bad path, body too large, unreadable JSON) come back as
        // problem documents like every other error.
        .layer(axum::middleware::from_fn(crate::error_documents::structured_errors))
        // Personal data must not be kept by browsers or proxies; the two static assets
        // set their own caching and keep it.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
            ),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(telemetry::trace_layer())
        .layer(axum::middleware::from_fn(telemetry::assign_request_id));
    // Browsers that have reached Linkwell over HTTPS refuse plain HTTP to it for a year.
    let router = if https {
        router.layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        ))
    } else {
        router
    };
    router.with_state(state)
}

/// Liveness and database reachability. Anonymous, like the public directory.
async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    use crate::geo::LoadStatus;
    let postcodes = match Geography::status() {
        LoadStatus::Loading => "loading",
        LoadStatus::Loaded => "loaded",
        // Without the lookup no one can be registered: report it rather than hide it.
        LoadStatus::Failed(e) => {
            tracing::error!(error = %e, "postcode lookup unavailable");
            return (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                Json(
                    serde_json::json!({"status": "postcode lookup failed to load", "postcodes": "failed"}),
                ),
            );
        }
    };
    match crate::usecases::operations::database_reachable(&state).await {
        Ok(()) => (
            axum::http::StatusCode::OK,
            Json(serde_json::json!({"status": "ok", "postcodes": postcodes})),
        ),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": "database unavailable"})),
            )
        }
    }
}

/// Prometheus metrics for operators: administrators only (a scraper signs in with an
/// administrator's API token), since route timings are not for the public.
async fn metrics_text(
    axum::extract::State(state): axum::extract::State<AppState>,
    user: crate::auth::CurrentUser,
) -> AppResult<impl IntoResponse> {
    let text = crate::usecases::operations::metrics(&state, &user).await?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    ))
}

async fn not_found() -> AppError {
    AppError::NotFound("page or endpoint")
}

async fn method_not_allowed() -> impl IntoResponse {
    let mut problem = AppError::BadBody(String::new()).problem();
    problem.problem_type = "/problems/method-not-allowed".into();
    problem.title = "Method not allowed".into();
    problem.status = 405;
    problem.detail = "this address does not accept that HTTP method".into();
    (
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        [(header::CONTENT_TYPE, "application/problem+json")],
        serde_json::to_vec(&problem).unwrap_or_default(),
    )
}
