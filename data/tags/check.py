#!/usr/bin/env python3
"""Validate data/tags/*.jsonl and print the counts.

Usage: python3 data/tags/check.py [DIR]   (DIR defaults to this file's directory)
Exit status 1 if any error was found. Standard library only.
See README.md in the same directory for the labelling rules and the formats.
"""
import json
import os
import re
import sys
from collections import Counter

LABELS = ["blame", "defensive", "counterfactual", "exec_pressure", "dismissive"]
CATEGORIES = [
    "system_causal", "timeline_names", "negation_meta", "reported_speech", "facilitator",
    "design_should", "self_reflection", "ops_jargon", "asr_artefact", "other",
]
KINDS = ["positive", "negative"] + ["hard_negative:" + c for c in CATEGORIES]
ROLES = ["participant", "facilitator"]
TURN_KEYS = {"id", "speaker", "role", "text", "labels", "kind"}
ACTION_KEYS = {"id", "speaker", "role", "text", "action"}
MIN_WORDS, MAX_WORDS = 5, 60

# Minima per file: turns, share of hard negatives, per hard-negative category, per label.
MINIMA = {
    "dev.jsonl": {"id": r"d\d{4}", "turns": 340, "hard_share": 0.40, "per_category": 12, "per_label": 35},
    "heldout.jsonl": {"id": r"h\d{4}", "turns": 120, "hard_share": 0.40, "per_category": 5, "per_label": 12},
}
ACTION_MINIMA = {"lines": 70, "actions": 50, "near_misses": 20}

errors = []


def err(where, msg):
    errors.append(f"{where}: {msg}")


def load(path):
    objs = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            where = f"{os.path.basename(path)}:{n}"
            if not line.strip():
                err(where, "blank line")
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                err(where, f"not JSON: {e}")
                continue
            if not isinstance(obj, dict):
                err(where, "not a JSON object")
                continue
            objs.append((where, obj))
    return objs


def check_text(where, text):
    if not isinstance(text, str) or not text.strip():
        err(where, "text missing or empty")
        return
    words = len(text.split())
    if not MIN_WORDS <= words <= MAX_WORDS:
        err(where, f"text has {words} words, want {MIN_WORDS}-{MAX_WORDS}")
    if re.search(r"\d", text):
        err(where, "digits in text (write numbers as words)")
    if '"' in text or "\\" in text:
        err(where, "double quote or backslash in text")


def check_turns(path, spec, seen_ids, seen_texts):
    name = os.path.basename(path)
    rows = load(path)
    labels = Counter()
    kinds = Counter()
    multi = 0
    for where, o in rows:
        if set(o) != TURN_KEYS:
            err(where, f"keys {sorted(o)} != {sorted(TURN_KEYS)}")
            continue
        i = o["id"]
        if not isinstance(i, str) or not re.fullmatch(spec["id"], i):
            err(where, f"bad id {i!r}")
        elif i in seen_ids:
            err(where, f"duplicate id {i}")
        seen_ids.add(i)
        if not isinstance(o["speaker"], str) or not o["speaker"].strip():
            err(where, "speaker missing")
        if o["role"] not in ROLES:
            err(where, f"bad role {o['role']!r}")
        check_text(where, o["text"])
        t = " ".join(str(o["text"]).lower().split())
        if t in seen_texts:
            err(where, f"text repeated from {seen_texts[t]}")
        seen_texts.setdefault(t, where)
        ls = o["labels"]
        if not isinstance(ls, list) or any(l not in LABELS for l in ls):
            err(where, f"bad labels {ls!r}")
            continue
        if len(set(ls)) != len(ls):
            err(where, "repeated label")
        if ls != sorted(ls, key=LABELS.index):
            err(where, f"labels not in canonical order {LABELS}")
        k = o["kind"]
        if k not in KINDS:
            err(where, f"bad kind {k!r}")
            continue
        if (k == "positive") != bool(ls):
            err(where, f"kind {k} does not match labels {ls}")
        if o["role"] == "facilitator" and (ls or k not in ("hard_negative:facilitator", "negative")):
            err(where, "facilitator turns are never tagged")
        if k == "hard_negative:facilitator" and o["role"] != "facilitator":
            err(where, "hard_negative:facilitator needs role facilitator")
        kinds[k] += 1
        labels.update(ls)
        if len(ls) > 1:
            multi += 1

    total = len(rows)
    positives = kinds["positive"]
    hard = sum(v for k, v in kinds.items() if k.startswith("hard_negative:"))
    print(f"== {name}: {total} turns")
    print(f"   positive {positives} (multi-label {multi}, {100 * multi / max(positives, 1):.0f} %), "
          f"hard negative {hard} ({100 * hard / max(total, 1):.0f} %), negative {kinds['negative']}")
    for l in LABELS:
        print(f"   label {l:<16} {labels[l]:>4}")
    for c in CATEGORIES:
        print(f"   hard_negative:{c:<16} {kinds['hard_negative:' + c]:>4}")
    where = name
    if total < spec["turns"]:
        err(where, f"{total} turns < {spec['turns']}")
    if hard < spec["hard_share"] * total:
        err(where, f"hard negatives {hard} < {spec['hard_share']:.0%} of {total}")
    for c in CATEGORIES:
        if kinds["hard_negative:" + c] < spec["per_category"]:
            err(where, f"hard_negative:{c} {kinds['hard_negative:' + c]} < {spec['per_category']}")
    for l in LABELS:
        if labels[l] < spec["per_label"]:
            err(where, f"label {l} {labels[l]} < {spec['per_label']}")
    return rows


