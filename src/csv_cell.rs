//! Cells written to CSV files that people open in spreadsheets. A cell that begins with
//! `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel, LibreOffice and
//! Google Sheets as a formula (OWASP "CSV Injection"), so text from a record could run
//! on the reader's machine or send data away. Every CSV writer passes its *text* cells
//! through [`neutralise`]; numeric columns are written as numbers and left alone, so a
//! negative number stays a number.

use std::borrow::Cow;

/// The characters that make a spreadsheet treat a cell as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The cell as text a spreadsheet shows as written: prefixed with a single quote when it
/// would otherwise be read as a formula (OWASP's recommended neutralisation).
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn formula_starts_are_quoted_and_plain_text_is_not() {
        for risky in [
            "=HYPERLINK(\"http://x\")",
            "+1",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert_eq!(neutralise(risky), format!("'{risky}"));
        }
        for plain in ["Ada", "", "1-2", "'already", "e=mc2"] {
            assert_eq!(neutralise(plain), plain);
        }
    }
}
