//! Page models: everything a template shows, already worded and formatted, one file per page
//! (`layout` and `fields` are the pieces every page shares; `referral_panel` and `score_chart`
//! are a referral's section of the person's page).

mod caseload;
mod close_confirm;
mod concerns;
mod diary;
mod error;
mod fields;
mod layout;
mod notice;
mod person;
mod person_forms;
mod plan;
mod referral_panel;
mod saved;
mod score_chart;
mod service_use;
mod sign_in;

pub use caseload::{CaseloadLine, CaseloadPage};
pub use close_confirm::{CloseConfirmPage, OpenConnection};
pub use concerns::ConcernLine;
pub use diary::{AppointmentLine, CalendarPage, DayLine, LetterPage};
pub use error::ErrorPage;
pub use fields::{Choice, FieldErrors};
pub use layout::Layout;
pub use notice::Notice;
pub use person::{AccessLine, ConsentLine, PersonPage, PersonView};
pub use person_forms::{FormError, InstrumentForm, Panel};
pub use plan::{PlanChooserPage, PlanPage};
pub use referral_panel::{GoalLine, Line, ReferralPanel};
pub use saved::Saved;
pub use service_use::ServiceUseLine;
pub use sign_in::SignInPage;
