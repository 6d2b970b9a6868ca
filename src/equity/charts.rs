//! Inline SVG charts for the equity report: no script, no external assets, presentation
//! attributes only (the pages' CSP forbids inline styles), and every mark labelled in
//! text so colour is never the only carrier of meaning. Drawn 390 units wide so they fit a
//! phone screen at full size; axes have round ticks, time is spaced in proportion, and
//! panels that are compared share one scale.

use super::facts::Stage;
use super::report::{Breakdown, EquityReport, Interval, TrendPoint};
use super::tally::Dimension;
use askama::Template;
use chrono::Datelike;

/// Quintile 1 (most deprived) to 5; each at least 3:1 against white. The templates in
/// `templates/charts/` draw text in #212b32 and grid lines in #aeb7bd.
const QUINTILE_COLOURS: [&str; 5] = ["#330072", "#005eb8", "#007f3b", "#8a4a00", "#425563"];

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

/// What every chart opens with (`templates/charts/chart.svg`): its size, and the title
/// and description that name it for screen readers.
struct Frame<'a> {
    width: u32,
    height: u32,
    /// Tells the title and description of charts on one page apart.
    id: u32,
    title: &'a str,
    description: &'a str,
}

impl<'a> Frame<'a> {
    fn new(height: f64, title: &'a str, description: &'a str) -> Frame<'a> {
        Frame {
            width: WIDTH as u32,
            height: height as u32,
            id: title
                .bytes()
                .fold(5381u32, |h, b| h.wrapping_mul(33) ^ u32::from(b)),
            title,
            description,
        }
    }
}

/// Draws a chart; its template only places numbers and escaped text, so it cannot fail
/// short of running out of memory.
fn draw(chart: &impl Template) -> String {
    chart.render().unwrap_or_default()
}

#[derive(Template)]
#[template(path = "charts/funnel.svg")]
struct FunnelChart<'a> {
    frame: Frame<'a>,
    /// Where the bars start.
    left: f64,
    bar_height: f64,
    grid_bottom: f64,
    ticks: Vec<PercentTick>,
    stages: Vec<FunnelStage>,
}

struct PercentTick {
    x: f64,
    percent: u32,
}

struct FunnelStage {
    label: &'static str,
    y: f64,
    bars: Vec<FunnelBar>,
}

struct FunnelBar {
    quintile: usize,
    colour: &'static str,
    y: f64,
    width: f64,
    /// The baseline of the bar's labels.
    text_y: f64,
    text_x: f64,
    text: String,
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
    let stages = Stage::ALL
        .iter()
        .enumerate()
        .map(|(s, stage)| {
            let top = 24.0 + s as f64 * block;
            let bars = QUINTILE_COLOURS
                .iter()
                .enumerate()
                .map(|(q, colour)| {
                    let y = top + 16.0 + q as f64 * bar;
                    let row = quintiles.groups.get(q).map(|g| g.stage(*stage));
                    let value = row.and_then(|r| r.percent);
                    let text = match (value, row) {
                        (Some(v), _) => format!("{:.0}%", v.value),
                        (None, Some(r)) if !r.complete => "not yet complete".to_string(),
                        _ => "not shown".to_string(),
                    };
                    let width = value.map_or(0.0, |v| v.value / 100.0 * bar_width);
                    FunnelBar {
                        quintile: q + 1,
                        colour,
                        y,
                        width,
                        text_y: y + bar - 3.0,
                        text_x: left + width + 4.0,
                        text,
                    }
                })
                .collect();
            FunnelStage {
                label: stage.label(),
                y: top + 12.0,
                bars,
            }
        })
        .collect();
    draw(&FunnelChart {
        frame: Frame::new(
            height,
            "Funnel by deprivation quintile",
            "Percentage of referrals reaching each stage within its window, for each national IMD quintile from 1 (most deprived) to 5, on one 0 to 100% scale.",
        ),
        left,
        bar_height: bar - 2.0,
        grid_bottom: height - 4.0,
        ticks: [0, 25, 50, 75, 100]
            .into_iter()
            .map(|percent| PercentTick {
                x: left + f64::from(percent) / 100.0 * bar_width,
                percent,
            })
            .collect(),
        stages,
    })
}

#[derive(Template)]
#[template(path = "charts/gap.svg")]
struct GapChart<'a> {
    frame: Frame<'a>,
    left: f64,
    right: f64,
    ticks: Vec<RateTick>,
    quarters: Vec<QuarterLabel>,
    series: Vec<RateLine>,
}

struct RateTick {
    y: f64,
    label: String,
}

struct QuarterLabel {
    x: f64,
    label: String,
}

struct RateLine {
    name: &'static str,
    colour: &'static str,
    dashed: bool,
    /// The polyline's points, "x,y x,y ...".
    points: String,
    marks: Vec<RatePoint>,
    legend_y: f64,
}

