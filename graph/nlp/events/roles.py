"""Who fills which role of an event frame: the entities near the trigger, by position, class and marks.

The frame's ``roles`` (``ontology/patterns/events.yaml``) say which classes may fill each role,
on which side of the trigger and next to which words; a passive marker (被) swaps agent and
patient, and 該公司 before the trigger stands for the latest fitting entity of the sentences before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rdflib import URIRef
from spacy.tokens import Doc, Span

from graph.rdf.ontology import Ontology
from graph.vocab import KG


@dataclass
class FrameEntity:
    """An entity as a frame sees it: a name that swallowed the trigger (增持华宇科技…, 张明辞去) is cut at it."""

    start_char: int
    end_char: int
    kb_id_: str
    label_: str

    @classmethod
    def of(cls, e: Span, pos: int, end: int) -> FrameEntity:
        s, t = e.start_char, e.end_char
        if pos <= s < end < t:
            s = end
        elif s < pos < t <= end:
            t = pos
        return cls(s, t, e.kb_id_, e.label_)


@dataclass
class Site:
    """Where a frame opens: the sentence, the trigger's span, its entities and those of the sentences before."""

    doc: Doc
    sent: Span
    norm: str
    pos: int
    end: int
    ents: list[FrameEntity]
    prior: list[Span]


