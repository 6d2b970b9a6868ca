//! Referrals arriving whole (a FHIR ServiceRequest or transaction, the referral page, a
//! spreadsheet): who each one is for, and admitting them, all or none.
//!
//! Matching a person on file by NHS number is an oracle if left open, so refusals are
//! worded alike, audited and counted for the actor, and after [`MATCH_FAILURES_ALLOWED`]
//! nothing more is checked for a while (`store/identity_match.rs` keeps the count).

use crate::audit::AuditContext;
use crate::auth::policy::Action;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::import::RowError;
use crate::intake::csv::{problem, ReferralRow, REFERENCE_SYSTEM};
use crate::intake::{Admitted, Intake, Subject};
use crate::people::{MatchRefused, NewPerson, MATCH_FAILURES_ALLOWED, MATCH_WINDOW_MINUTES};
use crate::referrals::Referral;
use crate::store::{MatchOutcome, Store};
use chrono::NaiveTime;
use std::collections::HashMap;

fn match_window() -> chrono::Duration {
    chrono::Duration::minutes(MATCH_WINDOW_MINUTES)
}

/// Checks `person`'s NHS number against the record, counted, audited and throttled by the
/// store alike whoever asks: `accepts` says whether the name and date of birth on file are
/// this person's. `None` when no NHS number was given.
async fn match_on_file(
    store: &Store,
    actor: &AuditContext,
    person: &NewPerson,
    accepts: impl FnOnce(&str, chrono::NaiveDate) -> bool,
) -> anyhow::Result<Option<MatchOutcome>> {
    let Some(nhs) = person.nhs_number else {
        return Ok(None);
    };
    let digits = nhs.to_string().replace(' ', "");
    let outcome = store
        .match_identity(
            actor,
            &digits,
            MATCH_FAILURES_ALLOWED,
            match_window(),
            accepts,
        )
        .await?;
    Ok(Some(outcome))
}

/// Who a referral for `person` is for: someone already registered under their NHS number
/// (whose family name and date of birth must then match), or a new person. A person
/// referred again is never registered twice. The building block of [`subject`] and of the
/// spreadsheet import; callers have checked the actor may make referrals.
pub async fn subject_for(
    store: &Store,
    actor: &AuditContext,
    person: NewPerson,
) -> anyhow::Result<Result<Subject, MatchRefused>> {
    let (family, born) = (person.family_name.trim().to_owned(), person.date_of_birth);
    let outcome = match_on_file(store, actor, &person, move |family_name, on_file_born| {
        family_name.trim().eq_ignore_ascii_case(&family) && on_file_born == born
    })
    .await?;
    Ok(match outcome {
        None | Some(MatchOutcome::NotOnFile) => Ok(Subject::New(Box::new(person))),
        Some(MatchOutcome::Matched(id)) => Ok(Subject::Existing(id)),
        Some(MatchOutcome::Refused) => Err(MatchRefused::NotAccepted),
        Some(MatchOutcome::Throttled) => Err(MatchRefused::TooManyFailures),
    })
}

/// Registering a person whose NHS number is already on file is refused as a failed match
/// is: counted, audited and worded alike, so registration is no existence oracle either.
pub async fn check_unregistered(
    store: &Store,
    actor: &AuditContext,
    person: &NewPerson,
) -> anyhow::Result<Result<(), MatchRefused>> {
    Ok(
        match match_on_file(store, actor, person, |_, _| false).await? {
            None | Some(MatchOutcome::NotOnFile | MatchOutcome::Matched(_)) => Ok(()),
            Some(MatchOutcome::Refused) => Err(MatchRefused::NotAccepted),
            Some(MatchOutcome::Throttled) => Err(MatchRefused::TooManyFailures),
        },
    )
}

/// Who a sent person is (see [`subject_for`]), for a user who may make referrals; a
/// refused match is an error like any other (409, or 429 when throttled).
pub async fn subject(store: &Store, user: &CurrentUser, person: NewPerson) -> AppResult<Subject> {
    user.require(Action::CreateReferral)?;
    subject_for(store, &user.audit_context(), person)
        .await?
        .map_err(AppError::from)
}

/// A person already on file, if the user may see them, as the one a referral is for.
pub async fn existing_subject(
    store: &Store,
    user: &CurrentUser,
    person_id: i64,
) -> AppResult<Option<Subject>> {
    user.require(Action::CreateReferral)?;
    Ok(store
        .person(person_id, user.case_scope())
        .await?
        .map(|p| Subject::Existing(p.id)))
}

/// The practice with this ODS code: its id, and the team that serves it if one does.
pub async fn practice_by_code(
    store: &Store,
    user: &CurrentUser,
    code: &str,
) -> AppResult<Option<(i64, Option<i64>)>> {
    user.require(Action::CreateReferral)?;
    Ok(store.practice_by_code(code).await?)
}

