//! `linkwell audit ...`: check the audit log's hash chain, or export it as CSV.

use super::shared::{connect_existing, DbArgs};
use crate::csv_cell::neutralise;
use crate::usecases;
use anyhow::Context;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain; exits 1 and names the first bad record if it is broken.
    Verify {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Write every audit record as CSV, for an information governance review.
    Export {
        #[command(flatten)]
        db: DbArgs,
        /// Output file; `-` for standard output.
        #[arg(long, default_value = "-")]
        out: PathBuf,
    },
}

pub async fn run(command: AuditCommand) -> anyhow::Result<()> {
    match command {
        AuditCommand::Verify { db } => {
            let store = connect_existing(&db.database_url).await?;
            match usecases::audit::verify(&store).await? {
                Ok((count, tip)) => {
                    println!("audit chain intact: {count} records; tip {count}:{tip}");
                    println!("keep the tip somewhere else: a later check that does not pass through it means the log was rewritten");
                    Ok(())
                }
                Err(broken) => {
                    eprintln!(
                        "audit chain BROKEN at record {}: {}",
                        broken.id, broken.reason
                    );
                    std::process::exit(1);
                }
            }
        }
        AuditCommand::Export { db, out } => {
            let store = connect_existing(&db.database_url).await?;
            let sink: Box<dyn std::io::Write> = if out.as_os_str() == "-" {
                Box::new(std::io::stdout().lock())
            } else {
                Box::new(
                    std::fs::File::create(&out)
                        .with_context(|| format!("creating {}", out.display()))?,
                )
            };
            let mut writer = csv::Writer::from_writer(sink);
            let count = usecases::audit::export(&store, |record| {
                Ok(writer.serialize(AuditCsvRow::from(record))?)
            })
            .await?;
            writer.flush()?;
            eprintln!("exported {count} audit records");
            Ok(())
        }
    }
}

/// An audit record as a CSV row: its text cells neutralised against spreadsheet formulas
/// (a request id may begin with `-`), numbers and hashes as they are.
#[derive(serde::Serialize)]
struct AuditCsvRow<'a> {
    id: i64,
    at: &'a str,
    actor_id: Option<i64>,
    actor_role: std::borrow::Cow<'a, str>,
    action: std::borrow::Cow<'a, str>,
    record_type: std::borrow::Cow<'a, str>,
    record_id: Option<i64>,
    person_id: Option<i64>,
    purpose: std::borrow::Cow<'a, str>,
    request_id: std::borrow::Cow<'a, str>,
    prev_hash: &'a str,
    hash: &'a str,
}

impl<'a> From<&'a crate::audit::AuditRecord> for AuditCsvRow<'a> {
    fn from(r: &'a crate::audit::AuditRecord) -> Self {
        AuditCsvRow {
            id: r.id,
            at: &r.at,
            actor_id: r.actor_id,
            actor_role: neutralise(&r.actor_role),
            action: neutralise(&r.action),
            record_type: neutralise(&r.record_type),
            record_id: r.record_id,
            person_id: r.person_id,
            purpose: neutralise(&r.purpose),
            request_id: neutralise(&r.request_id),
            prev_hash: &r.prev_hash,
            hash: &r.hash,
        }
    }
}
