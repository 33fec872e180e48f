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
- jieba words between them (own tokenizer with jieba's stock dictionary, so user words
  added elsewhere in the process do not change the features);
- 1–3 characters left and right of each mention, and the word next to each;
- the last one and two characters of each mention (its suffix type: 银行, 集团, 证券 …) and
  their pair;
- how much the two names share (containment, common characters, common prefix): aliases;
- character 2–4-grams of the sentence with the mentions replaced by markers that touch a marker;
- (optional) the words of the rest of the sentence, before and after the pair.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from graph.script import to_simplified

HEAD_MARK = "\u2460"  # ①
TAIL_MARK = "\u2461"  # ②
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


@lru_cache(maxsize=1)
def _tokenizer():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    return tok


def words(text: str) -> list[str]:
    if not text:
        return []
    return [w for w in _tokenizer().lcut(text, HMM=False) if w.strip()]


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


def _between_features(feats: list[str], order: str, between: str) -> None:
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
    ws = words(between)
    for w in ws:
        feats.append(f"bw:{w}")
        feats.append(f"obw:{order}:{w}")
    for a, b in zip(ws, ws[1:], strict=False):
        feats.append(f"bww:{order}:{a}_{b}")


def _window_features(feats: list[str], norm: str, role: str, s: int, e: int) -> None:
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
    lw = words(norm[max(0, s - 6):s])
    rw = words(norm[e:e + 6])
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


def featurize(norm: str, head: tuple[int, int], tail: tuple[int, int], sentence_words: bool = True) -> list[str]:
    """Feature strings of the pair; *head* and *tail* are spans of the normal form *norm*.

    *sentence_words* adds the jieba words of the sentence outside the pair, by side.
    """
    hs, he = head
    ts, te = tail
    feats: list[str] = ["bias"]
    order, between, nested = _order(norm, head, tail)
    feats.append(f"o:{order}")
    dist = _bucket(len(between))
    feats.append(f"d:{dist}")
    feats.append(f"od:{order}:{dist}")
    _between_features(feats, order, between)
    _window_features(feats, norm, "H", hs, he)
    _window_features(feats, norm, "T", ts, te)
    _name_features(feats, norm[hs:he], norm[ts:te])
    # the sentence with the two mentions replaced by markers
    marked = _marked(norm, (hs, he), (ts, te), nested)
    for n, g in _ngrams(marked, 2, 4):
        if HEAD_MARK in g or TAIL_MARK in g:
            feats.append(f"m{n}:{g}")
    if sentence_words:
        # words of the rest of the sentence, by side: before both, after both
        lo, hi = min(hs, ts), max(he, te)
        for w in words(norm[:lo]):
            feats.append(f"sw<:{w}")
        for w in words(norm[hi:]):
            feats.append(f"sw>:{w}")
    return feats


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
    norm, index = normalize(text)
    return featurize(norm, map_span(index, head), map_span(index, tail), sentence_words)
