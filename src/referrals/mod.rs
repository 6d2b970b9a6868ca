//! The social prescribing referral: lifecycle, needs, goals, contacts, barriers and
//! connections (docs/domain.md). Pure domain rules; no HTTP and no SQL here.

pub mod api;
mod detail;
mod input;
mod lists;
mod plan_choice;
mod search;
mod taking;

pub use detail::{Casework, ReferralDetail};
pub use input::{
    checked_decline_reason, CaseloadFilter, ConnectionStatusInput, NewContact, NewMeasure,
    NewTransition, UNANSWERED_AFTER_DAYS,
};
pub use lists::{CaseloadRow, DaySummary, VisitToMake, Waiting, WorkerLoad};
pub use plan_choice::{plan_referral, PlanChoice};
pub use search::{CaseloadSearch, SearchProblem};
pub use taking::{
    moved_by_contact, suggested_next, ContactRecorded, MOVED_AT_FIRST_CONTACT,
    TAKEN_AT_FIRST_CONTACT,
};

use crate::people::coded_enum;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// SNOMED CT: referral to social prescribing service. Recorded when the person accepts the
/// referral (the move to `active`), not on receipt: NHS guidance (docs/gp-record.md).
pub const SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING: &str = "871731000000106";
/// SNOMED CT: social prescribing declined. Recorded when the person declines.
pub const SNOMED_SOCIAL_PRESCRIBING_DECLINED: &str = "871711000000103";

/// The SNOMED CT code a move to `to` records: the referral code when the person accepts, the
/// declined code when they decline, nothing otherwise (receipt included).
pub fn snomed_code_of_transition(to: ReferralState) -> Option<&'static str> {
    match to {
        ReferralState::Active => Some(SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING),
        ReferralState::Declined => Some(SNOMED_SOCIAL_PRESCRIBING_DECLINED),
        _ => None,
    }
}

coded_enum! {
    /// Where a referral is in its lifecycle. Derived from the referral's events.
    ReferralState {
        Received = "received": "Received",
        Contacting = "contacting": "Contacting",
        Active = "active": "Active",
        Closed = "closed": "Closed",
        Declined = "declined": "Declined",
        UnableToContact = "unable_to_contact": "Unable to contact",
    }
}

impl ReferralState {
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ReferralState::Received | ReferralState::Contacting | ReferralState::Active
        )
    }

    /// The states a link worker is offered: the next ones, and "closed" from any open state
    /// (before `active` only for a referral entered in error, which `check_transition` holds).
    pub fn offered_states(self) -> Vec<ReferralState> {
        let mut offered = self.next_states().to_vec();
        if self.is_open() && !offered.contains(&ReferralState::Closed) {
            offered.push(ReferralState::Closed);
        }
        offered
    }

    /// The states a referral may move to next.
    pub fn next_states(self) -> &'static [ReferralState] {
        use ReferralState::*;
        match self {
            Received => &[Contacting, Active, Declined],
            Contacting => &[Active, Declined, UnableToContact],
            Active => &[Closed, Declined],
            Closed | Declined | UnableToContact => &[],
        }
    }
}

coded_enum! {
    /// Why a referral was closed. `EnteredInError` is not an ending of care: the referral
    /// should not have been made (the same person referred twice, the wrong person). Never a
    /// decline: no GP message, no SNOMED code, and left out of the activity, equity, capacity
    /// and evaluation figures (docs/domain.md).
    CloseReason {
        GoalsMet = "goals_met": "Goals met",
        GoalsPartlyMet = "goals_partly_met": "Goals partly met",
        Disengaged = "disengaged": "Disengaged",
        MovedAway = "moved_away": "Moved away",
        Transferred = "transferred": "Transferred to another service",
        Died = "died": "Died",
        EnteredInError = "entered_in_error": "Entered in error or duplicate",
    }
}

