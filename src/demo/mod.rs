//! The synthetic integrated care system and the `demo` command.

mod database;
pub mod directory;
mod generate;

pub use database::{open_or_build, DemoDatabase};
pub use generate::{
    generate, GenerateOptions, GenerateReport, DEFAULT_SERVICES, DEMO_SIGN_INS,
    SYNTHETIC_POPULATION_KEY,
};

use crate::app::Application;
use crate::state::Settings;
use std::net::SocketAddr;

/// Builds the demo database unless a complete one is there, prints the sign-ins, serves.
pub async fn run_demo(
    settings: Settings,
    people: u32,
    seed: u64,
    addr: SocketAddr,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let url = &settings.database_url;
    match open_or_build(url, &settings.data_dir, people, seed, || {
        println!("Building a synthetic care system of {people} people (seed {seed}) in {url} ...")
    })
    .await?
    {
        DemoDatabase::Existing(population) => {
            println!("Using the existing demo database {url} ({population})")
        }
        DemoDatabase::Built(report) => println!("{report}"),
    }
    let app = Application::build(settings, addr).await?;
    println!();
    println!(
        "Linkwell demo is ready at http://{}:{}/ (started in {:.1} s)",
        addr.ip(),
        app.port(),
        started.elapsed().as_secs_f64()
    );
    println!("Synthetic data only: no real people. Demo sign-ins (username / password):");
    for (username, password, role) in DEMO_SIGN_INS {
        println!("  {role:<24} {username} / {password}");
    }
    app.run_until_stopped().await
}
