"""What a form handler reads: the sentence, its entity groups, and the moves every form shares.

A handler finds the groups of entities before or after a position (a coordinated group A、B 與 C
counts as one), checks the marks around them, and calls :meth:`Sentence.emit`, which asks the
ontology's domain and range which of the rule's properties fits the pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rdflib import URIRef
from spacy.tokens import Doc, Span

from graph.nlp.relations.forms.base import Relation, Rule
from graph.rdf.ontology import Ontology
from graph.vocab import KG


def entity_class(doc: Doc, span: Span) -> URIRef:
    """The ontology class of a linked entity: its record's type, else the span's label."""
    rec = doc._.entities.get(URIRef(span.kb_id_)) if doc._.entities else None
    return rec.type if rec is not None else KG[span.label_]


@dataclass
class Grammar:
    """The part of relations.yaml every form shares (list joiners, clause breaks, gaps, marks)."""

    onto: Ontology
    joiners: set[str]
    closers: tuple[str, ...]
    breaks: set[str]
    max_obj: int
    max_subj: int
    marks: dict[str, Any]  # the `marks` section, as written
    demonstratives: tuple[str, ...]
    anaphor_nouns: dict[str, str]
    titles: list[str]  # person titles, longest first
    speech: set[str]

    def has_break(self, text: str) -> int:
        return sum(text.count(b) for b in self.breaks)

    def groups(self, norm: str, ents: list[Span]) -> list[list[Span]]:
        """The sentence's entities in coordinated groups: A、B 和 C is one group of three."""
        m = self.marks
        stops = set(m["enumeration_stops"])
        groups: list[list[Span]] = []
        for e in ents:
            if groups:
                prev = groups[-1][-1]
                gap = norm[prev.end_char : e.start_char].strip()
                # A name the entity layer missed between two members (A、某甲、B) keeps the list whole.
                unknown_member = (len(gap) <= m["unknown_member_max"] and gap.endswith(m["enumeration"])
                                  and not any(c in gap[: -len(m["enumeration"])] for c in stops))
                if gap in self.joiners or unknown_member or (gap in m["commas"] and self._comma_list(norm, prev, e)):
                    groups[-1].append(e)
                    continue
            groups.append([e])
        return groups

    def _comma_list(self, norm: str, a: Span, b: Span) -> bool:
        # Commas enumerate only inside an explicit list (A，B 等 / 包括 A，B): a closer soon after b, or an opener before a.
        tail = norm[b.end_char : b.end_char + 3]
        before = norm[max(0, a.start_char - 6) : a.start_char]
        return tail.startswith(self.closers) or any(w in before for w in self.marks["list_openers"])


