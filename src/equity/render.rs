//! The report as a file: JSON, CSV (one row per figure) or one self-contained HTML page.
//! All three are written from the shown report, so disclosure control applies to each.

use super::charts;
use super::disclosure::Shown;
use super::report::{EquityReport, GroupRow, Interval};
use super::tally::Dimension;
use askama::Template;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    Html,
}

impl Format {
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Html => "text/html; charset=utf-8",
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Html => "html",
        }
    }
    pub fn from_name(name: &str) -> Option<Format> {
        match name {
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            "html" => Some(Format::Html),
            _ => None,
        }
    }
}

pub fn render(report: &EquityReport, format: Format) -> anyhow::Result<Vec<u8>> {
    Ok(match format {
        Format::Json => serde_json::to_vec_pretty(report)?,
        Format::Csv => csv(report)?,
        Format::Html => StandaloneReport {
            body: ReportBody::of(report),
            css: include_str!("../../static/equity-report.css"),
        }
        .render()?
        .into_bytes(),
    })
}

#[derive(Serialize)]
struct CsvRow<'a> {
    dimension: &'a str,
    group: &'a str,
    group_label: &'a str,
    indicator: String,
    count: String,
    value: Option<f64>,
    lower: Option<f64>,
    upper: Option<f64>,
}

fn csv(report: &EquityReport) -> anyhow::Result<Vec<u8>> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut row = |dimension: &str,
                   group: &str,
                   label: &str,
                   indicator: String,
                   count: Option<Shown>,
                   value: Option<Interval>|
     -> anyhow::Result<()> {
        // Text cells neutralised against spreadsheet formulas; numbers stay numbers.
        use crate::csv_cell::neutralise;
        out.serialize(CsvRow {
            dimension: &neutralise(dimension),
            group: &neutralise(group),
            group_label: &neutralise(label),
            indicator: neutralise(&indicator).into_owned(),
            count: count.map(Shown::text).unwrap_or_default(),
            value: value.map(|v| v.value),
            lower: value.map(|v| v.lower).filter(|l| l.is_finite()),
            upper: value.map(|v| v.upper).filter(|u| u.is_finite()),
        })?;
        Ok(())
    };
    let point = |v: Option<f64>| {
        v.map(|value| Interval {
            value,
            lower: f64::NAN,
            upper: f64::NAN,
        })
    };
    for b in &report.breakdowns {
        for g in &b.groups {
            let (d, c, l) = (b.dimension, g.group.as_str(), g.label.as_str());
            row(d, c, l, "population".into(), g.population, None)?;
            row(d, c, l, "referrals".into(), Some(g.referrals), None)?;
            row(
                d,
                c,
                l,
                "referral_rate_per_1000_per_year".into(),
                None,
                g.referral_rate,
            )?;
            row(
                d,
                c,
                l,
                "standardised_referral_rate_per_1000_per_year".into(),
                None,
                g.standardised_rate,
            )?;
            row(
                d,
                c,
                l,
                "representation_ratio".into(),
                None,
                point(g.representation.ratio),
            )?;
            for s in &g.funnel {
                row(
                    d,
                    c,
                    l,
                    format!("{}_eligible", s.stage),
                    Some(s.eligible),
                    None,
                )?;
                row(
                    d,
                    c,
                    l,
                    format!("{}_within_{}_days_percent", s.stage, s.window_days),
                    Some(s.count),
                    s.percent,
                )?;
            }
            row(
                d,
                c,
                l,
                "attended_given_connected_percent".into(),
                None,
                g.attended_given_connected,
            )?;
            let f = &g.first_contact;
            row(
                d,
                c,
                l,
                "first_contact_median_days".into(),
                Some(f.referrals),
                point(f.median_days),
            )?;
            row(
                d,
                c,
                l,
                "first_contact_within_14_days_percent".into(),
                None,
                f.within_14_days,
            )?;
            row(
                d,
                c,
                l,
                "first_contact_within_28_days_percent".into(),
                None,
                f.within_28_days,
            )?;
            for o in &g.outcomes {
                row(
                    d,
                    c,
                    l,
                    format!("{}_completion_percent", o.measure),
                    Some(o.pairs),
                    o.completion,
                )?;
                row(
                    d,
                    c,
                    l,
                    format!("{}_mean_change", o.measure),
                    Some(o.pairs),
                    o.mean_change,
                )?;
                if let Some(i) = &o.improved {
                    row(
                        d,
                        c,
                        l,
                        format!("{}_improved_percent", o.measure),
                        Some(i.count),
                        i.percent,
                    )?;
                }
            }
            for x in &g.barriers {
                row(
                    d,
                    c,
                    l,
                    format!("barrier_{}_percent", x.barrier),
                    Some(x.count),
                    x.percent,
                )?;
            }
        }
    }
    for i in &report.inequality {
        row(
            "inequality",
            i.indicator,
            i.label,
            "sii".into(),
            None,
            i.sii,
        )?;
        row(
            "inequality",
            i.indicator,
            i.label,
            "rii".into(),
            None,
            i.rii,
        )?;
        row(
            "inequality",
            i.indicator,
            i.label,
            "gap_q1_minus_q5".into(),
            None,
            point(i.gap),
        )?;
        row(
            "inequality",
            i.indicator,
            i.label,
            "ratio_q1_over_q5".into(),
            None,
            point(i.ratio),
        )?;
    }
    for t in &report.trend {
        let from = t.from.to_string();
        let label = format!("{} to {}", t.from, t.to);
        row(
            "trend",
            &from,
            &label,
            "q1_rate_per_1000_per_year".into(),
            None,
            t.most_deprived_rate,
        )?;
        row(
            "trend",
            &from,
            &label,
            "q5_rate_per_1000_per_year".into(),
            None,
            t.least_deprived_rate,
        )?;
    }
    out.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

