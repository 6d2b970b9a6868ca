//! Checks shared by every way data comes in (the JSON API, the pages, FHIR and the
//! spreadsheet import), so a value refused by one is refused by all. Each check says why.
//! Plain domain rules: nothing here knows of HTTP or SQL.
//!
//! Ranges (docs/security-notes-data.md, item 10):
//! - date of birth: 1900-01-01 to today;
//! - referral, contact and measure dates: 2000-01-01 to today (a contact up to five
//!   minutes ahead, for clocks that differ);
//! - follow-up dates: from 31 days ago (a contact typed in late) to two years ahead; a
//!   volunteer's visit: from today to two years ahead;
//! - names, identifiers and phone numbers: no control characters at all; free text: line
//!   breaks and tabs only; nowhere the Unicode bidirectional formatting characters, which
//!   can make text display as something other than what it is (CVE-2021-42574);
//! - phone numbers: UK numbers only (see [`UkPhone`]).

use chrono::{DateTime, Duration, NaiveDate, Utc};

/// An input that failed a check: which field, a short title, and why in plain words. The
/// edges show it as they show any refusal (a problem document, an `OperationOutcome`, a form's
/// error summary); `crate::error` turns it into their `AppError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub title: &'static str,
    pub detail: String,
}

impl FieldError {
    pub fn new(field: &str, title: &'static str, detail: impl Into<String>) -> FieldError {
        FieldError {
            field: field.to_string(),
            title,
            detail: detail.into(),
        }
    }
}

/// Trims a free-text field and checks its length and characters (line breaks and tabs
/// allowed; other control and text-direction characters refused).
pub fn text_field(field: &str, value: &str, min: usize, max: usize) -> Result<String, FieldError> {
    checked_text(field, value, min, max, true)
}

/// As [`text_field`] for one-line values (names, identifiers): no line breaks or tabs either.
pub fn line_field(field: &str, value: &str, min: usize, max: usize) -> Result<String, FieldError> {
    checked_text(field, value, min, max, false)
}

fn checked_text(
    field: &str,
    value: &str,
    min: usize,
    max: usize,
    multi_line: bool,
) -> Result<String, FieldError> {
    let value = value.trim();
    if let Some(c) = forbidden_char(value, multi_line) {
        return Err(FieldError::new(
            field,
            "Character not allowed",
            forbidden_char_message(field, c),
        ));
    }
    let len = value.chars().count();
    if len < min {
        return Err(FieldError::new(
            field,
            "Missing text",
            format!("{field} must not be empty"),
        ));
    }
    if len > max {
        return Err(FieldError::new(
            field,
            "Text too long",
            format!("{field} must be at most {max} characters"),
        ));
    }
    Ok(value.to_string())
}

/// Earliest date of birth accepted.
pub const EARLIEST_BIRTH: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(d) => d,
    None => panic!("valid date"),
};
/// Earliest referral, contact or measure date accepted: older records are typing errors.
pub const EARLIEST_RECORD: NaiveDate = match NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(d) => d,
    None => panic!("valid date"),
};
/// A follow-up may be recorded this many days in the past (a contact entered late)...
pub const FOLLOW_UP_DAYS_BACK: i64 = 31;
/// ...and this many days ahead.
pub const FOLLOW_UP_DAYS_AHEAD: i64 = 730;

/// What a date is, which decides the range it must fall in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateKind {
    BirthDate,
    Referral,
    Contact,
    Measure,
    FollowUp,
    /// A volunteer's visit being arranged.
    Visit,
}

impl DateKind {
    /// The first and last day accepted, given today.
    pub fn range(self, today: NaiveDate) -> (NaiveDate, NaiveDate) {
        match self {
            DateKind::BirthDate => (EARLIEST_BIRTH, today),
            DateKind::Referral | DateKind::Contact | DateKind::Measure => (EARLIEST_RECORD, today),
            DateKind::FollowUp => (
                today - Duration::days(FOLLOW_UP_DAYS_BACK),
                today + Duration::days(FOLLOW_UP_DAYS_AHEAD),
            ),
            DateKind::Visit => (today, today + Duration::days(FOLLOW_UP_DAYS_AHEAD)),
        }
    }

