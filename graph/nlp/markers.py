"""Marker sections of the rule data: punctuation and marker words as written, in Simplified script.

A marker is compared with ``doc._.norm_text``, which is only converted to Simplified (one
character per character), so a full-width comma folded to ``,`` would never match the text again.
Such sections are listed under ``verbatim`` in their YAML file (see :mod:`graph.nlp.patterns`);
this is the typed way to read one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graph.nlp.patterns import PATTERN_DIR, load_patterns


def load_markers(name: str, section: str, directory: Path = PATTERN_DIR) -> dict[str, Any]:
    """The mapping ``section`` of the YAML file ``name``, read as a ``verbatim`` section.

    The result is cached and shared: callers read it, they never change it.
    """
    value = load_patterns(name, directory, (section,)).get(section) or {}
    if not isinstance(value, dict):
        raise ValueError(f"{Path(directory) / name}: {section!r} must be a mapping, not {type(value).__name__}")
    return value
