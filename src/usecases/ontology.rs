//! Reading the published ontology (docs/ontology.md): the code lists carry no personal data,
//! so any signed-in user may; the policy still decides, in one place.

use crate::auth::policy::Action;
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::ontology::{self, Vocabulary};

/// Every published vocabulary.
pub fn vocabularies(user: &CurrentUser) -> AppResult<Vec<Vocabulary>> {
    user.require(Action::ReadOntology)?;
    Ok(ontology::vocabularies())
}

/// One vocabulary by its id (`need`, `barrier`, ...), if there is one.
pub fn vocabulary(user: &CurrentUser, id: &str) -> AppResult<Option<Vocabulary>> {
    user.require(Action::ReadOntology)?;
    Ok(ontology::vocabulary_by_id(id))
}
