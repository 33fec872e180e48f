"""Candidate names, and how a layer hands them to the merge through ``doc.spans``.

Each layer writes its candidates to its own span group, as spaCy's ``SpanRuler`` does: a span
per candidate with the class as label, the knowledge-base IRI as ``kb_id_`` and the rule as
``id_``.  A span covers whole tokens, but a name may cut through a token (a known name inside a
longer word, the third character of a personal name): the exact characters, the rule's rank and
its confidence travel in the group's ``attrs``, one row per span.  They cannot be span
extensions: spaCy keys those by character offsets, so candidates over the same characters
would overwrite each other's.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from rdflib import URIRef
from spacy.tokens import Doc, Span, SpanGroup

from graph.nlp.entities.text import DocText
from graph.nlp.kb import KBEntry, KnowledgeBase

#: Span-group keys of the layers, in the order the merge reads them (it breaks ties by that order).
KB_KEY = "kb_names"
PATTERN_KEY = "pattern_names"
MODEL_KEY = "model_names"
LAYER_KEYS = (KB_KEY, PATTERN_KEY, MODEL_KEY)
_ROWS = "candidates"  # the group attribute holding (start, end, priority, confidence) per span


@dataclass
class Candidate:
    start: int
    end: int
    label: str
    source: str
    priority: int
    kb: KBEntry | None = None
    confidence: float = 0.9
    target: str | None = None  # normalised name this one stands for (aliases)

    @property
    def length(self) -> int:
        return self.end - self.start


def write_group(view: DocText, key: str, cands: list[Candidate]) -> None:
    """Store *cands* as ``doc.spans[key]``, losslessly (see the module docstring)."""
    doc, starts = view.doc, view.token_starts
    spans, rows = [], []
    for c in cands:
        i = max(bisect_right(starts, c.start) - 1, 0)
        j = max(bisect_left(starts, c.end), i + 1)
        iri = str(c.kb.iri) if c.kb is not None else ""
        spans.append(Span(doc, i, j, label=c.label, kb_id=iri, span_id=c.source))
        rows.append((c.start, c.end, c.priority, c.confidence))
    doc.spans[key] = SpanGroup(doc, name=key, attrs={_ROWS: rows}, spans=spans)


def read_group(doc: Doc, key: str, kb: KnowledgeBase | None) -> list[Candidate]:
    """The candidates a layer wrote to ``doc.spans[key]`` (none if it did not run)."""
    if key not in doc.spans:
        return []
    group = doc.spans[key]
    rows = group.attrs.get(_ROWS)
    if rows is None or len(rows) != len(group):
        raise ValueError(f"doc.spans[{key!r}] was not written by write_group (or was changed after)")
    out = []
    for span, (start, end, priority, confidence) in zip(group, rows, strict=True):
        entry = kb.entries.get(URIRef(span.kb_id_)) if kb is not None and span.kb_id_ else None
        out.append(Candidate(start, end, span.label_, span.id_, priority, entry, confidence))
    return out


def local_name(iri: object) -> str:
    """The class name of a class IRI (kg:Bank -> Bank): candidates carry names, not IRIs."""
    return str(iri).rsplit("#", 1)[-1]
