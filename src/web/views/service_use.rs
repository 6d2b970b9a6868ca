//! A referral's service use as its section on the person's page shows it.

use crate::service_use::ServiceUse;

pub struct ServiceUseLine {
    pub referral_id: i64,
    pub window: String,
    /// "1 March 2025 to 31 August 2025".
    pub days: String,
    pub gp: String,
    pub ae: String,
    pub recorded: String,
}

fn count(n: Option<u32>) -> String {
    n.map_or("not recorded".into(), |n| n.to_string())
}

impl ServiceUseLine {
    pub fn new(s: &ServiceUse) -> ServiceUseLine {
        let last = s.to.pred_opt().unwrap_or(s.to);
        ServiceUseLine {
            referral_id: s.referral_id,
            window: s.window.label().to_string(),
            days: format!(
                "{} to {}",
                s.from.format("%-d %B %Y"),
                last.format("%-d %B %Y")
            ),
            gp: count(s.gp_consultations),
            ae: count(s.ae_attendances),
            recorded: format!(
                "{} by {}, {}",
                s.source.label(),
                s.recorded_by,
                crate::diary::london::long_date(s.recorded_at)
            ),
        }
    }
}