/// Why a figure is not shown, each with its own symbol, explained beside every table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Missing {
    /// A count of 0 to 7, or a figure that would rest on one.
    Hidden,
    /// No population figures for this breakdown.
    NoPopulation,
    /// No referral of the period has completed the follow-up window yet.
    NotYetComplete,
    /// Could not be computed.
    NotAvailable,
}

impl Missing {
    fn symbol(self) -> &'static str {
        match self {
            Missing::Hidden => "*",
            Missing::NoPopulation => "§",
            Missing::NotYetComplete => "…",
            Missing::NotAvailable => "–",
        }
    }
}

/// The key to the symbols, shown with every table.
pub const LEGEND: &str = "* hidden: a count of 0 to 7, or a figure built on one · § no population \
figures for this breakdown · … not yet complete: no referral of the period has completed the window \
by the as-of date · – not available: could not be computed";

fn with_interval(v: Option<Interval>) -> String {
    interval_or(v, Missing::NotAvailable)
}

fn interval_or(v: Option<Interval>, why: Missing) -> String {
    v.map_or(why.symbol().to_string(), |v| {
        format!("{:.1} ({:.1} to {:.1})", v.value, v.lower, v.upper)
    })
}

fn number(v: Option<f64>, places: usize) -> String {
    number_or(v, places, Missing::NotAvailable)
}

fn number_or(v: Option<f64>, places: usize, why: Missing) -> String {
    v.map_or(why.symbol().to_string(), |v| format!("{v:.places$}"))
}

/// Why a figure from counts is missing: hidden when a count is, else not available.
fn because(counts: &[Shown]) -> Missing {
    if counts.contains(&Shown::Hidden) {
        Missing::Hidden
    } else {
        Missing::NotAvailable
    }
}

pub struct Table {
    pub caption: String,
    pub note: Option<&'static str>,
    /// The key to the symbols.
    pub legend: &'static str,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

const GROUP_HEADERS: [&str; 17] = [
    "Group",
    "Registered",
    "Referrals",
    "Age-standardised referrals per 1,000 a year (95% CI)",
    "Crude referrals per 1,000 a year (95% CI; for planning)",
    "Representation ratio",
    "Contacted within 28 days %",
    "Plan agreed within 12 weeks %",
    "Connected within 12 weeks %",
    "Attended within 12 weeks %",
    "Goals met within 6 months %",
    "Attended, of those connected %",
    "Reached within 14 days %",
    "Median days to first contact (Kaplan-Meier)",
    "SWEMWBS completion % (closed or 6 months old)",
    "SWEMWBS change (95% CI)",
    "Improved 3+ points %",
];

fn group_cells(g: &GroupRow) -> Vec<String> {
    let rate_missing = match g.population {
        None => Missing::NoPopulation,
        Some(p) => because(&[p, g.referrals]),
    };
    let mut cells = vec![
        g.label.clone(),
        g.population
            .map_or(Missing::NoPopulation.symbol().to_string(), Shown::text),
        g.referrals.text(),
        interval_or(g.standardised_rate, rate_missing),
        interval_or(g.referral_rate, rate_missing),
        number_or(g.representation.ratio, 2, rate_missing),
    ];
    cells.extend(g.funnel.iter().map(|s| {
        if s.complete {
            interval_or(s.percent, because(&[s.count, s.eligible]))
        } else {
            Missing::NotYetComplete.symbol().to_string()
        }
    }));
    let (connected, attended) = (&g.funnel[2], &g.funnel[3]);
    cells.push(if connected.complete {
        interval_or(
            g.attended_given_connected,
            because(&[connected.count, attended.count]),
        )
    } else {
        Missing::NotYetComplete.symbol().to_string()
    });
    cells.push(interval_or(
        g.first_contact.within_14_days,
        because(&[g.referrals]),
    ));
    cells.push(number_or(
        g.first_contact.median_days,
        0,
        because(&[g.first_contact.referrals]),
    ));
    let swemwbs = &g.outcomes[0];
    cells.push(interval_or(
        swemwbs.completion,
        because(&[swemwbs.pairs, swemwbs.eligible]),
    ));
    cells.push(interval_or(swemwbs.mean_change, because(&[swemwbs.pairs])));
    cells.push(interval_or(
        swemwbs.improved.as_ref().and_then(|i| i.percent),
        because(&[swemwbs.improved.as_ref().map_or(Shown::Hidden, |i| i.count)]),
    ));
    cells
}

/// The report's body, shared by the downloadable file and the page in the app.
pub struct ReportBody<'a> {
    pub report: &'a EquityReport,
    pub funnel_chart: String,
    pub gap_chart: String,
    pub outcome_charts: Vec<String>,
    pub inequality: Table,
    pub breakdowns: Vec<Table>,
    pub barriers: Table,
}

