#!/usr/bin/env bash
# A harder synthetic meeting for speaker attribution: six voices, four of
# them close (espeak-ng en-us male variants m1/m3/m7 and flite rms, two
# female variants f2/f4 with close pitch), speed and pitch changed per turn,
# short gaps (0.15-0.5 s) and one-word replies, and room noise (pink noise
# at about -32 dB below the speech, a little reverb) over the whole mix.
#
# Writes samples/hard-meeting.wav (16 kHz mono) and
# samples/hard-meeting.truth.jsonl ({"speaker", "start", "end", "text"} per
# turn, the format of make-samples.sh). Deterministic for a given espeak-ng,
# flite and sox. Needs espeak-ng, flite and sox (scripts/setup.sh installs them).
set -euo pipefail
export LC_ALL=C
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/samples
RATE=16000
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT"

# name|engine|voice|options (espeak-ng: -s wpm -p pitch; flite: --setf ...)
VOICES=(
  "Ana|espeak-ng|en-us+f2|-p 55"
  "Bea|espeak-ng|en-us+f4|-p 50"
  "Carl|espeak-ng|en-us+m1|-p 40"
  "Dev|espeak-ng|en-us+m3|-p 45"
  "Eli|espeak-ng|en-us+m7|-p 38"
  "Finn|flite|rms|--setf duration_stretch=1.0"
)
# speaker|speed factor (espeak -s or flite stretch)|text
TURNS=(
  "Ana|1.0|Thanks for coming. We are reviewing the cache outage from Monday, to learn, not to blame."
  "Carl|1.1|The cache cluster ran out of memory at nine forty and started evicting session keys."
  "Dev|0.9|Right."
  "Dev|1.0|And the eviction storm pushed every request to the database, which fell over within two minutes."
  "Bea|1.0|When did the first page go out?"
  "Eli|1.0|At nine fifty two. I was on call and I acknowledged it a minute later."
  "Ana|1.1|What did the dashboards show you at that point?"
  "Eli|0.9|Database latency was through the roof, but the cache panel still looked green."
  "Finn|1.0|That panel only shows hit rate. It does not show evictions at all."
  "Carl|1.0|Yes."
  "Bea|1.1|So the signal we needed was not on any dashboard. That is a gap we can close."
  "Dev|1.0|I can add an eviction rate panel and an alert on it this week."
  "Finn|1.1|I would also like to understand why memory grew so fast on Monday."
  "Carl|0.9|A batch job started writing large objects into the same cluster on Sunday night."
  "Eli|1.0|Nobody told the on call rotation about that job."
  "Ana|1.0|Let us note that as a communication gap, not a person. Who owns the batch job?"
  "Bea|1.0|My team does. We will move it to its own cluster by next Friday."
  "Dev|1.1|Okay."
  "Finn|1.0|And I will write the runbook section for eviction storms by the end of the month."
  "Carl|1.0|Could we also cap object size on the shared cluster?"
  "Eli|0.9|That would have stopped this one. I can test a cap in staging tomorrow."
  "Ana|1.0|Good. Three owners, three dates. Anything we missed?"
  "Bea|1.0|No, I think that covers it."
  "Ana|1.0|Thanks, everyone. I will send the summary today."
)
GAPS_MS=(300 150 450 250 500 200 350)

for tool in espeak-ng flite sox; do
  command -v "$tool" >/dev/null || { echo "make-hard-meeting: need $tool (scripts/setup.sh installs it)" >&2; exit 1; }
done
declare -A ENGINE VOICE OPTS
for v in "${VOICES[@]}"; do
  IFS='|' read -r name engine voice opts <<<"$v"
  ENGINE[$name]=$engine VOICE[$name]=$voice OPTS[$name]=$opts
done

RAW=(-t raw -r "$RATE" -e signed-integer -b 16 -c 1)
: >"$TMP/all.raw"
: >"$TMP/truth"
head -c $((RATE / 2 * 2)) /dev/zero >>"$TMP/all.raw"
i=0
for t in "${TURNS[@]}"; do
  IFS='|' read -r name speed text <<<"$t"
  read -r -a opts <<<"${OPTS[$name]}"
  if [[ ${ENGINE[$name]} == espeak-ng ]]; then
    wpm=$(awk -v s="$speed" 'BEGIN { printf "%d", 165 * s }')
    espeak-ng -v "${VOICE[$name]}" "${opts[@]}" -s "$wpm" -w "$TMP/native.wav" "$text"
  else
    stretch=$(awk -v s="$speed" 'BEGIN { printf "%.2f", 1 / s }')
    flite -voice "${VOICE[$name]}" --setf duration_stretch="$stretch" -t "$text" -o "$TMP/native.wav"
  fi
  sox -D -R "$TMP/native.wav" "${RAW[@]}" "$TMP/turn.raw" \
    silence 1 0.005 -55d reverse silence 1 0.005 -55d reverse rate -v "$RATE" channels 1
  start=$(( $(stat -c %s "$TMP/all.raw") / 2 ))
  cat "$TMP/turn.raw" >>"$TMP/all.raw"
  end=$(( $(stat -c %s "$TMP/all.raw") / 2 ))
  printf '{"speaker": "%s", "start": %s, "end": %s, "text": "%s"}\n' "$name" \
    "$(awk -v n="$start" -v r="$RATE" 'BEGIN { printf "%.3f", n / r }')" \
    "$(awk -v n="$end" -v r="$RATE" 'BEGIN { printf "%.3f", n / r }')" "$text" >>"$TMP/truth"
  gap=${GAPS_MS[i % ${#GAPS_MS[@]}]}
  head -c $((gap * RATE / 1000 * 2)) /dev/zero >>"$TMP/all.raw"
  i=$((i + 1))
done
head -c $((RATE / 2 * 2)) /dev/zero >>"$TMP/all.raw"

sox -D -R "${RAW[@]}" "$TMP/all.raw" "$TMP/speech.wav"
seconds=$(sox --i -D "$TMP/speech.wav")
# Room: a little reverb on the voices, pink noise under everything.
sox -D -R "$TMP/speech.wav" "$TMP/room.wav" reverb 25 50 40
sox -D -R -n -r "$RATE" -c 1 -b 16 "$TMP/noise.wav" synth "$seconds" pinknoise vol 0.02
sox -D -R -m "$TMP/room.wav" "$TMP/noise.wav" -b 16 "$TMP/hard.wav" trim 0 "$seconds"
mv -f "$TMP/hard.wav" "$OUT/hard-meeting.wav"
mv -f "$TMP/truth" "$OUT/hard-meeting.truth.jsonl"
echo "make-hard-meeting: ${#TURNS[@]} turns, $seconds s -> samples/hard-meeting.wav, samples/hard-meeting.truth.jsonl" >&2
