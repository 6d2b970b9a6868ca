#!/usr/bin/env bash
# Every FHIR resource Linkwell emits, validated with the fhir.resources package (PyPI) in
# tests/fhir_resources.py. Run by .ci/run after `cargo test`, with the debug binary.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q --disable-pip-version-check "fhir.resources>=8,<9"
bin=target/debug/linkwell
work=$(mktemp -d)
port=18192
export DATABASE_URL=$work/fhir.db
team=$($bin teams add --name "FHIR team")
LINKWELL_PASSWORD=unused $bin users add --username gp --display-name GP --role team_lead --team-id "$team" >/dev/null
token=$($bin users token --username gp)
$bin serve --addr 127.0.0.1:$port >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" | grep -q '"postcodes":"loaded"' && break; sleep 0.2; done
python3 tests/fhir_resources.py "http://127.0.0.1:$port" "$token" "$DATABASE_URL"
