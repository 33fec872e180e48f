"""Forms about people: positions (擔任, 聘任, a title between organisation and name) and speaking at events.

The title words themselves are the entity layer's (``Grammar.titles``); the marks around them are
in the ``forms`` section of relations.yaml.
"""

from __future__ import annotations

import re

from spacy.tokens import Span

from graph.nlp.relations.forms.base import Hit, Rule, sentence_form, trigger_form
from graph.nlp.relations.forms.context import Sentence, confidence
from graph.vocab import KG


@trigger_form("person_role")
def person_role(s: Sentence, rule: Rule, hit: Hit) -> None:
    """P 擔任/卸任 Org (的) title, or Org 的 title 由 P 擔任: P holdsPosition Org."""
    conf = confidence(rule)
    person = s.group_before(hit.pos, 12, 0)
    org = s.group_after(hit.end, 2)
    if person is not None and org is not None:
        for a in person[0]:
            for b in org:
                s.emit(a, b, rule, hit.trigger, conf)
        return
    p_before = s.adjacent_before(hit.pos, 0)
    markers = rule["agent_markers"]
    if p_before is not None and any(m in s.norm[max(0, p_before.start_char - 20) : p_before.start_char] for m in markers):
        k = max(s.norm.rfind(m, s.sent.start_char, p_before.start_char) for m in markers)
        owner = s.group_before(k, 10, 0)
        if owner is not None:
            for b in owner[0]:
                s.emit(p_before, b, rule, hit.trigger, conf * 0.9)


@trigger_form("appoint")
def appoint(s: Sentence, rule: Rule, hit: Hit) -> None:
    """Org 聘任 P 為 (該行)行長: P holdsPosition Org, with the title on the evidence."""
    person = s.adjacent_after(hit.end, 0)
    if person is None or s.cls(person) != KG.Person:
        return
    copula = next((c for c in rule["copulas"] if s.norm.startswith(c, person.end_char)), None)
    if copula is None:
        return
    org = s.group_before(hit.pos, 12, 1)
    start = person.end_char + len(copula)
    tail = s.norm[start : person.end_char + 16]
    tail = tail[: min([tail.find(c) for c in rule["title_stops"] if c in tail] + [len(tail)])]
    title = next((t for t in s.g.titles if t in tail), None)
    role = None
    if title:
        k = start + tail.index(title)
        role = s.text[k : k + len(title)]
    if org is not None:
        for b in org[0]:
            s.emit(person, b, rule, hit.trigger, confidence(rule), role=role)


def _titles_between(s: Sentence, rule: Rule, gap: str) -> tuple[list[tuple[int, str]], str]:
    """The titles in the text between an organisation and a person, and what is left besides them."""
    rest = gap
    found = []
    for t in s.g.titles:
        if t in rest:
            found.append((gap.find(t), t))
            rest = rest.replace(t, " ")
    fillers = re.compile("[" + re.escape("".join(rule["fillers"])) + r"\s]")
    return found, fillers.sub("", rest)


def _title_before(s: Sentence, rule: Rule, i: int, p: Span) -> None:
    """Org (的) title P: look back from the person for the organisation the titles belong to."""
    ents = s.ents
    for j in range(i - 1, -1, -1):
        o = ents[j]
        gap = s.norm[o.end_char : p.start_char]
        if len(gap) > 16:
            break
        found, rest = _titles_between(s, rule, gap)
        if found and rest and len(rest) <= 6 and gap.rstrip().endswith(tuple(t for _, t in found)) and not s.has_break(gap):
            rest = ""  # 研究院城市計算領域負責人: a field before the title
        if found and not rest and s.cls(o) == KG.Person:
            continue  # 實際控制人甲、董事長乙: look past the other titled person
        if found and not rest:
            role = rule["separator"].join(t for _, t in sorted(found))
            raw = s.text[o.end_char : p.start_char]
            if s.cls(ents[j + 1]) == KG.Person and ents[j + 1] is not p:
                raw = s.text[ents[i - 1].end_char : p.start_char]
            s.emit(p, o, rule, role, confidence(rule, 0.85), role=raw.strip(rule["role_strip"]))
        break


@sentence_form("title")
def title(s: Sentence, rule: Rule) -> None:
    """Org + title + Person: Person holdsPosition Org (the role title kept on the evidence)."""
    for i, p in enumerate(s.ents):
        if p.label_ == "Person" or s.cls(p) == KG.Person:
            _title_before(s, rule, i, p)


@sentence_form("at_event")
def at_event(s: Sentence, rule: Rule) -> None:
    """Person 在 Event 上/期間 + speech verb: Person spokeAt Event."""
    norm = s.norm
    for i, p in enumerate(s.ents):
        if s.cls(p) != KG.Person:
            continue
        for e in s.ents[i + 1 : i + 3]:
            if not s.is_a(e, KG.Event):
                continue
            gap = norm[p.end_char : e.start_char]
            after = norm[e.end_char : e.end_char + 6]
            # (the two characters after the event are compared whole: 上 alone matches only at the text's end)
            if (any(m in gap for m in rule["markers"]) and len(gap) <= 6
                    and (any(after.find(v) >= 0 for v in s.g.speech) or after[:2] in rule["after_event"])):
                s.emit(p, e, rule, rule["label"], confidence(rule, 0.75))
