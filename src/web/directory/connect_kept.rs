//! The connect form refused (a consent with nothing ticked, a service not taking people...):
//! which service's form it was, the message, and what was chosen, so the matches page or the
//! service's page is shown again at that form with the choices kept (issue 15, item 7: a
//! consent error keeps the user on the connect page).

/// The refused connect form, or (by default) none: every connect form shown empty.
#[derive(Default)]
pub struct ConnectKept {
    /// The service whose form was refused.
    pub service_id: Option<i64>,
    pub title: String,
    pub message: String,
    /// The field the message is about (`share`, `method`, `consent_id`, `notes`...).
    pub field: String,
    pub kept: Vec<(String, String)>,
}

impl ConnectKept {
    /// Whether this service's form was the one refused (it opens again).
    pub fn opens(&self, service_id: &i64) -> bool {
        self.service_id == Some(*service_id)
    }

    pub fn is_refused(&self) -> bool {
        self.service_id.is_some()
    }

    /// The id of the element the error summary links to.
    pub fn anchor(&self) -> String {
        let id = self.service_id.unwrap_or_default();
        match self.field.as_str() {
            "share" => format!(
                "share-{id}-{}",
                crate::consent::SharedField::ALL
                    .first()
                    .map_or("", |f| f.code())
            ),
            "method" => format!(
                "method-{id}-{}",
                crate::consent::ConsentMethod::ALL
                    .first()
                    .map_or("", |m| m.code())
            ),
            "consent_id" => format!("consent-{id}-new"),
            "notes" => format!("notes-{id}"),
            _ => format!("connect-{id}"),
        }
    }

    /// The message for a field of this service's form, if it is the one in error.
    pub fn error_for(&self, service_id: &i64, field: &str) -> Option<&str> {
        (self.opens(service_id) && self.field == field).then_some(self.message.as_str())
    }

    fn sent<'a>(&'a self, service_id: &i64, field: &'a str) -> impl Iterator<Item = &'a str> {
        let mine = self.opens(service_id);
        self.kept
            .iter()
            .filter(move |(n, _)| mine && n == field)
            .map(|(_, v)| v.as_str())
    }

    /// Whether a box or radio was chosen in the refused form; `default` for any other form.
    pub fn chosen(
        &self,
        service_id: &i64,
        field: &str,
        value: &str,
        default: impl std::borrow::Borrow<bool>,
    ) -> bool {
        if self.opens(service_id) {
            self.sent(service_id, field).any(|v| v == value)
        } else {
            *default.borrow()
        }
    }

    /// What was typed into a field of the refused form (empty for any other form).
    pub fn value(&self, service_id: &i64, field: &str) -> String {
        self.sent(service_id, field)
            .next()
            .unwrap_or_default()
            .to_string()
    }
}
