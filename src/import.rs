//! What every checked import shares: problems named by line and field, and CSV read with
//! its header first (line 1), cells trimmed.

use std::fmt;
use std::io::Read;

/// A problem with one line of a file (line 1 is the header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub field: &'static str,
    pub message: String,
}

impl RowError {
    pub fn header(message: String) -> RowError {
        RowError {
            line: 1,
            field: "header",
            message,
        }
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, {}: {}", self.line, self.field, self.message)
    }
}

/// A CSV reader (cells trimmed) and the file's header row.
pub fn read_headers<R: Read>(
    input: R,
) -> Result<(csv::Reader<R>, csv::StringRecord), Vec<RowError>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(input);
    let headers = reader
        .headers()
        .map_err(|e| vec![RowError::header(format!("cannot read the header: {e}"))])?
        .clone();
    Ok((reader, headers))
}

/// The data rows with their line numbers (the header is line 1); a row that cannot be read
/// is a problem on its line.
pub fn rows<R: Read>(
    reader: &mut csv::Reader<R>,
) -> impl Iterator<Item = (u64, Result<csv::StringRecord, RowError>)> + '_ {
    reader.records().enumerate().map(|(i, record)| {
        let line = i as u64 + 2;
        let record = record.map_err(|e| RowError {
            line,
            field: "row",
            message: e.to_string(),
        });
        (line, record)
    })
}
