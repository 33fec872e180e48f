"""Relation extraction: typed claims read from what a sentence states.

Rules (``ontology/patterns/relations.yaml``) pair a trigger word with a sentence shape, its
*form*; candidate pairs are then checked against the ontology's domain and range, which also
picks the property when one trigger can mean several (發布 a report → ``issued``, 發布 a
product → ``launched``).  Two entities in the same sentence with no trigger between them are
never related: co-occurrence is not a relation.

This module finds the triggers and runs the forms; each form is a handler in
:mod:`graph.nlp.relations.forms`, looked up by the name the rule gives.
"""

from __future__ import annotations

import re
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span

from graph.nlp import extensions  # noqa: F401  (registers doc._ / span._ attributes)
from graph.nlp.markers import load_markers
from graph.nlp.patterns import PATTERN_DIR, load_patterns
from graph.nlp.relations.forms import Form, Hit, Relation, Rule, form_of
from graph.nlp.relations.forms.context import Grammar, Sentence, entity_class
from graph.rdf.ontology import load_ontology
from graph.vocab import KG


def load_rules(patterns: str, directory: Path = PATTERN_DIR) -> list[Rule]:
    """The rules of ``patterns``, each with the defaults of its form (the ``forms`` section) filled in.

    Raises :class:`~graph.nlp.relations.forms.UnknownFormError` naming the rule when a form is unknown.
    """
    defaults = load_markers(patterns, "forms", directory)
    rules = []
    for i, rule in enumerate(load_patterns(patterns, directory)["rules"]):
        form_of(rule, i, patterns)
        rules.append({**defaults.get(rule["form"], {}), **rule})
    return rules


