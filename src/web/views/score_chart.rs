//! Well-being scores charted over an episode: each reading on its questionnaire's full scale.

use chrono::NaiveDate;

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
pub(super) fn score_series(
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
pub(super) fn score_charts(measures: &[crate::referrals::Measure]) -> Vec<ScoreSeries> {
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
            "SWEMWBS mental well-being (7 to 35)",
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
