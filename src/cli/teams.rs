//! `linkwell teams add`: teams of link workers.

use super::shared::DbArgs;
use crate::store::Store;
use crate::usecases::{teams, users::Administrator};
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
    println!(
        "{}",
        teams::create(&store, Administrator::Operator, &name).await?
    );
    Ok(())
}
