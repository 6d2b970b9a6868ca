//! `linkwell bench equity`: times the report cold (read from the database) and warm
//! (from facts in memory, as a running server holds them), and can write the same facts
//! as CSV so `bench/equity_duckdb.py` computes the same indicators in DuckDB.

use crate::equity::facts::{Facts, Period, Profile, RegisteredPerson};
use crate::equity::tally::{self, Dimension, Tallies};
use crate::store::Store;
use serde_json::json;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(at).copied().unwrap_or_default()
}

/// Prints the figures; the last line is machine-readable JSON for the benchmark script.
pub async fn run(
    url: &str,
    runs: usize,
    cold_runs: usize,
    export: Option<&Path>,
) -> anyhow::Result<()> {
    let mut cold = Vec::new();
    let mut facts = None;
    let mut people = None;
    for _ in 0..cold_runs.max(1) {
        let started = Instant::now();
        let store = Store::connect(url).await?;
        let (loaded, register) = store.load_equity_facts_and_register().await?;
        let (period, as_of) = latest_year(&loaded);
        let report = crate::equity::compute(&loaded, &period, None, as_of);
        cold.push(started.elapsed());
        std::hint::black_box(report);
        store.close().await;
        facts = Some(loaded);
        people = register;
    }
    let facts = facts.expect("at least one cold run");
    let (period, as_of) = latest_year(&facts);
    let mut warm = Vec::with_capacity(runs);
    let mut report = None;
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        report = Some(crate::equity::compute(&facts, &period, None, as_of));
        warm.push(started.elapsed());
    }
    cold.sort();
    warm.sort();
    let render_started = Instant::now();
    let html = crate::equity::render::render(
        report.as_ref().expect("one run"),
        crate::equity::render::Format::Html,
    )?;
    let render = render_started.elapsed();
    println!(
        "equity report: {} registered people, {} referrals, {} practices; period {} to {}",
        facts.register.as_ref().map_or(0, |r| r.people()),
        facts.referrals.len(),
        facts.practices.len(),
        period.from,
        period.to
    );
    println!(
        "cold (open database, read facts, compute): median {:.0} ms, best {:.0} ms over {} runs",
        millis(percentile(&cold, 0.5)),
        millis(cold[0]),
        cold.len()
    );
    println!(
        "warm (compute from memory): median {:.2} ms, p95 {:.2} ms, best {:.2} ms over {} runs",
        millis(percentile(&warm, 0.5)),
        millis(percentile(&warm, 0.95)),
        millis(warm[0]),
        warm.len()
    );
    println!(
        "rendering the HTML file: {:.1} ms ({} KB)",
        millis(render),
        html.len() / 1024
    );
    // Where the warm time goes: the register at mid-period, the fold, the shown report.
    let started = Instant::now();
    if let Some(register) = &facts.register {
        std::hint::black_box(register.counts(period.mid(), None));
    }
    let register_time = started.elapsed();
    let started = Instant::now();
    let tallies = tally::tally(&facts, &period, None, as_of);
    let tally_time = started.elapsed();
    let started = Instant::now();
    std::hint::black_box(crate::equity::report::build(
        &facts,
        &tallies,
        &period,
        None,
        chrono::Utc::now(),
    ));
    println!(
        "one warm report: register {:.2} ms, tally (with register) {:.2} ms, build {:.2} ms",
        millis(register_time),
        millis(tally_time),
        millis(started.elapsed())
    );
    let shown = report.as_ref().expect("one run");
    for code in ["standardised_referral_rate", "referral_rate"] {
        if let Some(row) = shown.inequality_of(code) {
            println!(
                "{code}: Q1 {:?}, Q5 {:?}, Q1/Q5 {:?}, SII {:?}, RII {:?}",
                row.quintiles[0],
                row.quintiles[4],
                row.ratio,
                row.sii.map(|i| (i.value, i.lower, i.upper)),
                row.rii.map(|i| (i.value, i.lower, i.upper)),
            );
        }
    }
    if let Some(dir) = export {
        export_facts(
            &facts,
            people.as_deref().unwrap_or_default(),
            &period,
            as_of,
            dir,
        )?;
        println!(
            "facts written to {} for the DuckDB comparison",
            dir.display()
        );
    }
    println!(
        "{}",
        json!({"cold_ms": millis(percentile(&cold, 0.5)), "warm_ms": millis(percentile(&warm, 0.5)),
               "warm_p95_ms": millis(percentile(&warm, 0.95))})
    );
    Ok(())
}

