"""Clause forms: subject-verb-object (A 收購 B), the symmetric reading (A 與 B 合作) and the passive.

The words these forms look for around the trigger (passive marks, object markers, partner
markers…) are in the ``forms`` section of relations.yaml, merged into each rule that uses the form.
"""

from __future__ import annotations

from spacy.tokens import Span

from graph.nlp.relations.forms.base import Hit, Rule, compiled, trigger_form
from graph.nlp.relations.forms.context import Sentence, confidence


def _pairs(s: Sentence, heads: list[Span], tails: list[Span], rule: Rule, hit: Hit, conf: float) -> None:
    for a in heads:
        for b in tails:
            s.emit(a, b, rule, hit.trigger, conf)


def _object_rule(s: Sentence, rule: Rule, b: Span) -> Rule:
    """The rule to emit with for object *b*: ``owner_object`` when what the clause moves is *b*'s
    (转让乙公司30%股权, 收购乙公司的部分资产), not *b* itself."""
    owner = rule.get("owner_object")
    if owner and compiled(owner["after"]).match(s.norm, b.end_char):
        return {"form": rule["form"], "properties": owner["properties"], "confidence": rule.get("confidence")}
    return rule


def _object_before(s: Sentence, rule: Rule, hit: Hit) -> None:
    """A 在 B 上市: the object stands right before the trigger, the subject before it."""
    obj = s.group_before(hit.pos, 8, 0)
    if obj is None:
        return
    subj = s.group_before(obj[0][0].start_char, s.g.max_subj, 2)
    if subj is not None:
        _pairs(s, subj[0], obj[0], rule, hit, confidence(rule) * (0.9 ** subj[1]))


def _marker_start(s: Sentence, rule: Rule, group: list[Span]) -> int:
    """Start of an object marker (對/向/把/將) shortly before ``group`` in the same clause, else the group start."""
    start = group[0].start_char
    lo = max(s.sent.start_char, start - 12)
    before = s.norm[lo:start]
    for mk in rule["object_markers"]:
        k = before.rfind(mk)
        if k >= 0 and not s.has_break(before[k:]):
            return lo + k
    return start


def _with_companions(s: Sentence, rule: Rule, group: list[Span]) -> list[Span]:
    """A 聯同 B、C 對 D…: A acts together with B and C."""
    start = group[0].start_char
    before = s.norm[max(0, start - 4) : start]
    if any(before.endswith(c) for c in rule["companions"]):
        lead = s.group_before(start - 2, 20, 2)
        if lead is not None:
            return lead[0] + group
    return group


def _marked_object(s: Sentence, rule: Rule, hit: Hit, obj_group: list[Span]) -> None:
    """A 對 B 進行約談: B is the object, the subject comes before the marker."""
    subj = s.group_before(_marker_start(s, rule, obj_group), s.g.max_subj, 2)
    if subj is not None:
        _pairs(s, _with_companions(s, rule, subj[0]), obj_group, rule, hit, confidence(rule) * (0.9 ** subj[1]))


def _nominalised(s: Sentence, rule: Rule, hit: Hit) -> bool:
    """完成「某產品」的上線: the object stands before 的 + trigger.  False when no entity stands there."""
    pos = hit.pos
    gap_chars = set(rule["nominal_gap"])
    target = next((e for e in s.ents if e.end_char in (pos - 1, pos - 2) and set(s.norm[e.end_char : pos]) <= gap_chars), None)
    if target is None:
        return False
    subj = s.group_before(target.start_char, s.g.max_subj, 2)
    if subj is not None:
        _pairs(s, subj[0], [target], rule, hit, confidence(rule) * 0.8 * (0.9 ** subj[1]))
    return True


