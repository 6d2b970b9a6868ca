//! `linkwell report cost`: the cost report to a file, disclosure-controlled, like
//! `report activity`.

use super::shared::{connect_existing, write_out, DbArgs};
use crate::costs::render::render;
use crate::equity::render::Format;
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct CostArgs {
    #[command(flatten)]
    db: DbArgs,
    /// A published period that has ended: a month (2026-10), a quarter (2026-Q3) or a
    /// financial year (2026/27). Default: the last complete month.
    #[arg(long)]
    period: Option<String>,
    /// Only this programme, by id (`GET /api/v1/programmes` lists them).
    #[arg(long)]
    programme: Option<i64>,
    #[arg(long, default_value = "html", value_parser = super::report::parse_format)]
    format: Format,
    /// File to write ("-" for standard output).
    #[arg(long)]
    out: PathBuf,
}

pub async fn run(args: CostArgs) -> anyhow::Result<()> {
    let store = connect_existing(&args.db.database_url).await?;
    let today = chrono::Utc::now().date_naive();
    let report = crate::usecases::costs::report_from_database(
        &store,
        args.period.as_deref(),
        args.programme,
        today,
    )
    .await?;
    write_out(&args.out, &render(&report, args.format)?)
}
