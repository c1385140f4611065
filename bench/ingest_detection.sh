#!/usr/bin/env bash
# The detection dev set through `ingest` as zone files: ../shared/detection's positives and
# negatives delegated in one zone per TLD, the `com` one also holding N synthetic delegations
# (bench_zonegen), matched against the 36 detection brands. Prints how many positives ingest found
# next to how many `lookalike match` finds on the positives alone (the matcher's dev-set recall:
# they must be equal) and how many negatives were flagged (aim: at most 2 of 2,500).
# Usage: bench/ingest_detection.sh [build dir with lookalike and bench/bench_zonegen] [synthetic names]
set -euo pipefail
BUILD=${1:-build/rel}
N=${2:-1000000}
SHARED=${LOOKALIKE_SHARED_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/shared}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$BUILD/bench/bench_zonegen" --names "$N" --brands 36 --planted-per-brand 0 --out "$tmp/synthetic.gz" \
  --brands-out "$tmp/brands.jsonl" --planted-out "$tmp/planted.tsv" 2>/dev/null
tail -n +2 "$SHARED/detection/positives_dev.tsv" | cut -f2 > "$tmp/positives.txt"
cp "$SHARED/detection/negatives_dev.txt" "$tmp/negatives.txt"
python3 - "$tmp" <<'PY'
import collections, gzip, os, random, sys
tmp = sys.argv[1]
names = [l.strip() for f in ("positives.txt", "negatives.txt") for l in open(os.path.join(tmp, f)) if l.strip()]
by_tld = collections.defaultdict(list)
for n in names:
    by_tld[n.rsplit(".", 1)[1]].append(f"{n}.\t172800\tin\tns\tns1.example.net.\n")
# The synthetic com zone without its SOA and apex NS; the dev-set names are shuffled into it.
synthetic = [l for l in gzip.open(os.path.join(tmp, "synthetic.gz"), "rt") if not l.startswith("com.\t")]
random.seed(7)
for tld, lines in sorted(by_tld.items()):
    if tld == "com":
        lines = lines + synthetic
    random.shuffle(lines)
    with gzip.open(os.path.join(tmp, f"{tld}.zone.gz"), "wt", compresslevel=1) as z:
        z.write(f"$ORIGIN {tld}.\n@ 86400 IN SOA a.nic.{tld}. hostmaster.nic.{tld}. 1 1800 900 604800 86400\n")
        z.writelines(lines)
PY
"$BUILD/lookalike" --db "$tmp/db" db import "$tmp/brands.jsonl" >/dev/null
/usr/bin/time -f "ingest: %e s wall, %U s user, %S s sys, %M KiB peak RSS" \
  "$BUILD/lookalike" --db "$tmp/db" ingest --date 2026-12-02 "$tmp"/*.zone.gz > "$tmp/found.tsv" 2> "$tmp/ingest.err"
grep -v "^lookalike ingest: .*: zone:[a-z]*@" "$tmp/ingest.err" | grep -v "^$" || true
grep -c . "$tmp/ingest.err" | xargs -I{} echo "{} lines on stderr (one summary per zone file + time)"
cut -f2 "$tmp/found.tsv" | sort -u > "$tmp/found.txt"
sed 's/^{"type":"brand","domain":"\([^"]*\)".*/\1/' "$tmp/brands.jsonl" > "$tmp/brands.txt"
"$BUILD/lookalike" match --brands "$tmp/brands.txt" < "$tmp/positives.txt" 2>/dev/null | cut -f1 | sort -u > "$tmp/matcher.txt"
sort -u "$tmp/positives.txt" > "$tmp/pos.sorted"
sort -u "$tmp/negatives.txt" > "$tmp/neg.sorted"
ingest_pos=$(comm -12 "$tmp/found.txt" "$tmp/pos.sorted" | wc -l)
matcher_pos=$(wc -l < "$tmp/matcher.txt")
lost=$(comm -23 "$tmp/matcher.txt" "$tmp/found.txt" | wc -l)
fp=$(comm -12 "$tmp/found.txt" "$tmp/neg.sorted" | wc -l)
echo "zones: $(ls "$tmp"/*.zone.gz | wc -l) files, $N synthetic com delegations + $(wc -l < "$tmp/pos.sorted") positives + $(wc -l < "$tmp/neg.sorted") negatives"
echo "positives found by ingest: $ingest_pos/$(wc -l < "$tmp/pos.sorted") (lookalike match on the positives alone: $matcher_pos; found by match but not by ingest: $lost)"
echo "negatives flagged: $fp/$(wc -l < "$tmp/neg.sorted") (aim: at most 2)"
comm -12 "$tmp/found.txt" "$tmp/neg.sorted" | sed 's/^/  flagged negative: /'
[ "$lost" -eq 0 ] && [ "$fp" -le 2 ]
