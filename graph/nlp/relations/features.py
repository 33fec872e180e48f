"""Features of an entity pair in a sentence, for the relation classifier (:mod:`graph.nlp.relations.classifier`).

One function, :func:`featurize`, is shared by training (``training/relations``) and the
runtime, so the two can never drift apart.  It reads the sentence in a normal form:

- Simplified script (:func:`graph.script.to_simplified`, one character per character);
- full-width ASCII folded to half-width, Latin letters lower-cased;
- every run of digits, and FinRE's ``<N>`` mask, collapsed to one ``0`` (FinRE masks the
  digits of its sentences, so a number must look the same at run time as in training).

The character offsets of the two mentions are carried into that form, and the features
are strings (the model's vocabulary maps them to weights):

- order of the two mentions (head first or tail first) and nesting;
- distance between them (bucketed);
- character 1–3-grams of the text between them, with and without the order;
- its first and last characters and, when short, the whole of it;
- jieba words between them (:func:`graph.nlp.segment.stock_tokenizer`: jieba's stock dictionary,
  so words added elsewhere in the process do not change the features);
- 1–3 characters left and right of each mention, and the word next to each;
- the last one and two characters of each mention (its suffix type: 银行, 集团, 证券 …) and
  their pair;
- how much the two names share (containment, common characters, common prefix): aliases;
- character 2–4-grams of the sentence with the mentions replaced by markers that touch a marker;
- (optional) the words of the rest of the sentence, before and after the pair.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import lru_cache

from graph.nlp.segment import stock_tokenizer
from graph.script import to_simplified

HEAD_MARK = "\u2460"  # ①
TAIL_MARK = "\u2461"  # ②
_MARKS = re.compile(f"[{HEAD_MARK}{TAIL_MARK}]")
DIGIT = "0"
FEATURE_VERSION = 1


def _fold(ch: str) -> str:
    if "\uff01" <= ch <= "\uff5e":  # full-width ASCII
        ch = unicodedata.normalize("NFKC", ch)
    return ch.lower() if ch.isascii() else ch


def normalize(text: str) -> tuple[str, list[int]]:
    """The normal form of *text* and, for each original offset 0..len(text), its offset there.

    ``index[i]`` is the position in the normal form of original character ``i``;
    ``index[len(text)]`` is the length of the normal form.  A span ``(s, e)`` of the
    original maps to ``(index[s], index[e - 1] + 1)``.
    """
    simp = to_simplified(text)
    out: list[str] = []
    index: list[int] = []
    i = 0
    n = len(simp)
    while i < n:
        ch = simp[i]
        width = 3 if simp.startswith("<N>", i) else 1
        is_digit = width == 3 or (ch.isdigit() and ch.isascii()) or "\uff10" <= ch <= "\uff19"
        if is_digit:
            if not (out and out[-1] == DIGIT and index and index[-1] == len(out) - 1):
                out.append(DIGIT)
            index.extend([len(out) - 1] * width)
        else:
            out.append(_fold(ch))
            index.append(len(out) - 1)
        i += width
    index.append(len(out))
    return "".join(out), index


def map_span(index: list[int], span: tuple[int, int]) -> tuple[int, int]:
    s, e = span
    if e <= s:
        raise ValueError(f"empty span {span}")
    return index[s], index[e - 1] + 1


def _blocks() -> re.Pattern[str]:
    """jieba's own block pattern: it segments each run of it on its own, and the rest char by char.

    Read at every call, as jieba's ``cut`` reads it (a program may widen it).
    """
    import jieba

    return jieba.re_han_default


_BLOCK_WORDS: dict[str, list[str]] = {}


def _block_words(block: str) -> list[str]:
    """Words of one block, memoised: the features of every pair of a sentence cut the same clauses."""
    got = _BLOCK_WORDS.get(block)
    if got is None:
        if len(_BLOCK_WORDS) > 50_000:
            _BLOCK_WORDS.clear()
        got = _BLOCK_WORDS[block] = [w for w in stock_tokenizer().lcut(block, HMM=False) if w.strip()]
    return got


def words(text: str) -> list[str]:
    """jieba's words of *text* (stock dictionary, no HMM), spaces dropped.

    jieba cuts a text block by block (:func:`_blocks`), each independently of the others, so the
    words of a text are its blocks' words one after the other; blocks are cut once and remembered.
    """
    if not text:
        return []
    out: list[str] = []
    for block in _blocks().split(text):
        if block:
            out.extend(_block_words(block))
    return out


@lru_cache(maxsize=1)
def _sentence_ends() -> frozenset[str]:
    """What ends a sentence after a mention (relation_labels.yaml ``features``), as written."""
    from graph.nlp.markers import load_markers

    return frozenset(load_markers("relation_labels.yaml", "features")["sentence_ends"])


def _bucket(n: int) -> str:
    for limit, name in ((0, "0"), (1, "1"), (2, "2"), (3, "3"), (5, "4-5"), (8, "6-8"), (12, "9-12"),
                        (20, "13-20"), (30, "21-30"), (50, "31-50")):
        if n <= limit:
            return name
    return "51+"


def _ngrams(s: str, lo: int, hi: int):
    for n in range(lo, hi + 1):
        for i in range(len(s) - n + 1):
            yield n, s[i:i + n]


def _order(norm: str, head: tuple[int, int], tail: tuple[int, int]) -> tuple[str, str, bool]:
    """Which mention comes first (or how they nest), the text between them, and whether they nest."""
    hs, he = head
    ts, te = tail
    if not (he <= ts or te <= hs):
        if (hs, he) == (ts, te):
            return "same", "", True
        if hs <= ts and te <= he:
            return "TinH", "", True
        if ts <= hs and he <= te:
            return "HinT", "", True
        return "X", "", True
    order = "HT" if hs < ts else "TH"
    return order, norm[he:ts] if order == "HT" else norm[te:hs], False


def _between_features(feats: list[str], order: str, between: str, segment: Callable[[str], list[str]]) -> None:
    for n, g in _ngrams(between, 1, 3):
        feats.append(f"b{n}:{g}")
        feats.append(f"ob{n}:{order}:{g}")
    if not between:
        feats.append(f"bs:{order}:")
        return
    feats.append(f"bf:{order}:{between[:1]}")
    feats.append(f"bl:{order}:{between[-1:]}")
    feats.append(f"bf2:{order}:{between[:2]}")
    feats.append(f"bl2:{order}:{between[-2:]}")
    if len(between) <= 6:
        feats.append(f"bs:{order}:{between}")
    ws = segment(between)
    for w in ws:
        feats.append(f"bw:{w}")
        feats.append(f"obw:{order}:{w}")
    for a, b in zip(ws, ws[1:], strict=False):
        feats.append(f"bww:{order}:{a}_{b}")


def _window_features(feats: list[str], norm: str, role: str, s: int, e: int,
                     segment: Callable[[str], list[str]]) -> None:
    left = norm[max(0, s - 3):s]
    right = norm[e:e + 3]
    for k in range(1, 4):
        if len(left) >= k:
            feats.append(f"{role}<{k}:{left[-k:]}")
        if len(right) >= k:
            feats.append(f"{role}>{k}:{right[:k]}")
    if s == 0:
        feats.append(f"{role}<:BOS")
    if e >= len(norm) or norm[e] in _sentence_ends():
        feats.append(f"{role}>:EOS")
    lw = segment(norm[max(0, s - 6):s])
    rw = segment(norm[e:e + 6])
    if lw:
        feats.append(f"{role}<w:{lw[-1]}")
    if rw:
        feats.append(f"{role}>w:{rw[0]}")


def _name_features(feats: list[str], h_str: str, t_str: str) -> None:
    for role, name in (("h", h_str), ("t", t_str)):
        feats.append(f"{role}s1:{name[-1:]}")
        feats.append(f"{role}s2:{name[-2:]}")
        feats.append(f"{role}p1:{name[:1]}")
        feats.append(f"{role}len:{_bucket(len(name))}")
    feats.append(f"hts1:{h_str[-1:]}_{t_str[-1:]}")
    feats.append(f"hts2:{h_str[-2:]}_{t_str[-2:]}")
    common = set(h_str) & set(t_str)
    share = len(common) / max(1, min(len(set(h_str)), len(set(t_str))))
    feats.append(f"share:{min(10, int(share * 4))}")
    prefix = 0
    for a, b in zip(h_str, t_str, strict=False):
        if a != b:
            break
        prefix += 1
    feats.append(f"pre:{min(prefix, 3)}")
    if h_str and t_str and (h_str in t_str or t_str in h_str):
        feats.append("contains:" + ("h<t" if h_str in t_str else "t<h"))


def featurize(norm: str, head: tuple[int, int], tail: tuple[int, int], sentence_words: bool = True,
              segment: Callable[[str], list[str]] = words) -> list[str]:
    """Feature strings of the pair; *head* and *tail* are spans of the normal form *norm*.

    *sentence_words* adds the jieba words of the sentence outside the pair, by side; *segment*
    gives them (:func:`words`, or a memo of it shared by the pairs of one text).
    """
    hs, he = head
    ts, te = tail
    feats: list[str] = ["bias"]
    order, between, nested = _order(norm, head, tail)
    feats.append(f"o:{order}")
    dist = _bucket(len(between))
    feats.append(f"d:{dist}")
    feats.append(f"od:{order}:{dist}")
    _between_features(feats, order, between, segment)
    _window_features(feats, norm, "H", hs, he, segment)
    _window_features(feats, norm, "T", ts, te, segment)
    _name_features(feats, norm[hs:he], norm[ts:te])
    # the sentence with the two mentions replaced by markers
    marked = _marked(norm, (hs, he), (ts, te), nested)
    for n, g in _marker_ngrams(marked, 2, 4):
        feats.append(f"m{n}:{g}")
    if sentence_words:
        # words of the rest of the sentence, by side: before both, after both
        lo, hi = min(hs, ts), max(he, te)
        for w in segment(norm[:lo]):
            feats.append(f"sw<:{w}")
        for w in segment(norm[hi:]):
            feats.append(f"sw>:{w}")
    return feats


def _marker_ngrams(marked: str, lo: int, hi: int):
    """The *lo*–*hi*-grams of *marked* that hold a marker, in :func:`_ngrams` order.

    Only the n-grams around a marker can hold one: looking there alone keeps a pair's cost
    independent of the length of the text around it.
    """
    marks = [m.start() for m in _MARKS.finditer(marked)]
    for n in range(lo, hi + 1):
        starts = sorted({i for m in marks for i in range(max(0, m - n + 1), min(m, len(marked) - n) + 1)})
        for i in starts:
            yield n, marked[i:i + n]


def _marked(norm: str, head: tuple[int, int], tail: tuple[int, int], nested: bool) -> str:
    if nested:
        s = min(head[0], tail[0])
        e = max(head[1], tail[1])
        return norm[:s] + HEAD_MARK + TAIL_MARK + norm[e:]
    first, second = sorted([(head, HEAD_MARK), (tail, TAIL_MARK)])
    (s1, e1), m1 = first
    (s2, e2), m2 = second
    return norm[:s1] + m1 + norm[e1:s2] + m2 + norm[e2:]


def pair_features(text: str, head: tuple[int, int], tail: tuple[int, int], sentence_words: bool = True) -> list[str]:
    """Features of the pair given as spans of the original *text* (any script)."""
    return text_pair_features(text, [(head, tail)], sentence_words)[0]


def text_pair_features(text: str, pairs: Sequence[tuple[tuple[int, int], tuple[int, int]]],
                       sentence_words: bool = True) -> list[list[str]]:
    """:func:`pair_features` of many (head, tail) pairs of one *text*: normalised and segmented once.

    The pairs of a sentence share its words left and right of a mention and its two sides; a
    memo of :func:`words` for this text computes each once.
    """
    norm, index = normalize(text)
    memo: dict[str, list[str]] = {}

    def segment(s: str) -> list[str]:
        got = memo.get(s)
        if got is None:
            got = memo[s] = words(s)
        return got

    return [featurize(norm, map_span(index, head), map_span(index, tail), sentence_words, segment)
            for head, tail in pairs]
