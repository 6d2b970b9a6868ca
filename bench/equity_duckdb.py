#!/usr/bin/env python3
"""Computes the equity report's indicators with DuckDB, from memory, for a speed comparison.

Reads the facts `linkwell bench equity --export DIR` writes, loads them into an in-memory
DuckDB (not timed), then times computing every per-group tally the Rust fold computes and
checks the totals against the exact ones Rust put in params.json.

Usage: python3 bench/equity_duckdb.py DIR [--runs N]
"""
import argparse
import json
import math
import statistics
import sys
import time
from datetime import date
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb

BARRIERS = 18
PERSON = dict(practice="USMALLINT", quintile="UTINYINT", sex="UTINYINT", ethnicity="UTINYINT",
              birth_day="INTEGER", plus="UTINYINT", clinical="UTINYINT")
TABLES = {
    "population": dict(practice="USMALLINT", quintile="UTINYINT", people="UINTEGER"),
    "people": {**PERSON, "registered": "INTEGER"},
    "referrals": {**PERSON, "age": "UTINYINT", "received_day": "INTEGER",
                  **{f"d{s}": "SMALLINT" for s in range(5)}, "closed_days": "SMALLINT",
                  "barriers": "UINTEGER", "c0": "FLOAT", "c1": "FLOAT", "c2": "FLOAT", "c3": "FLOAT"},
}
NULLABLE = {"d0", "d1", "d2", "d3", "d4", "closed_days", "c0", "c1", "c2", "c3"}
# Follow-up windows (days) of contacted, active, connected, attended, goals met; outcomes
# among referrals closed or at least OUTCOME_DAYS old (src/equity/facts.rs).
WINDOWS = [28, 84, 84, 84, 183]
OUTCOME_DAYS = 183
# The 2013 European Standard Population (data/esp2013.csv).
ESP2013 = [5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000, 7000, 6500, 6000,
           5500, 5000, 4000, 2500, 1500, 1000]
KEPT = 366  # days to first contact counted exactly up to this (tally.rs CONTACT_DAYS_KEPT)


def layout(practices):
    """(dimension, groups, first cell), cells numbered as in the Rust fold's flat layout."""
    dims = [("overall", 1), ("imd_quintile", 6), ("core20", 3), ("ethnicity", 6), ("age_band", 7),
            ("sex", 4), ("plus_group", 7), ("clinical_area", 6), ("practice", practices)]
    out, start = [], 0
    for name, n in dims:
        out.append((name, n, start))
        start += n
    return out


def load(con, directory):
    for table, columns in TABLES.items():
        # Declared NOT NULL so the grouping-set queries can tell sets apart by which keys are null.
        ddl = ", ".join(f"{c} {t}{'' if c in NULLABLE else ' NOT NULL'}" for c, t in columns.items())
        types = ", ".join(f"'{c}': '{t}'" for c, t in columns.items())
        con.execute(f"CREATE TABLE {table} ({ddl})")
        con.execute(f"INSERT INTO {table} SELECT * FROM read_csv('{directory / (table + '.csv')}', "
                    f"header = true, columns = {{{types}}})")
    con.execute("ANALYZE")


def years_before(day, years):
    """The day number `years` whole years before `day`, as chrono's checked_sub_months."""
    d = date.fromordinal(day)
    y = d.year - years
    last = 29 if y % 4 == 0 and (y % 100 != 0 or y % 400 == 0) else 28
    return date(y, d.month, min(d.day, last) if d.month == 2 else d.day).toordinal()


