"""Layer 2: names found by general patterns (``doc.spans["pattern_names"]``)."""

from __future__ import annotations

from spacy.tokens import Doc

from graph.nlp.entities.candidates import KB_KEY, PATTERN_KEY, Candidate, read_group, write_group
from graph.nlp.entities.marked_names import MarkedNames
from graph.nlp.entities.person_names import PersonNames
from graph.nlp.entities.rules import EntityRules
from graph.nlp.entities.suffix_names import SuffixNames
from graph.nlp.entities.text import DocText
from graph.nlp.kb import KnowledgeBase


class PatternNames:
    """Titles and quoted names, names by their ending, Latin-script names, people, plans, bylines,
    and columns of known outlets (which reads the knowledge-base layer, so runs after it)."""

    key = PATTERN_KEY

    def __init__(self, rules: EntityRules, kb: KnowledgeBase | None) -> None:
        self.kb = kb
        self.marked = MarkedNames(rules)
        self.suffixes = SuffixNames(rules, kb)
        self.persons = PersonNames(rules)

    def __call__(self, doc: Doc, view: DocText) -> None:
        write_group(view, self.key, self.candidates(view))

    def candidates(self, view: DocText) -> list[Candidate]:
        out = self.marked.brackets(view)
        out += self.suffixes.candidates(view)
        out += self.marked.latin(view)
        out += self.persons.candidates(view)
        out += self.marked.plans(view)
        out += self.marked.bylines(view)
        if self.kb is not None:
            out += self.suffixes.columns(view, read_group(view.doc, KB_KEY, self.kb))
        return out
