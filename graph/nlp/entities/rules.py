"""The recogniser's data in the shape its rules read it: sets, longest-first lists, regexes.

Everything here comes from ``ontology/patterns/`` (entities.yaml, and the shared tables
suffixes.yaml and titles.yaml); building the shapes once keeps the per-document rules free of
parsing, and one object makes plain what each layer depends on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from spacy.tokens import Token

from graph.nlp.lexicon import SuffixTable, TitleTable, longest_first
from graph.nlp.patterns import load_patterns, load_suffixes, load_titles


@dataclass
class ModelGates:
    """The trained model's confidence gates (entities.yaml ``model_*``; benchmarks/calibrate.py sets them)."""

    min: float = 0.5  # below: the span is dropped
    propagate: float = 0.8  # above: the name also marks its other occurrences
    common_ok: float = 1.01  # a span of common words only is kept above this
    override: float = 0.8  # above: the name beats rule spans that read its characters differently
    market: float = 1.01  # an organisation of common words in a sentence about shares and filings is kept above this

    @classmethod
    def from_patterns(cls, p: dict[str, Any]) -> ModelGates:
        return cls(
            float(p.get("model_min_confidence", 0.5)),
            float(p.get("model_propagate_confidence", 0.8)),
            float(p.get("model_common_words_confidence", 1.01)),
            float(p.get("model_override_confidence", 0.8)),
            float(p.get("model_market_context_confidence", 1.01)),
        )


def alternation(words: list[str]) -> str:
    """A regex matching any of *words*, longest first; one that matches nothing when there are none."""
    return "|".join(re.escape(w) for w in longest_first(words)) or "(?!)"


#: Attribute -> (entities.yaml key, how the rules hold it): a frozenset for words they test
#: membership in, a tuple for words they try in order, the value itself for the rest.
FROM_PATTERNS: dict[str, tuple[str, Callable[..., Any]]] = {
    "model_labels": ("model_labels", dict),
    "kb_block": ("kb_block_following", tuple),
    "latin_ctx": ("latin_context", dict),
    "quoted_heads": ("quoted_heads", dict),
    "quote_pairs": ("quote_pairs", list),
    "book_default": ("book_default", str),
    "plan_verbs": ("plan_verbs", frozenset),
    "org_pos": ("org_pos", frozenset),
    "name_pos": ("name_pos", frozenset),
    "proper_pos": ("proper_pos", frozenset),
    "max_name_tokens": ("max_name_tokens", int),
    "max_name_chars": ("max_name_chars", int),
    "generic": ("generic_words", frozenset),
    "never": ("never_entities", frozenset),
    "boundary": ("boundary_words", frozenset),
    "model_descriptors": ("descriptor_words", frozenset),
    "speech": ("speech_verbs", frozenset),
    "appoint": ("appointment_verbs", frozenset),
    "surnames": ("surnames", frozenset),
    "compound_surnames": ("compound_surnames", frozenset),
    "transliteration_chars": ("transliteration_chars", frozenset),
    "punct": ("punctuation", frozenset),
    "name_joiners": ("name_joiners", frozenset),
    "open_brackets": ("open_brackets", tuple),
    "close_brackets": ("close_brackets", tuple),
    "clause_enders": ("clause_enders", str),
    "not_name_start": ("not_name_start", frozenset),
    "numeral_chars": ("numeral_chars", frozenset),
    "weak_name_pos": ("weak_name_pos", tuple),
    "not_name_pos": ("not_name_pos", tuple),
    "not_given_name_pos": ("not_given_name_pos", tuple),
    "org_end_pos": ("org_end_pos", tuple),
    "bracket_place_pos": ("bracket_place_pos", tuple),
    "verb_particles": ("verb_particles", tuple),
    "appointed_as": ("appointed_as", tuple),
    "plan_walk_stops": ("plan_walk_stops", tuple),
    "market_words": ("market_context_words", tuple),
}


