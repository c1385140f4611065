#!/usr/bin/env bash
# Whole-process comparison: `lookalike generate D` vs Debian's `dnstwist --format list D`, side by
# side on the same 10 domains, each run alternately by hyperfine. Prints a Markdown table with
# median times, the median ratio, candidate counts and peak RSS.
# Usage: bench/generator_vs_dnstwist.sh [path/to/lookalike] [runs]
set -euo pipefail
BIN=${1:-build/release/lookalike}
RUNS=${2:-10}
DOMAINS=(paypal.com bankofamerica.com google.com microsoft.com amazon.de apple.com netflix.com facebook.com
         example-bank.co.uk wellsfargo.com)
command -v hyperfine >/dev/null || { echo "needs hyperfine (bash .ci/setup)" >&2; exit 1; }
command -v dnstwist >/dev/null || { echo "needs dnstwist (bash .ci/setup)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for d in "${DOMAINS[@]}"; do
  hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$tmp/$d.json" \
    "dnstwist --format list $d" "$BIN generate $d" >/dev/null 2>&1
  dn=$(dnstwist --format list "$d" | wc -l)
  ln=$("$BIN" generate "$d" | wc -l)
  dm=$( { /usr/bin/time -f %M dnstwist --format list "$d" >/dev/null; } 2>&1 | tail -1)
  lm=$( { /usr/bin/time -f %M "$BIN" generate "$d" >/dev/null; } 2>&1 | tail -1)
  echo "$d $dn $ln $dm $lm" >> "$tmp/counts"
done
python3 - "$tmp" <<'PY'
import json, statistics, sys, os
tmp = sys.argv[1]
rows, ratios = [], []
for line in open(os.path.join(tmp, "counts")):
    d, dn, ln, dm, lm = line.split()
    r = json.load(open(os.path.join(tmp, d + ".json")))["results"]
    dt, lt = r[0]["median"], r[1]["median"]
    ratios.append(dt / lt)
    rows.append(f"| {d} | {dt*1000:.1f} | {lt*1000:.2f} | {dt/lt:.0f}x | {dn} | {ln} | {int(dm)/1024:.1f} | {int(lm)/1024:.1f} |")
print("| domain | dnstwist ms | lookalike ms | ratio | dnstwist names | lookalike names | dnstwist peak MiB | lookalike peak MiB |")
print("|---|---|---|---|---|---|---|---|")
print("\n".join(rows))
print(f"\nmedian ratio: {statistics.median(ratios):.0f}x (min {min(ratios):.0f}x, max {max(ratios):.0f}x)")
PY