/// A referral already made under a sender's identifier.
pub enum Earlier {
    /// One the user may see, with all its identifiers.
    Visible {
        referral: Referral,
        identifiers: Vec<(String, String)>,
    },
    /// One made by someone whose records the user may not see.
    MadeByOthers,
}

/// The referral already made under `(system, value)`, so the same referral sent twice is
/// made once.
pub async fn earlier(
    store: &Store,
    user: &CurrentUser,
    (system, value): &(String, String),
) -> AppResult<Option<Earlier>> {
    user.require(Action::CreateReferral)?;
    let Some(existing) = store.referral_for_identifier(system, value).await? else {
        return Ok(None);
    };
    let Some(referral) = store.referral(existing, user.case_scope()).await? else {
        return Ok(Some(Earlier::MadeByOthers));
    };
    let identifiers = store.identifiers_of(existing).await?;
    Ok(Some(Earlier::Visible {
        referral,
        identifiers,
    }))
}

/// Admits every intake or none, as the user (its maker in the record and the audit log;
/// their team for people whose practice no team serves). A failure names the intake
/// (0-based) it came from.
pub async fn admit(
    store: &Store,
    user: &CurrentUser,
    intakes: &[Intake],
) -> Result<Vec<Admitted>, (usize, AppError)> {
    user.require(Action::CreateReferral)
        .map_err(|e| (0, e.into()))?;
    store
        .admit(intakes, &user.audit_context(), user.team_id)
        .await
        .map_err(|(index, e)| (index, e.into()))
}

/// Admits one referral, and the referral it made.
pub async fn admit_one(
    store: &Store,
    user: &CurrentUser,
    intake: Intake,
) -> AppResult<(Admitted, Referral)> {
    let admitted = admit(store, user, std::slice::from_ref(&intake))
        .await
        .map_err(|(_, e)| e)?
        .remove(0);
    let referral = store.referral_by_id(admitted.referral_id).await?;
    Ok((admitted, referral))
}

/// The user a spreadsheet is imported as, who must be one who may make referrals.
pub async fn importer(store: &Store, username: &str) -> anyhow::Result<CurrentUser> {
    let user = store
        .user_by_username(username)
        .await?
        .ok_or_else(|| anyhow::anyhow!("there is no user {username:?}"))?;
    anyhow::ensure!(
        user.may(Action::CreateReferral),
        "{username} ({}) may not make referrals",
        user.role.code()
    );
    Ok(user)
}

/// Checks a spreadsheet's rows against what is on file (practices, people by NHS number,
/// references already imported) and turns them into intakes; every problem, or the intakes.
pub async fn plan_spreadsheet(
    store: &Store,
    user: &CurrentUser,
    rows: Vec<ReferralRow>,
) -> AppResult<Result<Vec<Intake>, Vec<RowError>>> {
    user.require(Action::CreateReferral)?;
    let actor = user.audit_context();
    let actor_team = user.team_id;
    let mut errors = Vec::new();
    let mut intakes = Vec::with_capacity(rows.len());
    let mut practices: HashMap<String, Option<(i64, Option<i64>)>> = HashMap::new();
    for row in rows {
        let line = row.line;
        let mut person = row.person;
        let mut team = actor_team;
        if let Some(code) = &row.practice_code {
            if !practices.contains_key(code) {
                practices.insert(code.clone(), store.practice_by_code(code).await?);
            }
            match practices[code] {
                None => {
                    errors.push(RowError {
                        line,
                        field: "practice_code",
                        message: format!("no practice has the ODS code {code:?}"),
                    });
                    continue;
                }
                Some((id, practice_team)) => {
                    person.practice_id = Some(id);
                    team = practice_team.or(actor_team);
                }
            }
        }
        if team.is_none() {
            errors.push(RowError { line, field: "practice_code", message:
                "no social prescribing team serves this practice, and the importing user has no team".into() });
            continue;
        }
        let subject = match row.same_person_as {
            Some(earlier) => Subject::SameAsEarlier(earlier),
            None => match subject_for(store, &actor, person).await? {
                Ok(subject) => subject,
                Err(refused) => {
                    errors.push(problem(line, "nhs_number", refused.message()));
                    continue;
                }
            },
        };
        if let Some(reference) = &row.reference {
            if let Some(referral) = store
                .referral_for_identifier(REFERENCE_SYSTEM, reference)
                .await?
            {
                errors.push(RowError {
                    line,
                    field: "reference",
                    message: format!("{reference:?} was imported before (referral {referral})"),
                });
                continue;
            }
        }
        intakes.push(Intake {
            subject,
            referrer_kind: row.referrer_kind,
            reason: row.reason,
            received_at: row.referred_on.and_time(NaiveTime::MIN).and_utc(),
            identifier: row.reference.map(|r| (REFERENCE_SYSTEM.to_string(), r)),
            consent: None,
            programme: None,
        });
    }
    Ok(if errors.is_empty() {
        Ok(intakes)
    } else {
        Err(errors)
    })
}
