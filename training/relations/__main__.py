"""Train, select and ship the relation classifier (graph/nlp/relations/classifier.py).

    python -m training.relations --data ../shared/data [--output graph/models/relations]
                                 [--candidates NAME,NAME] [--no-ship]

Steps:

1. read FinRE train/valid/test and the DuIE subset (its last 500 sentences are held out
   for the benchmark and never trained on); the data stays where it is;
2. featurize every pair once (graph/nlp/relations/features.py, the same code the runtime uses);
3. train each candidate (a linear model: multinomial logistic regression or a linear SVM,
   with or without the DuIE company pairs and their negatives) on FinRE train, score it
   on FinRE valid (micro-F1 without ``unknown``, MG-Lattice's grouped protocol), print the
   table of candidates with dev micro-F1 and train time;
4. ship the best one by dev micro-F1 as plain files (meta.json, vocab.json, weights.npz:
   no pickle), after checking that the files, loaded back by the runtime, give the same
   dev score; meta.json records its data, candidates and valid/test/DuIE scores.

Deterministic: fixed seeds, sorted vocabularies and single-threaded solvers.  Needs
scikit-learn (training only; the runtime is numpy).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy  # noqa: E402

from graph.eval import relations as rel  # noqa: E402
from graph.nlp.relations import features as relfeatures  # noqa: E402
from graph.nlp.relations.classifier import MODEL_DIR, RelationClassifier  # noqa: E402

MODEL_NAME = "cnfinkg_relations"
MODEL_VERSION = "1.0.0"
SEED = 13

#: name -> settings.  model: lr | svm; duie: none (FinRE only) | pos (DuIE company pairs) | company (and
#: unlinked pairs of the same sentences as unknown); duie_weight: sample weight of the DuIE pairs.
CANDIDATES: dict[str, dict] = {
    "lr-C4": {"model": "lr", "C": 4.0, "duie": "none", "max_iter": 100, "min_count": 3},
    "svm-C1": {"model": "svm", "C": 1.0, "duie": "none"},
    "svm-C2": {"model": "svm", "C": 2.0, "duie": "none"},
    "svm-C2+duie-pos": {"model": "svm", "C": 2.0, "duie": "pos"},
    "svm-C2+duie-neg": {"model": "svm", "C": 2.0, "duie": "company"},
}
#: a candidate that also knows the DuIE predicates is preferred when its dev micro-F1 is this close to the best
DUIE_TOLERANCE = 0.5
#: weights below this (absolute) are dropped from the shipped model; features left with none are dropped too
PRUNE = 0.02


def featurize_all(instances, sentence_words: bool = True):
    cache: dict = {}
    out = []
    for ins in instances:
        key = (ins.text, ins.head, ins.tail)
        if key not in cache:
            cache[key] = sorted(set(relfeatures.pair_features(ins.text, ins.head, ins.tail, sentence_words)))
        out.append(cache[key])
    return out


def build_vocab(feature_lists, min_count: int) -> list[str]:
    counts = Counter(f for feats in feature_lists for f in feats)
    return sorted(f for f, c in counts.items() if c >= min_count)


def to_matrix(feature_lists, index: dict[str, int], normalize: bool):
    """Binary rows; with *normalize*, divided by the square root of the number of distinct features of the
    pair (known to the vocabulary or not: the runtime does the same, so pruning the vocabulary changes nothing)."""
    from scipy.sparse import csr_matrix

    indptr, cols, vals = [0], [], []
    for feats in feature_lists:
        distinct = set(feats)
        ids = sorted({index[f] for f in distinct if f in index})
        cols.extend(ids)
        vals.extend([1.0 / numpy.sqrt(max(1, len(distinct))) if normalize else 1.0] * len(ids))
        indptr.append(len(cols))
    return csr_matrix((numpy.array(vals, dtype=numpy.float64), numpy.array(cols, dtype=numpy.int64),
                       numpy.array(indptr)), shape=(len(feature_lists), len(index)))


def train_model(settings: dict, x, y: numpy.ndarray, weights: numpy.ndarray | None = None):
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    if settings["model"] == "lr":
        from sklearn.linear_model import LogisticRegression

        clf = LogisticRegression(C=settings["C"], max_iter=settings.get("max_iter", 100), tol=1e-4,
                                 solver="lbfgs", random_state=SEED)
    else:
        from sklearn.svm import LinearSVC

        clf = LinearSVC(C=settings["C"], random_state=SEED, max_iter=5000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(x, y, sample_weight=weights)
    return clf


def fit_temperature(scores: numpy.ndarray, y: numpy.ndarray) -> float:
    """The softmax temperature minimising dev log-loss (a grid: deterministic)."""
    best = (float("inf"), 1.0)
    for t in numpy.exp(numpy.linspace(numpy.log(0.2), numpy.log(50.0), 60)):
        s = scores * t
        s = s - s.max(axis=1, keepdims=True)
        logp = s - numpy.log(numpy.exp(s).sum(axis=1, keepdims=True))
        nll = -logp[numpy.arange(len(y)), y].mean()
        if nll < best[0]:
            best = (nll, float(t))
    return best[1]


def _scores(x, w: numpy.ndarray, b: numpy.ndarray) -> numpy.ndarray:
    return numpy.asarray(x @ w) + b


def _candidate(name: str, settings: dict, train, train_feats, extra, extra_feats, finre_labels, valid_rep_feats,
               valid_gold, valid_feats, valid):
    """Train one candidate; its weights, bias (unknown bias tuned on dev) and dev scores."""
    tr = list(train) + list(extra)
    tr_feats = list(train_feats) + list(extra_feats)
    weights = numpy.array([1.0] * len(train) + [settings.get("duie_weight", 1.0)] * len(extra))
    labels = list(finre_labels) + sorted({i.label for i in tr} - set(finre_labels))
    lab_index = {lab: i for i, lab in enumerate(labels)}
    vocab = build_vocab(tr_feats, settings.get("min_count", 1))
    index = {f: i for i, f in enumerate(vocab)}
    x = to_matrix(tr_feats, index, True)
    y = numpy.array([lab_index[i.label] for i in tr])
    t1 = time.time()
    clf = train_model(settings, x, y, weights)
    secs = time.time() - t1
    w = numpy.zeros((len(vocab), len(labels)), dtype=numpy.float32)
    b = numpy.full(len(labels), -1e4 if settings["model"] == "svm" else 0.0, dtype=numpy.float32)
    present = list(clf.classes_)
    w[:, present] = clf.coef_.T
    b[present] = clf.intercept_
    xv = to_matrix(valid_rep_feats, index, True)
    raw = _scores(xv, w, b)
    finre_mask = numpy.array([0.0 if lab in set(finre_labels) else -numpy.inf for lab in labels])
    grid = numpy.round(numpy.arange(0.0, -0.51, -0.05), 2) if settings["model"] == "svm" else \
        numpy.round(numpy.arange(0.0, -2.01, -0.25), 2)
    best = None
    for off in grid:
        s = raw + finre_mask
        s[:, 0] += off
        sc = rel.score(valid_gold, [labels[j] for j in s.argmax(axis=1)])
        if best is None or sc.micro.f1 > best[1].micro.f1 + 1e-9:
            best = (float(off), sc)
    off, sc = best
    b[0] += off
    temperature = 1.0
    if settings["model"] == "svm":
        yl = numpy.array([lab_index[i.label] for i in valid])
        temperature = fit_temperature(_scores(to_matrix(valid_feats, index, True), w, b), yl)
    row = {"name": name, "dev_micro_f1": round(sc.micro.f1, 2), "dev_macro_f1": round(sc.macro(finre_labels)[2], 2),
           "dev_micro_p": round(sc.micro.p, 2), "dev_micro_r": round(sc.micro.r, 2), "unknown_bias": off,
           "train_seconds": round(secs, 1), "features": len(vocab), "train_pairs": len(tr),
           "knows_duie": settings["duie"] != "none"}
    return row, (settings, labels, vocab, w, b, temperature)


def prune(vocab: list[str], w: numpy.ndarray, threshold: float) -> tuple[list[str], numpy.ndarray]:
    """Zero the weights below *threshold* and drop the features left without any."""
    w = numpy.where(numpy.abs(w) >= threshold, w, 0.0).astype(numpy.float32)
    keep = numpy.flatnonzero(numpy.abs(w).max(axis=1) > 0)
    return [vocab[i] for i in keep], w[keep]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.relations", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True, help="folder with finre/ and duie/ (shared/data)")
    ap.add_argument("--output", type=Path, default=MODEL_DIR)
    ap.add_argument("--candidates", default=",".join(CANDIDATES), help="comma-separated names of CANDIDATES")
    ap.add_argument("--no-ship", action="store_true", help="only print the table")
    ap.add_argument("--holdout", type=int, default=500, help="DuIE sentences held out (the last N)")
    args = ap.parse_args(argv)
    numpy.random.seed(SEED)

    t0 = time.time()
    finre_dir = args.data / "finre"
    duie_path = args.data / "duie" / "train_data_5000.json"
    finre_labels = rel.finre_labels(finre_dir / "relation2id.txt")
    train = rel.read_finre(finre_dir / "train.txt")
    valid = rel.read_finre(finre_dir / "valid.txt")
    test = rel.read_finre(finre_dir / "test.txt")
    duie_sets = {"none": [], "pos": rel.read_duie(duie_path, "train", args.holdout, negatives="none"),
                 "company": rel.read_duie(duie_path, "train", args.holdout, negatives="company")}
    duie_held = rel.read_duie(duie_path, "heldout", args.holdout, negatives="company")
    print(f"FinRE train {len(train)} · valid {len(valid)} · test {len(test)} pairs; DuIE train pairs: "
          f"{len(duie_sets['pos'])} related, {len(duie_sets['company']) - len(duie_sets['pos'])} unlinked; "
          f"DuIE held-out pairs {len(duie_held)}", flush=True)

    valid_reps, valid_gold = rel.grouped(valid)
    feats = {k: featurize_all(v) for k, v in {"train": train, "valid": valid, "valid_reps": valid_reps,
                                               **{f"duie_{m}": d for m, d in duie_sets.items()}}.items()}
    print(f"featurized in {time.time() - t0:.0f}s", flush=True)

    rows, trained = [], {}
    for name in [c for c in args.candidates.split(",") if c]:
        settings = CANDIDATES[name]
        row, model = _candidate(name, settings, train, feats["train"], duie_sets[settings["duie"]],
                                feats[f"duie_{settings['duie']}"], finre_labels, feats["valid_reps"], valid_gold,
                                feats["valid"], valid)
        rows.append(row)
        trained[name] = model
        print(f"  {name:<18} dev micro-F1 {row['dev_micro_f1']:6.2f}  macro-F1 {row['dev_macro_f1']:6.2f}  "
              f"train {row['train_seconds']:6.1f}s", flush=True)

    print("\nCandidates (FinRE valid; MG-Lattice's merged protocol; unknown excluded; unknown bias tuned on valid):")
    print(f"{'candidate':<18} {'micro-F1':>8} {'P':>6} {'R':>6} {'macro-F1':>8} {'train s':>8} {'features':>9} "
          f"{'pairs':>7} {'DuIE':>5}")
    for r in rows:
        print(f"{r['name']:<18} {r['dev_micro_f1']:8.2f} {r['dev_micro_p']:6.1f} {r['dev_micro_r']:6.1f} "
              f"{r['dev_macro_f1']:8.2f} {r['train_seconds']:8.1f} {r['features']:9d} {r['train_pairs']:7d} "
              f"{'yes' if r['knows_duie'] else 'no':>5}")
    top = max(r["dev_micro_f1"] for r in rows)
    close = [r for r in rows if r["knows_duie"] and r["dev_micro_f1"] >= top - DUIE_TOLERANCE]
    best = max(close or rows, key=lambda r: (r["dev_micro_f1"], -r["train_seconds"]))
    print(f"\nchosen: {best['name']} (best dev micro-F1 {top:.2f}; a candidate that also knows the DuIE predicates "
          f"is preferred within {DUIE_TOLERANCE} of it)")
    if args.no_ship:
        return 0

    settings, labels, vocab, w, b, temperature = trained[best["name"]]
    vocab, w = prune(vocab, w, PRUNE)
    clf = RelationClassifier.from_dense(labels, vocab, w, b, temperature, True, {"finre_labels": finre_labels})
    meta = {
        "name": MODEL_NAME,
        "version": MODEL_VERSION,
        "description": "Relation between two entity mentions in a sentence: a linear model over character n-gram, "
                       "word, window, suffix, sentence-word and entity-marker features (graph/nlp/relations/features.py).",
        "model": dict(settings, chosen=best["name"], unknown_bias=best["unknown_bias"], prune=PRUNE),
        "finre_labels": finre_labels,
        "data": {
            "train": ["finre/train.txt"] + ([f"duie/train_data_5000.json except the last {args.holdout} sentences: "
                                             f"predicates {', '.join(rel.DUIE_PREDICATES)}; unlinked pairs: "
                                             f"{'yes' if settings['duie'] == 'company' else 'no'}"]
                                            if settings["duie"] != "none" else []),
            "selection": "finre/valid.txt (micro-F1 without unknown, lines of one pair and sentence merged)",
            "train_pairs": best["train_pairs"],
        },
        "candidates": rows,
        "command": "python -m training.relations --data ../shared/data",
        "seed": SEED,
    }
    args.output.mkdir(parents=True, exist_ok=True)
    clf.save(args.output, meta)
    shipped = RelationClassifier.load(args.output)  # score the files as shipped, through the runtime

    def predictor(allowed):
        def run(instances):
            probs = shipped.probabilities_batch([(i.text, i.head, i.tail) for i in instances], allowed)
            return [shipped.labels[j] for j in probs.argmax(axis=1)]
        return run

    dev = rel.evaluate_finre(valid, predictor(finre_labels), finre_labels)
    tst = rel.evaluate_finre(test, predictor(finre_labels), finre_labels)
    duie = rel.evaluate_duie(duie_held, predictor(None))
    meta["scores"] = {
        "finre_valid": {"grouped": dev["grouped"], "per_line": dev["per_line"]},
        "finre_test": {"grouped": tst["grouped"], "per_line": tst["per_line"]},
        "duie_heldout": duie,
    }
    meta["total_seconds"] = round(time.time() - t0, 1)
    clf.save(args.output, meta)
    size = sum(p.stat().st_size for p in args.output.iterdir())
    print(f"shipped {best['name']} to {args.output} ({size / 1e6:.1f} MB, {len(vocab)} features): "
          f"valid micro-F1 {dev['grouped']['micro_f1']} (before pruning {best['dev_micro_f1']}) · "
          f"test micro-F1 {tst['grouped']['micro_f1']} macro-F1 {tst['grouped']['macro_f1']} · "
          f"DuIE held-out accuracy: related pairs {duie['accuracy_related']}%, unlinked {duie['accuracy_unrelated']}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
