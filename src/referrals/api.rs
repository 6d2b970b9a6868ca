//! JSON endpoints for referrals and casework.

use super::*;
use crate::api::{text_field, ApiJson, ApiQuery, Id};
use crate::api::{ReadProblems, WriteProblems};
use crate::auth::CurrentUser;
use crate::consent::{ConsentBasis, NewConnection};
use crate::error::{AppError, AppResult};
use crate::input::FieldError;
use crate::measures::Instrument;
use crate::state::AppState;
use crate::usecases::{self, casework};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

type Created<T> = AppResult<(StatusCode, Json<T>)>;

fn created<T>(value: T) -> Created<T> {
    Ok((StatusCode::CREATED, Json(value)))
}

/// The signed-in user.
#[utoipa::path(get, path = "/me", tag = "users",
    responses((status = 200, body = CurrentUser), ReadProblems))]
pub async fn me(user: CurrentUser) -> Json<CurrentUser> {
    Json(user)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralInput {
    pub person_id: i64,
    pub referrer_kind: ReferrerKind,
    /// Why the person is being referred, in the referrer's words.
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
    /// The programme it belongs to: one the team holding the referral runs. Default: the
    /// team's only active programme, if it has exactly one.
    #[serde(default)]
    pub programme_id: Option<i64>,
}

/// Makes a referral for a registered person. SNOMED CT 871731000000106 is recorded when the person accepts it.
#[utoipa::path(post, path = "/referrals", tag = "referrals", request_body = ReferralInput,
    responses(
        (status = 201, body = Referral), WriteProblems))]
pub async fn create_referral(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(input): ApiJson<ReferralInput>,
) -> Created<Referral> {
    let reason = text_field("reason", &input.reason, 1, 2000)?;
    created(
        usecases::referrals::create(
            &state.store,
            &user,
            input.person_id,
            input.referrer_kind,
            &reason,
            input.programme_id,
        )
        .await?,
    )
}

#[utoipa::path(get, path = "/referrals/{id}", tag = "referrals", params(("id" = i64, Path)),
    responses(
        (status = 200, body = ReferralDetail), ReadProblems))]