class RelationExtractor:
    def __init__(self, nlp: Language, name: str, patterns: str, entity_patterns: str) -> None:
        p = load_patterns(patterns)
        ep = load_patterns(entity_patterns)
        self.grammar = Grammar(
            onto=load_ontology(),
            joiners=set(p["joiners"]),
            closers=tuple(p["group_closers"]),
            breaks=set(p["clause_breaks"]),
            max_obj=int(p["max_object_gap"]),
            max_subj=int(p["max_subject_gap"]),
            marks=load_markers(patterns, "marks"),
            demonstratives=tuple(sorted(p["demonstratives"], key=len, reverse=True)),
            anaphor_nouns=dict(sorted(p["anaphor_nouns"].items(), key=lambda kv: -len(kv[0]))),
            # Person titles and speech verbs are the entity layer's words.
            titles=sorted(ep["person_titles"], key=len, reverse=True),
            speech=set(ep["speech_verbs"]),
        )
        self.nominal_heads = tuple(p["nominal_heads"])
        self.quotes = [(o, c) for o, c in p.get("quotes", [])]
        self.resign_words = tuple(p.get("resignation_triggers", []))
        self.rules = load_rules(patterns)
        self.forms: dict[int, Form] = {id(r): form_of(r, i, patterns) for i, r in enumerate(self.rules)}
        self.sentence_rules = [r for r in self.rules if not self.forms[id(r)].triggered]
        self._index_triggers()

    def _index_triggers(self) -> None:
        """One overlapping scan per sentence finds every trigger.

        At each position the scan gives the longest match, and the triggers that are its prefixes
        are exactly the others that match there.
        """
        triggers: list[tuple[str, Rule]] = [(t, rule) for rule in self.rules for t in rule.get("triggers", [])]
        triggers.sort(key=lambda tr: -len(tr[0]))
        self._trigger_order = {(t, id(r)): i for i, (t, r) in enumerate(triggers)}
        self._rules_for: dict[str, list[Rule]] = {}
        for t, r in triggers:
            self._rules_for.setdefault(t, []).append(r)
        words = sorted(self._rules_for, key=len, reverse=True)
        self._prefixes = {t: [u for u in words if t.startswith(u)] for t in words}
        self._trigger_re = re.compile("(?=(" + "|".join(re.escape(t) for t in words) + "))") if words else None

    def _hits(self, s: Sentence) -> list[tuple[Hit, Rule]]:
        """The trigger occurrences of a sentence to read, in rule order (longest triggers first)."""
        norm, sent = s.norm, s.sent
        covered = bytearray(len(s.text) + 1)
        for e in s.ents:
            covered[e.start_char : e.end_char] = b"\x01" * (e.end_char - e.start_char)
        found: list[tuple[int, int, str, Rule]] = []
        for m in self._trigger_re.finditer(norm[sent.start_char : sent.end_char]) if self._trigger_re is not None else ():
            for t in self._prefixes[m.group(1)]:
                for r in self._rules_for[t]:
                    found.append((self._trigger_order[(t, id(r))], sent.start_char + m.start(), t, r))
        found.sort(key=lambda x: (x[0], x[1]))
        seen_pos: set[tuple[int, str]] = set()
        hits = []
        for _, pos, trigger, rule in found:
            if any(covered[pos : pos + len(trigger)]):
                continue
            if norm.startswith(self.nominal_heads, pos + len(trigger)):
                continue  # 開發平台, 發布會: the trigger is part of a noun here
            if any(norm.endswith(o, 0, pos) and norm.startswith(c, pos + len(trigger)) for o, c in self.quotes):
                continue  # “減持”: the word itself (a rating), not the act
            key = (pos, rule["form"] + ",".join(rule["properties"]))
            if any(k[1] == key[1] and k[0] <= pos < k[0] + 4 for k in seen_pos):
                continue
            seen_pos.add(key)
            # evidence keeps the trigger as written (Traditional text, Traditional trigger)
            hits.append((Hit(pos, s.text[pos : pos + len(trigger)]), rule))
        return hits

    def __call__(self, doc: Doc) -> Doc:
        out: list[Relation] = []
        text = doc.text  # doc.text is rebuilt from tokens on every access
        norm = doc._.norm_text or text  # (empty text: no norm_text)
        # doc.ents and doc.sents build new Span objects on every access: take them once.
        everything = [e for e in doc.ents if e.kb_id_]
        sents = list(doc.sents)
        for sent in sents:
            ents = [e for e in everything if e.start >= sent.start and e.end <= sent.end]
            if not ents:
                continue
            s = Sentence(self.grammar, doc, text, norm, everything, sents, sent, ents, self.grammar.groups(norm, ents), out)
            for hit, rule in self._hits(s):
                self.forms[id(rule)].handler(s, rule, hit)
            for rule in self.sentence_rules:
                self.forms[id(rule)].handler(s, rule)
        for branch, parent, span in doc._.branches or ():
            sent = span.sent
            out.append(Relation(branch, KG.branchOf, parent, sent.start_char, sent.end_char, 0.9, span.text[-2:],
                                "pattern:branch", spans=((span.start_char, span.end_char), (span.start_char, span.start_char))))
        # One claim per (head, property, tail, sentence): keep the most confident reading.
        best: dict[tuple, Relation] = {}
        for r in out:
            k = (*r.key, r.sent_start)
            if k not in best or r.confidence > best[k].confidence:
                best[k] = r
        kept = [r for r in best.values() if not self._resigned(doc, norm, everything, r)]
        doc._.relations = sorted(kept, key=lambda r: (r.sent_start, str(r.head), str(r.prop), str(r.tail)))
        return doc

    def _resigned(self, doc: Doc, norm: str, everything: list[Span], rel: Relation) -> bool:
        """甲辭去董事長職務 / 董事長甲卸任: the position ends, so it is not a current holdsPosition."""
        if rel.prop != KG.holdsPosition or not self.resign_words:
            return False
        start = rel.spans[0][0]
        if not rel.sent_start <= start < rel.sent_end:
            start = rel.sent_start
        people = [e for e in everything if rel.sent_start <= e.start_char < rel.sent_end and str(e.kb_id_) != str(rel.head)
                  and entity_class(doc, e) == KG.Person]
        for w in self.resign_words:
            k = norm.find(w, start, rel.sent_end)
            if k >= 0 and not any(start < e.start_char < k for e in people):
                return True
        return False


@Language.factory(
    "cnfinkg_relations",
    default_config={"patterns": "relations.yaml", "entity_patterns": "entities.yaml"},
    assigns=["doc._.relations"],
    requires=["doc.ents", "doc._.entities"],
)
def make_relation_extractor(nlp: Language, name: str, patterns: str, entity_patterns: str) -> RelationExtractor:
    return RelationExtractor(nlp, name, patterns, entity_patterns)


__all__ = ["Relation", "RelationExtractor", "load_rules"]
