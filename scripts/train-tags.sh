#!/usr/bin/env bash
# Retrain the learned tagger from the labelled data in data/tags/
# (splits.json says which files train, calibrate and test it): the sentence
# encoders' low-rank adapters (src/encoder/adapters.safetensors for MiniLM,
# mpnet-adapters.safetensors for MPNet) and the head (src/analysis/head.json
# and head-embedding.json); then rebuild blameless to ship them. A
# development tool: blameless itself never runs Python.
#
#   scripts/train-tags.sh            # needs both encoders: blameless models fetch minilm (and mpnet)
#
# Steps: scripts/distill_encoder.py fine-tunes MPNet's first six layers on
# the training writers (transformers, about 15-30 minutes); `blameless train
# features` prints each turn's rule confidences and its MPNet embedding with
# those adapters (the Rust code that runs live, int8 included, so training
# sees exactly what inference sees); scripts/finetune_encoder.py fine-tunes
# MiniLM's adapters on the training writers and embeds every turn with them
# (torch, 10-20 minutes on one core); scripts/train_tags.py fits the head on
# those embeddings and stacks it with both encoders' own classifiers and the
# rules on the calibration writers. The Python packages are pinned, in a venv
# under ~/.cache/blameless/train-venv (torch as the registry ships it is
# about 5.6 GB). Seeded: the same data and machine give the same adapters
# and head.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
  sed -n '2,23p' "$0"; exit 0
fi
PROFILE=${PROFILE:-dev} source "$ROOT/scripts/setup.sh"
VENV=${XDG_CACHE_HOME:-$HOME/.cache}/blameless/train-venv
if [ ! -x "$VENV/bin/python" ]; then
  log "training venv in $VENV"
  python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q --disable-pip-version-check \
  numpy==2.4.6 scipy==1.17.1 scikit-learn==1.9.1 \
  torch==2.15.0 safetensors==0.8.0 tokenizers==0.23.3 transformers==5.25.0
# Where `blameless models fetch minilm` and `mpnet` installed the base encoders.
HOME_DIR=${BLAMELESS_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/blameless}
MODELS=${BLAMELESS_MODELS:-$HOME_DIR/models}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log "fine-tuning MPNet's adapters (six layers)"
"$VENV/bin/python" "$ROOT/scripts/distill_encoder.py" teacher "$MODELS/mpnet" "$work/mpnet" \
  --epochs 2 --layers 6
cp "$work/mpnet.safetensors" "$ROOT/src/encoder/mpnet-adapters.safetensors"
log "features (rule confidences, MPNet embeddings)"
"$BLAMELESS" train features --data "$ROOT/data/tags" --mpnet \
  --mpnet-adapters "$ROOT/src/encoder/mpnet-adapters.safetensors" > "$work/features.jsonl"
log "fine-tuning the encoder's adapters"
FT_CHECK_FEATURES="$work/features.jsonl" "$VENV/bin/python" "$ROOT/scripts/finetune_encoder.py" \
  "$ROOT/data/tags" "$MODELS/minilm" "$ROOT/src/encoder/adapters.safetensors" \
  "$work/classifier.json" --embed "$work/embeddings.npz"
log "fitting the head"
TRAIN_EMBEDDINGS="$work/embeddings.npz" "$VENV/bin/python" "$ROOT/scripts/train_tags.py" \
  "$work/features.jsonl" "$ROOT/data/tags/splits.json" "$ROOT/src/analysis/head.json" \
  "$ROOT/src/analysis/head-embedding.json" "$work/classifier.json" "$work/mpnet.classifier.json"
log "wrote src/encoder/adapters.safetensors, mpnet-adapters.safetensors and src/analysis/head.json; rebuild blameless to ship them"
