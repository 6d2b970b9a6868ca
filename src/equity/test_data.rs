//! Generated facts for the property tests (disclosure control and the attacker).

use super::facts::{age_on, Profile, ReferralFact, NEVER, NO_PRACTICE};
use crate::referrals::Barrier;
use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;

pub fn day(s: &str) -> i32 {
    s.parse::<NaiveDate>().unwrap().num_days_from_ce()
}

pub fn profile() -> impl Strategy<Value = Profile> {
    (
        prop_oneof![0u16..3, Just(NO_PRACTICE)],
        0u8..6,
        0u8..4,
        0u8..6,
        0u8..64,
        0u8..32,
        day("1930-01-01")..day("2020-01-01"),
    )
        .prop_map(
            |(practice, quintile, sex, ethnicity, plus, clinical, birth_day)| Profile {
                practice,
                quintile,
                sex,
                ethnicity,
                plus,
                clinical,
                birth_day,
            },
        )
}

fn change() -> impl Strategy<Value = f32> {
    prop_oneof![Just(f32::NAN), -10.0f32..10.0]
}

/// A referral received between `from` and `to` (day numbers).
pub fn referral_between(from: i32, to: i32) -> impl Strategy<Value = ReferralFact> {
    let stage_day = || prop_oneof![Just(NEVER), 0u16..200];
    (
        profile(),
        any::<u64>(),
        from..to,
        [
            stage_day(),
            stage_day(),
            stage_day(),
            stage_day(),
            stage_day(),
        ],
        proptest::option::of(0u16..300),
        0u32..(1 << Barrier::ALL.len()),
        [change(), change(), change(), change()],
    )
        .prop_map(
            |(who, key, received_day, stage_days, closed_days, barriers, change)| ReferralFact {
                who,
                key,
                age: age_on(who.birth_day, received_day),
                received_day,
                stage_days,
                closed_days,
                barriers,
                change,
                programme: 0,
            },
        )
}

pub fn referral() -> impl Strategy<Value = ReferralFact> {
    referral_between(day("2025-11-01"), day("2027-02-01"))
}
