#!/usr/bin/env bash
# Live pipeline benchmark: replays the bundled synthetic post-mortem and a
# meeting of long turns (samples/longturns.wav: 20-60 s explanations)
# through `blameless replay` at 1x (like a real meeting) and at max speed,
# and prints per-turn latency (end of speech -> tagged turn printed)
# p50/p95/max with its per-stage breakdown (p50/p95 of: VAD wait for the
# end-of-speech silence, queue for the Whisper thread, decode, waiting for
# the speaker, tagging; and how many turns were decoded ahead, during the
# pause that ended them), the real-time factor, peak RSS, the cost of voice
# attribution per turn (on its own thread), whether the lag stayed bounded,
# how the turns split the script (turns per scripted turn, turns ending
# without a full stop) and the live path's word error rate. At 1x also
# without voice attribution (`1-nospk`), so the latency speakers add can be
# read off. Then the tagger's cost per turn: the learned layer (sentence
# embedding, head, clause evidence) on one core while Whisper decodes a
# replay on the other, and voice attribution's cost per utterance (speaker
# change model, embeddings, clustering) the same way, median and p95. The
# machine's load is printed beside each run.
#
#   scripts/bench-live.sh [--speeds "1 max"] [--samples "postmortem longturns"]
#                         [--model tiny.en-q8_0] [--threads N] [--min-silence-ms MS]
#
# Project targets (2 cores, tiny.en-q8_0, speakers and learned tagger on): p95
# latency <= 1000 ms and max <= 1500 ms on both meetings, RSS <= 400 MB,
# tagging p95 <= 50 ms per turn.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SPEEDS="1 max"
SAMPLES="postmortem longturns"
MODEL=tiny.en-q8_0
THREADS=""
EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    --speeds) SPEEDS=$2; shift 2 ;;
    --samples) SAMPLES=$2; shift 2 ;;
    --model) MODEL=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --min-silence-ms) EXTRA+=(--min-silence-ms "$2"); shift 2 ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
# Without --threads, replay chooses as a user's run would (the cores other
# processes leave idle, looked at again between decodes).
[ -n "$THREADS" ] && EXTRA+=(--threads "$THREADS")

PROFILE=release source "$ROOT/scripts/setup.sh"
[ -x /usr/bin/time ] || { as_root apt-get install -y -qq time >/dev/null; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# Meetings go to a scratch home; models stay where setup installed them.
export BLAMELESS_MODELS=${BLAMELESS_MODELS:-${BLAMELESS_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/blameless}/models}
export BLAMELESS_HOME=$WORK/home

# replay NAME SPEED [FLAGS...]: one run, its events, peak RSS and the load.
RUNS=""
replay() {
  local name=$1 speed=$2 tag=$1-$2
  shift 2
  [[ " $* " == *" --no-speakers "* ]] && tag=$tag-nospk
  log "replay $name at speed $speed $*"
  cut -d' ' -f1 /proc/loadavg > "$WORK/load-$tag"
  /usr/bin/time -f '%M' -o "$WORK/rss-$tag" \
    "$BLAMELESS" replay "$ROOT/samples/$name.wav" --speed "$speed" --format jsonl \
      --model "$MODEL" ${EXTRA[@]+"${EXTRA[@]}"} -q "$@" > "$WORK/events-$tag.jsonl"
  cut -d' ' -f1 /proc/loadavg >> "$WORK/load-$tag"
  RUNS="$RUNS $tag"
}
for name in $SAMPLES; do
  for speed in $SPEEDS; do
    replay "$name" "$speed"
  done
done
# Each meeting at real time without voice attribution: what speakers cost
# in latency.
if [[ " $SPEEDS " == *" 1 "* ]]; then
  for name in $SAMPLES; do
    replay "$name" 1 --no-speakers
  done
fi

python3 - "$WORK" "$ROOT/samples" $RUNS <<'PY'
import json, re, statistics, sys
work, samples, runs = sys.argv[1], sys.argv[2], sys.argv[3:]

def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p * (len(values) - 1))))] if values else 0

def words(text):
    # Case, punctuation and hyphens do not count; the references spell
    # numbers out, as Whisper mostly does.
    return re.sub(r"[^a-z0-9' ]", " ", text.lower().replace("-", " ")).split()

def wer(ref, hyp):
    d = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, d[0] = d[0], i
        for j, h in enumerate(hyp, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (r != h))
    return d[-1] / max(1, len(ref))

print(f"{'run':>18} {'load':>9} {'turns':>5} {'/script':>7} {'no stop':>7} {'WER %':>6} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}"
      f" {'rtf':>6} {'max lag s':>9} {'RSS MB':>6} {'spk ms/turn':>11}  lag bounded")
