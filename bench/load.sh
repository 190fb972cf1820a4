#!/usr/bin/env bash
# Load test of the service as deployed: gunicorn with api/gunicorn.conf.py (several
# uvicorn workers) on a free loopback port, and wrk with many connections sending a
# mix of tiles, cell queries, area and country totals (bench/load.lua) for a bounded
# time. Prints requests per second, p50/p90/p99 latency and errors.
#
#   bench/load.sh [STORE]                       # 60 s, 32 connections
#   DURATION=20 CONNECTIONS=64 bench/load.sh data/cube
#
# STORE (argument, else METHANEMAP_STORE, else data/cube) is ingested from the default
# inputs when missing. WEB_CONCURRENCY sets the workers (default: the config's,
# cores + 1, at most 8); THREADS wrk's threads (2); WARMUP seconds of load before
# the measured run (10, so that each worker has built its country index; 0 for none).
# KEEP_LOG=FILE keeps the server's log (one JSON line per request) there.
# Target on the 2-core VM: no errors, p99 < 250 ms.
# wrk comes from Debian (apt-get install wrk); installed here when missing and root.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
STORE="${1:-${METHANEMAP_STORE:-data/cube}}"
DURATION="${DURATION:-60}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-2}"
WARMUP="${WARMUP:-10}"
PY="$ROOT/.venv/bin/python"

if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "== installing wrk (Debian package)" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk
  else
    echo "bench/load.sh needs wrk: run 'sudo apt-get install wrk'" >&2
    exit 1
  fi
fi

if [ ! -d "$STORE" ] && [[ "$STORE" != *://* ]]; then
  echo "== no cube at $STORE: ingesting the default inputs" >&2
  METHANEMAP_DATA_MIRROR="${METHANEMAP_DATA_MIRROR:-$ROOT/../shared/data}" \
    .venv/bin/methanemap ingest --store "$STORE"
fi

work="$(mktemp -d)"
port="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
url="http://127.0.0.1:$port"
export PROMETHEUS_MULTIPROC_DIR="$work/metrics"
mkdir -p "$PROMETHEUS_MULTIPROC_DIR"

METHANEMAP_STORE="$STORE" METHANEMAP_HOST=127.0.0.1 METHANEMAP_PORT="$port" \
  METHANEMAP_LOG_FORMAT="${METHANEMAP_LOG_FORMAT:-json}" \
  setsid .venv/bin/gunicorn -c api/gunicorn.conf.py >"$work/access.log" 2>"$work/server.log" &
server=$!
stop() {
  kill -TERM -- "-$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  if [ -n "${KEEP_LOG:-}" ]; then cp "$work/server.log" "$KEEP_LOG"; fi
  rm -rf "$work"
}
trap stop EXIT

# Ready once every worker could answer: /readyz is 200 when a cube version is open.
for _ in $(seq 1 240); do
  if curl -sf -o /dev/null "$url/readyz"; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then
    tail -n 30 "$work/server.log" >&2
    echo "the server stopped before it was ready" >&2
    exit 1
  fi
  sleep 0.5
done
curl -sf -o /dev/null "$url/readyz" || { tail -n 30 "$work/server.log" >&2; exit 1; }
workers=$(grep -c "Booting worker" "$work/server.log" || true)

# The latest period first, then every fifth of the others.
mapfile -t periods < <(curl -sf "$url/periods" | "$PY" -c '
import json, sys
ids = [p["id"] if isinstance(p, dict) else p for p in json.load(sys.stdin)["periods"]]
print("\n".join([ids[-1], *ids[-2::-5]]))')

if [ "$WARMUP" -gt 0 ]; then
  wrk -t "$THREADS" -c "$CONNECTIONS" -d "${WARMUP}s" --timeout 10s \
    -s bench/load.lua "$url" -- "${periods[@]}" >/dev/null
fi
echo "== $DURATION s, $CONNECTIONS connections, $THREADS wrk threads, $workers workers," \
  "cube $STORE, ${#periods[@]} periods, load average $(cut -d' ' -f1-3 /proc/loadavg)"
wrk -t "$THREADS" -c "$CONNECTIONS" -d "${DURATION}s" --timeout 10s \
  -s bench/load.lua "$url" -- "${periods[@]}" | tee "$work/wrk.txt"
# Time spent inside the service per route (from its request log; excludes queueing).
"$PY" - "$work/server.log" <<'PY'
import json, sys
import numpy as np
routes = {}
for line in open(sys.argv[1]):
    if line.startswith("{") and '"duration_ms"' in line:
        record = json.loads(line)
        routes.setdefault(record["route"], []).append(
            (record["duration_ms"], record["status"]))
print("server time per route: requests, p50 ms, p99 ms, answers >= 500")
for route, seen in sorted(routes.items(), key=lambda item: -len(item[1])):
    ms = np.array([d for d, _ in seen])
    failed = sum(status >= 500 for _, status in seen)
    print(f"  {route:28s} {len(ms):6d} {np.percentile(ms, 50):8.1f} "
          f"{np.percentile(ms, 99):8.1f} {failed:5d}")
PY

p99=$(awk '$1 == "p99_ms" {print $2}' "$work/wrk.txt")
errors=$(awk '$1 == "errors" {print $2}' "$work/wrk.txt")
if [ "$errors" = "0" ] && awk -v p="$p99" 'BEGIN {exit !(p < 250)}'; then
  echo "target met: no errors, p99 $p99 ms < 250 ms"
else
  echo "target missed: $errors errors, p99 $p99 ms (target: 0 errors, p99 < 250 ms)"
fi