def overlap_report(dev_rows, held_rows, n=6):
    """Held-out turns sharing an n-word sequence with a dev turn (printed, not an error)."""
    def grams(text):
        w = re.sub(r"[^\w' ]", " ", text.lower()).split()
        return {tuple(w[i:i + n]) for i in range(len(w) - n + 1)}
    dev = set()
    for _, o in dev_rows:
        dev |= grams(o.get("text", ""))
    hits = [(o["id"], o["text"]) for _, o in held_rows if grams(o.get("text", "")) & dev]
    print(f"   heldout turns sharing a {n}-word sequence with dev: {len(hits)}")
    for i, t in hits:
        print(f"     {i}: {t}")


def check_actions(path, seen_ids):
    name = os.path.basename(path)
    rows = load(path)
    n_act = n_none = 0
    shape = Counter()
    for where, o in rows:
        if set(o) != ACTION_KEYS:
            err(where, f"keys {sorted(o)} != {sorted(ACTION_KEYS)}")
            continue
        i = o["id"]
        if not isinstance(i, str) or not re.fullmatch(r"a\d{3}", i):
            err(where, f"bad id {i!r}")
        elif i in seen_ids:
            err(where, f"duplicate id {i}")
        seen_ids.add(i)
        if o["role"] not in ROLES:
            err(where, f"bad role {o['role']!r}")
        if not isinstance(o["speaker"], str) or not o["speaker"].strip():
            err(where, "speaker missing")
        check_text(where, o["text"])
        a = o["action"]
        if a is None:
            n_none += 1
            continue
        if not isinstance(a, dict) or set(a) != {"owner", "task", "due"}:
            err(where, "action must be null or {owner, task, due}")
            continue
        n_act += 1
        text = str(o["text"]).lower()
        if not isinstance(a["task"], str) or not a["task"].strip():
            err(where, "task missing")
        elif a["task"].lower() not in text:
            err(where, f"task {a['task']!r} is not a span of the text")
        for f in ("owner", "due"):
            if a[f] is not None and (not isinstance(a[f], str) or not a[f].strip()):
                err(where, f"{f} must be null or a non-empty string")
        if isinstance(a["due"], str) and a["due"].lower() not in text:
            err(where, f"due {a['due']!r} is not in the text")
        if isinstance(a["owner"], str) and a["owner"].lower() not in text and a["owner"] != o["speaker"]:
            err(where, f"owner {a['owner']!r} is neither in the text nor the speaker")
        shape[("owner" if a["owner"] else "no owner") + " + " + ("due" if a["due"] else "no due")] += 1
    print(f"== {name}: {len(rows)} lines, action items {n_act}, near-misses {n_none}")
    for k in ("owner + due", "owner + no due", "no owner + due", "no owner + no due"):
        print(f"   {k:<18} {shape[k]:>4}")
    if len(rows) < ACTION_MINIMA["lines"]:
        err(name, f"{len(rows)} lines < {ACTION_MINIMA['lines']}")
    if n_act < ACTION_MINIMA["actions"]:
        err(name, f"{n_act} action items < {ACTION_MINIMA['actions']}")
    if n_none < ACTION_MINIMA["near_misses"]:
        err(name, f"{n_none} near-misses < {ACTION_MINIMA['near_misses']}")


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    ids, texts = set(), {}
    dev = check_turns(os.path.join(d, "dev.jsonl"), MINIMA["dev.jsonl"], ids, texts)
    held = check_turns(os.path.join(d, "heldout.jsonl"), MINIMA["heldout.jsonl"], ids, texts)
    overlap_report(dev, held)
    check_actions(os.path.join(d, "actions.jsonl"), set())
    if errors:
        print(f"\n{len(errors)} error(s):")
        for e in errors:
            print("  " + e)
        sys.exit(1)
    print("\nok")


if __name__ == "__main__":
    main()
