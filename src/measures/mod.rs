//! Validated well-being questionnaires and their exact scoring, with their published
//! sources (docs/domain.md, "Measures and their scoring").
//!
//! A questionnaire with any item unanswered is kept as incomplete and never scored:
//! imputing a missing item would invent an outcome the person did not report.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Instrument {
    /// ONS personal well-being: four items 0-10.
    Ons4,
    /// Short Warwick-Edinburgh Mental Well-being Scale: seven items 1-5.
    Swemwbs,
    /// UCLA three-item loneliness scale: three items 1-3.
    Ucla3,
}

impl Instrument {
    pub const ALL: [Instrument; 3] = [Instrument::Ons4, Instrument::Swemwbs, Instrument::Ucla3];

    pub fn code(self) -> &'static str {
        match self {
            Instrument::Ons4 => "ons4",
            Instrument::Swemwbs => "swemwbs",
            Instrument::Ucla3 => "ucla3",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Instrument::Ons4 => "ONS4 personal well-being",
            Instrument::Swemwbs => "SWEMWBS mental well-being",
            Instrument::Ucla3 => "UCLA 3-item loneliness",
        }
    }

    pub fn item_count(self) -> usize {
        self.items().len()
    }

    /// Lowest and highest allowed answer for every item.
    pub fn item_range(self) -> (u8, u8) {
        match self {
            Instrument::Ons4 => (0, 10),
            Instrument::Swemwbs => (1, 5),
            Instrument::Ucla3 => (1, 3),
        }
    }

    /// The introduction read or shown to the person before the items, in the published
    /// words (sources in docs/domain.md): it sets the time frame and the scale.
    pub fn preamble(self) -> &'static str {
        match self {
            Instrument::Ons4 => "Next I would like to ask you four questions about your feelings on aspects of your life. There are no right or wrong answers. For each of these questions I\u{2019}d like you to give an answer on a scale of 0 to 10, where 0 is \u{2018}not at all\u{2019} and 10 is \u{2018}completely\u{2019}.",
            Instrument::Swemwbs => "Below are some statements about feelings and thoughts. Please tick the box that best describes your experience of each over the last 2 weeks.",
            Instrument::Ucla3 => "The next questions are about how you feel about different aspects of your life. For each one, tell me how often you feel that way.",
        }
    }

    /// The published words for an answer value, where the scale names it: every SWEMWBS
    /// and UCLA-3 answer, and ONS4's two ends (0 "not at all", 10 "completely").
    pub fn response_label(self, value: u8) -> Option<&'static str> {
        match (self, value) {
            (Instrument::Ons4, 0) => Some("Not at all"),
            (Instrument::Ons4, 10) => Some("Completely"),
            (Instrument::Swemwbs, 1) => Some("None of the time"),
            (Instrument::Swemwbs, 2) => Some("Rarely"),
            (Instrument::Swemwbs, 3) => Some("Some of the time"),
            (Instrument::Swemwbs, 4) => Some("Often"),
            (Instrument::Swemwbs, 5) => Some("All of the time"),
            (Instrument::Ucla3, 1) => Some("Hardly ever or never"),
            (Instrument::Ucla3, 2) => Some("Some of the time"),
            (Instrument::Ucla3, 3) => Some("Often"),
            _ => None,
        }
    }

    /// The item wording, in order.
    pub fn items(self) -> &'static [&'static str] {
        match self {
            Instrument::Ons4 => &[
                "Overall, how satisfied are you with your life nowadays?",
                "Overall, to what extent do you feel that the things you do in your life are worthwhile?",
                "Overall, how happy did you feel yesterday?",
                "On a scale where 0 is not at all anxious and 10 is completely anxious, overall, how anxious did you feel yesterday?",
            ],
            Instrument::Swemwbs => &[
                "I've been feeling optimistic about the future",
                "I've been feeling useful",
                "I've been feeling relaxed",
                "I've been dealing with problems well",
                "I've been thinking clearly",
                "I've been feeling close to other people",
                "I've been able to make up my own mind about things",
            ],
            Instrument::Ucla3 => &[
                "How often do you feel that you lack companionship?",
                "How often do you feel left out?",
                "How often do you feel isolated from others?",
            ],
        }
    }
}

