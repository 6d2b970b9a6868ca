//! Referrals: making one, and (moving here from `referrals/api.rs`) reading and changing it.

use crate::auth::policy::Action;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::referrals::{Referral, ReferrerKind};
use crate::store::Store;

/// Makes a referral for a person the user may see (a referrer: one they registered).
/// `reason` is already checked text.
pub async fn create(
    store: &Store,
    user: &CurrentUser,
    person_id: i64,
    referrer_kind: ReferrerKind,
    reason: &str,
) -> AppResult<Referral> {
    user.require(Action::CreateReferral)?;
    if store.person(person_id, user.case_scope()).await?.is_none() {
        return Err(AppError::invalid_field(
            "person_id",
            "Unknown person",
            "there is no person with this id",
        ));
    }
    Ok(store
        .create_referral(
            person_id,
            referrer_kind,
            reason,
            &user.audit_context(),
            user.team_id,
        )
        .await?)
}
