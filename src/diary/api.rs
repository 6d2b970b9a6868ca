//! JSON endpoints for the diary: book, list and cancel a referral's appointments, and the
//! user's own day.

use super::{Appointment, AppointmentKind, DiaryEntry, NewAppointment};
use crate::api::{ApiJson, ApiQuery, Id, ReadProblems, WriteProblems};
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::referrals::ContactMode;
use crate::state::AppState;
use crate::usecases::diary;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppointmentInput {
    /// `contact` (with a link worker) or `visit` (by a volunteer).
    pub kind: AppointmentKind,
    /// The start, with its offset (for example `2026-12-01T10:30:00Z`, or
    /// `2026-07-01T10:30:00+01:00` in British Summer Time); from now to two years ahead.
    pub starts_at: DateTime<Utc>,
    #[schema(minimum = 5, maximum = 480)]
    pub duration_minutes: i32,
    /// Where: an address, a room, or "by phone".
    #[schema(min_length = 1, max_length = 200)]
    pub place: String,
    pub mode: ContactMode,
    /// Who the person will meet: for a contact a link worker or team lead of the team (the
    /// caller if omitted); for a visit one of the team's volunteers (required).
    pub with_user_id: Option<i64>,
    /// What to bring, for the letter.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub what_to_bring: String,
}

/// Books an appointment (a contact or a volunteer's visit) on an open referral.
#[utoipa::path(post, path = "/referrals/{id}/appointments", tag = "diary", params(("id" = i64, Path)),
    request_body = AppointmentInput,
    responses((status = 201, body = Appointment), WriteProblems))]
pub async fn book_appointment(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    ApiJson(input): ApiJson<AppointmentInput>,
) -> AppResult<(StatusCode, Json<Appointment>)> {
    let asked = NewAppointment {
        kind: input.kind,
        starts_at: input.starts_at,
        duration_minutes: input.duration_minutes,
        place: input.place,
        mode: input.mode,
        with_user_id: input.with_user_id,
        what_to_bring: input.what_to_bring,
    }
    .checked(Utc::now())?;
    let booked = diary::book(&state.store, &user, id, &asked).await?;
    Ok((StatusCode::CREATED, Json(booked)))
}

/// A referral's appointments, soonest first, cancelled ones included.
#[utoipa::path(get, path = "/referrals/{id}/appointments", tag = "diary", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Appointment>), ReadProblems))]
pub async fn list_appointments(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
) -> AppResult<Json<Vec<Appointment>>> {
    Ok(Json(diary::of_referral(&state.store, &user, id).await?))
}

/// Cancels an appointment; it stays listed, marked cancelled (and so in calendar feeds).
#[utoipa::path(post, path = "/appointments/{id}/cancellation", tag = "diary", params(("id" = i64, Path)),
    responses((status = 200, body = Appointment), WriteProblems))]
pub async fn cancel_appointment(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
) -> AppResult<Json<Appointment>> {
    Ok(Json(diary::cancel(&state.store, &user, id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DayQuery {
    /// The day (Europe/London); today if omitted.
    pub date: Option<NaiveDate>,
}

/// One appointment in a diary: the appointment and the person's initials.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiaryLine {
    #[serde(flatten)]
    pub appointment: Appointment,
    pub person_initials: String,
}

impl From<DiaryEntry> for DiaryLine {
    fn from(e: DiaryEntry) -> DiaryLine {
        DiaryLine {
            appointment: e.appointment,
            person_initials: e.person_initials,
        }
    }
}

/// The caller's appointments on one day (Europe/London), in time order: those they are at
/// and the volunteers' visits they booked.
#[utoipa::path(get, path = "/me/diary", tag = "diary", params(DayQuery),
    responses((status = 200, body = Vec<DiaryLine>), ReadProblems))]
pub async fn my_day(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<DayQuery>,
) -> AppResult<Json<Vec<DiaryLine>>> {
    let day = query
        .date
        .unwrap_or_else(|| super::london::day_of(Utc::now()));
    let entries = diary::day(&state.store, &user, day).await?;
    Ok(Json(entries.into_iter().map(DiaryLine::from).collect()))
}
