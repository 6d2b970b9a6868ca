//! `linkwell teams add` and `linkwell teams phone`: teams of link workers, and the number
//! their appointment letters give.

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
    /// Set the phone number a team's appointment letters give for changing an appointment.
    Phone {
        #[command(flatten)]
        db: DbArgs,
        /// The team's id (as `teams add` printed it).
        #[arg(long)]
        team: i64,
        /// A UK number, such as "0113 496 0000".
        #[arg(long)]
        phone: String,
    },
}

pub async fn run(command: TeamsCommand) -> anyhow::Result<()> {
    match command {
        TeamsCommand::Add { db, name } => {
            let store = Store::connect(&db.database_url).await?;
            println!(
                "{}",
                teams::create(&store, Administrator::Operator, &name).await?
            );
        }
        TeamsCommand::Phone { db, team, phone } => {
            let phone = crate::input::UkPhone::parse(&phone).map_err(|why| anyhow::anyhow!(why))?;
            let store = Store::connect(&db.database_url).await?;
            teams::set_phone(&store, Administrator::Operator, team, &phone).await?;
        }
    }
    Ok(())
}
