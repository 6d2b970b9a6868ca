//! Booking an appointment from the person's page: a contact with the link worker or a
//! volunteer's visit, on a day typed as the NHS date pattern (day, month, year) at a London
//! time, with how long, how, where and what to bring.

use super::{finish, form_id};
use crate::diary::{london, AppointmentKind, NewAppointment};
use crate::error::AppError;
use crate::referrals::ContactMode;
use crate::state::AppState;
use crate::usecases::diary;
use crate::web::extract::{check_csrf, PageForm, PageUser};
use crate::web::views::Panel;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::{NaiveDate, NaiveTime};
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(in crate::web) struct AppointmentForm {
    #[serde(default)]
    csrf: String,
    /// Empty: the link worker booking it; else a volunteer's id (a visit).
    #[serde(default)]
    with_user_id: String,
    #[serde(default)]
    day: String,
    #[serde(default)]
    month: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    time: String,
    #[serde(default)]
    duration_minutes: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    what_to_bring: String,
}

pub(in crate::web) async fn book_appointment(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    PageForm {
        fields: form, kept, ..
    }: PageForm<AppointmentForm>,
) -> Response {
    let result = async {
        check_csrf(&user, &form.csrf)?;
        let id = form_id(&id)?;
        let (kind, with_user_id) = match form.with_user_id.trim() {
            "" => (AppointmentKind::Contact, None),
            v => (
                AppointmentKind::Visit,
                Some(v.parse().map_err(|_| {
                    AppError::invalid_field(
                        "with_user_id",
                        "Choose who they will meet",
                        "choose yourself or one of the team's volunteers",
                    )
                })?),
            ),
        };
        let date = parse_date(&form.day, &form.month, &form.year)?;
        let time = parse_time(&form.time)?;
        let duration_minutes = form.duration_minutes.trim().parse().map_err(|_| {
            AppError::invalid_field(
                "duration_minutes",
                "Enter how long it lasts",
                "enter how long it lasts in minutes, like 30",
            )
        })?;
        let mode = ContactMode::from_code(&form.mode).ok_or_else(|| {
            AppError::invalid_field(
                "mode",
                "Choose how you will meet",
                "choose in person, phone, video, home visit or text",
            )
        })?;
        let asked = NewAppointment {
            kind,
            starts_at: london::to_utc(date, time)?,
            duration_minutes,
            place: form.place.clone(),
            mode,
            with_user_id,
            what_to_bring: form.what_to_bring.clone(),
        }
        .checked(chrono::Utc::now())
        .map_err(|mut e| {
            if e.field == "place" && form.place.trim().is_empty() {
                e.title = "Enter where";
                e.detail = "enter where you will meet, or \"by phone\"".into();
            }
            e
        })?;
        diary::book(&state.store, &user, id, &asked).await?;
        Ok(id)
    }
    .await;
    finish(&state, &user, &id, Panel::Appointment, kept, result).await
}

/// The NHS date input's three boxes as a date.
fn parse_date(day: &str, month: &str, year: &str) -> Result<NaiveDate, AppError> {
    let number = |s: &str| s.trim().parse::<u32>().ok();
    let date = match (number(day), number(month), year.trim().parse::<i32>().ok()) {
        (Some(d), Some(m), Some(y)) if (2000..=2100).contains(&y) => {
            NaiveDate::from_ymd_opt(y, m, d)
        }
        _ => None,
    };
    date.ok_or_else(|| {
        AppError::invalid_field(
            "date",
            "Enter a real date",
            "enter the day, month and year, for example 27 3 2027",
        )
    })
}

/// A time as people type it: "14:30", "14.30", "9:05", "2:30pm" or "2pm".
fn parse_time(text: &str) -> Result<NaiveTime, AppError> {
    let t: String = text
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .replace('.', ":");
    let parsed = NaiveTime::parse_from_str(&t, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(&t, "%I:%M%P"))
        .or_else(|_| {
            NaiveTime::parse_from_str(&t.replace("pm", ":00pm").replace("am", ":00am"), "%I:%M%P")
        });
    parsed.map_err(|_| {
        AppError::invalid_field(
            "time",
            "Enter a real time",
            "enter the time on a 24-hour clock, for example 14:30",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_read_as_people_type_them() {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        assert_eq!(parse_time("14:30").unwrap(), t(14, 30));
        assert_eq!(parse_time(" 9.05 ").unwrap(), t(9, 5));
        assert_eq!(parse_time("2:30 pm").unwrap(), t(14, 30));
        assert_eq!(parse_time("2pm").unwrap(), t(14, 0));
        assert!(parse_time("25:00").is_err());
        assert!(parse_time("").is_err());
    }

    #[test]
    fn dates_need_all_three_boxes() {
        assert!(parse_date("31", "2", "2027").is_err());
        assert!(parse_date("", "2", "2027").is_err());
        assert_eq!(
            parse_date("1", "12", "2026").unwrap(),
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
        );
    }
}
