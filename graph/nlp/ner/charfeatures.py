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
- ``ww``: position plus the word itself;
- ``dom`` (v2 only): the annotation convention the tags should follow, one of
  :data:`DOMAINS`.  The corpora disagree on what is a name (MSRA tags every place,
  CLUENER only some), and a model that cannot tell them apart averages their
  conventions; told the corpus, it learns each one (multi-domain tagging, e.g. Peng &
  Dredze 2017), and inference asks for one or a mix (the pipeline's is
  ``graph.nlp.ner.tagger.PIPELINE_DOMAIN``; a doc that names none is read under
  :data:`DEFAULT_DOMAIN`).

Text reaching the model is already Simplified (see :mod:`graph.nlp.ner.tagger`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from spacy.strings import hash_string
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import HashEmbed, Maxout, Model, chain, concatenate, list2ragged, ragged2list, with_array
from thinc.types import Floats2d, Ints2d

from graph.nlp.segment import stock_tokenizer

N_FEATURES = 5
#: The annotation conventions the v2 embedding knows, named after the corpora that define them.
DOMAINS = ("cluener", "msra", "resume")
DEFAULT_DOMAIN = "cluener"
#: Corpora tagged under another's convention.  FinRE and DuIE mark only the names they relate
#: (their other characters are unannotated), so a convention of their own learns only "tag more"
#: (the pipeline under it scored 36 on CLUENER dev); inside the news convention they teach it the
#: short stock names (万科, 华润三九) that CLUENER rarely marks.
CORPUS_DOMAIN = {"finre": "cluener", "duie": "cluener"}
#: ``doc.user_data`` key of the convention a doc is tagged under (training and inference set it).
DOMAIN_KEY = "cnfinkg_ner_domain"
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


Domain = str | dict[str, float]


def domain_key(domain: str) -> str:
    return "dom=" + domain


def main_domain(domain: Domain) -> str:
    """The convention of a mix with the largest weight (a plain convention is its own)."""
    return domain if isinstance(domain, str) else max(sorted(domain), key=lambda d: domain[d])


def parse_domain(spec: str) -> Domain:
    """``cluener`` or a mix ``cluener=0.5,msra=0.5`` (weights normalised), checked against DOMAINS."""
    parts = [p.strip() for p in spec.split(",") if p.strip()]
    mix: dict[str, float] = {}
    for part in parts:
        name, _, w = part.partition("=")
        if name not in DOMAINS:
            raise ValueError(f"unknown NER domain {name!r}: one of {', '.join(DOMAINS)}")
        try:
            mix[name] = float(w) if w else 1.0
        except ValueError:
            raise ValueError(f"bad weight in NER domain {part!r}") from None
    total = sum(mix.values())
    if not mix or total <= 0 or any(v < 0 for v in mix.values()):
        raise ValueError(f"NER domain {spec!r} needs a convention with a positive weight")
    if len(mix) == 1:
        return next(iter(mix))
    return {k: v / total for k, v in sorted(mix.items())}


def domain_of(corpus: str) -> str:
    """The convention a corpus's sentences are trained under."""
    return CORPUS_DOMAIN.get(corpus, corpus)


def doc_features(doc: Doc, with_domain: bool = False) -> list[list[int]]:
    """One row of hashed features per token of *doc*: N_FEATURES, plus the domain when asked."""
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
    if with_domain:
        dom = h(domain_key(main_domain(doc.user_data.get(DOMAIN_KEY, DEFAULT_DOMAIN))))
        for row in rows:
            row.append(dom)
    return rows


def _extract(model: Model, docs: list[Doc], is_train: bool) -> tuple[list[Ints2d], Callable]:
    ops = model.ops
    dom = bool(model.attrs.get("with_domain"))
    n = N_FEATURES + dom
    feats = [ops.asarray2i(doc_features(doc, dom) or [[0] * n], dtype="uint64")[: max(len(doc), 1)] for doc in docs]
    feats = [f if len(doc) else f[:0] for f, doc in zip(feats, docs, strict=True)]
    return feats, lambda d_feats: []


@registry.architectures("cnfinkg.ChineseCharEmbed.v1")
def chinese_char_embed(width: int, rows: list[int], table_width: int = 64) -> Model[list[Doc], list[Floats2d]]:
    """Hashed character, bigram and word-position embeddings (*table_width* each), mixed to *width*."""
    if len(rows) != N_FEATURES:
        raise ValueError(f"rows needs {N_FEATURES} sizes (c, bl, br, wp, ww), got {len(rows)}")
    return _embed(width, rows, table_width, with_domain=False)


@registry.architectures("cnfinkg.ChineseCharEmbed.v2")
def chinese_char_embed_v2(width: int, rows: list[int], table_width: int = 64) -> Model[list[Doc], list[Floats2d]]:
    """v1 plus the ``dom`` feature: *rows* has a sixth size, the domain table's."""
    if len(rows) != N_FEATURES + 1:
        raise ValueError(f"rows needs {N_FEATURES + 1} sizes (c, bl, br, wp, ww, dom), got {len(rows)}")
    return _embed(width, rows, table_width, with_domain=True)


def _embed(width: int, rows: list[int], table_width: int, with_domain: bool) -> Model[list[Doc], list[Floats2d]]:
    extractor: Model = Model("cnfinkg_char_features", _extract, attrs={"with_domain": with_domain})
    embeds = [HashEmbed(table_width, n, column=i, seed=11 + i, dropout=0.0) for i, n in enumerate(rows)]
    mix = Maxout(width, table_width * len(rows), nP=3, dropout=0.0, normalize=True)
    return chain(extractor, list2ragged(), with_array(concatenate(*embeds)), with_array(mix), ragged2list())


@registry.readers("cnfinkg.DomainCorpus.v1")
def domain_corpus(path: str, max_length: int = 0, limit: int = 0) -> Callable:
    """spaCy's corpus, with each gold doc's domain handed to the doc the model reads.

    spaCy makes the predicted doc afresh from the gold text, so ``user_data`` set on the
    gold doc (``DocBin(store_user_data=True)``) would otherwise not reach the model.
    """
    from spacy.training import Corpus

    corpus = Corpus(path, max_length=max_length, limit=limit)

    def read(nlp) -> Iterator:
        for eg in corpus(nlp):
            if DOMAIN_KEY in eg.reference.user_data:
                eg.predicted.user_data[DOMAIN_KEY] = eg.reference.user_data[DOMAIN_KEY]
            yield eg

    return read
