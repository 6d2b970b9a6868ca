//! Statistical disclosure control for everything the equity report shows or exports
//! (docs/equity-methods.md). Built to hold when an analyst requests many reports and
//! differences them:
//!
//! * Only fixed published periods can be asked for (`period`), so two reports never differ
//!   by a day or a week.
//! * Every count of referrals is perturbed by cell-key perturbation, as the ONS did for
//!   Census 2021: each referral has a fixed secret random record key, a cell's key is the
//!   sum of its records' keys, and the noise is a fixed function of the cell key (`noise`,
//!   the published perturbation table). The same referrals always get the same noise, in
//!   every report, so asking again or in another combination averages nothing away, and
//!   the noise has no hard bound an attacker could use to pin a count by differencing.
//! * Perturbed counts are rounded to the nearest 5; a true count of 0 to 7 is never shown
//!   (`*`), and nothing is computed from it.
//! * Every rate, share, percentage and interval is computed from the published counts, so
//!   inverting one gives back only what is already shown.

use super::tally::Count;
use serde::{Serialize, Serializer};

/// Counts from 0 up to this are never shown.
pub const LARGEST_HIDDEN: u64 = 7;

/// The smallest count shown (a perturbed count below it is shown as this).
const SMALLEST_SHOWN: i64 = 10;

/// A count as it may be shown: perturbed and rounded to the nearest 5, or hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Count(u64),
    Hidden,
}

/// SplitMix64's finaliser: spreads a cell key's bits, so the noise of cells whose keys
/// differ by little is unrelated.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The perturbation table: the noise added to a count whose cell key is `cell_key`.
/// Two-sided geometric with ratio 1/2: 0 with probability 1/3, ±k with probability
/// (1/3)(1/2)^k each (so ±1: 1/6, ±2: 1/12, ±3: 1/24, ...), standard deviation 2. Because a
/// cell key is a sum of uniformly random record keys, it is itself uniform, and the noise
/// follows that distribution; its tail reaches about ±53, so no published count bounds the
/// true one within a few units, as a bounded table would.
pub fn noise(cell_key: u64) -> i64 {
    let h = mix(cell_key);
    let u = (h >> 11) as f64 / (1u64 << 53) as f64;
    if u < 1.0 / 3.0 {
        return 0;
    }
    // P(|e| >= k) = (2/3)(1/2)^(k-1) for k >= 1.
    let tail = 1.0 - u;
    let magnitude = ((2.0 / 3.0) / tail).log2().floor() as i64 + 1;
    if h & 1 == 0 {
        magnitude
    } else {
        -magnitude
    }
}

impl Shown {
    /// A count of referrals as published: hidden when 0 to 7, else the count plus its
    /// cell's noise, at least 10, rounded to the nearest 5.
    pub fn of(count: Count) -> Shown {
        if count.n <= LARGEST_HIDDEN {
            return Shown::Hidden;
        }
        let perturbed = (count.n as i64 + noise(count.key)).max(SMALLEST_SHOWN);
        Shown::Count(round_to_five(perturbed as u64))
    }

    /// A count that is not about referrals (registered list sizes, which NHS England
    /// publishes by practice, age and sex): 1 to 7 hidden, others rounded to the nearest 5.
    pub fn rounded(n: u64) -> Shown {
        if is_small(n) {
            Shown::Hidden
        } else {
            Shown::Count(round_to_five(n))
        }
    }

    /// The published number, if any.
    pub fn value(self) -> Option<u64> {
        match self {
            Shown::Count(n) => Some(n),
            Shown::Hidden => None,
        }
    }

    pub fn text(self) -> String {
        match self {
            Shown::Count(n) => n.to_string(),
            Shown::Hidden => "*".to_string(),
        }
    }
}

fn round_to_five(n: u64) -> u64 {
    (n + 2) / 5 * 5
}

/// A count with its cell's noise, not rounded: what a directly standardised rate is
/// built from (its age-band counts are never shown themselves).
pub fn perturbed(count: Count) -> u64 {
    if count.n == 0 {
        0
    } else {
        (count.n as i64 + noise(count.key)).max(0) as u64
    }
}

/// The published value of a count of referrals, which every statistic is computed from.
pub fn published(count: Count) -> Option<u64> {
    Shown::of(count).value()
}

impl Serialize for Shown {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Shown::Count(n) => s.serialize_u64(*n),
            Shown::Hidden => s.serialize_str("*"),
        }
    }
}

