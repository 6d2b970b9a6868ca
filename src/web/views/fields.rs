//! Form pieces every page shares: a select's choices, and a form's problems by field.

/// Problems with a form's answers, in the order of the form: shown together at the top
/// (each linking to its field) and beside each field.
#[derive(Default)]
pub struct FieldErrors(Vec<(String, String)>);

impl FieldErrors {
    pub fn add(&mut self, field: &str, message: String) {
        if self.of(field).is_none() {
            self.0.push((field.to_string(), message));
        }
    }

    pub fn of(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Puts the problems in the order their fields appear on the page.
    pub fn in_order(mut self, fields: &[&str]) -> FieldErrors {
        self.0
            .sort_by_key(|(f, _)| fields.iter().position(|x| x == f).unwrap_or(fields.len()));
        self
    }

    pub fn all(&self) -> &[(String, String)] {
        &self.0
    }
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    pub fn new(value: &str, label: &str, selected: bool) -> Choice {
        Choice {
            value: value.into(),
            label: label.into(),
            selected,
        }
    }
}
