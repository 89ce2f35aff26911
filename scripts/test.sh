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
cargo test --locked --no-fail-fast "$@"
