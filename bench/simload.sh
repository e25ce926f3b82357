#!/usr/bin/env bash
# Load-test the registry simulator's RDAP service over loopback with wrk and
# print answers per second against the goal of 20,000/s (limits off).
#   bench/simload.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=${2:-32}
goal=20000
port=${SIMLOAD_PORT_BASE:-18400}

command -v wrk >/dev/null || { echo "simload: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
bin=$(mktemp -d)/ipatlas
trap 'kill $sim 2>/dev/null; rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" ./cmd/ipatlas
"$bin" sim --port-base "$port" >/dev/null &
sim=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$((port + 2))/registry/help" >/dev/null && break; sleep 0.1; done

out=$(wrk -t1 -c"$conns" -d"${secs}s" -s bench/rdap-load.lua "http://127.0.0.1:$((port + 2))")
echo "$out"
rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
awk -v r="$rps" -v g="$goal" 'BEGIN { printf "simulator RDAP: %.0f answers/s, %.2fx the goal of %d/s\n", r, r / g, g }'
