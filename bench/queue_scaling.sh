#!/usr/bin/env bash
# Scaling of `lookalike worker --role resolve` with 1, 2 and 4 workers on one mock Kafka cluster
# (`lookalike kafka-mock`), against a latency-bound fake DNS server on 127.0.0.1 (bench_slow_dns:
# C++/Asio, every answer NXDOMAIN, sent DELAY ms after the query, one timer per query, so waiting
# costs no CPU). Three rounds of 1, 2, 4 workers; prints names/s of each run, then the median per
# worker count and its ratio to one worker. A measurement, not a test: nothing is asserted.
#
# usage: bench/queue_scaling.sh [BUILD_DIR] [names] [delay-ms] [concurrency] [window]
#   default build dir: build/rel (a Release build with bench_slow_dns and lookalike), 4000 names,
#   100 ms, concurrency 0 (the resolver's adaptive window; N: N queries in flight per worker),
#   window 256 (messages a worker holds, i.e. the largest batch it resolves at once).
# Sends nothing beyond 127.0.0.1.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${1:-$ROOT/build/rel}"
BIN="$BUILD/lookalike"
SLOW_DNS="$BUILD/bench/bench_slow_dns"
NAMES="${2:-4000}"
DELAY="${3:-100}"
CONCURRENCY="${4:-0}"
WINDOW="${5:-256}"
ROUNDS="${ROUNDS:-3}"
[ -x "$BIN" ] || { echo "no lookalike binary at $BIN" >&2; exit 1; }
[ -x "$SLOW_DNS" ] || { echo "no bench_slow_dns at $SLOW_DNS (build target bench_slow_dns)" >&2; exit 1; }

WORK="$(mktemp -d /tmp/lookalike-queue-bench-XXXXXX)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

"$SLOW_DNS" "$DELAY" > "$WORK/dns.port" &
PIDS+=($!)
for _ in $(seq 50); do [ -s "$WORK/dns.port" ] && break; sleep 0.1; done
DNS="127.0.0.1:$(cat "$WORK/dns.port")"

python3 -c "
for i in range($NAMES): print(f'bench{i}.com')" > "$WORK/names.txt"

# Mock cluster with 8 partitions (room for 4 workers with 2 each).
"$BIN" kafka-mock --brokers 3 --partitions 8 > "$WORK/brokers.txt" 2> "$WORK/mock.log" &
PIDS+=($!)
for _ in $(seq 50); do [ -s "$WORK/brokers.txt" ] && break; sleep 0.1; done
BROKERS="$(cat "$WORK/brokers.txt")"
# A fresh group per round starts at the end of the topic: it sees only its own round's names.
printf 'session.timeout.ms=6000\nheartbeat.interval.ms=500\nauto.offset.reset=latest\n' > "$WORK/kafka.properties"

count_resolved() { "$BIN" kafka-read --brokers "$BROKERS" --topic resolved 2>/dev/null | wc -l; }

echo "names=$NAMES delay=${DELAY}ms concurrency=$CONCURRENCY window=$WINDOW rounds=$ROUNDS load: $(uptime | sed 's/.*load average: //')"
declare -A RATES
run=0
for round in $(seq "$ROUNDS"); do
  for n in 1 2 4; do
    run=$((run + 1))
    before=$(count_resolved)
    # Fresh names per run (a new group starts at the end of the topic, so it sees only these).
    sed "s/^bench/r${run}x/" "$WORK/names.txt" > "$WORK/names-$run.txt"
    group="bench-$run-$$"
    wp=()
    for i in $(seq "$n"); do
      "$BIN" worker --role resolve --group "$group" --brokers "$BROKERS" --config "$WORK/kafka.properties" \
        --resolvers "$DNS" --concurrency "$CONCURRENCY" --window "$WINDOW" 2> "$WORK/worker-$run-$i.log" &
      wp+=($!)
    done
    # Wait until every worker has partitions, then time the work from enqueue to the last record.
    for _ in $(seq 300); do
      [ "$(cat "$WORK"/worker-"$run"-*.log 2>/dev/null | grep -c 'assigned partitions [0-9]')" -ge "$n" ] && break; sleep 0.1
    done
    sleep 2
    start=$(date +%s.%N)
    "$BIN" enqueue --brokers "$BROKERS" < "$WORK/names-$run.txt" 2>/dev/null
    while [ "$(count_resolved)" -lt $((before + NAMES)) ]; do sleep 0.2; done
    end=$(date +%s.%N)
    for p in "${wp[@]}"; do kill -TERM "$p"; done
    for p in "${wp[@]}"; do wait "$p" || true; done
    rate=$(python3 -c "print(round($NAMES / ($end - $start)))")
    RATES[$n]="${RATES[$n]:-} $rate"
    echo "round=$round workers=$n names/s=$rate"
  done
done
median() { tr ' ' '\n' <<< "$1" | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
base=$(median "${RATES[1]}")
for n in 1 2 4; do
  m=$(median "${RATES[$n]}")
  echo "workers=$n median names/s=$m ratio=$(python3 -c "print(round($m / $base, 2))") (runs:${RATES[$n]})"
done
echo "load after: $(uptime | sed 's/.*load average: //')"
