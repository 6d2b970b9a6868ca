//! A save confirmed (issue 15, item 9): the NHS design system's notification banner, success
//! variant, shown on the page a form comes back to. Post/redirect/get carries what was saved
//! as `?saved=<code>`, so reloading the page or coming back to it later shows no banner
//! unless the address says so, and nothing about the save is kept on the server.

/// What a success banner says.
pub struct Notice {
    pub heading: String,
    pub text: String,
}

impl Notice {
    fn new(heading: &str, text: &str) -> Notice {
        Notice {
            heading: heading.to_string(),
            text: text.to_string(),
        }
    }

    /// The banner for a save, by the code its form's redirect carries (none for an unknown
    /// code: the address is typed by hand, and says nothing else).
    pub fn saved(code: &str) -> Option<Notice> {
        Some(match code {
            "contact" => Notice::new("Contact recorded", "It is in the referral's history below."),
            "need" => Notice::new("Need recorded", ""),
            "goal" => Notice::new("Goal recorded", "It is on their plan."),
            "progress" => Notice::new("Progress recorded", ""),
            "measure" => Notice::new(
                "Questionnaire saved",
                "The scores are in the referral's well-being section.",
            ),
            "state" => Notice::new("Referral updated", "Its new state is shown below."),
            "closed" => Notice::new(
                "Referral closed",
                "Nothing more can be recorded on it. The GP practice is told if it takes Linkwell's messages.",
            ),
            "entered_in_error" => Notice::new(
                "Referral closed as entered in error",
                "The GP practice is not told, and it is left out of every report.",
            ),
            "declined" => Notice::new(
                "Referral recorded as declined",
                "The GP practice is told if it takes Linkwell's messages.",
            ),
            "unable_to_contact" => Notice::new(
                "Referral recorded as unable to contact",
                "The GP practice is told if it takes Linkwell's messages.",
            ),
            "visit" => Notice::new(
                "Visit arranged",
                "The volunteer sees it on their list of visits.",
            ),
            "connection" => Notice::new(
                "Consent recorded and connection sent",
                "The organisation sees it in their inbox, with only what the person agreed to share.",
            ),
            "consent" => Notice::new("Consent confirmed", ""),
            "assigned" => Notice::new("Referral assigned", ""),
            "visit_done" => Notice::new(
                "Visit recorded as happened",
                "The link worker sees it.",
            ),
            "listing" => Notice::new(
                "Listing saved",
                "Link workers see the change straight away.",
            ),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Notice;

    #[test]
    fn only_known_saves_have_a_banner() {
        assert_eq!(
            Notice::saved("contact").unwrap().heading,
            "Contact recorded"
        );
        assert!(Notice::saved("<script>").is_none());
    }
}
