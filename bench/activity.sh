#!/usr/bin/env bash
# Benchmark: the activity report at 1,000,000 people (issue 17: warm <= 50 ms and at least 10
# times faster than DuckDB computing the same figures in the same run). Generates the
# population once (kept in $ACTIVITY_DB), times the report cold and warm, exports the same
# facts as CSV, runs DuckDB on them (checking every count equals ours before disclosure
# control) and prints both times and the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c 'import duckdb' 2>/dev/null || python3 -m pip install -q duckdb
cargo build --release -q
bin=target/release/linkwell
db=${ACTIVITY_DB:-/tmp/linkwell-activity-1m.db}
people=${PEOPLE:-1000000}
if [ ! -f "$db" ]; then
  $bin generate --database-url "$db" --people "$people" --quiet
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
$bin bench activity --database-url "$db" --export "$work" | tee "$work/linkwell.txt"
python3 bench/activity_duckdb.py "$work" | tee "$work/duckdb.txt"
python3 - "$work" <<'PY'
import json, sys
last = lambda f: json.loads(open(f"{sys.argv[1]}/{f}").read().strip().splitlines()[-1])
ours, duck = last("linkwell.txt"), last("duckdb.txt")
print(f"warm report {ours['warm_ms']:.2f} ms vs DuckDB {duck['duckdb_ms']:.2f} ms: "
      f"{duck['duckdb_ms'] / ours['warm_ms']:.1f} times faster (target >= 10, warm <= 50 ms); cold {ours['cold_ms']:.0f} ms")
PY