    fn what(self) -> &'static str {
        match self {
            DateKind::BirthDate => "a date of birth",
            DateKind::Referral => "a referral date",
            DateKind::Contact => "a contact",
            DateKind::Measure => "a measure",
            DateKind::FollowUp => "a follow-up",
            DateKind::Visit => "a visit",
        }
    }

    /// The date, or why it is refused.
    pub fn check(self, date: NaiveDate, today: NaiveDate) -> Result<NaiveDate, String> {
        let (first, last) = self.range(today);
        if date < first && self == DateKind::Visit {
            Err(format!(
                "{date} is in the past: a visit is arranged from today on"
            ))
        } else if date < first {
            Err(format!(
                "{date} is too long ago: {} must be on or after {first}",
                self.what()
            ))
        } else if date > last {
            Err(match self {
                DateKind::FollowUp | DateKind::Visit => format!(
                    "{date} is too far ahead: {} must be within {FOLLOW_UP_DAYS_AHEAD} days (by {last})",
                    self.what()
                ),
                _ => format!("{date} is in the future: {} must be on or before {last}", self.what()),
            })
        } else {
            Ok(date)
        }
    }
}

/// When a contact happened: in [`DateKind::Contact`]'s range, and no more than five
/// minutes from now.
pub fn check_contact_time(at: DateTime<Utc>, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    if at > now + Duration::minutes(5) {
        return Err("a contact cannot be recorded before it happens".into());
    }
    DateKind::Contact.check(at.date_naive(), now.date_naive())?;
    Ok(at)
}

/// Unicode bidirectional formatting characters (embeddings, overrides, isolates, marks).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters that show as nothing: in a name, an identifier or a phone number they only
/// make two different values look the same (defeating matching, or passing one person off as
/// another). Zero-width space, word joiner and invisible operators, byte-order mark, soft
/// hyphen, Mongolian vowel separator, and the line and paragraph separators.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{180E}' | '\u{200B}' | '\u{2028}' | '\u{2029}' | '\u{2060}'
            ..='\u{2064}' | '\u{FEFF}'
    )
}

/// Zero-width joiner and non-joiner shape letters in scripts such as Persian and the Indic
/// scripts, so a name may hold them there; beside a Latin letter, digit or space they
/// only hide.
fn is_hiding_joiner(text: &[char], i: usize) -> bool {
    matches!(text[i], '\u{200C}' | '\u{200D}')
        && (i == 0 || i + 1 == text.len() || text[i - 1].is_ascii() || text[i + 1].is_ascii())
}

/// The first character text may not hold, if any: control characters (line breaks and
/// tabs are allowed when `multi_line`) and bidirectional formatting characters; and in a
/// single line (names, identifiers, phone numbers) characters that show as nothing.
pub fn forbidden_char(text: &str, multi_line: bool) -> Option<char> {
    let chars: Vec<char> = text.chars().collect();
    chars.iter().enumerate().find_map(|(i, &c)| {
        let control = c.is_control() && !(multi_line && matches!(c, '\n' | '\r' | '\t'));
        let hidden = !multi_line && (is_invisible(c) || is_hiding_joiner(&chars, i));
        (is_bidi_control(c) || control || hidden).then_some(c)
    })
}

/// Why text holding `c` is refused.
pub fn forbidden_char_message(field: &str, c: char) -> String {
    format!(
        "{field} must not contain control, text-direction or invisible characters (found U+{:04X})",
        c as u32
    )
}

/// A UK telephone number, as typed (trimmed). Accepted: 10 or 11 digits starting 0, whose
/// second digit is one Ofcom allocates (1, 2, 3, 5, 7, 8 or 9); or the same after +44 (or
/// 0044) without its leading 0, optionally written +44 (0). Spaces, hyphens, dots and
/// brackets may separate the digits. Anything else (another country's number, letters,
/// extensions) is refused: Linkwell calls people in the UK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UkPhone(String);

