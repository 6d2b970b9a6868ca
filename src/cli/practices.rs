//! `linkwell practices endpoint set`: where a practice's GP messages are delivered.

use super::shared::{connect_existing, DbArgs};
use crate::outbox::Endpoint;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum PracticesCommand {
    /// A practice's delivery endpoint for GP messages.
    Endpoint {
        #[command(subcommand)]
        command: EndpointCommand,
    },
}

#[derive(Subcommand)]
pub enum EndpointCommand {
    /// Set (or replace) where the practice's messages go: a FHIR $process-message URL, or a
    /// MESH-style mailbox folder with the practice's mailbox id.
    Set {
        #[command(flatten)]
        db: DbArgs,
        /// The practice's ODS code.
        #[arg(long)]
        practice: String,
        /// POST each message Bundle here (the receiver's $process-message URL).
        #[arg(long, conflicts_with_all = ["mailbox_dir", "mailbox_id", "workflow_id"], required_unless_present = "mailbox_dir")]
        fhir_url: Option<String>,
        /// Write each message as <id>.dat with a control file <id>.ctl into this folder.
        #[arg(long, requires = "mailbox_id")]
        mailbox_dir: Option<PathBuf>,
        /// The practice's mailbox id (the control file's To_DTS).
        #[arg(long)]
        mailbox_id: Option<String>,
        /// The workflow id agreed for these messages (the control file's WorkflowId).
        #[arg(long)]
        workflow_id: Option<String>,
    },
}

pub async fn run(command: PracticesCommand) -> anyhow::Result<()> {
    let PracticesCommand::Endpoint {
        command:
            EndpointCommand::Set {
                db,
                practice,
                fhir_url,
                mailbox_dir,
                mailbox_id,
                workflow_id,
            },
    } = command;
    let endpoint = match (fhir_url, mailbox_dir) {
        (Some(url), _) => Endpoint::Fhir { url },
        (None, Some(folder)) => Endpoint::Mailbox {
            folder,
            mailbox_id: mailbox_id.unwrap_or_default(),
            workflow_id,
        },
        (None, None) => anyhow::bail!("give --fhir-url or --mailbox-dir"),
    };
    let store = connect_existing(&db.database_url).await?;
    crate::usecases::outbox::set_endpoint(&store, &practice, &endpoint)
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.problem().detail))?;
    println!(
        "practice {practice}: GP messages go to {} ({})",
        endpoint.address(),
        endpoint.kind().label()
    );
    Ok(())
}
