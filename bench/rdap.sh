#!/usr/bin/env bash
# RDAP serving throughput against the goal of 30,000 answers a second on two
# cores: crawl a simulated world of five /8s (one per registry) and an IPv6
# block into a database, run the in-process RDAP benchmark (one core), then
# serve the database and load GET /rdap/ip/{addr} for random addresses in
# those /8s with wrk over loopback. Prints each figure and its ratio to the
# goal.
#   bench/rdap.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=${2:-16}
goal=30000
blocks=1.0.0.0/8,13.0.0.0/8,41.0.0.0/8,62.0.0.0/8,200.0.0.0/8,2001:600::/23

command -v wrk >/dev/null || { echo "rdap bench: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
work=$(mktemp -d)
sim= server=
trap 'kill $sim $server 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/ipatlas" ./cmd/ipatlas

simport=$((20000 + RANDOM % 20000))
"$work/ipatlas" sim --port-base "$simport" --blocks "$blocks" >/dev/null 2>&1 &
sim=$!
data="http://127.0.0.1:$((simport + 5))"
for _ in $(seq 100); do curl -sf "$data/rdap/ipv4.json" >/dev/null && break; sleep 0.1; done
delegated=()
for r in afrinic apnic arin lacnic ripencc; do delegated+=(--delegated "$data/stats/$r/delegated-$r-extended-latest"); done
"$work/ipatlas" crawl --db "$work/w.db" --bootstrap "$data/rdap/" --rate all=unlimited --progress none "${delegated[@]}" | tail -2
kill $sim
sim=

go test -run XXX -bench 'RDAPLeanAnswer' -cpu 1 -benchtime 3s ./serve | awk -v g="$goal" '
	/^Benchmark/ { for (i = 1; i <= NF; i++) if ($(i+1) == "answers/s") a = $i }
	END { printf "RDAP answer, in process (1 core): %.0f answers/s (%.1fx the goal of %d/s on 2 cores)\n", a, a / g, g }'

port=$((20000 + RANDOM % 20000))
"$work/ipatlas" serve --db "$work/w.db" --listen "127.0.0.1:$port" --reload 0 2>/dev/null &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
wrk -t1 -c"$conns" -d2s -s bench/rdap-lookup.lua "http://127.0.0.1:$port" >/dev/null # warm up
wrk -t1 -c"$conns" -d"${secs}s" --latency -s bench/rdap-lookup.lua "http://127.0.0.1:$port" | awk -v g="$goal" -v c="$conns" '
	/Requests\/sec/ { rps = $2 }
	/Non-2xx/ { non2xx = $NF }
	/requests in/ { total = $1 }
	$1 == "99%" { p99 = $2 }
	END { printf "GET /rdap/ip/{addr} (wrk, %d connections): %.0f req/s, %.2fx the goal of %d/s; p99 %s; %d of %d answers 404 (gaps)\n", c, rps, rps / g, g, p99, non2xx, total }'
