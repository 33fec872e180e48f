"""Business ties read from the shape of a sentence: clients, advisers, shareholders, what a company runs.

Most of these are sentence forms (no trigger word): a word that puts the sentence on the topic
(equity, an adviser's role, 客戶) is in the ``forms`` section of relations.yaml with the form.
"""

from __future__ import annotations

import re

from spacy.tokens import Span

from graph.nlp.relations.forms.base import Hit, Rule, compiled, sentence_form, trigger_form
from graph.nlp.relations.forms.context import Sentence, confidence
from graph.vocab import KG


def _alternation(words: list[str]) -> str:
    return "(?:" + "|".join(re.escape(w) for w in words) + ")"


def _orgs(s: Sentence) -> list[Span]:
    return [e for e in s.ents if s.is_a(e, KG.Organization)]


@trigger_form("for_client")
def for_client(s: Sentence, rule: Rule, hit: Hit) -> None:
    """A 為 B 打造/提供: B clientOf A."""
    pair = s.marked_pair(hit.pos, 8, s.g.max_subj, rule["markers"])
    if pair is None:
        return
    clients, (providers, breaks) = pair
    for a in clients:
        for b in providers:
            s.emit(a, b, rule, hit.trigger, confidence(rule) * (0.9**breaks))


@sentence_form("stake")
def stake(s: Sentence, rule: Rule) -> None:
    """In a sentence about equity, 'Org 10%' lists shareholders of the sentence's first organisation.

    'Org 10%(的)股權' with no holding verb is the other way round: a stake *in* Org (收購乙公司30%股權),
    held by the organisation before 所持/持有 when the text names one (甲所持乙公司30%股權), else by no
    one the sentence says.  On FinRE train, reading every 'Org 10%' as a shareholder was right 4% of the time.
    """
    text = s.norm[s.sent.start_char : s.sent.end_char]
    if not any(w in text for w in rule["words"]):
        return
    orgs = _orgs(s)
    if len(orgs) < 2:
        return
    topic = orgs[0]
    figure = compiled(rule["figure_pattern"])
    stake_in = compiled(_alternation(rule["stake_in"]))
    for e in orgs[1:]:
        after = s.norm[e.end_char : e.end_char + 16]
        m = figure.match(after)
        if not m or e.kb_id_ == topic.kb_id_:
            continue
        if m.group("verb") is None and stake_in.match(after, m.end()):
            holder = _holder(s, orgs, e, rule["holder_markers"])
            if holder is not None and holder.kb_id_ != e.kb_id_:
                s.emit(holder, e, rule, rule["label"], confidence(rule))
            continue
        s.emit(e, topic, rule, rule["label"], confidence(rule))


def _holder(s: Sentence, orgs: list[Span], e: Span, markers: list[str]) -> Span | None:
    """The organisation right before 所持/持有 right before *e*, if there is one."""
    before = s.norm[: e.start_char]
    for marker in sorted(markers, key=len, reverse=True):
        if before.endswith(marker):
            end = e.start_char - len(marker)
            return next((o for o in orgs if o.end_char == end), None)
    return None


@sentence_form("client_list")
def client_list(s: Sentence, rule: Rule) -> None:
    """'… A、B 等 … 客戶': the listed organisations are clients of the sentence's first organisation."""
    orgs = _orgs(s)
    if len(orgs) < 2:
        return
    provider = orgs[0]
    for g in s.groups:
        if provider in g:
            continue
        start = g[-1].end_char
        after = s.norm[start : start + 12]
        found = [(k, w) for w in rule["words"] if (k := after.find(w)) >= 0]
        if not found:
            continue
        k, word = min(found)
        if not s.has_break(after[:k]) and not after[:k].endswith(tuple(rule["not_after"])):
            for e in g:
                s.emit(e, provider, rule, s.text[start + k : start + k + len(word)], confidence(rule))


@sentence_form("advisor")
def advisor(s: Sentence, rule: Rule) -> None:
    """'A、B 將擔任 … 保薦人/承銷商/簿記人': the issuer (the document's main organisation) is their client."""
    roles = rule["roles"]
    text = s.norm[s.sent.start_char : s.sent.end_char]
    if not any(r in text for r in roles):
        return
    topic = s.topic()
    if topic is None:
        return
    verb = compiled(r"\s*" + _alternation(rule["modals"]) + r"?\s*" + _alternation(rule["verbs"]))
    for g in s.groups:
        start = g[-1].end_char
        after = s.norm[start : start + 30]
        m = verb.match(after)
        if not m:
            continue
        rest = after[m.end() :]
        cut = min([rest.find(c) for c in rule["stops"] if c in rest] + [len(rest)])
        role = next((r for r in roles if r in rest[:cut]), None)
        if role is None:
            continue
        k = start + m.end() + rest.index(role)
        trigger = s.text[k : k + len(role)]  # as written
        for e in g:
            if e.kb_id_ != str(topic):
                s.emit_iri(topic, e, rule, trigger, confidence(rule))


@sentence_form("possessive")
def possessive(s: Sentence, rule: Rule) -> None:
    """'Org 的 Product': the organisation operates the product."""
    for a, b in zip(s.ents, s.ents[1:], strict=False):
        gap = s.norm[a.end_char : b.start_char]
        if gap in rule["gaps"] and s.is_a(b, KG.Product) and s.is_a(a, KG.Organization):
            s.emit(a, b, rule, rule["label"], confidence(rule))


def _previous_sentence_orgs(s: Sentence) -> list[Span]:
    prev_sents = [x for x in s.sents if x.end_char <= s.sent.start_char]
    last = prev_sents[-1] if prev_sents else None
    prev_sent = [e for e in s.everything if last is not None and last.start_char <= e.start_char < last.end_char]
    return [e for e in prev_sent if s.is_a(e, KG.Organization)]


@sentence_form("pronoun")
def pronoun(s: Sentence, rule: Rule) -> None:
    """'其 Product' (and the products listed with it): the topic organisation develops them."""
    lo = s.sent.start_char
    for m in compiled(_alternation(rule["words"])).finditer(s.norm[lo : s.sent.end_char]):
        k = lo + m.start()
        prods = [e for e in s.ents if k < e.start_char <= k + 10 and s.is_a(e, KG.Product)
                 and not s.has_break(s.norm[k : e.start_char])]
        if not prods:
            continue
        # 其 refers to the topic: the first organisation of its sentence, else of the sentence before.
        owners = [e for e in s.ents if e.end_char <= k and s.is_a(e, KG.Organization)][:1] or _previous_sentence_orgs(s)[:1]
        if not owners:
            continue
        first = prods[0]
        group = [p for p in s.ents if first.start_char <= p.start_char <= first.end_char + 30 and s.is_a(p, KG.Product)]
        for p in group:
            gap = s.norm[first.end_char : p.start_char]
            if p is first or (len(gap) <= 12 and any(j in gap for j in s.g.joiners)):
                s.emit(owners[-1], p, rule, s.text[k : k + len(m.group())], confidence(rule))
