"""Financial event frames: acquisitions, share pledges, buybacks, executive changes, penalties…

A trigger word (``ontology/patterns/events.yaml``) opens a frame of an event type in its
sentence; the frame's roles are filled from the sentence's linked entities by position and
ontology class (subject before 收購 = acquirer, object after = target; 被 reverses them), and its
figures from ``doc._.facts`` (amounts in a currency, percentages) and the sentence's date
(``doc._.dates``: graph.nlp.facts already resolved it against the publication date).

Results sit on ``doc._.events`` (a list of :class:`Event`).  The binary relations between the
participants that the ontology has a property for (acquirer ``acquires`` target, investor
``investsIn`` investee, an appointed executive ``holdsPosition`` the company) are added to
``doc._.relations`` with extractor ``event:<type>``, so they get evidence like every relation.
A resignation (卸任, 辭去, 離職…) is an executive change of the resigned kind: it asserts no
``holdsPosition``, and removes any that another layer read in the same sentence for that person.
Who fills which role is :mod:`graph.nlp.events.roles`; this module opens the frames, reads their
figures and turns them into relations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import yaml
from rdflib import URIRef
from spacy.language import Language
from spacy.tokens import Doc, Span

from graph.nlp import extensions  # noqa: F401  (registers doc._ / span._ attributes)
from graph.nlp.events.roles import FrameEntity, RoleFiller, Site
from graph.nlp.facts import Fact, FactExtractor, _clean
from graph.nlp.markers import load_markers
from graph.nlp.patterns import PATTERN_DIR, load_patterns
from graph.nlp.relations.rules import Relation
from graph.rdf.ontology import Ontology, load_ontology
from graph.script import to_simplified
from graph.vocab import KG, KGID, digest

EXTRACTOR = "events"


@dataclass
class Event:
    type: str  # frame name in events.yaml: acquisition, share_pledge, …
    cls: URIRef  # ontology class: kg:AcquisitionEvent, …
    trigger: str  # as written
    trigger_start: int
    trigger_end: int
    sent_start: int
    sent_end: int
    roles: dict[str, list[URIRef]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)  # asset, object, round, code, price, licence, position
    attributes: dict[str, str] = field(default_factory=dict)  # kind: appointed / resigned / pledge / …
    amount: Fact | None = None
    shares: Decimal | None = None
    share_of_total: Decimal | None = None
    date: str | None = None  # ISO date, year-month or year
    confidence: float = 0.7
    spans: dict[URIRef, tuple[int, int]] = field(default_factory=dict)  # where each participant stands

    @property
    def extractor(self) -> str:
        return f"event:{self.type}"

    def iri(self, doc_key: str) -> URIRef:
        """Stable: the document, the sentence, the event type and where its trigger stands."""
        return KGID[f"event-{digest(doc_key, self.sent_start, self.sent_end, self.type, self.trigger_start)}"]

    def role(self, name: str) -> URIRef | None:
        v = self.roles.get(name)
        return v[0] if v else None


class EventExtractor:
    def __init__(self, nlp: Language, name: str, patterns: str, entity_patterns: str, fact_patterns: str) -> None:
        self.onto: Ontology = load_ontology()
        p = load_patterns(patterns)
        self.frames: dict[str, dict[str, Any]] = p["events"]
        self.position_blockers = list(p.get("position_blockers", []))
        self.status_words = dict(sorted((p.get("status_words") or {}).items(), key=lambda kv: -len(kv[0])))
        self.status_window = int(p.get("status_window", 12))
        marks = load_markers(patterns, "marks")  # punctuation as written (load_patterns folds width)
        self.clause_marks = tuple(marks["clause_marks"])
        self.roles = RoleFiller(self.onto, p, marks)
        # Regular expressions are kept as written (load_patterns folds case and width), in Simplified script.
        raw = yaml.safe_load((PATTERN_DIR / patterns).read_text(encoding="utf-8"))
        self.shares_re = re.compile(to_simplified(raw["shares_pattern"]))
        self.titles = sorted(load_patterns(entity_patterns)["person_titles"], key=len, reverse=True)
        self.facts = FactExtractor(nlp, "cnfinkg_facts", fact_patterns)  # dates, numbers, magnitudes
        self.triggers: list[tuple[str, str]] = sorted(
            ((t, name) for name, fr in self.frames.items() for t in fr.get("triggers", [])), key=lambda x: -len(x[0])
        )
        self.texts = {
            name: {k: [re.compile(to_simplified(r)) for r in rs] for k, rs in (fr.get("texts") or {}).items()}
            for name, fr in raw["events"].items()
        }
        words = sorted({t for t, _ in self.triggers}, key=len, reverse=True)
        self.trigger_re = re.compile("|".join(re.escape(w) for w in words)) if words else None

    # ----------------------------------------------------------------- frames
    def _frame(self, doc: Doc, sent: Span, norm: str, ents: list[Span], name: str, pos: int, end: int,
               facts: list[Fact], dates, prior: list[Span] = ()) -> Event | None:
        fr = self.frames[name]
        site = Site(doc, sent, norm, pos, end, [FrameEntity.of(e, pos, end) for e in ents], prior)
        texts = self._texts(site, name)
        if any(k not in texts for k in fr.get("require_texts", [])):
            return None
        filled = self.roles.fill(site, fr)
        if filled is None:
            return None
        roles, missing = filled
        ev = Event(name, KG[fr["class"]], doc.text[pos:end], pos, end, sent.start_char, sent.end_char,
                   {r: _dedup(URIRef(e.kb_id_) for e in es) for r, es in roles.items()}, texts,
                   dict(fr.get("attributes") or {}), confidence=round(float(fr.get("confidence", 0.7)) * (0.9**missing), 3),
                   spans={URIRef(e.kb_id_): (e.start_char, e.end_char) for es in roles.values() for e in reversed(es)})
        self._figures(ev, site, fr, facts, dates)
        return ev

    def _texts(self, site: Site, name: str) -> dict[str, str]:
        """The frame's named texts (round, code, price…): for each, the match nearest the trigger."""
        sent = site.sent
        s_text = site.norm[sent.start_char : sent.end_char]
        texts: dict[str, str] = {}
        for key, regs in self.texts[name].items():
            for r in regs:
                m = _nearest_match(r, s_text, site.pos - sent.start_char, key)
                if m is not None:
                    a, b = m.span(key)
                    texts[key] = site.doc.text[sent.start_char + a : sent.start_char + b].strip()
                    break
        return texts

    def _figures(self, ev: Event, site: Site, fr: dict[str, Any], facts: list[Fact], dates) -> None:
        """Amount, shares, share of total, position, status and date: what the sentence says around the trigger."""
        doc, sent, norm, pos, end = site.doc, site.sent, site.norm, site.pos, site.end
        s_facts = [f for f in facts if f.sent_start == sent.start_char]
        if fr.get("amount"):
            money = [f for f in s_facts if f.unit in fr["amount"]]
            if money:
                ev.amount = min(money, key=lambda f: (_fdist(f, pos, end), f.start))
        if fr.get("share_of_total"):
            pct = [f for f in s_facts if f.unit == "percent"]
            if pct:
                ev.share_of_total = min(pct, key=lambda f: (_fdist(f, pos, end), f.start)).value
        if fr.get("shares"):
            ev.shares = self._shares(norm, sent, pos, end)
        if fr.get("position"):
            title = self._position(doc, norm, sent, pos, end)
            if title:
                ev.texts["position"] = title
        status = self._status(norm, sent, pos)
        if status:
            ev.attributes["status"] = status
        s_dates = [d for d in dates if d.start >= sent.start_char and d.end <= sent.end_char]
        if s_dates:
            before = [d for d in s_dates if d.end <= pos]
            ev.date = (before[-1] if before else s_dates[0]).value

    def _status(self, norm: str, sent: Span, pos: int) -> str | None:
        lo = max(sent.start_char, pos - self.status_window)
        before = norm[lo:pos]
        cut = max(before.rfind(c) for c in self.clause_marks)
        before = before[cut + 1 :]
        best = None
        for w, status in self.status_words.items():
            k = before.rfind(w)
            if k >= 0 and (best is None or k > best[0]):
                best = (k, status)
        return best[1] if best else None

    def _shares(self, norm: str, sent: Span, pos: int, end: int) -> Decimal | None:
        best = None
        for m in self.shares_re.finditer(norm, sent.start_char, sent.end_char):
            value = self.facts._number(m.group("num"))
            if value is None:
                continue
            if m.group("mag"):
                value *= self.facts.mags.get(m.group("mag"), Decimal(1))
            d = pos - m.end() if m.end() <= pos else m.start() - end
            if best is None or abs(d) < best[0]:
                best = (abs(d), _clean(value))
        return best[1] if best else None

    def _position(self, doc: Doc, norm: str, sent: Span, pos: int, end: int) -> str | None:
        best = None
        i = sent.start_char
        s = norm[sent.start_char : sent.end_char]
        for t in self.titles:
            for m in re.finditer(re.escape(t), s):
                a = i + m.start()
                b = a + len(t)
                if any(norm.startswith(w, k) for w in self.position_blockers for k in range(max(0, a - len(w) + 1), a + 1)
                       if k + len(w) > a):
                    continue  # 董事會 is not 董事
                d = pos - b if b <= pos else a - end if a >= end else 0
                if best is None or (abs(d), -len(t)) < best[0]:
                    best = ((abs(d), -len(t)), a, b)
        return doc.text[best[1] : best[2]] if best else None

    # ----------------------------------------------------------------- run
    def __call__(self, doc: Doc) -> Doc:
        if doc._.facts is None:  # run before graph.nlp.facts: read the figures and dates the same way
            doc = self.facts(doc)
        norm = doc._.norm_text or doc.text
        facts = doc._.facts or []
        dates = doc._.dates or []
        all_ents = [e for e in doc.ents if e.kb_id_]
        events: list[Event] = []
        for sent in doc.sents:
            ents = [e for e in all_ents if e.start_char >= sent.start_char and e.end_char <= sent.end_char]
            if self.trigger_re is None or not (ents or self.roles.anaphors):
                continue
            if not self.trigger_re.search(norm, sent.start_char, sent.end_char):
                continue
            prior = [e for e in all_ents if e.end_char <= sent.start_char]
            taken: list[tuple[int, int, str]] = []
            s_events: list[Event] = []
            for pos, word, name in _occurrences(norm, sent.start_char, sent.end_char, self.triggers):
                end = pos + len(word)
                if any(e.start_char < end and pos < e.end_char and not _glued(e, pos, end) for e in ents):
                    continue  # inside a name
                if any(a < end and pos < b for a, b, n in taken if n == name):
                    continue
                if self._blocked(norm, pos, end, self.frames[name].get("blockers", [])):
                    continue
                ev = self._frame(doc, sent, norm, ents, name, pos, end, facts, dates, prior)
                if ev is None:
                    continue
                taken.append((pos, end, name))
                s_events.append(ev)
            fired = {e.type for e in s_events}
            s_events = [e for e in s_events if not fired & set(self.frames[e.type].get("suppressed_by", []))]
            events.extend(_merge(s_events, self.frames))
        events.sort(key=lambda e: (e.sent_start, e.trigger_start, e.type))
        doc._.events = events
        self._relations(doc, events)
        return doc

    @staticmethod
    def _blocked(norm: str, pos: int, end: int, blockers: list[str]) -> bool:
        for b in blockers:
            lo = max(0, pos - len(b) + 1)
            k = norm.find(b, lo, end + len(b) - 1)
            while 0 <= k < end:
                if k < end and pos < k + len(b):
                    return True
                k = norm.find(b, k + 1, end + len(b) - 1)
        return False

    def _relations(self, doc: Doc, events: list[Event]) -> None:
        rels: list[Relation] = list(doc._.relations or [])
        types = {iri: rec.type for iri, rec in (doc._.entities or {}).items()}
        for ev in events:
            if ev.attributes.get("kind") == "resigned":
                # A position that ends is not a current position, whoever read it.
                people = set(ev.roles.get("person", []))
                rels = [r for r in rels if not (r.prop == KG.holdsPosition and r.head in people and r.sent_start == ev.sent_start)]
                continue
            fr = self.frames[ev.type]
            by_status = fr.get("relations_by_status") or {}
            status = ev.attributes.get("status")
            triples = by_status[status] if status in by_status else fr.get("relations", [])
            retract = {KG[n] for n in (fr.get("retracts_by_status") or {}).get(status, [])}
            if retract:
                members = {i for v in ev.roles.values() for i in v}
                rels = [r for r in rels if not (r.prop in retract and r.sent_start == ev.sent_start
                                                and r.head in members and r.tail in members)]
            yields = {KG[n] for n in fr.get("yields_to", [])}
            for head_role, prop_name, tail_role in triples:
                prop = KG[prop_name]
                if prop not in self.onto.properties:
                    continue
                for h in ev.roles.get(head_role, []):
                    for t in ev.roles.get(tail_role, []):
                        if h == t or not self.onto.allows(prop, types.get(h), types.get(t)):
                            continue
                        if any(r.key == (h, prop, t) and r.sent_start == ev.sent_start for r in rels):
                            continue  # already read by another layer: one claim per sentence
                        if any(r.prop in yields and (r.head, r.tail) == (h, t) and r.sent_start == ev.sent_start for r in rels):
                            continue  # another layer read what changed hands more precisely (收购乙的业务: buysAssetsOf)
                        role = ev.texts.get("position") if prop == KG.holdsPosition else None
                        rels.append(Relation(h, prop, t, ev.sent_start, ev.sent_end, ev.confidence, ev.trigger, ev.extractor, role,
                                             (ev.spans.get(h, (ev.trigger_start, ev.trigger_start)),
                                              ev.spans.get(t, (ev.trigger_end, ev.trigger_end)))))
        doc._.relations = sorted(rels, key=lambda r: (r.sent_start, str(r.head), str(r.prop), str(r.tail)))


