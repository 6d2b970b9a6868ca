//! Referrals moving from a spreadsheet: one CSV row per referral, with the person it is
//! for. The whole file is checked before anything is written, and every problem is
//! reported with its line and field; one bad row means nothing is imported.
//!
//! Columns (header names exact, any order): `given_name`, `family_name`, `date_of_birth`,
//! `sex`, `postcode`, `referred_on`, `referrer_kind`, `reason` are required;
//! `nhs_number`, `ethnicity`, `practice_code`, `phone` and `reference` (the spreadsheet's
//! own id for the referral, so the same row is never imported twice) may be added, and
//! the PRSB record's fields: `address_line1`, `address_line2`, `town`, `preferred_name`,
//! `gender_identity`, `preferred_language` (a BCP 47 code from data/languages.csv, or its
//! name), `interpreter_needed` (yes or no), `communication_needs`, `written_format`,
//! `preferred_contact_method` (code or words) and `preferred_contact_times`.
//! Dates are `YYYY-MM-DD` or `DD/MM/YYYY`.

use crate::import::RowError;
use crate::people::{
    ContactMethod, Ethnicity, Language, NewPerson, PersonDetails, PrsbDetails, Sex, WrittenFormat,
};
use crate::referrals::ReferrerKind;
use chrono::NaiveDate;
use std::collections::HashMap;
use std::io::Read;

/// The identifier system under which a row's `reference` is kept.
pub const REFERENCE_SYSTEM: &str = "urn:linkwell:import:spreadsheet-reference";

const REQUIRED: [&str; 8] = [
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "postcode",
    "referred_on",
    "referrer_kind",
    "reason",
];
const OPTIONAL: [&str; 16] = [
    "nhs_number",
    "ethnicity",
    "practice_code",
    "phone",
    "reference",
    "address_line1",
    "address_line2",
    "town",
    "preferred_name",
    "gender_identity",
    "preferred_language",
    "interpreter_needed",
    "communication_needs",
    "written_format",
    "preferred_contact_method",
    "preferred_contact_times",
];

/// One checked row.
#[derive(Debug, Clone)]
pub struct ReferralRow {
    pub line: u64,
    pub person: NewPerson,
    pub practice_code: Option<String>,
    pub referrer_kind: ReferrerKind,
    pub reason: String,
    pub referred_on: NaiveDate,
    pub reference: Option<String>,
    /// An earlier row (index) for the same person, by NHS number.
    pub same_person_as: Option<usize>,
}

fn date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d/%m/%Y"))
        .ok()
}

