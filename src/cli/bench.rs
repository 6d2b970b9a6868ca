//! `linkwell bench ...`: benchmarks that print their figures.

use super::shared::{connect_existing, DbArgs};
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum BenchCommand {
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
    /// Time the activity report cold (from the database) and warm (from memory).
    Activity {
        #[command(flatten)]
        db: DbArgs,
        /// Warm repetitions.
        #[arg(long, default_value_t = 200)]
        runs: usize,
        /// Cold repetitions (each opens the database afresh).
        #[arg(long, default_value_t = 3)]
        cold_runs: usize,
        /// Also write the facts as CSV here, for bench/activity_duckdb.py.
        #[arg(long)]
        export: Option<PathBuf>,
    },
}

pub async fn run(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Directory {
            data_dir,
            services,
            queries,
        } => {
            let dir = data_dir.unwrap_or_else(crate::geo::default_data_dir);
            crate::bench::directory::run(&dir, services, queries).await
        }
        BenchCommand::Equity {
            db,
            runs,
            cold_runs,
            export,
        } => {
            connect_existing(&db.database_url).await?.close().await;
            crate::bench::equity::run(&db.database_url, runs, cold_runs, export.as_deref()).await
        }
        BenchCommand::Activity {
            db,
            runs,
            cold_runs,
            export,
        } => {
            connect_existing(&db.database_url).await?.close().await;
            crate::bench::activity::run(&db.database_url, runs, cold_runs, export.as_deref()).await
        }
    }
}
