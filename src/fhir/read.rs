//! Linkwell's records as FHIR resources for reads and searches: everything of one type
//! the caller may see (optionally one patient's), each with `meta.lastUpdated`.

use super::resources::{
    condition, consent, goal, questionnaire_response, service_request, task, with_last_updated,
};
use super::search::Kind;
use crate::auth::policy::Action;
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::referrals::Need;
use crate::state::AppState;
use serde_json::Value;
use std::collections::HashMap;

/// A resource and the person it is about (whose record the read is audited against).
pub struct Found {
    pub resource: Value,
    pub person_id: Option<i64>,
}

/// What the database is asked for before anything is built: one patient's records, one
/// resource, or both. Everything else a search asks is matched on the built resources.
#[derive(Debug, Clone, Copy, Default)]
pub struct Narrow {
    pub patient: Option<i64>,
    pub id: Option<i64>,
}

/// Every resource of `kind` in the caller's scope, narrowed as asked, handed to `sink` one
/// at a time as it is built (so a search keeps only what it will return). Questionnaires
/// are the same for everyone and are not read here.
pub async fn resources(
    state: &AppState,
    user: &CurrentUser,
    kind: Kind,
    narrow: Narrow,
    mut sink: impl FnMut(Found),
) -> AppResult<()> {
    let Narrow { patient, id } = narrow;
    let store = &state.store;
    let scope = user.case_scope();
    if kind == Kind::Patient {
        for (person, at) in store.people_in_scope(scope, id).await? {
            sink(Found {
                resource: with_last_updated(super::resources::patient(&person), at),
                person_id: Some(person.id),
            });
        }
        return Ok(());
    }
    if kind != Kind::ServiceRequest {
        // Needs, goals, measures, connections and consents are casework.
        user.require(Action::ReadCasework)?;
    }
    let only_referral = if kind == Kind::ServiceRequest {
        id
    } else {
        None
    };
    let within = store
        .referrals_in_scope(scope, patient, only_referral)
        .await?;
    let referral = |id: i64| within.referrals.get(&id);
    let found = |resource: Value, at, person: i64| Found {
        resource: with_last_updated(resource, at),
        person_id: Some(person),
    };
    match kind {
        Kind::ServiceRequest => {
            let identifiers = store.identifiers_in(&within).await?;
            let mut needs: HashMap<i64, Vec<Need>> = HashMap::new();
            if user.may(Action::ReadCasework) {
                for n in store.needs_in(&within, None).await? {
                    needs.entry(n.referral_id).or_default().push(n.need);
                }
            }
            for (r, at) in within.referrals.values() {
                let ids = identifiers.get(&r.id).map(Vec::as_slice).unwrap_or(&[]);
                let needs = needs.get(&r.id).map(Vec::as_slice).unwrap_or(&[]);
                sink(found(service_request(r, ids, needs), *at, r.person_id));
            }
        }
        Kind::Condition => {
            for n in store.needs_in(&within, id).await? {
                if let Some((r, _)) = referral(n.referral_id) {
                    let at = n.recorded_at.unwrap_or(r.received_at);
                    sink(found(condition(&n, r), at, r.person_id));
                }
            }
        }
        Kind::Goal => {
            for g in store.goals_in(&within, id).await? {
                if let Some((r, _)) = referral(g.referral_id) {
                    let at = g.progress_history.last().map_or(r.received_at, |p| p.at);
                    sink(found(goal(&g, r), at, r.person_id));
                }
            }
        }
        Kind::Task => {
            for c in store.connections_in(&within, id).await? {
                if let Some((r, _)) = referral(c.referral_id) {
                    sink(found(task(&c, r.person_id), c.status_at, r.person_id));
                }
            }
        }
        Kind::QuestionnaireResponse => {
            for m in store.measures_in(&within, id).await? {
                if let Some((r, _)) = referral(m.referral_id) {
                    let at = m.recorded_at.unwrap_or(r.received_at);
                    sink(found(
                        questionnaire_response(&m, r.person_id),
                        at,
                        r.person_id,
                    ));
                }
            }
        }
        Kind::Consent => {
            for k in store.consents_in_scope(scope, patient, id).await? {
                let at = k.withdrawn_at.unwrap_or(k.given_at);
                sink(found(consent(&k), at, k.person_id));
            }
        }
        Kind::Patient | Kind::Questionnaire => {}
    }
    Ok(())
}
