"""The ``cnfinkg_entities`` component: run the candidate layers, then the merge."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from graph.nlp import extensions  # noqa: F401  (registers doc._ / span._ attributes)
from graph.nlp.entities.candidates import read_group
from graph.nlp.entities.kb_names import KnowledgeBaseNames
from graph.nlp.entities.merge import EntityMerge, MergeRules, merge_entities
from graph.nlp.entities.model_names import ModelNames
from graph.nlp.entities.pattern_names import PatternNames
from graph.nlp.entities.rules import EntityRules
from graph.nlp.entities.text import DocText
from graph.nlp.kb import KnowledgeBase, load_kb


class _Gate:
    """One of the model gates, read and set on the component but held by its rules."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, obj: EntityRecognizer, owner: type | None = None) -> float:
        return getattr(obj.rules.gates, self.name)

    def __set__(self, obj: EntityRecognizer, value: float) -> None:
        setattr(obj.rules.gates, self.name, value)


class EntityRecognizer:
    """Each layer writes its candidates to ``doc.spans[layer.key]``; the merge chooses ``doc.ents``.

    The model gates live on the component (``model_min`` …) because benchmarks/calibrate.py
    tunes them on a running pipeline; the layers and the merge read them from one place.
    """

    def __init__(self, nlp: Language, name: str, patterns: str, use_kb: bool, merge: EntityMerge = merge_entities) -> None:
        self.name = name
        self.rules = EntityRules(patterns)
        self.kb: KnowledgeBase | None = load_kb() if use_kb else None
        self.layers: list[KnowledgeBaseNames | PatternNames | ModelNames] = []
        if self.kb is not None:
            self.layers.append(KnowledgeBaseNames(self.rules, self.kb))
        self.layers += [PatternNames(self.rules, self.kb), ModelNames(self.rules)]
        self.merge = merge
        self.merge_rules = MergeRules.of(self.rules, self.kb)

    # The trained model's gates (entities.yaml model_*_confidence), as benchmarks/calibrate.py sets them.
    model_min = _Gate("min")
    model_common_ok = _Gate("common_ok")
    model_override = _Gate("override")
    model_propagate = _Gate("propagate")
    model_market = _Gate("market")

    def __call__(self, doc: Doc) -> Doc:
        view = DocText.of(doc)
        if not view.text.strip():
            doc.ents = []
            return doc
        for layer in self.layers:
            layer(doc, view)
        cands = [c for layer in self.layers for c in read_group(doc, layer.key, self.kb)]
        ents, aliases = self.merge(view, cands, self.merge_rules)
        doc._.aliases = aliases
        doc.ents = ents
        return doc


@Language.factory(
    "cnfinkg_entities",
    default_config={"patterns": "entities.yaml", "use_kb": True, "merge": {"@misc": "cnfinkg.entity_merge.v1"}},
    assigns=["doc.ents", "doc.spans", "span._.source", "span._.confidence", "doc._.aliases"],
)
def make_entity_recognizer(nlp: Language, name: str, patterns: str, use_kb: bool, merge: EntityMerge) -> EntityRecognizer:
    return EntityRecognizer(nlp, name, patterns, use_kb, merge)