class RoleFiller:
    """Fills the roles of a frame at one trigger (:meth:`fill`)."""

    def __init__(self, onto: Ontology, p: dict[str, Any], marks: dict[str, Any]) -> None:
        self.onto = onto
        self.gap = int(p.get("gap", 40))
        self.adjacent = int(p.get("adjacent_gap", 3))
        self.anaphors = tuple(sorted(p.get("anaphors", []), key=len, reverse=True))
        self.anaphora_window = int(p.get("anaphora_window", 200))
        self.joiners = tuple(marks["joiners"])
        self.clause_marks = tuple(marks["clause_marks"])

    def _cls(self, doc: Doc, e: Span | FrameEntity) -> URIRef:
        rec = doc._.entities.get(URIRef(e.kb_id_)) if doc._.entities else None
        return rec.type if rec is not None else KG[e.label_]

    def _fits(self, doc: Doc, e: Span | FrameEntity, spec: dict[str, Any]) -> bool:
        c = self._cls(doc, e)
        if spec.get("types") and not any(self.onto.is_a(c, KG[t]) for t in spec["types"]):
            return False
        return not any(self.onto.is_a(c, KG[t]) for t in spec.get("not_types", []))

    def _near_words(self, norm: str, e: FrameEntity, spec: dict[str, Any]) -> bool:
        """after_words / before_words, either (or): the entity stands right after / before one of them."""
        aw, bw = spec.get("after_words"), spec.get("before_words")
        if not aw and not bw:
            return True
        lo = max(0, e.start_char - self.adjacent - 4)
        before = norm[lo : e.start_char]
        after = norm[e.end_char : e.end_char + self.adjacent + 6]
        if aw and any(before.endswith(w) or (w in before[-(len(w) + self.adjacent) :] and self._plain(before[before.rfind(w) + len(w) :]))
                      for w in aw):
            return True
        return bool(bw) and any(
            after.startswith(w) or (w in after[: len(w) + self.adjacent] and self._plain(after[: after.find(w)])) for w in bw
        )

    def _plain(self, gap: str) -> bool:
        return not any(c in gap for c in self.clause_marks)

    def _excluded(self, norm: str, e: FrameEntity, spec: dict[str, Any]) -> bool:
        after = norm[e.end_char : e.end_char + self.adjacent + 4]
        before = norm[max(0, e.start_char - 4) : e.start_char]
        return any(after.startswith(w) for w in spec.get("not_before_words", [])) or any(
            before.endswith(w) for w in spec.get("not_after_words", []))

    @staticmethod
    def _distance(e: FrameEntity, pos: int, end: int) -> int:
        return pos - e.end_char if e.end_char <= pos else e.start_char - end if e.start_char >= end else 0

    def _group(self, norm: str, ents: list[FrameEntity], e: FrameEntity) -> list[FrameEntity]:
        """The coordinated group (A、B 和 C) an entity belongs to."""
        i = ents.index(e)
        lo = hi = i
        while lo > 0 and norm[ents[lo - 1].end_char : ents[lo].start_char].strip() in self.joiners:
            lo -= 1
        while hi + 1 < len(ents) and norm[ents[hi].end_char : ents[hi + 1].start_char].strip() in self.joiners:
            hi += 1
        return ents[lo : hi + 1]

    def fill(self, site: Site, fr: dict[str, Any]) -> tuple[dict[str, list[FrameEntity]], int] | None:
        """The role fillers, and how many roles are missing (an anaphoric filler counts as two); None without a required role."""
        roles: dict[str, list[FrameEntity]] = {}
        used: set[str] = set()
        spec_roles: dict[str, dict[str, Any]] = fr.get("roles", {})
        near = [e for e in site.ents if self._distance(e, site.pos, site.end) <= self.gap]
        pas = fr.get("passive")
        if pas:
            agent = self._passive(site.norm, near, site.pos, pas["markers"], spec_roles[pas["agent"]], spec_roles[pas["patient"]], site.doc)
            if agent is not None:
                a, patient = agent
                roles[pas["agent"]] = [a]
                used.add(a.kb_id_)
                if patient is not None:
                    roles[pas["patient"]] = [patient]
                    used.add(patient.kb_id_)
        anaphoric = False
        for role, spec in spec_roles.items():
            if role in roles:
                continue
            cands, by_anaphora = self._candidates(site, near, spec, used)
            if by_anaphora is not None:
                anaphoric = by_anaphora
            if not cands:
                continue
            chosen = self._chosen(site, cands, spec, used)
            roles[role] = chosen
            used.update(e.kb_id_ for e in chosen)
        if any(spec.get("required") and r not in roles for r, spec in spec_roles.items()):
            return None
        missing = sum(1 for r in spec_roles if r not in roles) + int(anaphoric) * 2
        for role, others in (fr.get("role_includes") or {}).items():
            # The lead investors are investors too: one list, in text order, each entity once.
            if role in spec_roles and any(o in roles for o in others):
                merged = roles.get(role, []) + [e for o in others for e in roles.get(o, [])]
                roles[role] = sorted({e.kb_id_: e for e in merged}.values(), key=lambda e: e.start_char)
        return roles, missing

    def _candidates(self, site: Site, near: list[FrameEntity], spec: dict[str, Any], used: set[str]) -> tuple[list[FrameEntity], bool | None]:
        """The entities that may fill a role, best first, and whether an anaphor was looked for (None: not looked for)."""
        doc, norm, pos, end = site.doc, site.norm, site.pos, site.end
        cands = [e for e in near if e.kb_id_ not in used and self._fits(doc, e, spec) and self._near_words(norm, e, spec)
                 and not self._excluded(norm, e, spec)]
        if spec.get("same_clause"):
            cands = [e for e in cands if self._plain(norm[e.end_char : pos] if e.end_char <= pos else norm[end : e.start_char])]
        side = spec.get("side", "any")
        if side == "before":
            cands = [e for e in cands if e.end_char <= pos]
        elif side == "after":
            cands = [e for e in cands if e.start_char >= end]
        cands.sort(key=lambda e: (self._distance(e, pos, end), e.start_char))
        if not cands and spec.get("fallback") == "first":
            cands = [e for e in site.ents if e.kb_id_ not in used and self._fits(doc, e, spec)][:1]
        if not cands and spec.get("anaphora") and self._anaphor(norm, site.sent, site.ents, pos):
            # 公司/該公司 擬回購…: the latest fitting entity of the sentences just before
            ante = [e for e in site.prior if e.kb_id_ not in used and site.sent.start_char - e.end_char <= self.anaphora_window
                    and self._fits(doc, e, spec)]
            cands = [FrameEntity(ante[-1].start_char, ante[-1].end_char, ante[-1].kb_id_, ante[-1].label_)] if ante else []
            return cands, bool(cands)
        return cands, None

    def _chosen(self, site: Site, cands: list[FrameEntity], spec: dict[str, Any], used: set[str]) -> list[FrameEntity]:
        if not spec.get("multi"):
            return [cands[0]]
        chosen: list[FrameEntity] = []
        for e in cands:
            for g in self._group(site.norm, site.ents, e):
                if g.kb_id_ not in used and self._fits(site.doc, g, spec) and g not in chosen:
                    chosen.append(g)
        chosen.sort(key=lambda e: e.start_char)
        return chosen

    def _passive(self, norm, near, pos, markers, agent_spec, patient_spec, doc):
        before = [e for e in near if e.end_char <= pos and self._fits(doc, e, agent_spec)]
        if not before:
            return None
        agent = before[-1]
        lo = max(0, agent.start_char - 2)
        if not any(m in norm[lo : agent.start_char] for m in markers):
            return None
        k = max(norm.rfind(m, lo, agent.start_char) for m in markers)
        patients = [e for e in near if e.end_char <= k and self._fits(doc, e, patient_spec) and e.kb_id_ != agent.kb_id_]
        return agent, (patients[-1] if patients else None)

    def _anaphor(self, norm: str, sent: Span, ents: list[FrameEntity], pos: int) -> bool:
        for w in self.anaphors:
            k = norm.find(w, sent.start_char, pos)
            while k >= 0:
                if not any(e.start_char <= k < e.end_char for e in ents):
                    return True
                k = norm.find(w, k + 1, pos)
        return False
