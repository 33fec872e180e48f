"""The extraction pipeline: a blank spaCy ``zh`` pipeline with the project's components.

text → tokens (segment) → sentences → trained NER (nlp.tagger) → entities → linking →
relations (rules, then the trained classifier: nlp.relation_model) → facts → event frames
(nlp.events).
Each stage is a registered spaCy component in the module named after it, and
its results sit on ``Doc`` extension attributes (``doc.ents``, ``doc._.entities``,
``doc._.relations``, ``doc._.facts``).
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Iterable, Iterator
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from graph.ingest.reader import Document
from graph.nlp import entities, facts, linking, segment  # noqa: F401 - registers the components
from graph.nlp.events import frames  # noqa: F401
from graph.nlp.ner import tagger  # noqa: F401
from graph.nlp.patterns import load_patterns
from graph.nlp.relations import model, rules  # noqa: F401

#: Documents per batch in :func:`annotate_stream`: enough sentences for the models' matrix products
#: to pay off, few enough to keep a batch of articles small in memory.
DEFAULT_BATCH = 64


def create_pipeline(use_statistical: bool = True) -> Language:
    """A fresh pipeline; ``use_statistical`` runs the trained NER model, the main entity layer."""
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"@tokenizers": "cnfinkg.ScriptNormalizingTokenizer.v1"}}})
    nlp.add_pipe("sentencizer", config={"punct_chars": list(load_patterns("segment.yaml")["sentence_enders"])})
    if use_statistical:
        nlp.add_pipe("cnfinkg_ner_model")
    nlp.add_pipe("cnfinkg_entities")
    nlp.add_pipe("cnfinkg_linker")
    nlp.add_pipe("cnfinkg_relations")
    if use_statistical:
        nlp.add_pipe("cnfinkg_relation_model")
    nlp.add_pipe("cnfinkg_facts")
    nlp.add_pipe("cnfinkg_events")
    return nlp


@lru_cache(maxsize=2)
def get_pipeline(use_statistical: bool = True) -> Language:
    return create_pipeline(use_statistical)


def annotate(document: Document, nlp: Language | None = None, use_statistical: bool = True) -> Doc:
    """The NLP stage on one document: entities, relations, facts and events in ``doc._``.

    With :func:`annotate_stream` (many documents, faster, the same result) the one place the
    pipeline runs on a document: the build stores what it finds, the gold evaluation scores the
    same thing.  ``nlp``: a pipeline already loaded (else the shared one).
    """
    if nlp is None:
        nlp = get_pipeline(use_statistical)
    return annotate_text(document.text, document.published_date, nlp)


def annotate_stream(documents: Iterable[Document], use_statistical: bool = True, batch_size: int = DEFAULT_BATCH,
                    nlp: Language | None = None) -> Iterator[tuple[Document, Doc]]:
    """:func:`annotate` over many documents, through ``nlp.pipe``: each ``(document, doc)`` in order.

    The trained models run over batches of *batch_size* documents at once (one matrix product for
    the sentences of many documents instead of one per document); every result is the one
    :func:`annotate` gives the document alone.  Documents are read from *documents* as the batches
    need them, so a long stream is never held in memory.
    """
    if nlp is None:
        nlp = get_pipeline(use_statistical)
    pending: deque[Document] = deque()

    def docs() -> Iterator[Doc]:
        for document in documents:
            pending.append(document)
            yield _make_doc(nlp, document.text, document.published_date)

    for sdoc in nlp.pipe(docs(), batch_size=batch_size):
        yield pending.popleft(), sdoc


def annotate_text(text: str, published: dt.date | None = None, nlp: Language | None = None) -> Doc:
    """:func:`annotate` on a bare string: offsets point into ``text`` exactly as given."""
    if nlp is None:
        nlp = get_pipeline()
    sdoc = _make_doc(nlp, text, published)
    for _, proc in nlp.pipeline:
        sdoc = proc(sdoc)
    return sdoc


def _make_doc(nlp: Language, text: str, published: dt.date | None) -> Doc:
    """The tokenized document, with the date its relative dates are read against."""
    # spaCy refuses texts over nlp.max_length (1,000,000 characters) with [E088], a guard sized for
    # its parser and NER models.  This pipeline's statistical layer reads the text in short chunks
    # and the rest is rules, so the per-document byte limit (--max-mb) is the guard that counts.
    nlp.max_length = max(nlp.max_length, len(text) + 1)
    sdoc = nlp.make_doc(text)
    sdoc._.published = published  # dates in the text are read relative to it
    return sdoc
