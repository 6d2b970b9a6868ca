//! A caseload: the referrals a user works on (their team's; a referrer's own, status
//! only), filtered and paged, with the day's counts that say where attention is needed.

use crate::auth::policy::Action;
use crate::auth::{CurrentUser, Role};
use crate::error::{AppError, AppResult};
use crate::referrals::{CaseloadFilter, CaseloadRow, DaySummary};
use crate::store::Store;
use chrono::NaiveDate;

/// The referrals in the user's scope that the filter picks (read and audited). Scope is
/// the limit: a role with no caseload gets an empty list.
pub async fn list(
    store: &Store,
    user: &CurrentUser,
    filter: &CaseloadFilter,
) -> AppResult<Vec<CaseloadRow>> {
    Ok(store
        .read_caseload(user.case_scope(), filter, &user.audit_context())
        .await?)
}

/// What the caseload page shows.
pub struct Overview {
    /// False for referrers: the referrals they made, status only.
    pub casework: bool,
    pub rows: Vec<CaseloadRow>,
    /// Where attention is needed today: a link worker's own, a team lead's whole team's.
    pub summary: Option<DaySummary>,
    /// Who the referral just made (`made`) is for, to confirm it; nothing if unreadable.
    pub made_for: Option<String>,
}

/// The caseload page's content. Casework readers see the caseload, referrers the referrals
/// they made; any other role is refused with words saying who case lists are for.
pub async fn overview(
    store: &Store,
    user: &CurrentUser,
    filter: &CaseloadFilter,
    made: Option<i64>,
    today: NaiveDate,
) -> AppResult<Overview> {
    let casework = user.may(Action::ReadCasework);
    if !casework && user.role != Role::Referrer {
        return Err(AppError::Forbidden(format!(
            "there is no caseload for the {} role; case lists are for link workers, team leads and referrers",
            user.role.label().to_lowercase()
        )));
    }
    let summary = match (casework, user.team_id) {
        (true, Some(team)) => {
            let worker = (user.role == Role::LinkWorker).then_some(user.id);
            Some(store.day_summary(team, worker, today).await?)
        }
        _ => None,
    };
    let rows = list(store, user, filter).await?;
    let made_for = match made {
        Some(id) => made_for(store, user, id).await,
        None => None,
    };
    Ok(Overview {
        casework,
        rows,
        summary,
        made_for,
    })
}

/// Who a referral is for, by name; nothing if it cannot be read.
async fn made_for(store: &Store, user: &CurrentUser, referral_id: i64) -> Option<String> {
    let referral = store
        .referral(referral_id, user.case_scope())
        .await
        .ok()
        .flatten()?;
    store
        .person(referral.person_id, user.case_scope())
        .await
        .ok()
        .flatten()
        .map(|p| p.full_name())
}
