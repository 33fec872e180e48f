"""Ownership and founding forms: A 旗下 B, A 的子公司 B, B 是 A 的子公司, 由 A 牽頭成立 B."""

from __future__ import annotations

from graph.nlp.relations.forms.base import Hit, Rule, trigger_form
from graph.nlp.relations.forms.context import Sentence, confidence


@trigger_form("inner")
def inner(s: Sentence, rule: Rule, hit: Hit) -> None:
    """A 旗下 B: the trigger between them marks B as A's part (B prop A)."""
    owner = s.adjacent_before(hit.pos)
    if owner is None and s.norm[max(s.sent.start_char, hit.pos - 1) : hit.pos] in rule["owner_is_subject_after"]:
        # 某集團今日宣布，旗下某銀行…: the owner is the clause's subject
        found = s.group_before(hit.pos, 20, 1)
        owner = found[0][-1] if found and len(found[0]) == 1 else None
    members = s.group_after(hit.end, 10)
    if owner is None or members is None:
        return
    for b in members:
        s.emit(b, owner, rule, hit.trigger, confidence(rule))


@trigger_form("of_prefix")
def of_prefix(s: Sentence, rule: Rule, hit: Hit) -> None:
    """A(的)全資子公司 B: B prop A."""
    owner = s.adjacent_before(hit.pos)
    member = s.adjacent_after(hit.end)
    if owner is not None and member is not None:
        s.emit(member, owner, rule, hit.trigger, confidence(rule))


@trigger_form("copula_of")
def copula_of(s: Sentence, rule: Rule, hit: Hit) -> None:
    """B 是 A 的子公司: B prop A."""
    owner = s.adjacent_before(hit.pos)
    if owner is None:
        near = s.group_before(hit.pos, 12, 0)
        if near is None or len(near[0]) != 1:
            return
        owner = near[0][0]  # B 是 A 內主打某業務的子公司之一
    found = s.group_before(owner.start_char, 6, 1)
    if found is None:
        return
    gap = s.norm[found[0][-1].end_char : owner.start_char]
    if not any(c in gap for c in rule["copulas"]):
        return
    for a in found[0]:
        s.emit(a, owner, rule, hit.trigger, confidence(rule))


@trigger_form("led")
def led(s: Sentence, rule: Rule, hit: Hit) -> None:
    """由 A 牽頭 … 成立 (的) B, or B 由 A 牽頭(發起)成立: A prop B."""
    leader = s.adjacent_before(hit.pos, 1)
    if leader is None:
        return
    norm = s.norm
    found = [(k, w) for w in rule["founding_words"] if (k := norm.find(w, hit.end, s.sent.end_char)) >= 0]
    if not found:
        return
    k, word = min(found)
    founded = s.group_after(k + len(word), 3)
    if not founded:
        # B 由 A 牽頭(發起)成立: the founded organisation stands before 由
        marker = max(norm.rfind(m, s.sent.start_char, leader.start_char) for m in rule["agent_markers"])
        before = s.group_before(marker, 6, 1) if marker >= 0 and leader.start_char - marker <= 2 else None
        founded = before[0] if before else None
    if founded:
        for b in founded:
            s.emit(leader, b, rule, hit.trigger, confidence(rule))
