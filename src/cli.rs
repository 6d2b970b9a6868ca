//! The `linkwell` command line: the top-level commands and their dispatch. Each command group
//! has its own file under `cli/`, its clap definitions beside its handler; `shared` holds what
//! they share (the database arguments, opening an existing database, writing output).

mod activity_report;
mod audit;
mod bench;
mod capacity_report;
mod evaluations;
mod export;
mod generate;
mod import;
mod outbox;
mod people;
mod practices;
mod report;
mod serve;
mod service_use;
mod shared;
mod teams;
mod users;

use clap::{Parser, Subcommand};

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

#[derive(Subcommand)]
enum Command {
    /// Serve the web pages and the API.
    Serve(serve::ServeArgs),
    /// Build a synthetic demo care system (unless present), print sign-ins, and serve.
    Demo(serve::DemoArgs),
    /// Generate a synthetic integrated care system into an empty database.
    Generate(generate::GenerateArgs),
    /// Records management: erase people on request or after the retention period.
    People {
        #[command(subcommand)]
        command: people::PeopleCommand,
    },
    /// Check or export the audit log.
    Audit {
        #[command(subcommand)]
        command: audit::AuditCommand,
    },
    /// Manage teams of link workers.
    Teams {
        #[command(subcommand)]
        command: teams::TeamsCommand,
    },
    /// Manage users.
    Users {
        #[command(subcommand)]
        command: users::UsersCommand,
    },
    /// Aggregate reports (disclosure-controlled; never person-level).
    Report {
        #[command(subcommand)]
        command: report::ReportCommand,
    },
    /// Load reference data from files; each import is all or nothing.
    Import {
        #[command(subcommand)]
        command: import::ImportCommand,
    },
    /// Approve evaluations, so pseudonymised extracts can be made for them.
    Evaluations {
        #[command(subcommand)]
        command: evaluations::EvaluationsCommand,
    },
    /// Write data out in a standard format.
    Export {
        #[command(subcommand)]
        command: export::ExportCommand,
    },
    /// The GP outbox: deliver the messages due, or count them.
    Outbox {
        #[command(subcommand)]
        command: outbox::OutboxCommand,
    },
    /// GP practices: where their GP messages are delivered.
    Practices {
        #[command(subcommand)]
        command: practices::PracticesCommand,
    },
    /// Benchmarks that print their figures.
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
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
            Command::Serve(args) => serve::serve(args).await,
            Command::Demo(args) => serve::demo(args).await,
            Command::Generate(args) => generate::run(args).await,
            Command::People { command } => people::run(command).await,
            Command::Audit { command } => audit::run(command).await,
            Command::Teams { command } => teams::run(command).await,
            Command::Users { command } => users::run(command).await,
            Command::Report { command } => report::run(command).await,
            Command::Import { command } => import::run(command).await,
            Command::Evaluations { command } => evaluations::run(command).await,
            Command::Export { command } => export::run(command).await,
            Command::Bench { command } => bench::run(command).await,
            Command::Outbox { command } => outbox::run(command).await,
            Command::Practices { command } => practices::run(command).await,
        }
    })
}
