//! Inline SVG charts for the equity report: no script, no external assets, presentation
//! attributes only (the pages' CSP forbids inline styles), and every mark labelled in
//! text so colour is never the only carrier of meaning.

use super::facts::Stage;
use super::report::{Breakdown, EquityReport, Interval, TrendPoint};
use super::tally::Dimension;
use std::fmt::Write;

/// Quintile 1 (most deprived) to 5; each at least 3:1 against white.
const QUINTILE_COLOURS: [&str; 5] = ["#330072", "#005eb8", "#007f3b", "#8a4a00", "#425563"];
const TEXT: &str = "#212b32";
const GRID: &str = "#aeb7bd";
const FONT: &str = "font-family=\"system-ui, sans-serif\" font-size=\"13\"";

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn open(width: u32, height: u32, title: &str, description: &str) -> String {
    let id = title
        .bytes()
        .fold(5381u32, |h, b| h.wrapping_mul(33) ^ u32::from(b));
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"100%\" \
role=\"img\" aria-labelledby=\"t-{id} d-{id}\" {FONT}><title id=\"t-{id}\">{}</title>\
<desc id=\"d-{id}\">{}</desc>",
        esc(title),
        esc(description),
    )
}

/// Percentage of referrals reaching each stage, one bar per IMD quintile.
pub fn funnel_by_quintile(report: &EquityReport) -> String {
    let Some(quintiles) = report.breakdown(Dimension::ImdQuintile) else {
        return String::new();
    };
    let (label_width, bar_width, bar, gap) = (190.0, 460.0, 14.0, 14.0);
    let block = 5.0 * bar + gap;
    let height = 30.0 + block * Stage::ALL.len() as f64;
    let mut svg = open(
        720,
        height as u32,
        "Funnel by deprivation quintile",
        "Percentage of referrals reaching each stage, for each national IMD quintile from 1 (most deprived) to 5.",
    );
    let _ = write!(
        svg,
        "<text x=\"{label_width}\" y=\"14\" fill=\"{TEXT}\">% of referrals (bars: quintile 1 most deprived, to 5 least deprived)</text>"
    );
    for (s, stage) in Stage::ALL.iter().enumerate() {
        let top = 26.0 + s as f64 * block;
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{}\" fill=\"{TEXT}\" font-weight=\"bold\">{}</text>",
            top + 2.5 * bar + 4.0,
            esc(stage.label())
        );
        for (q, colour) in QUINTILE_COLOURS.iter().enumerate() {
            let y = top + q as f64 * bar;
            let group = quintiles.groups.get(q);
            let value = group.and_then(|g| g.stage(*stage).percent);
            let text = value.map_or("not shown".to_string(), |v| format!("{:.0}%", v.value));
            let width = value.map_or(0.0, |v| v.value / 100.0 * bar_width);
            let _ = write!(
                svg,
                "<rect x=\"{label_width}\" y=\"{y}\" width=\"{width:.1}\" height=\"{}\" fill=\"{}\"/>\
<text x=\"{:.1}\" y=\"{:.1}\" fill=\"{TEXT}\" font-size=\"11\">Q{} {text}</text>",
                bar - 2.0,
                colour,
                label_width + width + 4.0,
                y + bar - 4.0,
                q + 1
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Quarterly referral rates in the most and least deprived quintiles.
pub fn gap_over_time(report: &EquityReport) -> String {
    let points = &report.trend;
    let values: Vec<f64> = points
        .iter()
        .flat_map(|p| [p.most_deprived_rate, p.least_deprived_rate])
        .flatten()
        .map(|i| i.upper)
        .collect();
    if points.is_empty() || values.is_empty() {
        return "<p>Too few referrals in the period to show rates by quarter.</p>".to_string();
    }
    let top = values.iter().cloned().fold(0.0, f64::max).max(1.0) * 1.1;
    let (left, right, plot_top, plot_bottom) = (60.0, 670.0, 30.0, 230.0);
    let step = if points.len() > 1 {
        (right - left) / (points.len() - 1) as f64
    } else {
        0.0
    };
    let x = |i: usize| left + step * i as f64;
    let y = |v: f64| plot_bottom - v / top * (plot_bottom - plot_top);
    let mut svg = open(
        720,
        280,
        "The gap over time",
        "Referrals per 1,000 people a year by quarter, in the most deprived quintile (solid) and the least deprived quintile (dashed).",
    );
    for tick in 0..=4 {
        let v = top * tick as f64 / 4.0;
        let _ = write!(
            svg,
            "<line x1=\"{left}\" x2=\"{right}\" y1=\"{0:.1}\" y2=\"{0:.1}\" stroke=\"{GRID}\"/>\
<text x=\"{1}\" y=\"{2:.1}\" fill=\"{TEXT}\" text-anchor=\"end\">{v:.0}</text>",
            y(v),
            left - 6.0,
            y(v) + 4.0
        );
    }
    for (i, p) in points.iter().enumerate() {
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"250\" fill=\"{TEXT}\" text-anchor=\"middle\" font-size=\"11\">{}</text>",
            x(i),
            p.from.format("%b %Y")
        );
    }
    type Series = (
        &'static str,
        &'static str,
        &'static str,
        fn(&TrendPoint) -> Option<Interval>,
    );
    let series: [Series; 2] = [
        ("Quintile 1 (most deprived)", QUINTILE_COLOURS[0], "", |p| {
            p.most_deprived_rate
        }),
        (
            "Quintile 5 (least deprived)",
            QUINTILE_COLOURS[4],
            " stroke-dasharray=\"6 4\"",
            |p| p.least_deprived_rate,
        ),
    ];
    for (n, (name, colour, dash, value)) in series.iter().enumerate() {
        let path: Vec<String> = points
            .iter()
            .enumerate()
            .filter_map(|(i, p)| value(p).map(|v| format!("{:.1},{:.1}", x(i), y(v.value))))
            .collect();
        let _ = write!(
            svg,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2.5\"{dash}/>",
            path.join(" ")
        );
        for (i, p) in points.iter().enumerate() {
            if let Some(v) = value(p) {
                let _ = write!(
                    svg,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{colour}\"><title>{}: {:.1}</title></circle>",
                    x(i),
                    y(v.value),
                    esc(name),
                    v.value
                );
            }
        }
        let _ = write!(
            svg,
            "<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" stroke=\"{colour}\" stroke-width=\"2.5\"{dash}/>\
<text x=\"{3}\" y=\"{4}\" fill=\"{TEXT}\">{5}</text>",
            left + n as f64 * 260.0,
            left + n as f64 * 260.0 + 30.0,
            270.0,
            left + n as f64 * 260.0 + 36.0,
            274.0,
            esc(name)
        );
    }
    let _ = write!(
        svg,
        "<text x=\"{left}\" y=\"16\" fill=\"{TEXT}\">Referrals per 1,000 people a year</text></svg>"
    );
    svg
}

/// Mean change in one outcome with its 95% interval, one row per group of a breakdown.
pub fn outcome_by_group(breakdown: &Breakdown, outcome: usize, title: &str) -> String {
    let rows: Vec<(&str, Option<Interval>)> = breakdown
        .groups
        .iter()
        .map(|g| {
            (
                g.label.as_str(),
                g.outcomes.get(outcome).and_then(|o| o.mean_change),
            )
        })
        .collect();
    let extent = rows
        .iter()
        .filter_map(|(_, v)| *v)
        .flat_map(|v| [v.lower.abs(), v.upper.abs()])
        .fold(1.0, f64::max)
        * 1.1;
    let (label_width, left, right, row) = (250.0, 265.0, 545.0, 24.0);
    let height = 50.0 + row * rows.len() as f64;
    let x = |v: f64| left + (v + extent) / (2.0 * extent) * (right - left);
    let mut svg = open(
        720,
        height as u32,
        title,
        "Mean change from baseline to follow-up with 95% confidence intervals; groups with fewer than 8 pairs are not shown.",
    );
    let _ = write!(
        svg,
        "<text x=\"0\" y=\"14\" fill=\"{TEXT}\" font-weight=\"bold\">{6}</text>\
<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"30\" y2=\"{1}\" stroke=\"{GRID}\"/>\
<text x=\"{0:.1}\" y=\"26\" fill=\"{TEXT}\" text-anchor=\"middle\">no change</text>\
<text x=\"{2}\" y=\"26\" fill=\"{TEXT}\">{3:.1}</text><text x=\"{4}\" y=\"26\" fill=\"{TEXT}\" text-anchor=\"end\">+{5:.1}</text>\
<text x=\"{7}\" y=\"26\" fill=\"{TEXT}\">mean change (95% CI)</text>",
        x(0.0),
        height - 10.0,
        left,
        -extent,
        right,
        extent,
        esc(title),
        right + 12.0
    );
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = 44.0 + row * i as f64;
        let label = if label.chars().count() > 36 {
            format!("{}…", label.chars().take(35).collect::<String>())
        } else {
            label.to_string()
        };
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" fill=\"{TEXT}\" text-anchor=\"end\">{}</text>",
            label_width,
            y + 4.0,
            esc(&label)
        );
        match value {
            Some(v) => {
                let _ = write!(
                    svg,
                    "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{y}\" y2=\"{y}\" stroke=\"{TEXT}\" stroke-width=\"2\"/>\
<circle cx=\"{:.1}\" cy=\"{y}\" r=\"5\" fill=\"{}\"/>\
<text x=\"{:.1}\" y=\"{}\" fill=\"{TEXT}\">{:+.1} ({:+.1} to {:+.1})</text>",
                    x(v.lower),
                    x(v.upper),
                    x(v.value),
                    QUINTILE_COLOURS[1],
                    right + 12.0,
                    y + 4.0,
                    v.value,
                    v.lower,
                    v.upper
                );
            }
            None => {
                let _ = write!(
                    svg,
                    "<text x=\"{left}\" y=\"{}\" fill=\"{TEXT}\" font-size=\"11\">not shown (too few pairs)</text>",
                    y + 4.0
                );
            }
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    #[test]
    fn labels_are_escaped() {
        assert_eq!(super::esc("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
    }
}
