"""Relation extraction: typed claims read from what a sentence states.

Rules (``ontology/patterns/relations.yaml``) pair a trigger word with a
sentence shape; candidate pairs are then checked against the ontology's
domain and range, which also picks the property when one trigger can mean
several (發布 a report → ``issued``, 發布 a product → ``launched``).  Two
entities in the same sentence with no trigger between them are never related:
co-occurrence is not a relation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rdflib import URIRef
from spacy.language import Language
from spacy.tokens import Doc, Span

from graph.nlp import extensions  # noqa: F401  (registers doc._ / span._ attributes)
from graph.nlp.patterns import load_patterns
from graph.rdf.ontology import Ontology, load_ontology
from graph.vocab import KG


@dataclass
class Relation:
    head: URIRef
    prop: URIRef
    tail: URIRef
    sent_start: int
    sent_end: int
    confidence: float
    trigger: str
    extractor: str
    role: str | None = None
    spans: tuple[tuple[int, int], tuple[int, int]] = field(default=((0, 0), (0, 0)))

    @property
    def key(self) -> tuple[URIRef, URIRef, URIRef]:
        return (self.head, self.prop, self.tail)




class RelationExtractor:
    def __init__(self, nlp: Language, name: str, patterns: str, entity_patterns: str) -> None:
        self.onto: Ontology = load_ontology()
        p = load_patterns(patterns)
        ep = load_patterns(entity_patterns)
        self.rules: list[dict[str, Any]] = p["rules"]
        self.joiners = set(p["joiners"])
        self.closers = set(p["group_closers"])
        self.breaks = set(p["clause_breaks"])
        self.max_obj = int(p["max_object_gap"])
        self.max_subj = int(p["max_subject_gap"])
        self.stake_words = tuple(p["stake_words"])
        self.nominal_heads = tuple(p["nominal_heads"])
        self.advisor_roles = tuple(p["advisor_roles"])
        self.object_markers = tuple(p["object_markers"])
        self.companions = tuple(p["companions"])
        self.demonstratives = tuple(sorted(p["demonstratives"], key=len, reverse=True))
        self.anaphor_nouns = dict(sorted(p["anaphor_nouns"].items(), key=lambda kv: -len(kv[0])))
        self.resign_words = tuple(p.get("resignation_triggers", []))
        self.titles = sorted(ep["person_titles"], key=len, reverse=True)
        self.speech = set(ep["speech_verbs"])
        self.triggers: list[tuple[str, dict[str, Any]]] = []
        for rule in self.rules:
            for t in rule.get("triggers", []):
                self.triggers.append((t, rule))
        self.triggers.sort(key=lambda tr: -len(tr[0]))
        # One overlapping scan per sentence finds every trigger: at each position the longest match,
        # and the triggers that are its prefixes are exactly the others that match there.
        self._trigger_order = {(t, id(r)): i for i, (t, r) in enumerate(self.triggers)}
        self._rules_for: dict[str, list[dict[str, Any]]] = {}
        for t, r in self.triggers:
            self._rules_for.setdefault(t, []).append(r)
        words = sorted(self._rules_for, key=len, reverse=True)
        self._prefixes = {t: [u for u in words if t.startswith(u)] for t in words}
        self._trigger_re = re.compile("(?=(" + "|".join(re.escape(t) for t in words) + "))") if words else None

    # ----------------------------------------------------------------- helpers
    def _cls(self, doc: Doc, span: Span) -> URIRef:
        rec = doc._.entities.get(URIRef(span.kb_id_)) if doc._.entities else None
        return rec.type if rec is not None else KG[span.label_]

    def _groups(self, norm: str, ents: list[Span]) -> list[list[Span]]:
        groups: list[list[Span]] = []
        for e in ents:
            if groups:
                prev = groups[-1][-1]
                gap = norm[prev.end_char : e.start_char].strip()
                unknown_member = len(gap) <= 5 and gap.endswith("、") and not any(c in gap[:-1] for c in "，,。；;、：:()（）")
                if gap in self.joiners or unknown_member or (gap in (",", "，") and self._comma_list(norm, prev, e)):
                    groups[-1].append(e)
                    continue
            groups.append([e])
        return groups

    @staticmethod
    def _comma_list(norm: str, a: Span, b: Span) -> bool:
        # Commas enumerate only inside an explicit list (…等, 包括…) : look ahead for 等 soon after b.
        tail = norm[b.end_char : b.end_char + 3]
        return tail.startswith("等") or "包括" in norm[max(0, a.start_char - 6) : a.start_char]

    def _has_break(self, text: str) -> int:
        return sum(text.count(b) for b in self.breaks)

    def _group_before(self, norm: str, groups: list[list[Span]], pos: int, max_gap: int, max_breaks: int) -> tuple[list[Span], int] | None:
        for g in reversed(groups):
            end = g[-1].end_char
            if end > pos:
                continue
            gap = norm[end:pos]
            nb = self._has_break(gap)
            if len(gap) > max_gap or nb > max_breaks:
                return None
            return g, nb
        return None

    def _group_after(self, norm: str, groups: list[list[Span]], pos: int, max_gap: int) -> list[Span] | None:
        for g in groups:
            start = g[0].start_char
            if start < pos:
                continue
            gap = norm[pos:start]
            if len(gap) > max_gap or self._has_break(gap):
                return None
            return g
        return None

    def _entity_adjacent_before(self, norm: str, ents: list[Span], pos: int, max_gap: int = 2) -> Span | None:
        best = None
        for e in ents:
            if e.end_char <= pos and pos - e.end_char <= max_gap and set(norm[e.end_char : pos]) <= set("的之 "):
                best = e
        return best

    def _entity_adjacent_after(self, norm: str, ents: list[Span], pos: int, max_gap: int = 2) -> Span | None:
        for e in ents:
            if e.start_char >= pos and e.start_char - pos <= max_gap and set(norm[pos : e.start_char]) <= set("的之 "):
                return e
        return None

    def _emit(self, doc, out, sent, a: Span, b: Span, rule, trigger: str, conf: float, flip_ok: bool = True, role: str | None = None) -> None:
        if a.kb_id_ == b.kb_id_:
            return
        ca, cb = self._cls(doc, a), self._cls(doc, b)
        for name in rule["properties"]:
            reverse = name.startswith("^")
            prop = KG[name.lstrip("^")]
            h, t, ch, ct = (b, a, cb, ca) if reverse else (a, b, ca, cb)
            if rule.get("inverse"):
                h, t, ch, ct = t, h, ct, ch
            if self.onto.allows(prop, ch, ct):
                out.append(
                    Relation(URIRef(h.kb_id_), prop, URIRef(t.kb_id_), sent.start_char, sent.end_char, round(conf, 3),
                             trigger, f"{rule['form']}:{trigger}", role, ((h.start_char, h.end_char), (t.start_char, t.end_char)))
                )
                return

    # ----------------------------------------------------------------- forms
    def _apply(self, doc: Doc, sent: Span, norm: str, ents: list[Span], groups, pos: int, trigger: str, rule, out) -> None:
        form = rule["form"]
        end = pos + len(trigger)
        conf = float(rule.get("confidence", 0.7))
        if form in ("svo", "symmetric"):
            if rule.get("object_before"):
                obj = self._group_before(norm, groups, pos, 8, 0)
                if obj is None:
                    return
                subj = self._group_before(norm, groups, obj[0][0].start_char, self.max_subj, 2)
                if subj is None:
                    return
                for a in subj[0]:
                    for b in obj[0]:
                        self._emit(doc, out, sent, a, b, rule, trigger, conf * (0.9 ** subj[1]))
                return
            found = self._group_before(norm, groups, pos, self.max_subj, 2)
            if form == "svo" and found is not None and self._marked_object(norm, found[0], sent):
                # A 對 B 進行約談: B is the object, the subject comes before the marker.
                obj_group = found[0]
                marker_at = self._marker_start(norm, obj_group, sent)
                subj = self._group_before(norm, groups, marker_at, self.max_subj, 2)
                if subj is not None:
                    subj = (self._with_companions(norm, groups, subj[0]), subj[1])
                    for a in subj[0]:
                        for b in obj_group:
                            self._emit(doc, out, sent, a, b, rule, trigger, conf * (0.9 ** subj[1]))
                return
            if form == "symmetric" and found:
                g = found[0]
                lo = max(sent.start_char, g[0].start_char - 4)
                pre = norm[lo : g[0].start_char]
                for mk in ("与", "和", "同", "跟"):
                    k = pre.rfind(mk)
                    if k >= 0 and pre[k + 1 :] in ("", "包括", "包括了"):
                        partner = self._group_before(norm, groups, lo + k, self.max_subj, 2)
                        if partner is not None:
                            for a in partner[0]:
                                for b in g:
                                    self._emit(doc, out, sent, a, b, rule, trigger, conf * (0.9 ** partner[1]))
                            return
            if form == "symmetric" and found and len(found[0]) >= 2:
                g = found[0]
                split = 0
                for i in range(1, len(g)):
                    if norm[g[i - 1].end_char : g[i].start_char].strip() not in ("、", ",", "，"):
                        split = i
                pairs = [(a, b) for a in g[:split] for b in g[split:]] if split else [(g[i], g[j]) for i in range(len(g)) for j in range(i + 1, len(g))]
                for a, b in pairs:
                    self._emit(doc, out, sent, a, b, rule, trigger, conf * (0.9 ** found[1]))
                return
            obj = self._group_after(norm, groups, end, self.max_obj)
            if obj is None and form == "svo" and norm[pos - 1 : pos] == "的":
                # 完成「星河+」的上線: the object stands before 的 + trigger
                target = next((e for e in ents if e.end_char in (pos - 1, pos - 2) and set(norm[e.end_char : pos]) <= set("的」”\"")), None)
                if target is not None:
                    subj = self._group_before(norm, groups, target.start_char, self.max_subj, 2)
                    if subj is not None:
                        for a in subj[0]:
                            self._emit(doc, out, sent, a, target, rule, trigger, conf * 0.8 * (0.9 ** subj[1]))
                    return
            if found is None and obj is not None:
                ante = self._antecedent(doc, norm, sent, pos)
                if ante is not None:
                    for b in obj:
                        self._emit(doc, out, sent, ante, b, rule, trigger, conf * 0.8)
                    return
            if found is None or obj is None:
                return
            subj, breaks = found
            # A passive marker between subject and trigger turns the roles around.
            between = norm[subj[-1].end_char : pos]
            if form == "svo" and ("被" in between):
                return
            for a in subj:
                for b in obj:
                    self._emit(doc, out, sent, a, b, rule, trigger, conf * (0.9**breaks))
                    if "子公司" in norm[end : obj[0].start_char] and "founded" in rule["properties"]:
                        # A 成立 … 子公司 B: B is also A's subsidiary
                        self._emit(doc, out, sent, b, a, {"form": rule["form"], "properties": ["subsidiaryOf"]}, trigger, conf * 0.9)
        elif form == "passive":
            agent = self._group_before(norm, groups, pos, 8, 0)
            if agent is None:
                return
            start = agent[0][0].start_char
            marker = norm[max(sent.start_char, start - 2) : start]
            if "被" not in marker and "由" not in marker:
                return
            patient = self._group_before(norm, groups, start - len(marker), self.max_subj, 1)
            if patient is None:
                return
            for a in agent[0]:
                for b in patient[0]:
                    self._emit(doc, out, sent, a, b, rule, trigger, conf)
        elif form == "inner":
            owner = self._entity_adjacent_before(norm, ents, pos)
            if owner is None and norm[max(sent.start_char, pos - 1) : pos] in ("，", ",", ""):
                # 某集團今日宣布，旗下某銀行…: the owner is the clause's subject
                found = self._group_before(norm, groups, pos, 20, 1)
                owner = found[0][-1] if found and len(found[0]) == 1 else None
            members = self._group_after(norm, groups, end, 10)
            if owner is None or members is None:
                return
            for b in members:
                self._emit(doc, out, sent, b, owner, rule, trigger, conf)
        elif form == "of_prefix":
            owner = self._entity_adjacent_before(norm, ents, pos)
            member = self._entity_adjacent_after(norm, ents, end)
            if owner is not None and member is not None:
                self._emit(doc, out, sent, member, owner, rule, trigger, conf)
        elif form == "copula_of":
            owner = self._entity_adjacent_before(norm, ents, pos)
            if owner is None:
                near = self._group_before(norm, groups, pos, 12, 0)
                if near is None or len(near[0]) != 1:
                    return
                owner = near[0][0]  # 是小米集團內主打金融業務的子公司之一
            found = self._group_before(norm, groups, owner.start_char, 6, 1)
            if found is None:
                return
            gap = norm[found[0][-1].end_char : owner.start_char]
            if not any(c in gap for c in ("是", "为", "系", "作为")):
                return
            for a in found[0]:
                self._emit(doc, out, sent, a, owner, rule, trigger, conf)
        elif form == "led":
            leader = self._entity_adjacent_before(norm, ents, pos, 1)
            if leader is None:
                return
            k = norm.find("成立", end, sent.end_char)
            if k < 0:
                return
            founded = self._group_after(norm, groups, k + 2, 3)
            if not founded:
                # B 由 A 牽頭(發起)成立: the founded organisation stands before 由
                marker = norm.rfind("由", sent.start_char, leader.start_char)
                before = self._group_before(norm, groups, marker, 6, 1) if marker >= 0 and leader.start_char - marker <= 2 else None
                founded = before[0] if before else None
            if founded:
                for b in founded:
                    self._emit(doc, out, sent, leader, b, rule, trigger, conf)
        elif form == "person_role":
            # P 擔任/卸任 Org (的) title
            person = self._group_before(norm, groups, pos, 12, 0)
            org = self._group_after(norm, groups, end, 2)
            if person is not None and org is not None:
                for a in person[0]:
                    for b in org:
                        self._emit(doc, out, sent, a, b, rule, trigger, conf)
                return
            # Org 的 title 由 P 擔任
            p_before = self._entity_adjacent_before(norm, ents, pos, 0)
            if p_before is not None and norm[max(0, p_before.start_char - 20) : p_before.start_char].find("由") >= 0:
                k = norm.rfind("由", sent.start_char, p_before.start_char)
                owner = self._group_before(norm, groups, k, 10, 0)
                if owner is not None:
                    for b in owner[0]:
                        self._emit(doc, out, sent, p_before, b, rule, trigger, conf * 0.9)
        elif form == "appoint":
            # Org 聘任 P 為 (該行)行長
            person = self._entity_adjacent_after(norm, ents, end, 0)
            if person is None or self._cls(doc, person) != KG.Person or norm[person.end_char : person.end_char + 1] != "为":
                return
            org = self._group_before(norm, groups, pos, 12, 1)
            tail = norm[person.end_char + 1 : person.end_char + 16]
            tail = tail[: min([tail.find(c) for c in "，,。；;、" if c in tail] + [len(tail)])]
            title = next((t for t in self.titles if t in tail), None)
            role = None
            if title:
                k = person.end_char + 1 + tail.index(title)
                role = self._text[k : k + len(title)]
            if org is not None:
                for b in org[0]:
                    self._emit(doc, out, sent, person, b, rule, trigger, conf, role=role)
        elif form == "located":
            place = self._group_before(norm, groups, pos, 4, 0)
            if place is None:
                return
            start = place[0][0].start_char
            marker = norm[max(sent.start_char, start - 1) : start]
            if marker not in ("在", "于"):
                return
            subj = self._group_before(norm, groups, start - 1, 12, 2)
            if subj is not None:
                for a in subj[0]:
                    for b in place[0]:
                        self._emit(doc, out, sent, a, b, rule, trigger, conf)
        elif form == "for_client":
            found = self._group_before(norm, groups, pos, 8, 0)
            if found is None:
                return
            clients = found[0]
            start = clients[0].start_char
            marker = norm[max(sent.start_char, start - 1) : start]
            if marker not in ("为", "给", "向"):
                return
            provider = self._group_before(norm, groups, start - 1, self.max_subj, 2)
            if provider is None:
                return
            for a in clients:
                for b in provider[0]:
                    self._emit(doc, out, sent, a, b, rule, trigger, conf * (0.9 ** provider[1]))

    def _marker_start(self, norm: str, group: list[Span], sent: Span) -> int:
        """Start of an object marker (對/向/把/將) shortly before ``group`` in the same clause, else the group start."""
        start = group[0].start_char
        lo = max(sent.start_char, start - 12)
        before = norm[lo:start]
        for mk in self.object_markers:
            k = before.rfind(mk)
            if k >= 0 and not self._has_break(before[k:]):
                return lo + k
        return start

    def _with_companions(self, norm: str, groups, group: list[Span]) -> list[Span]:
        """A 聯同 B、C 對 D…: A acts together with B and C."""
        start = group[0].start_char
        before = norm[max(0, start - 4) : start]
        if any(before.endswith(c) for c in self.companions):
            lead = self._group_before(norm, groups, start - 2, 20, 2)
            if lead is not None:
                return lead[0] + group
        return group

    def _marked_object(self, norm: str, group: list[Span], sent: Span) -> bool:
        return self._marker_start(norm, group, sent) != group[0].start_char

    def _antecedent(self, doc: Doc, norm: str, sent: Span, pos: int) -> Span | None:
        """該公司/這些技術 at the start of the clause: the latest earlier entity of that kind."""
        k = max(norm.rfind(b, sent.start_char, pos) for b in self.breaks)
        clause_start = max(sent.start_char, k + 1)
        head = norm[clause_start:pos].lstrip()
        for det in self.demonstratives:
            if head.startswith(det):
                rest = head[len(det) :]
                for noun, cls in self.anaphor_nouns.items():
                    if rest.startswith(noun):
                        target = KG[cls]
                        before = [e for e in self._all if e.end_char <= clause_start and clause_start - e.end_char < 300
                                  and self.onto.is_a(self._cls(doc, e), target)]
                        return before[-1] if before else None
        return None

    def _titles(self, doc: Doc, sent: Span, norm: str, ents: list[Span], rule, out) -> None:
        for i, p in enumerate(ents):
            if p.label_ != "Person" and self._cls(doc, p) != KG.Person:
                continue
            for j in range(i - 1, -1, -1):
                o = ents[j]
                gap = norm[o.end_char : p.start_char]
                if len(gap) > 16:
                    break
                rest = gap
                found = []
                for t in self.titles:
                    if t in rest:
                        found.append((gap.find(t), t))
                        rest = rest.replace(t, " ")
                rest = re.sub(r"[的、\s前原兼及和]", "", rest)
                if found and rest and len(rest) <= 6 and gap.rstrip().endswith(tuple(t for _, t in found)) and not self._has_break(gap):
                    rest = ""  # 研究院城市計算領域負責人: a field before the title
                if found and not rest and self._cls(doc, o) == KG.Person:
                    continue  # 實際控制人馬雲、董事長井賢棟: look past the other titled person
                if found and not rest:
                    role = "、".join(t for _, t in sorted(found))
                    raw = self._text[o.end_char : p.start_char]
                    if self._cls(doc, ents[j + 1]) == KG.Person and ents[j + 1] is not p:
                        raw = self._text[ents[i - 1].end_char : p.start_char]
                    self._emit(doc, out, sent, p, o, rule, role, float(rule.get("confidence", 0.85)), role=raw.strip("的、 "))
                break

    def _at_event(self, doc: Doc, sent: Span, norm: str, ents: list[Span], rule, out) -> None:
        for i, p in enumerate(ents):
            if self._cls(doc, p) != KG.Person:
                continue
            for e in ents[i + 1 : i + 3]:
                if not self.onto.is_a(self._cls(doc, e), KG.Event):
                    continue
                gap = norm[p.end_char : e.start_char]
                after = norm[e.end_char : e.end_char + 6]
                if "在" in gap and len(gap) <= 6 and (any(after.find(v) >= 0 for v in self.speech) or after[:2] in ("期间", "上", "现场")):
                    self._emit(doc, out, sent, p, e, rule, "在…上", float(rule.get("confidence", 0.75)))

    def _stakes(self, doc: Doc, sent: Span, norm: str, ents: list[Span], out) -> None:
        """In a sentence about equity, 'Org 10%' lists shareholders of the sentence's first organisation."""
        text = norm[sent.start_char : sent.end_char]
        if not any(w in text for w in self.stake_words):
            return
        orgs = [e for e in ents if self.onto.is_a(self._cls(doc, e), KG.Organization)]
        if len(orgs) < 2:
            return
        topic = orgs[0]
        rule = {"form": "stake", "properties": ["shareholderOf"]}
        for e in orgs[1:]:
            after = norm[e.end_char : e.end_char + 12]
            m = re.match(r"\s*(?:作为(?:第一)?大股东[,，]?\s*)?(?:持股|占比为?|持有)?\s*\d+(?:\.\d+)?\s*[%％]", after)
            if m and e.kb_id_ != topic.kb_id_:
                self._emit(doc, out, sent, e, topic, rule, "股权", 0.65)

    def _clients(self, doc: Doc, sent: Span, norm: str, ents: list[Span], groups, out) -> None:
        """'… A、B 等 … 客戶': the listed organisations are clients of the sentence's first organisation."""
        orgs = [e for e in ents if self.onto.is_a(self._cls(doc, e), KG.Organization)]
        if len(orgs) < 2:
            return
        provider = orgs[0]
        rule = {"form": "client_list", "properties": ["clientOf"]}
        for g in groups:
            if provider in g:
                continue
            after = norm[g[-1].end_char : g[-1].end_char + 12]
            k = after.find("客户")
            if k >= 0 and not self._has_break(after[:k]) and "的客户" not in after[: k + 2]:
                for e in g:
                    self._emit(doc, out, sent, e, provider, rule, "客戶", 0.6)

    def _advisors(self, doc: Doc, sent: Span, norm: str, groups, out) -> None:
        """'A、B 將擔任 … 保薦人/承銷商/簿記人': the issuer (the document's main organisation) is their client."""
        text = norm[sent.start_char : sent.end_char]
        if not any(r in text for r in self.advisor_roles):
            return
        topic = self._topic(doc)
        if topic is None:
            return
        rule = {"form": "advisor", "properties": ["clientOf"]}
        for g in groups:
            start = g[-1].end_char
            after = norm[start : start + 30]
            m = re.match(r"\s*(?:将|将会|拟|共同|分别)?\s*(?:担任|作为|出任|为)", after)
            if not m:
                continue
            rest = after[m.end() :]
            cut = min([rest.find(c) for c in "，,。；;" if c in rest] + [len(rest)])
            role = next((r for r in self.advisor_roles if r in rest[:cut]), None)
            if role is None:
                continue
            k = start + m.end() + rest.index(role)
            trigger = self._text[k : k + len(role)]  # as written
            for e in g:
                if e.kb_id_ != str(topic):
                    self._emit_iri(doc, out, sent, topic, e, rule, trigger, 0.6)

    def _topic(self, doc: Doc) -> URIRef | None:
        """The company the document is about: the most mentioned one, the first mentioned on a tie.

        Exchanges and regulators are where things happen, not what an article is about.
        """
        if doc._.entities is None:
            return None
        orgs = [(-len(r.mentions), min(s for s, _ in r.mentions), str(i)) for i, r in doc._.entities.items()
                if self.onto.is_a(r.type, KG.Organization) and not self.onto.is_a(r.type, KG.StockExchange)
                and not self.onto.is_a(r.type, KG.GovernmentAgency)]
        return URIRef(min(orgs)[2]) if orgs else None

    def _emit_iri(self, doc, out, sent, head: URIRef, tail: Span, rule, trigger: str, conf: float) -> None:
        rec = doc._.entities.get(head)
        if rec is None or not self.onto.allows(KG[rule["properties"][0]], rec.type, self._cls(doc, tail)):
            return
        start = min(s for s, _ in rec.mentions)
        out.append(Relation(head, KG[rule["properties"][0]], URIRef(tail.kb_id_), sent.start_char, sent.end_char, conf,
                            trigger, f"{rule['form']}:{trigger}", None, ((start, start), (tail.start_char, tail.end_char))))

    def _possessives(self, doc: Doc, sent: Span, norm: str, ents: list[Span], out) -> None:
        """'Org 的 Product' (operates) and '其 Product' (the last organisation develops it)."""
        rule_op = {"form": "possessive", "properties": ["operates"]}
        rule_dev = {"form": "pronoun", "properties": ["develops"]}
        for a, b in zip(ents, ents[1:], strict=False):
            gap = norm[a.end_char : b.start_char]
            if gap in ("的", "的“", "的「", "的\"") and self.onto.is_a(self._cls(doc, b), KG.Product) and self.onto.is_a(self._cls(doc, a), KG.Organization):
                self._emit(doc, out, sent, a, b, rule_op, "的", 0.55)
        for m in re.finditer("其", norm[sent.start_char : sent.end_char]):
            k = sent.start_char + m.start()
            prods = [e for e in ents if k < e.start_char <= k + 10 and self.onto.is_a(self._cls(doc, e), KG.Product)
                     and not self._has_break(norm[k : e.start_char])]
            if not prods:
                continue
            # 其 refers to the topic: the first organisation of its sentence, else of the sentence before.
            owners = [e for e in ents if e.end_char <= k and self.onto.is_a(self._cls(doc, e), KG.Organization)][:1]
            if not owners:
                prev_sents = [x for x in self._sents if x.end_char <= sent.start_char]
                last = prev_sents[-1] if prev_sents else None
                prev_sent = [e for e in self._all if last is not None and last.start_char <= e.start_char < last.end_char]
                owners = [e for e in prev_sent if self.onto.is_a(self._cls(doc, e), KG.Organization)][:1]
            if not owners:
                continue
            group = [p for p in ents if p.start_char >= prods[0].start_char and p.start_char <= prods[0].end_char + 30 and self.onto.is_a(self._cls(doc, p), KG.Product)]
            for p in group:
                gap = norm[prods[0].end_char : p.start_char]
                if p is prods[0] or (len(gap) <= 12 and any(j in gap for j in self.joiners)):
                    self._emit(doc, out, sent, owners[-1], p, rule_dev, "其", 0.55)

    def _event_places(self, doc: Doc, sent: Span, norm: str, ents: list[Span], out) -> None:
        for e in ents:
            if not self.onto.is_a(self._cls(doc, e), KG.Event):
                continue
            best = None
            for p in ents:
                if p is e or not self.onto.is_a(self._cls(doc, p), KG.Place):
                    continue
                d = e.start_char - p.end_char if p.end_char <= e.start_char else p.start_char - e.end_char
                if 0 <= d <= 12 and (best is None or d < best[0]):
                    best = (d, p)
            if best:
                rule = {"form": "event_place", "properties": ["heldIn"]}
                self._emit(doc, out, sent, e, best[1], rule, "place", 0.7)

    def __call__(self, doc: Doc) -> Doc:
        out: list[Relation] = []
        self._text = doc.text  # doc.text is rebuilt from tokens on every access
        norm = doc._.norm_text or self._text  # (empty text: no norm_text, and no previous document's text)
        title_rule = next((r for r in self.rules if r["form"] == "title"), None)
        event_rule = next((r for r in self.rules if r["form"] == "at_event"), None)
        # doc.ents and doc.sents build new Span objects on every access: take them once.
        self._all = [e for e in doc.ents if e.kb_id_]
        self._sents = list(doc.sents)
        for sent in self._sents:
            ents = [e for e in self._all if e.start >= sent.start and e.end <= sent.end]
            if not ents:
                continue
            groups = self._groups(norm, ents)
            covered = bytearray(len(self._text) + 1)
            for e in ents:
                covered[e.start_char : e.end_char] = b"\x01" * (e.end_char - e.start_char)
            seen_pos: set[tuple[int, str]] = set()
            s_text = norm[sent.start_char : sent.end_char]
            found: list[tuple[int, int, str, dict[str, Any]]] = []
            for m in self._trigger_re.finditer(s_text) if self._trigger_re is not None else ():
                for t in self._prefixes[m.group(1)]:
                    for r in self._rules_for[t]:
                        found.append((self._trigger_order[(t, id(r))], sent.start_char + m.start(), t, r))
            found.sort(key=lambda x: (x[0], x[1]))
            for _, pos, trigger, rule in found:
                if any(covered[pos : pos + len(trigger)]):
                    continue
                if norm.startswith(self.nominal_heads, pos + len(trigger)):
                    continue  # 開發平台, 發布會: the trigger is part of a noun here
                key = (pos, rule["form"] + ",".join(rule["properties"]))
                if any(k[1] == key[1] and k[0] <= pos < k[0] + 4 for k in seen_pos):
                    continue
                seen_pos.add(key)
                # evidence keeps the trigger as written (Traditional text, Traditional trigger)
                self._apply(doc, sent, norm, ents, groups, pos, self._text[pos : pos + len(trigger)], rule, out)
            if title_rule:
                self._titles(doc, sent, norm, ents, title_rule, out)
            if event_rule:
                self._at_event(doc, sent, norm, ents, event_rule, out)
            self._event_places(doc, sent, norm, ents, out)
            self._stakes(doc, sent, norm, ents, out)
            self._clients(doc, sent, norm, ents, groups, out)
            self._advisors(doc, sent, norm, groups, out)
            self._possessives(doc, sent, norm, ents, out)
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
        kept = [r for r in best.values() if not self._resigned(doc, norm, r)]
        doc._.relations = sorted(kept, key=lambda r: (r.sent_start, str(r.head), str(r.prop), str(r.tail)))
        return doc

    def _resigned(self, doc: Doc, norm: str, rel: Relation) -> bool:
        """張三辭去董事長職務 / 董事長張三卸任: the position ends, so it is not a current holdsPosition."""
        if rel.prop != KG.holdsPosition or not self.resign_words:
            return False
        start = rel.spans[0][0]
        if not rel.sent_start <= start < rel.sent_end:
            start = rel.sent_start
        people = [e for e in self._all if rel.sent_start <= e.start_char < rel.sent_end and str(e.kb_id_) != str(rel.head)
                  and self._cls(doc, e) == KG.Person]
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
