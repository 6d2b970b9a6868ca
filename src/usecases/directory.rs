//! The community directory: searching it, matching services to a referral, keeping
//! listings current, a community organisation's inbox, and exporting it from the command
//! line. The directory is read from the in-memory catalogue ([`AppState::directory`]),
//! which follows every import and listing change.
//!
//! [`AppState::directory`]: crate::state::AppState

use crate::auth::policy::Action;
use crate::auth::{CurrentUser, Role};
use crate::consent::inbox::{last_page, InboxCounts, InboxFilter, InboxLine, INBOX_PAGE_SIZE};
use crate::consent::Consent;
use crate::directory::catalogue::{Catalogue, Entry};
use crate::directory::curation::{ListingChange, ListingChangeRecord};
use crate::directory::matching::{Circumstances, Communication};
use crate::directory::package::Package;
use crate::directory::results::{MatchResult, SearchResult, SearchResults};
use crate::directory::search::SearchQuery;
use crate::error::{AppError, AppResult};
use crate::geo::Postcode;
use crate::people::Person;
use crate::referrals::{Need, Referral};
use crate::state::AppState;
use crate::store::Store;
use serde_json::Value;
use std::sync::Arc;

/// Services matched to a person's needs, at most this many per need.
const MATCHES_PER_NEED: usize = 5;

/// Searches the directory with a checked query; `from` is the postcode distances are
/// measured from. Every filter given must hold; each result says why it matched, and
/// `total` counts them all while only `query.limit` are listed.
pub async fn search(
    state: &AppState,
    user: &CurrentUser,
    mut query: SearchQuery,
    from: Option<&Postcode>,
) -> AppResult<SearchResults> {
    user.require(Action::ReadServices)?;
    if let Some(postcode) = from {
        let place = super::geo::locate(state, postcode).await?;
        query.origin = place.latitude.zip(place.longitude);
        if query.origin.is_none() {
            return Err(AppError::invalid_field(
                "postcode",
                "Postcode has no position",
                "that postcode has no known position",
            ));
        }
        query.origin_label = place.postcode;
    }
    let catalogue = state.directory.get(&state.store).await?;
    let limit = query.limit;
    query.limit = 0;
    let hits = catalogue.index.search(&query);
    let results = hits
        .iter()
        .take(limit)
        .map(|hit| SearchResult::of(&catalogue.entries[hit.entry], hit))
        .collect();
    Ok(SearchResults {
        total: hits.len(),
        results,
    })
}

/// A referral, its person, and the services that fit them.
pub struct ReferralMatches {
    pub referral: Referral,
    pub person: Person,
    /// Five per need at most, best first.
    pub services: Vec<MatchResult>,
}

/// Services matched to one referral the user may see: the person's recorded needs and
/// barriers, age and home. Reading the referral is audited as a read of it.
pub async fn matches(
    state: &AppState,
    user: &CurrentUser,
    referral_id: i64,
) -> AppResult<ReferralMatches> {
    user.require(Action::ReadCasework)?;
    let store = &state.store;
    let referral = super::referrals::read_audited(store, user, referral_id).await?;
    let mut needs: Vec<Need> = Vec::new();
    for n in store.needs(referral_id).await? {
        if !needs.contains(&n.need) {
            needs.push(n.need);
        }
    }
    if needs.is_empty() {
        return Err(AppError::invalid_field(
            "needs",
            "No needs recorded",
            "record what the person wants help with before matching services",
        ));
    }
    let barriers = store.barriers(referral_id).await?;
    let person = store
        .person(referral.person_id, user.case_scope())
        .await?
        .ok_or(AppError::NotFound("referral"))?;
    let geography = state.geography().await?;
    let home = Postcode::parse(&person.postcode)
        .ok()
        .and_then(|p| geography.resolve(&p).ok())
        .and_then(|l| l.latitude.zip(l.longitude));
    let today = chrono::Utc::now().date_naive();
    let circumstances = Circumstances {
        needs,
        barriers: barriers.iter().map(|b| b.barrier).collect(),
        age: today.years_since(person.date_of_birth).map(f64::from),
        home,
        today: Some(today),
        communication: Communication {
            language: person.record.preferred_language,
            written_format: person.record.written_format,
        },
    };
    let catalogue = state.directory.get(store).await?;
    let services = catalogue
        .index
        .match_for(&circumstances, MATCHES_PER_NEED)
        .into_iter()
        .map(|m| MatchResult::of(&catalogue.entries[m.entry], m))
        .collect();
    Ok(ReferralMatches {
        referral,
        person,
        services,
    })
}

/// The person a link worker may connect to services while searching for them: the person
/// of an open referral in the user's scope (their details read and audited), or none when
/// the user may not write casework or the referral is not theirs to see or has ended.
pub async fn person_to_connect(
    store: &Store,
    user: &CurrentUser,
    referral_id: i64,
) -> AppResult<Option<Person>> {
    if !user.may(Action::WriteCasework) {
        return Ok(None);
    }
    let Some(referral) = store.referral(referral_id, user.case_scope()).await? else {
        return Ok(None);
    };
    if !referral.state.is_open() {
        return Ok(None);
    }
    Ok(store
        .read_person(referral.person_id, user.case_scope(), &user.audit_context())
        .await?)
}

