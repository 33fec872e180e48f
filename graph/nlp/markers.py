"""Marker sections of the rule data, read as written: converted to Simplified script and nothing else.

:func:`graph.nlp.patterns.load_patterns` also folds width and case, which suits names and trigger
words.  A marker is compared with ``doc._.norm_text``, which is only converted to Simplified (one
character per character): a full-width comma folded to ``,`` would never match the text again.  So
the sections that hold punctuation (and the regular expressions) are loaded here instead.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from graph.nlp.patterns import PATTERN_DIR
from graph.script import to_simplified


def _simplified(value: Any) -> Any:
    if isinstance(value, str):
        return to_simplified(value)
    if isinstance(value, list):
        return [_simplified(v) for v in value]
    if isinstance(value, dict):
        return {_simplified(k): _simplified(v) for k, v in value.items()}
    return value


@lru_cache(maxsize=16)
def load_markers(name: str, section: str, directory: Path = PATTERN_DIR) -> dict[str, Any]:
    """The mapping ``section`` of the YAML file ``name``, every string in Simplified script.

    The result is cached and shared: callers read it, they never change it.
    """
    path = directory / name
    if not path.exists():
        raise FileNotFoundError(f"pattern file missing: {path}")
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    value = raw.get(section) or {}
    if not isinstance(value, dict):
        raise ValueError(f"{path}: {section!r} must be a mapping, not {type(value).__name__}")
    return _simplified(value)
