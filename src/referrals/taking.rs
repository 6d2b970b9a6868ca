//! How the referral follows the work (issue 15): what recording a contact does to the
//! referral itself, and which next state the work suggests. The rules are here, in words
//! the lifecycle doc repeats (docs/domain.md, "When the state follows the work").

use super::{Contact, ReferralState};

/// The note on the events a contact writes by itself, so the history says why they happened.
pub const TAKEN_AT_FIRST_CONTACT: &str = "on recording a contact with the referral unassigned";
pub const MOVED_AT_FIRST_CONTACT: &str = "on recording the first contact";

/// The state a contact moves a referral to by itself, if any: a `received` referral becomes
/// `contacting` once anyone tries to reach the person, reached or not. Nothing else moves by
/// itself: `active` means the person agreed (it records SNOMED CT 871731000000106 and tells
/// the GP), which only the link worker can say; `unable_to_contact` and the endings are
/// decisions too.
pub fn moved_by_contact(current: ReferralState) -> Option<ReferralState> {
    (current == ReferralState::Received).then_some(ReferralState::Contacting)
}

/// The state the work suggests next, offered as one button on the referral: once a contact
/// has reached the person, a referral still `received` or `contacting` is offered `active`
/// ("they agreed to work with us").
pub fn suggested_next(current: ReferralState, reached_anyone: bool) -> Option<ReferralState> {
    match current {
        ReferralState::Received | ReferralState::Contacting if reached_anyone => {
            Some(ReferralState::Active)
        }
        _ => None,
    }
}

/// What recording a contact did: the contact, and what it changed on the referral.
#[derive(Debug, Clone)]
pub struct ContactRecorded {
    pub contact: Contact,
    /// The referral had no link worker and is now the recorder's.
    pub taken: bool,
    /// The state the referral moved to by itself (`moved_by_contact`).
    pub moved_to: Option<ReferralState>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReferralState::*;

    #[test]
    fn only_a_received_referral_moves_and_only_to_contacting() {
        assert_eq!(moved_by_contact(Received), Some(Contacting));
        for s in [Contacting, Active, Closed, Declined, UnableToContact] {
            assert_eq!(moved_by_contact(s), None, "{s:?}");
        }
        // The automatic move is always one the lifecycle allows.
        assert!(Received.next_states().contains(&Contacting));
    }

    #[test]
    fn active_is_offered_once_someone_was_reached() {
        assert_eq!(suggested_next(Contacting, true), Some(Active));
        assert_eq!(suggested_next(Received, true), Some(Active));
        assert_eq!(suggested_next(Contacting, false), None);
        assert_eq!(suggested_next(Active, true), None);
        assert_eq!(suggested_next(Closed, true), None);
    }
}
