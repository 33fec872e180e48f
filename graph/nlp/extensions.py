"""Every custom attribute the pipeline sets on spaCy objects, registered in one place.

Components read and write these (``doc._.entities``, ``span._.confidence``…); declaring them
here, with what they hold, means a reader finds the whole annotation model in one file and no
import order decides whether an attribute exists. :func:`register` is idempotent and runs when
this module is imported, which every component module does.
"""

from __future__ import annotations

from spacy.tokens import Doc, Span

#: Doc attributes: name -> what it holds (all default to None until the component runs).
DOC_EXTENSIONS: dict[str, str] = {
    "norm_text": "the text in Simplified script, same length: what models and patterns read (segment)",
    "aliases": "alias key -> full-name key, for short names the text itself defines (entities)",
    "entities": "IRI -> EntityRecord: one record per linked real-world entity (linking)",
    "branches": "(branch IRI, parent IRI, branch span) for branch names (linking)",
    "facts": "quantitative facts: amounts, counts, rates (facts)",
    "dates": "dates resolved against the publication date (facts)",
    "published": "the publication date, a datetime.date or None (facts)",
    "relations": "Relation claims with their evidence (relations, relation_model, events)",
    "events": "event frames with their roles (events)",
}

#: Span attributes: name -> (default, what it holds).
SPAN_EXTENSIONS: dict[str, tuple[object, str]] = {
    "source": (None, "which layer proposed the span: kb, pattern, model…"),
    "confidence": (1.0, "the span's confidence after the merge"),
    "model_confidence": (0.0, "the tagger's lowest tag probability over the span"),
}


def register() -> None:
    """Declare every extension that is not declared yet."""
    for name in DOC_EXTENSIONS:
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)
    for name, (default, _doc) in SPAN_EXTENSIONS.items():
        if not Span.has_extension(name):
            Span.set_extension(name, default=default)


register()
