//! `linkwell report capacity`: community capacity and unmet need to a file,
//! disclosure-controlled.

use super::shared::{connect_existing, write_out, DbArgs};
use crate::capacity::render::render;
use crate::equity::render::Format;
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct CapacityArgs {
    #[command(flatten)]
    db: DbArgs,
    /// A published period that has ended: a month (2026-10), a quarter (2026-Q3) or a
    /// financial year (2026/27). Default: the last complete quarter.
    #[arg(long)]
    period: Option<String>,
    /// Only this programme's referrals and connections, by id.
    #[arg(long)]
    programme: Option<i64>,
    #[arg(long, default_value = "html", value_parser = super::report::parse_format)]
    format: Format,
    /// File to write ("-" for standard output).
    #[arg(long)]
    out: PathBuf,
}

pub async fn run(args: CapacityArgs) -> anyhow::Result<()> {
    let store = connect_existing(&args.db.database_url).await?;
    let data_dir = args.db.settings().data_dir;
    let report = crate::usecases::capacity::local_report(
        &store,
        &data_dir,
        args.period.as_deref(),
        args.programme,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{}", e.problem().detail))?;
    write_out(&args.out, render(&report, args.format)?.as_bytes())
}
