//! Referrals: making one (over the API, or on the referral form for a person not yet
//! registered), reading one back whole, and finding one in the user's scope.

use crate::audit::AuditAction;
use crate::auth::policy::Action;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::intake::Intake;
use crate::people::{MatchRefused, NewPerson};
use crate::referrals::{
    derive_state, Casework, Referral, ReferralDetail, ReferralEvent, ReferrerKind,
};
use crate::store::Store;

/// Makes a referral for a person the user may see (a referrer: one they registered).
/// `reason` is already checked text.
pub async fn create(
    store: &Store,
    user: &CurrentUser,
    person_id: i64,
    referrer_kind: ReferrerKind,
    reason: &str,
    programme: Option<i64>,
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
            programme,
        )
        .await?)
}

/// A referral with its history, read and audited; casework readers also get everything
/// recorded against it, referrers the status alone (no notes, no follow-up date).
pub async fn detail(store: &Store, user: &CurrentUser, id: i64) -> AppResult<ReferralDetail> {
    let mut referral = read_audited(store, user, id).await?;
    let history = store.referral_events(id).await?;
    // The stored state is a projection written in the same transaction as each event; the
    // events are the record, so the state shown is always the one they derive.
    let derived = derive_state(&history);
    if derived != referral.state {
        tracing::error!(
            referral = id,
            stored = referral.state.code(),
            derived = derived.code(),
            "referral state projection disagrees with its events"
        );
        referral.state = derived;
    }
    let casework = if user.may(Action::ReadCasework) {
        Some(Casework {
            contacts: store.contacts(id).await?,
            needs: store.needs(id).await?,
            goals: store.goals(id).await?,
            barriers: store.barriers(id).await?,
            measures: store.measures(id).await?,
            connections: store.connections(id).await?,
            visits: store.visits(id).await?,
        })
    } else {
        None
    };
    let history = if casework.is_some() {
        history
    } else {
        // Status only for referrers: what happened and when, not who wrote what.
        history
            .into_iter()
            .map(|e| ReferralEvent {
                note: None,
                link_worker_id: None,
                ..e
            })
            .collect()
    };
    if casework.is_none() {
        // The follow-up date is the team's plan, not the referral's status.
        referral.next_follow_up_on = None;
    }
    Ok(ReferralDetail {
        referral,
        history,
        casework,
    })
}

/// A referral in the user's scope (not audited: it names no more than its ids and state),
/// for a page to find the person it belongs to. Outside the scope it is not found.
pub async fn in_scope(store: &Store, user: &CurrentUser, id: i64) -> AppResult<Referral> {
    store
        .referral(id, user.case_scope())
        .await?
        .ok_or(AppError::NotFound("referral"))
}

/// A referral in the user's scope, its reading recorded in the audit log as a read of the
/// person's record (the one way a use case reads a referral it shows or acts on).
pub async fn read_audited(store: &Store, user: &CurrentUser, id: i64) -> AppResult<Referral> {
    let referral = in_scope(store, user, id).await?;
    store
        .audit_read(
            &user.audit_context(),
            AuditAction::Read,
            "referral",
            Some(id),
            Some(referral.person_id),
        )
        .await?;
    Ok(referral)
}

/// The practices a referral can name, as (code, name), for the referral form.
pub async fn practice_choices(
    store: &Store,
    user: &CurrentUser,
) -> AppResult<Vec<(String, String)>> {
    user.require(Action::CreateReferral)?;
    Ok(store.practice_choices().await?)
}

/// A practice by its code: its id and the team serving it; `None` if there is none.
pub async fn practice_by_code(
    store: &Store,
    user: &CurrentUser,
    code: &str,
) -> AppResult<Option<(i64, Option<i64>)>> {
    user.require(Action::CreateReferral)?;
    Ok(store.practice_by_code(code).await?)
}

/// The referrer's own referrals still open for the person typed in (issue 15, item 4: warn
/// before a duplicate), only among people they registered themselves. (referral id, received)
pub async fn my_open_referrals_for(
    store: &Store,
    user: &CurrentUser,
    person: &NewPerson,
) -> AppResult<Vec<(i64, chrono::DateTime<chrono::Utc>)>> {
    user.require(Action::CreateReferral)?;
    let digits = person.nhs_number.map(|n| n.to_string().replace(' ', ""));
    Ok(store
        .open_referrals_made_by(
            user.id,
            digits.as_deref(),
            &person.family_name,
            person.date_of_birth,
        )
        .await?)
}

/// Refers someone typed in on the referral form: matched to the person already registered
/// (by NHS number) or registered now, and the referral admitted with them in one
/// transaction. `Ok(Err(..))` is a refused identity match, worded for the person typing.
pub async fn refer_person(
    store: &Store,
    user: &CurrentUser,
    person: NewPerson,
    referrer_kind: ReferrerKind,
    reason: String,
    programme: Option<i64>,
) -> AppResult<Result<i64, MatchRefused>> {
    user.require(Action::CreateReferral)?;
    let ctx = user.audit_context();
    let subject = match super::intake::subject_for(store, &ctx, person).await? {
        Ok(subject) => subject,
        Err(refused) => return Ok(Err(refused)),
    };
    let intake = Intake {
        subject,
        referrer_kind,
        reason,
        received_at: chrono::Utc::now(),
        identifier: None,
        consent: None,
        programme,
    };
    let admitted = store
        .admit(&[intake], &ctx, user.team_id)
        .await
        .map_err(|(_, e)| AppError::from(e))?;
    Ok(Ok(admitted.first().map_or(0, |a| a.referral_id)))
}
