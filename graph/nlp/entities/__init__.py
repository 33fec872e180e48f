"""Entity recognition: knowledge base, general name patterns and the trained NER model.

Three candidate layers each write their names to a span group, as spaCy's ``SpanRuler`` does:
names in the knowledge base, in either script (``doc.spans["kb_names"]``, :mod:`.kb_names`);
names found by general patterns (``"pattern_names"``, :mod:`.pattern_names`): titles in 《》,
quoted names, names by their ending (…银行, …有限公司, …峰会) whose start comes from
segmentation and part of speech, people next to a title or a verb of saying, Latin-script names
typed by the noun next to them, plans and bylines; and the trained model's names
(``doc.spans["ner_model"]``, gated and typed into ``"model_names"``, :mod:`.model_names`).
A registered merge function (:mod:`.merge`, ``cnfinkg.entity_merge.v1``) chooses ``doc.ents``
with the ontology class as label and, for knowledge-base names, the IRI as ``kb_id_``.

The words the rules read are data: ``ontology/patterns/entities.yaml``, and the shared tables
of name endings (suffixes.yaml) and person titles (titles.yaml).
"""

from __future__ import annotations

import re

from graph.nlp.entities.candidates import Candidate
from graph.nlp.entities.component import EntityRecognizer, make_entity_recognizer
from graph.nlp.entities.merge import make_entity_merge, merge_entities
from graph.nlp.entities.rules import alias_regexes
from graph.nlp.patterns import load_patterns

_DEFAULT = load_patterns("entities.yaml")
#: Characters never part of a name, and those that may join its parts (default entities.yaml).
PUNCT = frozenset(_DEFAULT["punctuation"])
NAME_JOINERS = frozenset(_DEFAULT["name_joiners"])
LATIN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9&+.\-]*[A-Za-z0-9+]|[A-Za-z]{2,}")
ALIAS_DEF, ALIAS_LATIN_ONLY = alias_regexes(_DEFAULT["alias_markers"], _DEFAULT["alias_copulas"])

__all__ = [
    "ALIAS_DEF",
    "ALIAS_LATIN_ONLY",
    "LATIN_NAME",
    "NAME_JOINERS",
    "PUNCT",
    "Candidate",
    "EntityRecognizer",
    "make_entity_merge",
    "make_entity_recognizer",
    "merge_entities",
]
