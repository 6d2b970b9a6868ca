//! Page models: everything a template shows, already worded and formatted.

use crate::auth::policy::Action;
use crate::auth::{CurrentUser, Role};
use crate::geo::ImdDecile;
use crate::measures::Instrument;
use crate::people::Person;
use crate::referrals::api::ReferralDetail;
use crate::referrals::{EventKind, ReferralState};
use crate::store::CaseloadRow;
use askama::Template;
use chrono::NaiveDate;

/// What every page's frame needs.
pub struct Layout {
    pub title: String,
    pub user_name: Option<String>,
    pub user_role: Option<String>,
    pub csrf: String,
    pub show_cases: bool,
    pub show_report: bool,
    pub show_directory: bool,
    pub show_inbox: bool,
    pub show_refer: bool,
    pub show_team: bool,
    pub show_admin: bool,
    pub show_visits: bool,
}

impl Layout {
    pub fn new(title: &str, user: Option<&CurrentUser>) -> Layout {
        Layout {
            title: title.to_string(),
            user_name: user.map(|u| u.display_name.clone()),
            user_role: user.map(|u| u.role.label().to_string()),
            csrf: user.and_then(|u| u.csrf_token.clone()).unwrap_or_default(),
            show_cases: user
                .is_some_and(|u| u.may(Action::ReadCasework) || u.role == Role::Referrer),
            show_report: user.is_some_and(|u| u.may(Action::ReadEquityReport)),
            show_directory: user.is_some_and(|u| u.may(Action::ReadServices)),
            show_inbox: user.is_some_and(|u| u.may(Action::ReadOrganisationConnections)),
            show_refer: user.is_some_and(|u| u.may(Action::CreateReferral)),
            show_team: user.is_some_and(|u| u.role == Role::TeamLead),
            show_admin: user.is_some_and(|u| u.role == Role::Admin),
            show_visits: user.is_some_and(|u| u.may(Action::MakeVisits)),
        }
    }
}

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

#[derive(Template)]
#[template(path = "sign_in.html")]
pub struct SignInPage {
    pub layout: Layout,
    pub error: Option<String>,
    pub username: String,
    pub csrf: String,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub layout: Layout,
    pub title: String,
    pub detail: String,
}

pub struct CaseloadLine {
    pub person_id: i64,
    pub referral_id: i64,
    pub person_name: String,
    pub state: String,
    pub link_worker: String,
    pub received: String,
    pub follow_up: String,
    pub overdue: bool,
    pub imd: String,
    pub unanswered: i64,
}

impl CaseloadLine {
    pub fn from_row(r: CaseloadRow, today: NaiveDate) -> CaseloadLine {
        let state = ReferralState::from_code(&r.state);
        CaseloadLine {
            person_id: r.person_id,
            referral_id: r.referral_id,
            person_name: r.person_name,
            state: state.map(|s| s.label().to_string()).unwrap_or(r.state),
            link_worker: r.link_worker_name.unwrap_or_else(|| "Not assigned".into()),
            received: r.received_at.format("%-d %b %Y").to_string(),
            follow_up: r
                .next_follow_up_on
                .map(|d| d.format("%-d %b %Y").to_string())
                .unwrap_or_default(),
            unanswered: r.unanswered_connections,
            overdue: state.is_some_and(|s| s.is_open())
                && r.next_follow_up_on.is_some_and(|d| d < today),
            imd: r
                .imd_decile
                .map(|d| d.to_string())
                .unwrap_or_else(|| "–".into()),
        }
    }
}

#[derive(Template)]
#[template(path = "caseload.html")]
pub struct CaseloadPage {
    pub layout: Layout,
    /// False for referrers: status only, no links into casework.
    pub casework: bool,
    pub rows: Vec<CaseloadLine>,
    pub states: Vec<Choice>,
    pub mine: bool,
    pub overdue: bool,
    pub page: i64,
    pub previous_link: Option<String>,
    pub next_link: Option<String>,
    /// Said after a referral was just made: who it is for.
    pub made_for: Option<String>,
    pub may_refer: bool,
    /// Where attention is needed today (link workers: theirs; team leads: the team's).
    pub summary: Option<crate::store::team::DaySummary>,
    pub for_team: bool,
    /// One of the summary's lists is shown.
    pub filtered: bool,
}

