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
- how a BLAS library rounds a row of a product depends on the product's number of rows and on the
  row's place in it (it picks kernels and tiles by shape: on an AVX-512 machine a row rounded
  differently 44 rows into a product than at its start).  Every product therefore has exactly
  :data:`PRODUCT_ROWS` rows, and every sequence has a slot of whole blocks to itself, so each of its
  rows is computed in a product of the same shape at the same place whatever else is in the batch.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy
from spacy.strings import hash_string
from spacy.tokens import Doc
from thinc.api import Model
from threadpoolctl import ThreadpoolController

from graph.nlp.ner.charfeatures import DOMAIN_KEY, N_FEATURES, doc_features, domain_key

#: Every matrix product runs in blocks of exactly this many rows, and every sequence starts a block
#: (see the module docstring).  On 3,000 FinRE sentences the forward pass ran 23.7k chars/s with 32,
#: 23.1k with 16 and 21.3k with 64 (more padding); one product over the whole batch ran 35k, but rounded
#: a row differently by what else was in the batch.
PRODUCT_ROWS = 32


def _product(X: numpy.ndarray, Wt: numpy.ndarray) -> numpy.ndarray:
    """``X @ Wt`` as a stack of products of PRODUCT_ROWS rows each (X has whole blocks:
    :meth:`NumpyTagger._layout`); numpy runs the stack's products one by one, each of the same shape."""
    k, n = Wt.shape
    return numpy.matmul(X.reshape(-1, PRODUCT_ROWS, k), Wt).reshape(-1, n)


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
        docs = [d for group in groups for d in group]
        seqs = [self._ids(d) for d in docs]
        lengths = [len(x) for x in seqs]
        starts, rows = self._layout(lengths)
        mixes = [d.user_data.get(DOMAIN_KEY) for d in docs] if len(self.tables) > N_FEATURES else []
        flat = self._input_layer(seqs, starts, rows, mixes)
        window = numpy.zeros((rows, 3 * self.width), dtype="f")
        for k in range(1, len(self.dense)):
            flat += self._maxout_norm(self._window(flat, window), k)
        scores = _product(flat, self.out_w.T)
        scores += self.out_b
        logits = iter([scores[s : s + n] for s, n in zip(starts, lengths, strict=True)])
        return [[next(logits) for _ in group] for group in groups]

    def _ids(self, doc: Doc) -> numpy.ndarray:
        n = len(self.tables)
        return numpy.asarray(doc_features(doc, with_domain=n > N_FEATURES), dtype="uint64").reshape(-1, n)

    def _layout(self, lengths: list[int]) -> tuple[list[int], int]:
        """Where each sequence starts in the padded matrix, and its number of rows.

        Each sequence has a slot of its own that starts at a multiple of PRODUCT_ROWS: ``pad`` zero
        rows, the sequence, and zero rows up to the next multiple (at least ``pad``), so that no row
        of one sequence reaches another, as with thinc's ``ops.flatten(parts, pad)``, and every row of
        a sequence (and of the padding around it) has the same place in its product whatever else is
        in the batch.  An empty sequence takes no slot.
        """
        pad, starts, pos = self.pad, [], 0
        for n in lengths:
            starts.append(pos + pad)
            if n:
                pos += -(-(2 * pad + n) // PRODUCT_ROWS) * PRODUCT_ROWS
        return starts, pos

    def _domain_vector(self, mix: dict[str, float]) -> numpy.ndarray:
        """The domain table's output for a mix of conventions: the weighted mean of theirs.

        The convention is one learned vector added to every character's input, so a mix between
        two (a convention halfway between CLUENER's sparse and MSRA's dense places) is their mean;
        only this forward pass can run one (thinc's reads the heaviest convention alone).
        """
        E, seed = self.tables[-1]
        keys = numpy.asarray([hash_string(domain_key(d)) for d in mix], dtype="uint64")
        vecs = self.ops.gather_add(E, self.ops.hash(keys, seed) % E.shape[0])
        weights = numpy.asarray([mix[d] for d in mix], dtype="f")[:, None]
        return (vecs * weights).sum(0).astype("f")

    def _input_layer(self, seqs: list[numpy.ndarray], starts: list[int], rows: int,
                     mixes: list | None = None) -> numpy.ndarray:
        """The embedding and first maxout of every sequence, in its slot; the padding rows stay zero."""
        ops, n_in = self.ops, sum(E.shape[1] for E, _ in self.tables)
        ids = numpy.concatenate(seqs) if seqs else numpy.zeros((0, len(self.tables)), dtype="uint64")
        X = numpy.zeros((rows, n_in), dtype="f")
        where = numpy.concatenate([numpy.arange(s, s + len(x)) for s, x in zip(starts, seqs, strict=True)]) if seqs else []
        if len(ids):
            X[where] = numpy.hstack([ops.gather_add(E, ops.hash(ops.as_contig(ids[:, i]), seed) % E.shape[0])
                                     for i, (E, seed) in enumerate(self.tables)])
        width = self.tables[-1][0].shape[1]
        for s, x, mix in zip(starts, seqs, mixes or (), strict=False):
            if isinstance(mix, dict) and len(x):
                X[s : s + len(x), n_in - width :] = self._domain_vector(mix)
        first = self._maxout_norm(X, 0)
        out = numpy.zeros((rows, self.width), dtype="f")
        out[where] = first[where]
        return out

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
        Y = _product(X, W.reshape(n_out * n_pieces, n_in).T)
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
