//! Writing an extract as a CSV data package: the rows (`extract.csv`), a data dictionary
//! (`data-dictionary.csv`: each column, type, coding, source) and a Frictionless
//! `datapackage.json` whose Table Schema describes every column, with what the disclosure
//! check found. Written like the directory's HSDS package (one CSV per table, a header row,
//! the `csv` crate), into a hidden folder beside the destination that is renamed into place
//! only when everything is written: a failure leaves nothing behind.

use super::table::Table;
use super::Evaluation;
use super::Period;
use anyhow::Context;
use serde_json::json;
use std::path::{Path, PathBuf};

/// An extract written to a temporary folder, not yet in place. Dropping it removes it.
pub struct Staged {
    dir: tempfile::TempDir,
    out: PathBuf,
}

impl Staged {
    /// Moves the folder to its destination.
    pub fn publish(self) -> anyhow::Result<()> {
        let Staged { dir, out } = self;
        check_destination(&out)?;
        std::fs::rename(dir.path(), &out)
            .with_context(|| format!("moving the extract to {}", out.display()))?;
        // Renamed: nothing is left to remove.
        let _ = dir.keep();
        Ok(())
    }
}

/// Refuses a destination that already exists, so an extract never overwrites or mixes
/// with another.
pub fn check_destination(out: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(
        !out.exists(),
        "{} already exists: give a new folder for the extract",
        out.display()
    );
    Ok(())
}

/// Writes the package into a temporary folder beside `out`.
pub fn stage(
    evaluation: &Evaluation,
    period: Period,
    table: &Table,
    out: &Path,
) -> anyhow::Result<Staged> {
    check_destination(out)?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let dir = tempfile::Builder::new()
        .prefix(".linkwell-extract-")
        .tempdir_in(&parent)
        .with_context(|| format!("making a folder in {}", parent.display()))?;
    let mut csv = csv::Writer::from_path(dir.path().join("extract.csv"))?;
    csv.write_record(table.columns.iter().map(|c| c.name.as_str()))?;
    for row in &table.rows {
        // Every cell is a code, a number, a month or a hex key: none can start a formula.
        csv.write_record(row)?;
    }
    csv.flush()?;

    let mut dictionary = csv::Writer::from_path(dir.path().join("data-dictionary.csv"))?;
    dictionary.write_record(["column", "type", "coding", "source", "description"])?;
    for c in &table.columns {
        let coding = match (&c.values, c.pattern) {
            (Some(values), _) => values.join(" | "),
            (None, Some(pattern)) => format!("pattern {pattern}"),
            (None, None) => match c.kind {
                "boolean" => "true | false".into(),
                "yearmonth" => "YYYY-MM".into(),
                "integer" => "whole number, 0 or more".into(),
                _ => String::new(),
            },
        };
        dictionary.write_record([c.name.as_str(), c.kind, &coding, c.source, &c.description])?;
    }
    dictionary.flush()?;

    let fields: Vec<_> = table
        .columns
        .iter()
        .map(|c| {
            let mut field = json!({"name": c.name, "type": c.kind, "description": c.description, "linkwell:source": c.source});
            let mut constraints = serde_json::Map::new();
            if let Some(values) = &c.values {
                constraints.insert("enum".into(), json!(values));
            }
            if let Some(pattern) = c.pattern {
                constraints.insert("pattern".into(), json!(pattern));
            }
            if c.name == "person_key" {
                constraints.insert("required".into(), json!(true));
                constraints.insert("unique".into(), json!(true));
            }
            if !constraints.is_empty() {
                field["constraints"] = constraints.into();
            }
            if c.kind == "boolean" {
                field["trueValues"] = json!(["true"]);
                field["falseValues"] = json!(["false"]);
            }
            field
        })
        .collect();
    let package = json!({
        "profile": "tabular-data-package",
        "name": format!("linkwell-evaluation-{}", evaluation.name.to_lowercase()),
        "title": format!("Linkwell evaluation extract: {}", evaluation.name),
        "description": format!("Pseudonymised person-level extract for {} ({}). Referrals received {} to {}.", evaluation.evaluator, evaluation.purpose, period.from, period.to),
        "created": crate::evaluation::now_rfc3339(),
        "resources": [
            {
                "name": "extract",
                "path": "extract.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {"fields": fields, "primaryKey": ["person_key"], "missingValues": [""]}
            },
            {
                "name": "data-dictionary",
                "path": "data-dictionary.csv",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8"
            }
        ],
        "linkwell:disclosure": {
            "rows": table.rows.len(),
            "k_required": super::anonymity::K_REQUIRED,
            "k_achieved": table.check.k,
            "equivalence_classes": table.check.classes,
            "quasi_identifiers": table.quasi_identifiers,
            "generalisations": table.generalisations,
        }
    });
    std::fs::write(
        dir.path().join("datapackage.json"),
        serde_json::to_vec_pretty(&package)?,
    )?;
    Ok(Staged {
        dir,
        out: out.to_path_buf(),
    })
}
