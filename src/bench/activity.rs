//! `linkwell bench activity`: times the activity report cold (read from the database) and
//! warm (from facts in memory, as a running server holds them), and can write the same
//! facts as CSV so `bench/activity_duckdb.py` computes the same figures in DuckDB and checks
//! they equal ours before disclosure control.

use crate::activity::facts::{ActivityFacts, Ending, NEVER};
use crate::activity::tally::{self, Tally};
use crate::activity::{self as report, parse_period, Request, Scope, WorkerNames};
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
    writeln!(out, "id,person,received_day,received_month,kind,practice,team,needs,first_reached_day,first_reached_month,ending,close_reason,end_day,end_month,barriers,outcome_pair")?;
    for (i, r) in facts.referrals.iter().enumerate() {
        let (ending, reason) = match r.ending {
            Ending::Open => (0, 0),
            Ending::Declined => (1, 0),
            Ending::UnableToContact => (2, 0),
            Ending::Closed(reason) => (3, reason),
        };
        writeln!(
            out,
            "{i},{},{},{},{},{},{},{},{},{},{ending},{reason},{},{},{},{}",
            r.person,
            r.received_day,
            r.received_month,
            r.kind,
            r.practice,
            r.team,
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
    let params = json!({
        "first_month": request.period.first_month,
        "last_month": request.period.last_month,
        "last_day": request.period.last_day,
        "series_months": tally::SERIES_MONTHS,
        "practices": facts.practices.len(),
        "teams": facts.teams.len(),
        "workers": facts.workers.len(),
        "services": facts.services.len(),
        "organisations": facts.organisations.len(),
        "expected": {
            "referrals": t.referrals.n,
            "by_kind": n(&t.by_kind),
            "by_practice": n(&t.by_practice),
            "by_team": n(&t.by_team),
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
        }
    });
    std::fs::write(dir.join("params.json"), serde_json::to_vec_pretty(&params)?)?;
    Ok(())
}