pub struct PersonView {
    pub name: String,
    pub nhs_number: String,
    pub date_of_birth: String,
    pub age: u32,
    pub sex: String,
    pub ethnicity: String,
    pub postcode: String,
    pub lsoa: String,
    pub deprivation: String,
    pub phone: String,
    pub plus_groups: String,
    pub conditions: String,
}

impl PersonView {
    pub fn new(p: &Person) -> PersonView {
        let join = |items: Vec<&str>| {
            if items.is_empty() {
                "None recorded".to_string()
            } else {
                items.join(", ")
            }
        };
        PersonView {
            name: p.full_name(),
            nhs_number: p
                .nhs_number
                .map(|n| n.to_string())
                .unwrap_or_else(|| "Not recorded".into()),
            date_of_birth: p.date_of_birth.format("%-d %B %Y").to_string(),
            age: p.age_on(chrono::Utc::now().date_naive()),
            sex: p.sex.label().into(),
            ethnicity: p.ethnicity.label().into(),
            postcode: p.postcode.clone(),
            lsoa: p.lsoa.clone().unwrap_or_default(),
            deprivation: match p.imd_decile {
                Some(d) if ImdDecile::new(d).is_some_and(ImdDecile::is_core20) => {
                    format!("IMD decile {d} of 10 (Core20: most deprived fifth of England)")
                }
                Some(d) => format!("IMD decile {d} of 10"),
                None => "Not known (outside England or postcode not found)".into(),
            },
            phone: p.phone.clone().unwrap_or_else(|| "Not recorded".into()),
            plus_groups: join(p.plus_groups.iter().map(|g| g.label()).collect()),
            conditions: join(p.conditions.iter().map(|c| c.label()).collect()),
        }
    }
}

pub struct Line {
    pub when: String,
    pub what: String,
    pub detail: String,
}

pub struct ReferralPanel {
    pub id: i64,
    pub version: i64,
    pub state: String,
    pub open: bool,
    pub reason: String,
    pub received: String,
    pub next_states: Vec<Choice>,
    /// Everything that happened, in order: the referral's events, contacts, needs, goals,
    /// measures, connections and visits.
    pub timeline: Vec<Line>,
    pub what_matters: Vec<String>,
    pub needs: Vec<String>,
    pub goals: Vec<GoalLine>,
    pub barriers: Vec<Line>,
    pub measures: Vec<Line>,
    /// Well-being scores over time, baseline to latest, one chart per score.
    pub scores: Vec<ScoreSeries>,
    pub connections: Vec<Line>,
    pub visits: Vec<Line>,
}

/// One score charted over the episode: each reading on the instrument's full scale.
pub struct ScoreSeries {
    pub label: String,
    pub better: &'static str,
    pub min: String,
    pub max: String,
    pub points: Vec<ScorePoint>,
    /// First to latest reading, where there are two or more.
    pub change: Option<(String, String)>,
    /// The readings in words (also the chart's accessible name).
    pub summary: String,
    pub improved: bool,
}

pub struct ScorePoint {
    /// Position on the chart (10 to 390 of a 400-wide view box).
    pub x: String,
    pub latest: bool,
}

