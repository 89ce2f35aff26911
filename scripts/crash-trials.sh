#!/usr/bin/env bash
# Crash trials: N times per command, SIGKILL at a random moment during
#   record        through cpal: an ALSA file-plugin device reading a pipe fed
#                 with speech at real-time pace (as tests/record_alsa.rs does),
#   replay        of the bundled post-mortem at real time,
#   import-vtt    of a 400-cue WebVTT file,
#   import-audio  of jfk.wav (transcribed),
#   analyze       MEETING,
#   reindex,
#   models-fetch  tiny.en (into an empty models directory),
# then `blameless recover` and checks: every turn that was printed is
# stored; the WAV holds the audio up to at most 1 s before the kill; every
# meeting reads; a partial import was not kept; `analyze` left turns.jsonl
# as it was; search answers as after a fresh `reindex`; no half-written model
# is found by --model (and fetching again works); a second `recover` changes
# nothing. Prints passed/run per command; exits 1 if any trial failed.
#
#   scripts/crash-trials.sh N [--commands "record replay ..."]   (SEED=... repeats a run)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
N=${1:?usage: scripts/crash-trials.sh N [--commands \"record replay import-vtt import-audio analyze reindex models-fetch\"]}
shift
COMMANDS="record replay import-vtt import-audio analyze reindex models-fetch"
while [ $# -gt 0 ]; do
  case "$1" in
    --commands) COMMANDS=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
# scripts/test.sh has set everything up already; alone, set up first.
if [ -z "${BLAMELESS:-}" ]; then
  PROFILE=${PROFILE:-dev} source "$ROOT/scripts/setup.sh"
fi
export ROOT BLAMELESS
export BLAMELESS_MODELS=${BLAMELESS_MODELS:-${BLAMELESS_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/blameless}/models}
uptime | sed 's/^/crash-trials: load /' >&2
python3 "$ROOT/scripts/crash_trials.py" "$N" "$COMMANDS"
