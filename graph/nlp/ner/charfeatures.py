"""Character features for the Chinese NER tagger: a thinc embedding that suits Chinese.

A character alone says little about where a name starts or ends; the characters
around it and the word a segmenter puts it in say much more.  Each character token
is embedded from five hashed features, the usual recipe of Chinese sequence labellers
without a pretrained language model (character, the two character bigrams around
it, and its position in a jieba word with the word itself; Zhang & Yang 2018, Ma
et al. 2020 "SoftLexicon"):

- ``c``: the character (digits folded to 0, Latin lower-cased);
- ``bl``/``br``: the bigram with the previous and with the next character;
- ``wp``: position in the jieba word (B/M/E/S) and the word's length (capped at 5);
- ``ww``: position plus the word itself.

Text reaching the model is already Simplified (see :mod:`graph.nlp.ner.tagger`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from spacy.strings import hash_string
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import HashEmbed, Maxout, Model, chain, concatenate, list2ragged, ragged2list, with_array
from thinc.types import Floats2d, Ints2d

from graph.nlp.segment import stock_tokenizer

N_FEATURES = 5
_DIGIT = re.compile(r"\d")


def _fold(ch: str) -> str:
    if ch.isdigit():
        return "0"
    return ch.lower() if ch.isascii() else ch


def word_positions(text: str) -> list[tuple[str, str]]:
    """(position tag, word) for every character of *text*, from jieba's segmentation."""
    out: list[tuple[str, str]] = []
    for word in stock_tokenizer().cut(text, HMM=True):
        n = len(word)
        w = _DIGIT.sub("0", word)
        size = str(min(n, 5))
        if n == 1:
            out.append(("S" + size, w))
            continue
        out.append(("B" + size, w))
        out.extend(("M" + size, w) for _ in range(n - 2))
        out.append(("E" + size, w))
    return out


_HASHES: dict[str, int] = {}


def _hash(key: str) -> int:
    """hash_string, memoised: the same few hundred thousand feature strings recur in every text."""
    h = _HASHES.get(key)
    if h is None:
        if len(_HASHES) > 300_000:  # about 40 MB: the recurring feature strings, not every one ever seen
            _HASHES.clear()
        h = _HASHES[key] = hash_string(key)
    return h


def doc_features(doc: Doc) -> list[list[int]]:
    """One row of N_FEATURES hashed features per token of *doc*."""
    toks = [(t.idx, t.text, t.whitespace_) for t in doc]  # one pass: spaCy makes a Token per access
    text = "".join(w + ws for _, w, ws in toks)
    chars = [_fold(w[:1]) if w else " " for _, w, _ in toks]
    positions = word_positions(text) if text else []
    rows: list[list[int]] = []
    last = len(chars) - 1
    h = _hash
    n_pos = len(positions)
    for i, (idx, _, _) in enumerate(toks):
        c = chars[i]
        prev = chars[i - 1] if i > 0 else "<s>"
        nxt = chars[i + 1] if i < last else "</s>"
        tag, word = positions[idx] if idx < n_pos else ("S1", c)
        rows.append([h("c=" + c), h("bl=" + prev + c), h("br=" + c + nxt), h("wp=" + tag), h("ww=" + tag[0] + word)])
    return rows


def _extract(model: Model, docs: list[Doc], is_train: bool) -> tuple[list[Ints2d], Callable]:
    ops = model.ops
    feats = [ops.asarray2i(doc_features(doc) or [[0] * N_FEATURES], dtype="uint64")[: max(len(doc), 1)] for doc in docs]
    feats = [f if len(doc) else f[:0] for f, doc in zip(feats, docs, strict=True)]
    return feats, lambda d_feats: []


@registry.architectures("cnfinkg.ChineseCharEmbed.v1")
def chinese_char_embed(width: int, rows: list[int], table_width: int = 64) -> Model[list[Doc], list[Floats2d]]:
    """Hashed character, bigram and word-position embeddings (*table_width* each), mixed to *width*."""
    if len(rows) != N_FEATURES:
        raise ValueError(f"rows needs {N_FEATURES} sizes (c, bl, br, wp, ww), got {len(rows)}")
    extractor: Model = Model("cnfinkg_char_features", _extract)
    embeds = [HashEmbed(table_width, n, column=i, seed=11 + i, dropout=0.0) for i, n in enumerate(rows)]
    mix = Maxout(width, table_width * len(rows), nP=3, dropout=0.0, normalize=True)
    return chain(extractor, list2ragged(), with_array(concatenate(*embeds)), with_array(mix), ragged2list())
