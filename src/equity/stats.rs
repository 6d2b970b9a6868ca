//! Confidence intervals and inequality statistics as Public Health England / OHID Fingertips
//! publish them, written from the published formulas (PHE "Technical Guide: Confidence
//! Intervals" and the PHEindicatormethods slope-index method). Special functions follow
//! Wichura (AS241), Lanczos and Numerical Recipes; tests pin them to scipy reference values.

use std::sync::OnceLock;

/// Standard normal quantile at 0.975, the multiplier of every 95% interval here.
const Z95: f64 = 1.959963984540054;

/// A point estimate with its 95% confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Estimate {
    pub value: f64,
    pub lower: f64,
    pub upper: f64,
}

fn estimate(value: f64, lower: f64, upper: f64) -> Estimate {
    Estimate {
        value,
        lower,
        upper,
    }
}

/// Wilson score interval for a proportion k/n in the form PHE publishes it, as a proportion 0..1.
/// None when n == 0 or k > n.
pub fn wilson(k: u64, n: u64) -> Option<Estimate> {
    if n == 0 || k > n {
        return None;
    }
    let (k, n) = (k as f64, n as f64);
    let (p, z2) = (k / n, Z95 * Z95);
    let root = Z95 * (z2 + 4.0 * k * (1.0 - p)).sqrt();
    let denom = 2.0 * (n + z2);
    Some(estimate(
        p,
        (2.0 * k + z2 - root) / denom,
        (2.0 * k + z2 + root) / denom,
    ))
}

/// Rate of `events` per `person_years`, scaled by `per`. PHE uses Byars' approximation for 10 or
/// more events and the exact Poisson limits (via chi-square quantiles) below 10.
/// None when person_years <= 0 (or NaN).
pub fn poisson_rate(events: u64, person_years: f64, per: f64) -> Option<Estimate> {
    if person_years.is_nan() || person_years <= 0.0 {
        return None;
    }
    let o = events as f64;
    let (lower, upper) = if events >= 10 {
        let o1 = o + 1.0;
        let lo = o * (1.0 - 1.0 / (9.0 * o) - Z95 / (3.0 * o.sqrt())).powi(3);
        let hi = o1 * (1.0 - 1.0 / (9.0 * o1) + Z95 / (3.0 * o1.sqrt())).powi(3);
        (lo, hi)
    } else {
        let lo = if events == 0 {
            0.0
        } else {
            chi2_quantile(0.025, 2.0 * o) / 2.0
        };
        (lo, chi2_quantile(0.975, 2.0 * o + 2.0) / 2.0)
    };
    let scale = per / person_years;
    Some(estimate(o * scale, lower * scale, upper * scale))
}

/// The 2013 European Standard Population, five-year bands 0-4 to 85-89 and 90+
/// (data/esp2013.csv, Eurostat).
pub const ESP2013: [f64; 19] = [
    5000.0, 5500.0, 5500.0, 5500.0, 6000.0, 6000.0, 6500.0, 7000.0, 7000.0, 7000.0, 7000.0, 6500.0,
    6000.0, 5500.0, 5000.0, 4000.0, 2500.0, 1500.0, 1000.0,
];

/// Byars' 95% limits for a Poisson count `o` (as PHEindicatormethods `byars_lower` and
/// `byars_upper`).
fn byars(o: f64) -> (f64, f64) {
    let o1 = o + 1.0;
    (
        o * (1.0 - 1.0 / (9.0 * o) - Z95 / (3.0 * o.sqrt())).powi(3),
        o1 * (1.0 - 1.0 / (9.0 * o1) + Z95 / (3.0 * o1.sqrt())).powi(3),
    )
}

/// Directly standardised rate per `per`, with Dobson's 95% interval, as PHEindicatormethods
/// `phe_dsr`: Σ wᵢ Oᵢ / nᵢ / Σ w, variance Σ wᵢ² Oᵢ / nᵢ² / (Σ w)², and limits
/// DSR + √(var / O) (Byars(O) - O). Events may be fractional (perturbed counts). None when
/// the total is under 10 (PHE: not reliable) or any band has no population.
pub fn dsr(events: &[f64], population: &[f64], standard: &[f64], per: f64) -> Option<Estimate> {
    if events.len() != population.len() || events.len() != standard.len() {
        return None;
    }
    let total: f64 = events.iter().sum();
    // Written so a NaN fails too.
    let enough = total >= 10.0 && population.iter().all(|&n| n > 0.0);
    if !enough {
        return None;
    }
    let weight: f64 = standard.iter().sum();
    let (mut rate, mut variance) = (0.0, 0.0);
    for ((&o, &n), &w) in events.iter().zip(population).zip(standard) {
        rate += w * o / n;
        variance += w * w * o / (n * n);
    }
    let (rate, variance) = (rate / weight, variance / (weight * weight));
    let (lower, upper) = byars(total);
    let spread = (variance / total).sqrt();
    Some(estimate(
        rate * per,
        (rate + spread * (lower - total)) * per,
        (rate + spread * (upper - total)) * per,
    ))
}

/// Running sums for a mean: n, sum, sum of squares (so callers can fold values without
/// storing them).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MeanAccumulator {
    pub n: u64,
    pub sum: f64,
    pub sum_squares: f64,
}

impl MeanAccumulator {
    pub fn add(&mut self, x: f64) {
        self.n = self.n.saturating_add(1);
        self.sum += x;
        self.sum_squares += x * x;
    }