/// The person's confirmed consents in force that a connection for this referral may rest
/// on: recorded for it, or before consents named a referral.
pub async fn consents_for_connection(
    store: &Store,
    user: &CurrentUser,
    referral_id: i64,
    person_id: i64,
) -> AppResult<Vec<Consent>> {
    user.require(Action::ReadCasework)?;
    Ok(store
        .consents_in_scope(user.case_scope(), Some(person_id), None)
        .await?
        .into_iter()
        .filter(|k| k.is_active() && k.referral_id.is_none_or(|r| r == referral_id))
        .collect())
}

/// One listing with its history of changes made in Linkwell.
pub struct Listing {
    pub entry: Entry,
    /// Newest first.
    pub history: Vec<ListingChangeRecord>,
    /// The user may change it: an administrator any, an organisation its own.
    pub may_change: bool,
}

/// A listing by its HSDS id, for anyone who may read the directory.
pub async fn listing(state: &AppState, user: &CurrentUser, hsds_id: &str) -> AppResult<Listing> {
    user.require(Action::ReadServices)?;
    let catalogue = state.directory.get(&state.store).await?;
    let entry = catalogue
        .entry(hsds_id)
        .ok_or(AppError::NotFound("service"))?
        .clone();
    let history = state.store.listing_history(entry.id).await?;
    let organisation = entry
        .service
        .organization
        .as_ref()
        .map_or("", |o| o.name.as_str());
    let may_change = user.may(Action::CurateListings)
        && (user.role == Role::Admin || user.organisation.as_deref() == Some(organisation));
    Ok(Listing {
        entry,
        history,
        may_change,
    })
}

/// A listing's changes made in Linkwell, newest first.
pub async fn listing_history(
    state: &AppState,
    user: &CurrentUser,
    hsds_id: &str,
) -> AppResult<Vec<ListingChangeRecord>> {
    user.require(Action::ReadServices)?;
    let catalogue = state.directory.get(&state.store).await?;
    let entry = catalogue
        .entry(hsds_id)
        .ok_or(AppError::NotFound("service"))?;
    Ok(state.store.listing_history(entry.id).await?)
}

/// Changes a listing for a user who may: an administrator any, an organisation its own
/// (another's is not found). Returns the listing's HSDS record after the change.
pub async fn change_listing(
    store: &Store,
    user: &CurrentUser,
    hsds_id: &str,
    change: &ListingChange,
) -> AppResult<Value> {
    user.require(Action::CurateListings)?;
    let organisation = match user.role {
        Role::Admin => None,
        _ => Some(own_organisation(user)?),
    };
    Ok(store
        .change_listing(hsds_id, organisation.as_deref(), change, user.id)
        .await?)
}

/// What a community organisation sees: one page of connections to its services under a
/// filter (only what consent lets it see), how many each filter holds, and its own
/// listings to keep current.
pub struct Inbox {
    pub organisation: String,
    pub filter: InboxFilter,
    /// The page shown (the last page holding lines, if a later one was asked for).
    pub page: i64,
    pub counts: InboxCounts,
    pub lines: Vec<InboxLine>,
    catalogue: Arc<Catalogue>,
}

impl Inbox {
    /// The organisation's own listings.
    pub fn listings(&self) -> impl Iterator<Item = &Entry> {
        self.catalogue.entries_of(&self.organisation)
    }

    /// Lines under the current filter, across all pages.
    pub fn total(&self) -> i64 {
        self.counts.of(self.filter)
    }
}

/// One page of the inbox of the user's organisation; reading the connections is audited.
pub async fn inbox(
    state: &AppState,
    user: &CurrentUser,
    filter: InboxFilter,
    page: i64,
) -> AppResult<Inbox> {
    user.require(Action::ReadOrganisationConnections)?;
    let organisation = own_organisation(user)?;
    let counts = state
        .store
        .organisation_inbox_counts(&organisation, user.id)
        .await?;
    let page = page.clamp(1, last_page(counts.of(filter)));
    let lines = state
        .store
        .organisation_inbox(
            &organisation,
            filter,
            INBOX_PAGE_SIZE,
            (page - 1) * INBOX_PAGE_SIZE,
            &user.audit_context(),
        )
        .await?;
    let catalogue = state.directory.get(&state.store).await?;
    Ok(Inbox {
        organisation,
        filter,
        page,
        counts,
        lines,
        catalogue,
    })
}

/// The organisation a community organisation's account acts for.
fn own_organisation(user: &CurrentUser) -> AppResult<String> {
    user.organisation
        .clone()
        .ok_or_else(|| AppError::Forbidden("this account is not linked to an organisation".into()))
}

/// The whole directory as one Open Referral UK feed page (`linkwell export directory`).
/// The command line acts for whoever may open the database, so no policy applies.
pub async fn export_feed(store: &Store) -> AppResult<Value> {
    let listings = store.directory_listings().await?;
    Ok(crate::directory::feed::export(
        listings.iter().map(|l| &l.document),
    ))
}

/// The whole directory as an HSDS 3.0 CSV data package: the services flattened into their
/// tables, beside the rows kept from imported packages that no service carries.
pub async fn export_package(store: &Store) -> AppResult<Package> {
    let listings = store.directory_listings().await?;
    let kept = store.directory_package().await?;
    let columns = kept
        .iter()
        .map(|(n, t)| (n.clone(), t.columns.clone()))
        .collect();
    let documents: Vec<&Value> = listings.iter().map(|l| &l.document).collect();
    Ok(crate::directory::package::flatten(
        &documents, &kept, &columns,
    ))
}
