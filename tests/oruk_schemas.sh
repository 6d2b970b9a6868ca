#!/usr/bin/env bash
# Every /oruk response validated against the Open Referral UK schemas (tests/oruk_schemas.py),
# on a directory holding the standard's own examples and a local feed. Run by .ci/run after
# `cargo test`, with the debug binary it built; needs jsonschema (installed with schemathesis)
# and openapi-spec-validator.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c 'import jsonschema' 2>/dev/null || python3 -m pip install -q --disable-pip-version-check jsonschema
python3 -c 'import openapi_spec_validator' 2>/dev/null || python3 -m pip install -q --disable-pip-version-check openapi-spec-validator
bin=target/debug/linkwell
work=$(mktemp -d)
port=18191
export DATABASE_URL=$work/oruk.db
$bin teams add --name "ORUK team" >/dev/null
$bin import directory tests/standards/hsds-3.0/examples/service_full.json
cat >"$work/local.json" <<'JSON'
[{"id": "6a1f3a0e-0c59-4f43-9d0b-0f6c9e4c2a11", "name": "Acocks Green walking group", "status": "active",
  "description": "Weekly walks for adults", "minimum_age": 18,
  "organization": {"id": "0d6c3f0e-5d35-4a8e-8d6b-1b1f3e0a9c22", "name": "Green Paths", "description": "Walking charity"},
  "service_at_locations": [{"id": "c2b1d7b4-8f5e-4c1a-9d7e-3e2f1a0b5c33", "location": {
    "id": "f4e3d2c1-b0a9-4876-8543-21fedcba9876", "location_type": "physical", "latitude": 52.4497, "longitude": -1.8180,
    "addresses": [{"id": "9a8b7c6d-5e4f-4321-8765-4321fedcba98", "address_1": "Shirley Road", "city": "Birmingham",
      "state_province": "West Midlands", "postal_code": "B27 7XH", "country": "GB", "address_type": "physical"}]}}],
  "attributes": [{"id": "1b2c3d4e-5f60-4718-9a0b-c1d2e3f40516", "taxonomy_term": {
    "id": "7e6d5c4b-3a29-4817-8f6e-5d4c3b2a1908", "name": "Physical activity", "description": "Being active",
    "taxonomy": "Linkwell needs", "taxonomy_id": "3c2b1a09-8f7e-4d6c-9b5a-493827160504"}}]}]
JSON
$bin import directory "$work/local.json"
source tests/serve.sh
start_server "$port"
python3 tests/oruk_schemas.py "http://127.0.0.1:$port/oruk"
