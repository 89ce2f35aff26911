"""Fine-tune the sentence encoder for the tagger (development tool; blameless never runs Python).

The shipped tagger reads the encoder with these adapters merged
(src/encoder/adapters.safetensors; docs/tagging.md, "Fine-tuning the
encoder", says how it was chosen). scripts/train-tags.sh runs this script in
a venv with numpy==2.4.6 scipy==1.17.1 scikit-learn==1.9.1 torch==2.15.0
safetensors==0.8.0 tokenizers==0.23.3; by hand:

    blameless train features --data data/tags > features.jsonl
    python scripts/finetune_encoder.py data/tags MODELS/minilm adapters.safetensors
        classifier.json --embed embeddings.npz    (one line)
    TRAIN_EMBEDDINGS=embeddings.npz python scripts/train_tags.py features.jsonl
        data/tags/splits.json head.json head-embedding.json classifier.json    (one line)

(TRAIN_REPORT=calibrate prints the calibration writers' figures only; without
TRAIN_EMBEDDINGS and the classifier the same command gives the base
encoder's).

Environment, for experiments (the defaults give the shipped adapters):
FT_RANK (8), FT_ALPHA (16), FT_EPOCHS (4), FT_LR (1e-3), FT_HARD (0.5, with
--teacher), FT_THREADS (1; more threads are faster, but give other adapters'
bytes), and FT_TARGETS
(query,value): which linear maps of each layer get adapters, any of query,
key, value, output, intermediate, ffn_output. docs/tagging.md says what the
other settings measured.

Low-rank adapters (LoRA) on the query and value projections of every layer of
all-MiniLM-L6-v2, trained with a per-label classification head on the
training writers' turns (data/tags/splits.json `train`), so the embedding
learns stance (who is blamed, who deflects) and not only topic. Only the
adapters are written, small enough to commit (300 KB); merged into the base
weights when the encoder is loaded they cost nothing per turn.

Reads the labelled files of data/tags/ that splits.json names; trains on the
`train` files only (the calibration and test turns are only embedded, with
--embed, in the order `blameless train features` prints them).
Deterministic: seeded, single-threaded reductions, the same data gives the same
adapters.

usage: finetune_encoder.py DATA_DIR MINILM_DIR OUT.safetensors CLASSIFIER.json
       [--embed OUT_EMBEDDINGS.npz]   (also write every turn's new embedding)
       [--teacher TEACHER.jsonl]      (learn from a larger encoder's scores too)

With --teacher the encoder is taught by a larger one (distillation;
docs/tagging.md, "The student in the combined layer, and the teacher's
ceiling": measured, not shipped). Each
line of TEACHER.jsonl is the teacher's logits `z` (one per label) for either a
training turn (`id`) or an unlabeled turn (`text`), as scripts/distill_encoder.py
`teacher` writes them. A training turn's loss is FT_HARD (0.5) of its labels and
the rest of the teacher's probabilities; an unlabeled turn learns the teacher's
probabilities alone. The file's SHA-256 goes into the adapters' metadata.

CLASSIFIER.json gets the per-label classification head trained with the
adapters (weights on the unit embedding, bias) and the adapters' SHA-256,
which scripts/train_tags.py stacks with its own head and records in the
head's provenance (the encoder's tests check the two belong together).
"""
import hashlib
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.numpy import load_file, save_file
from tokenizers import BertWordPieceTokenizer

LABELS = ["blame", "defensive", "counterfactual", "exec_pressure", "dismissive"]
RANK = int(os.environ.get("FT_RANK", "8"))
ALPHA = float(os.environ.get("FT_ALPHA", "16"))
EPOCHS = int(os.environ.get("FT_EPOCHS", "4"))
LR = float(os.environ.get("FT_LR", "1e-3"))
HARD = float(os.environ.get("FT_HARD", "0.5"))
BATCH = 16
SEED = 20261202
# Which of each layer's linear maps get adapters (FT_TARGETS, comma-separated):
# query, key, value, output (attention's), intermediate, ffn_output.
TARGETS = os.environ.get("FT_TARGETS", "query,value").split(",")
MAX_TOKENS = 256
HIDDEN, HEADS, LAYERS = 384, 12, 6


