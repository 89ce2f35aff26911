#!/usr/bin/env bash
# Retrain the learned tagger's head from the labelled data in data/tags/
# (splits.json says which files train, calibrate and test it) and write
# src/analysis/head.json and head-embedding.json; then rebuild blameless to
# ship them. A development tool: blameless itself never runs Python.
#
#   scripts/train-tags.sh            # needs the sentence encoder: blameless models fetch minilm
#
# Steps: `blameless train features` prints each turn's sentence embedding and
# rule confidences (the Rust code that runs live, so training sees exactly
# what inference sees); scripts/train_tags.py fits the head with pinned
# scikit-learn in a venv under ~/.cache/blameless/train-venv. Deterministic:
# the same data gives the same head.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
  sed -n '2,13p' "$0"; exit 0
fi
PROFILE=${PROFILE:-dev} source "$ROOT/scripts/setup.sh"
VENV=${XDG_CACHE_HOME:-$HOME/.cache}/blameless/train-venv
if [ ! -x "$VENV/bin/python" ]; then
  log "training venv in $VENV"
  python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q --disable-pip-version-check \
  numpy==2.4.6 scipy==1.17.1 scikit-learn==1.9.1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log "features (sentence embeddings and rule confidences)"
"$BLAMELESS" train features --data "$ROOT/data/tags" > "$work/features.jsonl"
log "fitting the head"
"$VENV/bin/python" "$ROOT/scripts/train_tags.py" "$work/features.jsonl" \
  "$ROOT/data/tags/splits.json" "$ROOT/src/analysis/head.json" "$ROOT/src/analysis/head-embedding.json"
log "wrote src/analysis/head.json; rebuild blameless to ship it"