pub async fn get_referral(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
) -> AppResult<Json<ReferralDetail>> {
    Ok(Json(
        usecases::referrals::detail(&state.store, &user, id).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionInput {
    pub to: ReferralState,
    /// The `version` of the referral you last read.
    pub expected_version: i64,
    /// Required when closing; refused otherwise.
    pub reason: Option<CloseReason>,
    pub note: Option<String>,
}

/// Moves a referral through its lifecycle. 409 if it changed since `expected_version`.
#[utoipa::path(post, path = "/referrals/{id}/transitions", tag = "referrals", params(("id" = i64, Path)),
    request_body = TransitionInput,
    responses(
        (status = 200, body = Referral), WriteProblems))]
pub async fn transition(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    ApiJson(input): ApiJson<TransitionInput>,
) -> AppResult<Json<Referral>> {
    let change = input.parse()?;
    Ok(Json(
        casework::transition(&state.store, &user, &state.settings.lifecycle, id, change).await?,
    ))
}

impl TransitionInput {
    /// The transition asked for, its note checked (shared by the API and the pages).
    pub fn parse(self) -> AppResult<NewTransition> {
        let note = self
            .note
            .as_deref()
            .map(|n| text_field("note", n, 0, 2000))
            .transpose()?;
        Ok(NewTransition {
            to: self.to,
            expected_version: self.expected_version,
            reason: self.reason,
            note,
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentInput {
    pub link_worker_id: i64,
    pub expected_version: i64,
}

/// Gives the referral to a link worker of the team that holds it (team leads), or takes it
/// on (link workers, for themselves).
#[utoipa::path(post, path = "/referrals/{id}/assignment", tag = "referrals", params(("id" = i64, Path)),
    request_body = AssignmentInput,
    responses(
        (status = 200, body = Referral), WriteProblems))]
pub async fn assign(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    ApiJson(input): ApiJson<AssignmentInput>,
) -> AppResult<Json<Referral>> {
    Ok(Json(
        casework::assign(
            &state.store,
            &user,
            id,
            input.expected_version,
            input.link_worker_id,
        )
        .await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    /// When it happened; now if omitted.
    pub at: Option<chrono::DateTime<chrono::Utc>>,
    pub mode: ContactMode,
    #[schema(minimum = 0, maximum = 600)]
    pub duration_minutes: i32,
    /// False for an unsuccessful attempt. Defaults to true.
    #[serde(default = "yes")]
    pub reached: bool,
    #[serde(default)]
    pub notes: String,
    /// The "what matters to me" conversation, in the person's words.
    pub what_matters: Option<String>,
    /// When to follow up next; drives the overdue list.
    pub follow_up_on: Option<chrono::NaiveDate>,
}

fn yes() -> bool {
    true
}

impl ContactInput {
    pub fn validate(self) -> AppResult<NewContact> {
        let now = chrono::Utc::now();
        let contact = NewContact {
            at: self.at.unwrap_or(now),
            mode: self.mode,
            duration_minutes: self.duration_minutes,
            reached: self.reached,
            notes: self.notes,
            what_matters: self.what_matters,
            follow_up_on: self.follow_up_on,
        };
        Ok(contact.checked(now)?)
    }
}

/// Records a contact or an unsuccessful contact attempt. The referral follows the work:
/// a link worker recording one on a referral nobody holds takes it on (an `assigned` event),
/// and a `received` referral moves to `contacting` (a `transition` event); both audited.
#[utoipa::path(post, path = "/referrals/{id}/contacts", tag = "casework", params(("id" = i64, Path)),
    request_body = ContactInput,
    responses(
        (status = 201, body = Contact), WriteProblems))]
pub async fn add_contact(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    ApiJson(input): ApiJson<ContactInput>,
) -> Created<Contact> {
    let contact = input.validate()?;
    created(
        casework::add_contact(&state.store, &user, id, &contact)
            .await?
            .contact,
    )
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NeedInput {
    pub need: Need,
    #[serde(default)]
    pub notes: String,
}

/// Records something the person wants help with.
#[utoipa::path(post, path = "/referrals/{id}/needs", tag = "casework", params(("id" = i64, Path)),
    request_body = NeedInput,
    responses(
        (status = 201, body = RecordedNeed), WriteProblems))]
pub async fn add_need(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    ApiJson(input): ApiJson<NeedInput>,
) -> Created<RecordedNeed> {
    let notes = text_field("notes", &input.notes, 0, 2000)?;
    created(casework::add_need(&state.store, &user, id, input.need, &notes).await?)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoalInput {
    #[schema(min_length = 1, max_length = 1000)]
    pub description: String,
    pub need: Option<Need>,
}

/// Records a goal agreed with the person.
#[utoipa::path(post, path = "/referrals/{id}/goals", tag = "casework", params(("id" = i64, Path)),
    request_body = GoalInput,
    responses(
        (status = 201, body = Goal), WriteProblems))]
pub async fn add_goal(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    ApiJson(input): ApiJson<GoalInput>,
) -> Created<Goal> {
    let description = text_field("description", &input.description, 1, 1000)?;
    created(casework::add_goal(&state.store, &user, id, &description, input.need).await?)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgressInput {
    /// 0 (not started) to 10 (achieved).
    #[schema(minimum = 0, maximum = 10)]
    pub progress: i32,
    #[serde(default)]
    pub note: String,
}

/// Records progress on a goal.
#[utoipa::path(post, path = "/goals/{id}/progress", tag = "casework", params(("id" = i64, Path)),
    request_body = ProgressInput,
    responses(
        (status = 201, body = Goal), WriteProblems))]
pub async fn add_goal_progress(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    ApiJson(input): ApiJson<ProgressInput>,
) -> Created<Goal> {
    if !(0..=10).contains(&input.progress) {
        return Err(AppError::invalid_field(
            "progress",
            "Invalid progress",
            "progress must be between 0 and 10",
        ));
    }
    let note = text_field("note", &input.note, 0, 2000)?;
    created(casework::add_goal_progress(&state.store, &user, id, input.progress, &note).await?)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BarrierInput {
    pub barrier: Barrier,
    /// The connection the barrier got in the way of, if any.
    pub connection_id: Option<i64>,
    #[serde(default)]
    pub notes: String,
}

/// Records why a step did not happen.
#[utoipa::path(post, path = "/referrals/{id}/barriers", tag = "casework", params(("id" = i64, Path)),
    request_body = BarrierInput,
    responses(
        (status = 201, body = RecordedBarrier), WriteProblems))]
