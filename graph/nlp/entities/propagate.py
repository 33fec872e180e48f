"""What the chosen names imply elsewhere in the document: its own aliases and further mentions.

A name is often given once in full and then repeated without the context that found it (the
title, the suffix, the model's confidence), or shortened the way the text itself announces
(全名(以下简称「简称」)).  These candidates are made from the first choice and compete with it
in a second one.
"""

from __future__ import annotations

import re

from rdflib import URIRef

from graph.nlp.entities.candidates import Candidate, local_name
from graph.nlp.entities.rules import LATIN_NAME, EntityRules
from graph.nlp.entities.text import DocText
from graph.script import normalize

#: Pattern rules whose names recur without their trigger context.
RECURRING = ("pattern:org", "pattern:event", "pattern:quoted", "pattern:latin")


def defined_aliases(view: DocText, chosen: list[Candidate], rules: EntityRules) -> dict[str, Candidate]:
    """'全名(以下简称「简称」)': the alias names the entity that ends right before the bracket.

    When the short name comes first and the full name is inside the bracket (简称(全名，以下简称
    “简称”)), the alias names the entity inside; an English name inside is one more alias.
    """
    by_end = {c.end: c for c in chosen}
    by_span = {(c.start, c.end): c for c in chosen}
    aliases: dict[str, Candidate] = {}

    def define(key: str, full: Candidate | None) -> None:
        key = normalize(key.strip())
        if full is not None and full.label != "Person" and key and key not in rules.never:
            aliases[key] = full

    for m in rules.alias_re.finditer(view.norm):
        before = by_end.get(m.start()) or by_end.get(m.start() - 1)
        inner, alias = m.group("inner"), m.group("alias")
        inside = by_span.get((m.start("inner"), m.end("inner"))) if inner else None
        if inner and not _latin(inner) and inside is not None and view.norm[: m.start()].rstrip().endswith(alias.strip()):
            define(alias, inside)  # the short name first, its full name inside
            continue
        define(alias, before)
        if inner and _latin(inner):
            define(inner, before)
    for m in rules.alias_latin_re.finditer(view.norm):
        define(m.group("latin"), by_end.get(m.start()) or by_end.get(m.start() - 1))
    return aliases


def _latin(name: str) -> bool:
    return LATIN_NAME.fullmatch(name.strip()) is not None


def document_mentions(view: DocText, chosen: list[Candidate], aliases: dict[str, Candidate], rules: EntityRules,
                      short_names: dict[URIRef, list[str]]) -> list[Candidate]:
    """Every occurrence of a defined alias, of a short name of a known entity the text names in
    full, of a person's name, and of a recurring pattern or confident model name."""
    norm = view.norm
    extra: list[Candidate] = []
    o, c = re.escape(rules.title_open), re.escape(rules.title_close)
    for key, full in aliases.items():
        target = normalize(view.text[full.start : full.end])
        for m in re.finditer(re.escape(key), norm.lower() if key.isascii() else norm):
            extra.append(Candidate(m.start(), m.end(), full.label, "alias:defined", 110, full.kb, 0.9, target))
        for m in re.finditer(o + re.escape(key) + c, norm):
            extra.append(Candidate(m.start(), m.end(), full.label, "alias:defined", 130, full.kb, 0.9, target))
    # Short names of entities the document already names in full (<short> after <short>集团).
    present = {x.kb.iri: x.kb for x in chosen if x.kb is not None}
    for iri, entry in present.items():
        for key in short_names.get(iri, ()):
            for m in re.finditer(re.escape(key), norm):
                extra.append(Candidate(m.start(), m.end(), local_name(entry.type), "kb:short", 90, entry, 0.85))
    # Every further occurrence of a person's name is a mention of that person.
    persons = dict.fromkeys(normalize(view.text[x.start : x.end]) for x in chosen if x.label == "Person")
    for name in persons:
        for m in re.finditer(re.escape(name), norm):
            extra.append(Candidate(m.start(), m.end(), "Person", "propagated:person", 85, None, 0.8))
    for x in chosen:
        if x.source.startswith(RECURRING) or (x.source == "model:ner" and x.confidence >= rules.gates.propagate):
            name = norm[x.start : x.end]
            for m in re.finditer(re.escape(name), norm):
                if m.start() != x.start:
                    extra.append(Candidate(m.start(), m.end(), x.label, "propagated:" + x.source, x.priority, None, x.confidence))
    return extra
