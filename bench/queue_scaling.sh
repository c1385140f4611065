#!/usr/bin/env bash
# Scaling of `lookalike worker --role resolve` with 1, 2 and 4 workers on one mock Kafka cluster
# (`lookalike kafka-mock`), against a latency-bound fake DNS server on 127.0.0.1 (every answer
# NXDOMAIN, sent DELAY ms after the query). Prints names/s per worker count and the ratio to one
# worker. A measurement, not a test: nothing is asserted.
#
# usage: bench/queue_scaling.sh [path/to/lookalike] [names] [delay-ms] [concurrency]
#   default binary: build/rel/lookalike (a Release build), 6000 names, 50 ms, concurrency 0
#   (the resolver's adaptive window; N: N queries in flight per worker).
# Needs: python3 with dnspython (python3-dnspython). Sends nothing beyond 127.0.0.1.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${1:-$ROOT/build/rel/lookalike}"
NAMES="${2:-6000}"
DELAY="${3:-50}"
CONCURRENCY="${4:-0}"
[ -x "$BIN" ] || { echo "no lookalike binary at $BIN" >&2; exit 1; }
# Debian's interpreter (python3-dnspython), even when another python3 comes first in PATH.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
"$PY" -c 'import dns.message' 2>/dev/null || { echo "missing python3-dnspython" >&2; exit 1; }

WORK="$(mktemp -d /tmp/lookalike-queue-bench-XXXXXX)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# The fake resolver: answers NXDOMAIN to everything, DELAY ms late (asyncio timers, no threads).
cat > "$WORK/slow_dns.py" <<'PY'
import asyncio, sys
import dns.message, dns.rcode
delay = int(sys.argv[1]) / 1000.0
class Slow(asyncio.DatagramProtocol):
    def connection_made(self, t): self.t = t
    def datagram_received(self, data, addr):
        try:
            q = dns.message.from_wire(data)
        except Exception:
            return
        r = dns.message.make_response(q)
        r.set_rcode(dns.rcode.NXDOMAIN)
        asyncio.get_running_loop().call_later(delay, self.t.sendto, r.to_wire(), addr)
async def main():
    loop = asyncio.get_running_loop()
    t, _ = await loop.create_datagram_endpoint(Slow, local_addr=("127.0.0.1", 0))
    print(t.get_extra_info("sockname")[1], flush=True)
    await asyncio.Event().wait()
asyncio.run(main())
PY
"$PY" "$WORK/slow_dns.py" "$DELAY" > "$WORK/dns.port" &
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

base=""
echo "names=$NAMES delay=${DELAY}ms concurrency=$CONCURRENCY load: $(uptime | sed 's/.*load average: //')"
for n in 1 2 4; do
  before=$(count_resolved)
  group="bench-$n-$$"
  wp=()
  for i in $(seq "$n"); do
    "$BIN" worker --role resolve --group "$group" --brokers "$BROKERS" --config "$WORK/kafka.properties" \
      --resolvers "$DNS" --concurrency "$CONCURRENCY" 2> "$WORK/worker-$n-$i.log" &
    wp+=($!)
  done
  # Wait until every worker has partitions, then time the work from enqueue to the last record.
  for _ in $(seq 300); do
    [ "$(cat "$WORK"/worker-"$n"-*.log | grep -c 'assigned partitions [0-9]')" -ge "$n" ] && break; sleep 0.1
  done
  sleep 2
  start=$(date +%s.%N)
  "$BIN" enqueue --brokers "$BROKERS" < "$WORK/names.txt" 2>/dev/null
  while [ "$(count_resolved)" -lt $((before + NAMES)) ]; do sleep 0.2; done
  end=$(date +%s.%N)
  for p in "${wp[@]}"; do kill -TERM "$p"; done
  for p in "${wp[@]}"; do wait "$p" || true; done
  rate=$(python3 -c "print(round($NAMES / ($end - $start)))")
  [ -z "$base" ] && base=$rate
  echo "workers=$n names/s=$rate ratio=$(python3 -c "print(round($rate / $base, 2))")"
done
