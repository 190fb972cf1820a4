#!/usr/bin/env bash
# The tile benchmark on our own cube: methanemap against titiler-xarray and
# xpublish-tiles, through the shared harness (../shared/bench/run.sh), one table out.
#
#   bench/tiles.sh              # the full run: 133 tiles, REPEAT=3 (about 8 minutes)
#   QUICK=1 bench/tiles.sh      # smoke run: 59 tiles, one repetition
#
# methanemap serves the Icechunk cube STORE (ingested from the real inputs if missing);
# the peers serve the same cube version exported as plain Zarr v2 (bench/export_plain.py).
# Every knob of run.sh (REPEAT, SERVERS, PHASES, ...) passes through.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
HARNESS="${HARNESS:-$ROOT/../shared/bench/run.sh}"

export BENCH_WORK="${BENCH_WORK:-${XDG_CACHE_HOME:-$HOME/.cache}/methanemap-bench}"
STORE="${STORE:-$BENCH_WORK/methanemap-cube}"
PLAIN="${PLAIN:-$BENCH_WORK/methanemap-cube-plain.zarr}"
SECTOR="${SECTOR:-gas}"
export VAR="emission_$SECTOR" TIME="${TIME:-2022-05-09}" CMAP="${CMAP:-viridis}"
mkdir -p "$BENCH_WORK"

if [ ! -d "$STORE" ]; then
  echo "== ingesting the default cube into $STORE"
  METHANEMAP_DATA_MIRROR="${METHANEMAP_DATA_MIRROR:-$ROOT/../shared/data}" \
    .venv/bin/methanemap ingest --store "$STORE"
fi
echo "== exporting $STORE as plain Zarr for the peers: $PLAIN"
.venv/bin/python bench/export_plain.py --store "$STORE" --out "$PLAIN" --if-stale

if [ -z "${RESCALE:-}" ]; then
  # The harness's own suggestion: 0 up to the 99th percentile of the non-zero cells,
  # read with a peer venv (created here as run.sh would).
  export PEERS_VENV="${PEERS_VENV:-$BENCH_WORK/venv-py311}"
  export PEERS_VENV312="${PEERS_VENV312:-$BENCH_WORK/venv-py312}"
  "$(dirname "$HARNESS")/setup_venvs.sh"
  peer_python="$PEERS_VENV/bin/python"
  [ -x "$peer_python" ] || peer_python="$PEERS_VENV312/bin/python"
  if [ -x "$peer_python" ]; then
    RESCALE=$("$peer_python" -B "$(dirname "$HARNESS")/cube_info.py" "$PLAIN" \
      --var "$VAR" --time "$TIME" --suggest-rescale |
      "$peer_python" -c 'import json, sys; print(json.load(sys.stdin)["suggested_rescale"])')
  fi
fi
export RESCALE="${RESCALE:-0,50}" CUBE="$PLAIN"

# The production command: one uvicorn worker on the Icechunk cube (the harness fills
# {port}; {cube}, the plain copy, is for the peers and methanemap does not read it).
export METHANEMAP_SERVE=".venv/bin/methanemap serve --store $(printf %q "$STORE") \
--host 127.0.0.1 --port {port} --workers 1"
export METHANEMAP_TILE_URL="/tiles/{z}/{x}/{y}.png?sector=$SECTOR&period={time}\
&vmin={vmin}&vmax={vmax}&colormap={cmap}&scale=linear"
export METHANEMAP_HEALTH=/healthz

echo "== $VAR at $TIME, RESCALE=$RESCALE, CMAP=$CMAP"
exec "$HARNESS" "$@"
