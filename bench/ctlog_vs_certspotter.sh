#!/usr/bin/env bash
# End-to-end CT follower throughput, lookalike vs Debian's certspotter (0.16), on the same
# loopback RFC 6962 log served by the project's test log server (tests/ctlog/ct_test_log_server).
#
#   bench/ctlog_vs_certspotter.sh [BUILD_DIR] [ENTRIES]
#
# lookalike: `ct follow --once` (fetch, verify every leaf and the signed root, parse, match
# against the brand index, commit matches + position to RocksDB) timed from start to exit.
# certspotter: a daemon with no --once; timed from start until its state.json shows the verified
# position at the tree size (polled every 0.1 s), then stopped.
set -euo pipefail

BUILD=${1:-build-ctlog-rel}
N=${2:-50000}
LOOKALIKE="$BUILD/lookalike"
SERVER="$BUILD/tests/ctlog/ct_test_log_server"
[ -x "$LOOKALIKE" ] && [ -x "$SERVER" ] || { echo "build $BUILD first (lookalike, ct_test_log_server)" >&2; exit 2; }
command -v certspotter >/dev/null || { echo "certspotter not installed (apt-get install certspotter)" >&2; exit 2; }

WORK=$(mktemp -d /tmp/ctlog-bench-XXXXXX)
SERVER_PID=""
CS_PID=""
cleanup() {
  [ -n "$CS_PID" ] && kill "$CS_PID" 2>/dev/null && wait "$CS_PID" 2>/dev/null || true
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

"$SERVER" --entries "$N" --brand-every 1000 --list "$WORK/list.json" > "$WORK/server.out" &
SERVER_PID=$!
for _ in $(seq 1 600); do grep -q '^ready' "$WORK/server.out" 2>/dev/null && break; sleep 0.2; done
grep -q '^ready' "$WORK/server.out" || { echo "log server did not start" >&2; exit 1; }
echo "log: $(cat "$WORK/server.out") with $N entries (half precerts; 1 in 1000 names a paypal look-alike)"

now() { date +%s.%N; }

# --- lookalike
"$LOOKALIKE" --db "$WORK/db" brand add paypal.com >/dev/null
t0=$(now)
"$LOOKALIKE" --db "$WORK/db" ct follow --logs "$WORK/list.json" --once --quiet > "$WORK/lookalike.out" 2> "$WORK/lookalike.err"
t1=$(now)
la_s=$(echo "$t1 - $t0" | bc -l)
la_rate=$(echo "$N / $la_s" | bc -l)
printf 'lookalike   %8.2f s  %10.0f entries/s  matches: %d  (%s)\n' "$la_s" "$la_rate" "$(wc -l < "$WORK/lookalike.out")" \
  "$(tail -1 "$WORK/lookalike.err")"

# --- certspotter (watchlist: the look-alike names the log holds, so it reports them too)
for ((i = 0; i < N; i += 1000)); do echo "paypal-secure$i.com"; done > "$WORK/watchlist"
mkdir -p "$WORK/cs"
t0=$(now)
certspotter -logs "$WORK/list.json" -watchlist "$WORK/watchlist" -stdout -no_save -state_dir "$WORK/cs" \
  > "$WORK/cs.out" 2> "$WORK/cs.err" &
CS_PID=$!
done_size() {
  cat "$WORK"/cs/logs/*/state.json 2>/dev/null |
    grep -o '"verified_position":{"nodes":\[[^]]*\],"size":[0-9]*' | grep -o '[0-9]*$' || echo 0
}
while :; do
  s=$(done_size || echo 0)
  [ "${s:-0}" = "$N" ] && break
  kill -0 "$CS_PID" 2>/dev/null || { echo "certspotter exited early:" >&2; cat "$WORK/cs.err" >&2; exit 1; }
  sleep 0.1
done
t1=$(now)
kill "$CS_PID"; wait "$CS_PID" 2>/dev/null || true; CS_PID=""
cs_s=$(echo "$t1 - $t0" | bc -l)
cs_rate=$(echo "$N / $cs_s" | bc -l)
printf 'certspotter %8.2f s  %10.0f entries/s  matches: %d certificates\n' "$cs_s" "$cs_rate" "$(grep -c 'paypal-secure' "$WORK/cs.out" || true)"
printf 'ratio       %8.1fx\n' "$(echo "$la_rate / $cs_rate" | bc -l)"