struct RatePoint {
    x: f64,
    y: f64,
    value: f64,
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
    let mut ticks = Vec::new();
    let mut tick = 0.0;
    while tick <= top + step / 2.0 {
        ticks.push(RateTick {
            y: y(tick),
            label: if step < 1.0 {
                format!("{tick:.1}")
            } else {
                format!("{tick:.0}")
            },
        });
        tick += step;
    }
    type Series = (
        &'static str,
        &'static str,
        bool,
        fn(&TrendPoint) -> Option<Interval>,
    );
    let series: [Series; 2] = [
        (
            "Quintile 1 (most deprived)",
            QUINTILE_COLOURS[0],
            false,
            |p| p.most_deprived_rate,
        ),
        (
            "Quintile 5 (least deprived)",
            QUINTILE_COLOURS[4],
            true,
            |p| p.least_deprived_rate,
        ),
    ];
    let series = series
        .iter()
        .enumerate()
        .map(|(n, (name, colour, dashed, value))| {
            let marks: Vec<RatePoint> = points
                .iter()
                .filter_map(|p| {
                    value(p).map(|v| RatePoint {
                        x: x_of(p),
                        y: y(v.value),
                        value: v.value,
                    })
                })
                .collect();
            RateLine {
                name,
                colour,
                dashed: *dashed,
                points: marks
                    .iter()
                    .map(|m| format!("{:.1},{:.1}", m.x, m.y))
                    .collect::<Vec<_>>()
                    .join(" "),
                marks,
                legend_y: 238.0 + n as f64 * 18.0,
            }
        })
        .collect();
    draw(&GapChart {
        frame: Frame::new(
            272.0,
            "The gap over time",
            "Referrals per 1,000 people a year by quarter, in the most deprived quintile (solid) and the least deprived quintile (dashed).",
        ),
        left,
        right,
        ticks,
        quarters: points
            .iter()
            .map(|p| QuarterLabel {
                x: x_of(p),
                label: p.from.format("%b %y").to_string(),
            })
            .collect(),
        series,
    })
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

#[derive(Template)]
#[template(path = "charts/outcome.svg")]
struct OutcomeChart<'a> {
    frame: Frame<'a>,
    grid_bottom: f64,
    ticks: Vec<ChangeTick>,
    rows: Vec<OutcomeRow<'a>>,
}

struct ChangeTick {
    x: f64,
    label: String,
}

struct OutcomeRow<'a> {
    /// The baseline of the group's name; its figures are on the line below.
    top: f64,
    label: &'a str,
    figures: String,
    /// The interval drawn, when the group is shown.
    mark: Option<IntervalMark>,
}

struct IntervalMark {
    y: f64,
    lower: f64,
    value: f64,
    upper: f64,
}

/// Mean change in one outcome with its 95% interval, one row per group of a breakdown,
/// on the scale -extent..+extent shared with the panels it is compared with.
pub fn outcome_by_group(breakdown: &Breakdown, outcome: usize, title: &str, extent: f64) -> String {
    // Each group's name and its figures on lines of their own, so a long name and its
    // interval still fit a 390 px screen.
    let (left, right, row) = (16.0, WIDTH - 16.0, 50.0);
    let height = 58.0 + row * breakdown.groups.len() as f64;
    let x = |v: f64| left + (v + extent) / (2.0 * extent) * (right - left);
    let rows = breakdown
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let top = 54.0 + row * i as f64;
            let value = g.outcomes.get(outcome).and_then(|o| o.mean_change);
            OutcomeRow {
                top,
                label: g.label.as_str(),
                figures: match value {
                    Some(v) => format!("{:+.1} ({:+.1} to {:+.1})", v.value, v.lower, v.upper),
                    None => "not shown (too few pairs)".to_string(),
                },
                mark: value.map(|v| IntervalMark {
                    y: top + 26.0,
                    lower: x(v.lower),
                    value: x(v.value),
                    upper: x(v.upper),
                }),
            }
        })
        .collect();
    draw(&OutcomeChart {
        frame: Frame::new(
            height,
            title,
            "Mean change from baseline to follow-up with 95% confidence intervals on one scale shared by the panels; groups with fewer than 8 pairs are not shown.",
        ),
        grid_bottom: height - 6.0,
        ticks: [-extent, -extent / 2.0, 0.0, extent / 2.0, extent]
            .into_iter()
            .map(|tick| ChangeTick {
                x: x(tick),
                label: if tick == 0.0 {
                    "0".to_string()
                } else {
                    format!("{tick:+}")
                },
            })
            .collect(),
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::nice_step;

    #[test]
    fn labels_are_escaped() {
        let chart = super::FunnelChart {
            frame: super::Frame::new(10.0, "<a & \"b\">", "it's"),
            left: 0.0,
            bar_height: 1.0,
            grid_bottom: 1.0,
            ticks: Vec::new(),
            stages: Vec::new(),
        };
        let svg = super::draw(&chart);
        assert!(
            svg.contains("<title id=\"t-")
                && svg.contains(">&#60;a &#38; &#34;b&#34;&#62;</title>"),
            "{svg}"
        );
        assert!(
            svg.contains("<desc id=\"d-") && svg.contains(">it&#39;s</desc>"),
            "{svg}"
        );
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
