#!/usr/bin/env bash
# Make a "real recogniser errors" copy of labelled turns: each chosen turn of a
# corpus file (data/tags/corpus/wNN.jsonl: id, writer, speaker, role, prev,
# text, labels, kind) is spoken by a synthetic voice (espeak-ng), turned into
# 16 kHz mono s16 WAV with a little brown noise mixed in (sox), transcribed by
# blameless's own Whisper (tiny.en), and written back with its labels kept.
#
# Usage:
#   scripts/asr-corpus.sh [--help] INPUT.jsonl OUTPUT.jsonl [N] [SEED]
#
#   N     how many lines to take (default 60): lines floor(i * total / N),
#         i = 0..N-1, i.e. every (total/N)-th line, so the label mix is kept.
#   SEED  any string (default 0): with the line's id it picks the voice,
#         speed (-s 150..190), pitch (-p 30..70) and noise level, so a rerun
#         with the same seed speaks every line the same way.
#
# Each output line is the input object with `text` replaced by the stripped
# transcript, `id` = original id + "-asr", and two new fields:
#   "asr_of": original id,   "voice": "<voice+variant> s<speed> p<pitch>".
# A line whose transcript is empty is still written (text "") and counted;
# filter those downstream. Labels, kind and the other fields are untouched.
#
# Environment:
#   BLAMELESS   the binary (default /root/.cache/blameless/target/debug/blameless).
#               If it does not exist yet (a build is running) the script waits
#               for it, checking every 30 s, for up to 30 minutes; likewise for
#               the tiny.en model, which it fetches itself if still missing.
#   THREADS     Whisper threads (default 1).
#
# Every synthesis and transcription runs under `nice -n 19`, so the script
# yields the CPU to builds. Per-line audio and transcripts are cached in
# OUTPUT.work/ so an interrupted run resumes where it stopped; the directory
# is removed after a complete run. Progress every 10 lines and a summary
# (lines, empty transcripts, word error rate against the typed text) go to
# stderr. Needs espeak-ng, sox and python3 (the first two are installed with
# apt-get if missing).
set -euo pipefail
export LC_ALL=C

BLAMELESS=${BLAMELESS:-/root/.cache/blameless/target/debug/blameless}
THREADS=${THREADS:-1}
WAIT_STEP=30        # seconds between checks for the binary / model
WAIT_MAX=1800       # give up waiting after this many seconds

log() { printf 'asr-corpus: %s\n' "$*" >&2; }
die() { printf 'asr-corpus: ERROR: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

case ${1:-} in
  -h|--help) usage; exit 0 ;;
