//! The Core20PLUS5 equity report: aggregate figures only, every count through disclosure
//! control. The server computes it from the facts it keeps in memory
//! ([`AppState::equity`](crate::state::AppState)); the command line reads them afresh.

use crate::auth::policy::Action;
use crate::auth::CurrentUser;
use crate::equity::facts::PracticeRef;
use crate::equity::{self, EquityReport, Facts, PeriodKind};
use crate::error::{AppError, AppResult};
use crate::programmes::Programme;
use crate::state::AppState;
use crate::store::Store;
use chrono::NaiveDate;

/// What a report is asked for: every part optional (the defaults are in
/// [`equity::parse_request`]).
#[derive(Debug, Clone, Default)]
pub struct ReportAsked {
    /// First day of the period.
    pub from: Option<NaiveDate>,
    /// Last day of the period.
    pub to: Option<NaiveDate>,
    /// One practice, by its code.
    pub practice: Option<String>,
    /// Count stages and outcomes by this day.
    pub as_of: Option<NaiveDate>,
    /// One programme, by id.
    pub programme: Option<i64>,
}

/// The report for an analyst or team lead, from the facts held in memory. A period or
/// practice that cannot be published is a field error naming the part at fault.
pub async fn report(
    state: &AppState,
    user: &CurrentUser,
    asked: &ReportAsked,
) -> AppResult<EquityReport> {
    user.require(Action::ReadEquityReport)?;
    let programme = super::programmes::report_filter(&state.store, asked.programme).await?;
    let facts = state.equity.get(&state.store).await?;
    compute(&facts, asked, programme.as_ref())
}

/// The practices a report may be limited to, for the report page's filter.
pub async fn practices(state: &AppState, user: &CurrentUser) -> AppResult<Vec<PracticeRef>> {
    user.require(Action::ReadEquityReport)?;
    Ok(state.equity.get(&state.store).await?.practices.clone())
}

/// The report for `linkwell report equity`, from facts read now. The command line acts
/// for whoever may open the database, so no policy applies.
pub async fn local_report(store: &Store, asked: &ReportAsked) -> AppResult<EquityReport> {
    let programme = super::programmes::report_filter(store, asked.programme).await?;
    let facts = store.load_equity_facts().await?;
    compute(&facts, asked, programme.as_ref())
}

fn compute(
    facts: &Facts,
    asked: &ReportAsked,
    programme: Option<&Programme>,
) -> AppResult<EquityReport> {
    let today = chrono::Utc::now().date_naive();
    let request = equity::parse_request(
        facts,
        asked.from,
        asked.to,
        asked.practice.as_deref(),
        asked.as_of,
        today,
    )
    .map_err(|e| AppError::invalid_field(e.field(), "Invalid report request", e.to_string()))?;
    // A programme is a subset like a practice: the same rule on short periods applies.
    if programme.is_some() && equity::published_kind(&request.period) == Some(PeriodKind::Month) {
        return Err(AppError::invalid_field(
            "programme",
            "Invalid report request",
            "a report for one programme covers a calendar quarter or a year of four calendar quarters, not a single month",
        ));
    }
    let programme = programme.map(|p| (u32::try_from(p.id).unwrap_or(u32::MAX), p.name.as_str()));
    Ok(equity::compute_for(
        facts,
        &request.period,
        request.practice,
        programme,
        request.as_of,
    ))
}
