#!/usr/bin/env bash
# Generated bad input for every parser of user files and stored data
# (tests/fuzz.rs): N cases per parser (default 1,000,000), one line per
# parser with cases, panics, slow cases and the largest allocation, then a
# total. Findings are saved under the target directory's tmp/fuzz-findings/.
#
#   scripts/fuzz.sh            # a million per parser (about an hour on 2 cores)
#   scripts/fuzz.sh 20000      # a quick look
#   BLAMELESS_FUZZ_SEED=7 scripts/fuzz.sh 100000   # another sequence
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
N=${1:-1000000}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/blameless/target}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "fuzz: $N cases per parser, seed ${BLAMELESS_FUZZ_SEED:-20261202}; load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
status=0
BLAMELESS_FUZZ_CASES=$N cargo test --locked --quiet --test fuzz -- --test-threads=1 --nocapture >"$out" 2>&1 || status=$?
grep -o 'fuzz [a-z0-9-]*: .*' "$out" | sed 's/ seed [0-9]*$//' || true
if [ "$status" -ne 0 ]; then
    grep -E 'findings saved|panicked|error' "$out" | head -20 >&2 || true
    echo "fuzz: FINDINGS (exit $status)" >&2
else
    echo "fuzz: $(grep -c 'fuzz [a-z0-9-]*: ' "$out") parsers, no findings"
fi
exit "$status"
