"""The trained relation layer: classify pairs of entities the rules left unrelated.

The trigger rules (:mod:`graph.nlp.relations.rules`) are precise but cover the phrasing they were
written from.  This component runs after them: for every pair of entities in a sentence
that no rule related (and, above a stricter gate, for pairs a rule related with another property),
the classifier of :mod:`graph.nlp.relations.classifier` (trained on FinRE and
DuIE) gives a label; the label map (``ontology/patterns/relation_labels.yaml``) turns
it into an ontology property with its direction, and the ontology's domain and range
must accept the pair.  Only predictions above a gate calibrated on dev data become
relations; each keeps its probability as confidence and ``model:relclf`` as extractor.
"""

from __future__ import annotations

import unicodedata
from itertools import combinations

from rdflib import URIRef
from spacy.language import Language
from spacy.tokens import Doc

from graph.nlp.patterns import load_patterns
from graph.nlp.relations import classifier as relclf
from graph.nlp.relations.rules import Relation
from graph.rdf.ontology import load_ontology
from graph.vocab import KG


class RelationModel:
    def __init__(self, patterns: str) -> None:
        p = load_patterns(patterns)
        self.gate = float(p.get("model_min_confidence", 0.7))
        self.gate_ruled = float(p.get("model_min_confidence_ruled_pairs", 1.01))
        self.max_entities = int(p.get("model_max_entities_per_sentence", 8))
        self.list_marks = set(p.get("model_list_marks", []))
        self.onto = load_ontology()
        self.clf = relclf.load_classifier() if relclf.available() else None
        self.mapping = relclf.label_map()
        self.allowed = self.clf.finre_labels if self.clf is not None else None

    def __call__(self, doc: Doc) -> Doc:
        if self.clf is None or not doc.ents:
            return doc
        records = doc._.entities or {}
        rels: list[Relation] = list(doc._.relations or [])
        related = {frozenset((r.head, r.tail)) for r in rels}
        ruled = set(related)
        items, pairs = [], []
        text = doc.text
        for sent in doc.sents:
            ents = [e for e in sent.ents if e.kb_id_ and URIRef(e.kb_id_) in records][: self.max_entities]
            for a, b in combinations(ents, 2):
                ha, hb = URIRef(a.kb_id_), URIRef(b.kb_id_)
                if ha == hb or (frozenset((ha, hb)) in related and self.gate_ruled > 1):
                    continue
                between = unicodedata.normalize("NFKC", text[a.end_char : b.start_char]).strip()
                if between and all(ch in self.list_marks for ch in between):
                    continue  # 甲銀行、乙銀行: members of one list, co-occurrence is not a relation
                items.append((text, (a.start_char, a.end_char), (b.start_char, b.end_char)))
                pairs.append((sent, a, b, ha, hb))
        if not items:
            return doc
        asserted = {(r.head, r.prop, r.tail) for r in rels}
        for (sent, a, b, ha, hb), preds in zip(pairs, self.clf.predict_batch(items, k=1, allowed=self.allowed), strict=True):
            label, prob = preds[0]
            if prob < (self.gate_ruled if frozenset((ha, hb)) in ruled else self.gate):
                continue
            claim = relclf.assertion(label, ha, hb, self.mapping)
            if claim is None or claim[0] != "property":
                continue
            _, subj, prop_name, obj = claim
            prop = KG[prop_name.split(":", 1)[1]]
            if not self.onto.allows(prop, records[subj].type, records[obj].type) or self._said(asserted, subj, prop, obj):
                continue
            spans = ((a.start_char, a.end_char), (b.start_char, b.end_char))
            rels.append(Relation(subj, prop, obj, sent.start_char, sent.end_char, round(float(prob), 3), "",
                                 "model:relclf", spans=spans if subj == ha else spans[::-1]))
            related.add(frozenset((ha, hb)))
            asserted.add((subj, prop, obj))
        doc._.relations = sorted(rels, key=lambda r: (r.sent_start, str(r.head), str(r.prop), str(r.tail)))
        return doc


    def _said(self, asserted: set, subj: URIRef, prop: URIRef, obj: URIRef) -> bool:
        """Is this relation already asserted, in either direction if the property is symmetric?"""
        info = self.onto.properties.get(prop)
        return (subj, prop, obj) in asserted or (info is not None and info.symmetric and (obj, prop, subj) in asserted)


@Language.factory(
    "cnfinkg_relation_model",
    default_config={"patterns": "relations.yaml"},
    assigns=["doc._.relations"],
    requires=["doc._.entities", "doc._.relations"],
)
def make_relation_model(nlp: Language, name: str, patterns: str) -> RelationModel:
    return RelationModel(patterns)
