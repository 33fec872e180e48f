"""The merge: from the layers' candidates to ``doc.ents``.

Like the ``ents_filter`` of spaCy's ``SpanRuler``, the merge is a registered function
(``cnfinkg.entity_merge.v1`` in ``registry.misc``) that the ``cnfinkg_entities`` component
takes from its config, so another policy can be swapped in without touching the layers.  The
default one, strongest evidence first:

1. a person that only a pattern sees needs the model's agreement (:func:`unsupported_person`);
   a confident model name removes rule candidates that read its characters differently
   (:func:`overridden`); a knowledge-base name removes pattern candidates it shows to be wrong
   (:func:`shadowed_by_kb`);
2. overlapping candidates are resolved by kind, length and rank (:func:`select`);
3. what the chosen names imply elsewhere in the document is added and the choice is made again
   (:mod:`.propagate`): aliases the text defines, short names of known entities, every further
   mention of a person or of a name a pattern found.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from rdflib import URIRef
from spacy.tokens import Span
from spacy.util import registry

from graph.nlp.entities.candidates import Candidate
from graph.nlp.entities.person_names import fused_names
from graph.nlp.entities.propagate import defined_aliases, document_mentions
from graph.nlp.entities.rules import EntityRules, ModelGates
from graph.nlp.entities.text import DocText
from graph.nlp.kb import KnowledgeBase
from graph.nlp.ner.tagger import SPAN_KEY
from graph.script import normalize


@dataclass
class MergeRules:
    """What the merge needs to know besides the candidates."""

    rules: EntityRules
    short_names: dict[URIRef, list[str]] = field(default_factory=dict)  # entity -> its short names (KB)

    @property
    def gates(self) -> ModelGates:
        return self.rules.gates

    @classmethod
    def of(cls, rules: EntityRules, kb: KnowledgeBase | None) -> MergeRules:
        short: dict[URIRef, list[str]] = {}
        if kb is not None:
            for key, entries in kb.index.items():
                for entry, kind in entries:
                    if kind == "short":
                        short.setdefault(entry.iri, []).append(key)
        return cls(rules, short)


#: (document, candidates of every layer in layer order, rules) -> (doc.ents, doc._.aliases)
EntityMerge = Callable[[DocText, list[Candidate], MergeRules], tuple[list[Span], dict[str, str]]]


def overridden(c: Candidate, m: Candidate, verb_like: frozenset[str] = frozenset()) -> bool:
    """Does the confident model name *m* beat the rule candidate *c* over the same characters?

    Rule people (title or speech patterns) lose to any model name they overlap (张三已 for 张三);
    rule organisations lose when they lie inside or across the model's name (乙丙银行 for 甲乙丙银行)
    or only move its start (股向甲乙集团), but win when they extend its end (…证券(香港)), unless
    all they add is an ending that is also a verb (*verb_like*: 甲乙集团|投资开发, 招行|投资永隆): the
    model's name is then the subject of that verb.  On CLUENER2020 dev such extensions were wrong
    5 times in 5.  Knowledge-base names, titles in 《》, events and products are other kinds of
    evidence and are never overridden.
    """
    if c.kb is not None or not c.source.startswith("pattern:") or not (c.start < m.end and m.start < c.end):
        return False
    if (c.start, c.end) == (m.start, m.end):
        return False
    if c.label == "Person":
        return True
    inside_or_across = not (c.start <= m.start and m.end <= c.end)
    earlier_start_same_end = c.end == m.end and c.start < m.start  # 股向|甲乙集团: the model knows the start
    ending = c.source.rsplit(":", 1)[-1]
    verb_ending = ending in verb_like and c.start == m.start and c.end == m.end + len(ending)
    return c.source.startswith("pattern:org") and (inside_or_across or earlier_start_same_end or verb_ending)


def unsupported_person(c: Candidate, model_people: list[tuple[int, int]] | None) -> bool:
    """Is *c* a person that a pattern alone proposes, with no model name of a person over it?

    The person patterns (a name beside a title, before a verb of saying) take the characters next
    to their trigger, and on text they were not written from those are as often a verb or a noun
    (向记者透露, 黄牛介绍): on CLUENER2020 dev, rule people the model did not also see were wrong
    23 times for 4 right.  With the model on, a pattern person therefore only places the boundary
    of a person the model found; without the model (``model_people`` None) the patterns stand alone.
    """
    if model_people is None or c.label != "Person" or c.kb is not None or not c.source.startswith("pattern:"):
        return False
    return not any(s < c.end and c.start < e for s, e in model_people)


def model_people(view: DocText) -> list[tuple[int, int]] | None:
    """Character spans of the model's people, or None when the model did not run on this document."""
    if SPAN_KEY not in view.doc.spans:
        return None
    return [(s.start_char, s.end_char) for s in view.doc.spans[SPAN_KEY] if s.label_ == "PER"]


