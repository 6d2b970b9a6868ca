//! The report as a file: JSON, CSV (one row per count) or one self-contained HTML page,
//! all written from the shown report, so disclosure control applies to each. The page and
//! the HTML file share one body template; its tables turn into cards on a phone.

use super::report::ActivityReport;
use crate::equity::render::Format;
use askama::Template;
use serde::Serialize;

pub fn render(report: &ActivityReport, format: Format) -> anyhow::Result<Vec<u8>> {
    Ok(match format {
        Format::Json => serde_json::to_vec_pretty(report)?,
        Format::Csv => csv(report)?,
        Format::Html => StandaloneReport {
            body: ActivityBody::of(report),
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
    table: &'a str,
    row: &'a str,
    row_label: &'a str,
    column: &'a str,
    count: String,
    change_from_a_year_before: Option<i64>,
}

fn csv(report: &ActivityReport) -> anyhow::Result<Vec<u8>> {
    use crate::csv_cell::neutralise;
    let mut out = csv::Writer::from_writer(Vec::new());
    for row in &report.headlines {
        out.serialize(CsvRow {
            table: "headlines",
            row: &neutralise(&row.code),
            row_label: &neutralise(&row.label),
            column: "count",
            count: row.counts[0].text(),
            change_from_a_year_before: None,
        })?;
    }
    for table in &report.tables {
        for row in &table.rows {
            for (column, count) in table.columns.iter().zip(&row.counts) {
                out.serialize(CsvRow {
                    table: &table.code,
                    row: &neutralise(&row.code),
                    row_label: &neutralise(&row.label),
                    column: &column.code,
                    count: count.text(),
                    change_from_a_year_before: None,
                })?;
            }
        }
    }
    for month in &report.monthly {
        for (column, figure) in report.monthly_columns.iter().zip(&month.figures) {
            out.serialize(CsvRow {
                table: "monthly",
                row: &month.month,
                row_label: &month.month,
                column: &column.code,
                count: figure.count.text(),
                change_from_a_year_before: figure.change,
            })?;
        }
    }
    Ok(out.into_inner()?)
}

/// A table ready for the template: each cell with its column's name, which a phone shows
/// beside the value when the table becomes cards.
pub struct ViewTable {
    pub id: String,
    pub title: String,
    pub definition: String,
    pub headers: Vec<String>,
    pub rows: Vec<(String, Vec<(String, String)>)>,
    /// Whether the cells carry the change from a year before (the monthly table).
    pub changes: bool,
}

impl ViewTable {
    /// Long tables (every service, every link worker) are folded away until asked for.
    pub fn folded(&self) -> bool {
        self.rows.len() > 25
    }
}

pub struct ActivityBody<'a> {
    pub report: &'a ActivityReport,
    pub monthly: ViewTable,
    pub tables: Vec<ViewTable>,
    pub median: String,
    pub quartiles: String,
    pub completion: String,
}

fn days(d: Option<f64>) -> String {
    d.map_or("–".to_string(), |d| format!("{d:.1} days"))
}

impl<'a> ActivityBody<'a> {
    pub fn of(report: &'a ActivityReport) -> ActivityBody<'a> {
        let monthly_headers: Vec<String> = std::iter::once("Month".to_string())
            .chain(report.monthly_columns.iter().map(|c| c.label.clone()))
            .collect();
        let monthly = ViewTable {
            id: "monthly".into(),
            title: "Month by month, with the change from the same month a year before".into(),
            definition: super::report::DEFINITIONS[11].1.into(),
            rows: report
                .monthly
                .iter()
                .map(|m| {
                    let cells = report
                        .monthly_columns
                        .iter()
                        .zip(&m.figures)
                        .map(|(c, f)| {
                            let change = match f.change {
                                Some(c) => format!(" ({c:+})"),
                                None => String::new(),
                            };
                            (c.label.clone(), format!("{}{change}", f.count.text()))
                        })
                        .collect();
                    (m.month.clone(), cells)
                })
                .collect(),
            headers: monthly_headers,
            changes: true,
        };
        let tables = report
            .tables
            .iter()
            .map(|t| ViewTable {
                id: t.code.clone(),
                title: t.title.clone(),
                definition: t.definition.clone(),
                headers: std::iter::once(String::new())
                    .chain(t.columns.iter().map(|c| c.label.clone()))
                    .collect(),
                rows: t
                    .rows
                    .iter()
                    .map(|r| {
                        let cells = t
                            .columns
                            .iter()
                            .zip(&r.counts)
                            .map(|(c, n)| (c.label.clone(), n.text()))
                            .collect();
                        (r.label.clone(), cells)
                    })
                    .collect(),
                changes: false,
            })
            .collect();
        let w = &report.waiting;
        let o = &report.outcome_completion;
        ActivityBody {
            report,
            monthly,
            tables,
            median: days(w.median_days),
            quartiles: format!(
                "{} to {}",
                days(w.lower_quartile_days),
                days(w.upper_quartile_days)
            ),
            completion: format!(
                "{} of {} closed referrals{}",
                o.with_baseline_and_follow_up.text(),
                o.closed.text(),
                o.percent.map_or(String::new(), |p| format!(" ({p:.1}%)"))
            ),
        }
    }
}

#[derive(Template)]
#[template(path = "activity_report.html")]
struct StandaloneReport<'a> {
    body: ActivityBody<'a>,
    css: &'static str,
}
