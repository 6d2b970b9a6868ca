//! The access policy's scopes as SQL: the one place where "whose records may this user
//! read" becomes a WHERE clause. Every scoped query uses these, so a change of policy is a
//! change here.

use crate::auth::policy::CaseScope;

/// Limits a query on `referrals r` to the scope; the scope id is always parameter `$2`.
pub(super) fn referral_scope_clause(scope: CaseScope) -> Option<(&'static str, i64)> {
    match scope {
        CaseScope::Team { team, .. } => Some(("r.team_id = $2", team)),
        CaseScope::MadeBy(user) => Some(("r.referred_by = $2", user)),
        CaseScope::Nothing => None,
    }
}

/// Restricts a query on `people p` to the people the scope may see: a team's, those with a
/// referral held by the team and people its members registered; a referrer's, only the
/// people they registered themselves.
/// Written as `IN (subquery)`, not a correlated `EXISTS`: the team's people are found
/// once, not re-checked for every person on file (a million-person database took 15
/// minutes to read one Patient the other way).
/// Binds `$2` (team, may be null) and `$3` (user).
pub(super) fn person_scope_clause(scope: CaseScope) -> Option<(&'static str, Option<i64>, i64)> {
    match scope {
        CaseScope::Team { team, user } => Some((
            "(p.created_by = $3 OR p.id IN (SELECT r.person_id FROM referrals r WHERE r.team_id = $2))",
            Some(team),
            user,
        )),
        // Only the people they registered: a referral made for someone already on file
        // (matched by NHS number) never opens what others recorded about them.
        CaseScope::MadeBy(user) => Some((
            "($2 IS NULL AND p.created_by = $3)",
            None,
            user,
        )),
        CaseScope::Nothing => None,
    }
}

/// The ids of the referrals a scope may read, as a subquery whose one parameter is `$1`.
pub(super) fn referral_ids_in_scope(scope: CaseScope) -> Option<(&'static str, i64)> {
    match scope {
        CaseScope::Team { team, .. } => {
            Some(("SELECT r.id FROM referrals r WHERE r.team_id = $1", team))
        }
        CaseScope::MadeBy(user) => Some((
            "SELECT r.id FROM referrals r WHERE r.referred_by = $1",
            user,
        )),
        CaseScope::Nothing => None,
    }
}
