"""How far two people agree on the tags (development tool; no dependencies).

The tagger is scored against one writer's labels. Where a second annotator,
given only ../shared/taxonomy.md and the turns (never the writer's labels),
labels the same turns differently, no tagger can score much above that level
of agreement against either of them. This prints, per label, the second
annotator's precision, recall and F1 against the writer's labels, Cohen's
kappa, the macro F1, and the share of the writer's untagged turns that the
annotator tagged.

    python3 scripts/tag_agreement.py data/tags/corpus/w04.jsonl data/tags/agreement/w04.jsonl ...
    (pairs: the writer's file, then the second annotator's file)

The annotator's file has one line per turn: {"id", "labels"}.
"""
import json
import sys

LABELS = ["blame", "defensive", "counterfactual", "exec_pressure", "dismissive"]


def read(path):
    return {str(r["id"]): set(r["labels"]) for r in map(json.loads, filter(str.strip, open(path)))}


def kappa(a, b):
    n = len(a)
    agree = sum(x == y for x, y in zip(a, b)) / n
    pa, pb = sum(a) / n, sum(b) / n
    chance = pa * pb + (1 - pa) * (1 - pb)
    return (agree - chance) / (1 - chance) if chance < 1 else 1.0


def scores(pairs):
    writer, other = [], []
    for writer_path, other_path in pairs:
        w, o = read(writer_path), read(other_path)
        missing = set(w) - set(o)
        if missing:
            sys.exit(f"{other_path}: {len(missing)} turns of {writer_path} are not labelled")
        for turn_id in w:
            writer.append(w[turn_id])
            other.append(o[turn_id])
    rows, f1s = [], []
    for label in LABELS:
        a = [label in x for x in writer]
        b = [label in x for x in other]
        tp = sum(x and y for x, y in zip(a, b))
        fp = sum(y and not x for x, y in zip(a, b))
        fn = sum(x and not y for x, y in zip(a, b))
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        f1s.append(f1)
        rows.append((label, sum(a), sum(b), p, r, f1, kappa(a, b)))
    none_writer = [not x for x in writer]
    tagged_by_other = sum(1 for x, y in zip(none_writer, other) if x and y) / max(1, sum(none_writer))
    return len(writer), rows, sum(f1s) / len(f1s), tagged_by_other


def main():
    args = sys.argv[1:]
    if not args or len(args) % 2 or args[0] in ("-h", "--help"):
        sys.exit(__doc__)
    pairs = list(zip(args[::2], args[1::2]))
    sets = [[p] for p in pairs] + ([pairs] if len(pairs) > 1 else [])
    for group in sets:
        n, rows, macro, none_rate = scores(group)
        name = " + ".join(p[0].split("/")[-1] for p in group)
        print(f"{name}: {n} turns, macro F1 {macro:.3f}, "
              f"writer's none-turns the annotator tagged {100 * none_rate:.1f} %")
        print(f"  {'label':15} {'writer':>6} {'other':>6}  {'P':>5} {'R':>5} {'F1':>5} {'kappa':>6}")
        for label, n_writer, n_other, p, r, f1, k in rows:
            print(f"  {label:15} {n_writer:6} {n_other:6}  {p:5.2f} {r:5.2f} {f1:5.2f} {k:6.2f}")


if __name__ == "__main__":
    main()
