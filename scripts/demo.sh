#!/usr/bin/env bash
# Set up everything, then run blameless's main job on a bundled sample.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROFILE=release source "$ROOT/scripts/setup.sh"
# The live pipeline on the bundled post-mortem, paced like the real meeting
# (pass --speed 4 or --speed max to go faster, --format jsonl for events).
"$BLAMELESS" replay "$ROOT/samples/postmortem.wav" --title "Checkout outage review" "$@"
