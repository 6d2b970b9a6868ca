//! Which referral a person's printed plan is made from (issue 15, item 3). The newest
//! referral is not always the one that matters: a duplicate declined a minute after the
//! first would print a blank plan while the open referral holds the goals and connections.

use super::Referral;

/// The referral to print, or the open ones to choose between.
#[derive(Debug, PartialEq)]
pub enum PlanChoice {
    Print(i64),
    Choose(Vec<i64>),
    /// The person has no referral.
    Nothing,
}

/// The one chosen (if it is one of theirs); else their only open referral; else, with
/// several open, a choice; with none open, the newest (its plan is still worth reprinting).
/// `referrals` are newest first, as the store lists them.
pub fn plan_referral(referrals: &[Referral], chosen: Option<i64>) -> PlanChoice {
    if let Some(id) = chosen {
        return match referrals.iter().any(|r| r.id == id) {
            true => PlanChoice::Print(id),
            false => PlanChoice::Nothing,
        };
    }
    let open: Vec<i64> = referrals
        .iter()
        .filter(|r| r.state.is_open())
        .map(|r| r.id)
        .collect();
    match (open.as_slice(), referrals.first()) {
        ([one], _) => PlanChoice::Print(*one),
        ([], Some(newest)) => PlanChoice::Print(newest.id),
        ([], None) => PlanChoice::Nothing,
        _ => PlanChoice::Choose(open),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::referrals::{ReferralState, ReferrerKind};

    fn referral(id: i64, state: ReferralState) -> Referral {
        Referral {
            id,
            person_id: 1,
            state,
            version: 1,
            referrer_kind: ReferrerKind::Gp,
            referred_by: 1,
            reason: String::new(),
            link_worker_id: None,
            close_reason: None,
            received_at: chrono::Utc::now(),
            next_follow_up_on: None,
            snomed_code: None,
            programme_id: None,
        }
    }

    #[test]
    fn the_open_referral_is_printed_not_a_newer_declined_duplicate() {
        use ReferralState::*;
        // Newest first: 2 is the declined duplicate, 1 the open referral.
        let both = [referral(2, Declined), referral(1, Active)];
        assert_eq!(plan_referral(&both, None), PlanChoice::Print(1));
    }

    #[test]
    fn several_open_are_a_choice_and_a_choice_must_be_theirs() {
        use ReferralState::*;
        let three = [
            referral(3, Received),
            referral(2, Closed),
            referral(1, Active),
        ];
        assert_eq!(plan_referral(&three, None), PlanChoice::Choose(vec![3, 1]));
        assert_eq!(plan_referral(&three, Some(2)), PlanChoice::Print(2));
        assert_eq!(plan_referral(&three, Some(9)), PlanChoice::Nothing);
    }

    #[test]
    fn with_none_open_the_newest_is_printed() {
        use ReferralState::*;
        let ended = [referral(2, Closed), referral(1, Declined)];
        assert_eq!(plan_referral(&ended, None), PlanChoice::Print(2));
        assert_eq!(plan_referral(&[], None), PlanChoice::Nothing);
    }
}