impl<'a> ReportBody<'a> {
    pub fn of(report: &'a EquityReport) -> ReportBody<'a> {
        let inequality = Table {
            caption: "Inequality across national IMD quintiles".into(),
            note: Some(
                "SII: fitted most deprived end minus least deprived end (positive: higher in more \
deprived areas). RII: fitted most deprived end over least deprived end (above 1: higher in more deprived \
areas).",
            ),
            legend: LEGEND,
            headers: [
                "Indicator",
                "Q1 (most deprived)",
                "Q2",
                "Q3",
                "Q4",
                "Q5 (least deprived)",
                "Gap Q1−Q5",
                "Ratio Q1/Q5",
                "SII (95% CI)",
                "RII (95% CI)",
            ]
            .map(String::from)
            .to_vec(),
            rows: report
                .inequality
                .iter()
                .map(|i| {
                    let mut cells = vec![i.label.to_string()];
                    cells.extend(i.quintiles.iter().map(|q| number(*q, 1)));
                    cells.push(number(i.gap, 1));
                    cells.push(number(i.ratio, 2));
                    cells.push(with_interval(i.sii));
                    cells.push(i.rii.map_or("–".to_string(), |v| {
                        format!("{:.2} ({:.2} to {:.2})", v.value, v.lower, v.upper)
                    }));
                    cells
                })
                .collect(),
        };
        let breakdowns = report
            .breakdowns
            .iter()
            .map(|b| Table {
                caption: b.label.to_string(),
                note: b.note,
                legend: LEGEND,
                headers: GROUP_HEADERS.map(String::from).to_vec(),
                rows: b.groups.iter().map(group_cells).collect(),
            })
            .collect();
        let quintiles = report.breakdown(Dimension::ImdQuintile);
        let overall = report
            .breakdown(Dimension::Overall)
            .and_then(|b| b.groups.first());
        let barriers = Table {
            caption: "Barriers recorded, % of referrals, by IMD quintile".into(),
            note: None,
            legend: LEGEND,
            headers: [
                "Barrier",
                "Q1 (most deprived)",
                "Q2",
                "Q3",
                "Q4",
                "Q5 (least deprived)",
                "Everyone",
            ]
            .map(String::from)
            .to_vec(),
            rows: overall
                .map(|all| {
                    all.barriers
                        .iter()
                        .enumerate()
                        .map(|(i, b)| {
                            let mut cells = vec![b.label.to_string()];
                            for q in 0..5 {
                                let row = quintiles
                                    .and_then(|qs| qs.groups.get(q))
                                    .map(|g| &g.barriers[i]);
                                cells.push(interval_or(
                                    row.and_then(|r| r.percent),
                                    because(&[row.map_or(Shown::Hidden, |r| r.count)]),
                                ));
                            }
                            cells.push(interval_or(b.percent, because(&[b.count])));
                            cells
                        })
                        .collect()
                })
                .unwrap_or_default(),
        };
        let panels: Vec<(&super::report::Breakdown, &str)> = [
            (Dimension::ImdQuintile, "SWEMWBS change by IMD quintile"),
            (Dimension::Ethnicity, "SWEMWBS change by ethnic group"),
            (Dimension::AgeBand, "SWEMWBS change by age band"),
        ]
        .iter()
        .filter_map(|(d, title)| report.breakdown(*d).map(|b| (b, *title)))
        .collect();
        // One scale for the three panels, so they can be compared by eye.
        let compared: Vec<&super::report::Breakdown> = panels.iter().map(|(b, _)| *b).collect();
        let extent = charts::outcome_extent(&compared, 0);
        let outcome_charts = panels
            .iter()
            .map(|(b, title)| charts::outcome_by_group(b, 0, title, extent))
            .collect();
        ReportBody {
            report,
            funnel_chart: charts::funnel_by_quintile(report),
            gap_chart: charts::gap_over_time(report),
            outcome_charts,
            inequality,
            breakdowns,
            barriers,
        }
    }
}

#[derive(Template)]
#[template(path = "equity_report.html")]
struct StandaloneReport<'a> {
    body: ReportBody<'a>,
    css: &'static str,
}
