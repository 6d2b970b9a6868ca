//! What every request shares: the settings and the state built from them (the store, the
//! caches, the metrics). A leaf: it knows nothing of routes or handlers, so the handlers
//! that take it do not depend on the router that mounts them.

use crate::auth::throttle::SignInLimits;
use crate::directory::cache::CatalogueCache;
use crate::error::{AppError, AppResult};
use crate::facts_cache::FactsCache;
use crate::geo::{self, Geography};
use crate::public_url::PublicUrl;
use crate::referrals::LifecycleSettings;
use crate::store::Store;
use crate::telemetry::Metrics;
use std::path::PathBuf;
use std::sync::Arc;

pub use crate::input::MAX_BODY_BYTES;

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
    /// How much the public self-referral page accepts (per address, body size).
    pub self_referral_limits: crate::intake::self_referral::SelfReferralLimits,
    /// The team that receives self-referrals when no practice in the person's area names
    /// one; `None`: the first team made (docs/self-referral.md).
    pub self_referral_team: Option<String>,
    /// How old the equity report's in-memory facts may get before they are re-read
    /// (in the background); zero reads them for every report.
    pub equity_refresh: std::time::Duration,
    /// Delivering GP messages from the outbox (docs/gp-record.md).
    pub gp_delivery: crate::outbox::DeliverySettings,
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
            .field("self_referral_limits", &self.self_referral_limits)
            .field("self_referral_team", &self.self_referral_team)
            .field("equity_refresh", &self.equity_refresh)
            .field("gp_delivery", &self.gp_delivery)
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
            self_referral_limits: Default::default(),
            self_referral_team: None,
            equity_refresh: std::time::Duration::from_secs(60),
            gp_delivery: crate::outbox::DeliverySettings::default(),
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
    pub equity: Arc<FactsCache<crate::equity::Facts>>,
    /// The activity report's facts, refreshed on the same schedule as the equity report's.
    pub activity: Arc<FactsCache<crate::activity::ActivityFacts>>,
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
