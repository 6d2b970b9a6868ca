#!/usr/bin/env bash
# Every FHIR resource Linkwell emits, validated with the fhir.resources package (PyPI) in
# tests/fhir_resources.py, and the SKOS export parsed with rdflib (PyPI). Run by .ci/run after `cargo test`, with the debug binary.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q --disable-pip-version-check "fhir.resources>=8,<9" "rdflib>=7,<8"
bin=target/debug/linkwell
work=$(mktemp -d)
port=18192
export DATABASE_URL=$work/fhir.db
team=$($bin teams add --name "FHIR team")
$bin users add --username gp --display-name GP --role team_lead --team-id "$team" >/dev/null
token=$($bin users token --username gp)
source tests/serve.sh
start_server "$port"
python3 tests/fhir_resources.py "http://127.0.0.1:$port" "$token" "$DATABASE_URL"
