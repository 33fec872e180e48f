"""The relation claim, and the registry that maps a rule's ``form`` to the handler that reads it.

A form is one sentence shape (subject-verb-object, a passive, an ownership prefix…).  Its handler
is a small function registered under the form's name; ``ontology/patterns/relations.yaml`` names
the form on each rule, and the extractor only looks the name up.  So a new shape is one handler
and the rules that use it: the extractor has no list of forms to keep in step.

Two kinds of forms:

- *trigger forms* (:func:`trigger_form`) run where one of the rule's trigger words stands in a
  sentence, and read the entities around it;
- *sentence forms* (:func:`sentence_form`) have no trigger word: they run once per sentence
  (a title between an organisation and a person, ``Org 10%`` in a sentence about equity…).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from rdflib import URIRef

if TYPE_CHECKING:
    from graph.nlp.relations.forms.context import Sentence

Rule = dict[str, Any]


@lru_cache(maxsize=64)
def compiled(pattern: str) -> re.Pattern[str]:
    """A rule's regular expression (from relations.yaml), compiled once for every sentence."""
    return re.compile(pattern)


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


@dataclass(frozen=True)
class Hit:
    """One trigger word found in a sentence."""

    pos: int  # where it starts in the text
    trigger: str  # as written (a Traditional text keeps its Traditional trigger on the evidence)

    @property
    def end(self) -> int:
        return self.pos + len(self.trigger)


TriggerHandler = Callable[["Sentence", Rule, Hit], None]
SentenceHandler = Callable[["Sentence", Rule], None]


@dataclass(frozen=True)
class Form:
    name: str
    handler: Callable[..., None]
    triggered: bool  # True: called at each trigger occurrence; False: once per sentence


#: Every registered form, by name.
FORMS: dict[str, Form] = {}


class UnknownFormError(ValueError):
    """A rule names a form that no handler registers, or uses it the wrong way."""


def _register(name: str, triggered: bool) -> Callable[[Callable[..., None]], Callable[..., None]]:
    def register(fn: Callable[..., None]) -> Callable[..., None]:
        old = FORMS.get(name)
        if old is not None and old.handler is not fn:
            raise ValueError(f"relation form {name!r} is registered twice ({old.handler.__module__} and {fn.__module__})")
        FORMS[name] = Form(name, fn, triggered)
        return fn

    return register


def trigger_form(name: str) -> Callable[[TriggerHandler], TriggerHandler]:
    """Register ``fn(sentence, rule, hit)`` as the handler of the trigger form ``name``."""
    return _register(name, True)


def sentence_form(name: str) -> Callable[[SentenceHandler], SentenceHandler]:
    """Register ``fn(sentence, rule)`` as the handler of the sentence form ``name``."""
    return _register(name, False)


def describe(rule: Rule, index: int) -> str:
    """How an error names a rule: its position in the file, its form and what it asserts."""
    words = rule.get("triggers") or []
    shown = ", ".join(words[:3]) + (", …" if len(words) > 3 else "")
    props = ", ".join(rule.get("properties") or [])
    return f"rule {index + 1} (form {rule.get('form')!r}, properties [{props}]" + (f", triggers [{shown}])" if words else ")")


def form_of(rule: Rule, index: int, source: str = "relations.yaml") -> Form:
    """The registered form a rule names, checked against the way the rule uses it."""
    name = rule.get("form")
    found = FORMS.get(name) if isinstance(name, str) else None
    where = f"{source}: {describe(rule, index)}"
    if found is None:
        known = ", ".join(sorted(FORMS))
        raise UnknownFormError(f"{where} names form {name!r}, which no handler registers (known forms: {known})")
    if not rule.get("properties"):
        raise UnknownFormError(f"{where} lists no properties to assert")
    if found.triggered and not rule.get("triggers"):
        raise UnknownFormError(f"{where}: form {name!r} reads the words around a trigger, and the rule has no triggers")
    if not found.triggered and rule.get("triggers"):
        raise UnknownFormError(f"{where}: form {name!r} runs once per sentence and reads no triggers")
    return found