    pub fn merge(&mut self, other: &MeanAccumulator) {
        self.n = self.n.saturating_add(other.n);
        self.sum += other.sum;
        self.sum_squares += other.sum_squares;
    }
}

/// Mean with a t-based interval: mean ± t(0.975, n-1) · s/√n, s the sample SD. None when n < 2.
/// A tiny negative variance from rounding in the running sums is treated as 0.
pub fn mean_t(acc: &MeanAccumulator) -> Option<Estimate> {
    if acc.n < 2 {
        return None;
    }
    let n = acc.n as f64;
    let mean = acc.sum / n;
    let var = (acc.sum_squares - acc.sum * mean) / (n - 1.0);
    let var = if var < 0.0 { 0.0 } else { var };
    let half = t_975(acc.n - 1) * (var / n).sqrt();
    Some(estimate(mean, mean - half, mean + half))
}

/// One quantile group (e.g. IMD quintile) for the slope and relative index of inequality;
/// slices of these are ordered most deprived first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuantileValue {
    pub population: f64,
    pub value: f64,
    pub standard_error: f64,
}

/// Slope and relative index of inequality with their 95% intervals.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Inequality {
    pub sii: Estimate,
    /// None when the least deprived end is not clearly above 0 (no bounded ratio).
    pub rii: Option<Estimate>,
}

/// SII and RII by population-weighted least squares of value on x, x the midpoint of each group's
/// cumulative population share with the most deprived group first (x = 0 most deprived), as
/// PHEindicatormethods `phe_sii` fits it (`lm(y√a ~ √a + x√a - 1)`, a the population share).
///
/// Direction: SII = fitted(x=0) - fitted(x=1), the most deprived end minus the least deprived
/// end, so positive means higher in more deprived areas; RII = fitted(x=0) / fitted(x=1), the
/// ratio of the fitted values at the two ends, above 1 meaning higher in more deprived areas.
/// This is `phe_sii` with `multiplier = -1` (which negates its SII and inverts its RII, whose
/// own x runs from the most deprived end).
///
/// Both fitted ends are fixed linear combinations of the group values, so with independent
/// normal group errors (PHE's `value_type = 0` simulation) they are jointly normal: the SII
/// interval is exact (the limit of PHE's simulation as the repetitions grow), and the RII
/// interval is Fieller's, which is exactly the limit of the simulated ratio's 2.5th and
/// 97.5th percentiles whenever the denominator is clearly positive. None if fewer than 2
/// groups or any population <= 0 or not finite; the RII is None when the least deprived end
/// is not clearly above 0 (the ratio then has no bounded interval).
pub fn inequality(groups: &[QuantileValue]) -> Option<Inequality> {
    let usable = |g: &QuantileValue| g.population.is_finite() && g.population > 0.0;
    if groups.len() < 2 || !groups.iter().all(usable) {
        return None;
    }
    let total: f64 = groups.iter().map(|g| g.population).sum();
    let mut cumulative = 0.0;
    // (share d_i, x_i) per group
    let dx: Vec<(f64, f64)> = groups
        .iter()
        .map(|g| {
            let x = (cumulative + g.population / 2.0) / total;
            cumulative += g.population;
            (g.population / total, x)
        })
        .collect();
    let x_bar: f64 = dx.iter().map(|(d, x)| d * x).sum();
    let sxx: f64 = dx.iter().map(|(d, x)| d * (x - x_bar).powi(2)).sum();
    // Fitted ends: most = a, least = a + b, with b = Σ d(x - x̄)y / Sxx and a = Σ d y - b x̄.
    let (mut most, mut least) = (0.0, 0.0);
    let (mut v_most, mut v_least, mut cov) = (0.0, 0.0, 0.0);
    for (g, (d, x)) in groups.iter().zip(&dx) {
        let slope_c = d * (x - x_bar) / sxx;
        let most_c = d - x_bar * slope_c;
        let least_c = most_c + slope_c;
        let se2 = g.standard_error * g.standard_error;
        most += most_c * g.value;
        least += least_c * g.value;
        v_most += most_c * most_c * se2;
        v_least += least_c * least_c * se2;
        cov += most_c * least_c * se2;
    }
    let sii = most - least;
    let var_sii = v_most + v_least - 2.0 * cov;
    let half = Z95 * var_sii.sqrt();
    let rii = fieller(most, least, v_most, v_least, cov);
    Some(Inequality {
        sii: estimate(sii, sii - half, sii + half),
        rii,
    })
}

/// Fieller's 95% interval for the ratio of two jointly normal estimates: the r solving
/// (μ₀ - rμ₁)² = z²(v₀ - 2r c + r² v₁). None unless the denominator is clearly positive.
fn fieller(top: f64, bottom: f64, v_top: f64, v_bottom: f64, cov: f64) -> Option<Estimate> {
    let z2 = Z95 * Z95;
    let a = bottom * bottom - z2 * v_bottom;
    if bottom <= 0.0 || a <= 0.0 || !a.is_finite() {
        return None;
    }
    let b = top * bottom - z2 * cov;
    let c = top * top - z2 * v_top;
    let root = (b * b - a * c).max(0.0).sqrt();
    Some(estimate(top / bottom, (b - root) / a, (b + root) / a))
}

/// Standard error implied by a 95% interval, (upper - lower) / (2 z); used to feed `inequality`.
pub fn standard_error(e: &Estimate) -> f64 {
    (e.upper - e.lower) / (2.0 * Z95)
}