TARGET_KEYS = {"query": "q", "key": "k", "value": "v", "output": "o",
               "intermediate": "i", "ffn_output": "out"}
TARGET_NAMES = {"q": "attention.self.query", "k": "attention.self.key",
                "v": "attention.self.value", "o": "attention.output.dense",
                "i": "intermediate.dense", "out": "output.dense"}


class Bert(torch.nn.Module):
    """BERT as src/encoder/bert.rs runs it, with LoRA on query and value."""

    def __init__(self, w):
        super().__init__()
        t = lambda name: torch.tensor(w[name])
        self.word = t("embeddings.word_embeddings.weight")
        self.pos = t("embeddings.position_embeddings.weight")
        self.type = t("embeddings.token_type_embeddings.weight")[0]
        self.ln0 = (t("embeddings.LayerNorm.weight"), t("embeddings.LayerNorm.bias"))
        self.layers = []
        self.lora = torch.nn.ParameterList()
        g = torch.Generator().manual_seed(SEED)
        self.slots = {}  # (layer, key) -> index of its A factor in self.lora
        for i in range(LAYERS):
            p = f"encoder.layer.{i}"
            layer = {k: (t(f"{p}.{n}.weight"), t(f"{p}.{n}.bias")) for k, n in [
                ("q", "attention.self.query"), ("k", "attention.self.key"),
                ("v", "attention.self.value"), ("o", "attention.output.dense"),
                ("ln1", "attention.output.LayerNorm"), ("i", "intermediate.dense"),
                ("out", "output.dense"), ("ln2", "output.LayerNorm")]}
            self.layers.append(layer)
            for target in TARGETS:
                key = TARGET_KEYS[target]
                outputs, inputs = layer[key][0].shape
                a = torch.nn.Parameter(torch.randn(RANK, inputs, generator=g) / math.sqrt(inputs))
                b = torch.nn.Parameter(torch.zeros(outputs, RANK))
                self.slots[(i, key)] = len(self.lora)
                self.lora.append(a)
                self.lora.append(b)

    def weight(self, layer, key):
        """The layer's weight KEY with its adapter, if it has one."""
        w = self.layers[layer][key][0]
        j = self.slots.get((layer, key))
        if j is None:
            return w
        return w + (ALPHA / RANK) * (self.lora[j + 1] @ self.lora[j])

    def forward(self, ids, mask):
        n = ids.shape[1]
        x = self.word[ids] + self.pos[:n] + self.type
        x = F.layer_norm(x, (HIDDEN,), *self.ln0, eps=1e-12)
        bias = (1.0 - mask[:, None, None, :]) * -1e9
        for li, L in enumerate(self.layers):
            lin = lambda z, key: F.linear(z, self.weight(li, key), L[key][1])
            q, k, v = lin(x, "q"), lin(x, "k"), lin(x, "v")
            split = lambda z: z.view(z.shape[0], n, HEADS, HIDDEN // HEADS).transpose(1, 2)
            scores = split(q) @ split(k).transpose(-1, -2) / math.sqrt(HIDDEN // HEADS) + bias
            ctx = (scores.softmax(-1) @ split(v)).transpose(1, 2).reshape(x.shape)
            x = F.layer_norm(x + lin(ctx, "o"), (HIDDEN,), *L["ln1"], eps=1e-12)
            inner = F.gelu(lin(x, "i"))
            x = F.layer_norm(x + lin(inner, "out"), (HIDDEN,), *L["ln2"], eps=1e-12)
        pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
        return F.normalize(pooled, dim=-1)

    def adapters(self):
        """The low-rank factors, named after the weights they adapt:
        `NAME.lora_a` (rank, hidden) and `NAME.lora_b` (hidden, rank), the
        scale folded into B, so the weight becomes W + B A."""
        out = {}
        for (li, key), j in self.slots.items():
            base = f"encoder.layer.{li}.{TARGET_NAMES[key]}.weight"
            out[f"{base}.lora_a"] = self.lora[j].detach().numpy().astype(np.float32)
            out[f"{base}.lora_b"] = ((ALPHA / RANK) * self.lora[j + 1]).detach().numpy().astype(np.float32)
        return out


def batches(ids, order):
    for s in range(0, len(order), BATCH):
        chunk = [ids[i] for i in order[s:s + BATCH]]
        n = max(len(c) for c in chunk)
        x = torch.zeros(len(chunk), n, dtype=torch.long)
        m = torch.zeros(len(chunk), n)
        for r, c in enumerate(chunk):
            x[r, :len(c)] = torch.tensor(c)
            m[r, :len(c)] = 1
        yield order[s:s + BATCH], x, m


def schedule(opt, steps):
    """The learning rate: a linear warm-up over 50 steps, then a linear fall to zero."""
    return torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / 50) * max(0.0, 1 - s / max(steps, 1)))


