"""Token surgery: make character offsets token boundaries.

A model finds 加拉塔萨雷 inside the jieba word 加拉塔萨雷上; a span must not be
stretched to the word, so the word is split instead.  Split pieces keep the
word's part-of-speech tag, and the document's text is unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable

from spacy.tokens import Doc


def split_at(doc: Doc, offsets: Iterable[int]) -> int:
    """Split the tokens that have one of *offsets* strictly inside; returns how many were split."""
    owner: dict[int, int] = {}
    for t in doc:
        for k in range(t.idx + 1, t.idx + len(t.text)):
            owner[k] = t.i
    cuts: dict[int, list[int]] = {}
    for off in sorted(set(offsets)):
        if off in owner:
            cuts.setdefault(owner[off], []).append(off - doc[owner[off]].idx)
    if not cuts:
        return 0
    with doc.retokenize() as retok:
        for i, inner in cuts.items():
            tok = doc[i]
            bounds = [0, *inner, len(tok.text)]
            orths = [tok.text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
            heads = [(tok, 0)] * len(orths)
            pairs = list(zip(bounds, bounds[1:], strict=False))
            norm = tok.norm_ if len(tok.norm_) == len(tok.text) else tok.text
            attrs = {"TAG": [tok.tag_] * len(orths), "NORM": [norm[a:b] for a, b in pairs]}
            retok.split(tok, orths, heads=heads, attrs=attrs)
    return len(cuts)