/// Median from a histogram of whole-number values (counts[i] = how many equal i). For an even
/// total this is the average of the two middle values. None if the histogram is empty.
pub fn median_from_histogram(counts: &[u32]) -> Option<f64> {
    let total: u64 = counts.iter().map(|&c| u64::from(c)).sum();
    if total == 0 {
        return None;
    }
    let value_at = |rank: u64| {
        let mut seen = 0u64;
        counts.iter().position(|&c| {
            seen += u64::from(c);
            seen > rank
        })
    };
    let lo = value_at((total - 1) / 2)?;
    let hi = value_at(total / 2)?;
    Some((lo + hi) as f64 / 2.0)
}

/// Kaplan-Meier median from histograms of whole days: `events[d]` reached on day d,
/// `censored[d]` still waiting when last seen on day d (counted at risk on day d, as the
/// usual convention has censoring just after events at the same time). The median is the
/// first day on which the survival estimate S(d) = Π (1 - events / at risk) is at most 1/2;
/// None if it never falls that far (fewer than half are known to have been reached).
pub fn kaplan_meier_median(events: &[u32], censored: &[u32]) -> Option<f64> {
    let mut at_risk: u64 = events.iter().chain(censored).map(|&c| u64::from(c)).sum();
    let mut survival = 1.0;
    for (day, (&e, &c)) in events.iter().zip(censored).enumerate() {
        if at_risk == 0 {
            break;
        }
        if e > 0 {
            survival *= 1.0 - f64::from(e) / at_risk as f64;
            if survival <= 0.5 + 1e-12 {
                return Some(day as f64);
            }
        }
        at_risk -= u64::from(e) + u64::from(c);
    }
    None
}

/// Evaluates a polynomial with coefficients in ascending order (Horner).
fn poly(coefficients: &[f64], x: f64) -> f64 {
    coefficients.iter().rev().fold(0.0, |acc, c| acc * x + c)
}

/// AS241 PPND16 coefficients (numerators a, c, e and denominators b, d, f, constant term first),
/// transcribed digit for digit from Wichura (1988) so they can be checked against the paper.
#[rustfmt::skip]
#[allow(clippy::excessive_precision)]
const AS241: [[f64; 8]; 6] = [
    [
        3.3871328727963666080e0, 1.3314166789178437745e2, 1.9715909503065514427e3,
        1.3731693765509461125e4, 4.5921953931549871457e4, 6.7265770927008700853e4,
        3.3430575583588128105e4, 2.5090809287301226727e3,
    ],
    [
        1.0, 4.2313330701600911252e1, 6.8718700749205790830e2,
        5.3941960214247511077e3, 2.1213794301586595867e4, 3.9307895800092710610e4,
        2.8729085735721942674e4, 5.2264952788528545610e3,
    ],
    [
        1.42343711074968357734e0, 4.63033784615654529590e0, 5.76949722146069140550e0,
        3.64784832476320460504e0, 1.27045825245236838258e0, 2.41780725177450611770e-1,
        2.27238449892691845833e-2, 7.74545014278341407640e-4,
    ],
    [
        1.0, 2.05319162663775882187e0, 1.67638483018380384940e0,
        6.89767334985100004550e-1, 1.48103976427480074590e-1, 1.51986665636164571966e-2,
        5.47593808499534494600e-4, 1.05075007164441684324e-9,
    ],
    [
        6.65790464350110377720e0, 5.46378491116411436990e0, 1.78482653991729133580e0,
        2.96560571828504891230e-1, 2.65321895265761230930e-2, 1.24266094738807843860e-3,
        2.71155556874348757815e-5, 2.01033439929228813265e-7,
    ],
    [
        1.0, 5.99832206555887937690e-1, 1.36929880922735805310e-1,
        1.48753612908506148525e-2, 7.86869131145613259100e-4, 1.84631831751005468180e-5,
        1.42151175831644588870e-7, 2.04426310338993978564e-15,
    ],
];

/// Standard normal quantile, Wichura (1988) AS241 PPND16, accurate to about 1e-16.
/// NaN outside (0, 1).
fn normal_quantile(p: f64) -> f64 {
    if !(p > 0.0 && p < 1.0) {
        return f64::NAN;
    }
    let [a, b, c, d, e, f] = &AS241;
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        return q * poly(a, r) / poly(b, r);
    }
    let r = (-(p.min(1.0 - p)).ln()).sqrt();
    let z = if r <= 5.0 {
        poly(c, r - 1.6) / poly(d, r - 1.6)
    } else {
        poly(e, r - 5.0) / poly(f, r - 5.0)
    };
    z.copysign(q)
}

/// Godfrey's Lanczos coefficients for g = 7, n = 9.
#[rustfmt::skip]
#[allow(clippy::excessive_precision)]
const LANCZOS: [f64; 9] = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028,
    771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/// ln Γ(x) for x > 0: Lanczos approximation (g = 7, n = 9), about 1e-15 relative.
