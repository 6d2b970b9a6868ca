#!/usr/bin/env bash
# Benchmark: directory search with 50,000 services (issue 5 targets: in-process p99 <= 2 ms,
# HTTP >= 3,000 requests/s on 2 cores). First the in-process figures beside SQLite FTS5 +
# R*Tree (`linkwell bench directory`), then a release server on a generated database with
# 50,000 services, loaded from a second process with wrk on loopback. Each request combines
# text, a need, 5 km from a postcode, free and places free, rotating over eight searches.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null
cargo build --release -q
bin=target/release/linkwell
$bin bench directory --services "${SERVICES:-50000}"
work=$(mktemp -d)
port=${PORT:-18081}
seconds=${SECONDS_TO_RUN:-10}
export DATABASE_URL=$work/directory.db
$bin generate --people 2000 --services "${SERVICES:-50000}" --quiet
$bin users add --username bench --display-name Bench --role link_worker >/dev/null
token=$($bin users token --username bench)
$bin serve --addr 127.0.0.1:$port >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" | grep -q '"postcodes":"loaded"' && break; sleep 0.2; done
search="http://127.0.0.1:$port/api/v1/directory/search"
# The first search loads and indexes the directory.
curl -sf -H "authorization: Bearer $token" "$search?q=walking" >/dev/null
cat >"$work/search.lua" <<LUA
local searches = {
  "q=walking%20group&need=physical_activity", "q=debt%20advice&need=money", "q=food%20bank&need=food",
  "q=choir&need=loneliness", "q=peer%20support&need=mental_wellbeing", "q=job%20club&need=employment",
  "q=carers&need=carer_support", "q=housing%20advice&need=housing" }
local postcodes = { "B25%208DS", "B11%201AA", "B23%206SH", "B91%203QB", "B37%207YE", "B13%209AA" }
local n = 0
request = function()
  n = n + 1
  local path = "/api/v1/directory/search?" .. searches[(n % #searches) + 1] ..
    "&postcode=" .. postcodes[(n % #postcodes) + 1] .. "&within_km=5&free=true&has_capacity=true"
  return wrk.format("GET", path, { ["authorization"] = "Bearer $token" })
end
LUA
curl -s -H "authorization: Bearer $token" "$search?q=walking%20group&need=physical_activity&postcode=B25%208DS&within_km=5&free=true&has_capacity=true&limit=1"; echo
wrk -t2 -c32 -d${seconds}s --latency -s "$work/search.lua" "http://127.0.0.1:$port"
