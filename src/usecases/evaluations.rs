//! Approving evaluations and making their extracts. Only the server's operator (the command
//! line) or an administrator may; an extract is refused, and the refusal audited, when the
//! evaluation is unknown or its approval has ended, when the period holds no referrals, or
//! when k-anonymity cannot be reached. Nothing is written unless every check passes.

use super::users::Administrator;
use crate::audit::AuditContext;
use crate::auth::policy::Action;
use crate::error::{AppError, AppResult};
use crate::evaluation::anonymity::K_REQUIRED;
use crate::evaluation::{
    self, package, table, ExtractRecord, NewEvaluation, Period, EVALUATION_PURPOSE,
};
use crate::store::Store;
use chrono::NaiveDate;
use rand::RngCore;
use std::path::{Path, PathBuf};

/// Asks the policy (administrators only) and gives the audit context.
fn authorise(admin: Administrator<'_>) -> AppResult<AuditContext> {
    Ok(match admin {
        Administrator::User(user) => {
            user.require(Action::ManageAccounts)?;
            AuditContext {
                purpose: EVALUATION_PURPOSE.into(),
                ..user.audit_context()
            }
        }
        Administrator::Operator => AuditContext {
            actor_id: 0,
            actor_role: "operator".into(),
            purpose: EVALUATION_PURPOSE.into(),
            request_id: format!("cli-{}", &crate::auth::new_secret("").0[..16]),
        },
    })
}

/// Approves an evaluation and makes its secret; returns its id.
pub async fn approve(
    store: &Store,
    admin: Administrator<'_>,
    new: NewEvaluation,
    today: NaiveDate,
) -> AppResult<i64> {
    let ctx = authorise(admin)?;
    evaluation::check_new(&new, today).map_err(|(field, detail)| AppError::Validation {
        title: "The approval is not valid",
        detail,
        field: Some(field.into()),
    })?;
    if store.evaluation_by_name(&new.name).await?.is_some() {
        return Err(AppError::Conflict(format!(
            "an evaluation named {} is already approved; choose another name",
            new.name
        )));
    }
    let mut secret = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    Ok(store
        .create_evaluation(&ctx, &new, &hex::encode(secret))
        .await?)
}

/// What an extract wrote.
#[derive(Debug, Clone)]
pub struct Extracted {
    pub out: PathBuf,
    pub rows: usize,
    pub k: usize,
    pub classes: usize,
    pub quasi_identifiers: Vec<String>,
    pub generalisations: Vec<&'static str>,
}

/// Makes the extract for an approved evaluation into the folder `out` (which must not
/// exist), or refuses; either way the outcome is recorded and audited.
pub async fn extract(
    store: &Store,
    admin: Administrator<'_>,
    name: &str,
    period: Period,
    out: &Path,
    today: NaiveDate,
) -> AppResult<Extracted> {
    let ctx = authorise(admin)?;
    package::check_destination(out).map_err(|e| AppError::Validation {
        title: "The destination is not usable",
        detail: e.to_string(),
        field: Some("out".into()),
    })?;
    let mut record = ExtractRecord {
        evaluation_name: name.to_string(),
        evaluation_id: None,
        written: false,
        period,
        rows: 0,
        k: None,
        generalisations: Vec::new(),
        detail: String::new(),
    };
    let Some(evaluation) = store.evaluation_by_name(name).await? else {
        return refuse(
            store,
            &ctx,
            record,
            format!("no evaluation named {name} is approved"),
        )
        .await;
    };
    record.evaluation_id = Some(evaluation.id);
    if !evaluation.is_current(today) {
        return refuse(
            store,
            &ctx,
            record,
            format!(
                "the approval of {name} ended on {}",
                evaluation.approved_until
            ),
        )
        .await;
    }
    let episodes = store.evaluation_episodes(period).await?;
    if episodes.is_empty() {
        return refuse(
            store,
            &ctx,
            record,
            format!(
                "no referrals were received from {} to {}",
                period.from, period.to
            ),
        )
        .await;
    }
    let table = match table::build(&evaluation, episodes) {
        Ok(table) => table,
        Err(refused) => {
            record.k = Some(refused.check.k);
            record.rows = refused.rows;
            record.generalisations = refused.generalisations.clone();
            return refuse(store, &ctx, record, refused.to_string()).await;
        }
    };
    let staged = package::stage(&evaluation, period, &table, out)?;
    record.written = true;
    record.rows = table.rows.len();
    record.k = Some(table.check.k);
    record.generalisations = table.generalisations.clone();
    record.detail = format!(
        "{} rows for {} from {} to {}, k = {} (at least {K_REQUIRED}) over ({}), generalised: {}",
        table.rows.len(),
        evaluation.evaluator,
        period.from,
        period.to,
        table.check.k,
        table.quasi_identifiers.join(", "),
        if table.generalisations.is_empty() {
            "none".to_string()
        } else {
            table.generalisations.join(", ")
        }
    );
    // Recorded before the folder appears: an extract that is not audited is never published.
    store.record_evaluation_extract(&ctx, &record).await?;
    staged.publish()?;
    Ok(Extracted {
        out: out.to_path_buf(),
        rows: table.rows.len(),
        k: table.check.k,
        classes: table.check.classes,
        quasi_identifiers: table.quasi_identifiers,
        generalisations: table.generalisations,
    })
}

/// Records a refusal and answers it.
async fn refuse(
    store: &Store,
    ctx: &AuditContext,
    mut record: ExtractRecord,
    detail: String,
) -> AppResult<Extracted> {
    record.detail = format!("refused: {detail}; nothing written");
    store.record_evaluation_extract(ctx, &record).await?;
    Err(AppError::Conflict(record.detail))
}
