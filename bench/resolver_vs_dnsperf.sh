#!/usr/bin/env bash
# Whole-process comparison: `lookalike resolve` (default settings) against `dnsperf`, both asking
# the same nsd on 127.0.0.1 the same queries in the same run. Checks every outcome of ours.
#
# usage: bench/resolver_vs_dnsperf.sh [path/to/lookalike] [names]
#   default binary: build-resolver-rel/lookalike (a Release build), default 100000 names.
# Needs: nsd, dnsperf, /usr/bin/time, python3. Sends nothing beyond 127.0.0.1.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${1:-$ROOT/build-resolver-rel/lookalike}"
NAMES="${2:-100000}"
[ -x "$BIN" ] || { echo "no lookalike binary at $BIN (build the release preset first)" >&2; exit 1; }
for tool in nsd dnsperf python3; do command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }; done
[ -x /usr/bin/time ] || { echo "missing /usr/bin/time (Debian package 'time')" >&2; exit 1; }

WORK="$(mktemp -d /tmp/lookalike-resolver-bench-XXXXXX)"
NSD_PID=""
cleanup() {
  if [ -n "$NSD_PID" ]; then kill -TERM "$NSD_PID" 2>/dev/null || true; wait "$NSD_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# 1. The zone: 40% answers (a quarter of them with MX + SPF + DMARC), 20% NODATA (TXT only),
#    25% NXDOMAIN, 15% under a wildcard. The expected outcome of every name goes to expected.tsv.
python3 - "$WORK" "$NAMES" <<'PY'
import sys
work, n = sys.argv[1], int(sys.argv[2])
zone = open(f"{work}/bench.test.zone", "w")
zone.write("$ORIGIN bench.test.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 600 86400 60\n@ NS ns1\n"
           "ns1 A 192.0.2.53\nmail A 192.0.2.25\nmail AAAA 2001:db8::25\n*.wild A 192.0.2.99\n")
names = open(f"{work}/names.txt", "w")
expected = open(f"{work}/expected.tsv", "w")
queries = open(f"{work}/queries.txt", "w")
for i in range(n):
    k = i % 20
    if k < 8:
        name, kind = f"a{i}", "answer"
        zone.write(f"{name} A 10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}\n")
        if i % 4 == 0:
            kind = "mail"
            zone.write(f"{name} MX 10 mail\n{name} TXT \"v=spf1 mx -all\"\n_dmarc.{name} TXT \"v=DMARC1; p=none\"\n")
    elif k < 12:
        name, kind = f"t{i}", "nodata"
        zone.write(f"{name} TXT \"text {i}\"\n")
    elif k < 17:
        name, kind = f"x{i}", "nxdomain"
    else:
        name, kind = f"w{i}.wild", "wildcard"
    fq = f"{name}.bench.test"
    names.write(fq + "\n")
    expected.write(f"{fq}\t{kind}\n")
    for t in ("A", "AAAA", "MX", "NS", "TXT"):
        queries.write(f"{fq} {t}\n")
    queries.write(f"_dmarc.{fq} TXT\n")
PY

# 2. nsd on a free loopback port, response-rate limiting off.
PORT="$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cat > "$WORK/nsd.conf" <<EOF
server:
  ip-address: 127.0.0.1@$PORT
  port: $PORT
  do-ip6: no
  username: ""
  chroot: ""
  zonesdir: "$WORK"
  pidfile: "$WORK/nsd.pid"
  xfrdfile: "$WORK/xfrd.state"
  xfrdir: "$WORK"
  zonelistfile: "$WORK/zone.list"
  database: ""
  logfile: "$WORK/nsd.log"
  server-count: 1
  verbosity: 1
  rrl-ratelimit: 0
  rrl-whitelist-ratelimit: 0
remote-control:
  control-enable: no
zone:
  name: "bench.test"
  zonefile: "bench.test.zone"
EOF
nsd -d -c "$WORK/nsd.conf" >"$WORK/nsd.stderr" 2>&1 &
NSD_PID=$!
for _ in $(seq 1 200); do
  if dnsperf -s 127.0.0.1 -p "$PORT" -d <(echo "bench.test SOA") -n 1 -t 1 2>/dev/null | grep -q "Queries completed:  *1 "; then break; fi
  sleep 0.05
done

QUERIES=$(wc -l < "$WORK/queries.txt")
echo "zone: $NAMES names, $QUERIES queries per pass (A AAAA MX NS TXT + _dmarc TXT), nsd on 127.0.0.1:$PORT"

# 3. dnsperf: the best of a few outstanding-query settings, so the peer is not handicapped.
best_dnsperf=0
for q in 100 500 2000; do
  /usr/bin/time -f "cpu %U %S" dnsperf -s 127.0.0.1 -p "$PORT" -d "$WORK/queries.txt" -n 1 -q "$q" -t 5 \
    > "$WORK/dnsperf-$q.txt" 2>&1 || true
  qps=$(awk '/Queries per second:/ {print $4}' "$WORK/dnsperf-$q.txt")
  lost=$(awk '/Queries lost:/ {print $3}' "$WORK/dnsperf-$q.txt")
  cpu=$(awk '/^cpu / {printf "%.2f", $2 + $3}' "$WORK/dnsperf-$q.txt")
  echo "dnsperf -q $q: $qps queries/s, lost $lost, CPU ${cpu} s"
  if python3 -c "import sys; sys.exit(0 if float('$qps') > float('$best_dnsperf') else 1)"; then best_dnsperf=$qps; fi
done

# 4. lookalike resolve with default settings (only the loopback server named).
/usr/bin/time -v "$BIN" resolve "$WORK/names.txt" --resolvers "127.0.0.1:$PORT" --stats \
  > "$WORK/out.jsonl" 2> "$WORK/lookalike.stderr"
python3 - "$WORK" "$best_dnsperf" <<'PY'
import json, re, sys
work, dnsperf = sys.argv[1], float(sys.argv[2])
err = open(f"{work}/lookalike.stderr").read()
stats = json.loads(next(l for l in err.splitlines() if l.startswith("{")))
wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", err)
wall_s = int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))
rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", err).group(1))
cpu = float(re.search(r"User time \(seconds\): ([\d.]+)", err).group(1)) + \
      float(re.search(r"System time \(seconds\): ([\d.]+)", err).group(1))
