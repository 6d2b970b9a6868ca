//! The practice's CSV of service use (docs/service-use.md, "Importing from the practice"):
//! one row per referral and window, matched to a referral by the person's NHS number and the
//! day the referral was received. Every row is checked here first; matching the rows to
//! referrals is a use case (it needs the store), and the whole file is written or none of it.

use super::{Counts, Window};
use crate::import::RowError;
use crate::people::NhsNumber;
use chrono::NaiveDate;
use std::collections::HashMap;
use std::io::Read;

/// The columns, in the order a template gives them. An empty count is not recorded.
pub const COLUMNS: [&str; 5] = [
    "nhs_number",
    "referral_received",
    "window",
    "gp_consultations",
    "ae_attendances",
];

/// The most rows one file may hold: a practice's referrals over years, not a data dump.
pub const MAX_ROWS: usize = 20_000;

/// One checked row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceUseRow {
    pub line: u64,
    pub nhs_number: NhsNumber,
    /// The day the referral was received (London time).
    pub received: NaiveDate,
    pub window: Window,
    pub counts: Counts,
}

fn problem(line: u64, field: &'static str, message: String) -> RowError {
    RowError {
        line,
        field,
        message,
    }
}

fn count_cell(line: u64, field: &'static str, text: &str) -> Result<Option<i64>, RowError> {
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<i64>().map(Some).map_err(|_| {
        problem(
            line,
            field,
            format!("{text:?} is not a whole number (leave it empty if not known)"),
        )
    })
}

/// Reads and checks every row; every problem by line and field, or the rows.
pub fn parse(input: impl Read) -> Result<Vec<ServiceUseRow>, Vec<RowError>> {
    let (mut reader, headers) = crate::import::read_headers(input)?;
    let column: HashMap<&str, usize> = headers.iter().enumerate().map(|(i, h)| (h, i)).collect();
    let mut errors = Vec::new();
    let missing: Vec<&str> = COLUMNS
        .iter()
        .copied()
        .filter(|c| !column.contains_key(c))
        .collect();
    if !missing.is_empty() {
        errors.push(RowError::header(format!(
            "missing column(s): {}",
            missing.join(", ")
        )));
    }
    for unknown in headers.iter().filter(|h| !COLUMNS.contains(h)) {
        errors.push(RowError::header(format!(
            "unknown column {unknown:?}; the columns are {}",
            COLUMNS.join(", ")
        )));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut rows = Vec::new();
    let mut seen: HashMap<(NhsNumber, NaiveDate, Window), u64> = HashMap::new();
    for (line, record) in crate::import::rows(&mut reader) {
        if rows.len() + errors.len() >= MAX_ROWS {
            errors.push(problem(
                line,
                "row",
                format!("a file holds at most {MAX_ROWS} rows; split it"),
            ));
            break;
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let get = |name: &str| column.get(name).and_then(|i| record.get(*i)).unwrap_or("");
        let nhs_number = NhsNumber::parse(get("nhs_number"))
            .map_err(|e| errors.push(problem(line, "nhs_number", e.to_string())))
            .ok();
        let received = NaiveDate::parse_from_str(get("referral_received"), "%Y-%m-%d")
            .map_err(|_| {
                errors.push(problem(
                    line,
                    "referral_received",
                    format!(
                        "{:?} is not a date (YYYY-MM-DD): the day the referral was received",
                        get("referral_received")
                    ),
                ))
            })
            .ok();
        let window = Window::from_code(get("window"));
        if window.is_none() {
            errors.push(problem(
                line,
                "window",
                format!("{:?} is not one of before, after", get("window")),
            ));
        }
        let mut cell = |field: &'static str| match count_cell(line, field, get(field)) {
            Ok(Some(n)) => super::count(field, n)
                .map(Some)
                .map_err(|e| errors.push(problem(line, field, e.detail))),
            Ok(None) => Ok(None),
            Err(e) => {
                errors.push(e);
                Err(())
            }
        };
        let gp = cell("gp_consultations");
        let ae = cell("ae_attendances");
        let counts = match (gp, ae) {
            (Ok(None), Ok(None)) => {
                errors.push(problem(
                    line,
                    "gp_consultations",
                    "no count given: give GP consultations, A&E attendances, or both".into(),
                ));
                None
            }
            (Ok(gp), Ok(ae)) => Some(Counts {
                gp_consultations: gp,
                ae_attendances: ae,
            }),
            _ => None,
        };
        let (Some(nhs_number), Some(received), Some(window), Some(counts)) =
            (nhs_number, received, window, counts)
        else {
            continue;
        };
        if let Some(first) = seen.insert((nhs_number, received, window), line) {
            errors.push(problem(
                line,
                "window",
                format!(
                    "line {first} already gives this referral's {} window",
                    window.code()
                ),
            ));
            continue;
        }
        rows.push(ServiceUseRow {
            line,
            nhs_number,
            received,
            window,
            counts,
        });
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_is_named_by_line_and_field() {
        let text = "nhs_number,referral_received,window,gp_consultations,ae_attendances\n\
            943 476 5919,2026-01-15,before,6,1\n\
            943 476 5918,2026-01-15,after,2,\n\
            9434765919,15/01/2026,during,lots,-1\n\
            9434765919,2026-01-15,before,,0\n\
            9434765919,2026-01-15,after,,\n";
        let errors = parse(text.as_bytes()).unwrap_err();
        let found: Vec<(u64, &str)> = errors.iter().map(|e| (e.line, e.field)).collect();
        assert_eq!(
            found,
            vec![
                (3, "nhs_number"),
                (4, "referral_received"),
                (4, "window"),
                (4, "gp_consultations"),
                (4, "ae_attendances"),
                (5, "window"),
                (6, "gp_consultations"),
            ],
            "{errors:?}"
        );
        let ok = parse(
            "nhs_number,referral_received,window,gp_consultations,ae_attendances\n\
             9434765919,2026-01-15,before,6,\n"
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(ok[0].counts.gp_consultations, Some(6));
        assert_eq!(ok[0].counts.ae_attendances, None);
        let header = parse("nhs,window\n".as_bytes()).unwrap_err();
        assert!(header.iter().all(|e| e.line == 1 && e.field == "header"));
    }
}
