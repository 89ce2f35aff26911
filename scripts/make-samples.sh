#!/usr/bin/env bash
# Render a synthetic meeting script (default samples/postmortem.script) to audio.
#
#   scripts/make-samples.sh [samples/NAME.script]
#
# Outputs (in samples/; NAME is the script's name, postmortem by default):
#   NAME.wav                    the whole meeting, 16 kHz mono s16 (git-ignored)
#   bench-60s.wav               exactly its first 60 s, for the speed benchmark
#                               (git-ignored; postmortem only)
#   NAME.truth.jsonl            one line per turn:
#                               {"speaker": ..., "start": s, "end": s, "text": ...}
#   NAME.manifest.jsonl         {"audio": "NAME.wav", "reference": ...}
#
# Each turn is synthesized with its speaker's voice (espeak-ng or flite, as the
# script's @voice lines say), converted to 16 kHz mono s16 with sox, trimmed of
# leading and trailing silence, and the turns are joined with 0.6-1.2 s of
# digital silence (a fixed pattern, no randomness). Truth times come from the
# sample counts. sox runs with -D (no dither) and -R (repeatable), so with the
# same espeak-ng / flite / sox versions every run writes the same bytes.
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/samples
SCRIPT=${1:-$OUT/postmortem.script}
NAME=$(basename "$SCRIPT" .script)

RATE=16000
LEAD_MS=500      # silence before the first turn
TAIL_MS=500      # silence after the last turn
BENCH_SECONDS=60
# Gap after turn i (0-based): GAPS_MS[i % 7]. Fixed, so output is deterministic.
GAPS_MS=(800 600 1100 700 1200 900 1000)
# Silence trimming at each turn's edges: sox 'silence' threshold.
TRIM_THRESHOLD=-55d
# A rendered turn quieter than this RMS level (dBFS) or shorter than
# MIN_TURN_MS is treated as a synthesis failure.
MIN_RMS_DB=-35
MIN_TURN_MS=300

log() { printf 'make-samples: %s\n' "$*" >&2; }
die() { printf 'make-samples: ERROR: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [[ $EUID -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root to run: $*"; fi
}

apt_updated=0
# ensure_tool COMMAND PACKAGE: install PACKAGE with apt-get if COMMAND is missing.
ensure_tool() {
  command -v "$1" >/dev/null && return 0
  log "installing $2 (for $1)"
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; then
    if [[ $apt_updated -eq 0 ]]; then
      as_root apt-get update -qq >/dev/null
      apt_updated=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
  fi
  command -v "$1" >/dev/null || die "$1 still missing after installing $2"
}

[[ -f $SCRIPT ]] || die "no script at $SCRIPT"

