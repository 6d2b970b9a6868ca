//! The facts the activity report is computed from: each referral, contact and connection
//! reduced to small codes and the month it happened in, with a secret record key each for
//! cell-key perturbation (`equity::disclosure`). Nothing identifying: people appear only as
//! an index and a key, link workers as an index (names are kept apart, for team leads).

use crate::referrals::{Barrier, CloseReason, ContactMode, Need, ReferrerKind};
use chrono::{DateTime, Datelike, NaiveDate, Utc};

/// An index that points nowhere (no practice, no team, no worker).
pub const NONE: u16 = u16::MAX;

/// A day that has not come (a referral never reached, or not ended).
pub const NEVER: i32 = i32::MAX;

/// A calendar month as one number (year × 12 + month from 0), so a period of whole months
/// is a range of numbers.
pub fn month_number(day: NaiveDate) -> i32 {
    day.year() * 12 + day.month0() as i32
}

/// The first day of a month number.
pub fn month_start(month: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(month.div_euclid(12), month.rem_euclid(12) as u32 + 1, 1)
        .unwrap_or_default()
}

/// The month a day number (days from the common era) falls in.
pub fn month_of_day(day: i32) -> i32 {
    NaiveDate::from_num_days_from_ce_opt(day).map_or(0, month_number)
}

/// How a referral ended, if it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Open,
    Declined,
    UnableToContact,
    /// Closed, with the index of its reason in `CloseReason::ALL`.
    Closed(u8),
}

/// One referral: where it came from, what it was for, when it was first reached and how
/// it ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReferralFact {
    /// The referral's record key (`store::equity::record_key`), the same key the equity
    /// report uses, so a count of the same referrals gets the same noise in both.
    pub key: u64,
    /// Index into `ActivityFacts::person_keys`.
    pub person: u32,
    pub received_day: i32,
    pub received_month: i32,
    /// Index into `ReferrerKind::ALL`.
    pub kind: u8,
    /// Index into `ActivityFacts::practices` (the practice when the referral was received).
    pub practice: u16,
    /// Index into `ActivityFacts::teams`: the team holding the referral.
    pub team: u16,
    /// Index into `ActivityFacts::programmes`, or `NONE`.
    pub programme: u16,
    /// Bit i set when `Need::ALL[i]` was recorded.
    pub needs: u32,
    /// The day of the first contact that reached the person, or `NEVER`.
    pub first_reached_day: i32,
    pub first_reached_month: i32,
    pub ending: Ending,
    /// The day it ended (declined, unable to contact or closed), or `NEVER`.
    pub end_day: i32,
    pub end_month: i32,
    /// Bit i set when `Barrier::ALL[i]` was recorded against the referral itself (not a
    /// connection): the coded reasons a person declined.
    pub barriers: u32,
    /// A baseline and a follow-up of the same questionnaire are both recorded.
    pub outcome_pair: bool,
    /// The month the referral first became active (a plan agreed), or `NEVER`.
    pub active_month: i32,
    /// The month its first connection to a service was sent, or `NEVER`.
    pub first_connection_month: i32,
    /// Follow-up minus baseline for each `equity::facts::Outcome`, NaN when not paired
    /// (the equity report's rule: first baseline, last follow-up).
    pub change: [f32; 4],
    /// Where this referral's assignments start in `ActivityFacts::assignments`, and how many.
    pub assignments: (u32, u16),
}

/// A link worker taking a referral on, from a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assignment {
    pub day: i32,
    /// Index into `ActivityFacts::workers`.
    pub worker: u16,
}

/// One contact with a person (reached or an unsuccessful attempt).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContactFact {
    pub key: u64,
    /// Index into `ActivityFacts::referrals`.
    pub referral: u32,
    pub day: i32,
    pub month: i32,
    /// Index into `ContactMode::ALL`.
    pub mode: u8,
    pub reached: bool,
}

