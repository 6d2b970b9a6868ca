#!/usr/bin/env python3
"""Computes the activity report's figures with DuckDB, from memory, for a speed comparison.

Reads the facts `linkwell bench activity --export DIR` writes, loads them into an in-memory
DuckDB (not timed), then times computing every count the Rust fold computes (before
disclosure control) and checks each one equals the exact count Rust put in params.json.
Every size and code (needs, barriers, referrer kinds, close reasons, programmes, wait
bands, the figures month by month and by programme) comes from params.json, which Rust
writes from its own definitions: nothing here is hard-coded to go stale.

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

TABLES = {
    "referrals": dict(id="UINTEGER", person="UINTEGER", received_day="INTEGER", received_month="INTEGER",
                      kind="UTINYINT", practice="USMALLINT", team="USMALLINT", programme="USMALLINT",
                      needs="UINTEGER",
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


def figure_sql(p, names, sql):
    """The statements for a list of figures, in the order Rust lays them out; a figure Rust
    has and this script does not (or the other way round) stops the run."""
    if set(names) != set(sql):
        sys.exit(f"figures differ: Rust {sorted(names)}, this script {sorted(sql)}")
    return " UNION ALL ".join(f"SELECT {i}, * FROM ({sql[name]})" for i, name in enumerate(names))


def queries(p):
    """Each figure as one statement; they run side by side, as a live report would."""
    fm, lm, last_day, none = p["first_month"], p["last_month"], p["last_day"], p["none"]
    start = lm - p["series_months"] + 1
    ending = {name: i for i, name in enumerate(p["endings"])}
    declined, unable, closed = ending["declined"], ending["unable_to_contact"], ending["closed"]
    goals_met = p["goals_met_reason"]
    period = lambda col: f"{col} BETWEEN {fm} AND {lm}"
    series = lambda col: f"{col} BETWEEN {start} AND {lm}"
    # An index that points nowhere counts in the row after the last (as `tally::index` does).
    row = lambda col, size: f"CASE WHEN {col} = {none} THEN {size} ELSE {col} END"
    upto = p["wait_bands_upto"]
    band = "CASE " + " ".join(f"WHEN w <= {u} THEN {i}" for i, u in enumerate(upto)) + f" ELSE {len(upto)} END"
    bits = lambda col, width: f"CASE WHEN {col} = 0 THEN [{width}] ELSE [b FOR b IN range({width}) IF ({col} >> b) & 1 = 1] END"
    q = {}
    q["referrals"] = f"""SELECT 'kind', kind, count(*) FROM referrals WHERE {period('received_month')} GROUP BY ALL
        UNION ALL SELECT 'practice', {row('practice', p['practices'])}, count(*)
            FROM referrals WHERE {period('received_month')} GROUP BY ALL
        UNION ALL SELECT 'team', {row('team', p['teams'])}, count(*)
            FROM referrals WHERE {period('received_month')} GROUP BY ALL
        UNION ALL SELECT 'need', n, count(*) FROM (SELECT unnest({bits('needs', p['needs'])}) n FROM referrals
            WHERE {period('received_month')}) GROUP BY ALL"""
    q["supported"] = f"""SELECT count(DISTINCT r.person) FROM contacts c JOIN referrals r ON r.id = c.referral
        WHERE c.reached = 1 AND {period('c.month')}"""
    q["contacts"] = f"""SELECT mode, count(*), count_if(reached = 1) FROM contacts WHERE {period('month')} GROUP BY ALL"""
    q["caseload"] = f"""WITH open AS (SELECT id FROM referrals WHERE received_day <= {last_day}
            AND (end_day IS NULL OR end_day > {last_day})),
        held AS (SELECT referral, arg_max(worker, (day, seq)) worker FROM assignments WHERE day <= {last_day} GROUP BY referral)
        SELECT CASE WHEN held.worker IS NULL OR held.worker = {none} THEN {p['workers']} ELSE held.worker END w, count(*)
        FROM open LEFT JOIN held ON held.referral = open.id GROUP BY ALL"""
    q["waits"] = f"""SELECT {band} b, count(*) FROM (SELECT first_reached_day - received_day w FROM referrals
        WHERE first_reached_day IS NOT NULL AND {period('first_reached_month')}) GROUP BY ALL"""
    q["endings"] = f"""SELECT 'declined', b, count(*) FROM (SELECT unnest({bits('barriers', p['barriers'])}) b FROM referrals
            WHERE ending = {declined} AND {period('end_month')}) GROUP BY ALL
        UNION ALL SELECT 'declined_all', 0, count(*) FROM referrals WHERE ending = {declined} AND {period('end_month')}
        UNION ALL SELECT 'unable', 0, count(*) FROM referrals WHERE ending = {unable} AND {period('end_month')}
        UNION ALL SELECT 'closed', close_reason, count(*) FROM referrals WHERE ending = {closed} AND {period('end_month')} GROUP BY ALL
        UNION ALL SELECT 'pairs', 0, count(*) FROM referrals WHERE ending = {closed} AND outcome_pair = 1 AND {period('end_month')}"""
    q["connections"] = f"""SELECT 'service', service, count(*), sum(accepted), sum(declined), sum(attended)
            FROM connections WHERE {period('sent_month')} GROUP BY ALL
        UNION ALL SELECT 'organisation', organisation, count(*), sum(accepted), sum(declined), sum(attended)
            FROM connections WHERE {period('sent_month')} GROUP BY ALL
        UNION ALL SELECT 'reason', b, count(*), 0, 0, 0 FROM (SELECT unnest({bits('barriers', p['barriers'])}) b
            FROM connections WHERE declined = 1 AND {period('sent_month')}) GROUP BY ALL"""
    # By programme, in the period: a referral's figures count in its programme's row, a
    # person supported once per programme they were reached in (src/activity/tally.rs).
    programme = lambda col: row(col, p["programmes"])
    q["programmes"] = figure_sql(p, p["programme_figures"], {
        "referrals": f"""SELECT {programme('programme')}, count(*) FROM referrals
            WHERE {period('received_month')} GROUP BY ALL""",
        "people_supported": f"""SELECT {programme('r.programme')}, count(DISTINCT r.person) FROM contacts c
            JOIN referrals r ON r.id = c.referral WHERE c.reached = 1 AND {period('c.month')} GROUP BY ALL""",
        "first_reached": f"""SELECT {programme('programme')}, count(*) FROM referrals
            WHERE first_reached_day IS NOT NULL AND {period('first_reached_month')} GROUP BY ALL""",
        "closed": f"""SELECT {programme('programme')}, count(*) FROM referrals
            WHERE ending = {closed} AND {period('end_month')} GROUP BY ALL""",
        "goals_met": f"""SELECT {programme('programme')}, count(*) FROM referrals
            WHERE ending = {closed} AND close_reason = {goals_met} AND {period('end_month')} GROUP BY ALL""",
        "connections_sent": f"""SELECT {programme('r.programme')}, count(*) FROM connections k
            JOIN referrals r ON r.id = k.referral WHERE {period('k.sent_month')} GROUP BY ALL""",
        "connections_attended": f"""SELECT {programme('r.programme')}, count(*) FROM connections k
            JOIN referrals r ON r.id = k.referral WHERE k.attended = 1 AND {period('k.sent_month')} GROUP BY ALL""",
    })
    # Month by month, each figure at its index in `monthly_figures` (`Monthly::ALL`).
    q["monthly"] = figure_sql(p, p["monthly_figures"], {
        "referrals": f"""SELECT received_month - {start}, count(*) FROM referrals WHERE {series('received_month')} GROUP BY ALL""",
        "people_supported": f"""SELECT m - {start}, count(*) FROM (SELECT DISTINCT r.person, c.month m FROM contacts c
            JOIN referrals r ON r.id = c.referral WHERE c.reached = 1 AND {series('c.month')}) GROUP BY ALL""",
        "contacts": f"""SELECT month - {start}, count(*) FROM contacts WHERE {series('month')} GROUP BY ALL""",
        "contacts_reached": f"""SELECT month - {start}, count(*) FROM contacts WHERE reached = 1 AND {series('month')} GROUP BY ALL""",
        "connections_sent": f"""SELECT sent_month - {start}, count(*) FROM connections WHERE {series('sent_month')} GROUP BY ALL""",
        "connections_attended": f"""SELECT sent_month - {start}, count(*) FROM connections
            WHERE attended = 1 AND {series('sent_month')} GROUP BY ALL""",
        "declined": f"""SELECT end_month - {start}, count(*) FROM referrals WHERE ending = {declined} AND {series('end_month')} GROUP BY ALL""",
        "unable_to_contact": f"""SELECT end_month - {start}, count(*) FROM referrals
            WHERE ending = {unable} AND {series('end_month')} GROUP BY ALL""",
        "closed": f"""SELECT end_month - {start}, count(*) FROM referrals WHERE ending = {closed} AND {series('end_month')} GROUP BY ALL""",
        "goals_met": f"""SELECT end_month - {start}, count(*) FROM referrals
            WHERE ending = {closed} AND close_reason = {goals_met} AND {series('end_month')} GROUP BY ALL""",
    })
    return q


def compute(cursors, pool, sql):
    return dict(zip(sql, pool.map(lambda name: cursors[name].execute(sql[name]).fetchall(), sql)))


def figures(p, res):
    """The results in the shape of params.json's `expected`."""
    needs, barriers = p["needs"], p["barriers"]
    out = {"by_kind": [0] * p["referrer_kinds"], "by_practice": [0] * (p["practices"] + 1),
           "by_team": [0] * (p["teams"] + 1),
           "by_programme": [[0] * len(p["programme_figures"]) for _ in range(p["programmes"] + 1)],
           "by_need": [0] * (needs + 1), "contacts": [0] * p["contact_modes"], "reached": [0] * p["contact_modes"],
           "caseload": [0] * (p["workers"] + 1), "waits": [0] * (len(p["wait_bands_upto"]) + 1),
           "decline_reasons": [0] * (barriers + 1), "closures": [0] * p["close_reasons"],
           "by_service": [[0] * 4 for _ in range(p["services"])],
           "by_organisation": [[0] * 4 for _ in range(p["organisations"])],
           "connection_decline_reasons": [0] * (barriers + 1), "connections": [0] * 4,
           "monthly": [[0] * len(p["monthly_figures"]) for _ in range(p["series_months"])],
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
    for f, programme, n in res["programmes"]:
        out["by_programme"][programme][f] = n
    for f, m, n in res["monthly"]:
        out["monthly"][m][f] = n
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
    counts = lambda v: sum(map(counts, v)) if isinstance(v, list) else 1
    median, best = statistics.median(times), min(times)
    print(f"duckdb {duckdb.__version__}: load {load_ms:.0f} ms; figures median {median:.1f} ms, best {best:.1f} ms "
          f"over {len(times)} runs (threads={threads})")
    print(f"check: all {len(want)} figures ({counts(list(want.values()))} counts, by programme included) "
          "equal the Rust tallies")
    print(json.dumps({"duckdb_ms": round(median, 2), "duckdb_best_ms": round(best, 2), "figures": len(want),
                      "counts": counts(list(want.values()))}))


if __name__ == "__main__":
    main()
