//! Plain-English headlines for commissioners, written only from figures the report shows
//! (already through disclosure control), so a headline can never reveal a hidden number.

use super::facts::Stage;
use super::report::{self, EquityReport};
use super::tally::{Dimension, Tallies};

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

/// The headlines, from unrounded figures that the report shows (each is None when the
/// figure is hidden or too small to rest on), rounded once as they are written.
pub fn write(report: &EquityReport, tallies: &Tallies, years: f64) -> Vec<String> {
    let mut lines = Vec::new();
    let quintile = |q: usize| tallies.group(Dimension::ImdQuintile, q);
    let all = tallies.group(Dimension::Overall, 0);

    // Rates compare groups age-standardised when the register gives ages.
    let standardised = tallies.has_register;
    let rates = report::referral_rate_inequality(tallies, years, standardised);
    let kind = if standardised {
        "age-standardised"
    } else {
        "crude (not age-standardised: no ages for imported lists)"
    };
    if let (Some(ratio), Some(sii)) = (rates.ratio(), rates.inequality.map(|i| i.sii)) {
        let direction = if sii.value >= 0.0 { "higher" } else { "lower" };
        lines.push(format!(
            "People in the most deprived fifth of areas are referred {} people in the least deprived \
fifth ({kind} rates); across the deprivation scale, referral rates are {:.1} per 1,000 people a year \
{direction} at the most deprived end than at the least deprived (slope index of inequality, 95% CI {:.1} \
to {:.1}).",
            times_as(ratio),
            sii.value.abs(),
            sii.lower,
            sii.upper
        ));
    }

    if let (Some(population), Some(referrals), Some(ratio)) =
        report::representation_exact(tallies.group(Dimension::Core20, 0), all, true)
    {
        lines.push(format!(
            "Core20 areas (the most deprived fifth nationally) hold {:.0}% of the registered population \
and send {:.0}% of referrals (representation ratio {ratio:.2}, from crude counts).",
            100.0 * population,
            100.0 * referrals,
        ));
    }
    let attended = report::stage_percent(quintile(0), Stage::Attended)
        .zip(report::stage_percent(quintile(4), Stage::Attended))
        .filter(|(_, least)| least.value > 0.0);
    if let Some((most, least)) = attended {
        lines.push(format!(
            "Referrals from the most deprived fifth lead to a first session {} those from the least \
deprived fifth ({:.0}% against {:.0}%).",
            times_as(most.value / least.value),
            most.value,
            least.value
        ));
    }

    if let (Some(most), Some(least)) = (
        report::median_contact_days(quintile(0)),
        report::median_contact_days(quintile(4)),
    ) {
        lines.push(format!(
            "Half of people from the most deprived fifth were first reached within {most:.0} days of \
referral, against {least:.0} days in the least deprived fifth."
        ));
    }

    if let (Some(most), Some(least)) = (
        report::mean_change(quintile(0), 0),
        report::mean_change(quintile(4), 0),
    ) {
        lines.push(format!(
            "Mental well-being (SWEMWBS) rose by {:.1} points on average in the most deprived fifth \
(95% CI {:.1} to {:.1}) and by {:.1} in the least deprived ({:.1} to {:.1}).",
            most.value, most.lower, most.upper, least.value, least.lower, least.upper
        ));
    }

    let ethnicity = report.breakdown(Dimension::Ethnicity);
    // A headline needs at least 10 referrals behind it (PHE's threshold for a reliable rate).
    let least_represented = (0..crate::people::Ethnicity::ALL.len())
        .filter_map(|i| {
            let t = tallies.group(Dimension::Ethnicity, i);
            if t.referrals.n < 10 {
                return None;
            }
            let (_, _, ratio) = report::representation_exact(t, all, tallies.has_register);
            ratio.map(|r| (i, r))
        })
        .min_by(|a, b| a.1.total_cmp(&b.1));
    if let Some((i, ratio)) = least_represented.filter(|(_, r)| *r < 0.9) {
        if let Some(group) = ethnicity.and_then(|b| b.groups.get(i)) {
            lines.push(format!(
                "People recorded as \"{}\" are referred {} their share of the registered population would suggest.",
                group.label,
                times_as(ratio)
            ));
        }
    }

    let common_barrier = (0..crate::referrals::Barrier::ALL.len())
        .filter_map(|b| {
            let t = quintile(0);
            report::percent(t.barriers[b], t.referrals).map(|p| (b, p.value))
        })
        .max_by(|a, b| a.1.total_cmp(&b.1));
    if let Some((b, percent)) = common_barrier {
        lines.push(format!(
            "The barrier most often met in the most deprived fifth is \"{}\" ({percent:.0}% of referrals).",
            crate::referrals::Barrier::ALL[b].label().to_lowercase()
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
