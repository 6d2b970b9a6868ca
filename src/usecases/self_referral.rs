//! A self-referral from the public page: nobody is signed in, so the acting account is the
//! disabled "Self-referral form" account made by migration 0027, and the page's own
//! protections stand in for the access policy (docs/self-referral.md).
//!
//! The submission is counted against its network address first, under a lock, and goes no
//! further past the limit. A genuine one always makes a new, unmatched person: the NHS
//! number typed is never looked up, so the answer is the same whoever is on file.

use crate::audit::AuditContext;
use crate::error::{AppError, AppResult};
use crate::geo::Postcode;
use crate::intake::self_referral::{address_key, new_reference, Received, SelfReferral};
use crate::state::AppState;
use crate::store::SelfReferralPlace;
use chrono::{Duration, Utc};
use std::net::IpAddr;

/// What came in: a form a person filled in, or one whose hidden honeypot field was filled
/// (a robot), which is answered alike and writes nothing.
#[derive(Debug, Clone)]
pub enum Submission {
    Genuine(Box<SelfReferral>),
    Honeypot { first_name: String },
}

/// What the page tells the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Received(Received),
    /// Too many from this address in the window: try again after this long.
    TooMany {
        retry_after: Duration,
    },
}

pub async fn submit(
    state: &AppState,
    client: IpAddr,
    request_id: String,
    submission: Submission,
) -> AppResult<Outcome> {
    let limits = state.settings.self_referral_limits;
    let counted = state
        .store
        .count_self_referral(&address_key(client), Utc::now(), &limits)
        .await?;
    if let Err(retry_after) = counted {
        // No personal data in the log: not the address, nothing typed.
        tracing::warn!(
            wait_seconds = retry_after.num_seconds(),
            "self-referral refused: too many from one address"
        );
        return Ok(Outcome::TooMany { retry_after });
    }
    let referral = match submission {
        Submission::Honeypot { first_name } => {
            tracing::warn!("self-referral honeypot filled: answered as received, nothing written");
            return Ok(Outcome::Received(Received {
                reference: new_reference(),
                first_name,
            }));
        }
        Submission::Genuine(referral) => referral,
    };
    let place = match referral.postcode.as_deref().map(Postcode::parse) {
        Some(Ok(postcode)) => {
            let geography = state.geography().await?;
            match geography.resolve(&postcode) {
                Ok(location) => SelfReferralPlace {
                    lsoa: Some(location.lsoa),
                    imd_decile: location.imd_decile.map(|d| d.get()),
                },
                // A postcode not in the directory still makes a referral: the link worker
                // checks the address on the phone.
                Err(_) => SelfReferralPlace::default(),
            }
        }
        _ => SelfReferralPlace::default(),
    };
    let team = state
        .store
        .self_referral_team(
            place.lsoa.as_deref(),
            state.settings.self_referral_team.as_deref(),
        )
        .await?
        .ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!(
                "no team is set up to receive self-referrals"
            ))
        })?;
    let (actor_id, actor_role) = state.store.self_referral_account().await?;
    let ctx = AuditContext {
        actor_id,
        actor_role,
        purpose: "self-referral".into(),
        request_id,
    };
    let reference = new_reference();
    state
        .store
        .admit_self_referral(&referral, &place, team, &reference, &ctx)
        .await?;
    Ok(Outcome::Received(Received {
        reference,
        first_name: referral.given_name,
    }))
}
