#!/usr/bin/env bash
# Property-based API testing: schemathesis (from PyPI) generates requests from
# /api/v1/openapi.json and checks that nothing answers 5xx and every response matches the
# document. Run by .ci/run after `cargo test`; needs the debug binary that cargo test built.
#
# positive_data_acceptance is excluded on purpose: the API rightly refuses values the schema
# cannot express (ids that do not exist, 1.0 for an integer, an NHS number whose check digit
# is wrong, transitions the lifecycle forbids) with 422.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q --disable-pip-version-check schemathesis
bin=target/debug/linkwell
work=$(mktemp -d)
port=18190
export DATABASE_URL=$work/schema.db
team=$($bin teams add --name "Schema team")
$bin users add --username lead --display-name Lead --role team_lead --team-id "$team" >/dev/null
token=$($bin users token --username lead)
source tests/serve.sh
start_server "$port"
api="http://127.0.0.1:$port/api/v1"
auth="Authorization: Bearer $token"
# Something for the {id} paths to find.
curl -sf -H "$auth" -H 'content-type: application/json' -d '{"given_name":"Sam","family_name":"Test","date_of_birth":"1970-01-01","sex":"male","ethnicity":"white","postcode":"SW1A 1AA"}' "$api/people" >/dev/null
curl -sf -H "$auth" -H 'content-type: application/json' -d '{"person_id":1,"referrer_kind":"gp","reason":"schema test"}' "$api/referrals" >/dev/null
curl -sf -H "$auth" -H 'content-type: application/json' -d '{"name":"Walking group","organisation":"Parks"}' "$api/services" >/dev/null
# Run as a module: a freshly installed console script may not be on PATH yet (pyenv shims).
python3 -m schemathesis.cli run "$api/openapi.json" \
  --header "$auth" \
  --exclude-checks positive_data_acceptance \
  --max-examples "${SCHEMATHESIS_EXAMPLES:-25}" \
  --seed 1 \
  --no-color
if grep -E "ERROR|panicked" "$work/server.log"; then
  echo "the server logged errors during the schemathesis run" >&2
  exit 1
fi