fn ln_gamma(x: f64) -> f64 {
    if x < 0.5 {
        return ln_gamma(x + 1.0) - x.ln();
    }
    let x = x - 1.0;
    let a = LANCZOS[0] + (1..9).map(|i| LANCZOS[i] / (x + i as f64)).sum::<f64>();
    let t = x + 7.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

const EPS: f64 = 1e-16;
const TINY: f64 = 1e-300;
const MAX_ITER: usize = 1000;

/// Regularized lower incomplete gamma P(a, x): series for x < a + 1, else Lentz continued
/// fraction for Q (Numerical Recipes gser/gcf).
fn gamma_p(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    let front = (-x + a * x.ln() - ln_gamma(a)).exp();
    if x < a + 1.0 {
        let (mut ap, mut term) = (a, 1.0 / a);
        let mut sum = term;
        for _ in 0..MAX_ITER {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * EPS {
                break;
            }
        }
        return sum * front;
    }
    let mut b = x + 1.0 - a;
    let (mut c, mut d) = (1.0 / TINY, 1.0 / b);
    let mut h = d;
    for i in 1..MAX_ITER {
        let an = -(i as f64) * (i as f64 - a);
        b += 2.0;
        d = an * d + b;
        d = 1.0 / if d.abs() < TINY { TINY } else { d };
        c = b + an / c;
        c = if c.abs() < TINY { TINY } else { c };
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < EPS {
            break;
        }
    }
    1.0 - front * h
}

/// Finds the root of an increasing function `f` on [0, ∞) with f(root) = target: doubles an
/// upper bracket from 1, then bisects to relative width 1e-15. NaN if the target is never reached.
fn invert_increasing(f: impl Fn(f64) -> f64, target: f64) -> f64 {
    let (mut lo, mut hi) = (0.0, 1.0);
    let mut doublings = 0;
    while f(hi) < target {
        lo = hi;
        hi *= 2.0;
        doublings += 1;
        if doublings > 1100 {
            return f64::NAN;
        }
    }
    for _ in 0..400 {
        let mid = 0.5 * (lo + hi);
        if hi - lo <= 1e-15 * hi || mid <= lo || mid >= hi {
            break;
        }
        if f(mid) < target {
            lo = mid
        } else {
            hi = mid
        }
    }
    0.5 * (lo + hi)
}

/// Chi-square quantile for probability p and df degrees of freedom, by inverting P(df/2, x/2).
fn chi2_quantile(p: f64, df: f64) -> f64 {
    if !(p > 0.0 && p < 1.0 && df > 0.0) {
        return f64::NAN;
    }
    invert_increasing(|x| gamma_p(df / 2.0, x / 2.0), p)
}

/// Continued fraction for the incomplete beta function (Numerical Recipes betacf, Lentz).
fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    let clamp = |v: f64| if v.abs() < TINY { TINY } else { v };
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / clamp(1.0 - qab * x / qap);
    let mut h = d;
    for m in 1..MAX_ITER {
        let (m, m2) = (m as f64, 2.0 * m as f64);
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 / clamp(1.0 + aa * d);
        c = clamp(1.0 + aa / c);
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 / clamp(1.0 + aa * d);
        c = clamp(1.0 + aa / c);
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

/// Regularized incomplete beta I_x(a, b), with y = 1 - x passed separately to keep precision.
fn beta_inc(a: f64, b: f64, x: f64, y: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if y <= 0.0 {
        return 1.0;
    }
    let front = (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * y.ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_cf(a, b, x) / a
    } else {
        1.0 - front * beta_cf(b, a, y) / b
    }
}

/// Student t quantile. Inverts the upper tail 0.5·I_{ν/(ν+t²)}(ν/2, 1/2); above 1e5 degrees of
/// freedom (where ln Γ cancellation would cost accuracy) uses the Cornish-Fisher expansion
/// (Abramowitz & Stegun 26.7.5), whose truncation error there is far below 1e-9.
/// The upper-tail t quantile for a lower tail `tail` from the Cornish-Fisher expansion
/// about the normal (Abramowitz and Stegun 26.7.5); the omitted term is of order 1/df⁴.
fn cornish_fisher_upper(tail: f64, df: f64) -> f64 {
    let z = -normal_quantile(tail);
    let z2 = z * z;
    let g1 = (z2 + 1.0) * z / 4.0;
    let g2 = ((5.0 * z2 + 16.0) * z2 + 3.0) * z / 96.0;
    let g3 = (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / 384.0;
    z + g1 / df + g2 / (df * df) + g3 / (df * df * df)
}

/// Degrees of freedom up to which `t_975` keeps computed values.
const T_975_TABLE: usize = 1000;

/// t(0.975, df), the multiplier of every 95% interval for a mean. Inverting the t
/// distribution costs tens of microseconds and a report needs hundreds of intervals, so
/// small df are computed once; above the table the expansion is within 2e-12 at z = 1.96.
fn t_975(df: u64) -> f64 {
    static TABLE: OnceLock<Vec<f64>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        (0..=T_975_TABLE)
            .map(|df| t_quantile(0.975, df as f64))
            .collect()
    });
    match table.get(df as usize) {
        Some(&t) => t,
        None => cornish_fisher_upper(0.025, df as f64),
    }
}

fn t_quantile(p: f64, df: f64) -> f64 {
    if !(p > 0.0 && p < 1.0 && df > 0.0) {
        return f64::NAN;
    }
    if p == 0.5 {
        return 0.0;
    }
    let t = if df > 1e5 {
        cornish_fisher_upper(p.min(1.0 - p), df)
    } else {
        let tail = p.min(1.0 - p);
        // Minus the upper tail is increasing in t; working in the tail keeps small tails precise.
        let upper = |t: f64| 0.5 * beta_inc(df / 2.0, 0.5, df / (df + t * t), t * t / (df + t * t));
        invert_increasing(|t| -upper(t), -tail)
    };
    t.copysign(p - 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64, tol: f64) {
        let ok = (actual - expected).abs() <= tol * expected.abs().max(1.0);
        assert!(ok, "got {actual}, expected {expected} (tol {tol})");
    }

    fn check(actual: Option<Estimate>, [value, lower, upper]: [f64; 3], tol: f64) {
        let e = actual.expect("an estimate");
        close(e.value, value, tol);
        close(e.lower, lower, tol);
        close(e.upper, upper, tol);
    }

    #[test]
    fn normal_quantile_matches_scipy() {
        // python3 -c "from scipy.stats import norm; print(repr(norm.ppf(P)))"
        for (p, q) in [
            (1e-15, -7.941345326170998),
            (1e-10, -6.361340902404056),
            (0.001, -3.090232306167813),
            (0.025, -1.9599639845400545),
            (0.3, -0.5244005127080409),
            (0.5, 0.0),
            (0.999999, 4.753424308817087),
            (1.0 - 1e-12, 7.0344869100478356),
        ] {
            close(normal_quantile(p), q, 1e-9);
        }
        close(normal_quantile(0.975), Z95, 1e-15);
        assert!(normal_quantile(0.0).is_nan() && normal_quantile(f64::NAN).is_nan());
    }

    #[test]
    fn chi2_quantile_matches_scipy() {
        // python3 -c "from scipy.stats import chi2; print(repr(chi2.ppf(P, DF)))"
        for (df, p, q) in [
            (1.0, 0.025, 0.0009820691171752555),
            (1.0, 0.975, 5.023886187314888),
            (1.0, 0.999, 10.827566170662733),
            (2.0, 0.025, 0.05063561596857975),
            (5.0, 0.025, 0.8312116134866625),
            (5.0, 0.5, 4.351460191095526),
            (5.0, 0.999, 20.515005652432873),
            (30.0, 0.025, 16.79077226556663),
            (30.0, 0.975, 46.97924224367115),
            (200.0, 0.025, 162.72798250184627),
            (200.0, 0.999, 267.5405278227572),
        ] {
            let got = chi2_quantile(p, df);
            assert!((got - q).abs() <= 1e-9 * q, "df {df} p {p}: {got} vs {q}");
        }
        // By hand: chi2 with 2 df is exponential with mean 2, so the quantile is -2 ln(1 - p).
        close(chi2_quantile(0.975, 2.0), -2.0 * 0.025f64.ln(), 1e-9);
        assert!(chi2_quantile(1.0, 3.0).is_nan() && chi2_quantile(0.5, f64::NAN).is_nan());
    }

    #[test]
    fn t_quantile_matches_scipy() {
        // python3 -c "from scipy.stats import t; print(repr(t.ppf(P, DF)))"
        for (df, p, q) in [
            (1.0, 0.975, 12.706204736174694),
            (1.0, 0.999, 318.30883898555015),
            (2.0, 0.975, 4.302652729749462),
            (5.0, 0.025, -2.5705818356363155),
            (5.0, 0.999, 5.893429531356009),
            (30.0, 0.975, 2.0422724563012378),
            (30.0, 0.999, 3.3851848668293045),
            (200.0, 0.025, -1.9718962236339093),
            (200.0, 0.999, 3.131479814221121),
            (1e6, 0.975, 1.959966356814107),
            (1e6, 0.01, -2.3263516031208056),
            (1e9, 1e-12, -7.034483914083288),
            (7.0, 0.5, 0.0),
        ] {
            close(t_quantile(p, df), q, 1e-9);
        }
        // By hand: with 2 df, t = (2p - 1) sqrt(2 / (4p(1 - p))).
        let by_hand = 0.8 * (2.0f64 / (4.0 * 0.9 * 0.1)).sqrt();
        close(t_quantile(0.9, 2.0), by_hand, 1e-9);
    }

    #[test]
    fn the_remembered_t_multiplier_agrees_with_inversion() {
        for df in [1u64, 2, 30, 999, 1000, 1001, 5000, 99_999, 1_000_000] {
            close(t_975(df), t_quantile(0.975, df as f64), 1e-9);
        }
        // python3 -c "from scipy.stats import t; print(repr(t.ppf(0.975, 1500)))"
        close(t_975(1500), 1.9615467538950184, 1e-9);
        assert!(t_975(0).is_nan());
    }

    #[test]
    fn wilson_matches_reference_and_hand() {
        // python3 -c "from scipy.stats import norm;z=norm.ppf(.975);k,n=K,N;p=k/n;c=z*z;r=(c+4*k*(1-p))**.5;print(repr((2*k+c-z*r)/(2*(n+c))),repr((2*k+c+z*r)/(2*(n+c))))"
        for (k, n, lo, hi) in [
            (0, 10, 0.0, 0.2775327998628892),
            (10, 10, 0.7224672001371107, 1.0),
            (1, 3, 0.061491944720396235, 0.7923403991979523),
            (37, 120, 0.23272736988916295, 0.3958299772380067),
            (4567, 100000, 0.04439342312441007, 0.04698148133446964),
        ] {
            check(wilson(k, n), [k as f64 / n as f64, lo, hi], 1e-9);
        }
        // By hand: for k = 0 the upper limit is z²/(n + z²); for k = n the lower is n/(n + z²).
        let z2 = Z95 * Z95;
        check(wilson(0, 25), [0.0, 0.0, z2 / (25.0 + z2)], 1e-12);
        check(wilson(25, 25), [1.0, 25.0 / (25.0 + z2), 1.0], 1e-12);
        assert_eq!(wilson(3, 0), None);
        assert_eq!(wilson(4, 3), None);
    }

    #[test]
    fn poisson_exact_branch_below_ten() {
        // python3 -c "from scipy.stats import chi2;O,py=O_,2500.;print(O/py*1e3,chi2.ppf(.025,2*O)/2/py*1e3,chi2.ppf(.975,2*O+2)/2/py*1e3)"
        for (o, expected) in [
            (0, [0.0, 0.0, 1.475551781645574]),
            (1, [0.4, 0.01012712319371595, 2.228657356375559]),
            (5, [2.0, 0.6493945560473683, 4.667332831729068]),
            (9, [3.6, 1.6461492389513335, 6.833921380567666]),
        ] {
            check(poisson_rate(o, 2500.0, 1000.0), expected, 1e-9);
        }
        // By hand: for O = 0 the upper limit is -ln(0.025) events (chi2 with 2 df is exponential).
        check(
            poisson_rate(0, 1.0, 1.0),
            [0.0, 0.0, -(0.025f64.ln())],
            1e-9,
        );
    }

    #[test]
    fn poisson_byars_branch_from_ten() {
        // python3 -c "from scipy.stats import norm;import math;z=norm.ppf(.975);O,py=O_,2500.;print(O/py*1e3,O*(1-1/(9*O)-z/(3*math.sqrt(O)))**3/py*1e3,(O+1)*(1-1/(9*(O+1))+z/(3*math.sqrt(O+1)))**3/py*1e3)"
        for (o, expected) in [
            (10, [4.0, 1.914979965587025, 7.35658344230259]),
            (100, [40.0, 32.54484219621116, 48.6511750316826]),
            (1234, [493.6, 466.4405015849246, 521.9283099076172]),
        ] {
            check(poisson_rate(o, 2500.0, 1000.0), expected, 1e-9);
        }
        // The switch is at 10: exact limits for O = 10 would differ in the third decimal.
        // python3 -c "from scipy.stats import chi2; print(chi2.ppf(.025,20)/2/2.5, chi2.ppf(.975,22)/2/2.5)"
        let ten = poisson_rate(10, 2500.0, 1000.0).expect("valid");
        assert!((ten.lower - 1.9181554784529733).abs() > 1e-3);
        assert!((ten.upper - 7.356142416807111).abs() > 1e-4);
    }

    #[test]
    fn poisson_rejects_bad_person_years() {
        for py in [0.0, -1.0, f64::NAN, f64::NEG_INFINITY] {
            assert_eq!(poisson_rate(5, py, 1000.0), None);
        }
        let nan = poisson_rate(5, 10.0, f64::NAN).expect("valid");
        assert!(nan.value.is_nan());
    }

    #[test]
    fn mean_t_matches_scipy_t_interval() {
        // python3 -c "import numpy as np;from scipy.stats import t;d=np.array([3,5,-1,4,7,0,2,6.]);print(d.mean(),t.interval(.95,7,loc=d.mean(),scale=d.std(ddof=1)/8**.5))"
        let data = [3.0, 5.0, -1.0, 4.0, 7.0, 0.0, 2.0, 6.0];
        let (mut first, mut second) = (MeanAccumulator::default(), MeanAccumulator::default());
        data[..3].iter().for_each(|&x| first.add(x));
        data[3..].iter().for_each(|&x| second.add(x));
        first.merge(&second);
        assert_eq!((first.n, first.sum, first.sum_squares), (8, 26.0, 140.0));
        let expected = [3.25, 0.8959557757569683, 5.604044224243031];
        check(mean_t(&first), expected, 1e-9);
    }

    #[test]
    fn mean_t_needs_two_values() {
        let mut acc = MeanAccumulator::default();
        assert_eq!(mean_t(&acc), None);
        acc.add(4.0);
        assert_eq!(mean_t(&acc), None);
        acc.add(4.0);
        assert_eq!(mean_t(&acc), Some(estimate(4.0, 4.0, 4.0)));
        acc.add(f64::NAN);
        assert!(mean_t(&acc).expect("n >= 2").lower.is_nan());
    }

    fn groups(pop: &[f64], value: &[f64], se: &[f64]) -> Vec<QuantileValue> {
        let group = |i: usize| QuantileValue {
            population: pop[i],
            value: value[i],
            standard_error: se[i],
        };
        (0..pop.len()).map(group).collect()
    }

    #[test]
    fn inequality_equal_populations_by_hand() {
        // x = 0.1..0.9, values 20..12: the line is 21 - 10x, so the most deprived end is 21,
        // the least 11: SII 10, RII 21/11. The ends' coefficients are
        // most = (0.7, 0.45, 0.2, -0.05, -0.3) and least = (-0.3, -0.05, 0.2, 0.45, 0.7), so
        // with se 0.5: Var(most) = Var(least) = 0.25 · 0.825, Cov = 0.25 · -0.425 and
        // Var(SII) = 0.25 · (0.825 + 0.825 + 0.85) = 0.625.
        let g = groups(&[1000.0; 5], &[20.0, 18.0, 16.0, 14.0, 12.0], &[0.5; 5]);
        let r = inequality(&g).expect("valid");
        let sd = 0.625f64.sqrt();
        check(Some(r.sii), [10.0, 10.0 - Z95 * sd, 10.0 + Z95 * sd], 1e-12);
        // Fieller by hand: a = 11² - z²v, b = 21·11 - z²c, c' = 21² - z²v,
        // limits (b ± √(b² - a c')) / a.
        let (v, c, z2) = (0.25 * 0.825, 0.25 * -0.425, Z95 * Z95);
        let (a, b, cc) = (121.0 - z2 * v, 231.0 - z2 * c, 441.0 - z2 * v);
        let root = (b * b - a * cc).sqrt();
        check(r.rii, [21.0 / 11.0, (b - root) / a, (b + root) / a], 1e-12);
    }

    /// PHE's own method, written independently: draw each quintile's value from a normal
    /// with its standard error, refit the weighted regression by its normal equations,
    /// and take the 2.5th and 97.5th percentiles of the simulated SII and RII.
    #[test]
    fn inequality_intervals_are_the_limit_of_the_phe_simulation() {
        use rand::{Rng, SeedableRng};
        let pop = [12000.0, 9500.0, 11000.0, 8000.0, 10500.0];
        let values = [45.3, 40.1, 33.7, 30.4, 24.9];
        let se = [2.2, 2.0, 1.9, 2.1, 1.8];
        let r = inequality(&groups(&pop, &values, &se)).expect("valid");
        let total: f64 = pop.iter().sum();
        let mut cum = 0.0;
        let x: Vec<f64> = pop
            .iter()
            .map(|p| {
                let m = (cum + p / 2.0) / total;
                cum += p;
                m
            })
            .collect();
        let a: Vec<f64> = pop.iter().map(|p| p / total).collect();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let mut normal = || {
            let (u, v): (f64, f64) = (rng.gen(), rng.gen());
            (-2.0 * (1.0 - u).ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
        };
        let (mut siis, mut riis) = (Vec::new(), Vec::new());
        let (s0, s1, s2): (f64, f64, f64) = (
            a.iter().sum(),
            (0..5).map(|i| a[i] * x[i]).sum(),
            (0..5).map(|i| a[i] * x[i] * x[i]).sum(),
        );
        for _ in 0..200_000 {
            let y: Vec<f64> = (0..5).map(|i| values[i] + se[i] * normal()).collect();
            let (t0, t1): (f64, f64) = (
                (0..5).map(|i| a[i] * y[i]).sum(),
                (0..5).map(|i| a[i] * x[i] * y[i]).sum(),
            );
            let c1 = (s0 * t1 - s1 * t0) / (s0 * s2 - s1 * s1);
            let c0 = (t0 - c1 * s1) / s0;
            siis.push(-c1);
            riis.push(c0 / (c0 + c1));
        }
        let pct = |v: &mut Vec<f64>, p: f64| {
            v.sort_by(f64::total_cmp);
            v[(p * (v.len() - 1) as f64).round() as usize]
        };
        close(r.sii.lower, pct(&mut siis, 0.025), 0.01);
        close(r.sii.upper, pct(&mut siis, 0.975), 0.01);
        let rii = r.rii.expect("a ratio");
        close(rii.lower, pct(&mut riis, 0.025), 0.01);
        close(rii.upper, pct(&mut riis, 0.975), 0.01);
    }

    #[test]
    fn inequality_unequal_populations_match_numpy() {
        // python3 -c "import numpy as np;z=1.959963984540054;w=np.array([12000,9500,11000,8000,10500.]);y=np.array([25.3,22.1,18.7,16.4,12.9]);s=np.array([1.2,1.0,0.9,1.1,.8]);x=(np.cumsum(w)-w/2)/w.sum();X=np.c_[np.ones(5),x];c=-np.linalg.solve(X.T@(w[:,None]*X),X.T*w)[1];S=-np.polyfit(x,y,1,w=w**.5)[0];d=w/w.sum();m=d@y;R=S/m;vS=c**2@s**2;vR=(vS-2*R*(c*d)@s**2+R*R*(d*d)@s**2)/m**2;print(S,S-z*vS**.5,S+z*vS**.5,R,R-z*vR**.5,R+z*vR**.5)"
        let pop = [12000.0, 9500.0, 11000.0, 8000.0, 10500.0];
        let g = groups(
            &pop,
            &[25.3, 22.1, 18.7, 16.4, 12.9],
            &[1.2, 1.0, 0.9, 1.1, 0.8],
        );
        let r = inequality(&g).expect("valid");
        let sii = [15.714333608782916, 12.38636096617246, 19.04230625139337];
        check(Some(r.sii), sii, 1e-9);
        // RII: the fitted most deprived end over the least deprived end of the same fit, by the
        // normal equations in plain Python: c1 = (s0 t1 - s1 t0) / det, c0 = (t0 - c1 s1) / s0,
        // RII = c0 / (c0 + c1).
        close(r.rii.unwrap().value, 2.3695356313564324, 1e-12);
    }

    #[test]
    fn inequality_rejects_bad_input() {
        assert!(inequality(&[]).is_none());
        assert!(inequality(&groups(&[10.0], &[1.0], &[0.1])).is_none());
        for bad in [0.0, -5.0, f64::NAN, f64::INFINITY] {
            assert!(inequality(&groups(&[10.0, bad], &[1.0, 2.0], &[0.1, 0.1])).is_none());
        }
        let crossing = inequality(&groups(&[10.0, 10.0], &[1.0, -1.0], &[0.1, 0.1])).unwrap();
        assert_eq!(crossing.sii.value, 4.0, "ends 2 and -2");
        assert!(crossing.rii.is_none(), "no ratio to a negative end");
        let nan = groups(&[10.0, 10.0], &[1.0, f64::NAN], &[0.1, 0.1]);
        let nan = inequality(&nan).expect("NaN values propagate");
        assert!(nan.sii.value.is_nan() && nan.rii.is_none());
    }

    #[test]
    fn the_standard_population_is_the_published_table() {
        let table = include_str!("../../data/esp2013.csv");
        let values: Vec<f64> = table
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
            .collect();
        assert_eq!(values, ESP2013.to_vec());
        assert_eq!(ESP2013.iter().sum::<f64>(), 100_000.0);
    }

    /// PHEindicatormethods' own example (testobs and testpop in its DSR source), worked
    /// independently in plain Python from the phe_dsr formulas:
    /// python3 -c "W=sum(w);O=sum(x);dsr=sum(x[i]*w[i]/n[i])/W*1e5;var=sum(w[i]**2*x[i]/n[i]**2)/W**2;
    ///   bl=O*(1-1/(9*O)-z/(3*O**.5))**3;bu=(O+1)*(1-1/(9*(O+1))+z/(3*(O+1)**.5))**3;
    ///   print(dsr, dsr+(var/O)**.5*(bl-O)*1e5, dsr+(var/O)**.5*(bu-O)*1e5)"
    #[test]
    fn dsr_matches_the_phe_example() {
        let population = [
            84935.0, 80367.0, 72122.0, 79259.0, 99806.0, 87362.0, 81579.0, 71103.0, 70001.0,
            69007.0, 63203.0, 52638.0, 46087.0, 40887.0, 32604.0, 28399.0, 21625.0, 13021.0,
            7355.0,
        ];
        let events = [
            27.0, 45.0, 55.0, 100.0, 125.0, 300.0, 295.0, 270.0, 275.0, 450.0, 455.0, 459.0, 345.0,
            300.0, 270.0, 265.0, 100.0, 90.0, 35.0,
        ];
        let expected = [464.91565132391906, 450.6883093326188, 479.4689343041292];
        check(dsr(&events, &population, &ESP2013, 1e5), expected, 1e-12);
        // By hand: with the same rate in every band the DSR is that rate, whatever the weights.
        let flat = dsr(&[10.0, 20.0], &[1000.0, 2000.0], &[1.0, 3.0], 1000.0).unwrap();
        close(flat.value, 10.0, 1e-12);
        assert!(
            dsr(&[5.0, 4.0], &[10.0, 10.0], &[1.0, 1.0], 1.0).is_none(),
            "under 10"
        );
        assert!(
            dsr(&[10.0, 4.0], &[10.0, 0.0], &[1.0, 1.0], 1.0).is_none(),
            "empty band"
        );
    }

    #[test]
    fn standard_error_inverts_interval() {
        let e = estimate(5.0, 5.0 - Z95 * 0.7, 5.0 + Z95 * 0.7);
        close(standard_error(&e), 0.7, 1e-12);
    }

    /// Worked by hand: ten referrals; reached on days 2, 3, 3, 5, 8, 12; still waiting when
    /// last seen on days 4, 6, 9, 20. At risk 10 on day 2: S = 0.9; 9 on day 3 (two
    /// reached): S = 0.9 · 7/9 = 0.7; day 4 one censored; 6 at risk on day 5: S = 0.7 · 5/6
    /// = 0.5833; day 6 one censored; 4 at risk on day 8: S = 0.5833 · 3/4 = 0.4375 <= 0.5, so
    /// the median is 8 days. Counting only those reached (2, 3, 3, 5, 8, 12) would say 4.
    #[test]
    fn kaplan_meier_median_by_hand() {
        let mut events = [0u32; 21];
        let mut censored = [0u32; 21];
        for d in [2, 3, 3, 5, 8, 12] {
            events[d] += 1;
        }
        for d in [4, 6, 9, 20] {
            censored[d] += 1;
        }
        assert_eq!(kaplan_meier_median(&events, &censored), Some(8.0));
        assert_eq!(median_from_histogram(&events), Some(4.0));
        // Fewer than half ever reached: no median.
        let mut few = [0u32; 21];
        few[1] = 2;
        let mut waiting = [0u32; 21];
        waiting[10] = 5;
        assert_eq!(kaplan_meier_median(&few, &waiting), None);
        // Exactly half on day 1: S(1) = 0.5.
        few[1] = 5;
        assert_eq!(kaplan_meier_median(&few, &waiting), Some(1.0));
        assert_eq!(kaplan_meier_median(&[], &[]), None);
    }

    #[test]
    fn median_from_histogram_odd_even_empty() {
        assert_eq!(median_from_histogram(&[]), None);
        assert_eq!(median_from_histogram(&[0, 0, 0]), None);
        assert_eq!(median_from_histogram(&[0, 0, 1]), Some(2.0));
        // 0,1,1,2,5 -> 1; 0,0,3,3 -> (0 + 3) / 2; 1,2,2,4 -> 2
        assert_eq!(median_from_histogram(&[1, 2, 1, 0, 0, 1]), Some(1.0));
        assert_eq!(median_from_histogram(&[2, 0, 0, 2]), Some(1.5));
        assert_eq!(median_from_histogram(&[0, 1, 2, 0, 1]), Some(2.0));
        assert_eq!(median_from_histogram(&[u32::MAX, u32::MAX, 1]), Some(1.0));
    }
}