// Written by hand: a count is an integer or the string "*".
impl utoipa::PartialSchema for Shown {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(0)),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(["*"])),
            )
            .description(Some(
                "A count perturbed and rounded to the nearest 5, or \"*\" when too small to show",
            ))
            .into()
    }
}

impl utoipa::ToSchema for Shown {}

/// 1 to 7: too few to show, or to build a statistic on.
pub fn is_small(n: u64) -> bool {
    (1..=LARGEST_HIDDEN).contains(&n)
}

/// A proportion k/n may be shown when neither part is small and there is a denominator
/// of at least 8 people. A numerator of 0 is shown: it identifies nobody.
pub fn may_show_proportion(k: u64, n: u64) -> bool {
    !is_small(k) && n > LARGEST_HIDDEN
}

/// A mean, median or rate built on `n` people may be shown.
pub fn may_show_statistic(n: u64) -> bool {
    n > LARGEST_HIDDEN
}

/// The rule, stated in the report.
pub const RULE: &str = "Reports cover fixed published periods only (calendar months, calendar quarters, and \
years of four quarters such as financial years; a quarter or a year for one practice). Every count of \
referrals is perturbed by cell-key perturbation (as the ONS used for Census 2021: a fixed secret key per \
referral, so the same referrals always get the same noise in every report) and rounded to the nearest 5; \
counts of 0 to 7 are shown as *. Every rate, share, percentage and interval is computed from the published \
counts, and none is shown when its numerator or denominator is hidden; means and medians need at least 8 \
people. Registered list sizes are rounded to the nearest 5 (1 to 7 shown as *). The report never lists or \
links to individual people.";

#[cfg(test)]
mod tests {
    use super::*;

    fn count(n: u64, key: u64) -> Count {
        Count { n, key }
    }

    #[test]
    fn small_counts_hide_and_others_are_perturbed_then_rounded_to_five() {
        for n in 0..=7 {
            assert_eq!(Shown::of(count(n, 12345)), Shown::Hidden, "{n}");
        }
        for key in 0..2000u64 {
            let shown = Shown::of(count(100, key)).value().unwrap();
            let expected = (100 + noise(key)).max(10) as u64;
            assert_eq!(shown, (expected + 2) / 5 * 5);
            assert!(shown.is_multiple_of(5) && shown >= 10);
        }
        assert_eq!(Shown::rounded(0), Shown::Count(0));
        assert_eq!(Shown::rounded(7), Shown::Hidden);
        assert_eq!(Shown::rounded(12), Shown::Count(10));
        assert_eq!(Shown::rounded(1_234_567), Shown::Count(1_234_565));
        assert_eq!(serde_json::to_string(&Shown::Hidden).unwrap(), "\"*\"");
    }

    /// The published table, checked by counting: over many uniformly random cell keys the
    /// noise is 0 a third of the time, ±1 a sixth each, ±2 a twelfth each, symmetric, with
    /// variance 2α/(1-α)² = 4 for α = 1/2; and the same key always gives the same noise.
    #[test]
    fn the_noise_follows_the_published_table() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let draws = 600_000;
        let mut counts = std::collections::BTreeMap::new();
        let (mut sum, mut squares) = (0i64, 0i64);
        for _ in 0..draws {
            let key: u64 = rng.gen();
            let e = noise(key);
            assert_eq!(e, noise(key));
            *counts.entry(e).or_insert(0u64) += 1;
            sum += e;
            squares += e * e;
        }
        let share = |e: i64| *counts.get(&e).unwrap_or(&0) as f64 / draws as f64;
        for (e, p) in [
            (0, 1.0 / 3.0),
            (1, 1.0 / 6.0),
            (-1, 1.0 / 6.0),
            (2, 1.0 / 12.0),
            (-3, 1.0 / 24.0),
        ] {
            assert!(
                (share(e) - p).abs() < 0.003,
                "P({e}) = {} not {p}",
                share(e)
            );
        }
        assert!((sum as f64 / draws as f64).abs() < 0.02);
        assert!((squares as f64 / draws as f64 - 4.0).abs() < 0.1);
        assert!(counts.keys().any(|e| e.abs() >= 12), "a long tail");
    }

    #[test]
    fn proportions_need_eight_people_and_no_small_numerator() {
        assert!(
            may_show_proportion(0, 8),
            "on published counts, 0 is never shown"
        );
        assert!(!may_show_proportion(0, 7));
        assert!(!may_show_proportion(3, 100));
        assert!(may_show_proportion(8, 100));
        assert!(!may_show_statistic(7));
        assert!(may_show_statistic(8));
    }
}