coded_enum! {
    /// Who made the referral: the services that meet people (issue 16). The code
    /// `other_professional` of earlier versions is stored as `other` (migration 0027).
    ReferrerKind {
        Gp = "gp": "GP",
        PracticeStaff = "practice_staff": "Practice staff",
        OtherPrimaryCare = "other_primary_care": "Other primary care (pharmacy, dentist, optician)",
        Hospital = "hospital": "Hospital or A&E",
        MentalHealth = "mental_health": "Mental health service",
        AdultSocialCare = "adult_social_care": "Adult social care",
        Housing = "housing": "Housing",
        JobcentreDwp = "jobcentre_dwp": "Jobcentre or DWP",
        PoliceOrFire = "police_fire": "Police or fire service",
        Vcse = "vcse": "Voluntary or community organisation (VCSE)",
        Education = "education": "School, college or university",
        FamilyOrCarer = "family_carer": "Family member or carer",
        SelfReferral = "self": "Self-referral",
        Other = "other": "Other",
    }
}

coded_enum! {
    /// What the person wants help with (UK wording of the SDOH categories).
    Need {
        Loneliness = "loneliness": "Loneliness and social connection",
        MentalWellbeing = "mental_wellbeing": "Mental well-being",
        LongTermCondition = "long_term_condition": "Long-term condition self-management",
        PhysicalActivity = "physical_activity": "Physical activity",
        Money = "money": "Money, debt and benefits",
        Housing = "housing": "Housing",
        Food = "food": "Food",
        Employment = "employment": "Employment, training and volunteering",
        CarerSupport = "carer_support": "Carer support",
        DigitalInclusion = "digital_inclusion": "Digital inclusion",
        Transport = "transport": "Transport",
        LegalAdvice = "legal_advice": "Legal and immigration advice",
        SubstanceUse = "substance_use": "Substance use",
        Bereavement = "bereavement": "Bereavement",
        DomesticAbuse = "domestic_abuse": "Domestic abuse (safeguarding route)",
    }
}

impl Need {
    /// The Gravity Project SDOH category (SDOH Clinical Care IG) where one fits.
    pub fn gravity_category(self) -> Option<&'static str> {
        use Need::*;
        Some(match self {
            Loneliness => "social-connection",
            MentalWellbeing => "stress",
            Money => "financial-insecurity",
            Housing => "housing-instability",
            Food => "food-insecurity",
            Employment => "employment-status",
            DigitalInclusion => "digital-access",
            Transport => "transportation-insecurity",
            DomesticAbuse => "intimate-partner-violence",
            LongTermCondition => "personal-health-literacy",
            PhysicalActivity | CarerSupport | LegalAdvice | SubstanceUse | Bereavement => {
                return None
            }
        })
    }
}

coded_enum! {
    /// Why a step did not happen, from the evidence on why social prescribing fails to reach people.
    Barrier {
        Stigma = "stigma": "Stigma",
        NotAccepted = "not_accepted": "Not accepted by the group",
        CostOfTakingPart = "cost": "Cost of taking part",
        ServiceFull = "service_full": "Service full or waiting list",
        ServiceClosed = "service_closed": "Service closed or unfunded",
        NoDevice = "no_device": "No digital device",
        NoConnection = "no_connection": "No internet connection",
        NoDigitalSkills = "no_digital_skills": "No digital skills",
        Transport = "transport": "Transport",
        PhysicalAccess = "physical_access": "Step access or mobility",
        Sensory = "sensory": "Sensory impairment",
        LearningDisability = "learning_disability": "Learning disability",
        Unaware = "unaware": "Unaware of social prescribing or the service",
        Language = "language": "Interpreter needed",
        CaringOrWork = "caring_or_work": "Caring or work commitments",
        Confidence = "confidence": "Confidence and anxiety",
        Emergency = "emergency": "Emergency disruption",
    }
}

coded_enum! {
    /// How a contact happened.
    ContactMode {
        InPerson = "in_person": "In person",
        Phone = "phone": "Phone",
        Video = "video": "Video",
        HomeVisit = "home_visit": "Home visit",
        Text = "text": "Text message",
    }
}

