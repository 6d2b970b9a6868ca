#!/usr/bin/env python3
"""Computes the activity report's figures with DuckDB, from memory, for a speed comparison.

Reads the facts `linkwell bench activity --export DIR` writes, loads them into an in-memory
DuckDB (not timed), then times computing every count the Rust fold computes (before
disclosure control) and checks each one equals the exact count Rust put in params.json.

Usage: python3 bench/activity_duckdb.py DIR [--runs N]
"""
import argparse
import json
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb

NONE = 65535
NEEDS, BARRIERS, MODES, KINDS, REASONS = 15, 17, 5, 4, 6
WAIT_UPTO = [7, 14, 28, 56, 91]  # days; then 92 or more (src/activity/tally.rs WAIT_BANDS)
TABLES = {
    "referrals": dict(id="UINTEGER", person="UINTEGER", received_day="INTEGER", received_month="INTEGER",
                      kind="UTINYINT", practice="USMALLINT", team="USMALLINT", needs="UINTEGER",
                      first_reached_day="INTEGER", first_reached_month="INTEGER", ending="UTINYINT",
                      close_reason="UTINYINT", end_day="INTEGER", end_month="INTEGER", barriers="UINTEGER",
                      outcome_pair="UTINYINT"),
    "assignments": dict(seq="UINTEGER", referral="UINTEGER", day="INTEGER", worker="USMALLINT"),
    "contacts": dict(referral="UINTEGER", month="INTEGER", mode="UTINYINT", reached="UTINYINT"),
    "connections": dict(referral="UINTEGER", sent_month="INTEGER", service="UINTEGER", organisation="UINTEGER",
                        accepted="UTINYINT", declined="UTINYINT", attended="UTINYINT", barriers="UINTEGER"),
}


def load(con, directory):
    for table, columns in TABLES.items():
        ddl = ", ".join(f"{c} {t}" for c, t in columns.items())
        types = ", ".join(f"'{c}': '{t}'" for c, t in columns.items())
        con.execute(f"CREATE TABLE {table} ({ddl})")
        con.execute(f"INSERT INTO {table} SELECT * FROM read_csv('{directory / (table + '.csv')}', "
                    f"header = true, columns = {{{types}}})")
    con.execute("ANALYZE")


