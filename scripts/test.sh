#!/usr/bin/env bash
# Set up everything, then run the whole test suite (with the real model on
# real audio), formatting and lint checks.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROFILE=dev source "$ROOT/scripts/setup.sh"
cd "$ROOT"
log "cargo fmt --check"
cargo fmt --all -- --check
log "cargo clippy"
cargo clippy --locked --all-targets --quiet -- -D warnings
log "cargo test"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
# Serially: each test runs Whisper on all cores, and ggml's spinning thread
# pool slows down badly when two of them share the CPU.
cargo test --locked --no-fail-fast "$@" -- --test-threads=1 2>&1 | tee "$out" || status=$?
# The short version of the crash trials: one SIGKILL at a random moment per
# command, then recover and check (scripts/crash-trials.sh N for more).
if [ $# -eq 0 ]; then
  log "crash trials, one per command"
  bash "$ROOT/scripts/crash-trials.sh" 1 || status=1
fi
# One closing line over all test binaries.
awk '/^test result:/ { p += $4; f += $6; i += $8 } END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, i }' "$out"
exit "$status"
