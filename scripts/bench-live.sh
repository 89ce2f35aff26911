#!/usr/bin/env bash
# Live pipeline benchmark: replays the bundled synthetic post-mortem through
# `blameless replay` at 1x (like a real meeting) and at max speed, and prints
# per-turn latency (end of speech -> turn event) p50/p95/max, the real-time
# factor, peak RSS, the cost of voice attribution per turn (on its own
# thread) and whether the lag stayed bounded; at 1x also without voice
# attribution (`1-nospk`), so the latency speakers add can be read off.
# Then the tagger's cost per turn: the learned layer (sentence embedding,
# head, clause evidence) on one core while Whisper decodes a replay on the
# other.
#
#   scripts/bench-live.sh [--speeds "1 max"] [--model tiny.en] [--threads N]
#
# Project targets (2 cores, tiny.en): p95 latency <= 1000 ms, RSS <= 400 MB,
# tagging p95 <= 50 ms per turn.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SPEEDS="1 max"
MODEL=tiny.en
THREADS=2
while [ $# -gt 0 ]; do
  case "$1" in
    --speeds) SPEEDS=$2; shift 2 ;;
    --model) MODEL=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

PROFILE=release source "$ROOT/scripts/setup.sh"
[ -x /usr/bin/time ] || { as_root apt-get install -y -qq time >/dev/null; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# Meetings go to a scratch home; models stay where setup installed them.
export BLAMELESS_MODELS=${BLAMELESS_MODELS:-${BLAMELESS_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/blameless}/models}
export BLAMELESS_HOME=$WORK/home

RUNS=""
for speed in $SPEEDS; do
  log "replay at speed $speed"
  /usr/bin/time -f '%M' -o "$WORK/rss-$speed" \
    "$BLAMELESS" replay "$ROOT/samples/postmortem.wav" --speed "$speed" --format jsonl \
      --model "$MODEL" --threads "$THREADS" -q > "$WORK/events-$speed.jsonl"
  RUNS="$RUNS $speed"
done
# The same at real time without voice attribution: what speakers cost in latency.
if [[ " $SPEEDS " == *" 1 "* ]]; then
  log "replay at speed 1 without voice attribution"
  /usr/bin/time -f '%M' -o "$WORK/rss-1-nospk" \
    "$BLAMELESS" replay "$ROOT/samples/postmortem.wav" --speed 1 --format jsonl --no-speakers \
      --model "$MODEL" --threads "$THREADS" -q > "$WORK/events-1-nospk.jsonl"
  RUNS="$RUNS 1-nospk"
fi

python3 - "$WORK" $RUNS <<'PY'
import json, statistics, sys
work, speeds = sys.argv[1], sys.argv[2:]
print(f"{'speed':>8} {'turns':>5} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'rtf':>6} {'max lag s':>9} {'peak RSS MB':>11} {'spk ms/turn':>11}  lag bounded")
for speed in speeds:
    events = [json.loads(l) for l in open(f"{work}/events-{speed}.jsonl")]
    lat = sorted(e["latency_ms"] for e in events if e["type"] == "turn")
    status = [e for e in events if e["type"] == "status"]
    rtfs = [s["rtf"] for s in status if s["rtf"] > 0]
    lags = [s["lag_s"] for s in status]
    rss_mb = int(open(f"{work}/rss-{speed}").read().split()[-1]) / 1024
    def pct(p):
        return lat[min(len(lat) - 1, int(round(p * (len(lat) - 1))))]
    # Bounded: the lag in the last quarter of the meeting is no larger than
    # the worst lag in the first three quarters plus a second.
    q = max(1, len(lags) * 3 // 4)
    bounded = not lags or max(lags[q:] or [0]) <= max(lags[:q]) + 1.0
    spk = status[-1].get("speaker_ms_per_turn", 0) if status else 0
    print(f"{speed:>8} {len(lat):>5} {pct(0.5):>7} {pct(0.95):>7} {lat[-1]:>7} "
          f"{statistics.median(rtfs) if rtfs else 0:>6.3f} {max(lags) if lags else 0:>9.2f} {rss_mb:>11.0f} {spk:>11.1f}  {'yes' if bounded else 'NO'}")
PY

# Tagging cost per turn on one core while Whisper runs on the other.
[ -x "$(command -v taskset)" ] || { as_root apt-get install -y -qq util-linux >/dev/null; }
log "tagging cost (learned layer on core 1, Whisper replay on core 0)"
taskset -c 0 "$BLAMELESS" replay "$ROOT/samples/postmortem.wav" --speed max --model "$MODEL" \
  --threads 1 --rules-only --no-nudges -q --format jsonl > /dev/null &
whisper=$!
taskset -c 1 "$BLAMELESS" eval tags "$ROOT/data/tags/test.jsonl" --format json > "$WORK/tags.json"
kill "$whisper" 2>/dev/null || true
wait "$whisper" 2>/dev/null || true
python3 - "$WORK/tags.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))["learned_ms_per_turn"]
print(f"tagging (learned layer, one core, Whisper on the other): p50 {t['p50']} ms, p95 {t['p95']} ms, max {t['max']} ms per turn")
PY
