"""Inference for the NER tagger's network in numpy: the same arithmetic as thinc, faster on CPU.

thinc runs the maxout CNN with its own single-threaded BLAS kernels; numpy's matrix
product is several times faster on the same machine.  This module reads the trained
weights out of the thinc model once and runs the forward pass with numpy, using
thinc's own hashing routine and its padding scheme so the result is the same (tested against
``model.predict`` to float tolerance).  Anything it does not recognise makes
:func:`compile_tagger` return None, and the caller keeps using thinc.

Batching must not change a single bit of the output, so the forward pass is written around
what a BLAS library does with the shape of a product:

- every sequence is cut off from its neighbours by ``pad`` zero rows, one per window layer,
  so no row of one sequence can reach another (thinc pads the same way);
- a matrix product with very few rows (or a very small one) takes a different kernel, whose
  rounding differs in the last bit.  The input layer therefore runs each *group* of sequences
  (the sequences the caller would have run alone: one document's pieces) in one product if the
  group is tiny, and all other groups together; the output layer runs per sequence, as it always
  has.  The hidden layers always have at least ``2 * pad + 1`` rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy
from spacy.tokens import Doc
from thinc.api import Model
from threadpoolctl import ThreadpoolController

from graph.nlp.ner.charfeatures import doc_features

#: Input-layer products up to this many rows are run group by group (see the module docstring).
SMALL_PRODUCT_ROWS = 3


def _layers(model: Model, name: str) -> list[Model]:
    return [node for node in model.walk() if node.name == name]


_CONTROLLER: ThreadpoolController | None = None


def _one_blas_thread():
    """BLAS on one thread while the tagger runs.

    Its matrices are a few hundred rows by 96–288 columns: BLAS threads spend more time waiting on
    each other than multiplying (the pipeline ran 1.45× faster on one BLAS thread on a busy 2-core
    machine), and parallelism belongs to ``kg build --workers``: one process per core.
    """
    global _CONTROLLER
    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")


class NumpyTagger:
    """The tagger's forward pass: logits per token, for one group or many groups of docs."""

    def __init__(self, model: Model, tables: list[tuple[numpy.ndarray, int]],
                 dense: list[tuple[numpy.ndarray, numpy.ndarray]], scales: list[tuple[numpy.ndarray, numpy.ndarray]],
                 out: tuple[numpy.ndarray, numpy.ndarray], pad: int) -> None:
        self.ops = model.ops
        self.tables = tables
        self.dense = dense
        self.scales = scales
        self.out_w, self.out_b = out
        self.pad = pad
        self.width = dense[0][0].shape[0]

    def __call__(self, docs: Sequence[Doc]) -> list[numpy.ndarray]:
        """Logits of each doc of one group, as thinc's ``model.predict`` gives them."""
        return self.run([docs])[0]

    def run(self, groups: Sequence[Sequence[Doc]]) -> list[list[numpy.ndarray]]:
        """Logits of each doc of each group, bit for bit what running the groups one by one gives."""
        with _one_blas_thread():
            return self._run(groups)

    def _run(self, groups: Sequence[Sequence[Doc]]) -> list[list[numpy.ndarray]]:
        feats = [[self._ids(d) for d in group] for group in groups]
        first = self._input_layer(feats)
        lengths = [len(x) for group in first for x in group]
        flat, starts = self._padded([x for group in first for x in group], lengths)
        window = numpy.zeros((len(flat), 3 * self.width), dtype="f")
        for k in range(1, len(self.dense)):
            flat += self._maxout_norm(self._window(flat, window), k)
        logits = iter([flat[s : s + n] @ self.out_w.T + self.out_b for s, n in zip(starts, lengths, strict=True)])
        return [[next(logits) for _ in group] for group in groups]

    def _ids(self, doc: Doc) -> numpy.ndarray:
        return numpy.asarray(doc_features(doc), dtype="uint64").reshape(-1, len(self.tables))

    def _input_layer(self, feats: list[list[numpy.ndarray]]) -> list[list[numpy.ndarray]]:
        """The embedding and first maxout: tiny groups one product each, the rest in one product."""
        out: list[list[numpy.ndarray]] = [[] for _ in feats]
        big = [g for g, group in enumerate(feats) if sum(len(f) for f in group) > SMALL_PRODUCT_ROWS]
        small = [[g] for g in sorted(set(range(len(feats))) - set(big))]
        for members in ([big] if big else []) + small:
            docs = [f for g in members for f in feats[g]]
            X = self._first(numpy.concatenate(docs) if docs else numpy.zeros((0, len(self.tables)), dtype="uint64"))
            parts = iter(numpy.split(X, numpy.cumsum([len(f) for f in docs])[:-1]) if docs else [])
            for g in members:
                out[g] = [next(parts) for _ in feats[g]]
        return out

    def _first(self, ids: numpy.ndarray) -> numpy.ndarray:
        ops = self.ops
        if len(ids):
            emb = [ops.gather_add(E, ops.hash(ops.as_contig(ids[:, i]), seed) % E.shape[0])
                   for i, (E, seed) in enumerate(self.tables)]
        else:
            emb = [numpy.zeros((0, E.shape[1]), dtype="f") for E, _ in self.tables]
        return self._maxout_norm(numpy.hstack(emb), 0)

    def _padded(self, parts: list[numpy.ndarray], lengths: list[int]) -> tuple[numpy.ndarray, list[int]]:
        """thinc's ``ops.flatten(parts, pad)``, and where each part starts in it."""
        pad = self.pad
        nonempty = [n for n in lengths if n]
        flat = numpy.zeros((sum(nonempty) + pad * (len(nonempty) + 1), self.width), dtype="f")
        starts = []
        pos = pad
        for x, n in zip(parts, lengths, strict=True):
            starts.append(pos)
            if n:
                flat[pos : pos + n] = x
                pos += n + pad
        return flat, starts

    @staticmethod
    def _window(flat: numpy.ndarray, out: numpy.ndarray) -> numpy.ndarray:
        """Each row beside the rows before and after it (zeros past the ends): expand_window(1).

        *out* is reused from layer to layer (its first row's left third and last row's right
        third stay zero): allocating it anew costs more than the copies.
        """
        w = flat.shape[1]
        out[1:, :w] = flat[:-1]
        out[:, w : 2 * w] = flat
        out[:-1, 2 * w :] = flat[1:]
        return out

    def _maxout_norm(self, X: numpy.ndarray, k: int) -> numpy.ndarray:
        """Maxout then layer norm, each step the same float32 operation as thinc's, done in place."""
        W, b = self.dense[k]
        n_out, n_pieces, n_in = W.shape
        Y = X @ W.reshape(n_out * n_pieces, n_in).T
        Y += b.reshape(-1)
        Y3 = Y.reshape(len(X), n_out, n_pieces)
        # max over the pieces, one piece at a time: exact, and far faster than a reduction over an axis of 3
        M = numpy.maximum(Y3[:, :, 0], Y3[:, :, 1])
        for p in range(2, n_pieces):
            numpy.maximum(M, Y3[:, :, p], out=M)
        G, beta = self.scales[k]
        mu = M.mean(axis=1, keepdims=True)
        var = M.var(axis=1, keepdims=True) + 1e-08
        M -= mu
        M *= var ** (-0.5)
        M *= G
        M += beta
        return M


def compile_tagger(model: Model) -> NumpyTagger | None:
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
        out = (softmax.get_param("W"), softmax.get_param("b"))
        if any(W.shape[1] < 2 for W, _ in dense):
            return None
    except (KeyError, ValueError, AttributeError):
        return None
    return NumpyTagger(model, tables, dense, scales, out, pad=len(windows))  # receptive field of window 1 × depth
