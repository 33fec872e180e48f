"""BIOES tags, grammar-constrained decoding and the span scorer."""

from __future__ import annotations

import numpy
from hypothesis import given
from hypothesis import strategies as st

from graph.nlp.ner import bioes

LABELS = ["O", "B-ORG", "I-ORG", "E-ORG", "S-ORG", "B-PER", "I-PER", "E-PER", "S-PER"]


@st.composite
def span_sets(draw):
    n = draw(st.integers(1, 30))
    spans, i = [], 0
    while i < n:
        if draw(st.booleans()):
            length = draw(st.integers(1, max(1, min(5, n - i))))
            spans.append((i, i + length, draw(st.sampled_from(["ORG", "PER"]))))
            i += length
        i += 1
    return n, spans


@given(span_sets())
def test_tags_round_trip(case):
    n, spans = case
    assert bioes.tags_to_spans(bioes.spans_to_tags(n, spans)) == spans


def test_ill_formed_tags_still_give_spans():
    assert bioes.tags_to_spans(["I-ORG", "E-ORG", "O", "E-PER"]) == [(0, 2, "ORG"), (3, 4, "PER")]


def test_viterbi_repairs_an_invalid_argmax():
    allowed, first, last = bioes.transition_mask(LABELS)
    probs = numpy.full((3, len(LABELS)), 0.01, dtype="float32")
    probs[0, LABELS.index("B-ORG")] = 0.6
    probs[1, LABELS.index("O")] = 0.5  # argmax B O … is not a valid path
    probs[1, LABELS.index("I-ORG")] = 0.4
    probs[2, LABELS.index("E-ORG")] = 0.9
    path = [LABELS[k] for k in bioes.viterbi(numpy.log(probs), allowed, first, last)]
    assert path == ["B-ORG", "I-ORG", "E-ORG"]


@given(st.integers(1, 12), st.integers(0, 2**31 - 1))
def test_viterbi_paths_are_always_well_formed(n, seed):
    allowed, first, last = bioes.transition_mask(LABELS)
    logp = numpy.log(numpy.random.default_rng(seed).dirichlet(numpy.ones(len(LABELS)), size=n)).astype("float32")
    path = bioes.viterbi(logp, allowed, first, last)
    assert first[path[0]] and last[path[-1]]
    assert all(allowed[a, b] for a, b in zip(path, path[1:], strict=False))


def test_prf():
    s = bioes.prf({1, 2, 3}, {2, 3, 4, 5})
    assert (s["tp"], round(s["p"], 2), round(s["r"], 2)) == (2, 0.5, 0.67)
