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
        out.serialize(CsvRow {
            dimension,
            group,
            group_label: label,
            indicator,
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

fn with_interval(v: Option<Interval>) -> String {
    v.map_or("–".to_string(), |v| {
        format!("{:.1} ({:.1} to {:.1})", v.value, v.lower, v.upper)
    })
}

fn number(v: Option<f64>, places: usize) -> String {
    v.map_or("–".to_string(), |v| format!("{v:.places$}"))
}

pub struct Table {
    pub caption: String,
    pub note: Option<&'static str>,
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
    let mut cells = vec![
        g.label.clone(),
        g.population.map_or("–".to_string(), Shown::text),
        g.referrals.text(),
        with_interval(g.standardised_rate),
        with_interval(g.referral_rate),
        number(g.representation.ratio, 2),
    ];
    cells.extend(g.funnel.iter().map(|s| {
        if s.complete {
            with_interval(s.percent)
        } else {
            "…".to_string()
        }
    }));
    cells.push(with_interval(g.attended_given_connected));
    cells.push(with_interval(g.first_contact.within_14_days));
    cells.push(number(g.first_contact.median_days, 0));
    cells.push(with_interval(g.outcomes[0].completion));
    cells.push(with_interval(g.outcomes[0].mean_change));
    cells.push(with_interval(
        g.outcomes[0].improved.as_ref().and_then(|i| i.percent),
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
            note: None,
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
                                let p = quintiles
                                    .and_then(|qs| qs.groups.get(q))
                                    .and_then(|g| g.barriers[i].percent);
                                cells.push(with_interval(p));
                            }
                            cells.push(with_interval(b.percent));
                            cells
                        })
                        .collect()
                })
                .unwrap_or_default(),
        };
        let outcome_charts = [
            (Dimension::ImdQuintile, "SWEMWBS change by IMD quintile"),
            (Dimension::Ethnicity, "SWEMWBS change by ethnic group"),
            (Dimension::AgeBand, "SWEMWBS change by age band"),
        ]
        .iter()
        .filter_map(|(d, title)| {
            report
                .breakdown(*d)
                .map(|b| charts::outcome_by_group(b, 0, title))
        })
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