impl UkPhone {
    pub fn parse(input: &str) -> Result<UkPhone, String> {
        const WHY: &str = "a UK phone number has 10 or 11 digits starting 0 (for example 0121 496 0000 or 07700 900123), or +44 then the number without its 0";
        let text = input.trim();
        if let Some(c) = forbidden_char(text, false) {
            return Err(forbidden_char_message("phone", c));
        }
        let (international, rest) = match text.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        if !rest
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')'))
        {
            return Err(WHY.into());
        }
        let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
        let national = if international {
            digits.strip_prefix("44").map(|n| {
                // "+44 (0)121 ..." writes the trunk 0 in brackets: drop it.
                let n = n
                    .strip_prefix('0')
                    .filter(|_| rest.contains("(0)"))
                    .unwrap_or(n);
                format!("0{n}")
            })
        } else if let Some(n) = digits.strip_prefix("0044") {
            Some(format!("0{n}"))
        } else {
            Some(digits)
        };
        let ok = national.is_some_and(|n| {
            (10..=11).contains(&n.len())
                && n.starts_with('0')
                && matches!(
                    n.as_bytes().get(1),
                    Some(b'1' | b'2' | b'3' | b'5' | b'7' | b'8' | b'9')
                )
        });
        if ok {
            Ok(UkPhone(text.to_string()))
        } else {
            Err(WHY.into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Largest request body accepted, in bytes. Casework bodies are small. A limit on input, so
/// it lives with the other input rules; the router enforces it and errors quote it.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn dates_outside_their_range_are_refused_with_the_reason() {
        let today = day("2026-06-15");
        assert!(DateKind::Contact
            .check(day("0001-01-01"), today)
            .unwrap_err()
            .contains("on or after 2000-01-01"));
        assert!(DateKind::Measure
            .check(day("9999-12-31"), today)
            .unwrap_err()
            .contains("in the future"));
        assert!(DateKind::FollowUp
            .check(day("9999-12-31"), today)
            .unwrap_err()
            .contains("730 days"));
        assert!(DateKind::FollowUp.check(day("2026-05-01"), today).is_err());
        assert!(DateKind::FollowUp.check(day("2026-06-01"), today).is_ok());
        assert!(DateKind::FollowUp.check(day("2028-06-14"), today).is_ok());
        assert!(DateKind::BirthDate.check(day("1899-12-31"), today).is_err());
        assert!(DateKind::Referral.check(today, today).is_ok());
    }

    #[test]
    fn control_and_direction_characters_are_found() {
        assert_eq!(
            forbidden_char("Ada\u{202E}ecalevoL", false),
            Some('\u{202E}')
        );
        assert_eq!(forbidden_char("Ada\0", false), Some('\0'));
        assert_eq!(forbidden_char("line\nbreak", false), Some('\n'));
        assert_eq!(forbidden_char("line\nbreak\tand tab", true), None);
        assert_eq!(forbidden_char("Zoë O'Brien-Núñez 李", false), None);
        assert_eq!(forbidden_char("x\u{2066}y", true), Some('\u{2066}'));
        // Invisible in a name: zero-width space, joiner beside Latin letters, byte-order
        // mark, line separator (retest finding F4).
        for hidden in ['\u{200B}', '\u{200D}', '\u{FEFF}', '\u{2028}', '\u{00AD}'] {
            let name = format!("Love{hidden}lace");
            assert_eq!(forbidden_char(&name, false), Some(hidden), "{name:?}");
        }
        // A joiner inside Persian or Devanagari shapes the letters and is kept.
        assert_eq!(
            forbidden_char(
                "\u{0645}\u{06CC}\u{200C}\u{062E}\u{0648}\u{0627}\u{0647}\u{0645}",
                false
            ),
            None
        );
        assert_eq!(
            forbidden_char("\u{0915}\u{094D}\u{200D}\u{0937}", false),
            None
        );
    }

    #[test]
    fn only_uk_phone_numbers_are_accepted() {
        for ok in [
            "07700 900123",
            "0121 496 0000",
            "020 7946 0000",
            "+44 7700 900123",
            "+44 (0)121 496 0000",
            "0044 20 7946 0000",
            "(0121) 496-0000",
            "0800 123456",
        ] {
            assert!(UkPhone::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "+1 202 555 0100",
            "555-0100",
            "07700 900123 ext 4",
            "0770090012345",
            "04700 900123",
            "+33 1 23 45 67 89",
            "07700\u{202E}900123",
            "07700\0900123",
            "",
        ] {
            assert!(UkPhone::parse(bad).is_err(), "{bad}");
        }
    }
}
