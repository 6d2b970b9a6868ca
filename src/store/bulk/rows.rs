//! The rows the synthetic care system writes, one type per table. Each field is named after
//! its column, so this is the one list of a table's columns outside the migrations: a column
//! added to the schema is added here as a field, and the compiler asks every producer for it.

use super::{BulkRow, Value};
use chrono::{DateTime, NaiveDate, Utc};

/// Declares a row type per table; its columns are its field names, in order.
macro_rules! bulk_rows {
    ($(
        $(#[$meta:meta])*
        $name:ident in $table:literal { $($field:ident: $ty:ty),* $(,)? }
    )*) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub struct $name { $(pub $field: $ty),* }

        impl BulkRow for $name {
            const TABLE: &'static str = $table;
            const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),*];
            fn push_values(self, out: &mut Vec<Value>) {
                $(out.push(Value::from(self.$field));)*
            }
        }
    )*};
}

bulk_rows! {
    /// A registered person.
    PersonRow in "people" {
        id: i64,
        nhs_number: Option<String>,
        given_name: &'static str,
        family_name: &'static str,
        date_of_birth: NaiveDate,
        sex: &'static str,
        ethnicity: &'static str,
        postcode: String,
        lsoa: String,
        imd_decile: i32,
        practice_id: i64,
        phone: String,
        plus_groups: String,
        conditions: String,
        created_at: DateTime<Utc>,
    }

    /// A referral as it stands after its history.
    ReferralRow in "referrals" {
        id: i64,
        person_id: i64,
        state: &'static str,
        version: i64,
        referrer_kind: &'static str,
        referred_by: i64,
        reason: String,
        team_id: i64,
        link_worker_id: Option<i64>,
        close_reason: Option<&'static str>,
        received_at: DateTime<Utc>,
        next_follow_up_on: Option<NaiveDate>,
        snomed_code: Option<&'static str>,
        practice_id_at_referral: i64,
        imd_decile_at_referral: i32,
        programme_id: Option<i64>,
    }

    /// One step of a referral's history.
    ReferralEventRow in "referral_events" {
        referral_id: i64,
        kind: &'static str,
        to_state: Option<&'static str>,
        close_reason: Option<&'static str>,
        link_worker_id: Option<i64>,
        snomed_code: Option<&'static str>,
        note: Option<String>,
        actor_id: i64,
        at: DateTime<Utc>,
    }

    /// A contact with the person (reached or not).
    ContactRow in "contacts" {
        referral_id: i64,
        at: DateTime<Utc>,
        mode: &'static str,
        duration_minutes: i32,
        reached: bool,
        notes: &'static str,
        what_matters: Option<String>,
        recorded_by: i64,
    }

    /// A need found in the "what matters" conversation.
    NeedRow in "needs" {
        referral_id: i64,
        need: &'static str,
        notes: &'static str,
    }

    /// A goal agreed for a need.
    GoalRow in "goals" {
        id: i64,
        referral_id: i64,
        description: String,
        need: &'static str,
        created_at: DateTime<Utc>,
    }

    /// Progress towards a goal (0 to 10).
    GoalProgressRow in "goal_progress" {
        goal_id: i64,
        progress: i32,
        note: &'static str,
        at: DateTime<Utc>,
        recorded_by: i64,
    }

    /// A person's consent to share with an organisation.
    ConsentRow in "consents" {
        id: i64,
        person_id: i64,
        organisation: String,
        share_fields: &'static str,
        method: &'static str,
        given_at: DateTime<Utc>,
        recorded_by: i64,
    }

    /// A connection to a community service, under a consent.
    ConnectionRow in "connections" {
        consent_id: i64,
        id: i64,
        referral_id: i64,
        service_id: i64,
        status: &'static str,
        accompanied: bool,
        sent_at: DateTime<Utc>,
        status_at: DateTime<Utc>,
        notes: &'static str,
        created_by: i64,
    }

    /// One status a connection went through.
    ConnectionEventRow in "connection_events" {
        connection_id: i64,
        status: &'static str,
        note: &'static str,
        actor_id: i64,
        at: DateTime<Utc>,
    }

    /// A barrier the person met.
    BarrierRow in "barriers" {
        referral_id: i64,
        barrier: &'static str,
        connection_id: Option<i64>,
        notes: &'static str,
        at: DateTime<Utc>,
        recorded_by: i64,
    }

    /// A questionnaire taken.
    MeasureRow in "measures" {
        referral_id: i64,
        instrument: &'static str,
        timing: &'static str,
        taken_on: NaiveDate,
        answers: String,
        complete: bool,
        total: Option<i32>,
        metric_score: Option<f64>,
        recorded_by: i64,
    }

    /// GP and A&E use in the 6 months before or after a referral (docs/service-use.md).
    ServiceUseRow in "service_use" {
        referral_id: i64,
        window_code: &'static str,
        gp_consultations: Option<i32>,
        ae_attendances: Option<i32>,
        source: &'static str,
        recorded_by: i64,
        recorded_at: DateTime<Utc>,
    }

    /// Registered people by practice and LSOA: the equity report's denominators.
    PopulationRow in "population" {
        practice_id: i64,
        lsoa: String,
        imd_decile: i32,
        people: i64,
    }
}
