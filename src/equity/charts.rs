//! Inline SVG charts for the equity report: no script, no external assets, presentation
//! attributes only (the pages' CSP forbids inline styles), and every mark labelled in
//! text so colour is never the only carrier of meaning. Drawn 390 units wide so they fit a
//! phone screen at full size; axes have round ticks, time is spaced in proportion, and
//! panels that are compared share one scale.

use super::facts::Stage;
use super::report::{Breakdown, EquityReport, Interval, TrendPoint};
use super::tally::Dimension;
use chrono::Datelike;
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

/// Width of every chart: a 390 px phone screen.
const WIDTH: f64 = 390.0;

/// A round step for about `parts` ticks up to `top`: 1, 2, 2.5 or 5 times a power of ten.
pub fn nice_step(top: f64, parts: f64) -> f64 {
    let raw = (top / parts).max(f64::MIN_POSITIVE);
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|step| *step >= raw)
        .unwrap_or(10.0 * power)
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

/// Percentage of referrals reaching each stage within its window, one bar per IMD quintile,
/// all on one 0-100% scale.
pub fn funnel_by_quintile(report: &EquityReport) -> String {
    let Some(quintiles) = report.breakdown(Dimension::ImdQuintile) else {
        return String::new();
    };
    let (left, bar_width, bar, gap) = (28.0, WIDTH - 28.0 - 72.0, 13.0, 26.0);
    let block = 5.0 * bar + gap;
    let height = 34.0 + block * Stage::ALL.len() as f64;
    let mut svg = open(
        WIDTH as u32,
        height as u32,
        "Funnel by deprivation quintile",
        "Percentage of referrals reaching each stage within its window, for each national IMD quintile from 1 (most deprived) to 5, on one 0 to 100% scale.",
    );
    for tick in [0.0, 25.0, 50.0, 75.0, 100.0] {
        let x = left + tick / 100.0 * bar_width;
        let _ = write!(
            svg,
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"20\" y2=\"{:.1}\" stroke=\"{GRID}\"/>\
<text x=\"{x:.1}\" y=\"14\" fill=\"{TEXT}\" text-anchor=\"middle\" font-size=\"11\">{tick:.0}%</text>",
            height - 4.0
        );
    }
    for (s, stage) in Stage::ALL.iter().enumerate() {
        let top = 24.0 + s as f64 * block;
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{:.1}\" fill=\"{TEXT}\" font-weight=\"bold\" font-size=\"12\">{}</text>",
            top + 12.0,
            esc(stage.label())
        );
        for (q, colour) in QUINTILE_COLOURS.iter().enumerate() {
            let y = top + 16.0 + q as f64 * bar;
            let row = quintiles.groups.get(q).map(|g| g.stage(*stage));
            let value = row.and_then(|r| r.percent);
            let text = match (value, row) {
                (Some(v), _) => format!("{:.0}%", v.value),
                (None, Some(r)) if !r.complete => "not yet complete".to_string(),
                _ => "not shown".to_string(),
            };
            let width = value.map_or(0.0, |v| v.value / 100.0 * bar_width);
            let _ = write!(
                svg,
                "<text x=\"0\" y=\"{:.1}\" fill=\"{TEXT}\" font-size=\"11\">Q{}</text>\
<rect x=\"{left}\" y=\"{y:.1}\" width=\"{width:.1}\" height=\"{:.1}\" fill=\"{colour}\"/>\
<text x=\"{:.1}\" y=\"{:.1}\" fill=\"{TEXT}\" font-size=\"11\">{text}</text>",
                y + bar - 3.0,
                q + 1,
                bar - 2.0,
                left + width + 4.0,
                y + bar - 3.0,
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Quarterly referral rates in the most and least deprived quintiles, each point at the
/// middle of its quarter on a time axis in proportion.
pub fn gap_over_time(report: &EquityReport) -> String {
    let points = &report.trend;
    let values: Vec<f64> = points
        .iter()
        .flat_map(|p| [p.most_deprived_rate, p.least_deprived_rate])
        .flatten()
        .map(|i| i.upper)
        .collect();
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return "<p>Too few referrals in the period to show rates by quarter.</p>".to_string();
    };
    if values.is_empty() {
        return "<p>Too few referrals in the period to show rates by quarter.</p>".to_string();
    }
    let highest = values.iter().cloned().fold(0.0, f64::max).max(1.0);
    let step = nice_step(highest, 4.0);
    let top = (highest / step).ceil() * step;
    let (left, right, plot_top, plot_bottom) = (44.0, WIDTH - 12.0, 28.0, 200.0);
    let start = first.from.num_days_from_ce() as f64;
    let span = (last.to.num_days_from_ce() + 1) as f64 - start;
    let x_of = |p: &TrendPoint| {
        let middle = (p.from.num_days_from_ce() + p.to.num_days_from_ce()) as f64 / 2.0 + 0.5;
        left + (middle - start) / span * (right - left)
    };
    let y = |v: f64| plot_bottom - v / top * (plot_bottom - plot_top);
    let mut svg = open(
        WIDTH as u32,
        272,
        "The gap over time",
        "Referrals per 1,000 people a year by quarter, in the most deprived quintile (solid) and the least deprived quintile (dashed).",
    );
    let mut tick = 0.0;
    while tick <= top + step / 2.0 {
        let _ =
            write!(
            svg,
            "<line x1=\"{left}\" x2=\"{right}\" y1=\"{0:.1}\" y2=\"{0:.1}\" stroke=\"{GRID}\"/>\
<text x=\"{1}\" y=\"{2:.1}\" fill=\"{TEXT}\" text-anchor=\"end\" font-size=\"11\">{3}</text>",
            y(tick),
            left - 4.0,
            y(tick) + 4.0,
            if step < 1.0 { format!("{tick:.1}") } else { format!("{tick:.0}") }
        );
        tick += step;
    }
    for p in points {
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"216\" fill=\"{TEXT}\" text-anchor=\"middle\" font-size=\"10\">{}</text>",
            x_of(p),
            p.from.format("%b %y")
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
            .filter_map(|p| value(p).map(|v| format!("{:.1},{:.1}", x_of(p), y(v.value))))
            .collect();
        let _ = write!(
            svg,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2.5\"{dash}/>",
            path.join(" ")
        );
        for p in points {
            if let Some(v) = value(p) {
                let _ = write!(
                    svg,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{colour}\"><title>{}: {:.1}</title></circle>",
                    x_of(p),
                    y(v.value),
                    esc(name),
                    v.value
                );
            }
        }
        let legend_y = 238.0 + n as f64 * 18.0;
        let _ = write!(
            svg,
            "<line x1=\"{left}\" x2=\"{:.1}\" y1=\"{legend_y}\" y2=\"{legend_y}\" stroke=\"{colour}\" stroke-width=\"2.5\"{dash}/>\
<text x=\"{:.1}\" y=\"{:.1}\" fill=\"{TEXT}\" font-size=\"12\">{}</text>",
            left + 30.0,
            left + 36.0,
            legend_y + 4.0,
            esc(name)
        );
    }
    let _ = write!(
        svg,
        "<text x=\"0\" y=\"14\" fill=\"{TEXT}\" font-size=\"12\">Referrals per 1,000 people a year</text></svg>"
    );
    svg
}

/// The half-width of one scale for outcome panels compared side by side: round, and wide
/// enough for every interval in all of them.
pub fn outcome_extent(breakdowns: &[&Breakdown], outcome: usize) -> f64 {
    let widest = breakdowns
        .iter()
        .flat_map(|b| &b.groups)
        .filter_map(|g| g.outcomes.get(outcome).and_then(|o| o.mean_change))
        .flat_map(|v| [v.lower.abs(), v.upper.abs()])
        .fold(1.0, f64::max);
    let step = nice_step(widest, 2.0);
    (widest / step).ceil() * step
}

/// Mean change in one outcome with its 95% interval, one row per group of a breakdown,
/// on the scale -extent..+extent shared with the panels it is compared with.
pub fn outcome_by_group(breakdown: &Breakdown, outcome: usize, title: &str, extent: f64) -> String {
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
    // Each group's name and its figures on lines of their own, so a long name and its
    // interval still fit a 390 px screen.
    let (left, right, row) = (16.0, WIDTH - 16.0, 50.0);
    let height = 58.0 + row * rows.len() as f64;
    let x = |v: f64| left + (v + extent) / (2.0 * extent) * (right - left);
    let mut svg = open(
        WIDTH as u32,
        height as u32,
        title,
        "Mean change from baseline to follow-up with 95% confidence intervals on one scale shared by the panels; groups with fewer than 8 pairs are not shown.",
    );
    let _ = write!(
        svg,
        "<text x=\"0\" y=\"14\" fill=\"{TEXT}\" font-weight=\"bold\" font-size=\"12\">{}</text>",
        esc(title)
    );
    for tick in [-extent, -extent / 2.0, 0.0, extent / 2.0, extent] {
        let _ = write!(
            svg,
            "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"40\" y2=\"{1:.1}\" stroke=\"{GRID}\"/>\
<text x=\"{0:.1}\" y=\"34\" fill=\"{TEXT}\" text-anchor=\"middle\" font-size=\"11\">{2}</text>",
            x(tick),
            height - 6.0,
            if tick == 0.0 {
                "0".to_string()
            } else {
                format!("{tick:+}")
            }
        );
    }
    for (i, (label, value)) in rows.iter().enumerate() {
        let top = 54.0 + row * i as f64;
        let figures = match value {
            Some(v) => format!("{:+.1} ({:+.1} to {:+.1})", v.value, v.lower, v.upper),
            None => "not shown (too few pairs)".to_string(),
        };
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{top:.1}\" fill=\"{TEXT}\" font-size=\"11\">{}</text>\
<text x=\"0\" y=\"{:.1}\" fill=\"{TEXT}\" font-size=\"11\">{}</text>",
            esc(label),
            top + 13.0,
            esc(&figures)
        );
        if let Some(v) = value {
            let y = top + 26.0;
            let _ = write!(
                svg,
                "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{y}\" y2=\"{y}\" stroke=\"{TEXT}\" stroke-width=\"2\"/>\
<circle cx=\"{:.1}\" cy=\"{y}\" r=\"5\" fill=\"{}\"/>",
                x(v.lower),
                x(v.upper),
                x(v.value),
                QUINTILE_COLOURS[1],
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::nice_step;

    #[test]
    fn labels_are_escaped() {
        assert_eq!(super::esc("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(nice_step(83.0, 4.0), 25.0);
        assert_eq!(nice_step(100.0, 4.0), 25.0);
        assert_eq!(nice_step(7.3, 4.0), 2.0);
        assert_eq!(nice_step(0.9, 2.0), 0.5);
        assert_eq!(nice_step(310.0, 4.0), 100.0);
    }
}
