#!/usr/bin/env bash
# Index full-IPv4-scale data: gen_ranges.py with 3 million ranges over 2
# snapshots (generating it takes a few minutes), loaded (the index built
# while the snapshots are written), then the index rebuilt alone, both under
# /usr/bin/time. Goal for the index: under 10 s and under 1 GiB.
#   bench/index-scale.sh [GEN_RANGES.PY]
set -euo pipefail
cd "$(dirname "$0")/.."
gen=${1:-../shared/bench/gen_ranges.py}
[ -f "$gen" ] || { echo "index-scale bench: generator $gen not found" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$gen" -o "$work/data" -n 3000000 -k 2 --orgs 100000 >/dev/null 2>&1
go build -o "$work/ipatlas" ./cmd/ipatlas
/usr/bin/time -f '%e %M' -o "$work/load-time" "$work/ipatlas" load --db "$work/s.db" "$work"/data/snap-*.jsonl | tail -1
read -r secs kib < "$work/load-time"
awk -v s="$secs" -v k="$kib" 'BEGIN { printf "load with the index: %.2f s, peak RSS %.0f MiB\n", s, k / 1024 }'
/usr/bin/time -f '%e %M' -o "$work/time" "$work/ipatlas" index --db "$work/s.db"
read -r secs kib < "$work/time"
awk -v s="$secs" -v k="$kib" 'BEGIN { printf "index rebuild: %.2f s (goal < 10 s), peak RSS %.0f MiB (goal < 1024 MiB)\n", s, k / 1024 }'
