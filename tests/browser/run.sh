#!/usr/bin/env bash
# Browser tests in Debian's Chromium (never a downloaded browser): a generated demo
# database, the debug server, then `node --test` over tests/browser/*.test.mjs. Writes
# target/browser/pages.jsonl (axe results, page weight, server time per page) and
# target/browser/screenshots/ (each page at desktop and mobile widths).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
bin=$root/target/debug/linkwell
work=$(mktemp -d)
port=${LINKWELL_BROWSER_PORT:-18300}
rm -rf target/browser && mkdir -p target/browser
$bin generate --people 3000 --seed 11 --services 300 --demo-sign-ins --quiet --database-url "$work/browser.db"
eval "$(python3 tests/browser/setup.py "$work/browser.db" | sed 's/^\([A-Z_]*\)=\(.*\)$/export \1="\2"/')"
source tests/serve.sh
start_server "$port" --database-url "$work/browser.db" --equity-refresh-seconds 0
cd tests/browser
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
BASE_URL=http://127.0.0.1:$port BROWSER_OUT=$root/target/browser node --test --test-concurrency=1 ./*.test.mjs
python3 - "$root/target/browser/pages.jsonl" <<'PY'
import json, sys
pages = [json.loads(line) for line in open(sys.argv[1])]
heaviest = max(pages, key=lambda p: p["totalBytes"] or 0)
slowest = max(pages, key=lambda p: p["serverMs"] or 0)
axe = {k: sum(p["axe"][k] for p in pages) for k in ("critical", "serious", "moderate", "minor")}
print(f"browser: {len(pages)} page checks; axe-core violations {axe}")
print(f"heaviest page: {heaviest['page']} {heaviest['totalBytes']} bytes; slowest server time: {slowest['page']} {slowest['serverMs']} ms")
PY
