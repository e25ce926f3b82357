#!/usr/bin/env bash
# Load Whip-format snapshots into the history and compare with Whip's
# figures on the same data (the anchors in the shared bench notes): one
# pass over all snapshots, weekly one-at-a-time ingest, database size.
#   bench/history.sh [GEN_RANGES.PY] [extra gen_ranges.py flags…]
# The generator defaults to ../shared/bench/gen_ranges.py (300,000 ranges,
# 4 weekly snapshots, seed 1).
set -euo pipefail
cd "$(dirname "$0")/.."
gen=${1:-../shared/bench/gen_ranges.py}
shift || true
[ -f "$gen" ] || { echo "history bench: generator $gen not found" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$gen" -o "$work/data" "$@" >/dev/null 2>&1
go build -o "$work/ipatlas" ./cmd/ipatlas

now() { date +%s.%N; }
t0=$(now)
/usr/bin/time -f %M -o "$work/rss" "$work/ipatlas" load --db "$work/onepass.db" "$work"/data/snap-*.jsonl >/dev/null
t1=$(now)
for f in "$work"/data/snap-*.jsonl; do "$work/ipatlas" load --db "$work/weekly.db" "$f" >/dev/null; done
t2=$(now)
size=$(stat -c %s "$work/onepass.db")
awk -v a="$t0" -v b="$t1" -v c="$t2" -v s="$size" -v rss="$(tail -1 "$work/rss")" 'BEGIN {
	one = b - a; weekly = c - b; mib = s / 1048576
	printf "load all snapshots in one pass: %.2f s (Whip 13.0 s: %.1fx faster; goal >= 10x), peak RSS %.0f MiB\n", one, 13.0 / one, rss / 1024
	printf "weekly one-at-a-time ingest:    %.2f s (Whip 37.3 s: %.1fx faster; goal >= 10x)\n", weekly, 37.3 / weekly
	printf "database on disk:               %.1f MiB (Whip 24.3 MiB: %.2fx its size; goal <= 1x)\n", mib, mib / 24.3
}'