stages = {}
for run in runs:
    name = run.split("-")[0]
    events = [json.loads(l) for l in open(f"{work}/events-{run}.jsonl")]
    turns = [e for e in events if e["type"] == "turn"]
    lat = [t["latency_ms"] for t in turns]
    status = [e for e in events if e["type"] == "status"]
    rtfs = [s["rtf"] for s in status if s["rtf"] > 0]
    lags = [s["lag_s"] for s in status]
    rss_mb = int(open(f"{work}/rss-{run}").read().split()[-1]) / 1024
    load = "-".join(open(f"{work}/load-{run}").read().split())
    truth = [json.loads(l) for l in open(f"{samples}/{name}.truth.jsonl")]
    # Turns that end without a sentence-final mark were most likely cut
    # inside a sentence.
    no_stop = sum(1 for t in turns if not t["text"].rstrip().endswith((".", "?", "!")))
    error = wer(words(" ".join(t["text"] for t in truth)), words(" ".join(t["text"] for t in turns)))
    # Bounded: the lag in the last quarter of the meeting is no larger than
    # the worst lag in the first three quarters plus a second.
    q = max(1, len(lags) * 3 // 4)
    bounded = not lags or max(lags[q:] or [0]) <= max(lags[:q]) + 1.0
    spk = status[-1].get("speaker_ms_per_turn", 0) if status else 0
    print(f"{run:>18} {load:>9} {len(turns):>5} {len(turns) / len(truth):>7.2f} {no_stop:>7} {100 * error:>6.1f}"
          f" {pct(lat, 0.5):>7} {pct(lat, 0.95):>7} {max(lat, default=0):>7}"
          f" {statistics.median(rtfs) if rtfs else 0:>6.3f} {max(lags) if lags else 0:>9.2f} {rss_mb:>6.0f} {spk:>11.1f}  {'yes' if bounded else 'NO'}")
    stages[run] = {k: [t["timing"][k] for t in turns] for k in ("vad_ms", "queue_ms", "decode_ms", "speakers_ms", "tagging_ms")}
    stages[run]["ahead"] = [t["timing"].get("decoded_ahead", False) for t in turns]
print()
print("per stage, ms p50/p95 (latency = vad + queue + decode + speakers + tagging + store/print);")
print("ahead: turns whose text was decoded during the pause that ended them")
print(f"{'run':>18} " + " ".join(f"{k[:-3]:>11}" for k in ("vad_ms", "queue_ms", "decode_ms", "speakers_ms", "tagging_ms")) + "   ahead")
for run, by_stage in stages.items():
    ahead = by_stage.pop("ahead")
    print(f"{run:>18} " + " ".join(f"{pct(v, 0.5):>5}/{pct(v, 0.95):<5}" for v in by_stage.values())
          + f"  {sum(ahead):>3}/{len(ahead)}")
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

# Voice attribution's cost per utterance (speaker change model, GE2E
# embeddings of the turns it is cut into, clustering) on one core while
# Whisper decodes a replay on the other: what the live pipeline spends on an
# utterance (live, all but the last 5 s chunk of the change model runs while
# it is spoken). `speakers diarize` runs the same steps over the file.
log "speaker attribution cost (on core 1, Whisper replay on core 0)"
for name in postmortem hard-meeting pyannote-sample; do
  [ -f "$ROOT/samples/$name.wav" ] || continue
  taskset -c 0 "$BLAMELESS" replay "$ROOT/samples/postmortem.wav" --speed max --model "$MODEL" \
    --threads 1 --rules-only --no-nudges --no-speakers -q --format jsonl > /dev/null &
  whisper=$!
  taskset -c 1 "$BLAMELESS" speakers diarize "$ROOT/samples/$name.wav" > /dev/null 2> "$WORK/spk-$name.err"
  kill "$whisper" 2>/dev/null || true
  wait "$whisper" 2>/dev/null || true
  python3 - "$WORK/spk-$name.err" "$name" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"(\d+) utterances \((\d+) cut.*speaker changes ([\d.]+) ms, embeddings ([\d.]+) ms, clustering ([\d.]+) ms; all speaker work p50 ([\d.]+) ms, p95 ([\d.]+) ms, max ([\d.]+) ms", text)
if not m:
    sys.exit(f"speakers diarize said: {text}")
n, cut, change, embed, cluster, p50, p95, mx = m.groups()
print(f"speakers ({sys.argv[2]}, {n} utterances, {cut} cut where the speaker changes; load {sys.argv[3]}): "
      f"p50 {float(p50):.0f} ms, p95 {float(p95):.0f} ms, max {float(mx):.0f} ms per utterance "
      f"(mean: changes {float(change):.0f}, embeddings {float(embed):.0f}, clustering {float(cluster):.1f})")
PY
done