def _glued(e: Span, pos: int, end: int) -> bool:
    """The entity layer read (part of) the trigger into a name at its start or end (增持华宇…, 张明辞)."""
    return pos <= e.start_char < end < e.end_char or e.start_char < pos < e.end_char <= end


def _dedup(items) -> list[URIRef]:
    out: list[URIRef] = []
    for i in items:
        if i not in out:
            out.append(i)
    return out


def _fdist(f: Fact, pos: int, end: int) -> int:
    return pos - f.end if f.end <= pos else f.start - end if f.start >= end else 0


def _nearest_match(r: re.Pattern, text: str, pos: int, key: str):
    best = None
    for m in r.finditer(text):
        a, b = m.span(key)
        d = pos - b if b <= pos else a - pos if a >= pos else 0
        if best is None or abs(d) < best[0]:
            best = (abs(d), m)
    return best[1] if best else None


def _occurrences(norm: str, lo: int, hi: int, triggers: list[tuple[str, str]]) -> list[tuple[int, str, str]]:
    """Every (position, trigger, frame) in norm[lo:hi]: longest triggers first, then left to right."""
    found = []
    for word, name in triggers:
        k = norm.find(word, lo, hi)
        while k >= 0 and k + len(word) <= hi:
            found.append((k, word, name))
            k = norm.find(word, k + 1, hi)
    found.sort(key=lambda x: (-len(x[1]), x[0]))
    return found


