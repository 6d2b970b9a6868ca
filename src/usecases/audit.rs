//! The audit log for information governance: checking its hash chain and reading it out.
//! Run from the command line, which acts for whoever may open the database (no policy
//! applies), and reads the log without adding to it, as before.

use crate::audit::{AuditRecord, ChainBreak};
use crate::error::AppResult;
use crate::store::Store;

/// Records read at a time while exporting, so a long log never sits in memory whole.
const PAGE: i64 = 10_000;

/// Checks the whole chain: the number of records and the tip's hash when it holds, or the
/// first record that does not fit.
pub async fn verify(store: &Store) -> AppResult<Result<(i64, String), ChainBreak>> {
    Ok(store.verify_audit().await?)
}

/// Hands every record to `each`, oldest first; returns how many there were.
pub async fn export(
    store: &Store,
    mut each: impl FnMut(&AuditRecord) -> anyhow::Result<()>,
) -> AppResult<usize> {
    let mut after = 0;
    let mut count = 0;
    loop {
        let page = store.audit_records(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for record in &page {
            each(record)?;
            count += 1;
        }
    }
    Ok(count)
}
