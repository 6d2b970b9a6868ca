//! `linkwell people ...`: records management (erasure on request or after retention).

use super::shared::{connect_existing, DbArgs};
use crate::usecases::people_admin;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum PeopleCommand {
    /// Erase one person's identifying details and casework text (e.g. on request).
    Erase {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        id: i64,
        /// The administrator doing this, recorded in the audit log.
        #[arg(long)]
        by: String,
    },
    /// Erase everyone whose referrals all ended more than the retention period ago.
    EraseExpired {
        #[command(flatten)]
        db: DbArgs,
        /// Years to keep records after a person's last referral ends.
        #[arg(long, default_value_t = 8)]
        retention_years: u32,
        #[arg(long)]
        by: String,
        /// List who would be erased, and erase no one.
        #[arg(long)]
        dry_run: bool,
    },
}

pub async fn run(command: PeopleCommand) -> anyhow::Result<()> {
    let (db, by) = match &command {
        PeopleCommand::Erase { db, by, .. } | PeopleCommand::EraseExpired { db, by, .. } => {
            (db, by)
        }
    };
    let store = connect_existing(&db.database_url).await?;
    let by = people_admin::acting_administrator(&store, by).await?;
    match command {
        PeopleCommand::Erase { id, .. } => {
            people_admin::erase(&store, &by, id).await?;
            println!("erased person {id}");
        }
        PeopleCommand::EraseExpired {
            retention_years,
            dry_run,
            ..
        } => {
            let due = people_admin::due_for_erasure(&store, retention_years).await?;
            for id in &due.people {
                if dry_run {
                    println!("would erase person {id}");
                } else {
                    people_admin::erase(&store, &by, *id).await?;
                }
            }
            println!(
                "{} {} people whose referrals all ended before {}",
                if dry_run { "would erase" } else { "erased" },
                due.people.len(),
                due.cutoff.date_naive()
            );
        }
    }
    Ok(())
}
