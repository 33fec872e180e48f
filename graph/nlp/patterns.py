"""Loading the rule data in ``ontology/patterns/`` (YAML), script-normalised once."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from graph.script import normalize
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


def _norm_value(v: Any) -> Any:
    # Values of mappings are class or property names (ASCII) or nested rule data.
    if isinstance(v, (list, dict)):
        return _norm(v)
    return v


@lru_cache(maxsize=8)
def load_patterns(name: str, directory: Path = PATTERN_DIR) -> dict[str, Any]:
    """The YAML file ``name`` with every Chinese key and word converted to Simplified."""
    path = directory / name
    if not path.exists():
        raise FileNotFoundError(f"pattern file missing: {path}")
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {k: _norm(v) for k, v in raw.items()}
