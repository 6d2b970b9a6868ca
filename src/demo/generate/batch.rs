//! The rows generated since the last write, one buffer per table, and the ids handed out.

use super::people::NHS_TEST_RANGE;
use crate::store::bulk::rows::*;
use crate::store::bulk::{PendingRows, Rows};
use crate::store::Store;

/// Everything buffered for one batch, flushed parents first.
#[derive(Default)]
pub(super) struct Batch {
    pub people: Rows<PersonRow>,
    pub referrals: Rows<ReferralRow>,
    pub events: Rows<ReferralEventRow>,
    pub contacts: Rows<ContactRow>,
    pub needs: Rows<NeedRow>,
    pub goals: Rows<GoalRow>,
    pub goal_progress: Rows<GoalProgressRow>,
    pub consents: Rows<ConsentRow>,
    pub connections: Rows<ConnectionRow>,
    pub connection_events: Rows<ConnectionEventRow>,
    pub barriers: Rows<BarrierRow>,
    pub measures: Rows<MeasureRow>,
    pub service_use: Rows<ServiceUseRow>,
}

impl Batch {
    /// Every table, parents before the tables that refer to them.
    fn tables(&mut self) -> [&mut dyn PendingRows; 13] {
        [
            &mut self.people,
            &mut self.referrals,
            &mut self.events,
            &mut self.contacts,
            &mut self.needs,
            &mut self.goals,
            &mut self.goal_progress,
            &mut self.consents,
            &mut self.connections,
            &mut self.connection_events,
            &mut self.barriers,
            &mut self.measures,
            &mut self.service_use,
        ]
    }

    /// Writes the buffered rows in one transaction.
    pub async fn flush(&mut self, store: &Store) -> anyhow::Result<()> {
        store.insert_rows(&mut self.tables()).await?;
        Ok(())
    }

    /// Rows written so far, in all tables.
    pub fn written(&mut self) -> u64 {
        self.tables().iter().map(|t| t.written()).sum()
    }
}

/// The ids given so far: rows whose id other rows name get it here, so children can be
/// written in the same batch without reading anything back.
#[derive(Default)]
pub(super) struct Ids {
    pub person: i64,
    pub referral: i64,
    pub goal: i64,
    pub connection: i64,
    pub consent: i64,
    /// The next candidate for an NHS number (first nine digits).
    pub nhs_seed: u32,
}

impl Ids {
    pub fn new() -> Ids {
        Ids {
            nhs_seed: *NHS_TEST_RANGE.start(),
            ..Ids::default()
        }
    }
}
