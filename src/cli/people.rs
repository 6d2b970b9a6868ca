//! `linkwell people ...`: records management (erasure on request or after retention).

use super::shared::{connect_existing, DbArgs};
use crate::auth::Role;
use anyhow::Context;
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
    let (actor_id, role) = store
        .user_role(by)
        .await?
        .with_context(|| format!("no user {by:?}"))?;
    anyhow::ensure!(role == Role::Admin, "{by} is not an administrator");
    let ctx = crate::audit::AuditContext {
        actor_id,
        actor_role: role.code().to_string(),
        purpose: "records management".into(),
        request_id: format!("cli-{}", &crate::auth::new_secret("").0[..16]),
    };
    match command {
        PeopleCommand::Erase { id, .. } => {
            store.erase_person(id, &ctx).await?;
            println!("erased person {id}");
        }
        PeopleCommand::EraseExpired {
            retention_years,
            dry_run,
            ..
        } => {
            let cutoff = chrono::Utc::now()
                - chrono::Duration::days(365 * retention_years as i64 + retention_years as i64 / 4);
            let due = store.people_due_for_erasure(cutoff).await?;
            for id in &due {
                if dry_run {
                    println!("would erase person {id}");
                } else {
                    store.erase_person(*id, &ctx).await?;
                }
            }
            println!(
                "{} {} people whose referrals all ended before {}",
                if dry_run { "would erase" } else { "erased" },
                due.len(),
                cutoff.date_naive()
            );
        }
    }
    Ok(())
}
