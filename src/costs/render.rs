//! The cost report as a file: JSON, CSV (one line per programme) or one self-contained
//! HTML page, all written from the shown report, so disclosure control applies to each.
//! The page and the HTML file share one body template (`cost_body.html`).

use super::pounds_text;
use super::report::{CostReport, CostRow};
use crate::equity::render::Format;
use askama::Template;
use serde::Serialize;

pub fn render(report: &CostReport, format: Format) -> anyhow::Result<Vec<u8>> {
    Ok(match format {
        Format::Json => serde_json::to_vec_pretty(report)?,
        Format::Csv => csv(report)?,
        Format::Html => StandaloneReport {
            body: CostBody::of(report),
            css: concat!(
                include_str!("../../static/equity-report.css"),
                include_str!("../../static/activity-report.css")
            ),
        }
        .render()?
        .into_bytes(),
    })
}

#[derive(Serialize)]
struct CsvRow<'a> {
    period: &'a str,
    programme_id: Option<i64>,
    programme: &'a str,
    months_in_period: u32,
    months_recorded: u32,
    staff_pence: i64,
    grants_pence: i64,
    other_pence: i64,
    total_pence: i64,
    people_supported: String,
    people_connected: String,
    goals_met: String,
    per_person_supported_pence: Option<i64>,
    per_person_connected_pence: Option<i64>,
    per_goal_met_pence: Option<i64>,
}

fn csv(report: &CostReport) -> anyhow::Result<Vec<u8>> {
    use crate::csv_cell::neutralise;
    let mut out = csv::Writer::from_writer(Vec::new());
    for r in report.rows.iter().chain(&report.all_programmes) {
        out.serialize(CsvRow {
            period: &report.period.code,
            programme_id: r.programme_id,
            programme: &neutralise(&r.programme),
            months_in_period: r.months_in_period,
            months_recorded: r.months_recorded,
            staff_pence: r.costs.staff_pence,
            grants_pence: r.costs.grants_pence,
            other_pence: r.costs.other_pence,
            total_pence: r.costs.total_pence,
            people_supported: r.people_supported.text(),
            people_connected: r.people_connected.text(),
            goals_met: r.goals_met.text(),
            per_person_supported_pence: r.per_person_supported.pence,
            per_person_connected_pence: r.per_person_connected.pence,
            per_goal_met_pence: r.per_goal_met.pence,
        })?;
    }
    Ok(out.into_inner()?)
}

/// A row ready for the template: amounts in pounds, unit costs with their reasons.
pub struct ViewRow {
    pub programme: String,
    pub all: bool,
    pub staff: String,
    pub grants: String,
    pub other: String,
    pub total: String,
    pub months: String,
    pub people_supported: String,
    pub people_connected: String,
    pub goals_met: String,
    /// (label, shown) for the three unit costs: the amount, or in a few words why not.
    pub unit_costs: Vec<(&'static str, String)>,
}

impl ViewRow {
    fn of(r: &CostRow, all: bool) -> ViewRow {
        let unit = |label, u: &super::report::UnitCost| {
            (
                label,
                u.withheld
                    .map_or_else(|| u.text.clone(), |w| w.short().to_string()),
            )
        };
        ViewRow {
            programme: r.programme.clone(),
            all,
            staff: pounds_text(r.costs.staff_pence),
            grants: pounds_text(r.costs.grants_pence),
            other: pounds_text(r.costs.other_pence),
            total: pounds_text(r.costs.total_pence),
            months: format!("{} of {}", r.months_recorded, r.months_in_period),
            people_supported: r.people_supported.text(),
            people_connected: r.people_connected.text(),
            goals_met: r.goals_met.text(),
            unit_costs: vec![
                unit("Per person supported", &r.per_person_supported),
                unit("Per person connected", &r.per_person_connected),
                unit("Per goal met", &r.per_goal_met),
            ],
        }
    }
}

pub struct CostBody<'a> {
    pub report: &'a CostReport,
    pub rows: Vec<ViewRow>,
    pub literature_amount: String,
}

impl<'a> CostBody<'a> {
    pub fn of(report: &'a CostReport) -> CostBody<'a> {
        let rows = report
            .rows
            .iter()
            .map(|r| ViewRow::of(r, false))
            .chain(report.all_programmes.iter().map(|r| ViewRow::of(r, true)))
            .collect();
        CostBody {
            report,
            rows,
            literature_amount: pounds_text(report.literature.amount_pence),
        }
    }
}

#[derive(Template)]
#[template(path = "cost_report.html")]
struct StandaloneReport<'a> {
    body: CostBody<'a>,
    css: &'static str,
}