def queries(params):
    """The SQL of the report, as statements that can run concurrently (each returns one result)."""
    cell = {name: start for name, _, start in layout(params["practices"])}
    starts = params["age_starts"]
    assert starts == sorted(starts, reverse=True), "age band starts are expected newest first"
    mid, as_of = params["mid_day"], params["as_of_day"]
    # The register's age band at mid-period: (number of starts on or after the birthday) - 1.
    age_at_mid = "CASE " + " ".join(f"WHEN birth_day > {s} THEN {max(i - 1, 0)}" for i, s in enumerate(starts))
    age_at_mid += f" ELSE {len(starts) - 1} END"
    five_at_mid = "CASE " + " ".join(
        f"WHEN birth_day > {years_before(mid, 5 * b)} THEN {b - 1}" for b in range(1, 19)) + " ELSE 18 END"
    # A referral's age band from its age in years at receipt.
    band_from = [0, 18, 25, 35, 50, 65, 80]
    age_at_referral = "CASE " + " ".join(
        f"WHEN age >= {y} THEN {i}" for i, y in reversed(list(enumerate(band_from)))) + " END"

    def bits(column, width, start):
        # One cell per set bit, or the trailing "none" cell when no bit is set.
        return (f"CASE WHEN {column} = 0 THEN [{start + width}] ELSE "
                f"[{start} + b FOR b IN range({width}) IF ({column} >> b) & 1 = 1] END")

    geo = (f"[{cell['overall']}, {cell['imd_quintile']} + CASE quintile WHEN 0 THEN 5 ELSE quintile - 1 END, "
           f"{cell['core20']} + CASE quintile WHEN 0 THEN 2 WHEN 1 THEN 0 ELSE 1 END] || "
           f"CASE WHEN practice = 65535 THEN [] ELSE [{cell['practice']} + practice] END")
    personal = f"[{cell['ethnicity']} + ethnicity, {cell['age_band']} + agegroup, {cell['sex']} + sex]"
    multi = f"{bits('plus', 6, cell['plus_group'])} || {bits('clinical', 5, cell['clinical_area'])}"
    # Every fact falls in groups of three independent key families. Grouping by each family's
    # few keys in one scan and unnesting the small result into cells is far cheaper than a
    # grouping set (with ~25 aggregates) per dimension.
    cells = (f"CASE WHEN practice IS NOT NULL THEN {geo} WHEN ethnicity IS NOT NULL THEN {personal} "
             f"ELSE {multi} END")
    families = "(practice, quintile{x}), (ethnicity, agegroup, sex{x}), (plus, clinical{x})"
    period = f"WHERE received_day BETWEEN {params['from_day']} AND {params['to_day']}"
    keys = "practice, quintile, ethnicity, agegroup, sex, plus, clinical"
    elapsed = f"({as_of} - received_day)"
    outcome_ok = f"({elapsed} >= {OUTCOME_DAYS} OR closed_days <= {elapsed})"
    scan = f"(SELECT *, {age_at_referral} agegroup, least(age // 5, 18) band FROM referrals {period})"

    sums = ["count(*) referrals"]
    for s, w in enumerate(WINDOWS):
        sums += [f"count_if({elapsed} >= {w}) eligible{s}",
                 f"count_if({elapsed} >= {w} AND d{s} <= {w}) stage{s}"]
    sums += [f"count_if(d0 <= {elapsed}) contacted", f"count_if({outcome_ok}) outcome_eligible"]
    for i in range(4):
        sums += [f"count_if({outcome_ok} AND c{i} IS NOT NULL) c{i}_n",
                 f"sum(c{i}) FILTER ({outcome_ok}) c{i}_sum",
                 f"sum(c{i}::DOUBLE * c{i}) FILTER ({outcome_ok}) c{i}_sq"]
    sums.append(f"count_if({outcome_ok} AND c0 >= 3.0) improved")
    names = [s.rsplit(" ", 1)[1] for s in sums]
    referrals = f"""
        WITH fine AS (SELECT {keys}, {', '.join(sums)}
            FROM {scan} GROUP BY GROUPING SETS ({families.format(x='')}))
        SELECT cell, {', '.join(f'sum({n})' for n in names)}
        FROM (SELECT unnest({cells}) cell, * FROM fine) GROUP BY cell ORDER BY cell"""
    # Kaplan-Meier: per cell, referrals first reached on each day and those censored on
    # each day (not reached by the as-of date, or closed unreached); the product limit is
    # taken over these few thousand rows afterwards.
    contact = f"""
        WITH timed AS (SELECT {keys}, d0 IS NOT NULL AND d0 <= {elapsed} reached,
                least(CASE WHEN d0 IS NOT NULL AND d0 <= {elapsed} THEN d0
                           ELSE least({elapsed}, coalesce(closed_days, {elapsed})) END, {KEPT - 1}) waited
            FROM {scan}),
        fine AS (SELECT {keys}, waited, count_if(reached) events, count_if(NOT reached) censored FROM timed
            GROUP BY GROUPING SETS ({families.format(x=", waited")}))
        SELECT cell, waited, sum(events), sum(censored)
        FROM (SELECT unnest({cells}) cell, * FROM fine) GROUP BY ALL ORDER BY cell, waited"""
    # Few referrals have any barrier, so one row per set bit beats 18 counters per group.
    barriers = f"""
        WITH fine AS (SELECT {keys}, b, count(*) n
            FROM {scan} JOIN range({BARRIERS}) bits(b) ON (barriers >> b) & 1 = 1
            GROUP BY GROUPING SETS ({families.format(x=', b')}))
        SELECT cell, b, sum(n) FROM (SELECT unnest({cells}) cell, * FROM fine) GROUP BY ALL"""
    # The register at mid-period (born and registered by then) by cell and five-year band,
    # referrals by cell and band at receipt, and from both the directly standardised rate
    # with Dobson's interval (phe_dsr).
    years = (params["to_day"] - params["from_day"] + 1) / 365.25
    z = 1.959963984540054
    esp = ", ".join(f"({b}, {w})" for b, w in enumerate(ESP2013))
    standardised = f"""
        WITH people_mid AS (SELECT *, {age_at_mid} agegroup, {five_at_mid} band FROM people
            WHERE birth_day <= {mid} AND greatest(birth_day, registered) <= {mid}),
        reg_fine AS (SELECT {keys}, band, count(*) n FROM people_mid
            GROUP BY GROUPING SETS ((practice, quintile, band), (ethnicity, agegroup, sex, band), (plus, clinical, band))),
        reg AS (SELECT cell, band, sum(n) n FROM (SELECT unnest({cells}) cell, * FROM reg_fine) GROUP BY ALL),
        ref_fine AS (SELECT {keys}, band, count(*) o FROM {scan}
            GROUP BY GROUPING SETS ((practice, quintile, band), (ethnicity, agegroup, sex, band), (plus, clinical, band))),
        ref AS (SELECT cell, band, sum(o) o FROM (SELECT unnest({cells}) cell, * FROM ref_fine) GROUP BY ALL),
        esp(band, w) AS (VALUES {esp}),
        joined AS (SELECT reg.cell, esp.band, esp.w::DOUBLE w, reg.n::DOUBLE * {years} py,
                coalesce(ref.o, 0)::DOUBLE o
            FROM reg JOIN esp USING (band) LEFT JOIN ref ON ref.cell = reg.cell AND ref.band = reg.band),
        per_cell AS (SELECT cell, sum(py) / {years} population, count(*) bands, sum(o) o,
            sum(w * o / py) / sum(w) rate, sum(w * w * o / (py * py)) / (sum(w) * sum(w)) var FROM joined GROUP BY cell)
        SELECT cell, round(population), bands, o,
            CASE WHEN o >= 10 AND bands = 19 THEN rate * 1000 END,
            CASE WHEN o >= 10 AND bands = 19 THEN (rate + sqrt(var / o)
                * (o * pow(1 - 1 / (9 * o) - {z} / (3 * sqrt(o)), 3) - o)) * 1000 END,
            CASE WHEN o >= 10 AND bands = 19 THEN (rate + sqrt(var / o)
                * ((o + 1) * pow(1 - 1 / (9 * (o + 1)) + {z} / (3 * sqrt(o + 1)), 3) - o)) * 1000 END
        FROM per_cell"""
    # chrono's num_days_from_ce is Python's proleptic ordinal (0001-01-01 is day 1).
    first = date.fromordinal(params["from_day"])
    trend = f"""
        SELECT greatest(date_trunc('quarter', DATE '0001-01-01' + (received_day - 1)), DATE '{first}')::DATE
            quarter_start, quintile, count(*)
        FROM referrals {period} AND quintile BETWEEN 1 AND 5 GROUP BY ALL ORDER BY ALL"""
    # Longest first, so the thread pool stays busy to the end.
    statements = dict(standardised=standardised, referrals=referrals, barriers=barriers, contact=contact,
                      trend=trend)
    return statements, names


