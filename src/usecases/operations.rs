//! Running the service: health and pool figures for `/healthz` and `/metrics`.

use crate::auth::policy::Action;
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::state::AppState;

/// Whether the database answers (anyone may ask: load balancers do).
pub async fn database_reachable(state: &AppState) -> anyhow::Result<()> {
    state.store.ping().await
}

/// The metrics text for an administrator's scraper, with the GP outbox as it is now.
pub async fn metrics(state: &AppState, user: &CurrentUser) -> AppResult<String> {
    user.require(Action::ReadMetrics)?;
    state
        .metrics
        .set_gp_outbox(&state.store.gp_outbox_counts().await?);
    Ok(state.metrics.render(&state.store.pool_use()))
}