def queries(p):
    """Each figure as one statement; they run side by side, as a live report would."""
    fm, lm, last_day = p["first_month"], p["last_month"], p["last_day"]
    start = lm - p["series_months"] + 1
    period = lambda col: f"{col} BETWEEN {fm} AND {lm}"
    series = lambda col: f"{col} BETWEEN {start} AND {lm}"
    band = "CASE " + " ".join(f"WHEN w <= {u} THEN {i}" for i, u in enumerate(WAIT_UPTO)) + f" ELSE {len(WAIT_UPTO)} END"
    bits = lambda col, width: f"CASE WHEN {col} = 0 THEN [{width}] ELSE [b FOR b IN range({width}) IF ({col} >> b) & 1 = 1] END"
    q = {}
    q["referrals"] = f"""SELECT 'kind', kind, count(*) FROM referrals WHERE {period('received_month')} GROUP BY ALL
        UNION ALL SELECT 'practice', CASE WHEN practice = {NONE} THEN {p['practices']} ELSE practice END, count(*)
            FROM referrals WHERE {period('received_month')} GROUP BY ALL
        UNION ALL SELECT 'team', CASE WHEN team = {NONE} THEN {p['teams']} ELSE team END, count(*)
            FROM referrals WHERE {period('received_month')} GROUP BY ALL
        UNION ALL SELECT 'need', n, count(*) FROM (SELECT unnest({bits('needs', NEEDS)}) n FROM referrals
            WHERE {period('received_month')}) GROUP BY ALL"""
    q["supported"] = f"""SELECT count(DISTINCT r.person) FROM contacts c JOIN referrals r ON r.id = c.referral
        WHERE c.reached = 1 AND {period('c.month')}"""
    q["contacts"] = f"""SELECT mode, count(*), count_if(reached = 1) FROM contacts WHERE {period('month')} GROUP BY ALL"""
    q["caseload"] = f"""WITH open AS (SELECT id FROM referrals WHERE received_day <= {last_day}
            AND (end_day IS NULL OR end_day > {last_day})),
        held AS (SELECT referral, arg_max(worker, (day, seq)) worker FROM assignments WHERE day <= {last_day} GROUP BY referral)
        SELECT CASE WHEN held.worker IS NULL OR held.worker = {NONE} THEN {p['workers']} ELSE held.worker END w, count(*)
        FROM open LEFT JOIN held ON held.referral = open.id GROUP BY ALL"""
    q["waits"] = f"""SELECT {band} b, count(*) FROM (SELECT first_reached_day - received_day w FROM referrals
        WHERE first_reached_day IS NOT NULL AND {period('first_reached_month')}) GROUP BY ALL"""
    q["endings"] = f"""SELECT 'declined', b, count(*) FROM (SELECT unnest({bits('barriers', BARRIERS)}) b FROM referrals
            WHERE ending = 1 AND {period('end_month')}) GROUP BY ALL
        UNION ALL SELECT 'declined_all', 0, count(*) FROM referrals WHERE ending = 1 AND {period('end_month')}
        UNION ALL SELECT 'unable', 0, count(*) FROM referrals WHERE ending = 2 AND {period('end_month')}
        UNION ALL SELECT 'closed', close_reason, count(*) FROM referrals WHERE ending = 3 AND {period('end_month')} GROUP BY ALL
        UNION ALL SELECT 'pairs', 0, count(*) FROM referrals WHERE ending = 3 AND outcome_pair = 1 AND {period('end_month')}"""
    q["connections"] = f"""SELECT 'service', service, count(*), sum(accepted), sum(declined), sum(attended)
            FROM connections WHERE {period('sent_month')} GROUP BY ALL
        UNION ALL SELECT 'organisation', organisation, count(*), sum(accepted), sum(declined), sum(attended)
            FROM connections WHERE {period('sent_month')} GROUP BY ALL
        UNION ALL SELECT 'reason', b, count(*), 0, 0, 0 FROM (SELECT unnest({bits('barriers', BARRIERS)}) b
            FROM connections WHERE declined = 1 AND {period('sent_month')}) GROUP BY ALL"""
    # Month by month: figure index as in src/activity/tally.rs `Monthly::ALL`.
    q["monthly"] = f"""SELECT 0, received_month - {start}, count(*) FROM referrals WHERE {series('received_month')} GROUP BY ALL
        UNION ALL SELECT 1, m - {start}, count(*) FROM (SELECT DISTINCT r.person, c.month m FROM contacts c
            JOIN referrals r ON r.id = c.referral WHERE c.reached = 1 AND {series('c.month')}) GROUP BY ALL
        UNION ALL SELECT 2, month - {start}, count(*) FROM contacts WHERE {series('month')} GROUP BY ALL
        UNION ALL SELECT 3, month - {start}, count(*) FROM contacts WHERE reached = 1 AND {series('month')} GROUP BY ALL
        UNION ALL SELECT 4, sent_month - {start}, count(*) FROM connections WHERE {series('sent_month')} GROUP BY ALL
        UNION ALL SELECT 5, sent_month - {start}, count(*) FROM connections WHERE attended = 1 AND {series('sent_month')} GROUP BY ALL
        UNION ALL SELECT 6, end_month - {start}, count(*) FROM referrals WHERE ending = 1 AND {series('end_month')} GROUP BY ALL
        UNION ALL SELECT 7, end_month - {start}, count(*) FROM referrals WHERE ending = 2 AND {series('end_month')} GROUP BY ALL
        UNION ALL SELECT 8, end_month - {start}, count(*) FROM referrals WHERE ending = 3 AND {series('end_month')} GROUP BY ALL
        UNION ALL SELECT 9, end_month - {start}, count(*) FROM referrals WHERE ending = 3 AND close_reason = 0 AND {series('end_month')} GROUP BY ALL"""
    return q


def compute(cursors, pool, sql):
    return dict(zip(sql, pool.map(lambda name: cursors[name].execute(sql[name]).fetchall(), sql)))


