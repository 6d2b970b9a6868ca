//! Building and running the HTTP application. Tests build it the same way `serve` does.

use crate::directory::catalogue::CatalogueCache;
use crate::equity::cache::FactsCache;
use crate::error::{AppError, AppResult};
use crate::geo::{self, Geography};
use crate::referrals::LifecycleSettings;
use crate::store::Store;
use crate::telemetry::{self, Metrics};
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower_http::set_header::SetResponseHeaderLayer;

/// Largest request body accepted, in bytes. Casework bodies are small.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    pub data_dir: PathBuf,
    pub lifecycle: LifecycleSettings,
    /// How long a sign-in lasts; the user signs in again after that.
    pub session_hours: i64,
    /// Mark session cookies `Secure`: set when the service is reached over HTTPS.
    pub secure_cookies: bool,
    /// Failed sign-ins allowed per account, and per network address, in the window.
    pub sign_in_limits: SignInLimits,
    /// How old the equity report's in-memory facts may get before they are re-read
    /// (in the background); zero reads them for every report.
    pub equity_refresh: std::time::Duration,
}

#[derive(Debug, Clone, Copy)]
pub struct SignInLimits {
    pub per_account: i64,
    pub per_address: i64,
    pub window_minutes: i64,
}

impl Default for SignInLimits {
    fn default() -> Self {
        SignInLimits {
            per_account: 5,
            per_address: 50,
            window_minutes: 15,
        }
    }
}

impl Settings {
    pub fn new(database_url: impl Into<String>) -> Settings {
        Settings {
            database_url: database_url.into(),
            data_dir: geo::default_data_dir(),
            lifecycle: LifecycleSettings::default(),
            session_hours: 8,
            secure_cookies: false,
            sign_in_limits: SignInLimits::default(),
            equity_refresh: std::time::Duration::from_secs(60),
        }
    }
}

/// Shared by every request. Holds no state of its own beyond rebuildable caches, so
/// several instances can run on one PostgreSQL.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub settings: Arc<Settings>,
    pub equity: Arc<FactsCache>,
    pub directory: Arc<CatalogueCache>,
    pub metrics: Arc<Metrics>,
}

impl AppState {
    /// The postcode lookup; waits for the background load on first use.
    pub async fn geography(&self) -> AppResult<Arc<Geography>> {
        let dir = self.settings.data_dir.clone();
        tokio::task::spawn_blocking(move || Geography::shared(&dir))
            .await
            .map_err(|e| AppError::Internal(e.into()))?
            .map_err(AppError::Internal)
    }
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
}

impl Application {
    /// Opens the database (running migrations), binds the address and starts loading the
    /// postcode table in the background. Port 0 picks a free port (used by tests).
    pub async fn build(settings: Settings, addr: SocketAddr) -> anyhow::Result<Application> {
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
        let state = AppState {
            store,
            equity: Arc::new(FactsCache::new(settings.equity_refresh)),
            directory: Arc::new(CatalogueCache::default()),
            metrics: Arc::new(Metrics::default()),
            settings: Arc::new(settings),
        };
        let listener = TcpListener::bind(addr).await?;
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
    let (api, openapi) = crate::api::routes().split_for_parts();
    let openapi = Arc::new(openapi);
    let metrics = state.metrics.clone();
    Router::new()
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
        .layer(axum::middleware::from_fn(telemetry::assign_request_id))
        .with_state(state)
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
    match state.store.ping().await {
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
    user.require(crate::auth::policy::Action::ReadMetrics)?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(&state.store.pool_use()),
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
