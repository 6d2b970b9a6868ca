//! The three questionnaires at baseline and follow-up: well-being (SWEMWBS) and the ONS4
//! items lower in deprived areas, loneliness (UCLA-3) higher for older people, and all of
//! them better at follow-up, more so for people who attended a connection.

use super::History;
use crate::demo::generate::batch::Batch;
use crate::measures::{Answers, Instrument};
use crate::referrals::MeasureTiming;
use crate::store::bulk::rows::MeasureRow;
use chrono::NaiveDate;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// The levels a person's answers are drawn around at baseline.
pub(super) struct Levels {
    /// Mean SWEMWBS item (1-5).
    swemwbs_item: f64,
    /// Mean UCLA-3 item (1-3).
    loneliness: f64,
    /// Mean of the ONS4 items 1-3 (satisfied, worthwhile, happy; 0-10).
    wellbeing: f64,
    /// The ONS4 item 4 (anxious yesterday; 0-10).
    anxiety: f64,
}

/// The baseline questionnaires, taken at the "what matters" conversation.
pub(super) fn baseline(r: &History, rng: &mut ChaCha8Rng, t: &mut Batch) -> Levels {
    let p = r.person;
    let swemwbs_item = 2.35 + 0.06 * p.decile as f64;
    let swemwbs = answers(rng, Instrument::Swemwbs, swemwbs_item, 0.8, true);
    push_measure(t, r, &swemwbs, MeasureTiming::Baseline);
    let loneliness = 1.6 + if p.age >= 65 { 0.5 } else { 0.0 } + 0.05 * (10 - p.decile) as f64;
    let ucla = answers(rng, Instrument::Ucla3, loneliness, 0.6, true);
    push_measure(t, r, &ucla, MeasureTiming::Baseline);
    // ONS4: the first three items (satisfied, worthwhile, happy) are higher-is-better,
    // the fourth (anxious yesterday) lower-is-better, and more anxious in deprived areas.
    let (wellbeing, anxiety) = (5.0 + 0.15 * p.decile as f64, 6.3 - 0.2 * p.decile as f64);
    let ons = ons4_answers(rng, wellbeing, anxiety);
    push_measure(t, r, &ons, MeasureTiming::Baseline);
    Levels {
        swemwbs_item,
        loneliness,
        wellbeing,
        anxiety,
    }
}

/// The follow-up questionnaires at the review: improved on the baseline levels.
pub(super) fn follow_up(
    r: &History,
    rng: &mut ChaCha8Rng,
    t: &mut Batch,
    levels: &Levels,
    attended_any: bool,
) {
    let gain = 0.25 + if attended_any { 0.3 } else { 0.0 };
    let follow = answers(
        rng,
        Instrument::Swemwbs,
        levels.swemwbs_item + gain,
        0.8,
        true,
    );
    push_measure(t, r, &follow, MeasureTiming::FollowUp);
    let ucla_follow = answers(
        rng,
        Instrument::Ucla3,
        levels.loneliness - if attended_any { 0.35 } else { 0.1 },
        0.6,
        true,
    );
    push_measure(t, r, &ucla_follow, MeasureTiming::FollowUp);
    // Improvement: well-being items rise, anxiety falls.
    let ons_follow = ons4_answers(
        rng,
        levels.wellbeing + gain * 2.0,
        levels.anxiety - gain * 2.0,
    );
    push_measure(t, r, &ons_follow, MeasureTiming::FollowUp);
}

/// Item answers drawn around a mean, clamped to the instrument's range; 5% leave one blank.
fn answers(
    rng: &mut ChaCha8Rng,
    instrument: Instrument,
    mean: f64,
    spread: f64,
    may_skip: bool,
) -> Answers {
    let (min, max) = instrument.item_range();
    let skip = if may_skip && rng.gen_bool(0.05) {
        Some(rng.gen_range(0..instrument.item_count()))
    } else {
        None
    };
    let items: Vec<Option<i64>> = (0..instrument.item_count())
        .map(|i| {
            if Some(i) == skip {
                return None;
            }
            let noise: f64 = (0..3).map(|_| rng.gen::<f64>() - 0.5).sum::<f64>() * spread * 2.0;
            Some((mean + noise).round().clamp(min as f64, max as f64) as i64)
        })
        .collect();
    Answers::parse(instrument, &items).expect("generated answers are in range")
}

/// ONS4 answers: items 1-3 drawn around `wellbeing`, item 4 (anxiety) around `anxiety`,
/// clamped to 0-10; 5% leave one blank.
fn ons4_answers(rng: &mut ChaCha8Rng, wellbeing: f64, anxiety: f64) -> Answers {
    let skip = if rng.gen_bool(0.05) {
        Some(rng.gen_range(0..4))
    } else {
        None
    };
    let items: Vec<Option<i64>> = (0..4)
        .map(|i| {
            if Some(i) == skip {
                return None;
            }
            let mean = if i == 3 { anxiety } else { wellbeing };
            let noise: f64 = (0..3).map(|_| rng.gen::<f64>() - 0.5).sum::<f64>() * 4.0;
            Some((mean + noise).round().clamp(0.0, 10.0) as i64)
        })
        .collect();
    Answers::parse(Instrument::Ons4, &items).expect("generated answers are in range")
}

/// The questionnaire as taken on the history's day by its link worker.
fn push_measure(t: &mut Batch, r: &History, a: &Answers, timing: MeasureTiming) {
    let day: NaiveDate = r.day;
    let score = a.score();
    t.measures.push(MeasureRow {
        referral_id: r.id,
        instrument: a.instrument().code(),
        timing: timing.code(),
        taken_on: day,
        answers: serde_json::to_string(a.items()).unwrap_or_default(),
        complete: a.is_complete(),
        total: score.as_ref().and_then(|s| s.total()),
        metric_score: score.as_ref().and_then(|s| s.metric()),
        recorded_by: r.worker,
    });
}
