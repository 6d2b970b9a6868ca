//! `linkwell evaluations approve`: approve an evaluation, so an extract can be made for it
//! (`linkwell export evaluation`).

use super::shared::{connect_existing, DbArgs};
use crate::evaluation::NewEvaluation;
use crate::usecases::{evaluations, users::Administrator};
use chrono::NaiveDate;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum EvaluationsCommand {
    /// Approve an evaluation: who evaluates, why, and until when extracts may be made.
    Approve {
        #[command(flatten)]
        db: DbArgs,
        /// Short name used to ask for its extracts (letters, digits, '-', '_', '.').
        name: String,
        /// The organisation carrying out the evaluation.
        #[arg(long)]
        evaluator: String,
        /// What the evaluation is for, as approved.
        #[arg(long)]
        purpose: String,
        /// The last day an extract may be made (YYYY-MM-DD).
        #[arg(long)]
        until: NaiveDate,
    },
}

pub async fn run(command: EvaluationsCommand) -> anyhow::Result<()> {
    let EvaluationsCommand::Approve {
        db,
        name,
        evaluator,
        purpose,
        until,
    } = command;
    let store = connect_existing(&db.database_url).await?;
    let new = NewEvaluation {
        name,
        evaluator,
        purpose,
        approved_until: until,
    };
    let id = evaluations::approve(
        &store,
        Administrator::Operator,
        new.clone(),
        chrono::Utc::now().date_naive(),
    )
    .await?;
    println!(
        "approved evaluation {} (id {id}) for {} until {}",
        new.name, new.evaluator, new.approved_until
    );
    Ok(())
}
