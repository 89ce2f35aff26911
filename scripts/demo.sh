#!/usr/bin/env bash
# Set up everything, then run blameless's main job on a bundled sample.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROFILE=release source "$ROOT/scripts/setup.sh"
# The live pipeline on the bundled 5-minute post-mortem, paced at 4x real
# time so the demo takes about a minute (SPEED=1 for the real pace, SPEED=max
# for as fast as possible; extra arguments such as --format jsonl pass on).
"$BLAMELESS" replay "$ROOT/samples/postmortem.wav" --title "Checkout outage review" --speed "${SPEED:-4}" "$@"
