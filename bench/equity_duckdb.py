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
    "people": PERSON,
    "referrals": {**PERSON, "received_day": "INTEGER", "contact_days": "SMALLINT", "stages": "UTINYINT",
                  "barriers": "UINTEGER", "c0": "FLOAT", "c1": "FLOAT", "c2": "FLOAT", "c3": "FLOAT"},
}
NULLABLE = {"contact_days", "c0", "c1", "c2", "c3"}


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


def queries(params):
    """The SQL of the report, as statements that can run concurrently (each returns one result)."""
    cell = {name: start for name, _, start in layout(params["practices"])}
    starts = params["age_starts"]
    assert starts == sorted(starts, reverse=True), "age band starts are expected newest first"
    # band = (number of starts on or after the birthday) - 1, at least 0, as a short-circuit CASE.
    age = "CASE " + " ".join(f"WHEN birth_day > {s} THEN {max(i - 1, 0)}" for i, s in enumerate(starts))
    age += f" ELSE {len(starts) - 1} END"

    def bits(column, width, start):
        # One cell per set bit, or the trailing "none" cell when no bit is set.
        return (f"CASE WHEN {column} = 0 THEN [{start + width}] ELSE "
                f"[{start} + b FOR b IN range({width}) IF ({column} >> b) & 1 = 1] END")

    geo = (f"[{cell['overall']}, {cell['imd_quintile']} + CASE quintile WHEN 0 THEN 5 ELSE quintile - 1 END, "
           f"{cell['core20']} + CASE quintile WHEN 0 THEN 2 WHEN 1 THEN 0 ELSE 1 END] || "
           f"CASE WHEN practice = 65535 THEN [] ELSE [{cell['practice']} + practice] END")
    personal = f"[{cell['ethnicity']} + ethnicity, {cell['age_band']} + age, {cell['sex']} + sex]"
    multi = f"{bits('plus', 6, cell['plus_group'])} || {bits('clinical', 5, cell['clinical_area'])}"
    # Every fact falls in groups of three independent key families. Grouping by each family's
    # few keys in one scan and unnesting the small result into cells is far cheaper than a
    # grouping set (with ~25 aggregates) per dimension.
    cells = (f"CASE WHEN practice IS NOT NULL THEN {geo} WHEN ethnicity IS NOT NULL THEN {personal} "
             f"ELSE {multi} END")
    families = "(practice, quintile{x}), (ethnicity, age, sex{x}), (plus, clinical{x})"
    period = f"WHERE received_day BETWEEN {params['from_day']} AND {params['to_day']}"
    keys = "practice, quintile, ethnicity, age, sex, plus, clinical"
    scan = f"(SELECT *, {age} age FROM referrals {period})"

    sums = ["count(*) referrals"] + [f"count_if((stages >> {b}) & 1 = 1) stage{b}" for b in range(5)]
    sums += ["count(contact_days) contact_n", "sum(contact_days) contact_sum",
             "sum(contact_days::BIGINT * contact_days) contact_sq"]
    for i in range(4):
        sums += [f"count(c{i}) c{i}_n", f"sum(c{i}) c{i}_sum", f"sum(c{i}::DOUBLE * c{i}) c{i}_sq"]
    sums.append("count_if(c0 >= 3.0) improved")
    names = [s.rsplit(" ", 1)[1] for s in sums]
    referrals = f"""
        WITH fine AS (SELECT {keys}, {', '.join(sums)}
            FROM {scan} GROUP BY GROUPING SETS ({families.format(x='')}))
        SELECT cell, {', '.join(f'sum({n})' for n in names)}
        FROM (SELECT unnest({cells}) cell, * FROM fine) GROUP BY cell ORDER BY cell"""
    # Rust takes the median from a histogram of days capped at 365, so do the same: count
    # (cell, days waited), then find the middle one or two by running total.
    contact = f"""
        WITH fine AS (SELECT {keys}, least(contact_days, 365) waited, count(*) n FROM {scan}
            WHERE contact_days IS NOT NULL GROUP BY GROUPING SETS ({families.format(x=", waited")})),
        counts AS (SELECT cell, waited, sum(n) n FROM (SELECT unnest({cells}) cell, * FROM fine) GROUP BY ALL),
        ranked AS (SELECT *, sum(n) OVER (PARTITION BY cell ORDER BY waited) upto,
            sum(n) OVER (PARTITION BY cell) total FROM counts)
        SELECT cell, (min(waited) FILTER (upto > (total - 1) // 2)
            + min(waited) FILTER (upto > total // 2)) / 2
        FROM ranked GROUP BY cell"""
    # Few referrals have any barrier, so one row per set bit beats 18 counters per group.
    barriers = f"""
        WITH fine AS (SELECT {keys}, b, count(*) n
            FROM {scan} JOIN range({BARRIERS}) bits(b) ON (barriers >> b) & 1 = 1
            GROUP BY GROUPING SETS ({families.format(x=', b')}))
        SELECT cell, b, sum(n) FROM (SELECT unnest({cells}) cell, * FROM fine) GROUP BY ALL"""
    register = f"""
        WITH fine AS (SELECT ethnicity, {age} age, sex, plus, clinical, count(*) n FROM people GROUP BY ALL)
        SELECT cell, sum(n) FROM (
            SELECT unnest({personal} || {multi}) cell, n FROM fine
            UNION ALL SELECT unnest({geo}) cell, people FROM population) GROUP BY cell"""
    # chrono's num_days_from_ce is Python's proleptic ordinal (0001-01-01 is day 1).
    first = date.fromordinal(params["from_day"])
    trend = f"""
        SELECT greatest(date_trunc('quarter', DATE '0001-01-01' + (received_day - 1)), DATE '{first}')::DATE
            quarter_start, quintile, count(*)
        FROM referrals {period} AND quintile BETWEEN 1 AND 5 GROUP BY ALL ORDER BY ALL"""
    # Longest first, so the thread pool stays busy to the end.
    statements = dict(referrals=referrals, register=register, barriers=barriers, contact=contact, trend=trend)
    return statements, names


def compute(cursors, pool, sql):
    """Runs the statements concurrently and fetches every result. DuckDB releases the GIL, and
    a 92k-row table is one row group, which DuckDB scans on one thread: running independent
    statements side by side is how a live report would use both cores."""
    results = pool.map(lambda name: cursors[name].execute(sql[name]).fetchall(), sql)
    return dict(zip(sql, results))


def check(params, result, names):
    """Compares with Rust's exact tallies; returns (groups checked, mismatch messages)."""
    by_cell = {row[0]: dict(zip(names, row[1:])) for row in result["referrals"]}
    population = dict(result["register"])
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
                     ("contact_days_sum", got.get("contact_sum") or 0, want["contact_days_sum"])]
            pairs += [(f"stages[{b}]", got.get(f"stage{b}", 0), w) for b, w in enumerate(want["stages"])]
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
    people = dict(result["register"]).get(0, 0)
    print(f"duckdb {duckdb.__version__}: {people} registered people, {referrals} referrals in the period, "
          f"{len(result['trend'])} quarter-by-quintile counts")
    print(f"duckdb: load {load_ms:.0f} ms; indicators median {median:.1f} ms, best {best:.1f} ms "
          f"over {len(times)} runs (threads={threads})")
    print(f"check: {checked} groups match the Rust tallies")
    print(json.dumps({"duckdb_ms": round(median, 2), "duckdb_best_ms": round(best, 2),
                      "checked_groups": checked}))


if __name__ == "__main__":
    main()