def figures(p, res):
    """The results in the shape of params.json's `expected`."""
    e = p["expected"]
    out = {"by_kind": [0] * KINDS, "by_practice": [0] * (p["practices"] + 1), "by_team": [0] * (p["teams"] + 1),
           "by_need": [0] * (NEEDS + 1), "contacts": [0] * MODES, "reached": [0] * MODES,
           "caseload": [0] * (p["workers"] + 1), "waits": [0] * (len(WAIT_UPTO) + 1),
           "decline_reasons": [0] * (BARRIERS + 1), "closures": [0] * REASONS,
           "by_service": [[0] * 4 for _ in range(p["services"])],
           "by_organisation": [[0] * 4 for _ in range(p["organisations"])],
           "connection_decline_reasons": [0] * (BARRIERS + 1), "connections": [0] * 4,
           "monthly": [[0] * 10 for _ in range(p["series_months"])],
           "declined": 0, "unable_to_contact": 0, "outcome_pairs": 0}
    names = {"kind": "by_kind", "practice": "by_practice", "team": "by_team", "need": "by_need"}
    for what, i, n in res["referrals"]:
        out[names[what]][i] = n
    out["referrals"] = sum(out["by_kind"])
    out["people_supported"] = res["supported"][0][0]
    for mode, n, reached in res["contacts"]:
        out["contacts"][mode], out["reached"][mode] = n, reached
    for w, n in res["caseload"]:
        out["caseload"][w] = n
    for b, n in res["waits"]:
        out["waits"][b] = n
    for what, i, n in res["endings"]:
        if what == "declined":
            out["decline_reasons"][i] = n
        elif what == "declined_all":
            out["declined"] = n
        elif what == "unable":
            out["unable_to_contact"] = n
        elif what == "closed":
            out["closures"][i] = n
        else:
            out["outcome_pairs"] = n
    for what, i, sent, accepted, declined, attended in res["connections"]:
        if what == "reason":
            out["connection_decline_reasons"][i] = sent
        else:
            row = [sent, int(accepted), int(declined), int(attended)]
            out["by_service" if what == "service" else "by_organisation"][i] = row
            if what == "service":
                out["connections"] = [a + b for a, b in zip(out["connections"], row)]
    for f, m, n in res["monthly"]:
        out["monthly"][m][f] = n
    # Rust may know fewer barrier codes than the bits counted here: none may be set beyond them.
    for key in ("decline_reasons", "connection_decline_reasons"):
        want = len(e[key]) - 1
        out[key] = out[key][:want] + [out[key][BARRIERS]] if want < BARRIERS else out[key]
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    p = json.loads((args.dir / "params.json").read_text())
    con = duckdb.connect()
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    started = time.perf_counter()
    load(con, args.dir)
    load_ms = (time.perf_counter() - started) * 1000
    sql = queries(p)
    cursors = {name: con.cursor() for name in sql}
    with ThreadPoolExecutor(threads) as pool:
        result = compute(cursors, pool, sql)  # warm-up
        times = []
        for _ in range(max(args.runs, 1)):
            started = time.perf_counter()
            result = compute(cursors, pool, sql)
            got = figures(p, result)
            times.append((time.perf_counter() - started) * 1000)
    want = p["expected"]
    bad = [k for k in want if got.get(k) != want[k]]
    if bad:
        for k in bad[:10]:
            print(f"duckdb {k}: {str(got.get(k))[:200]} rust {str(want[k])[:200]}", file=sys.stderr)
        sys.exit(1)
    cells = sum(len(v) if isinstance(v, list) else 1 for v in want.values())
    median, best = statistics.median(times), min(times)
    print(f"duckdb {duckdb.__version__}: load {load_ms:.0f} ms; figures median {median:.1f} ms, best {best:.1f} ms "
          f"over {len(times)} runs (threads={threads})")
    print(f"check: all {len(want)} figures ({cells} rows of counts) equal the Rust tallies")
    print(json.dumps({"duckdb_ms": round(median, 2), "duckdb_best_ms": round(best, 2), "figures": len(want)}))


if __name__ == "__main__":
    main()
