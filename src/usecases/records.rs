//! Reading the record for searches that return many resources at once (FHIR reads and
//! searches): everything of one kind the user may see, optionally one person's or one
//! record, each with when it last changed; and the audit of what was shown.
//!
//! Searches read more than they show (a page is cut from the matches), so the read is
//! audited separately, once the edge knows which records it returned: [`record_reads`].

use crate::auth::policy::Action;
use crate::auth::CurrentUser;
use crate::consent::Consent;
use crate::error::AppResult;
use crate::people::Person;
use crate::referrals::{Connection, Goal, Measure, Need, RecordedNeed, Referral};
use crate::store::Store;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// What to read: one person's records, one record, or both (`None`: no narrowing).
#[derive(Debug, Clone, Copy, Default)]
pub struct Narrow {
    pub person: Option<i64>,
    pub id: Option<i64>,
}

/// The referrals in the user's scope (narrowed to one person's when asked), each with when
/// it last changed, keyed by id: what casework records are read beside.
pub type ReferralsSeen = HashMap<i64, (Referral, DateTime<Utc>)>;

/// People in scope (or the one asked for), with when each was registered.
pub async fn people(
    store: &Store,
    user: &CurrentUser,
    id: Option<i64>,
) -> AppResult<Vec<(Person, DateTime<Utc>)>> {
    Ok(store.people_in_scope(user.case_scope(), id).await?)
}

/// Referrals in scope, their business identifiers, and (for those who may read casework)
/// their needs.
pub struct ReferralsRead {
    pub referrals: ReferralsSeen,
    pub identifiers: HashMap<i64, Vec<(String, String)>>,
    pub needs: HashMap<i64, Vec<Need>>,
}

pub async fn referrals(
    store: &Store,
    user: &CurrentUser,
    narrow: Narrow,
) -> AppResult<ReferralsRead> {
    let within = store
        .referrals_in_scope(user.case_scope(), narrow.person, narrow.id)
        .await?;
    let identifiers = store.identifiers_in(&within).await?;
    let mut needs: HashMap<i64, Vec<Need>> = HashMap::new();
    if user.may(Action::ReadCasework) {
        for n in store.needs_in(&within, None).await? {
            needs.entry(n.referral_id).or_default().push(n.need);
        }
    }
    Ok(ReferralsRead {
        referrals: within.referrals,
        identifiers,
        needs,
    })
}

/// A kind of casework record kept per referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseworkKind {
    Needs,
    Goals,
    Connections,
    Measures,
}

/// Casework records of one kind, with the referrals they belong to.
pub enum CaseworkRead {
    Needs(Vec<RecordedNeed>),
    Goals(Vec<Goal>),
    Connections(Vec<Connection>),
    Measures(Vec<Measure>),
}

/// Casework records of one kind on referrals in scope (for those who may read casework).
pub async fn casework(
    store: &Store,
    user: &CurrentUser,
    kind: CaseworkKind,
    narrow: Narrow,
) -> AppResult<(ReferralsSeen, CaseworkRead)> {
    user.require(Action::ReadCasework)?;
    let within = store
        .referrals_in_scope(user.case_scope(), narrow.person, None)
        .await?;
    let id = narrow.id;
    let records = match kind {
        CaseworkKind::Needs => CaseworkRead::Needs(store.needs_in(&within, id).await?),
        CaseworkKind::Goals => CaseworkRead::Goals(store.goals_in(&within, id).await?),
        CaseworkKind::Connections => {
            CaseworkRead::Connections(store.connections_in(&within, id).await?)
        }
        CaseworkKind::Measures => CaseworkRead::Measures(store.measures_in(&within, id).await?),
    };
    Ok((within.referrals, records))
}

/// Consents the user may read (for those who may read casework).
pub async fn consents(
    store: &Store,
    user: &CurrentUser,
    narrow: Narrow,
) -> AppResult<Vec<Consent>> {
    user.require(Action::ReadCasework)?;
    Ok(store
        .consents_in_scope(user.case_scope(), narrow.person, narrow.id)
        .await?)
}

/// Records that the user was shown these records (type, id, whose), in one transaction.
pub async fn record_reads(
    store: &Store,
    user: &CurrentUser,
    reads: &[(&str, Option<i64>, Option<i64>)],
) -> AppResult<()> {
    Ok(store.audit_reads(&user.audit_context(), reads).await?)
}
