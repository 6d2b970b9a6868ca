//! Self-referral: a person asks for social prescribing themselves, on a public page with no
//! sign-in (docs/self-referral.md). What they give, the reference they are given, and the
//! limits that keep the page from being abused. No HTTP and no SQL here.

use crate::input::UkPhone;
use crate::people::{coded_enum, NhsNumber, PrsbRecord};
use crate::referrals::Need;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// Letters and digits that cannot be mistaken for one another when read out on the phone
/// or written down: no 0/O, 1/I/L, 5/S, 2/Z, 8/B.
const REFERENCE_ALPHABET: &[u8] = b"ACDEFGHJKMNPQRTUVWXY34679";
/// 25^8 (about 1.5 x 10^11) references: guessing one that exists is hopeless, and they
/// follow no order.
pub const REFERENCE_LENGTH: usize = 8;

/// A new reference, drawn from the operating system's random source (through
/// `thread_rng`, a CSPRNG), never from a sequence.
pub fn new_reference() -> String {
    let mut rng = rand::thread_rng();
    (0..REFERENCE_LENGTH)
        .map(|_| REFERENCE_ALPHABET[rng.gen_range(0..REFERENCE_ALPHABET.len())] as char)
        .collect()
}

coded_enum! {
    /// When the person would like the link worker to phone.
    CallTime {
        Morning = "morning": "Morning (9am to 12 noon)",
        Afternoon = "afternoon": "Afternoon (12 noon to 5pm)",
        AnyTime = "any": "Any time",
    }
}

/// A self-referral as checked at the page: everything the person told us.
#[derive(Debug, Clone)]
pub struct SelfReferral {
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: NaiveDate,
    pub phone: UkPhone,
    pub call_time: CallTime,
    /// `None` for someone with no fixed address: they are still referred (a postcode is
    /// only used to find the team that covers the area).
    pub postcode: Option<String>,
    /// As typed and checked only for its check digit: never matched against anyone on file.
    pub stated_nhs_number: Option<NhsNumber>,
    pub needs: Vec<Need>,
    pub in_their_words: String,
    /// What the PRSB record asks beyond the above, as the person gave it: address lines and
    /// town, preferred name, language and interpreter, communication needs, how and when to
    /// contact them (the time to call is the contact times).
    pub record: PrsbRecord,
}

impl SelfReferral {
    /// The referral's reason: the reference they were given, what they ticked and wrote,
    /// when to call, and any NHS number they gave (marked unchecked), so the link worker
    /// sees it all in the referral where every other referral keeps its reason.
    pub fn reason(&self, reference: &str) -> String {
        let mut reason = format!("Self-referral, reference {reference}.");
        if !self.needs.is_empty() {
            let needs: Vec<&str> = self.needs.iter().map(|n| n.label()).collect();
            reason.push_str(&format!(" Would like help with: {}.", needs.join("; ")));
        }
        if !self.in_their_words.is_empty() {
            reason.push_str(&format!(" In their words: {}", self.in_their_words));
        }
        reason.push_str(&format!(" Best time to call: {}.", self.call_time.label()));
        if self.postcode.is_none() {
            reason.push_str(" No fixed address.");
        }
        if let Some(nhs) = self.stated_nhs_number {
            reason.push_str(&format!(
                " NHS number given (not checked against our records): {nhs}."
            ));
        }
        reason
    }
}

/// How much the public page accepts. Counted per network address before anything is
/// written, as sign-in attempts are (`auth::throttle`).
#[derive(Debug, Clone, Copy)]
pub struct SelfReferralLimits {
    /// Submissions accepted from one address in one window; then 429 until the window ends.
    pub per_address: i64,
    pub window_minutes: i64,
    /// The largest form body read, in bytes; a larger one is refused unread.
    pub max_body_bytes: usize,
}

impl Default for SelfReferralLimits {
    fn default() -> Self {
        SelfReferralLimits {
            per_address: 5,
            window_minutes: 60,
            max_body_bytes: 16 * 1024,
        }
    }
}

/// One address's submissions in its current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubmissionCounter {
    pub submissions: i64,
    pub window_start: DateTime<Utc>,
}

impl SelfReferralLimits {
    pub fn window(&self) -> Duration {
        Duration::minutes(self.window_minutes)
    }

    /// The counter with one more submission at `now` if it is allowed (a window that has
    /// ended starts afresh), or how long to wait if it is not. A refused one is not counted.
    pub fn count(
        &self,
        counter: Option<SubmissionCounter>,
        now: DateTime<Utc>,
    ) -> Result<SubmissionCounter, Duration> {
        match counter {
            Some(c) if now - c.window_start < self.window() => {
                if c.submissions >= self.per_address {
                    Err(c.window_start + self.window() - now)
                } else {
                    Ok(SubmissionCounter {
                        submissions: c.submissions + 1,
                        window_start: c.window_start,
                    })
                }
            }
            _ => Ok(SubmissionCounter {
                submissions: 1,
                window_start: now,
            }),
        }
    }
}

/// The counter key for a network address (the address itself is kept only here, for the
/// length of the window).
pub fn address_key(address: std::net::IpAddr) -> String {
    format!("self-referral:{address}")
}

/// What the person is told after a submission (a filled honeypot gets the same).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Received {
    pub reference: String,
    pub first_name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_use_only_the_unmistakable_alphabet_and_differ() {
        let a = new_reference();
        let b = new_reference();
        assert_eq!(a.len(), REFERENCE_LENGTH);
        assert!(a.bytes().all(|c| REFERENCE_ALPHABET.contains(&c)), "{a}");
        assert!(!a.contains(['0', 'O', '1', 'I', 'L', 'B', '8', 'S', '5']));
        assert_ne!(a, b);
    }

    #[test]
    fn the_sixth_submission_in_the_window_is_refused_and_a_new_window_starts_afresh() {
        let limits = SelfReferralLimits::default();
        let start: DateTime<Utc> = "2026-11-30T09:00:00Z".parse().unwrap();
        let mut counter = None;
        for minute in 0..5 {
            counter = Some(
                limits
                    .count(counter, start + Duration::minutes(minute))
                    .unwrap(),
            );
        }
        let wait = limits
            .count(counter, start + Duration::minutes(10))
            .unwrap_err();
        assert_eq!(wait, Duration::minutes(50));
        let fresh = limits
            .count(counter, start + Duration::minutes(60))
            .unwrap();
        assert_eq!(fresh.submissions, 1);
    }
}
