"""Where things are: A 在 Place 成立/註冊 (locatedIn) and an event next to a place (heldIn)."""

from __future__ import annotations

from graph.nlp.relations.forms.base import Hit, Rule, sentence_form, trigger_form
from graph.nlp.relations.forms.context import Sentence, confidence
from graph.vocab import KG


@trigger_form("located")
def located(s: Sentence, rule: Rule, hit: Hit) -> None:
    """A 在 Place (正式) 成立/註冊: A locatedIn Place."""
    pair = s.marked_pair(hit.pos, 4, 12, rule["markers"])
    if pair is not None:
        places, (subj, _) = pair
        for a in subj:
            for b in places:
                s.emit(a, b, rule, hit.trigger, confidence(rule))


@sentence_form("event_place")
def event_place(s: Sentence, rule: Rule) -> None:
    """An event and the nearest place within a few characters of it: Event heldIn Place."""
    max_gap = int(rule["max_gap"])
    for e in s.ents:
        if not s.is_a(e, KG.Event):
            continue
        best = None
        for p in s.ents:
            if p is e or not s.is_a(p, KG.Place):
                continue
            d = e.start_char - p.end_char if p.end_char <= e.start_char else p.start_char - e.end_char
            if 0 <= d <= max_gap and (best is None or d < best[0]):
                best = (d, p)
        if best:
            s.emit(e, best[1], rule, rule["label"], confidence(rule))