/// The latest published year (four quarters) before the latest referral, so a generated
/// history is covered whatever day the benchmark runs, as of the day after that referral.
fn latest_year(facts: &Facts) -> (Period, chrono::NaiveDate) {
    let latest = facts
        .referrals
        .iter()
        .map(|r| r.received_day)
        .max()
        .and_then(chrono::NaiveDate::from_num_days_from_ce_opt)
        .unwrap_or_else(|| chrono::Utc::now().date_naive());
    let as_of = latest.succ_opt().unwrap_or(latest);
    (crate::equity::latest_year_before(as_of), as_of)
}

fn optional<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn export_facts(
    facts: &Facts,
    people: &[RegisteredPerson],
    period: &Period,
    as_of: chrono::NaiveDate,
    dir: &Path,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let file = |name: &str| -> anyhow::Result<std::io::BufWriter<std::fs::File>> {
        Ok(std::io::BufWriter::new(std::fs::File::create(
            dir.join(name),
        )?))
    };
    let mut out = file("population.csv")?;
    writeln!(out, "practice,quintile,people")?;
    for c in &facts.population {
        writeln!(out, "{},{},{}", c.practice, c.quintile, c.people)?;
    }
    let profile = |p: &Profile| {
        format!(
            "{},{},{},{},{},{},{}",
            p.practice, p.quintile, p.sex, p.ethnicity, p.birth_day, p.plus, p.clinical
        )
    };
    let columns = "practice,quintile,sex,ethnicity,birth_day,plus,clinical";
    let mut out = file("people.csv")?;
    writeln!(out, "{columns},registered")?;
    for p in people {
        writeln!(out, "{},{}", profile(&p.who), p.registered)?;
    }
    let mut out = file("referrals.csv")?;
    writeln!(
        out,
        "{columns},age,received_day,d0,d1,d2,d3,d4,closed_days,barriers,c0,c1,c2,c3"
    )?;
    for r in &facts.referrals {
        let change: Vec<String> = r
            .change
            .iter()
            .map(|c| optional(c.is_finite().then_some(*c)))
            .collect();
        writeln!(
            out,
            "{},{},{},{},{},{},{}",
            profile(&r.who),
            r.age,
            r.received_day,
            r.stage_days
                .map(|d| optional((d != crate::equity::facts::NEVER).then_some(d)))
                .join(","),
            optional(r.closed_days),
            r.barriers,
            change.join(",")
        )?;
    }
    let tallies = tally::tally(facts, period, None, as_of);
    let ages = crate::equity::facts::AgeCutoffs::on(period.mid());
    let params = json!({
        "from_day": chrono::Datelike::num_days_from_ce(&period.from),
        "to_day": chrono::Datelike::num_days_from_ce(&period.to),
        "age_starts": ages.starts(),
        "mid_day": chrono::Datelike::num_days_from_ce(&period.mid()),
        "as_of_day": chrono::Datelike::num_days_from_ce(&as_of),
        "practices": facts.practices.len(),
        "expected": expected(&tallies, facts),
    });
    std::fs::write(dir.join("params.json"), serde_json::to_vec_pretty(&params)?)?;
    Ok(())
}

/// Exact (unsuppressed) totals per group, so the DuckDB script can show it computed the
/// same thing. Synthetic benchmark data only.
fn expected(tallies: &Tallies, facts: &Facts) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    for dimension in Dimension::ALL {
        let groups: Vec<serde_json::Value> = (0..dimension.groups(facts).len())
            .map(|i| {
                let t = tallies.group(dimension, i);
                let n = |c: &[tally::Count]| c.iter().map(|c| c.n).collect::<Vec<u64>>();
                json!({"population": t.population, "referrals": t.referrals.n,
                       "eligible": n(&t.eligible), "stages": n(&t.stages),
                       "swemwbs_pairs": t.change[0].n, "swemwbs_sum": t.change[0].sum,
                       "contacted": t.contacted.n, "barriers": n(&t.barriers),
                       "referrals_by_age": n(&t.referrals_by_age),
                       "population_by_age": t.population_by_age})
            })
            .collect();
        out.insert(dimension.code().to_string(), groups.into());
    }
    out.into()
}