def kaplan_meier_medians(rows):
    """Product-limit median per cell from (cell, day, events, censored) rows in day order."""
    by_cell = {}
    for c, day, events, censored in rows:
        by_cell.setdefault(c, []).append((day, events, censored))
    medians = {}
    for c, days in by_cell.items():
        at_risk = sum(e + n for _, e, n in days)
        survival, median = 1.0, None
        for day, events, censored in days:
            if events:
                survival *= 1 - events / at_risk
                if survival <= 0.5 + 1e-12:
                    median = day
                    break
            at_risk -= events + censored
        medians[c] = median
    return medians


def compute(cursors, pool, sql):
    """Runs the statements concurrently and fetches every result. DuckDB releases the GIL, and
    a 92k-row table is one row group, which DuckDB scans on one thread: running independent
    statements side by side is how a live report would use both cores."""
    results = dict(zip(sql, pool.map(lambda name: cursors[name].execute(sql[name]).fetchall(), sql)))
    results["median_days"] = kaplan_meier_medians(results["contact"])
    return results


def check(params, result, names):
    """Compares with Rust's exact tallies; returns (groups checked, mismatch messages)."""
    by_cell = {row[0]: dict(zip(names, row[1:])) for row in result["referrals"]}
    population = {row[0]: row[1] for row in result["standardised"]}
    barriers = {}
    for c, b, n in result["barriers"]:
        barriers.setdefault(c, [0] * BARRIERS)[b] = n
    bad, checked = [], 0
    for dimension, groups, start in layout(params["practices"]):
        for g, want in enumerate(params["expected"][dimension]):
            got = by_cell.get(start + g, {})
            pairs = [("population", population.get(start + g, 0), want["population"]),
                     ("referrals", got.get("referrals", 0), want["referrals"]),
                     ("swemwbs_pairs", got.get("c0_n", 0), want["swemwbs_pairs"]),
                     ("contacted", got.get("contacted", 0), want["contacted"])]
            pairs += [(f"stages[{b}]", got.get(f"stage{b}", 0), w) for b, w in enumerate(want["stages"])]
            pairs += [(f"eligible[{b}]", got.get(f"eligible{b}", 0), w) for b, w in enumerate(want["eligible"])]
            # Rust may know fewer barrier types than the 18 bits counted here: the rest must be 0.
            want_barriers = want["barriers"] + [0] * (BARRIERS - len(want["barriers"]))
            have_barriers = barriers.get(start + g, [0] * BARRIERS)
            pairs += [(f"barriers[{b}]", n, w) for b, (n, w) in enumerate(zip(have_barriers, want_barriers))]
            for what, have, expected in pairs:
                if have != expected:
                    bad.append(f"{dimension}[{g}] {what}: duckdb {have}, rust {expected}")
            have, expected = got.get("c0_sum") or 0.0, want["swemwbs_sum"]
            if not math.isclose(have, expected, rel_tol=1e-3, abs_tol=1e-6):
                bad.append(f"{dimension}[{g}] swemwbs_sum: duckdb {have}, rust {expected}")
            checked += 1
        if len(params["expected"][dimension]) != groups:
            bad.append(f"{dimension}: rust has {len(params['expected'][dimension])} groups, duckdb {groups}")
    return checked, bad