/// A coded value by its code or its words, any case.
fn coded<T: Copy>(
    text: &str,
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Option<T> {
    all.iter()
        .copied()
        .find(|v| code(*v).eq_ignore_ascii_case(text) || label(*v).eq_ignore_ascii_case(text))
}

fn sex(text: &str) -> Option<Sex> {
    match text.to_ascii_lowercase().as_str() {
        "f" => Some(Sex::Female),
        "m" => Some(Sex::Male),
        _ => coded(text, Sex::ALL, Sex::code, Sex::label),
    }
}

/// Reads and checks every row; all problems, or the rows.
pub fn parse(
    input: impl Read,
    geography: &crate::geo::Geography,
    today: NaiveDate,
) -> Result<Vec<ReferralRow>, Vec<RowError>> {
    let (mut reader, headers) = crate::import::read_headers(input)?;
    let column: HashMap<&str, usize> = headers.iter().enumerate().map(|(i, h)| (h, i)).collect();
    let mut header_errors = Vec::new();
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|c| !column.contains_key(c))
        .collect();
    if !missing.is_empty() {
        header_errors.push(RowError::header(format!(
            "missing column(s): {}",
            missing.join(", ")
        )));
    }
    for unknown in headers
        .iter()
        .filter(|h| !REQUIRED.contains(h) && !OPTIONAL.contains(h))
    {
        header_errors.push(RowError::header(format!(
            "unknown column {unknown:?}; the columns are {} (optional: {})",
            REQUIRED.join(", "),
            OPTIONAL.join(", ")
        )));
    }
    if !header_errors.is_empty() {
        return Err(header_errors);
    }
    let mut rows: Vec<ReferralRow> = Vec::new();
    let mut errors = Vec::new();
    let mut references: HashMap<String, u64> = HashMap::new();
    let mut by_nhs: HashMap<String, usize> = HashMap::new();
    for (line, record) in crate::import::rows(&mut reader) {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let get = |name: &str| column.get(name).and_then(|i| record.get(*i)).unwrap_or("");
        let mut row_errors: Vec<RowError> = Vec::new();
        let date_of_birth = date(get("date_of_birth"));
        if date_of_birth.is_none() {
            row_errors.push(problem(
                line,
                "date_of_birth",
                format!(
                    "{:?} is not a date (YYYY-MM-DD or DD/MM/YYYY)",
                    get("date_of_birth")
                ),
            ));
        }
        let sex = sex(get("sex"));
        if sex.is_none() {
            row_errors.push(problem(
                line,
                "sex",
                format!(
                    "{:?} is not one of female, male, other, unknown",
                    get("sex")
                ),
            ));
        }
        let ethnicity = match get("ethnicity") {
            "" => Some(Ethnicity::NotStated),
            text => coded(text, Ethnicity::ALL, Ethnicity::code, Ethnicity::label),
        };
        if ethnicity.is_none() {
            let codes: Vec<&str> = Ethnicity::ALL.iter().map(|e| e.code()).collect();
            row_errors.push(problem(
                line,
                "ethnicity",
                format!(
                    "{:?} is not an ONS 2021 group ({})",
                    get("ethnicity"),
                    codes.join(", ")
                ),
            ));
        }
        // Spreadsheets written for earlier versions say `other_professional`: now `other`.
        let kind_text = match get("referrer_kind") {
            t if t.trim().eq_ignore_ascii_case("other_professional") => "other",
            t => t,
        };
        let referrer_kind = coded(
            kind_text,
            ReferrerKind::ALL,
            ReferrerKind::code,
            ReferrerKind::label,
        );
        if referrer_kind.is_none() {
            let codes: Vec<&str> = ReferrerKind::ALL.iter().map(|e| e.code()).collect();
            row_errors.push(problem(
                line,
                "referrer_kind",
                format!(
                    "{:?} is not one of {}",
                    get("referrer_kind"),
                    codes.join(", ")
                ),
            ));
        }
        let referred_on = date(get("referred_on"));
        match referred_on {
            None => row_errors.push(problem(
                line,
                "referred_on",
                format!(
                    "{:?} is not a date (YYYY-MM-DD or DD/MM/YYYY)",
                    get("referred_on")
                ),
            )),
            Some(d) if crate::input::DateKind::Referral.check(d, today).is_err() => {
                let why = crate::input::DateKind::Referral
                    .check(d, today)
                    .unwrap_err();
                row_errors.push(problem(line, "referred_on", why))
            }
            Some(d) if date_of_birth.is_some_and(|b| d < b) => row_errors.push(problem(
                line,
                "referred_on",
                format!("{d} is before the date of birth"),
            )),
            Some(_) => {}
        }
        let reason = crate::input::text_field("reason", get("reason"), 1, 2000);
        if let Err(e) = &reason {
            row_errors.push(problem(line, "reason", e.detail.clone()));
        }
        let reference = Some(get("reference").to_string()).filter(|r| !r.is_empty());
        if let Some(r) = &reference {
            if let Some(c) = crate::input::forbidden_char(r, false) {
                row_errors.push(problem(
                    line,
                    "reference",
                    crate::input::forbidden_char_message("reference", c),
                ));
            } else if r.len() > 200 {
                row_errors.push(problem(
                    line,
                    "reference",
                    "is longer than 200 characters".into(),
                ));
            } else if let Some(first) = references.insert(r.clone(), line) {
                row_errors.push(problem(
                    line,
                    "reference",
                    format!("{r:?} is also on line {first}"),
                ));
            }
        }
        let practice_code = Some(get("practice_code").to_string()).filter(|c| !c.is_empty());
        let prsb = prsb_fields(line, &|name: &str| get(name).to_string(), &mut row_errors);
        let person = match (date_of_birth, sex, ethnicity, prsb) {
            (Some(date_of_birth), Some(sex), Some(ethnicity), Some(prsb)) => {
                let details = PersonDetails {
                    nhs_number: Some(get("nhs_number").to_string()),
                    given_name: get("given_name").to_string(),
                    family_name: get("family_name").to_string(),
                    date_of_birth,
                    sex,
                    ethnicity,
                    postcode: get("postcode").to_string(),
                    practice_id: None,
                    phone: Some(get("phone").to_string()),
                    plus_groups: Vec::new(),
                    conditions: Vec::new(),
                    record: prsb,
                };
                match details.check(geography, today) {
                    Ok(person) => Some(person),
                    Err(e) => {
                        let field = REQUIRED
                            .iter()
                            .chain(OPTIONAL.iter())
                            .copied()
                            .find(|c| *c == e.field)
                            .unwrap_or("row");
                        row_errors.push(problem(line, field, e.detail));
                        None
                    }
                }
            }
            _ => None,
        };
        let (Some(person), Some(referrer_kind), Ok(reason), Some(referred_on)) =
            (person, referrer_kind, reason, referred_on)
        else {
            errors.append(&mut row_errors);
            continue;
        };
        if !row_errors.is_empty() {
            errors.append(&mut row_errors);
            continue;
        }
        let mut same_person_as = None;
        if let Some(nhs) = person.nhs_number.map(|n| n.to_string()) {
            if let Some(&earlier) = by_nhs.get(&nhs) {
                let first: &ReferralRow = &rows[earlier];
                if !same_details(&first.person, &person.family_name, person.date_of_birth) {
                    errors.push(problem(
                        line,
                        "nhs_number",
                        format!(
                            "also on line {} with a different family name or date of birth",
                            first.line
                        ),
                    ));
                    continue;
                }
                same_person_as = Some(earlier);
            } else {
                by_nhs.insert(nhs, rows.len());
            }
        }
        rows.push(ReferralRow {
            line,
            person,
            practice_code,
            referrer_kind,
            reason,
            referred_on,
            reference,
            same_person_as,
        });
    }
    if rows.is_empty() && errors.is_empty() {
        errors.push(RowError {
            line: 1,
            field: "row",
            message: "the file has no referrals".into(),
        });
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// The PRSB columns of a row, coded ones checked here (free text is checked with the rest
/// of the person); `None` after recording each problem.
fn prsb_fields(
    line: u64,
    get: &dyn Fn(&str) -> String,
    row_errors: &mut Vec<RowError>,
) -> Option<PrsbDetails> {
    let before = row_errors.len();
    let text = |name: &str| Some(get(name)).filter(|t| !t.trim().is_empty());
    let given = get("preferred_language");
    let preferred_language = match given.trim() {
        "" => None,
        given => match Language::parse(given)
            .ok()
            .or_else(|| Language::all().find(|l| l.label().eq_ignore_ascii_case(given)))
        {
            Some(l) => Some(l.code().to_string()),
            None => {
                row_errors.push(problem(
                    line,
                    "preferred_language",
                    format!("{given:?} is not a language on the NHS list: use its BCP 47 code (en, pl, bfi) or its name"),
                ));
                None
            }
        },
    };
    let interpreter = get("interpreter_needed").trim().to_ascii_lowercase();
    let interpreter_needed = match interpreter.as_str() {
        "" => None,
        "yes" | "y" | "true" => Some(true),
        "no" | "n" | "false" => Some(false),
        other => {
            row_errors.push(problem(
                line,
                "interpreter_needed",
                format!("{other:?} is not yes or no"),
            ));
            None
        }
    };
    let given = get("written_format");
    let written_format = match given.trim() {
        "" => None,
        given => {
            let found = coded(
                given,
                WrittenFormat::ALL,
                WrittenFormat::code,
                WrittenFormat::label,
            );
            if found.is_none() {
                let codes: Vec<&str> = WrittenFormat::ALL.iter().map(|f| f.code()).collect();
                row_errors.push(problem(
                    line,
                    "written_format",
                    format!("{given:?} is not one of {}", codes.join(", ")),
                ));
            }
            found
        }
    };
    let given = get("preferred_contact_method");
    let preferred_contact_method = match given.trim() {
        "" => None,
        given => {
            let found = coded(
                given,
                ContactMethod::ALL,
                ContactMethod::code,
                ContactMethod::label,
            );
            if found.is_none() {
                let codes: Vec<&str> = ContactMethod::ALL.iter().map(|m| m.code()).collect();
                row_errors.push(problem(
                    line,
                    "preferred_contact_method",
                    format!("{given:?} is not one of {}", codes.join(", ")),
                ));
            }
            found
        }
    };
    (row_errors.len() == before).then(|| PrsbDetails {
        address_line1: text("address_line1"),
        address_line2: text("address_line2"),
        town: text("town"),
        preferred_name: text("preferred_name"),
        gender_identity: text("gender_identity"),
        preferred_language,
        interpreter_needed,
        communication_needs: text("communication_needs"),
        written_format,
        preferred_contact_method,
        preferred_contact_times: text("preferred_contact_times"),
    })
}

pub(crate) fn problem(line: u64, field: &'static str, message: String) -> RowError {
    RowError {
        line,
        field,
        message,
    }
}

fn same_details(person: &NewPerson, family_name: &str, date_of_birth: NaiveDate) -> bool {
    person
        .family_name
        .trim()
        .eq_ignore_ascii_case(family_name.trim())
        && person.date_of_birth == date_of_birth
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::sync::Arc;

    fn geography() -> Arc<crate::geo::Geography> {
        crate::geo::Geography::shared(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data"),
        )
        .expect("reference data")
    }

    const HEADER: &str = "reference,nhs_number,given_name,family_name,date_of_birth,sex,ethnicity,postcode,referred_on,referrer_kind,reason";
    const GOOD: [&str; 3] = [
        "A1,9990000018,Ada,Brown,1950-12-10,female,white,B25 8DS,2026-03-01,gp,Lonely",
        "A2,,Bo,Green,02/01/1961,M,,B25 8DS,2026-03-02,self,Debt",
        "A3,9990000026,Cy,Hall,1970-03-02,other,asian,b258ds,01/04/2026,practice_staff,Housing",
    ];
    /// One value per column that must be refused.
    const BAD: [(&str, &str); 9] = [
        ("nhs_number", "9990000019"),
        ("given_name", ""),
        ("date_of_birth", "1950-02-30"),
        ("sex", "yes"),
        ("ethnicity", "martian"),
        ("postcode", "ZZ99 9ZZ"),
        ("referred_on", "2099-01-01"),
        ("referrer_kind", "friend"),
        ("reason", ""),
    ];
    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    fn with_cell(row: &str, column: &str, value: &str) -> String {
        let index = HEADER.split(',').position(|c| c == column).unwrap();
        let mut cells: Vec<String> = row.split(',').map(str::to_string).collect();
        cells[index] = value.to_string();
        cells.join(",")
    }

    #[test]
    fn good_rows_are_read_with_either_date_style_and_any_case() {
        let file = format!("{HEADER}\n{}\n", GOOD.join("\n"));
        let rows = parse(file.as_bytes(), &geography(), today()).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(
            rows[1].person.date_of_birth,
            NaiveDate::from_ymd_opt(1961, 1, 2).unwrap()
        );
        assert_eq!(rows[1].person.sex, Sex::Male);
        assert_eq!(rows[1].referrer_kind, ReferrerKind::SelfReferral);
        assert_eq!(
            rows[2].referred_on,
            NaiveDate::from_ymd_opt(2026, 4, 1).unwrap()
        );
        assert_eq!(rows[2].person.postcode, "B25 8DS");
        assert!(rows[2].person.imd_decile.is_some());
    }

    #[test]
    fn a_missing_or_unknown_column_is_named() {
        let errors = parse(
            "given_name,family_name\nA,B\n".as_bytes(),
            &geography(),
            today(),
        )
        .unwrap_err();
        assert!(
            errors[0]
                .message
                .contains("missing column(s): date_of_birth, sex"),
            "{}",
            errors[0]
        );
        let typo = HEADER.replace("postcode", "postode");
        let errors = parse(format!("{typo}\n").as_bytes(), &geography(), today()).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors[0].message.contains("missing column(s): postcode"),
            "{}",
            errors[0]
        );
        assert!(
            errors[1].message.contains("unknown column \"postode\""),
            "{}",
            errors[1]
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        #[test]
        fn arbitrary_text_never_panics(text in ".{0,400}") {
            let _ = parse(format!("{HEADER}\n{text}").as_bytes(), &geography(), today());
            let _ = parse(text.as_bytes(), &geography(), today());
        }

        #[test]
        fn arbitrary_cells_are_refused_only_on_their_own_line(row in 0usize..3, column in 0usize..11, value in "[^,\"\n\r]{0,30}") {
            let name = HEADER.split(',').nth(column).unwrap();
            let mut rows: Vec<String> = GOOD.iter().map(|r| r.to_string()).collect();
            rows[row] = with_cell(&rows[row], name, &value);
            let file = format!("{HEADER}\n{}\n", rows.join("\n"));
            if let Err(errors) = parse(file.as_bytes(), &geography(), today()) {
                for e in errors {
                    prop_assert_eq!(e.line, row as u64 + 2, "{}", e);
                }
            }
        }

        #[test]
        fn each_bad_value_is_refused_with_its_line_and_field(row in 0usize..3, bad in 0usize..BAD.len()) {
            let (column, value) = BAD[bad];
            let mut rows: Vec<String> = GOOD.iter().map(|r| r.to_string()).collect();
            rows[row] = with_cell(&rows[row], column, value);
            let file = format!("{HEADER}\n{}\n", rows.join("\n"));
            let errors = parse(file.as_bytes(), &geography(), today()).unwrap_err();
            prop_assert_eq!(errors.len(), 1, "{:?}", errors);
            prop_assert_eq!((errors[0].line, errors[0].field), (row as u64 + 2, column));
        }
    }
}