coded_enum! {
    /// Status of a connection to a community service: the FHIR Task statuses of the SDOH
    /// Clinical Care IG plus "attended first session".
    ConnectionStatus {
        Requested = "requested": "Requested",
        Accepted = "accepted": "Accepted",
        Rejected = "rejected": "Declined by service",
        InProgress = "in-progress": "In progress",
        AttendedFirstSession = "attended_first_session": "Attended first session",
        Completed = "completed": "Completed",
        Cancelled = "cancelled": "Cancelled",
        Failed = "failed": "Did not take place",
    }
}

coded_enum! {
    /// Why a service declined a connection, coded so reports can count declines for lack of
    /// capacity (issue 17, community capacity). Local codes, not SNOMED: no SNOMED concept
    /// says "the service had no places".
    DeclineReason {
        NoCapacity = "no_capacity": "No places: the service is full",
        NotEligible = "not_eligible": "Not eligible for the service",
        NotSuitable = "not_suitable": "The service does not suit the person's needs",
        Other = "other": "Another reason",
    }
}

impl ConnectionStatus {
    pub fn next_statuses(self) -> &'static [ConnectionStatus] {
        use ConnectionStatus::*;
        match self {
            Requested => &[Accepted, Rejected, Cancelled],
            Accepted => &[InProgress, AttendedFirstSession, Cancelled, Failed],
            InProgress => &[AttendedFirstSession, Completed, Cancelled, Failed],
            AttendedFirstSession => &[InProgress, Completed, Cancelled, Failed],
            Rejected | Completed | Cancelled | Failed => &[],
        }
    }

    pub fn is_open(self) -> bool {
        !self.next_statuses().is_empty()
    }
}

coded_enum! {
    /// When in the episode a measure was taken.
    MeasureTiming {
        Baseline = "baseline": "Baseline",
        FollowUp = "follow_up": "Follow-up",
    }
}

/// Lifecycle settings a programme may change.
#[derive(Debug, Clone, Copy)]
pub struct LifecycleSettings {
    /// Unsuccessful contact attempts needed before "unable to contact" may be recorded.
    pub attempts_before_unable_to_contact: u32,
}

impl Default for LifecycleSettings {
    fn default() -> Self {
        LifecycleSettings {
            attempts_before_unable_to_contact: 3,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("a referral that is {from} cannot become {to}; from {from} it can become: {allowed}")]
    NotAllowed {
        from: ReferralState,
        to: ReferralState,
        allowed: String,
    },
    #[error("closing a referral needs a reason (goals met, partly met, disengaged, moved away, transferred or died)")]
    MissingReason,
    #[error("only a closed referral has a closing reason")]
    UnexpectedReason,
    #[error(
        "unable to contact needs {needed} unsuccessful contact attempts first; {made} recorded"
    )]
    TooFewAttempts { needed: u32, made: u32 },
}

/// Checks one referral transition against the lifecycle rules.
pub fn check_transition(
    from: ReferralState,
    to: ReferralState,
    reason: Option<CloseReason>,
    unsuccessful_attempts: u32,
    settings: &LifecycleSettings,
) -> Result<(), TransitionError> {
    // A referral entered in error (a duplicate) may be closed from any open state.
    let in_error = to == ReferralState::Closed
        && reason == Some(CloseReason::EnteredInError)
        && from.is_open();
    if !in_error && !from.next_states().contains(&to) {
        let allowed = from
            .next_states()
            .iter()
            .map(|s| s.code())
            .collect::<Vec<_>>();
        return Err(TransitionError::NotAllowed {
            from,
            to,
            allowed: if allowed.is_empty() {
                "nothing (it has ended)".into()
            } else {
                allowed.join(", ")
            },
        });
    }
    match (to, reason) {
        (ReferralState::Closed, None) => return Err(TransitionError::MissingReason),
        (ReferralState::Closed, Some(_)) => {}
        (_, Some(_)) => return Err(TransitionError::UnexpectedReason),
        (_, None) => {}
    }
    if to == ReferralState::UnableToContact
        && unsuccessful_attempts < settings.attempts_before_unable_to_contact
    {
        return Err(TransitionError::TooFewAttempts {
            needed: settings.attempts_before_unable_to_contact,
            made: unsuccessful_attempts,
        });
    }
    Ok(())
}

