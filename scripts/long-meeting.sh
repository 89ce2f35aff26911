#!/usr/bin/env bash
# Long-meeting soak: a 2-hour meeting made from the bundled post-mortem
# (samples/postmortem.wav repeated), replayed through `blameless replay
# --speed max` with the resident memory sampled every few seconds. Prints:
#   - RSS: peak, median of the first and the last quarter, and the slope over
#     the second half (MB per hour of meeting): memory is flat when the slope
#     is near 0 and the peak stays under the bound (400 MB with tiny.en);
#   - lag: the worst status-event lag, and whether the last quarter's lag
#     stays within the first three quarters' worst plus a second;
#   - exactness: turns printed = turns stored = the `end` event's count,
#     turns per copy of the sample against a single replay of it, and the
#     stored WAV's samples against the input's.
#
#   scripts/long-meeting.sh [--hours 2] [--model tiny.en-q8_0] [--every 5]
#
# PROFILE=release builds an optimised binary first (a cold release build
# takes a while); the default dev build already optimises every dependency
# (whisper.cpp, tract, tantivy), as the tests do.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HOURS=2
MODEL=tiny.en-q8_0
EVERY=5
while [ $# -gt 0 ]; do
  case "$1" in
    --hours) HOURS=$2; shift 2 ;;
    --model) MODEL=$2; shift 2 ;;
    --every) EVERY=$2; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

PROFILE=${PROFILE:-dev} source "$ROOT/scripts/setup.sh"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export BLAMELESS_MODELS=${BLAMELESS_MODELS:-${BLAMELESS_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/blameless}/models}

SAMPLE=$ROOT/samples/postmortem.wav
sample_s=$(soxi -D "$SAMPLE")
copies=$(python3 -c "import math; print(math.ceil($HOURS * 3600 / $sample_s))")
log "making a $HOURS h meeting: $copies copies of $(basename "$SAMPLE") ($sample_s s)"
inputs=()
for _ in $(seq "$copies"); do inputs+=("$SAMPLE"); done
sox "${inputs[@]}" -r 16000 -c 1 -b 16 "$WORK/long.wav"

# One copy alone: the reference turn count per copy.
log "reference: one copy"
BLAMELESS_HOME=$WORK/home-one "$BLAMELESS" replay "$SAMPLE" --speed max --format jsonl \
  --model "$MODEL" -q > "$WORK/one.jsonl"

log "replaying $HOURS h at --speed max, RSS every $EVERY s"
uptime | sed 's/^/load before: /' >&2
started=$(date +%s)
BLAMELESS_HOME=$WORK/home "$BLAMELESS" replay "$WORK/long.wav" --speed max --format jsonl \
  --model "$MODEL" -q > "$WORK/long.jsonl" 2> "$WORK/long.err" &
pid=$!
: > "$WORK/rss.tsv"
while kill -0 "$pid" 2>/dev/null; do
  rss_kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
  # The meeting time reached so far: the last status event's audio_s.
  audio_s=$( (tail -n 50 "$WORK/long.jsonl" | grep '"type":"status"' || true) | tail -n 1 \
    | python3 -c 'import json,sys; l=sys.stdin.read().strip(); print(json.loads(l)["audio_s"] if l else 0)')
  [ -n "$rss_kb" ] && printf '%s\t%s\t%s\n' "$(($(date +%s) - started))" "$rss_kb" "$audio_s" >> "$WORK/rss.tsv"
  sleep "$EVERY"
done
status=0
wait "$pid" || status=$?
elapsed=$(($(date +%s) - started))
uptime | sed 's/^/load after: /' >&2
[ "$status" -eq 0 ] || { cat "$WORK/long.err" >&2; echo "replay exited with $status" >&2; exit 1; }

python3 - "$WORK" "$copies" "$sample_s" "$elapsed" <<'PY'
import json, os, statistics, sys, wave
work, copies, sample_s, elapsed = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
events = [json.loads(l) for l in open(f"{work}/long.jsonl")]
one = [json.loads(l) for l in open(f"{work}/one.jsonl")]
turns = [e for e in events if e["type"] == "turn"]
end = [e for e in events if e["type"] == "end"][-1]
meeting = events[0]
stored = [l for l in open(os.path.join(f"{work}/home/meetings", meeting["id"], "turns.jsonl")) if l.strip()]
one_turns = sum(1 for e in one if e["type"] == "turn")
per_copy = [0] * copies
for t in turns:
    per_copy[min(copies - 1, int(t["start"] // sample_s))] += 1
with wave.open(os.path.join(f"{work}/home/meetings", meeting["id"], "source-0.wav")) as w:
    stored_samples = w.getnframes()
with wave.open(f"{work}/long.wav") as w:
    input_samples = w.getnframes()

rss = [l.split("\t") for l in open(f"{work}/rss.tsv") if l.strip()]
t = [float(r[0]) for r in rss]
mb = [int(r[1]) / 1024 for r in rss]
audio = [float(r[2]) for r in rss]
q = max(1, len(mb) // 4)
half = len(mb) // 2
# Least-squares slope of RSS against meeting time over the second half.
xs, ys = [a / 3600 for a in audio[half:]], mb[half:]
if len(xs) > 2 and max(xs) > min(xs):
    mx, my = statistics.mean(xs), statistics.mean(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
else:
    slope = float("nan")
status = [e for e in events if e["type"] == "status"]
lags = [s["lag_s"] for s in status]
lq = max(1, len(lags) * 3 // 4)
bounded = not lags or max(lags[lq:] or [0]) <= max(lags[:lq]) + 1.0
print(f"meeting: {input_samples / 16000:.1f} s of audio ({copies} copies), replayed in {elapsed} s (rtf {elapsed / (input_samples / 16000):.3f})")
print(f"RSS: {len(mb)} samples every few s; peak {max(mb):.0f} MB; median first quarter {statistics.median(mb[:q]):.0f} MB, last quarter {statistics.median(mb[-q:]):.0f} MB; slope over the second half {slope:+.1f} MB per meeting hour")
print(f"lag: max {max(lags) if lags else 0:.2f} s, last quarter max {max(lags[lq:] or [0]):.2f} s, bounded: {'yes' if bounded else 'NO'}")
print(f"turns: printed {len(turns)}, stored {len(stored)}, end event {end['n_turns']}; one copy alone {one_turns}, per copy min {min(per_copy)} max {max(per_copy)} (x{copies} = {one_turns * copies})")
print(f"audio: stored {stored_samples} samples, input {input_samples}: {'exact' if stored_samples == input_samples else 'DIFFERENT'}; status {end['status']}")
ok = len(turns) == len(stored) == end["n_turns"] and stored_samples == input_samples and bounded and max(mb) < 400
print("long meeting:", "PASS" if ok else "FAIL (see above)")
sys.exit(0 if ok else 1)
PY
