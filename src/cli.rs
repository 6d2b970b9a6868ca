//! The `linkwell` command line.

mod users;

use crate::app::{Application, Settings};
use crate::auth::Role;
use crate::csv_cell::neutralise;
use crate::demo;
use crate::equity::{self, population, render::render, render::Format};
use crate::geo::Geography;
use crate::public_url::PublicUrl;
use crate::store::Store;
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(
    name = "linkwell",
    version,
    about = "Social prescribing: referrals, caseload, connections and equity"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct DbArgs {
    /// SQLite file path (or sqlite:PATH) or a postgres:// URL.
    #[arg(long, env = "DATABASE_URL", default_value = "linkwell.db")]
    database_url: String,
    /// Folder holding the reference data (IMD 2019, postcode lookup).
    #[arg(long, env = "LINKWELL_DATA_DIR")]
    data_dir: Option<PathBuf>,
}

impl DbArgs {
    fn settings(&self) -> Settings {
        let mut settings = Settings::new(&self.database_url);
        if let Some(dir) = &self.data_dir {
            settings.data_dir = dir.clone();
        }
        settings
    }
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web pages and the API.
    Serve {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long, env = "LINKWELL_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Mark session cookies Secure (set this when users reach Linkwell over HTTPS).
        #[arg(long, env = "LINKWELL_SECURE_COOKIES")]
        secure_cookies: bool,
        /// The address users and other systems reach Linkwell at (e.g.
        /// https://linkwell.example.nhs.uk); every absolute URL is built on it, and https
        /// turns on Strict-Transport-Security and Secure cookies. Default: http:// and --addr.
        #[arg(long, env = "LINKWELL_PUBLIC_URL", value_parser = PublicUrl::parse)]
        public_url: Option<PublicUrl>,
        /// Seconds the equity report's in-memory figures may age before they are re-read in
        /// the background (0: read the database for every report).
        #[arg(long, env = "LINKWELL_EQUITY_REFRESH_SECONDS", default_value_t = 60)]
        equity_refresh_seconds: u64,
    },
    /// Build a synthetic demo care system (unless present), print sign-ins, and serve.
    Demo {
        /// Deliberately not read from DATABASE_URL, so a demo never lands in a real database.
        #[arg(long, default_value = "linkwell-demo.db")]
        database_url: String,
        #[arg(long, default_value_t = 50_000)]
        people: u32,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[arg(long, env = "LINKWELL_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        #[arg(long, env = "LINKWELL_DATA_DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Generate a synthetic integrated care system into an empty database.
    Generate {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long, default_value_t = 50_000)]
        people: u32,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// "Today" for the synthetic history (YYYY-MM-DD); fix it for identical output on any day.
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
        /// Hide the progress bar (for scripts and benchmarks).
        #[arg(long)]
        quiet: bool,
        /// Give the demo accounts their published demo passwords (never on real systems).
        #[arg(long)]
        demo_sign_ins: bool,
        /// Community services in the synthetic directory.
        #[arg(long, default_value_t = demo::DEFAULT_SERVICES)]
        services: usize,
    },
    /// Records management: erase people on request or after the retention period.
    People {
        #[command(subcommand)]
        command: PeopleCommand,
    },
    /// Check or export the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Manage teams of link workers.
    Teams {
        #[command(subcommand)]
        command: TeamsCommand,
    },
    /// Manage users.
    Users {
        #[command(subcommand)]
        command: users::UsersCommand,
    },
    /// Aggregate reports (disclosure-controlled; never person-level).
    Report {
        #[command(subcommand)]
        command: ReportCommand,
    },
    /// Load reference data from files; each import is all or nothing.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Write data out in a standard format.
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
    /// Benchmarks that print their figures.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
}

#[derive(Subcommand)]
enum ReportCommand {
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
        #[arg(long, default_value = "html", value_parser = parse_format)]
        format: Format,
        /// File to write ("-" for standard output).
        #[arg(long)]
        out: PathBuf,
    },
}

fn parse_format(name: &str) -> Result<Format, String> {
    Format::from_name(name).ok_or_else(|| format!("{name:?} is not one of json, csv, html"))
}

#[derive(Subcommand)]
enum ExportCommand {
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

#[derive(Subcommand)]
enum ImportCommand {
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
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Time directory search over N synthetic services in process, beside SQLite FTS5 + R*Tree.
    Directory {
        #[arg(long, env = "LINKWELL_DATA_DIR")]
        data_dir: Option<PathBuf>,
        #[arg(long, default_value_t = 50_000)]
        services: usize,
        #[arg(long, default_value_t = 5_000)]
        queries: usize,
    },
    /// Time the equity report cold (from the database) and warm (from memory).
    Equity {
        #[command(flatten)]
        db: DbArgs,
        /// Warm repetitions.
        #[arg(long, default_value_t = 200)]
        runs: usize,
        /// Cold repetitions (each opens the database afresh).
        #[arg(long, default_value_t = 3)]
        cold_runs: usize,
        /// Also write the facts as CSV here, for bench/equity_duckdb.py.
        #[arg(long)]
        export: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum PeopleCommand {
    /// Erase one person's identifying details and casework text (e.g. on request).
    Erase {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        id: i64,
        /// The administrator doing this, recorded in the audit log.
        #[arg(long)]
        by: String,
    },
    /// Erase everyone whose referrals all ended more than the retention period ago.
    EraseExpired {
        #[command(flatten)]
        db: DbArgs,
        /// Years to keep records after a person's last referral ends.
        #[arg(long, default_value_t = 8)]
        retention_years: u32,
        #[arg(long)]
        by: String,
        /// List who would be erased, and erase no one.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain; exits 1 and names the first bad record if it is broken.
    Verify {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Write every audit record as CSV, for an information governance review.
    Export {
        #[command(flatten)]
        db: DbArgs,
        /// Output file; `-` for standard output.
        #[arg(long, default_value = "-")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum TeamsCommand {
    /// Add a team; prints its id.
    Add {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        name: String,
    },
}

pub fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "linkwell=info,tower_http=warn".into()),
        )
        .with_target(false)
        // Colour codes only for a person at a terminal, never in log files.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        match cli.command {
            Command::Serve {
                db,
                addr,
                secure_cookies,
                public_url,
                equity_refresh_seconds,
            } => {
                let mut settings = db.settings();
                settings.secure_cookies = secure_cookies;
                settings.public_url = public_url;
                settings.equity_refresh = std::time::Duration::from_secs(equity_refresh_seconds);
                serve(settings, addr).await
            }
            Command::Demo {
                database_url,
                people,
                seed,
                addr,
                data_dir,
            } => {
                let mut settings = Settings::new(database_url);
                if let Some(dir) = data_dir {
                    settings.data_dir = dir;
                }
                demo::run_demo(settings, people, seed, addr).await
            }
            Command::Generate {
                db,
                people,
                seed,
                as_of,
                quiet,
                demo_sign_ins,
                services,
            } => {
                let settings = db.settings();
                let store = Store::connect(&settings.database_url).await?;
                let report = demo::generate(
                    &store,
                    &settings.data_dir,
                    &demo::GenerateOptions {
                        progress: !quiet,
                        demo_sign_ins,
                        services,
                        reference_date: as_of.unwrap_or_else(|| chrono::Utc::now().date_naive()),
                        ..demo::GenerateOptions::new(people, seed)
                    },
                )
                .await?;
                println!("{report}");
                Ok(())
            }
            Command::Teams {
                command: TeamsCommand::Add { db, name },
            } => {
                let store = Store::connect(&db.database_url).await?;
                println!("{}", store.create_team(&name).await?);
                Ok(())
            }
            Command::Users { command } => users::run(command).await,
            Command::Audit { command } => audit(command).await,
            Command::People { command } => people(command).await,
            Command::Report {
                command:
                    ReportCommand::Equity {
                        db,
                        from,
                        to,
                        practice,
                        as_of,
                        format,
                        out,
                    },
            } => {
                let store = connect_existing(&db.database_url).await?;
                let facts = store.load_equity_facts().await?;
                let today = chrono::Utc::now().date_naive();
                let request =
                    equity::parse_request(&facts, from, to, practice.as_deref(), as_of, today)?;
                let report =
                    equity::compute(&facts, &request.period, request.practice, request.as_of);
                write_out(&out, &render(&report, format)?)
            }
            Command::Import {
                command: ImportCommand::Population { db, file },
            } => import_population(&db, &file).await,
            Command::Import {
                command: ImportCommand::Directory { db, file },
            } => import_directory(&db, &file).await,
            Command::Import {
                command:
                    ImportCommand::Referrals {
                        db,
                        file,
                        as_user,
                        report,
                    },
            } => import_referrals(&db, &file, &as_user, report.as_deref()).await,
            Command::Export {
                command: ExportCommand::Directory { db, out, csv },
            } => {
                let store = connect_existing(&db.database_url).await?;
                let listings = store.directory_listings().await?;
                if csv {
                    let kept = store.directory_package().await?;
                    let columns = kept
                        .iter()
                        .map(|(n, t)| (n.clone(), t.columns.clone()))
                        .collect();
                    let documents: Vec<&serde_json::Value> =
                        listings.iter().map(|l| &l.document).collect();
                    let tables = crate::directory::package::flatten(&documents, &kept, &columns);
                    crate::directory::package::write(&tables, &out)?;
                    eprintln!("wrote {} tables to {}", tables.len(), out.display());
                    Ok(())
                } else {
                    let feed = crate::directory::feed::export(listings.iter().map(|l| &l.document));
                    write_out(&out, &serde_json::to_vec_pretty(&feed)?)
                }
            }
            Command::Bench {
                command:
                    BenchCommand::Directory {
                        data_dir,
                        services,
                        queries,
                    },
            } => {
                let dir = data_dir.unwrap_or_else(crate::geo::default_data_dir);
                crate::bench::directory::run(&dir, services, queries).await
            }
            Command::Bench {
                command:
                    BenchCommand::Equity {
                        db,
                        runs,
                        cold_runs,
                        export,
                    },
            } => {
                connect_existing(&db.database_url).await?.close().await;
                equity::bench::run(&db.database_url, runs, cold_runs, export.as_deref()).await
            }
        }
    })
}

async fn serve(settings: Settings, addr: SocketAddr) -> anyhow::Result<()> {
    let app = Application::build(settings, addr).await?;
    println!(
        "Linkwell is serving on port {}; its public URL is {}",
        app.port(),
        app.state().settings.public_url()
    );
    app.run_until_stopped().await
}

async fn people(command: PeopleCommand) -> anyhow::Result<()> {
    let (db, by) = match &command {
        PeopleCommand::Erase { db, by, .. } | PeopleCommand::EraseExpired { db, by, .. } => {
            (db, by)
        }
    };
    let store = connect_existing(&db.database_url).await?;
    let (actor_id, role) = store
        .user_role(by)
        .await?
        .with_context(|| format!("no user {by:?}"))?;
    anyhow::ensure!(role == Role::Admin, "{by} is not an administrator");
    let ctx = crate::audit::AuditContext {
        actor_id,
        actor_role: role.code().to_string(),
        purpose: "records management".into(),
        request_id: format!("cli-{}", &crate::auth::new_secret("").0[..16]),
    };
    match command {
        PeopleCommand::Erase { id, .. } => {
            store.erase_person(id, &ctx).await?;
            println!("erased person {id}");
        }
        PeopleCommand::EraseExpired {
            retention_years,
            dry_run,
            ..
        } => {
            let cutoff = chrono::Utc::now()
                - chrono::Duration::days(365 * retention_years as i64 + retention_years as i64 / 4);
            let due = store.people_due_for_erasure(cutoff).await?;
            for id in &due {
                if dry_run {
                    println!("would erase person {id}");
                } else {
                    store.erase_person(*id, &ctx).await?;
                }
            }
            println!(
                "{} {} people whose referrals all ended before {}",
                if dry_run { "would erase" } else { "erased" },
                due.len(),
                cutoff.date_naive()
            );
        }
    }
    Ok(())
}

fn write_out(out: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if out.as_os_str() == "-" {
        std::io::stdout().lock().write_all(bytes)?;
    } else {
        std::fs::write(out, bytes).with_context(|| format!("writing {}", out.display()))?;
        eprintln!("wrote {} ({} bytes)", out.display(), bytes.len());
    }
    Ok(())
}

/// Problems listed one by one; more are given as a count, so a wrong file does not flood.
const MOST_ERRORS_LISTED: usize = 50;

/// Prints an import's problems (the first `MOST_ERRORS_LISTED`) and says nothing was written.
fn refused(file: &Path, errors: &[impl std::fmt::Display]) -> anyhow::Error {
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
    store.replace_population(&rows).await?;
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
    let summary = store.import_directory(&listings, kept.as_ref()).await?;
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
    let user = store
        .user_by_username(username)
        .await?
        .ok_or_else(|| anyhow::anyhow!("there is no user {username:?}"))?;
    anyhow::ensure!(
        user.may(crate::auth::policy::Action::CreateReferral),
        "{username} ({}) may not make referrals",
        user.role.code()
    );
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
    let intakes = csv::plan(&store, rows, &user.audit_context(), user.team_id)
        .await?
        .map_err(rejected)?;
    let registered = intakes
        .iter()
        .filter(|i| matches!(i.subject, crate::intake::Subject::New(_)))
        .count();
    let admitted = store
        .admit(&intakes, &user.audit_context(), user.team_id)
        .await
        .map_err(|(index, e)| {
            anyhow::anyhow!(
                "{}: line {}: {}; nothing was imported",
                file.display(),
                lines.get(index).copied().unwrap_or(0),
                crate::error::AppError::from(e).problem().detail
            )
        })?;
    println!(
        "imported {} referrals; {registered} people newly registered",
        admitted.len()
    );
    Ok(())
}

/// Every problem as CSV (line, field, problem), for whoever fixes the spreadsheet.
fn write_row_report(path: &Path, errors: &[crate::import::RowError]) -> anyhow::Result<()> {
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

/// Opens a database that must already exist: checking the audit log of a mistyped path must
/// not quietly create an empty database and report it intact.
async fn connect_existing(url: &str) -> anyhow::Result<Store> {
    if crate::store::Backend::of(url) == crate::store::Backend::Sqlite {
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        anyhow::ensure!(
            std::path::Path::new(path).exists(),
            "there is no database at {path}"
        );
    }
    Store::connect(url).await
}

async fn audit(command: AuditCommand) -> anyhow::Result<()> {
    match command {
        AuditCommand::Verify { db } => {
            let store = connect_existing(&db.database_url).await?;
            match store.verify_audit().await? {
                Ok((count, tip)) => {
                    println!("audit chain intact: {count} records; tip {count}:{tip}");
                    println!("keep the tip somewhere else: a later check that does not pass through it means the log was rewritten");
                    Ok(())
                }
                Err(broken) => {
                    eprintln!(
                        "audit chain BROKEN at record {}: {}",
                        broken.id, broken.reason
                    );
                    std::process::exit(1);
                }
            }
        }
        AuditCommand::Export { db, out } => {
            let store = connect_existing(&db.database_url).await?;
            let sink: Box<dyn std::io::Write> = if out.as_os_str() == "-" {
                Box::new(std::io::stdout().lock())
            } else {
                Box::new(
                    std::fs::File::create(&out)
                        .with_context(|| format!("creating {}", out.display()))?,
                )
            };
            let mut writer = csv::Writer::from_writer(sink);
            let mut after = 0;
            let mut count = 0;
            loop {
                let page = store.audit_records(after, 10_000).await?;
                let Some(last) = page.last() else { break };
                after = last.id;
                for record in &page {
                    writer.serialize(AuditCsvRow::from(record))?;
                    count += 1;
                }
            }
            writer.flush()?;
            eprintln!("exported {count} audit records");
            Ok(())
        }
    }
}

/// An audit record as a CSV row: its text cells neutralised against spreadsheet formulas
/// (a request id may begin with `-`), numbers and hashes as they are.
#[derive(serde::Serialize)]
struct AuditCsvRow<'a> {
    id: i64,
    at: &'a str,
    actor_id: Option<i64>,
    actor_role: std::borrow::Cow<'a, str>,
    action: std::borrow::Cow<'a, str>,
    record_type: std::borrow::Cow<'a, str>,
    record_id: Option<i64>,
    person_id: Option<i64>,
    purpose: std::borrow::Cow<'a, str>,
    request_id: std::borrow::Cow<'a, str>,
    prev_hash: &'a str,
    hash: &'a str,
}

impl<'a> From<&'a crate::audit::AuditRecord> for AuditCsvRow<'a> {
    fn from(r: &'a crate::audit::AuditRecord) -> Self {
        AuditCsvRow {
            id: r.id,
            at: &r.at,
            actor_id: r.actor_id,
            actor_role: neutralise(&r.actor_role),
            action: neutralise(&r.action),
            record_type: neutralise(&r.record_type),
            record_id: r.record_id,
            person_id: r.person_id,
            purpose: neutralise(&r.purpose),
            request_id: neutralise(&r.request_id),
            prev_hash: &r.prev_hash,
            hash: &r.hash,
        }
    }
}
