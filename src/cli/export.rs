//! `linkwell export directory`: the directory as an ORUK JSON feed or an HSDS CSV package.
//! `linkwell export evaluation`: a pseudonymised, k-anonymous extract for an approved evaluation.
//! `linkwell export ontology`: the coded vocabularies as SKOS, in Turtle or JSON-LD.

use super::shared::{connect_existing, write_out, DbArgs};
use crate::evaluation::Period;
use crate::public_url::PublicUrl;
use crate::usecases;
use crate::usecases::users::Administrator;
use chrono::NaiveDate;
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
    /// A pseudonymised person-level CSV data package for an approved evaluation, checked
    /// for k-anonymity (at least 5) before anything is written (docs/evaluation-extract.md).
    Evaluation {
        #[command(flatten)]
        db: DbArgs,
        /// The approved evaluation's name (`linkwell evaluations approve`).
        #[arg(long)]
        evaluation: String,
        /// The folder to create for the extract (must not exist).
        #[arg(long)]
        out: PathBuf,
        /// First day of referrals to include (YYYY-MM-DD; default: 1900-01-01, all).
        #[arg(long)]
        from: Option<NaiveDate>,
        /// Last day of referrals to include (YYYY-MM-DD; default: today).
        #[arg(long)]
        to: Option<NaiveDate>,
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
        ExportCommand::Evaluation {
            db,
            evaluation,
            out,
            from,
            to,
        } => return evaluation_extract(db, &evaluation, &out, from, to).await,
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

async fn evaluation_extract(
    db: DbArgs,
    evaluation: &str,
    out: &std::path::Path,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> anyhow::Result<()> {
    let today = chrono::Utc::now().date_naive();
    let period = Period {
        from: from.unwrap_or(NaiveDate::from_ymd_opt(1900, 1, 1).expect("a date")),
        to: to.unwrap_or(today),
    };
    anyhow::ensure!(
        period.from <= period.to,
        "--from ({}) is after --to ({})",
        period.from,
        period.to
    );
    let store = connect_existing(&db.database_url).await?;
    let done = usecases::evaluations::extract(
        &store,
        Administrator::Operator,
        evaluation,
        period,
        out,
        today,
    )
    .await?;
    println!(
        "wrote {} rows to {}: k = {} over {} classes of ({}); generalised: {}",
        done.rows,
        done.out.display(),
        done.k,
        done.classes,
        done.quasi_identifiers.join(", "),
        if done.generalisations.is_empty() {
            "none".to_string()
        } else {
            done.generalisations.join(", ")
        }
    );
    Ok(())
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
