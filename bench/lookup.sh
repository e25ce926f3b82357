#!/usr/bin/env bash
# Lookups against the anchors in the shared bench notes, on gen_ranges.py's
# data (300,000 ranges, 4 weekly snapshots): load and index the data, run
# the in-process lookup benchmarks on that index (one core), then serve it
# and load GET /ip/{addr} with wrk over loopback. Prints each figure with
# its ratio to the anchor.
#   bench/lookup.sh [GEN_RANGES.PY] [extra gen_ranges.py flags…]
set -euo pipefail
cd "$(dirname "$0")/.."
gen=${1:-../shared/bench/gen_ranges.py}
shift || true
[ -f "$gen" ] || { echo "lookup bench: generator $gen not found" >&2; exit 1; }
command -v wrk >/dev/null || { echo "lookup bench: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
server=
python3 "$gen" -o "$work/data" "$@" >/dev/null 2>&1
go build -o "$work/ipatlas" ./cmd/ipatlas

"$work/ipatlas" load --db "$work/w.db" "$work"/data/snap-*.jsonl | tail -2
IPATLAS_BENCH_INDEX="$work/w.db.index" go test -run XXX -bench 'SegmentSearch|LatestRecord|AtDatetime|HistoryAll|Open' \
	-cpu 1 -benchtime 3s ./index | awk '
	/^Benchmark/ { for (i = 1; i <= NF; i++) if ($(i+1) == "M/s" || $(i+1) == "ms/open") rate[$1] = $i }
	END {
		s = rate["BenchmarkSegmentSearch"]; l = rate["BenchmarkLatestRecord"]
		a = rate["BenchmarkAtDatetime"]; h = rate["BenchmarkHistoryAll"]
		printf "segment search:        %6.2f M/s (MMDB tree walk 7.09 M/s: %.1fx; goal >= 2x)\n", s, s / 7.09
		printf "latest, full record:   %6.2f M/s (MMDB full decode 0.95 M/s: %.1fx; goal >= 3x)\n", l, l / 0.95
		printf "at a datetime:         %6.2f M/s (%.2fx slower than latest; goal <= 1.5x; Whip 0.156 M/s)\n", a, l / a
		printf "all history:           %6.2f M/s (goal >= 1 M/s; Whip 0.080 M/s: %.0fx)\n", h, h / 0.080
		printf "open the index:        %6.3f ms (goal: milliseconds)\n", rate["BenchmarkOpen"]
	}'

port=$((20000 + RANDOM % 20000))
"$work/ipatlas" serve --db "$work/w.db" --listen "127.0.0.1:$port" --reload 0 2>/dev/null &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
wrk -t1 -c16 -d10s --latency -s bench/whip-lookup.lua "http://127.0.0.1:$port" | awk '
	/Requests\/sec/ { rps = $2 }
	$1 == "99%" { p99 = $2 }
	END { printf "GET /ip/{addr} (wrk, 16 connections): %.0f req/s (Whip ~1,700: %.0fx; goal >= 50,000), p99 %s (goal < 5 ms)\n", rps, rps / 1700, p99 }'