/// One connection to a community service, with what became of it (as recorded by now).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionFact {
    pub key: u64,
    /// Index into `ActivityFacts::referrals`.
    pub referral: u32,
    pub sent_month: i32,
    /// Index into `ActivityFacts::services`.
    pub service: u32,
    /// The service accepted it (accepted, in progress, attended or completed at some point).
    pub accepted: bool,
    /// The service declined it.
    pub declined: bool,
    /// The person attended a first session (or completed).
    pub attended: bool,
    /// Bit i set when `Barrier::ALL[i]` was recorded against this connection.
    pub barriers: u32,
}

/// A person reached on a referral of a team in a month: "people supported" counts each
/// person once however many contacts, so the pairs are kept distinct and sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Supported {
    pub person: u32,
    pub month: i32,
    pub team: u16,
    pub programme: u16,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub id: i64,
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Worker {
    pub id: i64,
    pub name: String,
    /// A label that names nobody, for analysts: a keyed hash of the account id.
    pub pseudonym: String,
    /// Index into `ActivityFacts::teams`, or `NONE`.
    pub team: u16,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRef {
    pub name: String,
    /// Index into `ActivityFacts::organisations`.
    pub organisation: u32,
}

/// Everything the report is computed from, as read at `loaded_at`.
#[derive(Debug, Clone)]
pub struct ActivityFacts {
    pub practices: Vec<Named>,
    pub teams: Vec<Named>,
    /// Programmes, in id order (`code` is the id).
    pub programmes: Vec<Named>,
    pub workers: Vec<Worker>,
    pub services: Vec<ServiceRef>,
    pub organisations: Vec<String>,
    /// Record key of each person (for "people supported").
    pub person_keys: Vec<u64>,
    /// In referral id order.
    pub referrals: Vec<ReferralFact>,
    pub assignments: Vec<Assignment>,
    pub contacts: Vec<ContactFact>,
    pub connections: Vec<ConnectionFact>,
    /// Distinct (person, month, team) with a reached contact, sorted.
    pub supported: Vec<Supported>,
    pub loaded_at: DateTime<Utc>,
}

impl ActivityFacts {
    /// The worker holding a referral on `day`: the last assignment on or before it.
    pub fn worker_on(&self, r: &ReferralFact, day: i32) -> u16 {
        let (start, len) = (r.assignments.0 as usize, usize::from(r.assignments.1));
        self.assignments[start..start + len]
            .iter()
            .rev()
            .find(|a| a.day <= day)
            .map_or(NONE, |a| a.worker)
    }

    pub fn programme_index(&self, programme_id: i64) -> Option<u16> {
        self.programmes
            .iter()
            .position(|p| p.id == programme_id)
            .map(|i| i as u16)
    }

    pub fn team_index(&self, team_id: i64) -> Option<u16> {
        self.teams
            .iter()
            .position(|t| t.id == team_id)
            .map(|i| i as u16)
    }
}

/// Index of a code in a coded enum's `ALL`, as the facts store it.
pub fn code_index<T: Copy + PartialEq>(all: &[T], value: Option<T>) -> Option<u8> {
    value.and_then(|v| all.iter().position(|a| *a == v).map(|i| i as u8))
}

pub fn referrer_kind_index(code: &str) -> u8 {
    code_index(ReferrerKind::ALL, ReferrerKind::from_code(code)).unwrap_or(0)
}

pub fn need_bit(code: &str) -> Option<u8> {
    code_index(Need::ALL, Need::from_code(code))
}

pub fn barrier_bit(code: &str) -> Option<u8> {
    code_index(Barrier::ALL, Barrier::from_code(code))
}

pub fn contact_mode_index(code: &str) -> Option<u8> {
    code_index(ContactMode::ALL, ContactMode::from_code(code))
}

pub fn close_reason_index(code: &str) -> Option<u8> {
    code_index(CloseReason::ALL, CloseReason::from_code(code))
}

const _: () = assert!(Need::ALL.len() < 32 && Barrier::ALL.len() < 32);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_numbers_round_trip() {
        let day: NaiveDate = "2026-10-31".parse().unwrap();
        let m = month_number(day);
        assert_eq!(month_start(m), "2026-10-01".parse::<NaiveDate>().unwrap());
        assert_eq!(
            month_start(m + 3),
            "2027-01-01".parse::<NaiveDate>().unwrap()
        );
        assert_eq!(month_of_day(day.num_days_from_ce()), m);
    }
}
