//! The diary: booking and cancelling appointments on a referral, a link worker's day, the
//! appointment letter, and each user's private calendar feed (a secret link that needs no
//! sign-in, so a calendar program can fetch it; revocable and replaceable from the account
//! page, stored as its SHA-256 like every other secret).

use super::referrals::read_audited;
use crate::auth::policy::Action;
use crate::auth::{self, CurrentUser};
use crate::diary::letter::{letter as write_letter, Letter};
use crate::diary::{ics, london, Appointment, DiaryEntry, NewAppointment};
use crate::error::{AppError, AppResult};
use crate::public_url::PublicUrl;
use crate::store::Store;
use chrono::{DateTime, Duration, NaiveDate, Utc};

/// How far back and ahead the calendar feed reaches: recent weeks (so a cancellation still
/// reaches a calendar that saw the booking) and the year ahead.
const FEED_DAYS_BACK: i64 = 31;
const FEED_DAYS_AHEAD: i64 = 366;

/// Books an appointment on a referral in the user's scope.
pub async fn book(
    store: &Store,
    user: &CurrentUser,
    referral_id: i64,
    appointment: &NewAppointment,
) -> AppResult<Appointment> {
    user.require(Action::WriteCasework)?;
    Ok(store
        .book_appointment(
            referral_id,
            user.case_scope(),
            appointment,
            &user.audit_context(),
        )
        .await?)
}

/// Cancels an appointment (once); it stays on file, marked cancelled.
pub async fn cancel(store: &Store, user: &CurrentUser, id: i64) -> AppResult<Appointment> {
    user.require(Action::WriteCasework)?;
    Ok(store
        .cancel_appointment(id, user.case_scope(), &user.audit_context())
        .await?)
}

/// A referral's appointments, soonest first (reading the referral is audited).
pub async fn of_referral(
    store: &Store,
    user: &CurrentUser,
    referral_id: i64,
) -> AppResult<Vec<Appointment>> {
    user.require(Action::ReadCasework)?;
    read_audited(store, user, referral_id).await?;
    Ok(store.appointments_of_referral(referral_id).await?)
}

/// The user's appointments on one London day, in time order (each read audited).
pub async fn day(store: &Store, user: &CurrentUser, day: NaiveDate) -> AppResult<Vec<DiaryEntry>> {
    user.require(Action::ReadCasework)?;
    let (from, to) = london::day_bounds(day);
    Ok(store
        .diary(user.id, from, to, &user.audit_context())
        .await?)
}

/// The letter for one appointment in scope (an audited read).
pub async fn letter(store: &Store, user: &CurrentUser, id: i64) -> AppResult<Letter> {
    user.require(Action::ReadCasework)?;
    let facts = store
        .appointment_letter_facts(id, user.case_scope(), &user.audit_context())
        .await?;
    Ok(write_letter(
        &facts.appointment,
        &facts.person_name,
        &facts.team_name,
        facts.team_phone.as_deref(),
    ))
}

/// The calendar feed a secret opens, or not found: an unknown or revoked secret, a disabled
/// account, or one whose role no longer reads casework. Each appointment in it is an audited
/// read by the feed's holder.
pub async fn feed(
    store: &Store,
    base: &PublicUrl,
    secret: &str,
    request_id: &str,
    now: DateTime<Utc>,
) -> AppResult<String> {
    let Some(mut holder) = store
        .user_by_calendar_feed(&auth::hash_secret(secret))
        .await?
    else {
        return Err(AppError::NotFound("calendar"));
    };
    if !holder.may(Action::ReadCasework) {
        return Err(AppError::NotFound("calendar"));
    }
    holder.request_id = request_id.to_string();
    let entries = store
        .diary(
            holder.id,
            now - Duration::days(FEED_DAYS_BACK),
            now + Duration::days(FEED_DAYS_AHEAD),
            &holder.audit_context(),
        )
        .await?;
    Ok(ics::feed(&entries, base, now))
}

/// Makes the user a new calendar feed secret, ending any earlier one; returns the secret,
/// shown once (only its hash is kept).
pub async fn issue_feed(store: &Store, user: &CurrentUser) -> AppResult<String> {
    user.require(Action::ReadCasework)?;
    let (secret, hash) = auth::new_secret("");
    store
        .set_calendar_feed(&hash, &user.audit_context())
        .await?;
    Ok(secret)
}

/// Ends the user's calendar feed link; false if they had none.
pub async fn revoke_feed(store: &Store, user: &CurrentUser) -> AppResult<bool> {
    user.require(Action::ReadCasework)?;
    Ok(store.revoke_calendar_feed(&user.audit_context()).await?)
}

/// When the user's current calendar link was made, if they have one.
pub async fn feed_made(store: &Store, user: &CurrentUser) -> AppResult<Option<DateTime<Utc>>> {
    user.require(Action::ReadCasework)?;
    Ok(store.calendar_feed_made(user.id).await?)
}

/// The path a calendar program fetches the feed of `secret` at.
pub fn feed_path(secret: &str) -> String {
    format!("/calendar/{secret}.ics")
}
