#!/usr/bin/env bash
# Set up everything, then run blameless's main job on a bundled sample.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROFILE=release source "$ROOT/scripts/setup.sh"
# The live pipeline on the bundled 5-minute post-mortem, paced at 4x real
# time so the demo takes about a minute (SPEED=1 for the real pace, SPEED=max
# for as fast as possible; extra arguments such as --format jsonl pass on).
# As a facilitator would: the people present name the voices, their names
# go to Whisper as vocabulary (docs/speakers.md, "Names in the transcript"),
# and Maya, who facilitates, is never tagged (her redirects are full of
# trigger words).
"$BLAMELESS" replay "$ROOT/samples/postmortem.wav" --title "Checkout outage review" --speed "${SPEED:-4}" \
  --participants Maya,Dan,Priya,Greg --vocabulary "Maya, Dan, Priya, Greg" --facilitator Maya "$@"
