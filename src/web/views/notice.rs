//! What a save did beyond itself, said once on the page it returns to (issue 15): a
//! referral taken on at first contact, moved to "contacting", given or handed over. Carried
//! as a fixed code in the address (`?notice=`), so no free text from a request reaches a page.

/// A confirmation shown above the page after a save.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// A contact was saved and the referral, unassigned, became the recorder's.
    ContactTaken,
    /// A contact was saved and the referral moved from received to contacting.
    ContactMoved,
    /// Both of the above.
    ContactTakenMoved,
    /// The user took the referral on with "Assign to me".
    Assigned,
}

impl Notice {
    /// The notice for what recording a contact changed on the referral, if anything.
    pub fn of_contact(taken: bool, moved: bool) -> Option<Notice> {
        match (taken, moved) {
            (true, true) => Some(Notice::ContactTakenMoved),
            (true, false) => Some(Notice::ContactTaken),
            (false, true) => Some(Notice::ContactMoved),
            (false, false) => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Notice::ContactTaken => "contact-taken",
            Notice::ContactMoved => "contact-moved",
            Notice::ContactTakenMoved => "contact-taken-moved",
            Notice::Assigned => "assigned",
        }
    }

    pub fn from_code(code: &str) -> Option<Notice> {
        [
            Notice::ContactTaken,
            Notice::ContactMoved,
            Notice::ContactTakenMoved,
            Notice::Assigned,
        ]
        .into_iter()
        .find(|n| n.code() == code)
    }

    /// The banner's heading.
    pub fn title(self) -> &'static str {
        match self {
            Notice::Assigned => "Referral assigned to you",
            _ => "Contact saved",
        }
    }

    /// What happened, in words a link worker acts on.
    pub fn text(self) -> &'static str {
        match self {
            Notice::ContactTaken => "Nobody held this referral, so it is now assigned to you: it shows under \"Only my referrals\" and in your day.",
            Notice::ContactMoved => "The referral moved from Received to Contacting. If they agreed to work with you, mark it active below.",
            Notice::ContactTakenMoved => "Nobody held this referral, so it is now assigned to you (it shows under \"Only my referrals\" and in your day), and it moved from Received to Contacting. If they agreed to work with you, mark it active below.",
            Notice::Assigned => "It shows under \"Only my referrals\" and in your day.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Notice;

    #[test]
    fn every_notice_reads_back_from_its_code() {
        for n in [
            Notice::ContactTaken,
            Notice::ContactMoved,
            Notice::ContactTakenMoved,
            Notice::Assigned,
        ] {
            assert_eq!(Notice::from_code(n.code()), Some(n));
        }
        assert_eq!(Notice::from_code("<script>"), None);
        assert_eq!(Notice::of_contact(false, false), None);
    }
}
