//! `linkwell report equity`: the Core20PLUS5 report to a file, disclosure-controlled.

use super::shared::{connect_existing, write_out, DbArgs};
use crate::equity::render::{render, Format};
use crate::usecases;
use crate::usecases::equity::ReportAsked;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum ReportCommand {
    /// The Core20PLUS5 equity report: funnel, outcomes and barriers by deprivation and group.
    Equity {
        #[command(flatten)]
        db: DbArgs,
        /// First day of a published period: a calendar month, a calendar quarter or a
        /// year of four quarters (default: the year ending at --to).
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        /// Last day of the period, a month or quarter end (default: the latest year of
        /// four complete quarters).
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
        /// Limit the report to one practice, by its code (a quarter or a year only).
        #[arg(long)]
        practice: Option<String>,
        /// Count stages and outcomes by this day (default: today).
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
        /// Limit the report to one programme, by id (a quarter or a year only).
        #[arg(long)]
        programme: Option<i64>,
        #[arg(long, default_value = "html", value_parser = parse_format)]
        format: Format,
        /// File to write ("-" for standard output).
        #[arg(long)]
        out: PathBuf,
    },
    /// The activity report: referrals, contacts, caseloads, waits, connections and closures, month by month.
    Activity(super::activity_report::ActivityArgs),
    /// Community capacity and unmet need: what the community is missing.
    Capacity(super::capacity_report::CapacityArgs),
    /// System outcomes: GP consultations and A&E attendances before and after referral.
    ServiceUse(super::service_use::ServiceUseReportArgs),
}

pub(super) fn parse_format(name: &str) -> Result<Format, String> {
    Format::from_name(name).ok_or_else(|| format!("{name:?} is not one of json, csv, html"))
}

pub async fn run(command: ReportCommand) -> anyhow::Result<()> {
    let command = match command {
        ReportCommand::Activity(args) => return super::activity_report::run(args).await,
        ReportCommand::Capacity(args) => return super::capacity_report::run(args).await,
        ReportCommand::ServiceUse(args) => return super::service_use::report(args).await,
        equity => equity,
    };
    let ReportCommand::Equity {
        db,
        from,
        to,
        practice,
        as_of,
        programme,
        format,
        out,
    } = command
    else {
        unreachable!("the activity and capacity reports returned above")
    };
    let store = connect_existing(&db.database_url).await?;
    let asked = ReportAsked {
        from,
        to,
        practice,
        as_of,
        programme,
    };
    let report = usecases::equity::local_report(&store, &asked).await?;
    write_out(&out, &render(&report, format)?)
}
