//! What the commands share: the database arguments, opening a database that must exist, and
//! writing a result to a file or standard output.

use crate::state::Settings;
use crate::store::Store;
use anyhow::Context;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Clone)]
pub struct DbArgs {
    /// SQLite file path (or sqlite:PATH) or a postgres:// URL.
    #[arg(long, env = "DATABASE_URL", default_value = "linkwell.db")]
    pub database_url: String,
    /// Folder holding the reference data (IMD 2019, postcode lookup).
    #[arg(long, env = "LINKWELL_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
}

impl DbArgs {
    pub fn settings(&self) -> Settings {
        let mut settings = Settings::new(&self.database_url);
        if let Some(dir) = &self.data_dir {
            settings.data_dir = dir.clone();
        }
        settings
    }
}

/// Opens a database that must already exist: checking the audit log of a mistyped path must
/// not quietly create an empty database and report it intact.
pub async fn connect_existing(url: &str) -> anyhow::Result<Store> {
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

/// Writes `bytes` to `out`, or to standard output when `out` is `-`.
pub fn write_out(out: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if out.as_os_str() == "-" {
        std::io::stdout().lock().write_all(bytes)?;
    } else {
        std::fs::write(out, bytes).with_context(|| format!("writing {}", out.display()))?;
        eprintln!("wrote {} ({} bytes)", out.display(), bytes.len());
    }
    Ok(())
}
