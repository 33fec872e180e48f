"""The extraction pipeline: a blank spaCy ``zh`` pipeline with the project's components.

text → tokens (segment) → sentences → trained NER (nlp.tagger) → entities → linking →
relations (rules, then the trained classifier: nlp.relation_model) → facts → event frames
(nlp.events).
Each stage is a registered spaCy component in the module named after it, and
its results sit on ``Doc`` extension attributes (``doc.ents``, ``doc._.entities``,
``doc._.relations``, ``doc._.facts``).
"""

from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.language import Language

from graph.nlp import entities, events, facts, linking, relation_model, relations, segment, tagger  # noqa: F401 - registers the components

SENTENCE_ENDERS = ["。", "！", "？", "；", "!", "?", ";", "\n", "…"]


def create_pipeline(use_statistical: bool = True) -> Language:
    """A fresh pipeline; ``use_statistical`` runs the trained NER model, the main entity layer."""
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"@tokenizers": "cnfinkg.ScriptNormalizingTokenizer.v1"}}})
    nlp.add_pipe("sentencizer", config={"punct_chars": SENTENCE_ENDERS})
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
