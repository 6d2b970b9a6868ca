# Sourced by the test scripts: starts the debug server on 127.0.0.1:PORT (any further
# arguments go to `linkwell serve`), logs to $work/server.log, waits until its postcode
# lookup has loaded, and stops it (removing $work) when the script exits.
start_server() {
  local port=$1
  shift
  "${bin:-target/debug/linkwell}" serve --addr "127.0.0.1:$port" "$@" >"$work/server.log" 2>&1 &
  server=$!
  trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/healthz" | grep -q '"postcodes":"loaded"' && return 0
    sleep 0.2
  done
  echo "the server did not start on port $port:" >&2
  cat "$work/server.log" >&2
  return 1
}