def _merge(events: list[Event], frames: dict[str, dict[str, Any]]) -> list[Event]:
    """Two triggers of one frame type in a sentence with the same participants are one event."""
    out: list[Event] = []
    for ev in events:
        loose = frames[ev.type].get("not_identifying", ())
        same = next((o for o in out if o.type == ev.type and _core(o, loose) == _core(ev, loose)), None)
        if same is None:
            out.append(ev)
            continue
        for r, v in ev.roles.items():
            same.roles.setdefault(r, v)
        for k, v in ev.texts.items():
            same.texts.setdefault(k, v)
        same.amount = same.amount or ev.amount
        same.shares = same.shares if same.shares is not None else ev.shares
        same.share_of_total = same.share_of_total if same.share_of_total is not None else ev.share_of_total
        same.date = same.date or ev.date
        same.confidence = max(same.confidence, ev.confidence)
    return out


def _core(ev: Event, loose) -> tuple:
    # The first role listed is the frame's main participant; with the second it identifies the event
    # (unless the frame lists it as not identifying: one round may name its investors twice).
    keys = list(ev.roles)[:2]
    return tuple(sorted((k, tuple(ev.roles[k])) for k in keys if k not in loose))


@Language.factory(
    "cnfinkg_events",
    default_config={"patterns": "events.yaml", "entity_patterns": "entities.yaml", "fact_patterns": "facts.yaml"},
    assigns=["doc._.events", "doc._.relations"],
    requires=["doc.ents", "doc._.entities", "doc._.relations", "doc._.facts", "doc._.dates"],
)
def make_event_extractor(nlp: Language, name: str, patterns: str, entity_patterns: str, fact_patterns: str) -> EventExtractor:
    return EventExtractor(nlp, name, patterns, entity_patterns, fact_patterns)


__all__ = ["EXTRACTOR", "Event", "EventExtractor"]
