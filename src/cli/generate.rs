//! `linkwell generate`: a synthetic integrated care system into an empty database.

use super::shared::DbArgs;
use crate::demo;
use crate::store::Store;

#[derive(clap::Args)]
pub struct GenerateArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[arg(long, default_value_t = 50_000)]
    pub people: u32,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// "Today" for the synthetic history (YYYY-MM-DD); fix it for identical output on any day.
    #[arg(long)]
    pub as_of: Option<chrono::NaiveDate>,
    /// Hide the progress bar (for scripts and benchmarks).
    #[arg(long)]
    pub quiet: bool,
    /// Give the demo accounts their published demo passwords (never on real systems).
    #[arg(long)]
    pub demo_sign_ins: bool,
    /// Community services in the synthetic directory.
    #[arg(long, default_value_t = demo::DEFAULT_SERVICES)]
    pub services: usize,
}

pub async fn run(args: GenerateArgs) -> anyhow::Result<()> {
    let settings = args.db.settings();
    let store = Store::connect(&settings.database_url).await?;
    let report = demo::generate(
        &store,
        &settings.data_dir,
        &demo::GenerateOptions {
            progress: !args.quiet,
            demo_sign_ins: args.demo_sign_ins,
            services: args.services,
            reference_date: args
                .as_of
                .unwrap_or_else(|| chrono::Utc::now().date_naive()),
            ..demo::GenerateOptions::new(args.people, args.seed)
        },
    )
    .await?;
    println!("{report}");
    Ok(())
}
