//! `linkwell import ...`: the directory, referrals from a spreadsheet, and the registered
//! population. Each file is checked whole first; one problem and nothing is written.

use super::shared::{connect_existing, DbArgs};
use crate::csv_cell::neutralise;
use crate::equity::population;
use crate::geo::Geography;
use crate::usecases;
use anyhow::Context;
use clap::Subcommand;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum ImportCommand {
    /// An Open Referral UK / HSDS 3.0 JSON feed: a list of fully nested services, one page of
    /// the ORUK API, or one service. Known services (by id) are updated in place; all or nothing.
    Directory {
        #[command(flatten)]
        db: DbArgs,
        file: PathBuf,
    },
    /// Referrals moving from a spreadsheet: CSV with one row per referral (the columns are
    /// in the README, "Importing referrals"). Every row is checked first; one bad row
    /// and nothing is imported, with every problem listed by line and field.
    Referrals {
        #[command(flatten)]
        db: DbArgs,
        file: PathBuf,
        /// The user the referrals are imported as (recorded as their maker and in the audit
        /// log); the team for people whose practice no team serves.
        #[arg(long = "as")]
        as_user: String,
        /// Also write the problems as CSV (line, field, problem) to this file.
        #[arg(long)]
        report: Option<PathBuf>,
    },
    /// Registered population by practice and LSOA from CSV with the columns practice_code,
    /// lsoa11cd, people (and optionally practice_name). Replaces the current population.
    Population {
        #[command(flatten)]
        db: DbArgs,
        file: PathBuf,
    },
    /// GP consultations and A&E attendances from the practice, before and after referral
    /// (docs/service-use.md): every row is checked and matched first; one problem and
    /// nothing is recorded, with every problem listed by line and field.
    ServiceUse(super::service_use::ServiceUseImportArgs),
}

pub async fn run(command: ImportCommand) -> anyhow::Result<()> {
    match command {
        ImportCommand::Population { db, file } => import_population(&db, &file).await,
        ImportCommand::ServiceUse(args) => super::service_use::import(args).await,
        ImportCommand::Directory { db, file } => import_directory(&db, &file).await,
        ImportCommand::Referrals {
            db,
            file,
            as_user,
            report,
        } => import_referrals(&db, &file, &as_user, report.as_deref()).await,
    }
}

/// Problems listed one by one; more are given as a count, so a wrong file does not flood.
const MOST_ERRORS_LISTED: usize = 50;

/// Prints an import's problems (the first `MOST_ERRORS_LISTED`) and says nothing was written.
pub(super) fn refused(file: &Path, errors: &[impl std::fmt::Display]) -> anyhow::Error {
    for e in errors.iter().take(MOST_ERRORS_LISTED) {
        eprintln!("{}: {e}", file.display());
    }
    if errors.len() > MOST_ERRORS_LISTED {
        eprintln!("... and {} more", errors.len() - MOST_ERRORS_LISTED);
    }
    anyhow::anyhow!(
        "{}: {} problem(s); nothing was imported",
        file.display(),
        errors.len()
    )
}

async fn import_population(db: &DbArgs, file: &Path) -> anyhow::Result<()> {
    let settings = db.settings();
    let input = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let data_dir = settings.data_dir.clone();
    let geography = tokio::task::spawn_blocking(move || Geography::shared(&data_dir)).await??;
    let lookup = |code: &str| geography.lsoa(code).map(|l| l.imd_decile.map(|d| d.get()));
    let rows = match population::parse(std::io::BufReader::new(input), &lookup) {
        Ok(rows) => rows,
        Err(errors) => return Err(refused(file, &errors)),
    };
    let store = connect_existing(&settings.database_url).await?;
    usecases::imports::replace_population(&store, &rows).await?;
    let people: u64 = rows.iter().map(|r| u64::from(r.people)).sum();
    println!(
        "imported {} rows: {people} registered people; the previous population was replaced",
        rows.len()
    );
    Ok(())
}

async fn import_directory(db: &DbArgs, path: &Path) -> anyhow::Result<()> {
    use crate::directory::{feed, package};
    let (listings, kept) = if path.is_dir() {
        let tables = package::read(path).map_err(|errors| refused(path, &errors))?;
        let nested = package::nest(&tables).map_err(|errors| refused(path, &errors))?;
        let listings = package::listings(&nested).map_err(|errors| refused(path, &errors))?;
        (listings, Some(nested.extras))
    } else {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        (
            feed::parse(&bytes).map_err(|errors| refused(path, &errors))?,
            None,
        )
    };
    let store = connect_existing(&db.database_url).await?;
    let summary = usecases::imports::import_directory(&store, &listings, kept.as_ref()).await?;
    println!(
        "imported {} services: {} new, {} updated ({} organisation and {} taxonomy term records)",
        listings.len(),
        summary.added,
        summary.updated,
        summary.organizations,
        summary.taxonomy_terms
    );
    Ok(())
}

async fn import_referrals(
    db: &DbArgs,
    file: &Path,
    username: &str,
    report: Option<&Path>,
) -> anyhow::Result<()> {
    use crate::intake::csv;
    let settings = db.settings();
    let input = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let data_dir = settings.data_dir.clone();
    let geography = tokio::task::spawn_blocking(move || Geography::shared(&data_dir)).await??;
    let store = connect_existing(&settings.database_url).await?;
    let user = usecases::intake::importer(&store, username).await?;
    let rejected = |errors: Vec<crate::import::RowError>| -> anyhow::Error {
        if let Some(path) = report {
            if let Err(e) = write_row_report(path, &errors) {
                return e;
            }
        }
        refused(file, &errors)
    };
    let today = chrono::Utc::now().date_naive();
    let rows = csv::parse(std::io::BufReader::new(input), &geography, today).map_err(rejected)?;
    let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
    let intakes = usecases::intake::plan_spreadsheet(&store, &user, rows)
        .await?
        .map_err(rejected)?;
    let registered = intakes
        .iter()
        .filter(|i| matches!(i.subject, crate::intake::Subject::New(_)))
        .count();
    let admitted = usecases::intake::admit(&store, &user, &intakes)
        .await
        .map_err(|(index, e)| {
            anyhow::anyhow!(
                "{}: line {}: {}; nothing was imported",
                file.display(),
                lines.get(index).copied().unwrap_or(0),
                e.problem().detail
            )
        })?;
    println!(
        "imported {} referrals; {registered} people newly registered",
        admitted.len()
    );
    Ok(())
}

/// Every problem as CSV (line, field, problem), for whoever fixes the spreadsheet.
pub(super) fn write_row_report(
    path: &Path,
    errors: &[crate::import::RowError],
) -> anyhow::Result<()> {
    let mut out =
        ::csv::Writer::from_path(path).with_context(|| format!("writing {}", path.display()))?;
    out.write_record(["line", "field", "problem"])?;
    for e in errors {
        // The problem quotes what was in the spreadsheet: never let it become a formula.
        out.write_record([
            e.line.to_string(),
            neutralise(e.field).into_owned(),
            neutralise(&e.message).into_owned(),
        ])?;
    }
    out.flush()?;
    eprintln!("wrote {} ({} problems)", path.display(), errors.len());
    Ok(())
}