/// Checks one connection status change.
pub fn check_connection_status(from: ConnectionStatus, to: ConnectionStatus) -> Result<(), String> {
    if from.next_statuses().contains(&to) {
        Ok(())
    } else {
        let allowed: Vec<_> = from.next_statuses().iter().map(|s| s.code()).collect();
        Err(format!(
            "a connection that is {from} cannot become {to}; allowed next: {}",
            if allowed.is_empty() {
                "nothing (it has ended)".into()
            } else {
                allowed.join(", ")
            }
        ))
    }
}

coded_enum! {
    /// The kinds of event in a referral's history.
    EventKind {
        Created = "created": "Referral received",
        Transition = "transition": "State changed",
        Assigned = "assigned": "Assigned to link worker",
    }
}

/// One entry in a referral's history. The history is append-only.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReferralEvent {
    pub id: i64,
    pub kind: EventKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_state: Option<ReferralState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub close_reason: Option<CloseReason>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_worker_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snomed_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub actor_id: i64,
    pub at: DateTime<Utc>,
}

/// The current state is a fold over the events: history is the record, state a view of it.
pub fn derive_state(events: &[ReferralEvent]) -> ReferralState {
    events
        .iter()
        .filter_map(|e| e.to_state)
        .next_back()
        .unwrap_or(ReferralState::Received)
}

