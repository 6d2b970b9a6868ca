#!/usr/bin/env bash
# Benchmark: durable referral creation over HTTP (target in docs/benchmarks.md: >= 1,000/s,
# p99 <= 25 ms).
# Starts a release server on a fresh SQLite file (or DATABASE_URL), loads it from a second
# process with wrk on loopback, and prints throughput and latency percentiles.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null
cargo build --release -q
bin=target/release/linkwell
work=$(mktemp -d)
db=${DATABASE_URL:-$work/bench.db}
port=${PORT:-18080}
seconds=${SECONDS_TO_RUN:-10}
export DATABASE_URL=$db
team=$($bin teams add --name "Bench team")
$bin users add --username bench --display-name Bench --role link_worker --team-id "$team" >/dev/null
token=$($bin users token --username bench)
$bin serve --addr 127.0.0.1:$port >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
person=$(curl -sf -H "authorization: Bearer $token" -H 'content-type: application/json' \
  -d '{"given_name":"Bench","family_name":"Person","date_of_birth":"1960-01-01","sex":"female","ethnicity":"white","postcode":"B25 8DS"}' \
  "http://127.0.0.1:$port/api/v1/people" | sed -E 's/.*"id":([0-9]+).*/\1/')
cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.headers["authorization"] = "Bearer $token"
wrk.body = '{"person_id": $person, "referrer_kind": "gp", "reason": "benchmark"}'
LUA
before=$(sqlite3 "$db" 'select count(*) from referrals' 2>/dev/null || echo 0)
wrk -t2 -c16 -d${seconds}s --latency -s "$work/post.lua" "http://127.0.0.1:$port/api/v1/referrals"
echo "referrals stored: $(( $(sqlite3 "$db" 'select count(*) from referrals' 2>/dev/null || echo 0) - before ))"
