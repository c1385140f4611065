#!/usr/bin/env bash
# Whole scan of 10 brands, side by side with `dnstwist --registered --mxcheck --banners`, both
# resolving through the same nsd on 127.0.0.2:53 (dnstwist cannot set a port). The zones hold,
# for each brand, 25 of its look-alikes as registered names (A and MX at 127.0.0.3, where
# nothing listens, so banner and SMTP checks fail fast for both tools). Names under other TLDs
# get REFUSED from nsd. Prints wall time, names/s and peak RSS of each tool. Needs root (port 53).
# Usage: bench/scan_vs_dnstwist.sh [path/to/lookalike [scan options...]]
# (e.g. `--budget 0`: every depth-1 name, as scans did before budgets; the default budget scans
# each brand's 10,000 most likely names instead).
set -euo pipefail
BIN=$(readlink -f "${1:-build/release/lookalike}")
SCAN_ARGS=("${@:2}")
BRANDS=(paypal.com bankofamerica.com google.com microsoft.com amazon.de apple.com netflix.com facebook.com
        example-bank.co.uk wellsfargo.com)
tmp=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

declare -A zone
for z in com de co.uk; do
  zone[$z]="\$ORIGIN $z.
\$TTL 300
@ SOA ns.bench.invalid. hostmaster.bench.invalid. 1 3600 600 86400 60
@ NS ns.bench.invalid.
"
done
for b in "${BRANDS[@]}"; do
  suffix=${b#*.}
  # 25 look-alikes per brand, spread over the generator's output, under the brand's own suffix.
  while read -r name; do
    label=${name%."$suffix"}
    zone[$suffix]+="$label A 127.0.0.3
$label MX 10 mx.$label
mx.$label A 127.0.0.3
"
  done < <("$BIN" generate "$b" --fuzzers addition,omission,transposition,replacement,homoglyph,bitsquatting \
             | grep -E "^[a-z0-9-]+\.${suffix//./\\.}\$" | awk 'NR % 40 == 1' | head -25)
done
conf="$tmp/nsd.conf"
{
  echo "server:"
  echo "  ip-address: 127.0.0.2@53"
  echo "  zonesdir: \"$tmp\""
  echo "  pidfile: \"$tmp/nsd.pid\""
  echo "  xfrdfile: \"$tmp/xfrd.state\""
  echo "  zonelistfile: \"$tmp/zone.list\""
  echo "  database: \"\""
  echo "  username: \"\""
  echo "  chroot: \"\""
  echo "  logfile: \"$tmp/nsd.log\""
  echo "  server-count: 1"
  echo "  rrl-ratelimit: 0"
  echo "remote-control:"
  echo "  control-enable: no"
  for z in "${!zone[@]}"; do
    printf '%s' "${zone[$z]}" > "$tmp/$z.zone"
    echo "zone:"
    echo "  name: \"$z\""
    echo "  zonefile: \"$z.zone\""
  done
} > "$conf"
nsd -d -c "$conf" 2>"$tmp/nsd.err" &
pid=$!
for _ in $(seq 100); do grep -q "nsd started" "$tmp/nsd.log" 2>/dev/null && break; sleep 0.1; done

time_cmd() { /usr/bin/time -f "%e %M" "$@" 2>"$tmp/time" >"$tmp/out"; tail -1 "$tmp/time"; }

echo "| tool | wall s | peak MiB | names resolved | registered found |"
echo "|---|---|---|---|---|"
dn_total=0; dn_peak=0; dn_names=0; dn_reg=0
for b in "${BRANDS[@]}"; do
  read -r secs kb < <(time_cmd dnstwist --registered --mxcheck --banners --nameservers 127.0.0.2 --format csv "$b")
  dn_total=$(python3 -c "print($dn_total + $secs)")
  dn_peak=$(( kb > dn_peak ? kb : dn_peak ))
  dn_names=$(( dn_names + $(dnstwist --format list "$b" | wc -l) ))
  dn_reg=$(( dn_reg + $(tail -n +2 "$tmp/out" | grep -vc '^\*original' || true) ))
done
echo "| dnstwist (10 processes) | $dn_total | $((dn_peak / 1024)) | $dn_names | $dn_reg |"
read -r secs kb < <(time_cmd "$BIN" --db "$tmp/db" scan --resolvers 127.0.0.2:53 --allow-private --probe-timeout 1000 \
                    --format csv "${SCAN_ARGS[@]}" "${BRANDS[@]}")
la_names=$(grep -o '[0-9]* candidates' "$tmp/time" | head -1 | cut -d' ' -f1)
la_reg=$(tail -n +2 "$tmp/out" | wc -l)
echo "| lookalike scan (1 process) | $secs | $((kb / 1024)) | ${la_names:-?} | $la_reg |"
python3 -c "print(f'\nratio (dnstwist wall / lookalike wall): {$dn_total / $secs:.1f}x')"
