//! A connection's message thread, for the two sides that share it: the team holding the
//! referral (link workers and team leads) and the community organisation the connection was
//! sent to. The organisation reads and writes only while the person's consent to share with
//! it is confirmed and in force; the team keeps reading its record of what was said, but
//! cannot send more once the consent is withdrawn (the organisation could not read it).

use crate::auth::policy::Action;
use crate::auth::{CurrentUser, Role};
use crate::error::{AppError, AppResult};
use crate::messages::{Message, MessageSide, Thread};
use crate::store::messages::ThreadSubject;
use crate::store::Store;
use std::collections::HashMap;

/// The connection and which side the user is on, or why not: another organisation's or
/// another team's connection is not found; the organisation's own connection without a
/// consent in force is refused in words saying why.
async fn side_of(
    store: &Store,
    user: &CurrentUser,
    connection_id: i64,
) -> AppResult<(ThreadSubject, MessageSide)> {
    user.require(Action::ExchangeMessages)?;
    let subject = store
        .thread_subject(connection_id)
        .await?
        .ok_or(AppError::NotFound("connection"))?;
    if user.role == Role::Vcse {
        if user.organisation.as_deref() != Some(subject.organisation.as_str()) {
            return Err(AppError::NotFound("connection"));
        }
        if !subject.consent_in_force {
            return Err(AppError::Forbidden(format!(
                "the person's consent to share with {} is not in force (it was withdrawn, or is not yet confirmed), \
                 so you cannot read or send messages about this connection",
                subject.organisation
            )));
        }
        return Ok((subject, MessageSide::Organisation));
    }
    if store
        .referral(subject.referral_id, user.case_scope())
        .await?
        .is_none()
    {
        return Err(AppError::NotFound("connection"));
    }
    Ok((subject, MessageSide::Team))
}

/// Reads a connection's thread (marking it read for the user; audited).
pub async fn thread(store: &Store, user: &CurrentUser, connection_id: i64) -> AppResult<Thread> {
    let (subject, side) = side_of(store, user, connection_id).await?;
    let (messages, unread) = store
        .read_thread(&subject, side, &user.audit_context())
        .await?;
    Ok(Thread {
        connection_id: subject.connection_id,
        service_name: subject.service_name,
        organisation: subject.organisation,
        consent_in_force: subject.consent_in_force,
        unread,
        messages,
        person_id: (side == MessageSide::Team).then_some(subject.person_id),
    })
}

/// Sends a message (its text already checked with `messages::message_body`), audited;
/// refused with nothing written when the person's consent is not in force.
pub async fn send(
    store: &Store,
    user: &CurrentUser,
    connection_id: i64,
    body: &str,
) -> AppResult<Message> {
    let (subject, side) = side_of(store, user, connection_id).await?;
    Ok(store
        .add_message(&subject, side, body, &user.audit_context())
        .await?)
}

/// For a team member: messages from organisations they have not read, per referral in
/// their scope (counts only, so nothing personal is read). Other roles have none.
pub async fn unread_by_referral(store: &Store, user: &CurrentUser) -> AppResult<HashMap<i64, i64>> {
    if !user.may(Action::ReadCasework) {
        return Ok(HashMap::new());
    }
    let mut counts = HashMap::new();
    for (_, referral, unread) in store
        .unread_from_organisations(user.case_scope(), user.id, None)
        .await?
    {
        *counts.entry(referral).or_insert(0) += unread;
    }
    Ok(counts)
}

/// For a team member: messages from organisations they have not read, per connection of
/// one person's referrals in their scope.
pub async fn unread_by_connection(
    store: &Store,
    user: &CurrentUser,
    person_id: i64,
) -> AppResult<HashMap<i64, i64>> {
    if !user.may(Action::ReadCasework) {
        return Ok(HashMap::new());
    }
    Ok(store
        .unread_from_organisations(user.case_scope(), user.id, Some(person_id))
        .await?
        .into_iter()
        .map(|(connection, _, unread)| (connection, unread))
        .collect())
}
