"""BIOES tags ↔ spans, constrained decoding, and the span scorer used in training.

The NER model is a tagger over characters: it gives each character a distribution
over B-/I-/E-/S-<label> and O.  A plain argmax can produce I without B; decoding
under the BIOES grammar (Viterbi over log-probabilities with forbidden transitions)
always yields well-formed spans, and the probabilities of a span's own tags give it
a confidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy
from spacy.training import Example
from spacy.util import registry

Span3 = tuple[int, int, str]


def spans_to_tags(n: int, spans: Iterable[Span3]) -> list[str]:
    """BIOES tags for *n* tokens; spans are (start, end exclusive, label) in tokens."""
    tags = ["O"] * n
    for s, e, label in spans:
        if e - s == 1:
            tags[s] = "S-" + label
        else:
            tags[s] = "B-" + label
            for i in range(s + 1, e - 1):
                tags[i] = "I-" + label
            tags[e - 1] = "E-" + label
    return tags


def tags_to_spans(tags: Sequence[str]) -> list[Span3]:
    """Spans of a tag sequence, tolerant of ill-formed runs (an I/E without B starts a span)."""
    spans: list[Span3] = []
    start, label = -1, ""
    for i, tag in enumerate(tags):
        p, _, lab = (tag or "O").partition("-")
        if p in ("O", ""):
            start = -1
            continue
        if p == "S":
            spans.append((i, i + 1, lab))
            start = -1
        elif p == "B" or start < 0 or lab != label:
            start, label = i, lab
            if p == "E":
                spans.append((i, i + 1, lab))
                start = -1
        if p == "E" and start >= 0:
            spans.append((start, i + 1, lab))
            start = -1
    return spans


def transition_mask(labels: Sequence[str]) -> tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray]:
    """Allowed (prev, next) tag pairs and allowed first and last tags under BIOES."""
    n = len(labels)
    parts = [(lab.partition("-")[0], lab.partition("-")[2]) for lab in labels]
    allowed = numpy.zeros((n, n), dtype=bool)
    for i, (p1, l1) in enumerate(parts):
        for j, (p2, l2) in enumerate(parts):
            if p1 in ("B", "I"):
                allowed[i, j] = p2 in ("I", "E") and l1 == l2
            else:  # O, E, S
                allowed[i, j] = p2 in ("O", "B", "S")
    first = numpy.array([p in ("O", "B", "S") for p, _ in parts])
    last = numpy.array([p in ("O", "E", "S") for p, _ in parts])
    return allowed, first, last


def viterbi(logp: numpy.ndarray, allowed: numpy.ndarray, first: numpy.ndarray, last: numpy.ndarray) -> list[int]:
    """Best tag path under the grammar; *logp* is (tokens, tags)."""
    n, k = logp.shape
    if n == 0:
        return []
    neg = numpy.float32(-1e9)
    trans = numpy.where(allowed, 0.0, neg).astype("float32")
    score = numpy.where(first, logp[0], neg)
    back = numpy.zeros((n, k), dtype="int32")
    for t in range(1, n):
        cand = score[:, None] + trans
        back[t] = cand.argmax(0)
        score = cand.max(0) + logp[t]  # the value at the argmax
    score = numpy.where(last, score, neg)
    path = [int(score.argmax())]
    for t in range(n - 1, 0, -1):
        path.append(int(back[t, path[-1]]))
    return path[::-1]


def prf(gold: set, pred: set) -> dict[str, float]:
    tp = len(gold & pred)
    p = tp / len(pred) if pred else 0.0
    r = tp / len(gold) if gold else 0.0
    return {"p": p, "r": r, "f": 2 * p * r / (p + r) if p + r else 0.0, "tp": tp, "gold": len(gold), "pred": len(pred)}


def score_bioes(examples: Iterable[Example], **_: object) -> dict[str, object]:
    """Exact-span P/R/F1 of the predicted tags, overall and per label (partial gold is skipped)."""
    gold: set = set()
    pred: set = set()
    for k, eg in enumerate(examples):
        ref = [t.tag_ for t in eg.reference]
        if any(not t for t in ref):
            continue  # partially annotated: no fair span score
        gold |= {(k, *s) for s in tags_to_spans(ref)}
        pred |= {(k, *s) for s in tags_to_spans([t.tag_ for t in eg.predicted])}
    overall = prf(gold, pred)
    labels = sorted({s[3] for s in gold | pred})
    per = {lab: prf({s for s in gold if s[3] == lab}, {s for s in pred if s[3] == lab}) for lab in labels}
    return {"ents_f": overall["f"], "ents_p": overall["p"], "ents_r": overall["r"], "ents_per_type": per}


@registry.scorers("cnfinkg.bioes_scorer.v1")
def make_bioes_scorer():
    return score_bioes
