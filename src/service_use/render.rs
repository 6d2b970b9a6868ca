//! The report as a file: JSON, CSV (one row per group and measure) or one self-contained
//! HTML page, all written from the shown report, so disclosure control applies to each. The
//! page and the HTML file share one body template.

use super::report::{Interval, ServiceUseReport};
use crate::equity::render::Format;
use askama::Template;
use serde::Serialize;

pub fn render(report: &ServiceUseReport, format: Format) -> anyhow::Result<Vec<u8>> {
    Ok(match format {
        Format::Json => serde_json::to_vec_pretty(report)?,
        Format::Csv => csv(report)?,
        Format::Html => StandaloneReport {
            body: ServiceUseBody::of(report),
            css: include_str!("../../static/equity-report.css"),
        }
        .render()?
        .into_bytes(),
    })
}

#[derive(Serialize)]
struct CsvRow<'a> {
    breakdown: &'a str,
    group: &'a str,
    group_label: &'a str,
    measure: &'a str,
    referrals: String,
    pairs: String,
    mean_before: Option<f64>,
    mean_after: Option<f64>,
    mean_change: Option<f64>,
    change_lower_95: Option<f64>,
    change_upper_95: Option<f64>,
    /// `true`: 8 or more pairs, but the means are withheld against differencing.
    mean_withheld: bool,
}

fn csv(report: &ServiceUseReport) -> anyhow::Result<Vec<u8>> {
    use crate::csv_cell::neutralise;
    let mut out = csv::Writer::from_writer(Vec::new());
    for b in &report.breakdowns {
        for g in &b.groups {
            for m in &g.measures {
                out.serialize(CsvRow {
                    breakdown: b.code,
                    group: &neutralise(&g.code),
                    group_label: &neutralise(&g.label),
                    measure: m.measure,
                    referrals: g.referrals.text(),
                    pairs: m.pairs.text(),
                    mean_before: m.mean_before,
                    mean_after: m.mean_after,
                    mean_change: m.mean_change.map(|c| c.value),
                    change_lower_95: m.mean_change.map(|c| c.lower),
                    change_upper_95: m.mean_change.map(|c| c.upper),
                    mean_withheld: m.mean_withheld,
                })?;
            }
        }
    }
    Ok(out.into_inner()?)
}

/// One table row: a group and one measure, each cell with its column's name (a phone shows
/// it beside the value when the table becomes cards).
pub struct ViewRow {
    pub label: String,
    pub cells: Vec<(String, String)>,
}

pub struct ViewTable {
    pub id: String,
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<ViewRow>,
}

pub struct ServiceUseBody<'a> {
    pub report: &'a ServiceUseReport,
    pub tables: Vec<ViewTable>,
}

/// What stands for a mean not shown: `‡` withheld against differencing, `–` too few pairs.
fn absent(withheld: bool) -> String {
    if withheld { "‡" } else { "–" }.into()
}

fn number(x: Option<f64>, withheld: bool) -> String {
    x.map_or_else(|| absent(withheld), |x| format!("{x:.2}"))
}

fn change(c: Option<Interval>, withheld: bool) -> String {
    c.map_or_else(
        || absent(withheld),
        |c| format!("{:+.2} ({:+.2} to {:+.2})", c.value, c.lower, c.upper),
    )
}

/// The columns after the group's name.
const COLUMNS: [&str; 6] = [
    "What is counted",
    "Referrals",
    "Pairs",
    "Mean before",
    "Mean after",
    "Mean change (95% CI)",
];

impl<'a> ServiceUseBody<'a> {
    pub fn of(report: &'a ServiceUseReport) -> ServiceUseBody<'a> {
        let headers: Vec<String> = std::iter::once("Group")
            .chain(COLUMNS)
            .map(String::from)
            .collect();
        let tables = report
            .breakdowns
            .iter()
            .map(|b| ViewTable {
                id: format!("by-{}", b.code.replace('_', "-")),
                title: b.label.to_string(),
                headers: headers.clone(),
                rows: b
                    .groups
                    .iter()
                    .flat_map(|g| {
                        g.measures.iter().map(|m| ViewRow {
                            label: g.label.clone(),
                            cells: COLUMNS
                                .iter()
                                .map(|c| c.to_string())
                                .zip([
                                    m.label.to_string(),
                                    g.referrals.text(),
                                    m.pairs.text(),
                                    number(m.mean_before, m.mean_withheld),
                                    number(m.mean_after, m.mean_withheld),
                                    change(m.mean_change, m.mean_withheld),
                                ])
                                .collect(),
                        })
                    })
                    .collect(),
            })
            .collect();
        ServiceUseBody { report, tables }
    }
}

#[derive(Template)]
#[template(path = "service_use_report.html")]
struct StandaloneReport<'a> {
    body: ServiceUseBody<'a>,
    css: &'static str,
}
