//! Connections to community services, one for each goal's need: mostly accepted; attendance
//! falls with deprivation and exclusion and rises when someone goes along; a connection
//! that fails records the barrier met. Each is made under the person's consent to share
//! their name and needs with the organisation.

use super::plan::GOALS_PER_REFERRAL;
use super::{at, History};
use crate::demo::generate::batch::{Batch, Ids};
use crate::demo::generate::people::SynthPerson;
use crate::demo::generate::staff::Staff;
use crate::people::PlusGroup;
use crate::referrals::{Barrier, ConnectionStatus};
use crate::store::bulk::rows::{BarrierRow, ConnectionEventRow, ConnectionRow, ConsentRow};
use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Makes the connections; returns whether the person attended any.
pub(super) fn connect(
    r: &History,
    rng: &mut ChaCha8Rng,
    t: &mut Batch,
    ids: &mut Ids,
    staff: &Staff,
) -> bool {
    let mut attended_any = false;
    for need in r.needs.iter().take(GOALS_PER_REFERRAL) {
        ids.connection += 1;
        let services = &staff.services_by_need[need];
        let (service, organisation) = &services[rng.gen_range(0..services.len())];
        let accompanied = rng.gen_bool(0.2);
        let sent = at(r.day, rng);
        let mut track = Track {
            id: ids.connection,
            status: ConnectionStatus::Requested,
            when: sent,
        };
        track.record(t, r.worker);
        attended_any |= follow_through(r, rng, t, &mut track, accompanied);
        let status_at = if track.when.date_naive() > r.today {
            sent
        } else {
            track.when
        };
        // Consent to share name and needs with the organisation, given as the connection is made.
        ids.consent += 1;
        t.consents.push(ConsentRow {
            id: ids.consent,
            person_id: r.person_id,
            organisation: organisation.clone(),
            share_fields: "name,needs",
            method: "verbal",
            given_at: sent,
            recorded_by: r.worker,
        });
        t.connections.push(ConnectionRow {
            consent_id: ids.consent,
            id: track.id,
            referral_id: r.id,
            service_id: *service,
            status: track.status.code(),
            accompanied,
            sent_at: sent,
            status_at,
            notes: "",
            created_by: r.worker,
        });
    }
    attended_any
}

/// A connection's statuses as they are recorded.
struct Track {
    id: i64,
    status: ConnectionStatus,
    when: DateTime<Utc>,
}

impl Track {
    fn record(&self, t: &mut Batch, actor: i64) {
        t.connection_events.push(ConnectionEventRow {
            connection_id: self.id,
            status: self.status.code(),
            note: "",
            actor_id: actor,
            at: self.when,
        });
    }

    /// Moves to `status` `days` (and some minutes) later.
    fn step(
        &mut self,
        t: &mut Batch,
        status: ConnectionStatus,
        days: i64,
        actor: i64,
        rng: &mut ChaCha8Rng,
    ) {
        self.when += Duration::days(days) + Duration::minutes(rng.gen_range(0..600));
        self.status = status;
        self.record(t, actor);
    }
}

/// Accepted or not, attended or not, completed or not; returns whether the person attended.
fn follow_through(
    r: &History,
    rng: &mut ChaCha8Rng,
    t: &mut Batch,
    track: &mut Track,
    accompanied: bool,
) -> bool {
    let p = r.person;
    let worker = r.worker;
    if !rng.gen_bool(0.9) {
        track.step(
            t,
            ConnectionStatus::Rejected,
            rng.gen_range(1..10),
            worker,
            rng,
        );
        push_barrier(t, r, track, Barrier::ServiceFull);
        return false;
    }
    track.step(
        t,
        ConnectionStatus::Accepted,
        rng.gen_range(1..10),
        worker,
        rng,
    );
    if rng.gen_bool(chance_of_attending(p, r.quintile, accompanied)) {
        track.step(
            t,
            ConnectionStatus::AttendedFirstSession,
            rng.gen_range(3..21),
            worker,
            rng,
        );
        if rng.gen_bool(0.7) {
            track.step(
                t,
                ConnectionStatus::Completed,
                rng.gen_range(20..60),
                worker,
                rng,
            );
        }
        true
    } else {
        track.step(
            t,
            ConnectionStatus::Failed,
            rng.gen_range(7..21),
            worker,
            rng,
        );
        let barrier = pick_barrier(rng, p);
        push_barrier(t, r, track, barrier);
        false
    }
}

fn chance_of_attending(p: &SynthPerson, quintile: f64, accompanied: bool) -> f64 {
    let mut p_attend = 0.78 - 0.05 * (5.0 - quintile);
    if p.minority() {
        p_attend -= 0.06;
    }
    if p.plus.contains(&PlusGroup::InclusionHealth)
        || p.plus.contains(&PlusGroup::LearningDisabilityAutism)
    {
        p_attend -= 0.1;
    }
    if accompanied {
        p_attend += 0.12;
    }
    p_attend.clamp(0.05, 0.95)
}

/// The barrier met on a connection, when its last status was recorded.
fn push_barrier(t: &mut Batch, r: &History, track: &Track, barrier: Barrier) {
    t.barriers.push(BarrierRow {
        referral_id: r.id,
        barrier: barrier.code(),
        connection_id: Some(track.id),
        notes: "",
        at: track.when,
        recorded_by: r.worker,
    });
}

/// Barriers a person meets when a connection does not work out, by circumstance.
pub(super) fn pick_barrier(rng: &mut ChaCha8Rng, p: &SynthPerson) -> Barrier {
    let mut options = vec![
        (Barrier::Confidence, 1.0),
        (Barrier::ServiceFull, 0.6),
        (Barrier::CaringOrWork, 0.5),
    ];
    if p.quintile() <= 2 {
        options.extend([
            (Barrier::CostOfTakingPart, 1.5),
            (Barrier::Transport, 1.2),
            (Barrier::NoConnection, 0.6),
        ]);
    }
    if p.age >= 70 {
        options.extend([
            (Barrier::Transport, 1.0),
            (Barrier::NoDigitalSkills, 0.8),
            (Barrier::PhysicalAccess, 0.7),
        ]);
    }
    if p.minority() {
        options.extend([
            (Barrier::Language, 0.9),
            (Barrier::Stigma, 0.5),
            (Barrier::NotAccepted, 0.3),
        ]);
    }
    if p.plus.contains(&PlusGroup::LearningDisabilityAutism) {
        options.push((Barrier::LearningDisability, 1.5));
    }
    let total: f64 = options.iter().map(|o| o.1).sum();
    let mut x = rng.gen::<f64>() * total;
    for (barrier, w) in &options {
        x -= w;
        if x <= 0.0 {
            return *barrier;
        }
    }
    options[0].0
}
