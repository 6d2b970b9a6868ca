//! Linkwell's records as FHIR resources for reads and searches: everything of one type
//! the caller may see (optionally one patient's), each with `meta.lastUpdated`.

use super::resources::{
    condition, consent, goal, questionnaire_response, service_request, task, with_last_updated,
};
use super::search::Kind;
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::state::AppState;
use crate::usecases::records::{self, CaseworkKind, CaseworkRead};
use serde_json::Value;

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
    let wanted = records::Narrow {
        person: patient,
        id,
    };
    let found = |resource: Value, at, person: i64| Found {
        resource: with_last_updated(resource, at),
        person_id: Some(person),
    };
    let casework_kind = match kind {
        Kind::Patient => {
            for (person, at) in records::people(store, user, id).await? {
                sink(found(super::resources::patient(&person), at, person.id));
            }
            return Ok(());
        }
        Kind::ServiceRequest => {
            let read = records::referrals(store, user, wanted).await?;
            for (r, at) in read.referrals.values() {
                let ids = read
                    .identifiers
                    .get(&r.id)
                    .map(Vec::as_slice)
                    .unwrap_or(&[]);
                let needs = read.needs.get(&r.id).map(Vec::as_slice).unwrap_or(&[]);
                sink(found(service_request(r, ids, needs), *at, r.person_id));
            }
            return Ok(());
        }
        Kind::Consent => {
            for k in records::consents(store, user, wanted).await? {
                let at = k.withdrawn_at.unwrap_or(k.given_at);
                sink(found(consent(&k), at, k.person_id));
            }
            return Ok(());
        }
        Kind::Questionnaire => return Ok(()),
        Kind::Condition => CaseworkKind::Needs,
        Kind::Goal => CaseworkKind::Goals,
        Kind::Task => CaseworkKind::Connections,
        Kind::QuestionnaireResponse => CaseworkKind::Measures,
    };
    let (within, read) = records::casework(store, user, casework_kind, wanted).await?;
    let referral = |id: i64| within.get(&id);
    match read {
        CaseworkRead::Needs(needs) => {
            for n in needs {
                if let Some((r, _)) = referral(n.referral_id) {
                    let at = n.recorded_at.unwrap_or(r.received_at);
                    sink(found(condition(&n, r), at, r.person_id));
                }
            }
        }
        CaseworkRead::Goals(goals) => {
            for g in goals {
                if let Some((r, _)) = referral(g.referral_id) {
                    let at = g.progress_history.last().map_or(r.received_at, |p| p.at);
                    sink(found(goal(&g, r), at, r.person_id));
                }
            }
        }
        CaseworkRead::Connections(connections) => {
            for c in connections {
                if let Some((r, _)) = referral(c.referral_id) {
                    sink(found(task(&c, r.person_id), c.status_at, r.person_id));
                }
            }
        }
        CaseworkRead::Measures(measures) => {
            for m in measures {
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
    }
    Ok(())
}