# --- parse ---------------------------------------------------------------
declare -A ENGINE VOICE OPTS
SPEAKERS=() TEXTS=()
lineno=0
while IFS= read -r line || [[ -n $line ]]; do
  lineno=$((lineno + 1))
  line=${line%$'\r'}
  [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
  if [[ $line =~ ^@voice[[:space:]]+([A-Za-z][A-Za-z0-9_-]*)[[:space:]]+(espeak-ng|flite)[[:space:]]+([^[:space:]]+)[[:space:]]*(.*)$ ]]; then
    name=${BASH_REMATCH[1]}
    ENGINE[$name]=${BASH_REMATCH[2]}
    VOICE[$name]=${BASH_REMATCH[3]}
    OPTS[$name]=${BASH_REMATCH[4]}
  elif [[ $line =~ ^([A-Za-z][A-Za-z0-9_-]*):[[:space:]]*(.*)$ ]]; then
    name=${BASH_REMATCH[1]}
    text=${BASH_REMATCH[2]%%#*}           # drop the label comment
    read -r -a words <<<"$text"           # squeeze whitespace
    text="${words[*]}"
    [[ -n ${ENGINE[$name]:-} ]] || die "$SCRIPT:$lineno: speaker $name has no @voice line"
    [[ -n $text ]] || die "$SCRIPT:$lineno: empty turn"
    [[ $text != *[\"\\]* ]] || die "$SCRIPT:$lineno: no double quotes or backslashes in turns"
    SPEAKERS+=("$name")
    TEXTS+=("$text")
  else
    die "$SCRIPT:$lineno: cannot parse: $line"
  fi
done <"$SCRIPT"
[[ ${#TEXTS[@]} -gt 0 ]] || die "no turns in $SCRIPT"

# --- tools -----------------------------------------------------------------
ensure_tool sox sox
for name in "${!ENGINE[@]}"; do
  case ${ENGINE[$name]} in
    espeak-ng) ensure_tool espeak-ng espeak-ng ;;
    flite) ensure_tool flite flite ;;
  esac
done

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT"

RAW=(-t raw -r "$RATE" -e signed-integer -b 16 -c 1)

# silence_raw MS FILE: append MS milliseconds of digital silence to FILE.
# shellcheck disable=SC2017 # whole samples first (16 per ms), then bytes
silence_raw() { head -c $(( $1 * RATE / 1000 * 2 )) /dev/zero >>"$2"; }

# fmt_seconds SAMPLES: seconds with 3 decimals, rounded half up, integer maths.
fmt_seconds() {
  local ms=$(( ($1 * 1000 + RATE / 2) / RATE ))
  printf '%d.%03d' $((ms / 1000)) $((ms % 1000))
}

json_escape() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  printf '%s' "$s"
}

# --- render turns --------------------------------------------------------
# Synthesis runs two turns at a time (each turn is independent), the join is
# sequential, so the order and the bytes do not depend on scheduling.
render_turn() {
  local i=$1 name=${SPEAKERS[$1]} opts
  local txt=$TMP/turn$i.txt native=$TMP/turn$i.native.wav raw=$TMP/turn$i.raw
  printf '%s\n' "${TEXTS[$i]}" >"$txt"
  read -r -a opts <<<"${OPTS[$name]}"
  case ${ENGINE[$name]} in
    espeak-ng) espeak-ng -v "${VOICE[$name]}" "${opts[@]}" -w "$native" -f "$txt" ;;
    flite) flite -voice "${VOICE[$name]}" "${opts[@]}" -f "$txt" -o "$native" ;;
  esac
  sox -D -R "$native" "${RAW[@]}" "$raw" \
    silence 1 0.005 "$TRIM_THRESHOLD" reverse silence 1 0.005 "$TRIM_THRESHOLD" reverse \
    rate -v "$RATE" channels 1
}
N=${#TEXTS[@]}
pids=()
for ((i = 0; i < N; i++)); do
  render_turn "$i" &
  pids+=($!)
  if (( ${#pids[@]} >= 2 )); then
    wait "${pids[0]}" || die "synthesis failed"
    pids=("${pids[@]:1}")
  fi
done
for p in "${pids[@]}"; do wait "$p" || die "synthesis failed"; done

# --- join, truth, manifest -------------------------------------------------
all=$TMP/all.raw
: >"$all"
: >"$TMP/truth"
silence_raw "$LEAD_MS" "$all"
reference=""
for ((i = 0; i < N; i++)); do
  raw=$TMP/turn$i.raw
  bytes=$(stat -c %s "$raw")
  n=$((bytes / 2))
  (( n * 1000 / RATE >= MIN_TURN_MS )) \
    || die "turn $((i + 1)) (${SPEAKERS[$i]}) rendered only $n samples"
  rms=$(sox "${RAW[@]}" "$raw" -n stats 2>&1 | awk '/^RMS lev dB/ {print $4}')
  awk -v r="$rms" -v m="$MIN_RMS_DB" 'BEGIN { exit !(r != "" && r + 0 > m) }' \
    || die "turn $((i + 1)) (${SPEAKERS[$i]}) is too quiet (RMS $rms dB)"
  start=$(( $(stat -c %s "$all") / 2 ))
  cat "$raw" >>"$all"
  end=$((start + n))
  printf '{"speaker": "%s", "start": %s, "end": %s, "text": "%s"}\n' \
    "${SPEAKERS[$i]}" "$(fmt_seconds "$start")" "$(fmt_seconds "$end")" \
    "$(json_escape "${TEXTS[$i]}")" >>"$TMP/truth"
  reference+="${reference:+ }${TEXTS[$i]}"
  if (( i + 1 < N )); then
    silence_raw "${GAPS_MS[i % ${#GAPS_MS[@]}]}" "$all"
  fi
done
silence_raw "$TAIL_MS" "$all"

total=$(( $(stat -c %s "$all") / 2 ))
sox -D -R "${RAW[@]}" "$all" -t wav -e signed-integer -b 16 "$TMP/meeting.wav"
printf '{"audio": "%s.wav", "reference": "%s"}\n' "$NAME" "$(json_escape "$reference")" \
  >"$TMP/manifest"
if [[ $NAME == postmortem ]]; then
  (( total >= BENCH_SECONDS * RATE )) \
    || die "meeting is only $(fmt_seconds "$total") s, shorter than the ${BENCH_SECONDS} s benchmark clip"
  sox -D -R "$TMP/meeting.wav" -t wav "$TMP/bench.wav" trim 0 "$((BENCH_SECONDS * RATE))s"
  mv -f "$TMP/bench.wav" "$OUT/bench-60s.wav"
fi

mv -f "$TMP/meeting.wav" "$OUT/$NAME.wav"
mv -f "$TMP/truth" "$OUT/$NAME.truth.jsonl"
mv -f "$TMP/manifest" "$OUT/$NAME.manifest.jsonl"

log "$N turns, $(fmt_seconds "$total") s -> samples/$NAME.wav, samples/$NAME.truth.jsonl,"
log "  samples/$NAME.manifest.jsonl$([[ $NAME == postmortem ]] && echo ', samples/bench-60s.wav')"