@dataclass
class Sentence:
    """One sentence of a document, with the document-wide context some forms look back into."""

    g: Grammar
    doc: Doc
    text: str  # the document as written (doc.text is rebuilt on every access)
    norm: str  # the same in Simplified script, same length
    everything: list[Span]  # the document's linked entities
    sents: list[Span]
    sent: Span
    ents: list[Span]  # the linked entities of this sentence
    groups: list[list[Span]]
    out: list[Relation]

    # ------------------------------------------------------------- entities
    def cls(self, span: Span) -> URIRef:
        return entity_class(self.doc, span)

    def is_a(self, span: Span, cls: URIRef) -> bool:
        return self.g.onto.is_a(self.cls(span), cls)

    def has_break(self, text: str) -> int:
        return self.g.has_break(text)

    def group_before(self, pos: int, max_gap: int, max_breaks: int) -> tuple[list[Span], int] | None:
        """The last group ending before ``pos``, if near enough, with the clause breaks crossed."""
        for g in reversed(self.groups):
            end = g[-1].end_char
            if end > pos:
                continue
            gap = self.norm[end:pos]
            nb = self.has_break(gap)
            if len(gap) > max_gap or nb > max_breaks:
                return None
            return g, nb
        return None

    def group_after(self, pos: int, max_gap: int) -> list[Span] | None:
        """The first group starting after ``pos``, if near enough and in the same clause."""
        for g in self.groups:
            start = g[0].start_char
            if start < pos:
                continue
            gap = self.norm[pos:start]
            if len(gap) > max_gap or self.has_break(gap):
                return None
            return g
        return None

    def _possessive_gap(self, a: int, b: int) -> bool:
        return set(self.norm[a:b]) <= set(self.g.marks["possessive"])

    def adjacent_before(self, pos: int, max_gap: int = 2) -> Span | None:
        """The entity that ends right before ``pos`` (only possessive marks between)."""
        best = None
        for e in self.ents:
            if e.end_char <= pos and pos - e.end_char <= max_gap and self._possessive_gap(e.end_char, pos):
                best = e
        return best

    def adjacent_after(self, pos: int, max_gap: int = 2) -> Span | None:
        for e in self.ents:
            if e.start_char >= pos and e.start_char - pos <= max_gap and self._possessive_gap(pos, e.start_char):
                return e
        return None

    def marked_by(self, start: int, markers: list[str]) -> int:
        """Length of the marker (one of ``markers``) that ends at ``start`` in this sentence, else 0."""
        for m in markers:
            if m and start - len(m) >= self.sent.start_char and self.norm.startswith(m, start - len(m)):
                return len(m)
        return 0

    def marked_pair(self, pos: int, near_gap: int, far_gap: int, markers: list[str]) -> tuple[list[Span], tuple[list[Span], int]] | None:
        """X marker Y trigger (A 在 Place 成立, A 為 B 打造): Y, and X with the clause breaks crossed.

        Y is the group right before ``pos`` in the same clause, led by one of ``markers``; X is the
        group before the marker.
        """
        found = self.group_before(pos, near_gap, 0)
        if found is None:
            return None
        near = found[0]
        marker = self.marked_by(near[0].start_char, markers)
        if not marker:
            return None
        far = self.group_before(near[0].start_char - marker, far_gap, 2)
        return (near, far) if far is not None else None

    def antecedent(self, pos: int) -> Span | None:
        """該公司/這些技術 at the start of the clause: the latest earlier entity of that kind."""
        k = max(self.norm.rfind(b, self.sent.start_char, pos) for b in self.g.breaks)
        clause_start = max(self.sent.start_char, k + 1)
        head = self.norm[clause_start:pos].lstrip()
        for det in self.g.demonstratives:
            if head.startswith(det):
                rest = head[len(det) :]
                for noun, cls in self.g.anaphor_nouns.items():
                    if rest.startswith(noun):
                        before = [e for e in self.everything if e.end_char <= clause_start and clause_start - e.end_char < 300
                                  and self.is_a(e, KG[cls])]
                        return before[-1] if before else None
        return None

    def topic(self) -> URIRef | None:
        """The company the document is about: the most mentioned one, the first mentioned on a tie.

        Exchanges and regulators are where things happen, not what an article is about.
        """
        if self.doc._.entities is None:
            return None
        onto = self.g.onto
        orgs = [(-len(r.mentions), min(s for s, _ in r.mentions), str(i)) for i, r in self.doc._.entities.items()
                if onto.is_a(r.type, KG.Organization) and not onto.is_a(r.type, KG.StockExchange)
                and not onto.is_a(r.type, KG.GovernmentAgency)]
        return URIRef(min(orgs)[2]) if orgs else None

    # ------------------------------------------------------------- claims
    def emit(self, a: Span, b: Span, rule: Rule, trigger: str, conf: float, role: str | None = None) -> None:
        """Claim ``a prop b`` for the first of the rule's properties whose domain and range fit."""
        if a.kb_id_ == b.kb_id_:
            return
        ca, cb = self.cls(a), self.cls(b)
        for name in rule["properties"]:
            reverse = name.startswith("^")
            prop = KG[name.lstrip("^")]
            h, t, ch, ct = (b, a, cb, ca) if reverse else (a, b, ca, cb)
            if rule.get("inverse"):
                h, t, ch, ct = t, h, ct, ch
            if self.g.onto.allows(prop, ch, ct):
                self.out.append(
                    Relation(URIRef(h.kb_id_), prop, URIRef(t.kb_id_), self.sent.start_char, self.sent.end_char, round(conf, 3),
                             trigger, f"{rule['form']}:{trigger}", role, ((h.start_char, h.end_char), (t.start_char, t.end_char)))
                )
                return

    def emit_iri(self, head: URIRef, tail: Span, rule: Rule, trigger: str, conf: float) -> None:
        """Claim ``head prop tail`` for an entity known by its IRI only (the document's topic)."""
        rec = self.doc._.entities.get(head)
        prop = KG[rule["properties"][0]]
        if rec is None or not self.g.onto.allows(prop, rec.type, self.cls(tail)):
            return
        start = min(s for s, _ in rec.mentions)
        self.out.append(Relation(head, prop, URIRef(tail.kb_id_), self.sent.start_char, self.sent.end_char, conf,
                                 trigger, f"{rule['form']}:{trigger}", None, ((start, start), (tail.start_char, tail.end_char))))


def confidence(rule: Rule, default: float = 0.7) -> float:
    return float(rule.get("confidence", default))