class EntityRules:
    """What the entity layers know, read once from the pattern files."""

    # Read as they are (FROM_PATTERNS).
    model_labels: dict[str, str]
    kb_block: tuple[str, ...]
    latin_ctx: dict[str, str]
    quoted_heads: dict[str, str]
    quote_pairs: list[str]
    book_default: str
    plan_verbs: frozenset[str]
    org_pos: frozenset[str]
    name_pos: frozenset[str]
    proper_pos: frozenset[str]
    max_name_tokens: int
    max_name_chars: int
    generic: frozenset[str]
    never: frozenset[str]
    boundary: frozenset[str]
    model_descriptors: frozenset[str]
    speech: frozenset[str]
    appoint: frozenset[str]
    surnames: frozenset[str]
    compound_surnames: frozenset[str]
    transliteration_chars: frozenset[str]
    punct: frozenset[str]
    name_joiners: frozenset[str]
    open_brackets: tuple[str, ...]
    close_brackets: tuple[str, ...]
    clause_enders: str
    not_name_start: frozenset[str]
    numeral_chars: frozenset[str]
    weak_name_pos: tuple[str, ...]
    not_name_pos: tuple[str, ...]
    not_given_name_pos: tuple[str, ...]
    org_end_pos: tuple[str, ...]
    bracket_place_pos: tuple[str, ...]
    verb_particles: tuple[str, ...]
    appointed_as: tuple[str, ...]
    plan_walk_stops: tuple[str, ...]
    market_words: tuple[str, ...]

    def __init__(self, patterns: str = "entities.yaml", suffixes: SuffixTable | None = None, titles: TitleTable | None = None) -> None:
        self.p: dict[str, Any] = load_patterns(patterns)
        for attr, (key, held_as) in FROM_PATTERNS.items():
            setattr(self, attr, held_as(self.p[key]) if key in self.p else held_as())
        self.gates = ModelGates.from_patterns(self.p)
        self._suffix_views(suffixes or load_suffixes())
        self._derived(self.p)
        self._titles(titles or load_titles())

    def _suffix_views(self, table: SuffixTable) -> None:
        self.org_suffixes = table.classes("org")
        self.event_suffixes = table.classes("event")
        self.product_suffixes = table.classes("product")
        self.name_suffixes = (self.org_suffixes, self.event_suffixes, self.product_suffixes)
        self.suffix_last = {sfx[-1] for tbl in self.name_suffixes for sfx, _ in tbl}
        self.plan_suffixes = list(table.values("class", kind="plan"))
        self.weak = set(table.flagged("weak"))
        self.strict_weak = set(table.with_value("weak", "strict"))
        self.legal_forms = set(table.flagged("legal_form"))
        self.company_forms = set(table.flagged("company_form"))
        self.verb_like = set(table.flagged("verb_like"))
        self.walk_stops = tuple(table.flagged("walk_stop"))
        model = table.values("model_class")
        self.model_org_endings = [(s, model[s]) for s in longest_first(model)]
        books = table.values("document")
        self.book_types = [(s, books[s]) for s in longest_first(books)]
        self.column_re = re.compile(r"[A-Za-z0-9\u4e00-\u9fff]{1,8}?(?:" + alternation(table.flagged("column")) + ")")
        self.latin_types = {k.lower(): v for k, v in table.values("latin_class").items()}
        self.latin_abbreviations = {k.lower() for k in table.flagged("abbreviation")}

    def _derived(self, p: dict[str, Any]) -> None:
        """Values built from several entries, or compiled."""
        self.latin_stop = {s.lower() for s in p["latin_stoplist"]}
        self.descriptors = self.boundary | self.model_descriptors
        self.name_stops = tuple(self.speech | self.boundary | set(p.get("name_stops", [])))
        self.strict_weak_name_pos = tuple(t for t in self.weak_name_pos if t not in set(p["place_pos"]))
        self.title_open, self.title_close = p["title_brackets"][0], p["title_brackets"][-1]
        o, c = re.escape(self.title_open), re.escape(self.title_close)
        self.book_title_re = re.compile(f"{o}([^{o}{c}\\n]{{1,60}}){c}")
        sep = r"\s*[/:：|｜]\s*"
        self.byline_author_re = re.compile(rf"(?m)^\s*(?:{alternation(p['byline_authors'])}){sep}([\u4e00-\u9fff]{{2,4}})(?=$|[\s(（,，])")
        self.byline_source_re = re.compile(rf"(?m)^\s*(?:{alternation(p['byline_sources'])}){sep}([^\s(（)）,，。/]{{2,12}})")
        self.alias_re, self.alias_latin_re = alias_regexes(p["alias_markers"], p["alias_copulas"])

    def _titles(self, titles: TitleTable) -> None:
        self.titles = longest_first(titles.titles)
        self.title_set = set(self.titles)
        self.title_tails = {x[-2:] for x in self.titles if len(x) >= 2}

    def has_proper(self, toks: Iterable[Token]) -> bool:
        """Does a proper noun (or a Latin-script word that is not a concept) occur among *toks*?"""
        return any(
            (t.tag_ in self.proper_pos and not (t.text.isascii() and t.text.lower() in self.latin_stop))
            or (t.text.isascii() and t.text.isalpha() and len(t.text) >= 2 and t.text.lower() not in self.latin_stop)
            for t in toks
        )

    def inner_class(self, head: str, default: str) -> str:
        """The class an organisation ending inside *head* gives it (<X>消费金融|有限公司, <X>银行|股份有限公司):
        what precedes a company form is typed by its own ending, if it has one."""
        return next((cls for inner, cls in self.org_suffixes if inner not in self.company_forms
                     and head.endswith(inner) and len(head) > len(inner)), default)

    def is_digitish(self, text: str) -> bool:
        return bool(text) and (text[0].isdigit() or text[0] in self.numeral_chars)


#: An English name inside a bracket after a Chinese one (its alias).
LATIN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9 .&\-]{1,40}")


def alias_regexes(markers: list[str], copulas: list[str]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """'全名(以下简称「简称」)' and '全名(English Name)': a bracket right after a name that renames it.

    The bracket may hold a name before the marker (an English name, or the full name when the
    short one comes first: 简称(全名，以下简称“简称”)) and a remark after the alias (，下同).
    """
    copula = "|".join([*(re.escape(c) for c in copulas), ":", "："])
    defined = re.compile(
        r"[（(]\s*(?:(?P<inner>[^（()）,，、;；]{1,40}?)\s*[,，、;；]\s*)?"
        rf"(?:{alternation(markers)})\s*(?:{copula})?\s*[“「『\"《]?(?P<alias>[^”」』\"》)）,，;；]{{1,20}}?)[”」』\"》]?"
        r"\s*(?:[,，;；、][^()（）]{0,12})?[)）]"
    )
    latin_only = re.compile(r"[（(]\s*(?P<latin>[A-Z][A-Za-z0-9 .&\-]{1,40}?)\s*[)）]")
    return defined, latin_only


class RuleSet:
    """A group of related name rules over one :class:`EntityRules`."""

    def __init__(self, rules: EntityRules) -> None:
        self.rules = rules
