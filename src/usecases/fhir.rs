//! What FHIR clients do beyond reading and admitting referrals (`records`, `intake`): a
//! completed questionnaire, a connection moved through its Task, and what the message back
//! to the GP is made from. The FHIR shapes are built at the edge (`fhir/`).

use crate::audit::AuditAction;
use crate::auth::policy::Action;
use crate::auth::CurrentUser;
use crate::consent::Consent;
use crate::error::{AppError, AppResult};
use crate::measures::Instrument;
use crate::people::Person;
use crate::referrals::{Connection, ConnectionStatus, Measure, MeasureTiming, NewMeasure};
use crate::store::Store;
use chrono::NaiveDate;

/// Records a completed questionnaire on a referral, scored as the form is: the first of its
/// instrument on the referral is the baseline, any later one a follow-up. The measure, and
/// whose record it is in.
pub async fn record_questionnaire_response(
    store: &Store,
    user: &CurrentUser,
    referral_id: i64,
    instrument: Instrument,
    taken_on: Option<NaiveDate>,
    answers: &[Option<i64>],
) -> AppResult<(Measure, i64)> {
    user.require(Action::WriteCasework)?;
    let ctx = user.audit_context();
    let referral = store
        .referral(referral_id, user.case_scope())
        .await?
        .ok_or(AppError::NotFound("referral"))?;
    // The earlier measures decide the timing: that reads the referral.
    store
        .audit_read(
            &ctx,
            AuditAction::Read,
            "referral",
            Some(referral_id),
            Some(referral.person_id),
        )
        .await?;
    let earlier = user.may(Action::ReadCasework)
        && store
            .measures(referral_id)
            .await?
            .iter()
            .any(|m| m.instrument == instrument);
    let timing = if earlier {
        MeasureTiming::FollowUp
    } else {
        MeasureTiming::Baseline
    };
    let today = chrono::Utc::now().date_naive();
    let measure = NewMeasure::parse(instrument, answers, timing, taken_on, today)?;
    let measure = store
        .add_measure(referral_id, user.case_scope(), &measure, &ctx)
        .await?;
    Ok((measure, referral.person_id))
}

/// Moves a connection to `status` (by the referral's team; community organisations answer
/// through `consent::api::answer`). `note` is checked text. The connection, and whose
/// record it is in.
pub async fn move_connection(
    store: &Store,
    user: &CurrentUser,
    connection_id: i64,
    status: ConnectionStatus,
    note: &str,
) -> AppResult<(Connection, i64)> {
    user.require(Action::WriteCasework)?;
    let connection = store
        .set_connection_status(
            connection_id,
            user.case_scope(),
            status,
            note,
            &user.audit_context(),
        )
        .await?;
    let person = store.person_of_referral(connection.referral_id).await?;
    Ok((connection, person))
}

/// Who the message back to the GP is about and where it goes: the person, their practice
/// (ODS code and name) and their consents (which decide what free text may go).
pub struct GpRecipient {
    pub person: Person,
    pub practice: (String, String),
    pub consents: Vec<Consent>,
}

/// The recipient of the message for a referral the user may read the casework of.
pub async fn gp_recipient(
    store: &Store,
    user: &CurrentUser,
    referral_id: i64,
) -> AppResult<GpRecipient> {
    user.require(Action::ReadCasework)?;
    let referral = store
        .referral(referral_id, user.case_scope())
        .await?
        .ok_or(AppError::NotFound("referral"))?;
    let person_id = referral.person_id;
    let person = store
        .person(person_id, user.case_scope())
        .await?
        .ok_or(AppError::NotFound("Patient"))?;
    let practice = store.practice_of_person(person_id).await?.ok_or_else(|| {
        AppError::validation(
            "No GP practice",
            "the person has no GP practice recorded, so the message has nowhere to go",
        )
    })?;
    let consents = store
        .consents_in_scope(user.case_scope(), Some(person_id), None)
        .await?;
    Ok(GpRecipient {
        person,
        practice,
        consents,
    })
}
