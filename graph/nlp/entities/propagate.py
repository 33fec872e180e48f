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
from graph.nlp.entities.rules import EntityRules
from graph.nlp.entities.text import DocText
from graph.script import normalize

#: Pattern rules whose names recur without their trigger context.
RECURRING = ("pattern:org", "pattern:event", "pattern:quoted", "pattern:latin")


def defined_aliases(view: DocText, chosen: list[Candidate], rules: EntityRules) -> dict[str, Candidate]:
    """'全名(以下简称「简称」)': the alias names the entity that ends right before the bracket."""
    by_end = {c.end: c for c in chosen}
    aliases: dict[str, Candidate] = {}
    for regex in (rules.alias_re, rules.alias_latin_re):
        for m in regex.finditer(view.norm):
            full = by_end.get(m.start()) or by_end.get(m.start() - 1)
            if full is None or full.label == "Person":
                continue
            for group in ("alias", "latin"):
                if group in m.groupdict() and m.group(group):
                    key = normalize(m.group(group).strip())
                    if key and key not in rules.never:
                        aliases[key] = full
    return aliases


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
