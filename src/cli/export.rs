//! `linkwell export directory`: the directory as an ORUK JSON feed or an HSDS CSV package.

use super::shared::{connect_existing, write_out, DbArgs};
use crate::usecases;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum ExportCommand {
    /// The whole directory as an Open Referral UK JSON feed (one page holding every
    /// service), or with --csv as an HSDS 3.0 CSV data package folder.
    Directory {
        #[command(flatten)]
        db: DbArgs,
        /// File to write ("-" for standard output), or the folder with --csv.
        #[arg(long)]
        out: PathBuf,
        /// Write the HSDS CSV data package (one CSV per table) instead of JSON.
        #[arg(long)]
        csv: bool,
    },
}

pub async fn run(command: ExportCommand) -> anyhow::Result<()> {
    let ExportCommand::Directory { db, out, csv } = command;
    let store = connect_existing(&db.database_url).await?;
    if csv {
        let tables = usecases::directory::export_package(&store).await?;
        crate::directory::package::write(&tables, &out)?;
        eprintln!("wrote {} tables to {}", tables.len(), out.display());
        Ok(())
    } else {
        let feed = usecases::directory::export_feed(&store).await?;
        write_out(&out, &serde_json::to_vec_pretty(&feed)?)
    }
}
