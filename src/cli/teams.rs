//! `linkwell teams add`: teams of link workers.

use super::shared::DbArgs;
use crate::store::Store;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum TeamsCommand {
    /// Add a team; prints its id.
    Add {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        name: String,
    },
}

pub async fn run(command: TeamsCommand) -> anyhow::Result<()> {
    let TeamsCommand::Add { db, name } = command;
    let store = Store::connect(&db.database_url).await?;
    println!("{}", store.create_team(&name).await?);
    Ok(())
}
