"""Relation classification given the pair, beside the published anchor.

    python -m benchmarks.relations --data ../shared/data [--model graph/models/relations] [--json FILE]

Scores the shipped classifier (graph/nlp/relations/classifier.py) on

- FinRE test: micro and macro P/R/F1 without ``unknown``, by MG-Lattice's protocol (lines with
  the same head, tail and sentence merged, their labels a gold set) and per line; printed
  beside MG-Lattice's published FinRE figure;
- FinRE valid (the selection split), the same figures;
- the DuIE held-out part (the last 500 sentences of duie/train_data_5000.json, never
  trained on): accuracy on the pairs of the mapped company predicates, on their reverse
  pairs and on unlinked pairs.

The data is read where it lies; nothing is written unless ``--json`` is given.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from graph.eval import relations as rel
from graph.nlp.relations.classifier import MODEL_DIR, RelationClassifier


def _predictor(clf: RelationClassifier, allowed):
    def run(instances):
        probs = clf.probabilities_batch([(i.text, i.head, i.tail) for i in instances], allowed)
        return [clf.labels[j] for j in probs.argmax(axis=1)]
    return run


def _with_prob(clf: RelationClassifier, allowed):
    def run(instances):
        probs = clf.probabilities_batch([(i.text, i.head, i.tail) for i in instances], allowed)
        return [(clf.labels[j], float(row[j])) for row, j in zip(probs, probs.argmax(axis=1), strict=True)]
    return run


def run(data: Path, model_dir: Path = MODEL_DIR, holdout: int = 500) -> dict:
    clf = RelationClassifier.load(model_dir)
    finre_labels = rel.finre_labels(data / "finre" / "relation2id.txt")
    out: dict = {"model": {k: clf.meta.get(k) for k in ("name", "version")}, "anchor": rel.MG_LATTICE}
    for split in ("test", "valid"):
        t0 = time.time()
        inst = rel.read_finre(data / "finre" / f"{split}.txt")
        out[f"finre/{split}"] = rel.evaluate_finre(inst, _predictor(clf, finre_labels), finre_labels)
        out[f"finre/{split}"]["seconds"] = round(time.time() - t0, 1)
        if split == "test":
            out["finre/test"]["thresholds"] = rel.threshold_table(inst, _with_prob(clf, finre_labels))
    held = rel.read_duie(data / "duie" / "train_data_5000.json", "heldout", holdout, negatives="company")
    out["duie/heldout"] = rel.evaluate_duie(held, _predictor(clf, None))
    return out


def report(res: dict) -> str:
    lines = [f"Relation classification given the pair — {res['model']['name']} {res['model']['version']}", ""]
    a = res["anchor"]
    lines.append(f"{'FinRE':<22} {'micro P':>7} {'R':>6} {'F1':>6}   {'macro P':>7} {'R':>6} {'F1':>6}")
    for split in ("test", "valid"):
        for proto in ("grouped", "per_line"):
            s = res[f"finre/{split}"][proto]
            name = f"{split} ({'merged' if proto == 'grouped' else 'per line'})"
            lines.append(f"{name:<22} {s['micro_p']:7.2f} {s['micro_r']:6.2f} {s['micro_f1']:6.2f}   "
                         f"{s['macro_p']:7.2f} {s['macro_r']:6.2f} {s['macro_f1']:6.2f}")
    lines.append(f"{'anchor: ' + a['model']:<22} {'':>7} {'':>6} {a['f1']:6.2f}   (test, {a['protocol']})")
    lines.append(f"  source: {a['source']}")
    lines.append("FinRE test (merged) when predictions under a confidence are dropped: " + " · ".join(
        f"≥{r['threshold']:.1f}: P {r['p']:.1f} R {r['r']:.1f} F1 {r['f1']:.1f}" for r in res["finre/test"]["thresholds"]))
    d = res["duie/heldout"]
    lines += ["", f"DuIE held-out ({d['pairs']} pairs of the last 500 sentences): "
              f"related pairs {d['related_pairs']}, accuracy {d['accuracy_related']:.1f}%; "
              f"unlinked pairs accuracy {d['accuracy_unrelated']}%; all {d['accuracy_all']:.1f}%"]
    for lab, row in d["by_label"].items():
        lines.append(f"  {lab:<8} n={row['n']:<4} accuracy {row['accuracy']:.1f}%")
    worst = [(lab, r) for lab, r in res["finre/test"]["per_label"].items() if r["gold"] >= 10]
    worst.sort(key=lambda kv: kv[1]["f1"])
    lines += ["", "FinRE test, weakest labels (≥10 gold): "
              + ", ".join(f"{lab} {r['f1']:.0f}" for lab, r in worst[:8])]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.relations", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--model", type=Path, default=MODEL_DIR)
    ap.add_argument("--json", type=Path, default=None, help="also write the full results here")
    args = ap.parse_args(argv)
    res = run(args.data, args.model)
    print(report(res))
    if args.json:
        args.json.write_text(json.dumps(res, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