pub async fn add_barrier(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    ApiJson(input): ApiJson<BarrierInput>,
) -> Created<RecordedBarrier> {
    let notes = text_field("notes", &input.notes, 0, 2000)?;
    created(
        casework::add_barrier(
            &state.store,
            &user,
            id,
            input.barrier,
            input.connection_id,
            &notes,
        )
        .await?,
    )
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasureInput {
    pub instrument: Instrument,
    pub timing: MeasureTiming,
    /// The day it was completed; today if omitted.
    pub taken_on: Option<chrono::NaiveDate>,
    /// One answer per item, in order; null for an unanswered item.
    pub answers: Vec<Option<i64>>,
}

impl MeasureInput {
    pub fn validate(self) -> AppResult<NewMeasure> {
        let today = chrono::Utc::now().date_naive();
        Ok(NewMeasure::parse(
            self.instrument,
            &self.answers,
            self.timing,
            self.taken_on,
            today,
        )?)
    }
}

/// Records a well-being questionnaire. Incomplete ones are kept but never scored.
#[utoipa::path(post, path = "/referrals/{id}/measures", tag = "casework", params(("id" = i64, Path)),
    request_body = MeasureInput,
    responses(
        (status = 201, body = Measure), WriteProblems))]
pub async fn add_measure(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    ApiJson(input): ApiJson<MeasureInput>,
) -> Created<Measure> {
    let measure = input.validate()?;
    created(casework::add_measure(&state.store, &user, id, &measure).await?)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectionInput {
    pub service_id: i64,
    /// Someone will go with the person the first time.
    #[serde(default)]
    pub accompanied: bool,
    #[serde(default)]
    pub notes: String,
    /// The confirmed consent (to share with the service's organisation) the connection is
    /// sent under. Give this or `consent`, not both.
    pub consent_id: Option<i64>,
    /// Consent recorded with the person in this step, for the service's organisation.
    pub consent: Option<ConnectionConsentInput>,
}

/// Consent recorded as a connection is made: its organisation is the service's.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectionConsentInput {
    /// What may be shared; at least one field.
    pub share: Vec<crate::consent::SharedField>,
    pub method: crate::consent::ConsentMethod,
}

impl ConnectionInput {
    /// The consent named, or the one to record: exactly one, never "the newest one".
    fn consent_basis(&self) -> AppResult<ConsentBasis> {
        let terms = self
            .consent
            .as_ref()
            .map(|c| (c.share.as_slice(), c.method));
        Ok(ConsentBasis::chosen(self.consent_id, terms)?)
    }
}

/// Connects the person to a community service (status `requested`), under the consent
/// named or recorded in this request.
#[utoipa::path(post, path = "/referrals/{id}/connections", tag = "casework", params(("id" = i64, Path)),
    request_body = ConnectionInput,
    responses(
        (status = 201, body = Connection), WriteProblems))]
pub async fn add_connection(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    ApiJson(input): ApiJson<ConnectionInput>,
) -> Created<Connection> {
    let connection = NewConnection {
        service_id: input.service_id,
        accompanied: input.accompanied,
        notes: text_field("notes", &input.notes, 0, 2000)?,
        consent: input.consent_basis()?,
    };
    created(casework::add_connection(&state.store, &user, id, &connection).await?)
}

/// Moves a connection along the SDOH Clinical Care Task workflow.
#[utoipa::path(post, path = "/connections/{id}/status", tag = "casework", params(("id" = i64, Path)),
    request_body = ConnectionStatusInput,
    responses(
        (status = 200, body = Connection), WriteProblems))]
pub async fn set_connection_status(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    ApiJson(input): ApiJson<ConnectionStatusInput>,
) -> AppResult<Json<Connection>> {
    let note = text_field("note", &input.note, 0, 2000)?;
    Ok(Json(
        casework::set_connection_status(
            &state.store,
            &user,
            id,
            input.status,
            &note,
            input.decline_reason()?,
        )
        .await?,
    ))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CaseloadQuery {
    /// Only referrals in this state.
    pub state: Option<ReferralState>,
    /// Only referrals held by this link worker.
    pub link_worker: Option<i64>,
    /// Only open referrals whose follow-up date has passed, most overdue first.
    pub overdue: Option<bool>,
    /// Only people found by part of their name, their NHS number (spaces allowed) or
    /// their date of birth (31/01/1950 or 1950-01-31).
    #[param(max_length = 100)]
    pub search: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

impl CaseloadQuery {
    pub fn filter(&self) -> AppResult<CaseloadFilter> {
        let mut filter = CaseloadFilter::page(
            self.state,
            self.link_worker,
            self.overdue.unwrap_or(false),
            self.limit,
            self.offset,
            chrono::Utc::now().date_naive(),
        )?;
        filter.search = CaseloadSearch::parse(self.search.as_deref().unwrap_or_default()).map_err(
            |problem| FieldError::new("search", "Search not understood", problem.to_string()),
        )?;
        Ok(filter)
    }
}

/// The caller's caseload (their team's referrals; a referrer's own referrals).
#[utoipa::path(get, path = "/caseload", tag = "referrals", params(CaseloadQuery),
    responses(
        (status = 200, body = Vec<CaseloadRow>), ReadProblems))]
