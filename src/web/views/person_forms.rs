//! What the casework forms on a person's page need: which form was refused and where its
//! error links to, and each questionnaire's form.

use crate::measures::Instrument;

/// Which form on a person's page was sent, so a refusal can reopen it and link to the field.
#[derive(Debug, Clone, Copy)]
pub enum Panel {
    Contact,
    Need,
    Goal,
    Measure(Instrument),
    State,
    Visit,
    Appointment,
    Concern,
    ServiceUse,
    Progress(i64),
    /// Sent from the matches or a service's page: the referral's section is the place.
    Connect,
    /// "Assign to me" and "Give to", in the referral's section.
    Assign,
}

impl Panel {
    /// Names the `<details>` panel, as `PersonPage::opens` compares it.
    pub fn key(self, referral: i64) -> String {
        match self {
            Panel::Contact => format!("contact-{referral}"),
            Panel::Need => format!("need-{referral}"),
            Panel::Goal => format!("goal-{referral}"),
            Panel::Measure(i) => format!("measure-{}-{referral}", i.code()),
            Panel::State => format!("state-{referral}"),
            Panel::Visit => format!("visit-{referral}"),
            Panel::Appointment => format!("appointment-{referral}"),
            Panel::Concern => format!("concern-{referral}"),
            Panel::ServiceUse => format!("service-use-{referral}"),
            Panel::Progress(goal) => format!("progress-{goal}"),
            Panel::Connect | Panel::Assign => format!("referral-{referral}"),
        }
    }

    /// What the success banner after this form says was saved (`Saved::of_code`).
    pub fn saved_code(self) -> &'static str {
        match self {
            Panel::Contact => "contact",
            Panel::Need => "need",
            Panel::Goal => "goal",
            Panel::Measure(_) => "measure",
            Panel::State => "state",
            Panel::Visit => "visit",
            Panel::Progress(_) => "progress",
            Panel::Connect => "connection",
            Panel::Assign => "assignment",
            Panel::Appointment => "appointment",
            Panel::Concern => "concern",
            Panel::ServiceUse => "service_use",
        }
    }

    /// The id of the element the error summary links to: the field named, else the form's
    /// first field.
    pub fn anchor(self, referral: i64, field: Option<&str>) -> String {
        let r = referral;
        match (self, field.unwrap_or("")) {
            (Panel::Contact, "duration_minutes") => format!("duration-{r}"),
            (Panel::Contact, "what_matters") => format!("what-{r}"),
            (Panel::Contact, "notes") => format!("notes-{r}"),
            (Panel::Contact, "follow_up_on") => format!("follow-{r}"),
            (Panel::Contact, _) => format!("mode-{r}"),
            (Panel::Need, "notes") => format!("need-notes-{r}"),
            (Panel::Need, _) => format!("need-{r}"),
            (Panel::Goal, "need") => format!("goal-need-{r}"),
            (Panel::Goal, _) => format!("goal-{r}"),
            (Panel::Measure(i), "timing") => format!("timing-{r}-{}", i.code()),
            (Panel::Measure(i), "incomplete") => format!("incomplete-{r}-{}", i.code()),
            (Panel::Measure(i), _) => format!("item-{r}-{}-1", i.code()),
            (Panel::State, "reason") => format!("reason-{r}"),
            (Panel::State, "note") => format!("note-{r}"),
            (Panel::State, _) => format!("to-{r}"),
            (Panel::Visit, "volunteer_id") => format!("volunteer-{r}"),
            (Panel::Visit, "visit_on") => format!("visit-on-{r}"),
            (Panel::Visit, "visit_time") => format!("visit-time-{r}"),
            (Panel::Visit, "meeting_place") => format!("meeting-place-{r}"),
            (Panel::Visit, _) => format!("activity-{r}"),
            (Panel::Appointment, "with_user_id" | "volunteer_id" | "link_worker_id") => {
                format!("appt-with-{r}")
            }
            (Panel::Appointment, "time") => format!("appt-time-{r}"),
            (Panel::Appointment, "duration_minutes") => format!("appt-length-{r}"),
            (Panel::Appointment, "mode") => format!("appt-mode-{r}"),
            (Panel::Appointment, "place") => format!("appt-place-{r}"),
            (Panel::Appointment, "what_to_bring") => format!("appt-bring-{r}"),
            (Panel::Appointment, _) => format!("appt-day-{r}"),
            (Panel::Concern, "description") => format!("concern-description-{r}"),
            (Panel::Concern, "action_taken") => format!("concern-action-{r}"),
            (Panel::Concern, "referred_to_lead_on") => format!("concern-referred-{r}"),
            (Panel::Concern, _) => format!("concern-kind-{r}"),
            (Panel::ServiceUse, "gp_consultations") => format!("su-gp-{r}"),
            (Panel::ServiceUse, "ae_attendances") => format!("su-ae-{r}"),
            (Panel::ServiceUse, _) => format!("su-before-{r}"),
            (Panel::Progress(g), "note") => format!("progress-note-{g}"),
            (Panel::Progress(g), _) => format!("progress-{g}"),
            (Panel::Connect, _) => format!("referral-{r}"),
            (Panel::Assign, _) => format!("give-{r}"),
        }
    }
}

pub struct FormError {
    pub title: String,
    pub detail: String,
    /// The panel to open again.
    pub panel: String,
    /// The field the summary links to.
    pub anchor: String,
    /// What was typed into the refused form, to show again.
    pub kept: Vec<(String, String)>,
}

pub struct InstrumentForm {
    /// The form's panel name (without the referral), for `PersonPage::opens`.
    pub panel: String,
    pub code: String,
    pub label: String,
    pub items: Vec<(usize, String)>,
    /// Each answer's value and what the option says: the published words where the scale
    /// names the answer ("3 - Some of the time"), else the number.
    pub options: Vec<(u8, String)>,
    /// The published introduction (time frame and scale).
    pub preamble: String,
}

impl InstrumentForm {
    pub fn new(i: Instrument) -> InstrumentForm {
        let (min, max) = i.item_range();
        InstrumentForm {
            panel: format!("measure-{}", i.code()),
            code: i.code().into(),
            label: i.label().into(),
            items: i
                .items()
                .iter()
                .enumerate()
                .map(|(n, text)| (n + 1, text.to_string()))
                .collect(),
            options: (min..=max)
                .map(|v| match i.response_label(v) {
                    Some(words) => (v, format!("{v} \u{2013} {words}")),
                    None => (v, v.to_string()),
                })
                .collect(),
            preamble: i.preamble().into(),
        }
    }
}
