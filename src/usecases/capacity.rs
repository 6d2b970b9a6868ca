//! The community capacity report ("what the community is missing", issue 17 item 2):
//! who may see it, and gathering what it is computed from. Matching runs on demand, in a
//! batch over the period's open referrals, on a blocking thread (docs/capacity-report.md
//! gives the timings that made recording match results unnecessary).

use crate::auth::policy::Action;
use crate::auth::CurrentUser;
use crate::capacity::{self, CapacityReport, Inputs, OpenReferral};
use crate::directory::cache::CatalogueCache;
use crate::directory::catalogue::Catalogue;
use crate::equity::{self, Period};
use crate::error::{AppError, AppResult};
use crate::geo::{Geography, Postcode};
use crate::programmes::Programme;
use crate::state::AppState;
use crate::store::Store;
use chrono::NaiveDate;
use std::path::Path;
use std::sync::Arc;

/// The report for an analyst, team lead or administrator. `period` is a published period
/// code (`2026-10`, `2026-Q3`, `2026/27`); none means the last complete quarter.
pub async fn report(
    state: &AppState,
    user: &CurrentUser,
    period: Option<&str>,
    programme: Option<i64>,
) -> AppResult<CapacityReport> {
    user.require(Action::ReadCapacityReport)?;
    let today = chrono::Utc::now().date_naive();
    let period = checked_period(period, today)?;
    let programme = super::programmes::report_filter(&state.store, programme).await?;
    let catalogue = state.directory.get(&state.store).await?;
    let geography = state.geography().await?;
    build(&state.store, catalogue, geography, period, programme, today).await
}

/// For `linkwell report capacity`: the command line acts for whoever may open the
/// database, so no policy applies.
pub async fn local_report(
    store: &Store,
    data_dir: &Path,
    period: Option<&str>,
    programme: Option<i64>,
) -> AppResult<CapacityReport> {
    let today = chrono::Utc::now().date_naive();
    let period = checked_period(period, today)?;
    let programme = super::programmes::report_filter(store, programme).await?;
    let catalogue = CatalogueCache::default().get(store).await?;
    let geography = Geography::shared(data_dir).map_err(AppError::Internal)?;
    build(store, catalogue, geography, period, programme, today).await
}

fn checked_period(period: Option<&str>, today: NaiveDate) -> AppResult<Period> {
    equity::parse_period_code(period, today)
        .map_err(|e| AppError::invalid_field(e.field(), "Period not published", e.to_string()))
}

async fn build(
    store: &Store,
    catalogue: Arc<Catalogue>,
    geography: Arc<Geography>,
    period: Period,
    programme: Option<Programme>,
    today: NaiveDate,
) -> AppResult<CapacityReport> {
    let id = programme.as_ref().map(|p| p.id);
    let records = store.capacity_referrals(period.from, period.to, id).await?;
    let connections = store
        .capacity_connections(period.from, period.to, id)
        .await?;
    tokio::task::spawn_blocking(move || {
        let started = std::time::Instant::now();
        let referrals: Vec<OpenReferral> = records
            .into_iter()
            .map(|r| OpenReferral {
                key: r.key,
                home: Postcode::parse(&r.postcode)
                    .ok()
                    .and_then(|p| geography.resolve(&p).ok())
                    .and_then(|l| l.latitude.zip(l.longitude)),
                needs: r.needs,
                barriers: r.barriers,
                date_of_birth: r.date_of_birth,
                imd_decile: r.imd_decile,
            })
            .collect();
        let mut report = capacity::compute(&Inputs {
            period,
            today,
            index: &catalogue.index,
            entries: &catalogue.entries,
            referrals: &referrals,
            connections: &connections,
        });
        tracing::debug!(
            referrals = referrals.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "capacity report computed"
        );
        report.programme = programme.map(|p| p.name);
        report
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))
}