pub async fn caseload(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<CaseloadQuery>,
) -> AppResult<Json<Vec<CaseloadRow>>> {
    Ok(Json(
        usecases::caseload::list(&state.store, &user, &query.filter()?).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandOverInput {
    /// Whose open referrals move: a link worker or team lead of the caller's team.
    pub from_link_worker_id: i64,
    /// Who takes them on: another link worker or team lead of the team.
    pub to_link_worker_id: i64,
}

/// What a hand-over moved.
#[derive(Debug, Serialize, ToSchema)]
pub struct HandedOver {
    /// The open referrals that changed hands, in id order; each has an `assigned` event.
    pub referral_ids: Vec<i64>,
}

/// Hands every open referral one team member holds to another, in one transaction, each
/// move audited (team leads, for their own team; when someone is away).
#[utoipa::path(post, path = "/caseload/handover", tag = "referrals",
    request_body = HandOverInput,
    responses(
        (status = 200, body = HandedOver), WriteProblems))]
pub async fn hand_over_caseload(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(input): ApiJson<HandOverInput>,
) -> AppResult<Json<HandedOver>> {
    let referral_ids = usecases::workload::hand_over(
        &state.store,
        &user,
        input.from_link_worker_id,
        input.to_link_worker_id,
    )
    .await?;
    Ok(Json(HandedOver { referral_ids }))
}

/// Community services that connections can be made to.
#[utoipa::path(get, path = "/services", tag = "services",
    responses(
        (status = 200, body = Vec<Service>), ReadProblems))]
pub async fn list_services(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<Vec<Service>>> {
    Ok(Json(usecases::services::list(&state.store, &user).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceInput {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(min_length = 1, max_length = 200)]
    pub organisation: String,
    #[serde(default)]
    pub description: String,
}

/// Adds a community service (minimal; the full directory follows Open Referral UK).
#[utoipa::path(post, path = "/services", tag = "services", request_body = ServiceInput,
    responses(
        (status = 201, body = Service), WriteProblems))]
pub async fn create_service(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(input): ApiJson<ServiceInput>,
) -> Created<Service> {
    let name = text_field("name", &input.name, 1, 200)?;
    let organisation = text_field("organisation", &input.organisation, 1, 200)?;
    let description = text_field("description", &input.description, 0, 4000)?;
    created(
        usecases::services::create(&state.store, &user, &name, &organisation, &description).await?,
    )
}

#[cfg(test)]
mod fuzz {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    /// Arbitrary JSON, with object keys drawn mostly from the API's own field names so that
    /// generated bodies get past the first check and into validation.
    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            "\\PC{0,12}".prop_map(Value::from),
        ];
        let key = prop_oneof![
            prop::sample::select(vec![
                "mode",
                "duration_minutes",
                "reached",
                "notes",
                "what_matters",
                "follow_up_on",
                "at",
                "instrument",
                "timing",
                "taken_on",
                "answers",
                "to",
                "expected_version",
                "reason",
                "note",
                "person_id",
                "referrer_kind",
                "need",
                "description",
                "progress",
            ])
            .prop_map(str::to_string),
            "[a-z_]{1,10}",
        ];
        leaf.prop_recursive(3, 32, 8, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                prop::collection::btree_map(key.clone(), inner, 0..8)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        // 2,000 cases in CI; set LINKWELL_FUZZ_CASES for a longer campaign.
        #![proptest_config(ProptestConfig::with_cases(
            std::env::var("LINKWELL_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2000)
        ))]

        /// Any JSON body: refused or accepted, never a panic, and what validation accepts
        /// is within the documented limits.
        #[test]
        fn request_bodies_never_panic(body in json()) {
            if let Ok(contact) = serde_json::from_value::<ContactInput>(body.clone()) {
                if let Ok(c) = contact.validate() {
                    prop_assert!((0..=600).contains(&c.duration_minutes));
                }
            }
            if let Ok(measure) = serde_json::from_value::<MeasureInput>(body.clone()) {
                if let Ok(m) = measure.validate() {
                    prop_assert_eq!(m.answers.score().is_some(), m.answers.is_complete());
                }
            }
            let _ = serde_json::from_value::<TransitionInput>(body.clone());
            let _ = serde_json::from_value::<ReferralInput>(body.clone());
            let _ = serde_json::from_value::<crate::people::api::PersonInput>(body);
        }
    }
}