esac
[[ $# -ge 2 && $# -le 4 ]] || { usage >&2; exit 2; }
IN=$1
OUT=$2
N=${3:-60}
SEED=${4:-0}
[[ -f $IN ]] || die "no such input: $IN"
[[ $N =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer, not '$N'"

as_root() {
  if [[ $EUID -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root to run: $*"; fi
}
missing=()
command -v espeak-ng >/dev/null || missing+=(espeak-ng)
command -v sox >/dev/null || missing+=(sox)
if [[ ${#missing[@]} -gt 0 ]]; then
  log "installing ${missing[*]}"
  as_root apt-get update -qq >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v python3 >/dev/null || die "python3 is needed"

# Wait for the binary (it may still be building), then for the model.
waited=0
while [[ ! -x $BLAMELESS ]]; do
  [[ $waited -lt $WAIT_MAX ]] || die "$BLAMELESS did not appear within $((WAIT_MAX / 60)) minutes"
  log "waiting for $BLAMELESS (${waited}s so far)"
  sleep "$WAIT_STEP"
  waited=$((waited + WAIT_STEP))
done
have_model() {
  "$BLAMELESS" models list --format json 2>/dev/null |
    python3 -c 'import json,sys; sys.exit(0 if any(m["name"] == "tiny.en" for m in json.load(sys.stdin)["installed"]) else 1)'
}
until have_model; do
  if [[ $waited -ge $WAIT_MAX ]]; then
    log "tiny.en still not installed: fetching it"
    nice -n 19 "$BLAMELESS" -q models fetch tiny.en >/dev/null
    have_model || die "tiny.en is not installed after 'models fetch'"
    break
  fi
  log "waiting for the tiny.en model (another job may be fetching it; ${waited}s so far)"
  sleep "$WAIT_STEP"
  waited=$((waited + WAIT_STEP))
done

mkdir -p "$(dirname "$OUT")"
WORK=$OUT.work
mkdir -p "$WORK"

# Voices: espeak-ng's English accents with its male/female variants. Checked
# against `espeak-ng --voices=en` and `--voices=variant` (espeak-ng 1.51).
VOICES=(
  en-us+m1 en-us+m2 en-us+m3 en-us+m4 en-us+m5 en-us+m6 en-us+m7
  en-us+f1 en-us+f2 en-us+f3 en-us+f4
  en-gb-x-rp en-gb-x-rp+f2 en-gb-x-rp+m3
  en-029 en-029+f3 en-029+m5
  en-gb-scotland en-gb-scotland+f4 en-gb-scotland+m2
  en-gb-x-gbclan en-gb-x-gbclan+f1
  en-gb-x-gbcwmd en-gb-x-gbcwmd+m6
  en-us-nyc en-us-nyc+f2
  en-gb+m4 en-gb+f3
)

# Plan: pick the lines, and for each one a voice, speed, pitch and noise
# level from a hash of (seed, id). Writes WORK/NNNN.json (the input object),
# WORK/NNNN.txt (its text) and prints "NNNN<TAB>voice<TAB>speed<TAB>pitch<TAB>noise".
PLAN=$WORK/plan.tsv
python3 - "$IN" "$N" "$SEED" "$WORK" "${VOICES[@]}" >"$PLAN.new" <<'PY'
import hashlib, json, sys
path, n, seed, work, voices = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5:]
lines = [l for l in open(path, encoding="utf-8") if l.strip()]
total = len(lines)
if n > total:
    sys.exit(f"asr-corpus: ERROR: asked for {n} lines, {path} has {total}")
for i in range(n):
    obj = json.loads(lines[i * total // n])
    h = hashlib.sha256(f"{seed}\0{obj['id']}".encode()).digest()
    voice = voices[int.from_bytes(h[0:4], "big") % len(voices)]
    speed = 150 + h[4] % 41           # 150..190 words a minute
    pitch = 30 + h[5] % 41            # 30..70 (espeak default 50)
    noise = 0.005 + (h[6] % 21) / 1000  # brown noise amplitude 0.005..0.025
    key = f"{i:04d}"
    with open(f"{work}/{key}.json", "w", encoding="utf-8") as f:
        f.write(json.dumps(obj, ensure_ascii=False) + "\n")
    with open(f"{work}/{key}.txt", "w", encoding="utf-8") as f:
        f.write(obj["text"] + "\n")
    print(f"{key}\t{voice}\t{speed}\t{pitch}\t{noise:.3f}")
PY
# Cached transcripts are only valid for the same plan (input, N, seed).
if [[ -f $PLAN ]] && ! cmp -s "$PLAN" "$PLAN.new"; then
  log "plan changed since the last run: discarding cached transcripts"
  rm -f "$WORK"/*.asr.json
fi
mv "$PLAN.new" "$PLAN"

# transcribe WAV JSON_OUT: run Whisper, retrying twice (the binary may be
# relinked by a build while we run).
transcribe() {
  local try
  for try in 1 2 3; do
    if nice -n 19 "$BLAMELESS" -q transcribe "$1" --format json --threads "$THREADS" >"$2.tmp" 2>"$2.err"; then
      mv "$2.tmp" "$2"
      return 0
    fi
    log "transcribe failed on $1 (try $try): $(tail -n 3 "$2.err" | tr '\n' ' ')"
    [[ $try -lt 3 ]] && sleep "$WAIT_STEP"
  done
  return 1
}

started=$SECONDS
done_n=0
while IFS=$'\t' read -r key voice speed pitch noise; do
  asr=$WORK/$key.asr.json
  if [[ ! -s $asr ]]; then
    raw=$WORK/$key.raw.wav
    speech=$WORK/$key.speech.wav
    hiss=$WORK/$key.noise.wav
    wav=$WORK/$key.wav
    nice -n 19 espeak-ng -v "$voice" -s "$speed" -p "$pitch" -f "$WORK/$key.txt" -w "$raw"
    # 16 kHz mono s16 with 0.3 s of silence either side, then brown noise of
    # the same length mixed in (sox -m averages the two inputs).
    nice -n 19 sox -D -R -G "$raw" -r 16000 -c 1 -b 16 "$speech" pad 0.3 0.3
    len=$(soxi -s "$speech")
    nice -n 19 sox -D -R -n -r 16000 -c 1 -b 16 "$hiss" synth "${len}s" brownnoise vol "$noise"
    nice -n 19 sox -D -R -m "$speech" "$hiss" -b 16 "$wav"
    transcribe "$wav" "$asr" || die "giving up on line $key of $IN ($WORK kept; rerun to resume)"
    rm -f "$raw" "$speech" "$hiss" "$wav" "$asr.err"
  fi
  done_n=$((done_n + 1))
  if (( done_n % 10 == 0 )); then
    log "$(basename "$IN"): $done_n lines done ($((SECONDS - started)) s)"
  fi
done <"$PLAN"

# Assemble the output and score it.
python3 - "$PLAN" "$WORK" "$OUT" "$(basename "$IN")" "$((SECONDS - started))" <<'PY'
import json, re, sys
plan, work, out, name, secs = sys.argv[1:]

def words(s):
    return re.sub(r"[^a-z0-9' ]+", " ", s.lower().replace("-", " ")).split()

def edits(ref, hyp):
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i]
        for j, h in enumerate(hyp, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h)))
        prev = cur
    return prev[-1]

n = empty = tot_err = tot_ref = 0
wers = []
with open(out + ".tmp", "w", encoding="utf-8") as f:
    for row in open(plan, encoding="utf-8"):
        key, voice, speed, pitch, _ = row.rstrip("\n").split("\t")
        obj = json.load(open(f"{work}/{key}.json", encoding="utf-8"))
        text = json.load(open(f"{work}/{key}.asr.json", encoding="utf-8")).get("text") or ""
        text = " ".join(text.split())
        orig = obj["id"]
        rec = {}
        for k, v in obj.items():
            rec[k] = orig + "-asr" if k == "id" else text if k == "text" else v
        rec["asr_of"] = orig
        rec["voice"] = f"{voice} s{speed} p{pitch}"
        f.write(json.dumps(rec, ensure_ascii=False) + "\n")
        n += 1
        if not text:
            empty += 1
        ref, hyp = words(obj["text"]), words(text)
        e = edits(ref, hyp)
        tot_err += e
        tot_ref += len(ref)
        wers.append(e / max(len(ref), 1))
import os
os.replace(out + ".tmp", out)
mean = sum(wers) / len(wers) if wers else 0.0
pooled = tot_err / tot_ref if tot_ref else 0.0
print(f"asr-corpus: {name}: {n} lines -> {out}; {empty} empty transcripts; "
      f"WER mean per line {mean:.3f}, pooled {pooled:.3f}; {secs} s", file=sys.stderr)
PY
rm -rf "$WORK"
