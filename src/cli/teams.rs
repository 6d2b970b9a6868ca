//! `linkwell teams add` and `linkwell teams phone`: teams of link workers, and the number
//! their volunteers call and their appointment letters give.

use super::shared::DbArgs;
use crate::input::UkPhone;
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
        /// The team's phone number (a UK number), given to its volunteers with each visit.
        #[arg(long)]
        phone: Option<String>,
    },
    /// Set a team's phone number: given to its volunteers with each visit, and on appointment
    /// letters for changing an appointment.
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
        TeamsCommand::Add { db, name, phone } => {
            let store = Store::connect(&db.database_url).await?;
            let id = teams::create(&store, Administrator::Operator, &name).await?;
            if let Some(phone) = phone {
                teams::set_phone(&store, Administrator::Operator, id, &uk_phone(&phone)?).await?;
            }
            println!("{id}");
        }
        TeamsCommand::Phone { db, team, phone } => {
            let store = Store::connect(&db.database_url).await?;
            teams::set_phone(&store, Administrator::Operator, team, &uk_phone(&phone)?).await?;
        }
    }
    Ok(())
}

fn uk_phone(phone: &str) -> anyhow::Result<UkPhone> {
    UkPhone::parse(phone).map_err(|why| anyhow::anyhow!("--phone: {why}"))
}
