"""Inference for the NER tagger's network in numpy: the same arithmetic as thinc, faster on CPU.

thinc runs the maxout CNN with its own single-threaded BLAS kernels; numpy's matrix
product is several times faster on the same machine.  This module reads the trained
weights out of the thinc model once and runs the forward pass with numpy, using
thinc's own hashing and padding routines so the result is the same (tested against
``model.predict`` to float tolerance).  Anything it does not recognise makes
:func:`compile_tagger` return None, and the caller keeps using thinc.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy
from spacy.tokens import Doc
from thinc.api import Model

from graph.nlp.ner.charfeatures import doc_features


def _layers(model: Model, name: str) -> list[Model]:
    return [node for node in model.walk() if node.name == name]


def compile_tagger(model: Model) -> Callable[[Sequence[Doc]], list[numpy.ndarray]] | None:
    """A numpy forward pass equivalent to ``model.predict`` (logits per token), or None."""
    try:
        embeds = _layers(model, "hashembed")
        maxouts = _layers(model, "maxout")
        norms = _layers(model, "layernorm")
        (softmax,) = _layers(model, "softmax")
        windows = _layers(model, "expand_window")
        if len(maxouts) != len(norms) or len(maxouts) != len(windows) + 1 or not embeds:
            return None
        if any(w.attrs.get("window_size", 1) != 1 for w in windows):
            return None
        tables = [(e.get_param("E"), int(e.attrs["seed"])) for e in embeds]
        dense = [(m.get_param("W"), m.get_param("b")) for m in maxouts]
        scales = [(n.get_param("G"), n.get_param("b")) for n in norms]
        out_w, out_b = softmax.get_param("W"), softmax.get_param("b")
        pad = len(windows)  # receptive field of window 1 × depth
    except (KeyError, ValueError, AttributeError):
        return None
    ops = model.ops

    def maxout_norm(X: numpy.ndarray, k: int) -> numpy.ndarray:
        W, b = dense[k]
        n_out, n_pieces, n_in = W.shape
        Y = X @ W.reshape(n_out * n_pieces, n_in).T + b.reshape(-1)
        Y = Y.reshape(len(X), n_out, n_pieces).max(axis=2)
        G, beta = scales[k]
        mu = Y.mean(axis=1, keepdims=True)
        var = Y.var(axis=1, keepdims=True) + 1e-08
        return (Y - mu) * var ** (-0.5) * G + beta

    def forward(docs: Sequence[Doc]) -> list[numpy.ndarray]:
        feats = [numpy.asarray(doc_features(d), dtype="uint64").reshape(-1, len(tables)) for d in docs]
        lengths = [len(f) for f in feats]
        ids = numpy.concatenate(feats) if feats else numpy.zeros((0, len(tables)), dtype="uint64")
        emb = [ops.gather_add(E, ops.hash(ops.as_contig(ids[:, i]), seed) % E.shape[0]) for i, (E, seed) in
               enumerate(tables)] if len(ids) else [numpy.zeros((0, E.shape[1]), dtype="f") for E, _ in tables]
        X = maxout_norm(numpy.hstack(emb), 0)
        parts = numpy.split(X, numpy.cumsum(lengths)[:-1]) if lengths else []
        flat = ops.flatten(parts, pad=pad)
        for k in range(1, len(dense)):
            window = numpy.hstack([numpy.vstack([numpy.zeros_like(flat[:1]), flat[:-1]]), flat,
                                   numpy.vstack([flat[1:], numpy.zeros_like(flat[:1])])])
            flat = flat + maxout_norm(window, k)
        H = ops.unflatten(flat, ops.asarray1i(lengths), pad=pad)
        return [h @ out_w.T + out_b for h in H]

    return forward