/// A referral as read back, with everything recorded against it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Referral {
    pub id: i64,
    pub person_id: i64,
    pub state: ReferralState,
    /// Increases on every change; send it back to make a change (optimistic concurrency).
    pub version: i64,
    pub referrer_kind: ReferrerKind,
    pub referred_by: i64,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_worker_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub close_reason: Option<CloseReason>,
    pub received_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_follow_up_on: Option<NaiveDate>,
    /// The latest SNOMED CT code recorded: 871731000000106 once the person accepted,
    /// 871711000000103 if they declined, absent before either.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snomed_code: Option<String>,
    /// The programme it belongs to (docs/programmes.md); absent when its team runs none,
    /// or several and none was chosen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub programme_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Contact {
    pub id: i64,
    pub referral_id: i64,
    pub at: DateTime<Utc>,
    pub mode: ContactMode,
    pub duration_minutes: i32,
    /// False for an unsuccessful attempt (no answer, not in).
    pub reached: bool,
    pub notes: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub what_matters: Option<String>,
    pub recorded_by: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RecordedNeed {
    pub id: i64,
    pub referral_id: i64,
    pub need: Need,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gravity_category: Option<String>,
    pub notes: String,
    /// When it was recorded (absent for needs recorded before this was kept).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Goal {
    pub id: i64,
    pub referral_id: i64,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub need: Option<Need>,
    /// Latest progress, 0 (not started) to 10 (achieved).
    pub progress: i32,
    pub progress_history: Vec<GoalProgress>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GoalProgress {
    pub progress: i32,
    pub note: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RecordedBarrier {
    pub id: i64,
    pub referral_id: i64,
    pub barrier: Barrier,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<i64>,
    pub notes: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Measure {
    pub id: i64,
    pub referral_id: i64,
    pub instrument: crate::measures::Instrument,
    pub timing: MeasureTiming,
    pub taken_on: NaiveDate,
    /// Item answers in order; null where unanswered.
    pub answers: Vec<Option<u8>>,
    pub complete: bool,
    /// Present only for a complete questionnaire.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<crate::measures::Score>,
    /// When it was recorded (absent for measures recorded before this was kept).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Service {
    pub id: i64,
    pub name: String,
    pub organisation: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Connection {
    pub id: i64,
    pub referral_id: i64,
    pub service_id: i64,
    pub service_name: String,
    pub status: ConnectionStatus,
    /// "More than signposting": someone goes with the person the first time.
    pub accompanied: bool,
    pub sent_at: DateTime<Utc>,
    pub status_at: DateTime<Utc>,
    pub notes: String,
}

/// A visit arranged with a volunteer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Visit {
    pub id: i64,
    pub referral_id: i64,
    pub volunteer_id: i64,
    pub volunteer_name: String,
    pub activity: String,
    pub visit_on: NaiveDate,
    /// When on the day to meet, if the link worker set a time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visit_time: Option<NaiveTime>,
    /// Where to meet ("at her front door", "outside the library").
    pub meeting_place: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visited_at: Option<DateTime<Utc>>,
    pub note: String,
    /// The volunteer said the visit did not happen, and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_happened_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_happened_reason: Option<String>,
}

/// What a link worker arranges a volunteer's visit with, checked: what for, which day
/// (today on), the time if known and where to meet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitPlan {
    pub activity: String,
    pub visit_on: NaiveDate,
    pub visit_time: Option<NaiveTime>,
    pub meeting_place: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReferralState::*;

    const S: LifecycleSettings = LifecycleSettings {
        attempts_before_unable_to_contact: 3,
    };

    #[test]
    fn the_happy_path_is_allowed() {
        assert!(check_transition(Received, Contacting, None, 0, &S).is_ok());
        assert!(check_transition(Contacting, Active, None, 0, &S).is_ok());
        assert!(check_transition(Active, Closed, Some(CloseReason::GoalsMet), 0, &S).is_ok());
    }

    #[test]
    fn ended_referrals_cannot_move() {
        for end in [Closed, Declined, UnableToContact] {
            for to in ReferralState::ALL {
                assert!(check_transition(end, *to, None, 9, &S).is_err());
            }
        }
    }

    #[test]
    fn closing_needs_a_reason_and_only_closing_has_one() {
        assert_eq!(
            check_transition(Active, Closed, None, 0, &S),
            Err(TransitionError::MissingReason)
        );
        assert_eq!(
            check_transition(Received, Contacting, Some(CloseReason::Died), 0, &S),
            Err(TransitionError::UnexpectedReason)
        );
    }

    #[test]
    fn unable_to_contact_needs_enough_attempts() {
        assert_eq!(
            check_transition(Contacting, UnableToContact, None, 2, &S),
            Err(TransitionError::TooFewAttempts { needed: 3, made: 2 })
        );
        assert!(check_transition(Contacting, UnableToContact, None, 3, &S).is_ok());
    }

    #[test]
    fn received_cannot_jump_to_closed() {
        assert!(matches!(
            check_transition(Received, Closed, Some(CloseReason::GoalsMet), 0, &S),
            Err(TransitionError::NotAllowed { .. })
        ));
    }

    #[test]
    fn state_is_the_last_state_event() {
        let event = |kind, to| ReferralEvent {
            id: 0,
            kind,
            to_state: to,
            close_reason: None,
            link_worker_id: None,
            snomed_code: None,
            note: None,
            actor_id: 1,
            at: Utc::now(),
        };
        assert_eq!(derive_state(&[]), Received);
        let events = [
            event(EventKind::Created, Some(Received)),
            event(EventKind::Transition, Some(Contacting)),
            event(EventKind::Assigned, None),
        ];
        assert_eq!(derive_state(&events), Contacting);
    }

    #[test]
    fn connection_statuses_follow_the_task_workflow() {
        use ConnectionStatus::*;
        assert!(check_connection_status(Requested, Accepted).is_ok());
        assert!(check_connection_status(Requested, Completed).is_err());
        assert!(check_connection_status(Completed, InProgress).is_err());
        assert!(check_connection_status(AttendedFirstSession, Completed).is_ok());
    }
}

#[cfg(test)]
mod codes {
    use super::*;

    /// The API speaks the stored codes (FHIR's `in-progress` included), so error messages
    /// that list allowed values list values the API accepts.
    #[test]
    fn json_values_are_the_stored_codes() {
        for s in ConnectionStatus::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.code());
        }
        for k in ReferrerKind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.code());
        }
        for b in Barrier::ALL {
            let back: Barrier = serde_json::from_value(serde_json::json!(b.code())).unwrap();
            assert_eq!(back, *b);
        }
        assert_eq!(ConnectionStatus::InProgress.code(), "in-progress");
    }
}