def population_of(result, c):
    return next((row[1] for row in result["standardised"] if row[0] == c), 0)


def layout_start(params, name):
    return next(start for n, _, start in layout(params["practices"]) if n == name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    params = json.loads((args.dir / "params.json").read_text())

    con = duckdb.connect()
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    started = time.perf_counter()
    load(con, args.dir)
    load_ms = (time.perf_counter() - started) * 1000
    sql, names = queries(params)
    cursors = {name: con.cursor() for name in sql}  # a cursor is not safe to share between threads
    with ThreadPoolExecutor(threads) as pool:
        result = compute(cursors, pool, sql)  # warm-up
        times = []
        for _ in range(max(args.runs, 1)):
            started = time.perf_counter()
            result = compute(cursors, pool, sql)
            times.append((time.perf_counter() - started) * 1000)

    checked, bad = check(params, result, names)
    if bad:
        print(f"duckdb: {len(bad)} mismatches against the Rust tallies, e.g.:", file=sys.stderr)
        for line in bad[:10]:
            print("  " + line, file=sys.stderr)
        sys.exit(1)
    median, best = statistics.median(times), min(times)
    referrals = next(r[1] for r in result["referrals"] if r[0] == 0)
    people = population_of(result, 0)
    dsr = {row[0]: row[4] for row in result["standardised"]}
    q1, q5 = layout_start(params, "imd_quintile"), layout_start(params, "imd_quintile") + 4
    print(f"duckdb {duckdb.__version__}: {people} registered people, {referrals} referrals in the period, "
          f"{len(result['trend'])} quarter-by-quintile counts")
    print(f"duckdb: load {load_ms:.0f} ms; indicators median {median:.1f} ms, best {best:.1f} ms "
          f"over {len(times)} runs (threads={threads})")
    print(f"check: {checked} groups match the Rust tallies")
    if dsr.get(q1) and dsr.get(q5):
        print(f"duckdb: age-standardised referrals per 1,000 a year (unperturbed counts): Q1 {dsr[q1]:.1f}, "
              f"Q5 {dsr[q5]:.1f}, Q1/Q5 {dsr[q1] / dsr[q5]:.2f}")
    print(json.dumps({"duckdb_ms": round(median, 2), "duckdb_best_ms": round(best, 2),
                      "checked_groups": checked}))


if __name__ == "__main__":
    main()
