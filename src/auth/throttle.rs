//! Sign-in throttling: how many attempts an account and a network address may have
//! checked, decided from counters the store keeps (and locks) in the database.
//!
//! An attempt is counted *before* its password is checked, and only checked when the count
//! allows it, so no burst of parallel guesses gets more than the limit checked. An account
//! gets a hard limit per window (a guessed account is the thing to protect); an address
//! only a growing delay, because a GP practice or a council office signs everyone in from
//! one address and a lock there would shut them all out. A success clears both counters:
//! only failures count.

use chrono::{DateTime, Duration, Utc};

/// The counter key for an account: the username as typed, trimmed and lower-cased, and
/// bounded in length whatever is typed into the box.
pub fn account_key(username: &str) -> String {
    let account: String = username.trim().to_lowercase().chars().take(100).collect();
    format!("account:{account}")
}

/// The counter key for a network address.
pub fn address_key(address: std::net::IpAddr) -> String {
    format!("address:{address}")
}

/// How many failures are allowed before sign-in is refused or slowed.
#[derive(Debug, Clone, Copy)]
pub struct SignInLimits {
    /// Failed attempts per account in one window; then the account is refused until the
    /// window ends (or an administrator unlocks it).
    pub per_account: i64,
    /// Failed attempts per address in one window before each further attempt must wait.
    pub per_address: i64,
    pub window_minutes: i64,
    /// The first wait once an address is past its allowance; each further failure doubles it.
    pub first_address_delay_seconds: i64,
    /// The longest an address is made to wait between attempts.
    pub max_address_delay_seconds: i64,
}

impl Default for SignInLimits {
    fn default() -> Self {
        SignInLimits {
            per_account: 5,
            per_address: 20,
            window_minutes: 15,
            first_address_delay_seconds: 1,
            max_address_delay_seconds: 300,
        }
    }
}

impl SignInLimits {
    fn window(&self) -> Duration {
        Duration::minutes(self.window_minutes)
    }

    /// The wait after an address's `failures`-th failure: none up to the allowance, then
    /// 1, 2, 4, 8 ... seconds (by default), up to the maximum.
    pub fn address_delay(&self, failures: i64) -> Duration {
        let beyond = failures - self.per_address;
        if beyond < 0 {
            return Duration::zero();
        }
        let seconds = 1i64
            .checked_shl(beyond.min(62) as u32)
            .unwrap_or(i64::MAX)
            .saturating_mul(self.first_address_delay_seconds)
            .min(self.max_address_delay_seconds);
        Duration::seconds(seconds)
    }

    /// Counters last touched before this may be forgotten: their window is over and any
    /// delay they imposed has run out.
    pub fn stale_before(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - self
            .window()
            .max(Duration::seconds(self.max_address_delay_seconds))
    }
}

/// One account's or address's failures in the current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    pub failures: i64,
    pub window_start: DateTime<Utc>,
    pub last_failure: DateTime<Utc>,
}

impl Counter {
    /// Failures still inside the window at `now` (none once the window is over).
    fn current(&self, now: DateTime<Utc>, limits: &SignInLimits) -> i64 {
        if now - self.window_start >= limits.window() {
            0
        } else {
            self.failures
        }
    }

    /// The counter with one more attempt counted at `now`, starting a new window if the
    /// old one is over.
    pub fn counted(
        counter: Option<&Counter>,
        now: DateTime<Utc>,
        limits: &SignInLimits,
    ) -> Counter {
        match counter {
            Some(c) if c.current(now, limits) > 0 => Counter {
                failures: c.failures + 1,
                window_start: c.window_start,
                last_failure: now,
            },
            _ => Counter {
                failures: 1,
                window_start: now,
                last_failure: now,
            },
        }
    }
}

/// Whether an attempt's password may be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Check it (the attempt has been counted as a failure until it succeeds).
    Check,
    /// The account has had its failures for this window; refused without checking.
    AccountLocked { retry_after: Duration },
    /// The address must wait a little longer before its next attempt.
    AddressDelayed { retry_after: Duration },
}

/// Decides an attempt from the account's and the address's counters as they stand.
pub fn decide(
    account: Option<&Counter>,
    address: Option<&Counter>,
    now: DateTime<Utc>,
    limits: &SignInLimits,
) -> Verdict {
    if let Some(account) = account {
        if account.current(now, limits) >= limits.per_account {
            return Verdict::AccountLocked {
                retry_after: account.window_start + limits.window() - now,
            };
        }
    }
    if let Some(address) = address {
        let failures = address.current(now, limits);
        let ready_at = address.last_failure + limits.address_delay(failures);
        if failures >= limits.per_address && now < ready_at {
            return Verdict::AddressDelayed {
                retry_after: ready_at - now,
            };
        }
    }
    Verdict::Check
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    fn counter(failures: i64, start: i64, last: i64) -> Counter {
        Counter {
            failures,
            window_start: at(start),
            last_failure: at(last),
        }
    }

    #[test]
    fn an_account_is_refused_after_its_limit_until_the_window_ends() {
        let limits = SignInLimits::default();
        let four = counter(4, 0, 10);
        assert_eq!(decide(Some(&four), None, at(20), &limits), Verdict::Check);
        let five = Counter::counted(Some(&four), at(20), &limits);
        assert_eq!(five.failures, 5);
        assert_eq!(
            decide(Some(&five), None, at(30), &limits),
            Verdict::AccountLocked {
                retry_after: Duration::seconds(15 * 60 - 30)
            }
        );
        // 15 minutes after the window began it starts again.
        assert_eq!(decide(Some(&five), None, at(900), &limits), Verdict::Check);
        assert_eq!(Counter::counted(Some(&five), at(900), &limits).failures, 1);
    }

    #[test]
    fn an_address_is_slowed_by_a_doubling_delay_never_locked() {
        let limits = SignInLimits::default();
        assert_eq!(limits.address_delay(19), Duration::zero());
        assert_eq!(limits.address_delay(20), Duration::seconds(1));
        assert_eq!(limits.address_delay(21), Duration::seconds(2));
        assert_eq!(limits.address_delay(24), Duration::seconds(16));
        assert_eq!(limits.address_delay(40), Duration::seconds(300));
        assert_eq!(limits.address_delay(i64::MAX), Duration::seconds(300));
        let busy = counter(22, 0, 100);
        assert_eq!(
            decide(None, Some(&busy), at(101), &limits),
            Verdict::AddressDelayed {
                retry_after: Duration::seconds(3)
            }
        );
        assert_eq!(decide(None, Some(&busy), at(104), &limits), Verdict::Check);
        let below = counter(19, 0, 100);
        assert_eq!(decide(None, Some(&below), at(100), &limits), Verdict::Check);
    }
}
