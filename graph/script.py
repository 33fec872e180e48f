"""Traditional/Simplified script handling.

Matching, segmentation and models all work on Simplified text (jieba's
dictionary and CLUENER are Simplified), while every offset we publish must
point into the text as the user wrote it.  The conversion here therefore
guarantees one output character per input character.
"""

from __future__ import annotations

from functools import lru_cache

import opencc


@lru_cache(maxsize=4)
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def _length_preserving(text: str, config: str) -> str:
    conv = _converter(config)
    out = conv.convert(text)
    if len(out) == len(text):
        return out
    # Phrase tables occasionally change length; fall back to per-character
    # conversion so offsets stay aligned.
    chars = []
    for ch in text:
        c = conv.convert(ch)
        chars.append(c if len(c) == 1 else ch)
    return "".join(chars)


def to_simplified(text: str) -> str:
    """Simplified form of ``text`` with ``len(result) == len(text)``."""
    return _length_preserving(text, "t2s")


def to_traditional(text: str) -> str:
    """Traditional form of ``text`` with ``len(result) == len(text)``."""
    return _length_preserving(text, "s2t")


def normalize(text: str) -> str:
    """Key used to compare names across scripts, widths and case."""
    import unicodedata

    return to_simplified(unicodedata.normalize("NFKC", text)).lower().replace(" ", "")


def detect_script(text: str) -> str:
    """'zh-Hant' or 'zh-Hans' by which conversion changes the text less."""
    han = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    if not han:
        return "zh-Hans"
    sample = "".join(han[:5000])
    simp_changes = sum(a != b for a, b in zip(sample, to_simplified(sample), strict=True))
    trad_changes = sum(a != b for a, b in zip(sample, to_traditional(sample), strict=True))
    return "zh-Hant" if simp_changes > trad_changes else "zh-Hans"
