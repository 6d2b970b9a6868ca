//! The caseload list: one query over referrals, people and connections with optional filters,
//! kept apart because what a referrer may see of a row differs from what the team sees.

use super::error::StoreResult;
use super::scope::referral_scope_clause;
use super::{on_reader, Store};
use crate::audit::{AuditAction, AuditContext};
use crate::auth::policy::CaseScope;
use crate::referrals::*;
use chrono::Utc;

impl Store {
    /// A caseload list within scope, newest first, with optional filters.
    pub async fn caseload(
        &self,
        scope: CaseScope,
        filter: &CaseloadFilter,
    ) -> StoreResult<Vec<CaseloadRow>> {
        let Some((clause, scope_id)) = referral_scope_clause(scope) else {
            return Ok(vec![]);
        };
        let open: Vec<&str> = ReferralState::ALL
            .iter()
            .filter(|s| s.is_open())
            .map(|s| s.code())
            .collect();
        // A referrer sees what they sent and where the referral stands: the name only of
        // people they registered (the family name they matched otherwise), and nothing the
        // team recorded (follow-ups, connections) or derived from another's record.
        // A referrer finds by NHS number, date of birth or whole name only the people they
        // registered; others by the family name they see, so a search reveals nothing more.
        let identified = if matches!(scope, CaseScope::MadeBy(_)) {
            "p.created_by = $2"
        } else {
            "1 = 1"
        };
        let (name, follow_up, imd, unanswered_count) = if matches!(scope, CaseScope::MadeBy(_)) {
            (
                "CASE WHEN p.created_by = $2 THEN p.given_name || ' ' || p.family_name ELSE p.family_name END",
                "CAST(NULL AS DATE)",
                "CASE WHEN p.created_by = $2 THEN p.imd_decile END",
                "(SELECT COUNT(*) FROM connections k WHERE 1 = 0 AND k.sent_at < $7)",
            )
        } else {
            (
                "p.given_name || ' ' || p.family_name",
                "r.next_follow_up_on",
                "p.imd_decile",
                "(SELECT COUNT(*) FROM connections k WHERE k.referral_id = r.id AND k.status = 'requested' AND k.sent_at < $7)",
            )
        };
        let (nhs_number, date_of_birth, name_like) = match &filter.search {
            Some(CaseloadSearch::NhsNumber(n)) => (Some(n.clone()), None, None),
            Some(CaseloadSearch::DateOfBirth(d)) => (None, Some(*d), None),
            // Part of a name, anywhere in it; the user's % and _ are matched as typed.
            Some(CaseloadSearch::Name(n)) => (None, None, Some(format!("%{}%", like_escaped(n)))),
            None => (None, None, None),
        };
        let sql = format!(
            "SELECT r.id AS referral_id, p.id AS person_id, {name} AS person_name, \
             r.state, r.version, r.link_worker_id, u.display_name AS link_worker_name, r.received_at, {follow_up} AS next_follow_up_on, \
             {imd} AS imd_decile, {unanswered_count} AS unanswered_connections, r.referrer_kind \
             FROM referrals r JOIN people p ON p.id = r.person_id LEFT JOIN users u ON u.id = r.link_worker_id \
             WHERE {clause} \
             AND ($1 IS NULL OR r.state = $1) \
             AND ($3 IS NULL OR r.link_worker_id = $3) \
             AND ($4 IS NULL OR (r.next_follow_up_on < $4 AND r.state IN ('{open}'))) \
             AND ($8 IS NULL OR (r.next_follow_up_on = $8 AND r.state IN ('{open}'))) \
             {unanswered}{unassigned} \
             AND ($9 IS NULL OR (p.nhs_number = $9 AND {identified})) \
             AND ($10 IS NULL OR (p.date_of_birth = $10 AND {identified})) \
             AND ($11 IS NULL OR LOWER({name}) LIKE $11 ESCAPE '!' \
                  OR ({identified} AND LOWER(p.family_name || ' ' || p.given_name) LIKE $11 ESCAPE '!')) \
             ORDER BY {order} LIMIT $5 OFFSET $6",
            open = open.join("', '"),
            unanswered = if filter.unanswered {
                "AND EXISTS (SELECT 1 FROM connections k WHERE k.referral_id = r.id AND k.status = 'requested' AND k.sent_at < $7) "
            } else {
                ""
            },
            // Overdue follow-ups, most overdue first (issue 15): the earliest date first.
            order = if filter.overdue_on.is_some() {
                "r.next_follow_up_on, r.received_at, r.id"
            } else {
                "r.received_at DESC, r.id DESC"
            },
            unassigned = if filter.unassigned {
                format!("AND r.link_worker_id IS NULL AND r.state IN ('{}') ", open.join("', '"))
            } else {
                String::new()
            },
        );
        Ok(on_reader!(self, pool => sqlx::query_as(&sql)
            .bind(filter.state.map(ReferralState::code))
            .bind(scope_id)
            .bind(filter.link_worker_id)
            .bind(filter.overdue_on)
            .bind(filter.limit).bind(filter.offset)
            .bind(Utc::now() - chrono::Duration::days(UNANSWERED_AFTER_DAYS))
            .bind(filter.due_on)
            .bind(nhs_number)
            .bind(date_of_birth)
            .bind(name_like)
            .fetch_all(pool).await)?)
    }

    /// A caseload list for someone to see; the listing itself is audited.
    pub async fn read_caseload(
        &self,
        scope: CaseScope,
        filter: &CaseloadFilter,
        ctx: &AuditContext,
    ) -> StoreResult<Vec<CaseloadRow>> {
        let rows = self.caseload(scope, filter).await?;
        self.audit_read(ctx, AuditAction::List, "caseload", None, None)
            .await?;
        Ok(rows)
    }
}

/// Text for a `LIKE ... ESCAPE '!'` pattern that matches itself only.
fn like_escaped(text: &str) -> String {
    text.replace('!', "!!")
        .replace('%', "!%")
        .replace('_', "!_")
}