/// SWEMWBS raw score (7..=35) to Rasch-converted metric score, as published by Warwick
/// Medical School (Stewart-Brown et al. 2009), indexed by `raw - 7`.
pub const SWEMWBS_METRIC: [f64; 29] = [
    7.00, 9.51, 11.25, 12.40, 13.33, 14.08, 14.75, 15.32, 15.84, 16.36, 16.88, 17.43, 17.98, 18.59,
    19.25, 19.98, 20.73, 21.54, 22.35, 23.21, 24.11, 25.03, 26.02, 27.03, 28.13, 29.31, 30.70,
    32.55, 35.00,
];

/// A change in SWEMWBS metric score of at least this much is a meaningful improvement.
pub const SWEMWBS_MEANINGFUL_CHANGE: f64 = 3.0;

/// Converts a SWEMWBS raw total to its metric score.
pub fn swemwbs_metric(raw: u8) -> Option<f64> {
    raw.checked_sub(7)
        .and_then(|i| SWEMWBS_METRIC.get(i as usize))
        .copied()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Ons4Band {
    Low,
    Medium,
    High,
    VeryHigh,
}

/// ONS bands for life satisfaction, worthwhile and happiness: 0-4 low, 5-6 medium,
/// 7-8 high, 9-10 very high.
pub fn ons4_positive_band(score: u8) -> Ons4Band {
    match score {
        0..=4 => Ons4Band::Low,
        5..=6 => Ons4Band::Medium,
        7..=8 => Ons4Band::High,
        _ => Ons4Band::VeryHigh,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnxietyBand {
    VeryLow,
    Low,
    Medium,
    High,
}

/// ONS anxiety bands (lower is better): 0-1 very low, 2-3 low, 4-5 medium, 6-10 high.
pub fn ons4_anxiety_band(score: u8) -> AnxietyBand {
    match score {
        0..=1 => AnxietyBand::VeryLow,
        2..=3 => AnxietyBand::Low,
        4..=5 => AnxietyBand::Medium,
        _ => AnxietyBand::High,
    }
}

/// The result of scoring one completed questionnaire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "instrument", rename_all = "snake_case")]
pub enum Score {
    Ons4 {
        life_satisfaction: u8,
        worthwhile: u8,
        happiness: u8,
        anxiety: u8,
        life_satisfaction_band: Ons4Band,
        worthwhile_band: Ons4Band,
        happiness_band: Ons4Band,
        anxiety_band: AnxietyBand,
    },
    Swemwbs {
        raw: u8,
        metric: f64,
    },
    Ucla3 {
        total: u8,
    },
}

impl Score {
    /// The stored total: SWEMWBS raw score, UCLA-3 total. ONS4 items are reported one by
    /// one (adding anxiety to the positive items would mean nothing), so it has none.
    pub fn total(&self) -> Option<i32> {
        match self {
            Score::Ons4 { .. } => None,
            Score::Swemwbs { raw, .. } => Some(*raw as i32),
            Score::Ucla3 { total } => Some(*total as i32),
        }
    }

    /// The SWEMWBS metric (Rasch-converted) score, the one to compare over time.
    pub fn metric(&self) -> Option<f64> {
        match self {
            Score::Swemwbs { metric, .. } => Some(*metric),
            _ => None,
        }
    }

    pub fn summary(&self) -> String {
        match self {
            Score::Ons4 {
                life_satisfaction,
                worthwhile,
                happiness,
                anxiety,
                ..
            } => format!(
                "life satisfaction {life_satisfaction}, worthwhile {worthwhile}, happy {happiness}, anxious {anxiety}"
            ),
            Score::Swemwbs { raw, metric } => format!("metric {metric:.2} (raw {raw})"),
            Score::Ucla3 { total } => format!("{total} of 9"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("{instrument} has {expected} items but {given} answers were given")]
    WrongCount {
        instrument: &'static str,
        expected: usize,
        given: usize,
    },
    #[error("item {item} of {instrument} must be between {min} and {max}, not {value}")]
    OutOfRange {
        instrument: &'static str,
        item: usize,
        min: u8,
        max: u8,
        value: i64,
    },
}

/// Answers that have been checked against the instrument: right count, every given
/// answer in range. Missing answers (`None`) are allowed and make the result incomplete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answers {
    instrument: Instrument,
    items: Vec<Option<u8>>,
}

impl Answers {
    pub fn parse(instrument: Instrument, items: &[Option<i64>]) -> Result<Self, AnswerError> {
        if items.len() != instrument.item_count() {
            return Err(AnswerError::WrongCount {
                instrument: instrument.code(),
                expected: instrument.item_count(),
                given: items.len(),
            });
        }
        let (min, max) = instrument.item_range();
        let items = items
            .iter()
            .enumerate()
            .map(|(i, value)| match value {
                None => Ok(None),
                Some(v) if (min as i64..=max as i64).contains(v) => Ok(Some(*v as u8)),
                Some(v) => Err(AnswerError::OutOfRange {
                    instrument: instrument.code(),
                    item: i + 1,
                    min,
                    max,
                    value: *v,
                }),
            })
            .collect::<Result<_, _>>()?;
        Ok(Answers { instrument, items })
    }

    pub fn instrument(&self) -> Instrument {
        self.instrument
    }

    pub fn items(&self) -> &[Option<u8>] {
        &self.items
    }

    pub fn is_complete(&self) -> bool {
        self.items.iter().all(Option::is_some)
    }

    /// The exact score, or `None` for an incomplete questionnaire.
    pub fn score(&self) -> Option<Score> {
        let items: Vec<u8> = self.items.iter().copied().collect::<Option<_>>()?;
        Some(match self.instrument {
            Instrument::Ons4 => Score::Ons4 {
                life_satisfaction: items[0],
                worthwhile: items[1],
                happiness: items[2],
                anxiety: items[3],
                life_satisfaction_band: ons4_positive_band(items[0]),
                worthwhile_band: ons4_positive_band(items[1]),
                happiness_band: ons4_positive_band(items[2]),
                anxiety_band: ons4_anxiety_band(items[3]),
            },
            Instrument::Swemwbs => {
                let raw: u8 = items.iter().sum();
                Score::Swemwbs {
                    raw,
                    metric: swemwbs_metric(raw)?,
                }
            }
            Instrument::Ucla3 => Score::Ucla3 {
                total: items.iter().sum(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(instrument: Instrument, items: &[i64]) -> Answers {
        let items: Vec<Option<i64>> = items.iter().map(|v| Some(*v)).collect();
        Answers::parse(instrument, &items).unwrap()
    }

    #[test]
    fn every_answer_of_swemwbs_and_ucla3_has_its_published_words_and_ons4_its_ends() {
        for i in [Instrument::Swemwbs, Instrument::Ucla3] {
            let (min, max) = i.item_range();
            assert!((min..=max).all(|v| i.response_label(v).is_some()), "{i:?}");
            assert_eq!(i.response_label(max + 1), None);
        }
        assert_eq!(
            Instrument::Swemwbs.response_label(1),
            Some("None of the time")
        );
        assert_eq!(
            Instrument::Swemwbs.response_label(5),
            Some("All of the time")
        );
        assert_eq!(
            Instrument::Ucla3.response_label(1),
            Some("Hardly ever or never")
        );
        assert_eq!(Instrument::Ons4.response_label(0), Some("Not at all"));
        assert_eq!(Instrument::Ons4.response_label(10), Some("Completely"));
        assert_eq!(Instrument::Ons4.response_label(5), None);
        assert!(Instrument::Swemwbs
            .preamble()
            .contains("over the last 2 weeks"));
    }

    #[test]
    fn swemwbs_conversion_matches_the_published_table() {
        // Raw score -> metric score, transcribed from the SWEMWBS conversion table published
        // by Warwick Medical School (Stewart-Brown et al. 2009), every row.
        let published: [(u8, f64); 29] = [
            (7, 7.00),
            (8, 9.51),
            (9, 11.25),
            (10, 12.40),
            (11, 13.33),
            (12, 14.08),
            (13, 14.75),
            (14, 15.32),
            (15, 15.84),
            (16, 16.36),
            (17, 16.88),
            (18, 17.43),
            (19, 17.98),
            (20, 18.59),
            (21, 19.25),
            (22, 19.98),
            (23, 20.73),
            (24, 21.54),
            (25, 22.35),
            (26, 23.21),
            (27, 24.11),
            (28, 25.03),
            (29, 26.02),
            (30, 27.03),
            (31, 28.13),
            (32, 29.31),
            (33, 30.70),
            (34, 32.55),
            (35, 35.00),
        ];
        for (raw, metric) in published {
            assert_eq!(swemwbs_metric(raw), Some(metric), "raw {raw}");
        }
        assert_eq!(swemwbs_metric(6), None);
        assert_eq!(swemwbs_metric(36), None);
    }

    #[test]
    fn swemwbs_scores_a_full_questionnaire() {
        let a = answers(Instrument::Swemwbs, &[3, 3, 3, 3, 3, 3, 3]);
        assert_eq!(
            a.score(),
            Some(Score::Swemwbs {
                raw: 21,
                metric: 19.25
            })
        );
    }

    #[test]
    fn ons4_bands_follow_the_ons_thresholds() {
        let expect = [
            (0, Ons4Band::Low),
            (4, Ons4Band::Low),
            (5, Ons4Band::Medium),
            (6, Ons4Band::Medium),
            (7, Ons4Band::High),
            (8, Ons4Band::High),
            (9, Ons4Band::VeryHigh),
            (10, Ons4Band::VeryHigh),
        ];
        for (score, band) in expect {
            assert_eq!(ons4_positive_band(score), band, "{score}");
        }
        let anxiety = [
            (0, AnxietyBand::VeryLow),
            (1, AnxietyBand::VeryLow),
            (2, AnxietyBand::Low),
            (3, AnxietyBand::Low),
            (4, AnxietyBand::Medium),
            (5, AnxietyBand::Medium),
            (6, AnxietyBand::High),
            (10, AnxietyBand::High),
        ];
        for (score, band) in anxiety {
            assert_eq!(ons4_anxiety_band(score), band, "{score}");
        }
    }

    #[test]
    fn ucla3_totals_items() {
        assert_eq!(
            answers(Instrument::Ucla3, &[1, 2, 3]).score(),
            Some(Score::Ucla3 { total: 6 })
        );
    }

    #[test]
    fn incomplete_questionnaires_are_never_scored() {
        let a = Answers::parse(Instrument::Ucla3, &[Some(1), None, Some(3)]).unwrap();
        assert!(!a.is_complete());
        assert_eq!(a.score(), None);
    }

    #[test]
    fn out_of_range_and_wrong_count_are_refused() {
        assert!(matches!(
            Answers::parse(Instrument::Swemwbs, &[Some(0); 7]),
            Err(AnswerError::OutOfRange { item: 1, .. })
        ));
        assert!(matches!(
            Answers::parse(Instrument::Ons4, &[Some(5); 3]),
            Err(AnswerError::WrongCount {
                expected: 4,
                given: 3,
                ..
            })
        ));
        assert!(Answers::parse(Instrument::Ons4, &[Some(11), Some(1), Some(1), Some(1)]).is_err());
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Arbitrary answers never panic; accepted ones are in range, scored only when complete.
        #[test]
        fn answers_are_checked_and_scored_safely(
            instrument in prop::sample::select(Instrument::ALL.to_vec()),
            items in prop::collection::vec(prop::option::of(-5i64..15), 0..9),
        ) {
            match Answers::parse(instrument, &items) {
                Ok(answers) => {
                    let (min, max) = instrument.item_range();
                    prop_assert!(answers.items().iter().flatten().all(|v| (min..=max).contains(v)));
                    prop_assert_eq!(answers.score().is_some(), answers.is_complete());
                }
                Err(_) => prop_assert!(
                    items.len() != instrument.item_count()
                        || items.iter().flatten().any(|v| *v < instrument.item_range().0 as i64 || *v > instrument.item_range().1 as i64)
                ),
            }
        }
    }
}
