"""The trained relation classifier: which relation a sentence states between two mentions.

    from graph.nlp.relations.classifier import load_classifier
    clf = load_classifier()                      # the model shipped in graph/models/relations
    clf.predict("甲银行收购了乙公司。", (0, 3), (6, 9))
    # [('收购', 0.93), ('unknown', 0.03), ...]   top-k (label, probability), best first

Labels are FinRE's 44 (``unknown`` = no relation; ``被X`` = X with head and tail swapped;
``自己`` = the two mentions name the same entity) plus the DuIE company predicates it was
trained on (``董事长``, ``创始人``, ``总部地点``, ``成立日期``, ``注册资本`` and their ``被`` forms).
``ontology/patterns/relation_labels.yaml`` maps each label onto an ontology property and
its direction (:func:`label_map`).

The model is a linear classifier over the features of :mod:`graph.nlp.relations.features`,
stored as plain files (``meta.json``, ``vocab.json``, ``weights.npz``); inference is numpy
only.  Input may be Traditional or Simplified: the featurizer reads the length-preserving
Simplified form, so offsets are those of the text as given.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy

from graph.nlp.relations import features as relfeatures

MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "relations"
Span = tuple[int, int]


def available(model_dir: Path = MODEL_DIR) -> bool:
    d = Path(model_dir)
    return all((d / f).exists() for f in ("meta.json", "vocab.json", "weights.npz"))


class RelationClassifier:
    """A linear model over sparse binary features, with a softmax on top.

    The weights are kept sparse, row by feature (``indptr``, ``cols``, ``vals`` as in CSR).
    """

    def __init__(self, labels: Sequence[str], vocab: Sequence[str], indptr: numpy.ndarray, cols: numpy.ndarray,
                 vals: numpy.ndarray, bias: numpy.ndarray, temperature: float = 1.0, normalize: bool = False,
                 meta: dict | None = None) -> None:
        self.labels = list(labels)
        self.vocab = list(vocab)
        self.index = {f: i for i, f in enumerate(self.vocab)}
        self.indptr = numpy.asarray(indptr, dtype=numpy.int64)
        self.cols = numpy.asarray(cols, dtype=numpy.int64)
        self.vals = numpy.asarray(vals, dtype=numpy.float32)
        self.bias = numpy.asarray(bias, dtype=numpy.float32)
        self.temperature = float(temperature)
        self.normalize = bool(normalize)
        self.meta = dict(meta or {})
        self._label_index = {lab: i for i, lab in enumerate(self.labels)}
        if self.indptr.shape != (len(self.vocab) + 1,) or self.cols.shape != self.vals.shape:
            raise ValueError("sparse weights do not fit the vocabulary")
        if self.bias.shape != (len(self.labels),) or (self.cols.size and self.cols.max() >= len(self.labels)):
            raise ValueError("weights do not fit the labels")

    @classmethod
    def from_dense(cls, labels: Sequence[str], vocab: Sequence[str], weights: numpy.ndarray, bias: numpy.ndarray,
                   temperature: float = 1.0, normalize: bool = False, meta: dict | None = None) -> RelationClassifier:
        w = numpy.asarray(weights, dtype=numpy.float32)
        if w.shape != (len(vocab), len(labels)):
            raise ValueError(f"weights {w.shape} do not fit {len(vocab)} features x {len(labels)} labels")
        rows, cols = numpy.nonzero(w)
        indptr = numpy.concatenate([[0], numpy.cumsum(numpy.bincount(rows, minlength=len(vocab)))])
        return cls(labels, vocab, indptr, cols, w[rows, cols], bias, temperature, normalize, meta)

    # ------------------------------------------------------------------ loading and saving
    @classmethod
    def load(cls, model_dir: Path = MODEL_DIR) -> RelationClassifier:
        d = Path(model_dir)
        if not available(d):
            raise FileNotFoundError(f"no relation model in {d} (train one with `python -m training.relations`)")
        meta = json.loads((d / "meta.json").read_text(encoding="utf-8"))
        vocab = json.loads((d / "vocab.json").read_text(encoding="utf-8"))
        with numpy.load(d / "weights.npz", allow_pickle=False) as z:
            counts, cols, vals, bias = z["counts"], z["cols"], z["vals"], z["bias"]
        indptr = numpy.concatenate([[0], numpy.cumsum(counts.astype(numpy.int64))])
        vals = vals.astype(numpy.float32) * numpy.float32(meta.get("scale", 1.0))
        return cls(meta["labels"], vocab, indptr, cols, vals, bias, meta.get("temperature", 1.0),
                   meta.get("normalize", False), meta)

    def save(self, model_dir: Path, meta: dict) -> None:
        """meta.json, vocab.json (feature strings) and weights.npz (nonzeros a feature, labels, int16 values)."""
        d = Path(model_dir)
        d.mkdir(parents=True, exist_ok=True)
        scale = float(numpy.abs(self.vals).max()) / 32000.0 if self.vals.size else 1.0
        q = numpy.round(self.vals / scale).astype(numpy.int16)
        counts = numpy.diff(self.indptr).astype(numpy.uint8 if numpy.diff(self.indptr).max(initial=0) < 256
                                                 else numpy.int32)
        numpy.savez_compressed(d / "weights.npz", counts=counts, cols=self.cols.astype(numpy.uint8), vals=q,
                               bias=self.bias.astype(numpy.float32))
        meta = dict(meta, labels=self.labels, temperature=self.temperature, normalize=self.normalize, scale=scale,
                    features=len(self.vocab), weights=int(self.vals.size),
                    feature_version=relfeatures.FEATURE_VERSION)
        (d / "vocab.json").write_text(json.dumps(self.vocab, ensure_ascii=False, separators=(",", ":")),
                                      encoding="utf-8")
        (d / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    # ------------------------------------------------------------------ prediction
    def feature_ids(self, feats: Iterable[str]) -> tuple[numpy.ndarray, int]:
        """Indices of the known features, and the number of distinct features (known or not)."""
        idx = self.index
        distinct = set(feats)
        known = [i for i in map(idx.get, distinct) if i is not None]
        known.sort()
        return numpy.array(known, dtype=numpy.int64), len(distinct)

    def scores(self, ids: numpy.ndarray, n: int) -> numpy.ndarray:
        """Raw label scores of one pair from its feature indices (*n* distinct features in all)."""
        return self.scores_batch([(ids, n)])[0]

    def scores_batch(self, id_lists: Sequence[tuple[numpy.ndarray, int]]) -> numpy.ndarray:
        """Raw label scores of many pairs, each from its feature indices (*n* distinct features in all).

        One ``bincount`` over all pairs: it adds each pair's weights in the order of its (sorted)
        feature indices, in float64, so a pair's scores do not depend on the pairs beside it.
        """
        n_labels = len(self.labels)
        out = numpy.tile(self.bias, (len(id_lists), 1))
        if not id_lists:
            return out
        ids = numpy.concatenate([i for i, _ in id_lists]).astype(numpy.int64)
        owner = numpy.repeat(numpy.arange(len(id_lists)), [len(i) for i, _ in id_lists])
        starts = self.indptr[ids]
        lengths = self.indptr[ids + 1] - starts
        total = int(lengths.sum())
        if not total:
            return out
        pos = numpy.arange(total) + numpy.repeat(starts - (numpy.cumsum(lengths) - lengths), lengths)
        keys = self.cols[pos] + numpy.repeat(owner, lengths) * n_labels
        acc = numpy.bincount(keys, weights=self.vals[pos], minlength=len(id_lists) * n_labels)
        acc = acc.reshape(len(id_lists), n_labels)
        rows = numpy.flatnonzero(numpy.bincount(owner, weights=lengths, minlength=len(id_lists)) > 0)
        acc = acc[rows]
        if self.normalize:
            sizes = numpy.array([n for _, n in id_lists], dtype=numpy.float64)[rows]
            acc /= numpy.sqrt(numpy.maximum(1.0, sizes))[:, None]
        out[rows] = out[rows] + acc.astype(numpy.float32)
        return out

    def _probabilities(self, id_lists: Sequence[tuple[numpy.ndarray, int]],
                       allowed: Sequence[str] | None) -> numpy.ndarray:
        scores = self.scores_batch(id_lists)
        scores = scores.astype(numpy.float64) * self.temperature
        if allowed is not None:
            mask = numpy.full(len(self.labels), -numpy.inf)
            for lab in allowed:
                if lab in self._label_index:
                    mask[self._label_index[lab]] = 0.0
            scores = scores + mask
        scores -= scores.max(axis=1, keepdims=True)
        probs = numpy.exp(scores)
        probs /= probs.sum(axis=1, keepdims=True)
        return probs

    def probabilities_batch(self, items: Sequence[tuple[str, Span, Span]],
                            allowed: Sequence[str] | None = None) -> numpy.ndarray:
        """(n, len(self.labels)) probabilities of (text, head, tail) triples.

        The pairs of one text are featurized together (:func:`~graph.nlp.relations.features.text_pair_features`).
        """
        by_text: dict[str, list[int]] = {}
        for k, (text, _, _) in enumerate(items):
            by_text.setdefault(text, []).append(k)
        feats: list[list[str]] = [[] for _ in items]
        for text, ks in by_text.items():
            for k, f in zip(ks, relfeatures.text_pair_features(text, [items[k][1:] for k in ks]), strict=True):
                feats[k] = f
        return self._probabilities([self.feature_ids(f) for f in feats], allowed)

    def predict_batch(self, items: Sequence[tuple[str, Span, Span]], k: int = 3,
                      allowed: Sequence[str] | None = None) -> list[list[tuple[str, float]]]:
        """Top-*k* (label, probability) of each (text, head, tail); *allowed* restricts the labels."""
        probs = self.probabilities_batch(items, allowed)
        out = []
        for row in probs:
            top = numpy.argsort(-row, kind="stable")[:k]
            out.append([(self.labels[j], float(row[j])) for j in top if row[j] > 0.0])
        return out

    def predict(self, text: str, head: Span, tail: Span, k: int = 3,
                allowed: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """Top-*k* (label, probability) for the pair; *head*/*tail* are character spans of *text*."""
        return self.predict_batch([(text, head, tail)], k, allowed)[0]

    @property
    def finre_labels(self) -> list[str]:
        return list(self.meta.get("finre_labels", self.labels))


@lru_cache(maxsize=2)
def load_classifier(model_dir: Path = MODEL_DIR) -> RelationClassifier:
    """The shipped relation classifier (cached)."""
    return RelationClassifier.load(Path(model_dir))


@lru_cache(maxsize=2)
def label_map(path: Path | None = None) -> dict[str, dict]:
    """Label -> {property: 'kg:…' | None, inverse: bool, alias: bool, …} from relation_labels.yaml."""
    import yaml

    if path is None:
        from graph.vocab import ONTOLOGY_DIR

        path = Path(ONTOLOGY_DIR) / "patterns" / "relation_labels.yaml"
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return {str(k): dict(v or {}) for k, v in data["labels"].items()}


def assertion(label: str, head, tail, mapping: dict[str, dict] | None = None):
    """What a predicted *label* for (head, tail) asserts, by relation_labels.yaml.

    ``("property", subject, "kg:P", object)`` with head and tail swapped for ``inverse`` labels;
    ``("alias", head, tail)`` for 自己 (same entity); ``("literal", head, "schema:…", tail)`` for value
    predicates (DuIE 成立日期, 注册资本); ``None`` for unknown or a label the map does not know.
    """
    row = (mapping if mapping is not None else label_map()).get(label)
    if not row:
        return None
    if row.get("alias"):
        return ("alias", head, tail)
    subj, obj = (tail, head) if row.get("inverse") else (head, tail)
    if row.get("property"):
        return ("property", subj, row["property"], obj)
    if row.get("literal"):
        return ("literal", subj, row["literal"], obj)
    return None
