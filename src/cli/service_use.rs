//! `linkwell report service-use` (the system outcomes report to a file, every team) and
//! `linkwell import service-use` (the practice's CSV, all or nothing).

use super::shared::{connect_existing, write_out, DbArgs};
use crate::equity::render::Format;
use crate::service_use::render::render;
use anyhow::Context;
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct ServiceUseReportArgs {
    #[command(flatten)]
    db: DbArgs,
    /// A calendar quarter (2026-Q1) whose referrals all have their 6 months after referral
    /// over. Default: the latest such quarter.
    #[arg(long)]
    period: Option<String>,
    /// Only this programme's referrals, by id (`GET /api/v1/programmes` lists them).
    #[arg(long)]
    programme: Option<i64>,
    #[arg(long, default_value = "html", value_parser = super::report::parse_format)]
    format: Format,
    /// File to write ("-" for standard output).
    #[arg(long)]
    out: PathBuf,
}

pub async fn report(args: ServiceUseReportArgs) -> anyhow::Result<()> {
    let store = connect_existing(&args.db.database_url).await?;
    let today = crate::diary::london::day_of(chrono::Utc::now());
    let report = crate::usecases::service_use::report_from_database(
        &store,
        args.period.as_deref(),
        args.programme,
        today,
    )
    .await?;
    write_out(&args.out, &render(&report, args.format)?)
}

#[derive(Args)]
pub struct ServiceUseImportArgs {
    #[command(flatten)]
    db: DbArgs,
    /// CSV with the columns nhs_number, referral_received, window, gp_consultations,
    /// ae_attendances (docs/service-use.md).
    file: PathBuf,
    /// The link worker or team lead the counts are recorded as: rows are matched to their
    /// team's referrals only.
    #[arg(long = "as")]
    as_user: String,
    /// Also write the problems as CSV (line, field, problem) to this file.
    #[arg(long)]
    report: Option<PathBuf>,
}

pub async fn import(args: ServiceUseImportArgs) -> anyhow::Result<()> {
    let file = &args.file;
    let input = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let store = connect_existing(&args.db.database_url).await?;
    let user = crate::usecases::service_use::importer(&store, &args.as_user).await?;
    let rejected = |errors: Vec<crate::import::RowError>| -> anyhow::Error {
        if let Some(path) = &args.report {
            if let Err(e) = super::import::write_row_report(path, &errors) {
                return e;
            }
        }
        super::import::refused(file, &errors)
    };
    let rows = crate::service_use::csv::parse(std::io::BufReader::new(input)).map_err(rejected)?;
    let recorded = crate::usecases::service_use::import(&store, &user, &rows)
        .await
        .map_err(|e| anyhow::anyhow!("{}: {}", file.display(), e.problem().detail))?
        .map_err(rejected)?;
    println!("recorded {recorded} windows of service use");
    Ok(())
}
