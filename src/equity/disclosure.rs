//! Statistical disclosure control for everything the equity report shows or exports
//! (DESIGN.md 3): counts of 1 to 7 are hidden, other counts are rounded to the nearest 5,
//! and no rate, proportion, mean or median is shown when it rests on 1 to 7 people.

use serde::{Serialize, Serializer};

/// Counts from 1 up to this are never shown.
pub const LARGEST_HIDDEN: u64 = 7;

/// A count as it may be shown: rounded to the nearest 5, or hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Count(u64),
    Hidden,
}

impl Shown {
    pub fn of(n: u64) -> Shown {
        if is_small(n) {
            Shown::Hidden
        } else {
            Shown::Count((n + 2) / 5 * 5)
        }
    }

    pub fn text(self) -> String {
        match self {
            Shown::Count(n) => n.to_string(),
            Shown::Hidden => "*".to_string(),
        }
    }
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
                "A count rounded to the nearest 5, or \"*\" for 1 to 7",
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
pub const RULE: &str = "Counts of 1 to 7 are shown as *, all other counts are rounded to the nearest 5, \
and no rate, proportion, mean or median is shown when it is built on 1 to 7 people (numerator or \
denominator). Statistics are computed from the exact counts and shown to 1 decimal place (percentages, \
rates) or 2 (means, ratios), so the exact counts cannot be worked back. The report never lists or links \
to individual people.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_counts_hide_and_others_round_to_five() {
        assert_eq!(Shown::of(0), Shown::Count(0));
        for n in 1..=7 {
            assert_eq!(Shown::of(n), Shown::Hidden, "{n}");
        }
        assert_eq!(Shown::of(8), Shown::Count(10));
        assert_eq!(Shown::of(12), Shown::Count(10));
        assert_eq!(Shown::of(13), Shown::Count(15));
        assert_eq!(Shown::of(1_234_567), Shown::Count(1_234_565));
        assert_eq!(serde_json::to_string(&Shown::Hidden).unwrap(), "\"*\"");
    }

    #[test]
    fn proportions_need_eight_people_and_no_small_numerator() {
        assert!(may_show_proportion(0, 8));
        assert!(!may_show_proportion(0, 7));
        assert!(!may_show_proportion(3, 100));
        assert!(may_show_proportion(8, 100));
        assert!(!may_show_statistic(7));
        assert!(may_show_statistic(8));
    }
}
