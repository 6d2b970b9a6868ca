//! `linkwell bench activity`: times the activity report cold (read from the database) and
//! warm (from facts in memory, as a running server holds them), and can write the same
//! facts as CSV so `bench/activity_duckdb.py` computes the same figures in DuckDB and checks
//! they equal ours before disclosure control.

use crate::activity::facts::{ActivityFacts, Ending, NEVER, NONE};
use crate::activity::tally::{self, ByProgramme, Monthly, Tally, WAIT_BANDS};
use crate::activity::{self as report, parse_period, Request, Scope, WorkerNames};
use crate::referrals::{Barrier, CloseReason, ContactMode, Need, ReferrerKind};
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

/// The last calendar quarter that ended before the latest referral, so a generated
/// history is covered whatever day the benchmark runs.
fn request(facts: &ActivityFacts) -> anyhow::Result<Request> {
    let latest = facts
        .referrals
        .iter()
        .map(|r| r.received_day)
        .max()
        .and_then(chrono::NaiveDate::from_num_days_from_ce_opt)
        .unwrap_or_else(|| chrono::Utc::now().date_naive());
    use chrono::Datelike;
    let quarter = (latest.year() * 4 + latest.month0() as i32 / 3) - 1;
    let code = format!("{}-Q{}", quarter.div_euclid(4), quarter.rem_euclid(4) + 1);
    Ok(Request {
        period: parse_period(Some(&code), latest)?,
        scope: Scope::All,
        programme: None,
    })
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
    for _ in 0..cold_runs.max(1) {
        let started = Instant::now();
        let store = Store::connect(url).await?;
        let loaded = store.load_activity_facts().await?;
        let request = request(&loaded)?;
        std::hint::black_box(report::compute(
            &loaded,
            &request,
            WorkerNames::Pseudonymous,
        ));
        cold.push(started.elapsed());
        store.close().await;
        facts = Some(loaded);
    }
    let facts = facts.expect("at least one cold run");
    let request = request(&facts)?;
    let mut warm = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        std::hint::black_box(report::compute(&facts, &request, WorkerNames::Pseudonymous));
        warm.push(started.elapsed());
    }
    cold.sort();
    warm.sort();
    let started = Instant::now();
    let t = tally::tally(&facts, &request);
    let tally_time = started.elapsed();
    println!(
        "activity report: {} people referred, {} referrals, {} contacts, {} connections, {} link workers, {} services; period {} ({} to {})",
        facts.person_keys.len(),
        facts.referrals.len(),
        facts.contacts.len(),
        facts.connections.len(),
        facts.workers.len(),
        facts.services.len(),
        request.period.code,
        request.period.from,
        request.period.to
    );
    println!(
        "cold (open database, read facts, compute): median {:.0} ms, best {:.0} ms over {} runs",
        millis(percentile(&cold, 0.5)),
        millis(cold[0]),
        cold.len()
    );
    println!(
        "warm (compute from memory, tally and shown report): median {:.2} ms, p95 {:.2} ms, best {:.2} ms over {} runs; tally alone {:.2} ms",
        millis(percentile(&warm, 0.5)),
        millis(percentile(&warm, 0.95)),
        millis(warm[0]),
        warm.len(),
        millis(tally_time)
    );
    if let Some(dir) = export {
        export_facts(&facts, &request, &t, dir)?;
        println!(
            "facts written to {} for the DuckDB comparison",
            dir.display()
        );
    }
    println!(
        "{}",
        json!({"cold_ms": millis(percentile(&cold, 0.5)), "warm_ms": millis(percentile(&warm, 0.5)),
               "warm_p95_ms": millis(percentile(&warm, 0.95)), "referrals": facts.referrals.len(),
               "contacts": facts.contacts.len(), "connections": facts.connections.len()})
    );
    Ok(())
}

fn day(d: i32) -> String {
    if d == NEVER {
        String::new()
    } else {
        d.to_string()
    }
}

/// The `ending` column's codes: each is its index here.
const ENDINGS: [&str; 4] = ["open", "declined", "unable_to_contact", "closed"];

