//! The synthetic integrated care system and the `demo` command.

pub mod directory;
mod generate;

pub use generate::{
    generate, GenerateOptions, GenerateReport, DEFAULT_SERVICES, DEMO_SIGN_INS,
    SYNTHETIC_POPULATION_KEY,
};

use crate::app::Application;
use crate::state::Settings;
use crate::store::Store;
use std::net::SocketAddr;

/// Builds the demo database unless a complete one is there, prints the sign-ins, serves.
pub async fn run_demo(
    settings: Settings,
    people: u32,
    seed: u64,
    addr: SocketAddr,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let store = Store::connect(&settings.database_url).await?;
    if let Some(population) = store.meta(SYNTHETIC_POPULATION_KEY).await? {
        println!(
            "Using the existing demo database {} ({population})",
            settings.database_url
        );
    } else if store.is_empty().await? {
        println!(
            "Building a synthetic care system of {people} people (seed {seed}) in {} ...",
            settings.database_url
        );
        let report = generate(
            &store,
            &settings.data_dir,
            &GenerateOptions {
                demo_sign_ins: true,
                ..GenerateOptions::new(people, seed)
            },
        )
        .await?;
        println!("{report}");
    } else {
        anyhow::bail!(
            "{} is not a complete demo database (an interrupted build, or real data); \
             delete it, or pass --database-url with a new file, to build a fresh demo",
            settings.database_url
        );
    }
    store.close().await;
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