def length_batches(ids, order, rng):
    """One epoch's batches: turns of similar length together (less padding), the
    batches in a seeded random order."""
    by_len = sorted(order, key=lambda i: (len(ids[i]), i))
    chunks = [by_len[s:s + BATCH] for s in range(0, len(by_len), BATCH)]
    rng.shuffle(chunks)
    return chunks


def embed_all(model, ids):
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    out = np.zeros((len(ids), HIDDEN), dtype=np.float32)
    with torch.no_grad():
        for idx, x, m in batches(ids, order):
            out[idx] = model(x, m).numpy()
    return out


def main():
    data_dir, minilm_dir, out_path, classifier_path = sys.argv[1:5]
    option = lambda name: sys.argv[sys.argv.index(name) + 1] if name in sys.argv else None
    embed_out, teacher_path = option("--embed"), option("--teacher")
    random.seed(SEED); np.random.seed(SEED); torch.manual_seed(SEED)
    torch.set_num_threads(int(os.environ.get("FT_THREADS", "1")))
    torch.use_deterministic_algorithms(True)
    splits = json.load(open(os.path.join(data_dir, "splits.json")))
    train_files = set(splits["train"])
    rows = []
    for f in splits["train"] + splits["calibrate"] + splits.get("test", []):
        for line in open(os.path.join(data_dir, f)):
            if line.strip():
                row = json.loads(line)
                row["file"] = f
                row["prev_text"] = (row.get("prev") or {}).get("text")
                rows.append(row)
    if os.environ.get("FT_CHECK_FEATURES"):
        # The same turns in the same order as `blameless train features`.
        ids_there = [json.loads(line)["id"] for line in open(os.environ["FT_CHECK_FEATURES"])]
        assert ids_there == [r["id"] for r in rows], "turn order differs from the features"
    tok = BertWordPieceTokenizer(os.path.join(minilm_dir, "vocab.txt"), lowercase=True,
                                 strip_accents=True, clean_text=True, handle_chinese_chars=True)
    tok.enable_truncation(MAX_TOKENS)
    encode = lambda text: tok.encode(text).ids
    ids = [encode(r["text"]) for r in rows]
    train = [i for i, r in enumerate(rows) if r["file"] in train_files]
    # Only the training turns' labels are read.
    train_set = set(train)
    Y = torch.tensor([[float(l in r["labels"]) if i in train_set else 0.0 for l in LABELS]
                      for i, r in enumerate(rows)])
    # With a teacher: its probabilities for training turns (soft, by row) and
    # unlabeled turns appended after the rows, which only train.
    soft, share = None, None
    if teacher_path:
        by_id = {rows[i]["id"]: i for i in train}
        taught, unlabeled = {}, []
        for line in open(teacher_path):
            if line.strip():
                t = json.loads(line)
                if "id" in t:
                    taught[by_id[t["id"]]] = t["z"]
                else:
                    ids.append(encode(t["text"]))
                    unlabeled.append(t["z"])
        n_unlabeled = len(unlabeled)
        first = len(rows)
        train += list(range(first, first + n_unlabeled))
        Y = torch.cat([Y, torch.zeros(n_unlabeled, len(LABELS))])
        z = [taught.get(i, [0.0] * len(LABELS)) for i in range(first)] + unlabeled
        soft = torch.sigmoid(torch.tensor(z))
        # The share of a turn's loss given to its labels.
        share = torch.tensor([HARD if i in taught else 1.0 for i in range(first)]
                             + [0.0] * n_unlabeled)[:, None]
        print(f"teacher: {len(taught)} training turns, {n_unlabeled} unlabeled", file=sys.stderr)

    model = Bert(load_file(os.path.join(minilm_dir, "model.safetensors")))
    head = torch.nn.Linear(HIDDEN, len(LABELS))
    scale = torch.nn.Parameter(torch.tensor(10.0))
    params = list(model.lora) + list(head.parameters()) + [scale]
    opt = torch.optim.AdamW(params, lr=LR, weight_decay=0.01)
    steps = EPOCHS * math.ceil(len(train) / BATCH)
    sched = schedule(opt, steps)
    pos = Y[[i for i in train if i < len(rows)]].mean(0)
    pos_weight = ((1 - pos) / pos).sqrt()
    rng = random.Random(SEED)
    for epoch in range(EPOCHS):
        chunks = length_batches(ids, train, rng)
        total = 0.0
        started = time.time()
        for n_batch, chunk in enumerate(chunks):
            _, x, m = next(batches(ids, chunk))
            z = head(model(x, m) * scale)
            if soft is None:
                loss = F.binary_cross_entropy_with_logits(z, Y[chunk], pos_weight=pos_weight)
            else:
                each = lambda target: F.binary_cross_entropy_with_logits(
                    z, target[chunk], pos_weight=pos_weight, reduction="none")
                loss = (share[chunk] * each(Y) + (1 - share[chunk]) * each(soft)).mean()
            opt.zero_grad(); loss.backward(); opt.step(); sched.step()
            total += float(loss.detach()) * len(chunk)
            if n_batch == 19:
                print(f"  20 batches in {time.time() - started:.1f} s of {len(chunks)}", file=sys.stderr, flush=True)
        print(f"epoch {epoch + 1}: loss {total / len(train):.4f}", file=sys.stderr, flush=True)
    deltas = model.adapters()
    # One metadata key: the file's bytes do not depend on dict order.
    about = {"base": "all-MiniLM-L6-v2", "rank": RANK, "alpha": ALPHA, "epochs": EPOCHS,
             "lr": LR, "seed": SEED, "train": splits["train"]}
    if TARGETS != ["query", "value"]:
        about["targets"] = TARGETS
    if teacher_path:
        about["teacher_sha256"] = hashlib.sha256(open(teacher_path, "rb").read()).hexdigest()
        about["hard"] = HARD
    save_file(deltas, out_path, metadata={"about": json.dumps(about, sort_keys=True)})
    adapters_sha256 = hashlib.sha256(open(out_path, "rb").read()).hexdigest()
    with open(classifier_path, "w") as f:
        json.dump({"labels": LABELS, "adapters_sha256": adapters_sha256,
                   "weights": (head.weight * scale).detach().double().numpy().tolist(),
                   "bias": head.bias.detach().double().numpy().tolist()}, f)
        f.write("\n")
    if embed_out:
        prev_ids = [encode(r["prev_text"]) if r.get("prev_text") else [] for r in rows]
        emb = embed_all(model, ids[:len(rows)])
        has_prev = [i for i, p in enumerate(prev_ids) if p]
        prev = np.zeros_like(emb)
        prev[has_prev] = embed_all(model, [prev_ids[i] for i in has_prev])
        np.savez(embed_out, ids=np.array([r["id"] for r in rows]), embedding=emb, prev_embedding=prev,
                 has_prev=np.array([bool(p) for p in prev_ids]))


if __name__ == "__main__":
    main()
