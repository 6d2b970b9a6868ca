//! The synthetic integrated care system and the `demo` command.

mod bulk;
mod generate;

pub use generate::{generate, GenerateOptions, GenerateReport, DEMO_SIGN_INS};

use crate::app::{Application, Settings};
use crate::store::Store;
use std::net::SocketAddr;

/// Builds the demo database unless it already has people, prints the sign-ins, serves.
pub async fn run_demo(
    settings: Settings,
    people: u32,
    seed: u64,
    addr: SocketAddr,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let store = Store::connect(&settings.database_url).await?;
    if store.is_empty().await? {
        println!(
            "Building a synthetic care system of {people} people (seed {seed}) in {} ...",
            settings.database_url
        );
        let report = generate(
            &store,
            &settings.data_dir,
            &GenerateOptions::new(people, seed),
        )
        .await?;
        println!("{report}");
    } else {
        println!("Using the existing demo database {}", settings.database_url);
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
