//! Finding a person in a caseload from one search box (issue 15): what was typed is read as
//! an NHS number, a date of birth or a name, in that order, so a link worker need not say
//! which it is.

use chrono::NaiveDate;

/// The longest search text read; a name longer than this is not a name.
const MAX_SEARCH_CHARS: usize = 100;

/// What a caseload search looks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseloadSearch {
    /// Ten digits, as stored (spaces and hyphens typed between them are dropped).
    NhsNumber(String),
    DateOfBirth(NaiveDate),
    /// Part of the person's name, matched without regard to case, lower-cased here.
    Name(String),
}

/// Why a search text was refused, in words for the field's error message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SearchProblem {
    #[error("enter at least 2 letters of a name, an NHS number or a date of birth")]
    TooShort,
    #[error("enter at most 100 characters")]
    TooLong,
    #[error("enter a real date of birth, like 31/01/1950 or 1950-01-31")]
    NotADate,
}

impl CaseloadSearch {
    /// Reads the search box: nothing typed is no search.
    pub fn parse(text: &str) -> Result<Option<CaseloadSearch>, SearchProblem> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        if text.chars().count() > MAX_SEARCH_CHARS {
            return Err(SearchProblem::TooLong);
        }
        let digits: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if digits.len() == 10 && digits.chars().all(|c| c.is_ascii_digit()) {
            return Ok(Some(CaseloadSearch::NhsNumber(digits)));
        }
        if text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '/' | '-' | '.'))
        {
            return date_of_birth(text)
                .map(|d| Some(CaseloadSearch::DateOfBirth(d)))
                .ok_or(SearchProblem::NotADate);
        }
        let name = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.chars().filter(|c| c.is_alphabetic()).count() < 2 {
            return Err(SearchProblem::TooShort);
        }
        Ok(Some(CaseloadSearch::Name(name.to_lowercase())))
    }

    /// The search as typed back into the box (the NHS number spaced as the NHS writes it).
    pub fn shown(&self) -> String {
        match self {
            CaseloadSearch::NhsNumber(d) => format!("{} {} {}", &d[..3], &d[3..6], &d[6..]),
            CaseloadSearch::DateOfBirth(d) => d.format("%d/%m/%Y").to_string(),
            CaseloadSearch::Name(n) => n.clone(),
        }
    }
}

/// A date written the British way (31/01/1950, 31-1-1950, 31.01.1950) or ISO (1950-01-31).
fn date_of_birth(text: &str) -> Option<NaiveDate> {
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(d);
    }
    let parts: Vec<&str> = text.split(['/', '-', '.']).collect();
    let [day, month, year] = parts.as_slice() else {
        return None;
    };
    if year.len() != 4 {
        return None;
    }
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use CaseloadSearch::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn nhs_numbers_are_read_with_or_without_spaces() {
        for typed in ["9434765919", "943 476 5919", " 943-476-5919 "] {
            assert_eq!(
                CaseloadSearch::parse(typed),
                Ok(Some(NhsNumber("9434765919".into()))),
                "{typed}"
            );
        }
        assert_eq!(NhsNumber("9434765919".into()).shown(), "943 476 5919");
    }

    #[test]
    fn dates_of_birth_are_read_british_or_iso() {
        for typed in [
            "10/12/1950",
            "10-12-1950",
            "1950-12-10",
            "10.12.1950",
            "10/12/1950 ",
        ] {
            assert_eq!(
                CaseloadSearch::parse(typed),
                Ok(Some(DateOfBirth(date(1950, 12, 10)))),
                "{typed}"
            );
        }
        // The day comes first, as in Britain: 02/03 is 2 March.
        assert_eq!(
            CaseloadSearch::parse("02/03/1960"),
            Ok(Some(DateOfBirth(date(1960, 3, 2))))
        );
        for bad in ["31/02/1950", "10/12/50", "12/1950", "1950-13-01"] {
            assert_eq!(
                CaseloadSearch::parse(bad),
                Err(SearchProblem::NotADate),
                "{bad}"
            );
        }
    }

    #[test]
    fn anything_else_is_part_of_a_name() {
        assert_eq!(
            CaseloadSearch::parse("  Ada   LOVE "),
            Ok(Some(Name("ada love".into())))
        );
        assert_eq!(
            CaseloadSearch::parse("O'Brien"),
            Ok(Some(Name("o'brien".into())))
        );
        assert_eq!(CaseloadSearch::parse(""), Ok(None));
        assert_eq!(CaseloadSearch::parse("   "), Ok(None));
        assert_eq!(CaseloadSearch::parse("a"), Err(SearchProblem::TooShort));
        assert_eq!(
            CaseloadSearch::parse(&"a".repeat(101)),
            Err(SearchProblem::TooLong)
        );
    }
}