def _subject_object(s: Sentence, rule: Rule, hit: Hit, found: tuple[list[Span], int] | None, obj: list[Span] | None) -> None:
    """The plain reading: the group before the trigger is the subject, the group after it the object."""
    if found is None and obj is not None:
        ante = s.antecedent(hit.pos)
        if ante is not None:
            _pairs(s, [ante], obj, rule, hit, confidence(rule) * 0.8)
            return
    if found is None or obj is None:
        return
    subj, breaks = found
    # A passive marker between subject and trigger turns the roles around.
    between = s.norm[subj[-1].end_char : hit.pos]
    if any(m in between for m in rule.get("passive_marks", ())):
        return
    conf = confidence(rule)
    also = rule.get("also")
    also_rule = {"form": rule["form"], "properties": also["properties"]} if also else None
    for a in subj:
        for b in obj:
            s.emit(a, b, _object_rule(s, rule, b), hit.trigger, conf * (0.9**breaks))
            if also_rule and any(w in s.norm[hit.end : obj[0].start_char] for w in also["between"]):
                # A 成立 … 子公司 B: B is also A's subsidiary
                s.emit(b, a, also_rule, hit.trigger, conf * float(also.get("factor", 1.0)))


@trigger_form("svo")
def svo(s: Sentence, rule: Rule, hit: Hit) -> None:
    """A 收購 B; A 對 B 進行約談; A 完成 B 的上線; 該公司 推出 B."""
    if rule.get("object_before"):
        _object_before(s, rule, hit)
        return
    found = s.group_before(hit.pos, s.g.max_subj, 2)
    if found is not None and _marker_start(s, rule, found[0]) != found[0][0].start_char:
        _marked_object(s, rule, hit, found[0])
        return
    obj = s.group_after(hit.end, s.g.max_obj)
    if obj is None and s.norm.endswith(tuple(rule["nominalisers"]), 0, hit.pos) and _nominalised(s, rule, hit):
        return
    _subject_object(s, rule, hit, found, obj)


def _partner(s: Sentence, rule: Rule, hit: Hit, g: list[Span]) -> bool:
    """與 B (包括) A 合作: the group before the trigger is led by a partner marker; the partner stands before it."""
    lo = max(s.sent.start_char, g[0].start_char - 4)
    pre = s.norm[lo : g[0].start_char]
    for mk in rule["partner_markers"]:
        k = pre.rfind(mk)
        if k >= 0 and pre[k + len(mk) :] in rule["partner_fillers"]:
            partner = s.group_before(lo + k, s.g.max_subj, 2)
            if partner is not None:
                _pairs(s, partner[0], g, rule, hit, confidence(rule) * (0.9 ** partner[1]))
                return True
    return False


def _within_group(s: Sentence, rule: Rule, hit: Hit, found: tuple[list[Span], int]) -> None:
    """A、B 與 C 合作: the members before the last joiner pair with those after it, else every pair."""
    g = found[0]
    split = 0
    for i in range(1, len(g)):
        if s.norm[g[i - 1].end_char : g[i].start_char].strip() not in rule["list_marks"]:
            split = i
    pairs = [(a, b) for a in g[:split] for b in g[split:]] if split else [(g[i], g[j]) for i in range(len(g)) for j in range(i + 1, len(g))]
    for a, b in pairs:
        s.emit(a, b, rule, hit.trigger, confidence(rule) * (0.9 ** found[1]))


@trigger_form("symmetric")
def symmetric(s: Sentence, rule: Rule, hit: Hit) -> None:
    """A 與 B 達成合作, A、B 合作, A 合作 B: either way round is the same claim."""
    found = s.group_before(hit.pos, s.g.max_subj, 2)
    if found and _partner(s, rule, hit, found[0]):
        return
    if found and len(found[0]) >= 2:
        _within_group(s, rule, hit, found)
        return
    _subject_object(s, rule, hit, found, s.group_after(hit.end, s.g.max_obj))


@trigger_form("passive")
def passive(s: Sentence, rule: Rule, hit: Hit) -> None:
    """B 被 A 收購, B 由 A 設立: the agent after the marker, the patient before it."""
    agent = s.group_before(hit.pos, 8, 0)
    if agent is None:
        return
    start = agent[0][0].start_char
    marker = s.norm[max(s.sent.start_char, start - 2) : start]
    if not any(m in marker for m in rule["markers"]):
        return
    patient = s.group_before(start - len(marker), s.g.max_subj, 1)
    if patient is not None:
        _pairs(s, agent[0], patient[0], rule, hit, confidence(rule))
