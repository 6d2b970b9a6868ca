//! System outcomes (docs/service-use.md): the team holding a referral records its GP
//! consultations and A&E attendances before and after (by hand, from the practice's CSV or
//! as FHIR); analysts and team leads read only the aggregate, disclosure-controlled report.

use crate::auth::policy::{Action, Forbidden};
use crate::auth::{CurrentUser, Role};
use crate::diary::london;
use crate::error::{AppError, AppResult};
use crate::import::RowError;
use crate::service_use::csv::ServiceUseRow;
use crate::service_use::report::{self, Request, ServiceUseReport};
use crate::service_use::{
    check_window_over, Counts, NewServiceUse, ServiceUse, ServiceUseCode, Source,
};
use crate::store::Store;
use chrono::NaiveDate;
use std::collections::HashMap;

/// Records one window's counts on a referral the user's team holds, once the window is
/// over; returns the referral's windows as now recorded.
pub async fn record(
    store: &Store,
    user: &CurrentUser,
    referral_id: i64,
    new: NewServiceUse,
) -> AppResult<Vec<ServiceUse>> {
    user.require(Action::WriteCasework)?;
    let (_, received) = store
        .service_use_referral(referral_id, user.case_scope())
        .await?;
    check_window_over(new.window, received, london::day_of(chrono::Utc::now()))?;
    store
        .record_service_use(
            &[(referral_id, new)],
            user.case_scope(),
            &user.audit_context(),
        )
        .await?;
    of_referral(store, user, referral_id).await
}

/// One count sent as a FHIR Observation (`code` names the measure and window), about
/// `subject` (a person id) if the sender named one: refused, with nothing written, when that
/// is not the referral's person. Recorded as `record` does; returns the window as now
/// recorded and the referral's person.
pub async fn record_observation(
    store: &Store,
    user: &CurrentUser,
    referral_id: i64,
    code: ServiceUseCode,
    value: i64,
    subject: Option<i64>,
) -> AppResult<(ServiceUse, i64)> {
    user.require(Action::WriteCasework)?;
    let (measure, window) = code.parts();
    let counts = Counts::of(measure, value)?;
    let (person, _) = store
        .service_use_referral(referral_id, user.case_scope())
        .await?;
    if subject.is_some_and(|s| s != person) {
        return Err(AppError::invalid_field(
            "subject",
            "Not the referral's person",
            "the subject is not the person the referral is for",
        ));
    }
    let new = NewServiceUse {
        window,
        counts,
        source: Source::Fhir,
    };
    let recorded = record(store, user, referral_id, new).await?;
    let this = recorded
        .into_iter()
        .find(|s| s.window == window)
        .ok_or(AppError::NotFound("referral"))?;
    Ok((this, person))
}

/// A referral's recorded windows (audited), for the team holding it.
pub async fn of_referral(
    store: &Store,
    user: &CurrentUser,
    referral_id: i64,
) -> AppResult<Vec<ServiceUse>> {
    user.require(Action::ReadCasework)?;
    Ok(store
        .service_use_of_referral(referral_id, user.case_scope(), &user.audit_context())
        .await?)
}

/// The practice's file, its rows already checked (`service_use::csv::parse`): each row is
/// matched to one referral in the user's scope by NHS number and the day it was received.
/// Any row that matches none, matches two, or gives a window not yet over, and nothing is
/// written: every problem by line and field. A row matching none is told so in the same
/// words whether or not the NHS number is on file elsewhere, so the import reveals nothing
/// beyond the user's own caseload. Returns how many rows were recorded.
pub async fn import(
    store: &Store,
    user: &CurrentUser,
    rows: &[ServiceUseRow],
) -> AppResult<Result<usize, Vec<RowError>>> {
    user.require(Action::WriteCasework)?;
    let mut by_key: HashMap<(String, NaiveDate), Vec<i64>> = HashMap::new();
    for (id, nhs, received_at) in store
        .service_use_import_candidates(user.case_scope())
        .await?
    {
        by_key
            .entry((nhs, london::day_of(received_at)))
            .or_default()
            .push(id);
    }
    let today = london::day_of(chrono::Utc::now());
    let mut errors = Vec::new();
    let mut entries = Vec::with_capacity(rows.len());
    for row in rows {
        let nhs = row.nhs_number.to_string().replace(' ', "");
        match by_key.get(&(nhs, row.received)).map(Vec::as_slice) {
            Some([id]) => {
                if let Err(e) = check_window_over(row.window, row.received, today) {
                    errors.push(RowError {
                        line: row.line,
                        field: "window",
                        message: e.detail,
                    });
                    continue;
                }
                entries.push((
                    *id,
                    NewServiceUse {
                        window: row.window,
                        counts: row.counts,
                        source: Source::PracticeImport,
                    },
                ));
            }
            Some(_) => errors.push(RowError {
                line: row.line,
                field: "referral_received",
                message: "more than one referral for this person was received that day; \
                          record this one on their page"
                    .into(),
            }),
            None => errors.push(RowError {
                line: row.line,
                field: "nhs_number",
                message: format!(
                    "no referral in your team's care for this NHS number was received on {}",
                    row.received
                ),
            }),
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    store
        .record_service_use(&entries, user.case_scope(), &user.audit_context())
        .await?;
    Ok(Ok(entries.len()))
}

/// The report for a published period: analysts see every team; a team lead their own.
pub async fn report(
    store: &Store,
    user: &CurrentUser,
    period: Option<&str>,
    programme: Option<i64>,
) -> AppResult<ServiceUseReport> {
    user.require(Action::ReadServiceUseReport)?;
    let (team_id, scope) = if user.role == Role::TeamLead {
        let team = user.team_id.ok_or_else(|| {
            Forbidden(
                "a team lead sees their own team's report, and this account has no team".into(),
            )
        })?;
        (Some(team), "your team".to_string())
    } else {
        (None, "all teams".to_string())
    };
    let today = london::day_of(chrono::Utc::now());
    let period = report::parse_quarter(period, today)
        .map_err(|e| AppError::invalid_field("period", "Period not published", e.to_string()))?;
    super::programmes::report_filter(store, programme).await?;
    let facts = store.load_service_use_facts().await?;
    Ok(report::compute(
        &facts,
        &Request {
            period,
            team_id,
            programme_id: programme,
            today,
        },
        scope,
        chrono::Utc::now(),
    ))
}

/// For the operator's command line: every team.
pub async fn report_from_database(
    store: &Store,
    period: Option<&str>,
    programme: Option<i64>,
    today: NaiveDate,
) -> anyhow::Result<ServiceUseReport> {
    let period = report::parse_quarter(period, today)?;
    super::programmes::report_filter(store, programme)
        .await
        .map_err(|e| anyhow::anyhow!(e.problem().detail))?;
    let facts = store.load_service_use_facts().await?;
    Ok(report::compute(
        &facts,
        &Request {
            period,
            team_id: None,
            programme_id: programme,
            today,
        },
        "all teams".into(),
        chrono::Utc::now(),
    ))
}

/// The user a practice's file is imported as: one whose team holds the referrals.
pub async fn importer(store: &Store, username: &str) -> anyhow::Result<CurrentUser> {
    let user = store
        .user_by_username(username)
        .await?
        .ok_or_else(|| anyhow::anyhow!("there is no user {username:?}"))?;
    anyhow::ensure!(
        user.may(Action::WriteCasework),
        "{username} ({}) does not hold referrals: import as a link worker or team lead",
        user.role.code()
    );
    Ok(user)
}