/// Chart positions for scores on a scale, and the words for them.
fn score_series(
    label: &str,
    (min, max): (f64, f64),
    higher_is_better: bool,
    readings: &[(NaiveDate, f64, &'static str)],
) -> Option<ScoreSeries> {
    let first = readings.first()?;
    let last = readings.last()?;
    let x = |v: f64| format!("{:.1}", 10.0 + (v - min) / (max - min) * 380.0);
    let show = |v: f64| {
        if v.fract() == 0.0 {
            format!("{v:.0}")
        } else {
            format!("{v:.2}")
        }
    };
    let words: Vec<String> = readings
        .iter()
        .map(|(day, v, timing)| format!("{} on {} ({timing})", show(*v), day.format("%-d %b %Y")))
        .collect();
    let delta = last.1 - first.1;
    let improved = if higher_is_better {
        delta > 0.0
    } else {
        delta < 0.0
    };
    let mut summary = words.join(", then ");
    if readings.len() > 1 {
        summary.push_str(&format!(
            ": a change of {}{}",
            if delta > 0.0 { "+" } else { "" },
            show(delta)
        ));
    }
    Some(ScoreSeries {
        label: label.to_string(),
        better: if higher_is_better {
            "higher is better"
        } else {
            "lower is better"
        },
        min: show(min),
        max: show(max),
        points: readings
            .iter()
            .enumerate()
            .map(|(i, (_, v, _))| ScorePoint {
                x: x(*v),
                latest: i + 1 == readings.len(),
            })
            .collect(),
        change: (readings.len() > 1).then(|| (x(first.1), x(last.1))),
        summary,
        improved: readings.len() > 1 && improved,
    })
}

/// The charts for a referral's complete measures, in time order.
fn score_charts(measures: &[crate::referrals::Measure]) -> Vec<ScoreSeries> {
    use crate::measures::Score;
    /// A score's label, scale, direction and readings (date, value, baseline or follow-up).
    type Series = (
        &'static str,
        (f64, f64),
        bool,
        Vec<(NaiveDate, f64, &'static str)>,
    );
    let mut series: Vec<Series> = vec![
        (
            "SWEMWBS mental well-being (metric score)",
            (7.0, 35.0),
            true,
            vec![],
        ),
        ("UCLA loneliness (3 to 9)", (3.0, 9.0), false, vec![]),
        ("ONS4 life satisfaction", (0.0, 10.0), true, vec![]),
        (
            "ONS4 feeling the things they do are worthwhile",
            (0.0, 10.0),
            true,
            vec![],
        ),
        ("ONS4 happiness yesterday", (0.0, 10.0), true, vec![]),
        ("ONS4 anxiety yesterday", (0.0, 10.0), false, vec![]),
    ];
    let mut ordered: Vec<&crate::referrals::Measure> = measures.iter().collect();
    ordered.sort_by_key(|m| (m.taken_on, m.id));
    for m in ordered {
        let timing = match m.timing {
            crate::referrals::MeasureTiming::Baseline => "baseline",
            crate::referrals::MeasureTiming::FollowUp => "follow-up",
        };
        let mut add = |i: usize, v: f64| series[i].3.push((m.taken_on, v, timing));
        match &m.score {
            Some(Score::Swemwbs { metric, .. }) => add(0, *metric),
            Some(Score::Ucla3 { total }) => add(1, f64::from(*total)),
            Some(Score::Ons4 {
                life_satisfaction,
                worthwhile,
                happiness,
                anxiety,
                ..
            }) => {
                add(2, f64::from(*life_satisfaction));
                add(3, f64::from(*worthwhile));
                add(4, f64::from(*happiness));
                add(5, f64::from(*anxiety));
            }
            None => {}
        }
    }
    series
        .iter()
        .filter_map(|(label, scale, higher, readings)| {
            score_series(label, *scale, *higher, readings)
        })
        .collect()
}

fn day(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%-d %b %Y %H:%M").to_string()
}

impl ReferralPanel {
    pub fn new(d: ReferralDetail) -> ReferralPanel {
        let r = &d.referral;
        let mut timeline: Vec<(chrono::DateTime<chrono::Utc>, Line)> = d
            .history
            .iter()
            .map(|e| {
                (
                    e.at,
                    Line {
                        when: day(e.at),
                        what: match (e.kind, e.to_state) {
                            (EventKind::Transition, Some(s)) => {
                                format!("Now {}", s.label().to_lowercase())
                            }
                            (kind, _) => kind.label().to_string(),
                        },
                        detail: [
                            e.close_reason.map(|c| c.label().to_string()),
                            e.snomed_code.as_ref().map(|c| format!("SNOMED CT {c}")),
                            e.note.clone(),
                        ]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" · "),
                    },
                )
            })
            .collect();
        let cw = d.casework;
        let (mut what_matters, mut needs, mut goals, mut barriers, mut measures, mut connections) =
            (vec![], vec![], vec![], vec![], vec![], vec![]);
        let mut scores = Vec::new();
        let mut visits = Vec::new();
        if let Some(cw) = cw {
            for c in cw.contacts {
                if let Some(w) = &c.what_matters {
                    what_matters.push(w.clone());
                }
                timeline.push((
                    c.at,
                    Line {
                        when: day(c.at),
                        what: format!(
                            "{} contact, {} min{}",
                            c.mode.label(),
                            c.duration_minutes,
                            if c.reached { "" } else { " — not reached" }
                        ),
                        detail: c.notes,
                    },
                ));
            }
            for n in &cw.needs {
                if let Some(at) = n.recorded_at {
                    timeline.push((
                        at,
                        Line {
                            when: day(at),
                            what: format!("Need recorded: {}", n.need.label()),
                            detail: String::new(),
                        },
                    ));
                }
            }
            for g in &cw.goals {
                if let Some(first) = g.progress_history.first() {
                    timeline.push((
                        first.at,
                        Line {
                            when: day(first.at),
                            what: format!("Goal agreed: {}", g.description),
                            detail: String::new(),
                        },
                    ));
                }
            }
            for m in &cw.measures {
                let at = m.recorded_at.unwrap_or_else(|| {
                    m.taken_on
                        .and_hms_opt(0, 0, 0)
                        .unwrap_or_default()
                        .and_utc()
                });
                timeline.push((
                    at,
                    Line {
                        when: day(at),
                        what: format!(
                            "{} ({})",
                            m.instrument.label(),
                            m.timing.label().to_lowercase()
                        ),
                        detail: m
                            .score
                            .as_ref()
                            .map_or("incomplete: not scored".into(), |s| s.summary()),
                    },
                ));
            }
            for c in &cw.connections {
                timeline.push((
                    c.sent_at,
                    Line {
                        when: day(c.sent_at),
                        what: format!("Connected to {}", c.service_name),
                        detail: String::new(),
                    },
                ));
                if c.status_at > c.sent_at {
                    timeline.push((
                        c.status_at,
                        Line {
                            when: day(c.status_at),
                            what: format!(
                                "{}: {}",
                                c.service_name,
                                c.status.label().to_lowercase()
                            ),
                            detail: String::new(),
                        },
                    ));
                }
            }
            for v in &cw.visits {
                if let Some(at) = v.visited_at {
                    timeline.push((
                        at,
                        Line {
                            when: day(at),
                            what: format!("Volunteer visit happened: {}", v.activity),
                            detail: v.note.clone(),
                        },
                    ));
                }
            }
            needs = cw
                .needs
                .iter()
                .map(|n| n.need.label().to_string())
                .collect();
            goals = cw
                .goals
                .into_iter()
                .map(|g| GoalLine {
                    id: g.id,
                    what: g.description,
                    need: g.need.map(|n| n.label().to_string()).unwrap_or_default(),
                    progress: g.progress,
                    started: g.progress_history.first().map_or(0, |p| p.progress),
                    updated: g
                        .progress_history
                        .last()
                        .map(|p| day(p.at))
                        .unwrap_or_default(),
                })
                .collect();
            barriers = cw
                .barriers
                .into_iter()
                .map(|b| Line {
                    when: day(b.at),
                    what: b.barrier.label().into(),
                    detail: b.notes,
                })
                .collect();
            scores = score_charts(&cw.measures);
            visits = cw
                .visits
                .iter()
                .map(|v| Line {
                    when: v.visit_on.format("%a %-d %b %Y").to_string(),
                    what: format!("{} with {}", v.activity, v.volunteer_name),
                    detail: match v.visited_at {
                        Some(at) if v.note.is_empty() => format!("happened (recorded {})", day(at)),
                        Some(at) => format!("happened (recorded {}): {}", day(at), v.note),
                        None => "not recorded yet".into(),
                    },
                })
                .collect();
            measures = cw
                .measures
                .into_iter()
                .map(|m| Line {
                    when: m.taken_on.format("%-d %b %Y").to_string(),
                    what: format!(
                        "{} ({})",
                        m.instrument.label(),
                        m.timing.label().to_lowercase()
                    ),
                    detail: match &m.score {
                        Some(score) => score.summary(),
                        None => "Incomplete: not scored".into(),
                    },
                })
                .collect();
            connections = cw
                .connections
                .into_iter()
                .map(|c| Line {
                    when: day(c.status_at),
                    what: c.service_name,
                    detail: format!(
                        "{}{}",
                        c.status.label(),
                        if c.accompanied { " · accompanied" } else { "" }
                    ),
                })
                .collect();
        }
        ReferralPanel {
            id: r.id,
            version: r.version,
            state: r.state.label().into(),
            open: r.state.is_open(),
            reason: r.reason.clone(),
            received: day(r.received_at),
            next_states: r
                .state
                .next_states()
                .iter()
                .map(|s| Choice::new(s.code(), s.label(), false))
                .collect(),
            timeline: {
                timeline.sort_by_key(|(at, _)| *at);
                timeline.into_iter().map(|(_, line)| line).collect()
            },
            what_matters,
            needs,
            goals,
            barriers,
            measures,
            scores,
            connections,
            visits,
        }
    }
}

/// A goal with its progress, 0 (not started) to 10 (achieved).
pub struct GoalLine {
    pub id: i64,
    pub what: String,
    pub need: String,
    pub progress: i32,
    /// Progress when the goal was agreed, to show the change.
    pub started: i32,
    pub updated: String,
}

/// Which form on a person's page was sent, so a refusal can reopen it and link to the field.
#[derive(Debug, Clone, Copy)]
pub enum Panel {
    Contact,
    Need,
    Goal,
    Measure(Instrument),
    State,
    Visit,
    Progress(i64),
    /// Sent from the matches or a service's page: the referral's section is the place.
    Connect,
}

impl Panel {
    /// Names the `<details>` panel, as `PersonPage::opens` compares it.
    pub fn key(self, referral: i64) -> String {
        match self {
            Panel::Contact => format!("contact-{referral}"),
            Panel::Need => format!("need-{referral}"),
            Panel::Goal => format!("goal-{referral}"),
            Panel::Measure(i) => format!("measure-{}-{referral}", i.code()),
            Panel::State => format!("state-{referral}"),
            Panel::Visit => format!("visit-{referral}"),
            Panel::Progress(goal) => format!("progress-{goal}"),
            Panel::Connect => format!("referral-{referral}"),
        }
    }

    /// The id of the element the error summary links to: the field named, else the form's
    /// first field.
    pub fn anchor(self, referral: i64, field: Option<&str>) -> String {
        let r = referral;
        match (self, field.unwrap_or("")) {
            (Panel::Contact, "duration_minutes") => format!("duration-{r}"),
            (Panel::Contact, "what_matters") => format!("what-{r}"),
            (Panel::Contact, "notes") => format!("notes-{r}"),
            (Panel::Contact, "follow_up_on") => format!("follow-{r}"),
            (Panel::Contact, _) => format!("mode-{r}"),
            (Panel::Need, "notes") => format!("need-notes-{r}"),
            (Panel::Need, _) => format!("need-{r}"),
            (Panel::Goal, "need") => format!("goal-need-{r}"),
            (Panel::Goal, _) => format!("goal-{r}"),
            (Panel::Measure(i), "timing") => format!("timing-{r}-{}", i.code()),
            (Panel::Measure(i), _) => format!("item-{r}-{}-1", i.code()),
            (Panel::State, "reason") => format!("reason-{r}"),
            (Panel::State, "note") => format!("note-{r}"),
            (Panel::State, _) => format!("to-{r}"),
            (Panel::Visit, "volunteer_id") => format!("volunteer-{r}"),
            (Panel::Visit, "visit_on") => format!("visit-on-{r}"),
            (Panel::Visit, _) => format!("activity-{r}"),
            (Panel::Progress(g), "note") => format!("progress-note-{g}"),
            (Panel::Progress(g), _) => format!("progress-{g}"),
            (Panel::Connect, _) => format!("referral-{r}"),
        }
    }
}

pub struct FormError {
    pub title: String,
    pub detail: String,
    /// The panel to open again.
    pub panel: String,
    /// The field the summary links to.
    pub anchor: String,
    /// What was typed into the refused form, to show again.
    pub kept: Vec<(String, String)>,
}

pub struct InstrumentForm {
    /// The form's panel name (without the referral), for `PersonPage::opens`.
    pub panel: String,
    pub code: String,
    pub label: String,
    pub items: Vec<(usize, String)>,
    pub options: Vec<u8>,
}

impl InstrumentForm {
    pub fn new(i: Instrument) -> InstrumentForm {
        let (min, max) = i.item_range();
        InstrumentForm {
            panel: format!("measure-{}", i.code()),
            code: i.code().into(),
            label: i.label().into(),
            items: i
                .items()
                .iter()
                .enumerate()
                .map(|(n, text)| (n + 1, text.to_string()))
                .collect(),
            options: (min..=max).collect(),
        }
    }
}

/// A person's plan in plain words, for them to keep.
#[derive(Template)]
#[template(path = "plan.html")]
pub struct PlanPage {
    pub layout: Layout,
    pub person_id: i64,
    pub name: String,
    pub link_worker: String,
    pub what_matters: Vec<String>,
    pub needs: Vec<String>,
    pub goals: Vec<GoalLine>,
    pub connections: Vec<Line>,
    pub next_contact: Option<String>,
    pub printed: String,
}

impl PlanPage {
    pub fn new(person: &Person, detail: ReferralDetail, user: &CurrentUser) -> PlanPage {
        let next_contact = detail
            .referral
            .next_follow_up_on
            .map(|d| d.format("%A %-d %B %Y").to_string());
        let panel = ReferralPanel::new(detail);
        PlanPage {
            layout: Layout::new(&format!("Plan for {}", person.full_name()), Some(user)),
            person_id: person.id,
            name: person.given_name.clone(),
            link_worker: user.display_name.clone(),
            what_matters: panel.what_matters,
            needs: panel.needs,
            goals: panel.goals,
            connections: panel.connections,
            next_contact,
            printed: chrono::Utc::now().format("%-d %B %Y").to_string(),
        }
    }
}

/// One line of "who has accessed this record".
pub struct AccessLine {
    pub when: String,
    pub who: String,
    pub what: String,
    pub purpose: String,
}

impl AccessLine {
    pub fn new(record: crate::audit::AuditRecord, name: Option<String>) -> AccessLine {
        let role = crate::auth::Role::from_code(&record.actor_role)
            .map(|r| r.label().to_string())
            .unwrap_or(record.actor_role);
        let action = crate::audit::AuditAction::from_code(&record.action)
            .map(|a| a.label().to_string())
            .unwrap_or(record.action);
        AccessLine {
            when: chrono::DateTime::parse_from_rfc3339(&record.at)
                .map(|t| t.format("%-d %b %Y %H:%M").to_string())
                .unwrap_or(record.at),
            who: format!("{} ({role})", name.unwrap_or_else(|| "unknown user".into())),
            what: format!("{action} {}", record.record_type.replace('_', " ")),
            purpose: record.purpose,
        }
    }
}

/// One consent on the person page; consent sent with a referral waits for the link worker.
pub struct ConsentLine {
    pub id: i64,
    pub organisation: String,
    pub share: String,
    pub method: String,
    pub status: String,
    /// Sent with a referral, not yet confirmed or withdrawn: offer to confirm it.
    pub to_confirm: bool,
}

impl ConsentLine {
    pub fn new(consent: &crate::consent::Consent) -> ConsentLine {
        let proposed = consent.status == crate::consent::ConsentStatus::Proposed;
        ConsentLine {
            id: consent.id,
            organisation: consent.organisation.clone(),
            share: consent
                .share
                .iter()
                .map(|f| f.label())
                .collect::<Vec<_>>()
                .join(", "),
            method: consent.method.label().to_string(),
            status: match (consent.withdrawn_at.is_some(), proposed) {
                (true, _) => "Withdrawn".to_string(),
                (false, _) => consent.status.label().to_string(),
            },
            to_confirm: proposed && consent.withdrawn_at.is_none(),
        }
    }
}

#[derive(Template)]
#[template(path = "person.html")]
pub struct PersonPage {
    pub layout: Layout,
    pub person_id: i64,
    pub consents: Vec<ConsentLine>,
    pub accesses: Vec<AccessLine>,
    pub person: PersonView,
    pub referrals: Vec<ReferralPanel>,
    pub error: Option<FormError>,
    pub csrf: String,
    pub modes: Vec<Choice>,
    pub instruments: Vec<InstrumentForm>,
    pub timings: Vec<Choice>,
    pub close_reasons: Vec<Choice>,
    pub needs: Vec<Choice>,
    /// Volunteers the team may ask to visit.
    pub volunteers: Vec<Choice>,
    pub today: String,
}

impl PersonPage {
    /// Whether a form panel should be open: the one whose answers were just refused.
    pub fn opens(&self, panel: &str, id: &i64) -> bool {
        self.error
            .as_ref()
            .is_some_and(|e| e.panel == format!("{panel}-{id}"))
    }

    /// What was typed into a field of the refused form (nothing for any other form).
    fn kept(&self, panel: &str, id: &i64, field: &str) -> Option<&str> {
        let error = self.error.as_ref().filter(|_| self.opens(panel, id))?;
        error
            .kept
            .iter()
            .find(|(name, _)| name == field)
            .map(|(_, value)| value.as_str())
    }

    /// A field's value: what was typed if its form was refused, else `default`.
    pub fn value(&self, panel: &str, id: &i64, field: &str, default: &str) -> String {
        if self.opens(panel, id) {
            self.kept(panel, id, field).unwrap_or_default().to_string()
        } else {
            default.to_string()
        }
    }

    /// Whether an option was the one chosen in the refused form.
    pub fn chose(&self, panel: &str, id: &i64, field: &str, option: &str) -> bool {
        self.kept(panel, id, field) == Some(option)
    }

    /// Whether a checkbox is ticked: as sent if its form was refused, else `default`.
    pub fn ticked(&self, panel: &str, id: &i64, field: &str, default: bool) -> bool {
        if self.opens(panel, id) {
            self.kept(panel, id, field).is_some()
        } else {
            default
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_are_placed_on_their_full_scale_and_the_change_said() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        let readings = [(day(2), 15.32, "baseline"), (day(23), 19.25, "follow-up")];
        let series = score_series("SWEMWBS", (7.0, 35.0), true, &readings).unwrap();
        // 10 + (15.32 - 7) / 28 * 380 = 122.9; 10 + (19.25 - 7) / 28 * 380 = 176.25.
        let xs: Vec<&str> = series.points.iter().map(|p| p.x.as_str()).collect();
        assert_eq!(xs, ["122.9", "176.2"]);
        assert!(series.improved);
        assert_eq!(
            series.summary,
            "15.32 on 2 Nov 2026 (baseline), then 19.25 on 23 Nov 2026 (follow-up): a change of +3.93"
        );
        // Loneliness falling from 7 to 5 is an improvement.
        let lonely = score_series(
            "UCLA",
            (3.0, 9.0),
            false,
            &[(day(2), 7.0, "baseline"), (day(9), 5.0, "follow-up")],
        )
        .unwrap();
        assert!(lonely.improved);
        assert!(
            lonely.summary.ends_with("a change of -2"),
            "{}",
            lonely.summary
        );
        assert!(score_series("x", (0.0, 10.0), true, &[]).is_none());
    }
}
