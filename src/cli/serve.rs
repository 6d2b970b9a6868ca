//! `linkwell serve` and `linkwell demo`: run the server, on a real database or on a
//! synthetic demo one.

use super::shared::DbArgs;
use crate::app::Application;
use crate::demo;
use crate::public_url::PublicUrl;
use crate::state::Settings;
use std::net::SocketAddr;
use std::path::PathBuf;

// No doc comments on these argument structs: the subcommand's help is the variant's.
#[derive(clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[arg(long, env = "LINKWELL_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Mark session cookies Secure (set this when users reach Linkwell over HTTPS).
    #[arg(long, env = "LINKWELL_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// The address users and other systems reach Linkwell at (e.g.
    /// https://linkwell.example.nhs.uk); every absolute URL is built on it, and https
    /// turns on Strict-Transport-Security and Secure cookies. Default: http:// and --addr.
    #[arg(long, env = "LINKWELL_PUBLIC_URL", value_parser = PublicUrl::parse)]
    pub public_url: Option<PublicUrl>,
    /// Seconds the equity report's in-memory figures may age before they are re-read in
    /// the background (0: read the database for every report).
    #[arg(long, env = "LINKWELL_EQUITY_REFRESH_SECONDS", default_value_t = 60)]
    pub equity_refresh_seconds: u64,
    /// The team (by name) that receives self-referrals when no practice in the person's
    /// area names one. Default: the first team made (docs/self-referral.md).
    #[arg(long, env = "LINKWELL_SELF_REFERRAL_TEAM")]
    pub self_referral_team: Option<String>,
    /// Deliver GP messages from the outbox to the practices' endpoints while serving.
    #[arg(long, env = "LINKWELL_GP_DELIVERY")]
    pub gp_delivery: bool,
    #[command(flatten)]
    pub delivery: super::outbox::DeliveryArgs,
}

#[derive(clap::Args)]
pub struct DemoArgs {
    /// Deliberately not read from DATABASE_URL, so a demo never lands in a real database.
    #[arg(long, default_value = "linkwell-demo.db")]
    pub database_url: String,
    #[arg(long, default_value_t = 50_000)]
    pub people: u32,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    #[arg(long, env = "LINKWELL_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    #[arg(long, env = "LINKWELL_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
}

pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let mut settings = args.db.settings();
    settings.secure_cookies = args.secure_cookies;
    settings.public_url = args.public_url;
    settings.equity_refresh = std::time::Duration::from_secs(args.equity_refresh_seconds);
    settings.self_referral_team = args.self_referral_team;
    settings.gp_delivery = args.delivery.settings(args.gp_delivery);
    let app = Application::build(settings, args.addr).await?;
    println!(
        "Linkwell is serving on port {}; its public URL is {}",
        app.port(),
        app.state().settings.public_url()
    );
    app.run_until_stopped().await
}

pub async fn demo(args: DemoArgs) -> anyhow::Result<()> {
    let mut settings = Settings::new(args.database_url);
    if let Some(dir) = args.data_dir {
        settings.data_dir = dir;
    }
    demo::run_demo(settings, args.people, args.seed, args.addr).await
}
