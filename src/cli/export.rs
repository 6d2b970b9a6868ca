//! `linkwell export directory`: the directory as an ORUK JSON feed or an HSDS CSV package.
//! `linkwell export ontology`: the coded vocabularies as SKOS, in Turtle or JSON-LD.

use super::shared::{connect_existing, write_out, DbArgs};
use crate::public_url::PublicUrl;
use crate::usecases;
use clap::Subcommand;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum ExportCommand {
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
    /// Every coded vocabulary as SKOS (docs/ontology.md): the same document as
    /// /api/v1/ontology.ttl or /api/v1/ontology.jsonld. Needs no database.
    Ontology {
        /// ttl (Turtle) or jsonld (JSON-LD).
        #[arg(long, value_enum, default_value = "ttl")]
        format: OntologyFormat,
        /// The address Linkwell is published at: concept IRIs are built on it.
        #[arg(long, env = "LINKWELL_PUBLIC_URL", value_parser = PublicUrl::parse)]
        public_url: PublicUrl,
        /// File to write ("-" for standard output).
        #[arg(long, default_value = "-")]
        out: PathBuf,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum OntologyFormat {
    Ttl,
    Jsonld,
}

pub async fn run(command: ExportCommand) -> anyhow::Result<()> {
    let (db, out, csv) = match command {
        ExportCommand::Directory { db, out, csv } => (db, out, csv),
        ExportCommand::Ontology {
            format,
            public_url,
            out,
        } => return export_ontology(format, &public_url, &out),
    };
    let store = connect_existing(&db.database_url).await?;
    if csv {
        let tables = usecases::directory::export_package(&store).await?;
        crate::directory::package::write(&tables, &out)?;
        eprintln!("wrote {} tables to {}", tables.len(), out.display());
        Ok(())
    } else {
        let feed = usecases::directory::export_feed(&store).await?;
        write_out(&out, &serde_json::to_vec_pretty(&feed)?)
    }
}

fn export_ontology(format: OntologyFormat, base: &PublicUrl, out: &Path) -> anyhow::Result<()> {
    use crate::ontology::{skos, vocabularies};
    let vocabularies = vocabularies();
    let text = match format {
        OntologyFormat::Ttl => skos::turtle(base, &vocabularies),
        OntologyFormat::Jsonld => {
            serde_json::to_string_pretty(&skos::json_ld(base, &vocabularies))?
        }
    };
    write_out(out, text.as_bytes())
}