def shadowed_by_kb(c: Candidate, kb_spans: list[tuple[int, int, str]]) -> bool:
    """Is the pattern candidate *c* contradicted by a knowledge-base name?

    A known name that ends where the pattern's name ends but starts later is the real name (the
    walk left took too much); a known person inside a pattern organisation means the pattern
    misread a title or a verb.  Titles in 《》 stand whatever they contain.
    """
    if not c.source.startswith("pattern:") or c.source == "pattern:title":
        return False
    return any(c.start < ks and ke == c.end or (c.start <= ks and ke <= c.end and kl == "Person" and c.label != "Person") for ks, ke, kl in kb_spans)


def select(cands: list[Candidate], taken: list[Candidate] | None = None) -> list[Candidate]:
    """Non-overlapping candidates: strong titles first, then longer, then higher-ranked ones (ties keep input order)."""
    chosen: list[Candidate] = list(taken or [])
    occupied = bytearray(max([c.end for c in cands + chosen], default=0) + 1)
    for c in chosen:
        occupied[c.start : c.end] = b"\x01" * c.length
    for c in sorted(cands, key=lambda c: (c.priority >= 100 and c.source == "pattern:title", c.priority >= 20, c.length, c.priority), reverse=True):
        if any(occupied[c.start : c.end]):
            continue
        chosen.append(c)
        occupied[c.start : c.end] = b"\x01" * c.length
    return sorted(chosen, key=lambda c: c.start)


def split_fused_people(view: DocText, chosen: list[Candidate], rules: EntityRules) -> list[Candidate]:
    """A person whose name is two names run together (记者李蕾张羽飞) becomes the two people
    (:func:`~graph.nlp.entities.person_names.fused_names`), whichever layer read it as one."""
    out = []
    for c in chosen:
        cut = fused_names(rules, normalize(view.text[c.start : c.end])) if c.label == "Person" and c.kb is None else None
        if cut is None:
            out.append(c)
        else:
            out += [replace(c, end=c.start + cut), replace(c, start=c.start + cut)]
    return out


def to_spans(view: DocText, chosen: list[Candidate], never: set[str]) -> list[Span]:
    """Entity spans over whole tokens; a candidate whose tokens reach far beyond it is dropped."""
    spans = []
    for c in chosen:
        kb_id = str(c.kb.iri) if c.kb is not None else ""
        span = view.doc.char_span(c.start, c.end, label=c.label, kb_id=kb_id, alignment_mode="expand")
        if span is None or normalize(span.text) in never:
            continue
        if span.end_char - span.start_char > c.length + 2:
            continue  # expansion swallowed too much
        span._.source = c.source
        span._.confidence = c.confidence
        spans.append(span)
    return non_overlapping(spans)


def non_overlapping(spans: list[Span]) -> list[Span]:
    """Leftmost first, the longer of two that start together."""
    out: list[Span] = []
    last = -1
    for s in sorted(spans, key=lambda s: (s.start, -len(s))):
        if s.start >= last:
            out.append(s)
            last = s.end
    return out


def merge_entities(view: DocText, cands: list[Candidate], rules: MergeRules) -> tuple[list[Span], dict[str, str]]:
    """The default merge (see the module docstring): ``doc.ents`` and the aliases the text defines."""
    people = model_people(view)
    cands = [c for c in cands if not unsupported_person(c, people)]
    strong = [m for m in cands if m.source == "model:ner" and m.confidence >= rules.gates.override]
    if strong:
        verbs = frozenset(rules.rules.verb_like)
        cands = [c for c in cands if not any(overridden(c, m, verbs) for m in strong)]
    kb_spans = [(c.start, c.end, c.label) for c in cands if c.kb is not None]
    cands = [c for c in cands if not shadowed_by_kb(c, kb_spans)]
    chosen = split_fused_people(view, select(cands), rules.rules)
    aliases = defined_aliases(view, chosen, rules.rules)
    extra = document_mentions(view, chosen, aliases, rules.rules, rules.short_names)
    if extra:
        keep = [c for c in chosen if c.priority >= 100 or c.source.startswith("alias")]
        rest = [c for c in chosen if c not in keep]
        chosen = select(rest + extra, keep if keep else None)
    brackets = rules.rules.title_open + rules.rules.title_close
    named = {k: normalize(view.text[v.start : v.end].strip(brackets)) for k, v in aliases.items()}
    return to_spans(view, chosen, rules.rules.never), named


@registry.misc("cnfinkg.entity_merge.v1")
def make_entity_merge() -> EntityMerge:
    """The default merge, for the ``merge`` setting of ``cnfinkg_entities``."""
    return merge_entities
