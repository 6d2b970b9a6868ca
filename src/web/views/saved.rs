//! A save confirmed (issue 15, item 9): the NHS design system's notification banner, success
//! variant, shown on the page a form comes back to. Post/redirect/get carries what was saved
//! as `?saved=<code>`, so reloading the page or coming back to it later shows no banner
//! unless the address says so, and nothing about the save is kept on the server.

/// What a success banner says.
pub struct Saved {
    pub heading: String,
    pub text: String,
}

impl Saved {
    fn new(heading: &str, text: &str) -> Saved {
        Saved {
            heading: heading.to_string(),
            text: text.to_string(),
        }
    }

    /// The banner for a save, by the code its form's redirect carries (none for an unknown
    /// code: the address is typed by hand, and says nothing else).
    pub fn of_code(code: &str) -> Option<Saved> {
        Some(match code {
            "contact" => Saved::new("Contact recorded", "It is in the referral's history below."),
            "need" => Saved::new("Need recorded", ""),
            "goal" => Saved::new("Goal recorded", "It is on their plan."),
            "progress" => Saved::new("Progress recorded", ""),
            "measure" => Saved::new(
                "Questionnaire saved",
                "The scores are in the referral's well-being section.",
            ),
            "state" => Saved::new("Referral updated", "Its new state is shown below."),
            "closed" => Saved::new(
                "Referral closed",
                "Nothing more can be recorded on it. The GP practice is told if it takes Linkwell's messages.",
            ),
            "entered_in_error" => Saved::new(
                "Referral closed as entered in error",
                "The GP practice is not told, and it is left out of every report.",
            ),
            "declined" => Saved::new(
                "Referral recorded as declined",
                "The GP practice is told if it takes Linkwell's messages.",
            ),
            "unable_to_contact" => Saved::new(
                "Referral recorded as unable to contact",
                "The GP practice is told if it takes Linkwell's messages.",
            ),
            "visit" => Saved::new(
                "Visit arranged",
                "The volunteer sees it on their list of visits.",
            ),
            "connection" => Saved::new(
                "Consent recorded and connection sent",
                "The organisation sees it in their inbox, with only what the person agreed to share.",
            ),
            "consent" => Saved::new("Consent confirmed", ""),
            "appointment" => Saved::new("Appointment booked", "It is in the diary below."),
            "concern" => Saved::new("Concern recorded", "The team sees it at once."),
            "service_use" => Saved::new(
                "GP and A&E use recorded",
                "It is shown with the referral below.",
            ),
            "assigned" => Saved::new("Referral assigned", ""),
            "visit_done" => Saved::new(
                "Visit recorded as happened",
                "The link worker sees it.",
            ),
            "listing" => Saved::new(
                "Listing saved",
                "Link workers see the change straight away.",
            ),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Saved;

    #[test]
    fn only_known_saves_have_a_banner() {
        assert_eq!(
            Saved::of_code("contact").unwrap().heading,
            "Contact recorded"
        );
        assert!(Saved::of_code("<script>").is_none());
    }
}
