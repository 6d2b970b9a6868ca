//! A referral read back whole: the referral, its history, and (for casework readers) what
//! was recorded against it. Plain data the use case assembles and every edge renders.

use super::{
    Connection, Contact, Goal, Measure, RecordedBarrier, RecordedNeed, Referral, ReferralEvent,
    Visit,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A referral with its history and everything recorded against it. Referrers see the
/// referral and its state changes only, never casework notes.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReferralDetail {
    pub referral: Referral,
    pub history: Vec<ReferralEvent>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub casework: Option<Casework>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Casework {
    pub contacts: Vec<Contact>,
    pub needs: Vec<RecordedNeed>,
    pub goals: Vec<Goal>,
    pub barriers: Vec<RecordedBarrier>,
    pub measures: Vec<Measure>,
    pub connections: Vec<Connection>,
    /// Visits arranged with volunteers.
    #[serde(default)]
    pub visits: Vec<Visit>,
}
