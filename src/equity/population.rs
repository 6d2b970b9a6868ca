//! Registered population (practice list sizes by LSOA) read from CSV, checked whole
//! before anything is written: every problem is reported with its line and field.

use std::collections::HashSet;
use std::io::Read;

/// One row of an imported registered population.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PopulationRow {
    pub practice_code: String,
    pub practice_name: Option<String>,
    pub lsoa: String,
    pub imd_decile: Option<u8>,
    pub people: u32,
}

pub use crate::import::RowError;

/// What the IMD reference data knows of an LSOA code: `None` when unknown, else its
/// English IMD decile if it has one (Welsh LSOAs have none).
pub trait LsoaLookup {
    fn decile(&self, lsoa: &str) -> Option<Option<u8>>;
}

impl<F: Fn(&str) -> Option<Option<u8>>> LsoaLookup for F {
    fn decile(&self, lsoa: &str) -> Option<Option<u8>> {
        self(lsoa)
    }
}

/// Parses `practice_code,lsoa11cd,people` (plus an optional `practice_name`) CSV.
pub fn parse(
    input: impl Read,
    lsoas: &impl LsoaLookup,
) -> Result<Vec<PopulationRow>, Vec<RowError>> {
    let (mut reader, headers) = crate::import::read_headers(input)?;
    let column = |names: &[&str]| {
        headers
            .iter()
            .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
    };
    let (Some(practice_at), Some(lsoa_at), Some(people_at)) = (
        column(&["practice_code", "practice"]),
        column(&["lsoa11cd", "lsoa"]),
        column(&["people", "registered", "list_size"]),
    ) else {
        return Err(vec![RowError::header(format!(
            "expected the columns practice_code, lsoa11cd and people (found: {})",
            headers.iter().collect::<Vec<_>>().join(", ")
        ))]);
    };
    let name_at = column(&["practice_name"]);
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for (line, record) in crate::import::rows(&mut reader) {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let field = |at: usize| record.get(at).unwrap_or_default();
        let mut fail = |field: &'static str, message: String| {
            errors.push(RowError {
                line,
                field,
                message,
            })
        };
        let practice_code = field(practice_at);
        if practice_code.is_empty()
            || practice_code.len() > 20
            || !practice_code.chars().all(|c| c.is_ascii_alphanumeric())
        {
            fail(
                "practice_code",
                format!("must be 1 to 20 letters or digits (got {practice_code:?})"),
            );
        }
        let lsoa = field(lsoa_at).to_ascii_uppercase();
        let decile = lsoas.decile(&lsoa);
        if decile.is_none() {
            fail(
                "lsoa11cd",
                format!("{lsoa:?} is not a 2011 LSOA in the IMD reference data"),
            );
        }
        let people = match field(people_at).parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                fail(
                    "people",
                    format!(
                        "must be a whole number of 0 or more (got {:?})",
                        field(people_at)
                    ),
                );
                None
            }
        };
        if !seen.insert((practice_code.to_ascii_uppercase(), lsoa.clone())) {
            fail(
                "lsoa11cd",
                format!("{lsoa} appears twice for practice {practice_code}"),
            );
        }
        if let (Some(imd_decile), Some(people)) = (decile, people) {
            rows.push(PopulationRow {
                practice_code: practice_code.to_ascii_uppercase(),
                practice_name: name_at
                    .map(|at| field(at).to_string())
                    .filter(|n| !n.is_empty()),
                lsoa,
                imd_decile,
                people,
            });
        }
    }
    if rows.is_empty() && errors.is_empty() {
        errors.push(RowError {
            line: 2,
            field: "row",
            message: "the file has no rows".into(),
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
    use proptest::prelude::*;

    fn lookup(lsoa: &str) -> Option<Option<u8>> {
        match lsoa {
            "E01000001" => Some(Some(9)),
            "E01000002" => Some(Some(1)),
            "W01000001" => Some(None),
            _ => None,
        }
    }

    #[test]
    fn a_good_file_parses_with_deciles() {
        let csv = "practice_code,lsoa11cd,people,practice_name\nM85001,E01000001,120,Hill Surgery\nm85001,e01000002,0,\nM85002,W01000001,7,\n";
        let rows = parse(csv.as_bytes(), &lookup).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].imd_decile, Some(9));
        assert_eq!(rows[0].practice_name.as_deref(), Some("Hill Surgery"));
        assert_eq!(
            (rows[1].practice_code.as_str(), rows[1].lsoa.as_str()),
            ("M85001", "E01000002")
        );
        assert_eq!(rows[2].imd_decile, None);
    }

    #[test]
    fn every_bad_line_is_named_with_its_field() {
        let csv = "practice_code,lsoa11cd,people\nM85001,E09999999,10\nM85001,E01000001,-3\n,E01000001,4\nM85001,E01000001,5\n";
        let errors = parse(csv.as_bytes(), &lookup).unwrap_err();
        let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(text.len(), 4, "{text:?}");
        assert!(
            text[0].starts_with("line 2, lsoa11cd: \"E09999999\" is not a 2011 LSOA"),
            "{text:?}"
        );
        assert!(text[1].starts_with("line 3, people:"), "{text:?}");
        assert!(text[2].starts_with("line 4, practice_code:"), "{text:?}");
        assert!(text[3].contains("appears twice"), "{text:?}");
    }

    #[test]
    fn missing_columns_and_empty_files_are_refused() {
        let errors = parse("code,area\nA,B\n".as_bytes(), &lookup).unwrap_err();
        assert_eq!(errors[0].field, "header");
        assert!(parse("practice_code,lsoa11cd,people\n".as_bytes(), &lookup).is_err());
        assert!(parse("".as_bytes(), &lookup).is_err());
    }

    proptest! {
        /// Whatever bytes arrive, parsing answers rows or errors and never panics.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = parse(bytes.as_slice(), &lookup);
        }

        /// CSV-shaped noise: every accepted row came from a known LSOA with a count.
        #[test]
        fn accepted_rows_are_always_valid(lines in proptest::collection::vec(
            ("[A-Z0-9,\" ]{0,8}", prop_oneof![Just("E01000001"), Just("E01000002"), Just("E0100000X"), Just("")], "-?[0-9]{0,6}x?"), 0..20)) {
            let mut csv = String::from("practice_code,lsoa11cd,people\n");
            for (p, l, n) in &lines {
                csv.push_str(&format!("{p},{l},{n}\n"));
            }
            if let Ok(rows) = parse(csv.as_bytes(), &lookup) {
                for row in rows {
                    prop_assert!(lookup(&row.lsoa).is_some());
                    prop_assert!(!row.practice_code.is_empty());
                }
            }
        }
    }
}