expected = dict(l.rstrip("\n").split("\t") for l in open(f"{work}/expected.tsv"))
seen, bad = set(), []
for line in open(f"{work}/out.jsonl"):
    r = json.loads(line)
    name, t = r["name"], r["types"]
    kind = expected.get(name)
    if name in seen or kind is None:
        bad.append(f"unexpected or duplicate {name}")
        continue
    seen.add(name)
    out = {k: v["outcome"] for k, v in t.items()}
    if kind in ("answer", "mail"):
        ok = out["A"] == "answer" and out["AAAA"] == "nodata" and out["NS"] == "nodata" and not r["wildcard"]
        if kind == "mail":
            ok = ok and out["MX"] == "answer" and t["MX"]["mx"][0]["addresses"] == ["192.0.2.25", "2001:db8::25"] \
                 and r.get("spf") == "v=spf1 mx -all" and r.get("dmarc") == "v=DMARC1; p=none"
        else:
            ok = ok and out["MX"] == "nodata" and out["TXT"] == "nodata" and out["DMARC"] == "nxdomain"
    elif kind == "nodata":
        ok = out["A"] == "nodata" and out["TXT"] == "answer" and out["DMARC"] == "nxdomain"
    elif kind == "nxdomain":
        ok = all(v == "nxdomain" for v in out.values())
    else:
        ok = out["A"] == "answer" and r["wildcard"] and t["A"].get("wildcard") is True
    if not ok:
        bad.append(f"{name} ({kind}): {out}")
missing = len(expected) - len(seen)
ours_loop = stats["queries_per_second"]
ours_wall = stats["queries"] / wall_s
print(f"lookalike resolve: {stats['queries']} queries ({stats['wildcard_probes']} wildcard probes, "
      f"{stats['retries']} retries, {stats['timeouts']} timeouts) in {wall_s:.2f} s wall: "
      f"{ours_wall:,.0f} queries/s whole process ({ours_loop:,.0f}/s in the resolve loop); "
      f"peak in flight {stats['peak_in_flight']}, final window {stats['final_window']}")
print(f"peak RSS {rss_kb / 1024:.1f} MiB, CPU {cpu:.2f} s")
print(f"ratio vs best dnsperf ({dnsperf:,.0f} queries/s): {ours_wall / dnsperf:.2f}x whole process, "
      f"{ours_loop / dnsperf:.2f}x resolve loop")
print(f"outcomes: {len(seen)} names checked, {missing} missing, {len(bad)} wrong")
for b in bad[:10]:
    print("  wrong:", b)
sys.exit(1 if bad or missing else 0)
PY

# 5. The same run on the c-ares backend (for ARCHITECTURE.md's choice of engine).
/usr/bin/time -f "cpu %U %S wall %e" "$BIN" resolve "$WORK/names.txt" --resolvers "127.0.0.1:$PORT" --backend c-ares \
  --stats > /dev/null 2> "$WORK/cares.stderr"
python3 - "$WORK" <<'PY'
import json, sys
err = open(f"{sys.argv[1]}/cares.stderr").read().splitlines()
stats = json.loads(next(l for l in err if l.startswith("{")))
cpu = next(l for l in err if l.startswith("cpu ")).split()
print(f"--backend c-ares: {stats['queries'] / float(cpu[4]):,.0f} queries/s whole process, "
      f"{stats['timeouts']} timeouts, CPU {float(cpu[1]) + float(cpu[2]):.2f} s")
PY

# 6. Memory per in-flight query: peak RSS with a fixed window of 64 and of 4096 queries.
rss_at() {
  /usr/bin/time -v "$BIN" resolve "$WORK/names.txt" --resolvers "127.0.0.1:$PORT" --concurrency "$1" \
    > /dev/null 2> "$WORK/rss-$1.txt"
  awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/rss-$1.txt"
}
small=$(rss_at 64)
large=$(rss_at 4096)
python3 -c "print(f'memory per in-flight query: ({$large} - {$small}) KiB / (4096 - 64) = {($large - $small) * 1024 / 4032:.0f} bytes')"
