#!/usr/bin/env bash
# Search benchmark: generates a synthetic archive (seeded, the same every
# run) in a scratch data home, indexes it with the code path of
# `blameless reindex`, and runs a fixed set of queries (terms, phrases,
# filters, facet counts) many times against one open index. Prints indexing
# throughput, index size, and p50/p95 latency per query class.
#
#   scripts/bench-search.sh [--meetings 10000] [--turns 100] [--runs 200] [--keep DIR]
#
# --turns is the average per meeting (each has between half and 1.5 times
# as many). Project targets (2 cores): >= 50k turns/s indexing, p95 <= 10 ms
# per query. No network; nothing outside the scratch home is touched.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MEETINGS=10000
TURNS=100
RUNS=200
KEEP=
while [ $# -gt 0 ]; do
  case "$1" in
    --meetings) MEETINGS=$2; shift 2 ;;
    --turns) TURNS=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --keep) KEEP=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

cd "$ROOT"
cargo build --release --quiet --example bench_search
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
if [ -n "$KEEP" ]; then
  mkdir -p "$KEEP"; HOME_DIR=$KEEP
else
  HOME_DIR=$(mktemp -d)
  trap 'rm -rf "$HOME_DIR"' EXIT
fi
echo "blameless $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores, $(uname -m)"
"$TARGET_DIR/release/examples/bench_search" \
  --meetings "$MEETINGS" --turns "$TURNS" --runs "$RUNS" --home "$HOME_DIR"
