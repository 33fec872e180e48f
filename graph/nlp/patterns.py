"""Loading the rule data in ``ontology/patterns/`` (YAML), script-normalised once.

Two top-level keys steer the loader rather than carry rules.  ``verbatim`` lists keys whose
values are only converted to Simplified script, not width- or case-folded: they are compared with
``doc._.norm_text``, where ``（`` and ``(`` are different characters.  ``shared`` maps a key to the file that holds it, so a table lives in one file and the
readers of another still find it under its old name (``person_titles`` of entities.yaml is
titles.yaml's).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from graph.nlp.lexicon import SuffixTable, TitleTable
from graph.script import normalize, to_simplified
from graph.vocab import ONTOLOGY_DIR

PATTERN_DIR = ONTOLOGY_DIR / "patterns"


def _norm(value: Any) -> Any:
    if isinstance(value, str):
        return normalize(value) if not value.isascii() else value
    if isinstance(value, list):
        return [_norm(v) for v in value]
    if isinstance(value, dict):
        return {(_norm(k) if isinstance(k, str) else k): v if isinstance(v, (dict, list)) and k in ("properties",) else _norm_value(v) for k, v in value.items()}
    return value


def _simplified(value: Any) -> Any:
    if isinstance(value, str):
        return to_simplified(value)
    if isinstance(value, list):
        return [_simplified(v) for v in value]
    if isinstance(value, dict):
        return {_simplified(k): _simplified(v) for k, v in value.items()}
    return value


def _norm_value(v: Any) -> Any:
    # Values of mappings are class or property names (ASCII) or nested rule data.
    if isinstance(v, (list, dict)):
        return _norm(v)
    return v


@lru_cache(maxsize=16)
def load_patterns(name: str, directory: Path = PATTERN_DIR, verbatim_keys: tuple[str, ...] = ()) -> dict[str, Any]:
    """The YAML file ``name`` with every Chinese key and word converted to Simplified.

    ``verbatim_keys`` are read like the file's own ``verbatim`` keys (script only, no folding).
    """
    path = directory / name
    if not path.exists():
        raise FileNotFoundError(f"pattern file missing: {path}")
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    verbatim = set(raw.pop("verbatim", None) or ()) | set(verbatim_keys)
    shared = raw.pop("shared", None) or {}
    out = {k: _simplified(v) if k in verbatim else _norm(v) for k, v in raw.items()}
    for key, other in shared.items():
        out[key] = load_patterns(other, directory)[key]
    return out


@lru_cache(maxsize=4)
def load_suffixes(name: str = "suffixes.yaml", directory: Path = PATTERN_DIR) -> SuffixTable:
    """The table of name endings, each with everything the rules know about it."""
    return SuffixTable.from_data(load_patterns(name, directory))


@lru_cache(maxsize=4)
def load_titles(name: str = "titles.yaml", directory: Path = PATTERN_DIR) -> TitleTable:
    """Person titles, and the words that contain a title without being a position."""
    return TitleTable.from_data(load_patterns(name, directory))
