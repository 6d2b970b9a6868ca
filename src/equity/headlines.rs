//! Plain-English headlines for commissioners, written only from figures the report shows
//! (already through disclosure control), so a headline can never reveal a hidden number.

use super::facts::Stage;
use super::report::EquityReport;
use super::tally::Dimension;

/// "1.4 times as often", "half as often", "about as often".
fn times_as(ratio: f64) -> String {
    if (0.95..=1.05).contains(&ratio) {
        "about as often as".to_string()
    } else if (0.45..0.55).contains(&ratio) {
        "half as often as".to_string()
    } else {
        format!("{ratio:.1} times as often as")
    }
}

pub fn write(report: &EquityReport) -> Vec<String> {
    let mut lines = Vec::new();
    let quintiles = report.breakdown(Dimension::ImdQuintile);
    let q = |code: &str| quintiles.and_then(|b| b.group(code));

    if let (Some(ratio), Some(referrals), Some(population)) = (
        report.core20.ratio,
        report.core20.referral_share_percent,
        report.core20.population_share_percent,
    ) {
        let mut line = format!(
            "People in the most deprived fifth of areas nationally (Core20) are referred {} their \
share of the registered population ({referrals:.0}% of referrals, {population:.0}% of people)",
            times_as(ratio)
        );
        let attended = q("1")
            .zip(q("5"))
            .and_then(|(most, least)| {
                most.stage(Stage::Attended)
                    .percent
                    .zip(least.stage(Stage::Attended).percent)
            })
            .filter(|(_, least)| least.value > 0.0);
        match attended {
            Some((most, least)) => line.push_str(&format!(
                ", but attend a first session {} people from the least deprived fifth ({:.0}% of \
referrals against {:.0}%).",
                times_as(most.value / least.value),
                most.value,
                least.value
            )),
            None => line.push('.'),
        }
        lines.push(line);
    }

    if let Some(sii) = report.inequality_of("referral_rate").and_then(|r| r.sii) {
        let direction = if sii.value >= 0.0 { "higher" } else { "lower" };
        lines.push(format!(
            "Referral rates are {:.1} per 1,000 people a year {direction} at the most deprived end than \
at the least deprived (slope index of inequality, 95% CI {:.1} to {:.1}).",
            sii.value.abs(),
            sii.lower,
            sii.upper
        ));
    }

    let median_days = |code: &str| q(code).and_then(|g| g.first_contact.median_days);
    if let (Some(most), Some(least)) = (median_days("1"), median_days("5")) {
        lines.push(format!(
            "Half of people from the most deprived fifth were first reached within {most:.0} days of \
referral, against {least:.0} days in the least deprived fifth."
        ));
    }

    let swemwbs = |code: &str| q(code).and_then(|g| g.outcomes[0].mean_change);
    if let (Some(most), Some(least)) = (swemwbs("1"), swemwbs("5")) {
        lines.push(format!(
            "Mental well-being (SWEMWBS) rose by {:.1} points on average in the most deprived fifth \
(95% CI {:.1} to {:.1}) and by {:.1} in the least deprived ({:.1} to {:.1}).",
            most.value, most.lower, most.upper, least.value, least.lower, least.upper
        ));
    }

    let least_represented = report
        .breakdown(Dimension::Ethnicity)
        .into_iter()
        .flat_map(|b| &b.groups)
        .filter_map(|g| g.representation.ratio.map(|r| (g, r)))
        .min_by(|a, b| a.1.total_cmp(&b.1));
    if let Some((group, ratio)) = least_represented.filter(|(_, r)| *r < 0.9) {
        lines.push(format!(
            "People recorded as \"{}\" are referred {} their share of the registered population would suggest.",
            group.label,
            times_as(ratio)
        ));
    }

    let common_barrier = q("1").and_then(|g| {
        g.barriers
            .iter()
            .filter_map(|b| b.percent.map(|p| (b, p.value)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
    });
    if let Some((barrier, percent)) = common_barrier {
        lines.push(format!(
            "The barrier most often met in the most deprived fifth is \"{}\" ({percent:.0}% of referrals).",
            barrier.label.to_lowercase()
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::times_as;

    #[test]
    fn ratios_read_as_words() {
        assert_eq!(times_as(1.42), "1.4 times as often as");
        assert_eq!(times_as(0.5), "half as often as");
        assert_eq!(times_as(1.01), "about as often as");
        assert_eq!(times_as(0.31), "0.3 times as often as");
    }
}
