#!/usr/bin/env bash
# Set up everything, then run blameless's main job on a bundled sample.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROFILE=release source "$ROOT/scripts/setup.sh"
"$BLAMELESS" transcribe "$ROOT/samples/postmortem.wav" "$@"
