//! Building and running the HTTP application. Tests build it the same way `serve` does.

use crate::auth::throttle::SignInLimits;
use crate::directory::catalogue::CatalogueCache;
use crate::equity::cache::FactsCache;
use crate::error::{AppError, AppResult};
use crate::geo::{self, Geography};
use crate::public_url::PublicUrl;
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

#[derive(Clone)]
pub struct Settings {
    pub database_url: String,
    pub data_dir: PathBuf,
    pub lifecycle: LifecycleSettings,
    /// The absolute limit on a sign-in: the user signs in again after this many hours
    /// however busy they have been.
    pub session_hours: i64,
    /// A sign-in ends after this many minutes without a request (the clock restarts with
    /// each request).
    pub session_idle_minutes: i64,
    /// Mark session cookies `Secure`: set when the service is reached over HTTPS (and
    /// always when the public URL is https).
    pub secure_cookies: bool,
    /// Where users and other systems reach Linkwell; every absolute URL is built on it.
    /// `None` until the server is bound: then `http://` and the listen address.
    pub public_url: Option<PublicUrl>,
    /// Failed sign-ins allowed per account, and per network address, in the window.
    pub sign_in_limits: SignInLimits,
    /// How old the equity report's in-memory facts may get before they are re-read
    /// (in the background); zero reads them for every report.
    pub equity_refresh: std::time::Duration,
}

/// Settings are logged; a PostgreSQL URL's password must not be.
impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &redacted_url(&self.database_url))
            .field("data_dir", &self.data_dir)
            .field("lifecycle", &self.lifecycle)
            .field("session_hours", &self.session_hours)
            .field("session_idle_minutes", &self.session_idle_minutes)
            .field("secure_cookies", &self.secure_cookies)
            .field("public_url", &self.public_url)
            .field("sign_in_limits", &self.sign_in_limits)
            .field("equity_refresh", &self.equity_refresh)
            .finish()
    }
}

/// A URL with any password in it replaced by `***`.
pub fn redacted_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.rsplit_once('@') {
        Some((user_info, host)) => {
            let user = user_info.split_once(':').map_or(user_info, |(u, _)| u);
            let hidden = if user_info.contains(':') { ":***" } else { "" };
            format!("{scheme}://{user}{hidden}@{host}")
        }
        None => url.to_string(),
    }
}

impl Settings {
    pub fn new(database_url: impl Into<String>) -> Settings {
        Settings {
            database_url: database_url.into(),
            data_dir: geo::default_data_dir(),
            lifecycle: LifecycleSettings::default(),
            session_hours: 8,
            session_idle_minutes: 30,
            secure_cookies: false,
            public_url: None,
            sign_in_limits: SignInLimits::default(),
            equity_refresh: std::time::Duration::from_secs(60),
        }
    }

    /// The public URL (set by [`Application::build`] when none was configured).
    pub fn public_url(&self) -> &PublicUrl {
        static FALLBACK: std::sync::OnceLock<PublicUrl> = std::sync::OnceLock::new();
        self.public_url.as_ref().unwrap_or_else(|| {
            FALLBACK.get_or_init(|| PublicUrl::of_listen_address(([127, 0, 0, 1], 8080).into()))
        })
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
        let state = AppState {
            store,
            equity: Arc::new(FactsCache::new(settings.equity_refresh)),
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
    let (api, openapi) = crate::api::routes().split_for_parts();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_never_print_a_database_password() {
        let settings = Settings::new("postgres://linkwell:s3cret-pw@db.internal:5432/linkwell");
        let printed = format!("{settings:?}");
        assert!(!printed.contains("s3cret-pw"), "{printed}");
        assert!(printed.contains("postgres://linkwell:***@db.internal:5432/linkwell"));
        assert_eq!(redacted_url("linkwell.db"), "linkwell.db");
        assert_eq!(
            redacted_url("postgres://a@b:1/c"),
            "postgres://a@b:1/c",
            "no password, nothing hidden"
        );
    }
}