fn export_facts(
    facts: &ActivityFacts,
    request: &Request,
    t: &Tally,
    dir: &Path,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let file = |name: &str| -> anyhow::Result<std::io::BufWriter<std::fs::File>> {
        Ok(std::io::BufWriter::new(std::fs::File::create(
            dir.join(name),
        )?))
    };
    let mut out = file("referrals.csv")?;
    writeln!(out, "id,person,received_day,received_month,kind,practice,team,programme,needs,first_reached_day,first_reached_month,ending,close_reason,end_day,end_month,barriers,outcome_pair")?;
    for (i, r) in facts.referrals.iter().enumerate() {
        // Codes as in `ENDINGS`.
        let (ending, reason) = match r.ending {
            Ending::Open => (0, 0),
            Ending::Declined => (1, 0),
            Ending::UnableToContact => (2, 0),
            Ending::Closed(reason) => (3, reason),
        };
        writeln!(
            out,
            "{i},{},{},{},{},{},{},{},{},{},{},{ending},{reason},{},{},{},{}",
            r.person,
            r.received_day,
            r.received_month,
            r.kind,
            r.practice,
            r.team,
            r.programme,
            r.needs,
            day(r.first_reached_day),
            day(r.first_reached_month),
            day(r.end_day),
            day(r.end_month),
            r.barriers,
            u8::from(r.outcome_pair)
        )?;
    }
    let mut out = file("assignments.csv")?;
    // `seq` orders assignments on the same day as the facts do (the later one holds).
    writeln!(out, "seq,referral,day,worker")?;
    for (i, r) in facts.referrals.iter().enumerate() {
        let (start, len) = (r.assignments.0 as usize, usize::from(r.assignments.1));
        for (seq, a) in facts.assignments[start..start + len].iter().enumerate() {
            writeln!(out, "{},{i},{},{}", start + seq, a.day, a.worker)?;
        }
    }
    let mut out = file("contacts.csv")?;
    writeln!(out, "referral,month,mode,reached")?;
    for c in &facts.contacts {
        writeln!(
            out,
            "{},{},{},{}",
            c.referral,
            c.month,
            c.mode,
            u8::from(c.reached)
        )?;
    }
    let mut out = file("connections.csv")?;
    writeln!(
        out,
        "referral,sent_month,service,organisation,accepted,declined,attended,barriers"
    )?;
    for k in &facts.connections {
        writeln!(
            out,
            "{},{},{},{},{},{},{},{}",
            k.referral,
            k.sent_month,
            k.service,
            facts.services[k.service as usize].organisation,
            u8::from(k.accepted),
            u8::from(k.declined),
            u8::from(k.attended),
            k.barriers
        )?;
    }
    let n = |c: &[crate::equity::tally::Count]| c.iter().map(|c| c.n).collect::<Vec<u64>>();
    let connections =
        |cells: &[tally::ConnectionCounts]| cells.iter().map(|c| n(c)).collect::<Vec<_>>();
    let goals_met = CloseReason::ALL
        .iter()
        .position(|r| *r == CloseReason::GoalsMet);
    // Inclusive upper bounds in days; the last band is open.
    let wait_bands_upto: Vec<i32> = WAIT_BANDS[..WAIT_BANDS.len() - 1]
        .iter()
        .map(|(upto, _)| *upto)
        .collect();
    let expected = json!({
        "referrals": t.referrals.n,
        "by_kind": n(&t.by_kind),
        "by_practice": n(&t.by_practice),
        "by_team": n(&t.by_team),
        "by_programme": t.by_programme.iter().map(|p| n(p)).collect::<Vec<_>>(),
        "by_need": n(&t.by_need),
        "people_supported": t.people_supported.n,
        "contacts": n(&t.contacts),
        "reached": n(&t.reached),
        "caseload": n(&t.caseload),
        "waits": n(&t.waits),
        "declined": t.declined.n,
        "decline_reasons": n(&t.decline_reasons),
        "unable_to_contact": t.unable_to_contact.n,
        "closures": n(&t.closures),
        "outcome_pairs": t.outcome_pairs.n,
        "connections": n(&t.connections),
        "by_service": connections(&t.by_service),
        "by_organisation": connections(&t.by_organisation),
        "connection_decline_reasons": n(&t.connection_decline_reasons),
        "monthly": t.monthly.iter().map(|m| n(m)).collect::<Vec<_>>(),
    });
    // Every size and code the figures are laid out by, from the definitions themselves, so
    // the comparison cannot go stale when a list of codes grows.
    let params = json!({
        "first_month": request.period.first_month,
        "last_month": request.period.last_month,
        "last_day": request.period.last_day,
        "series_months": tally::SERIES_MONTHS,
        "none": NONE,
        "endings": ENDINGS,
        "referrer_kinds": ReferrerKind::ALL.len(),
        "needs": Need::ALL.len(),
        "barriers": Barrier::ALL.len(),
        "contact_modes": ContactMode::ALL.len(),
        "close_reasons": CloseReason::ALL.len(),
        "goals_met_reason": goals_met,
        "wait_bands_upto": wait_bands_upto,
        "monthly_figures": Monthly::ALL.iter().map(|m| m.code()).collect::<Vec<_>>(),
        "programme_figures": ByProgramme::ALL.iter().map(|f| f.code()).collect::<Vec<_>>(),
        "practices": facts.practices.len(),
        "teams": facts.teams.len(),
        "programmes": facts.programmes.len(),
        "workers": facts.workers.len(),
        "services": facts.services.len(),
        "organisations": facts.organisations.len(),
        "expected": expected,
    });
    std::fs::write(dir.join("params.json"), serde_json::to_vec_pretty(&params)?)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{generate, GenerateOptions};
    use serde_json::Value;

    /// The export names every size the DuckDB side lays its figures out by, from the Rust
    /// definitions, and carries each referral's programme, so the by-programme figures can
    /// be recomputed from the CSV alone.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_export_describes_its_sizes_and_programmes() {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("activity.db").display().to_string();
        let store = Store::connect(&url).await.unwrap();
        let options = GenerateOptions {
            progress: false,
            reference_date: "2026-11-01".parse().unwrap(),
            services: 40,
            ..GenerateOptions::new(3_000, 7)
        };
        generate(&store, &crate::geo::default_data_dir(), &options)
            .await
            .unwrap();
        let facts = store.load_activity_facts().await.unwrap();
        let request = request(&facts).unwrap();
        assert_eq!(request.period.code, "2026-Q3");
        let t = tally::tally(&facts, &request);
        let out = dir.path().join("export");
        export_facts(&facts, &request, &t, &out).unwrap();
        let p: Value =
            serde_json::from_slice(&std::fs::read(out.join("params.json")).unwrap()).unwrap();

        let size = |key: &str| p[key].as_u64().unwrap_or_else(|| panic!("{key} missing"));
        assert_eq!(size("referrer_kinds"), ReferrerKind::ALL.len() as u64);
        assert_eq!(size("needs"), Need::ALL.len() as u64);
        assert_eq!(size("barriers"), Barrier::ALL.len() as u64);
        assert_eq!(size("contact_modes"), ContactMode::ALL.len() as u64);
        assert_eq!(size("close_reasons"), CloseReason::ALL.len() as u64);
        assert!(CloseReason::ALL.contains(&CloseReason::EnteredInError));
        assert_eq!(
            CloseReason::ALL[size("goals_met_reason") as usize],
            CloseReason::GoalsMet
        );
        assert_eq!(size("programmes"), 3, "the generator's three programmes");
        assert_eq!(size("series_months"), 24);
        assert_eq!(p["wait_bands_upto"], serde_json::json!([7, 14, 28, 56, 91]));
        assert_eq!(p["monthly_figures"].as_array().unwrap().len(), 10);
        assert_eq!(p["programme_figures"][1], "people_supported");

        // Referrals received in the period by programme, counted from the CSV the DuckDB
        // side reads: one row per programme, then "no programme".
        let (first, last) = (size("first_month") as i64, size("last_month") as i64);
        let csv = std::fs::read_to_string(out.join("referrals.csv")).unwrap();
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
        let (month, programme) = (col("received_month"), col("programme"));
        let mut by_programme = vec![0u64; 4];
        for line in lines {
            let fields: Vec<&str> = line.split(',').collect();
            let m: i64 = fields[month].parse().unwrap();
            if (first..=last).contains(&m) {
                let at: u16 = fields[programme].parse().unwrap();
                by_programme[if at == NONE { 3 } else { usize::from(at) }] += 1;
            }
        }
        let expected = p["expected"]["by_programme"].as_array().unwrap();
        assert_eq!(expected.len(), 4);
        let referrals: Vec<u64> = expected
            .iter()
            .map(|row| row[0].as_u64().unwrap())
            .collect();
        assert_eq!(referrals, by_programme);
        assert!(by_programme[..3].iter().all(|n| *n > 0), "{by_programme:?}");
        assert_eq!(
            by_programme.iter().sum::<u64>(),
            p["expected"]["referrals"].as_u64().unwrap()
        );
        for row in expected {
            assert_eq!(row.as_array().unwrap().len(), ByProgramme::ALL.len());
        }
    }
}
