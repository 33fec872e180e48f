"""Quantitative facts and dates: 25.6萬筆/秒 → 256000 per second, 去年雙十一 → 2017-11-11.

A figure is only useful with what it measures and when, so each one is
attached to the nearest entity before it in its sentence and to the date
the sentence gives, resolved against the publication date.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from rdflib import URIRef
from spacy.language import Language
from spacy.tokens import Doc, Span

from graph.nlp import extensions  # noqa: F401  (registers doc._ / span._ attributes)
from graph.nlp.patterns import load_patterns
from graph.rdf.ontology import load_ontology
from graph.vocab import KG


@dataclass
class Fact:
    about: URIRef | None
    value: Decimal
    unit: str
    text: str
    start: int
    end: int
    sent_start: int
    sent_end: int
    qualifier: str | None = None
    date: str | None = None
    confidence: float = 0.7


@dataclass
class DateMention:
    start: int
    end: int
    value: str  # ISO date, year-month or year


class FactExtractor:
    def __init__(self, nlp: Language, name: str, patterns: str) -> None:
        p = load_patterns(patterns)
        self.onto = load_ontology()
        self.quals = p["qualifiers"]
        self.mags = {k: Decimal(str(v)) for k, v in p["magnitudes"].items()}
        self.units = p["units"]
        self.numerals = p["numerals"]
        self.ten = next(k for k, v in self.numerals.items() if v == 10)
        self.rel_years = p["relative_years"]
        self.named_days = p["named_days"]
        self.clause_breaks: str = p["clause_breaks"]
        self.number_re = self._number_regex(p)
        self.date_re = self._date_regex(p["date_words"])

    def _number_regex(self, p: dict) -> re.Pattern[str]:
        """<qualifier> <number> <more> <magnitude> <more> <unit> <qualifier>: 超过3亿多元, 十多年, 100万户以上."""
        post, more = p["post_qualifiers"], p["more_words"]
        pre = _either(q for q in self.quals if q not in (*post, *more))
        mag = _either(self.mags)
        unit = _either(self.units)
        num = rf"\d+(?:[.,]\d+)*(?: \d{{3}})*|[{''.join(self.numerals)}]{{1,3}}"
        more_re, post_re = _either(more), _either(post)
        return re.compile(
            rf"(?P<pre>{pre})?(?P<num>{num})(?P<more>{more_re})?\s*(?P<mag>{mag})?(?P<more2>{more_re})?(?P<unit>{unit})(?P<post>{post_re})?"
        )

    def _date_regex(self, words: dict) -> re.Pattern[str]:
        """<y>年<m>月<d>日, a relative year with a month, a named day or a part of the year, <m>月<d>日."""
        self.year_word = words["year"]
        y, mo = re.escape(words["year"]), re.escape(words["month"])
        d = "[" + "".join(re.escape(x) for x in words["day"]) + "]"
        part = _either(words["part_of_year"])
        days = _either(self.named_days)
        rel = _either(self.rel_years)
        return re.compile(
            rf"(?P<y>\d{{4}}){y}(?:(?P<m>\d{{1,2}}){mo}(?:(?P<d>\d{{1,2}}){d})?)?"
            rf"|(?P<rel>{rel})(?:(?P<rm>\d{{1,2}}){mo}(?:(?P<rd>\d{{1,2}}){d})?|(?P<day>{days})|(?P<mid>{part}))?"
            rf"|(?<![\d{y}])(?P<m2>\d{{1,2}}){mo}(?P<d2>\d{{1,2}}){d}"
        )

    def _number(self, raw: str) -> Decimal | None:
        raw = raw.replace(",", "").replace(" ", "")
        if raw and raw[0] in self.numerals:
            if raw == self.ten:
                return Decimal(10)
            if raw.startswith(self.ten):
                return Decimal(10 + self.numerals.get(raw[1:], 0))
            if raw.endswith(self.ten) and len(raw) == 2:
                return Decimal(self.numerals[raw[0]] * 10)
            if len(raw) == 1:
                return Decimal(self.numerals[raw])
            return None
        try:
            return Decimal(raw)
        except InvalidOperation:
            return None

    def dates(self, text: str, published: dt.date | None) -> list[DateMention]:
        out = []
        for m in self.date_re.finditer(text):
            g = m.groupdict()
            if g["y"]:
                y = int(g["y"])
                if not 1900 <= y <= 2100:
                    continue
                val = f"{y:04d}" + (f"-{int(g['m']):02d}" if g["m"] else "") + (f"-{int(g['d']):02d}" if g["d"] else "")
            elif g["rel"]:
                if published is None:
                    continue
                y = published.year + int(self.rel_years[g["rel"]])
                if g["day"]:
                    val = f"{y:04d}-{self.named_days[g['day']]}"
                elif g["rm"]:
                    val = f"{y:04d}-{int(g['rm']):02d}" + (f"-{int(g['rd']):02d}" if g["rd"] else "")
                else:
                    val = f"{y:04d}"
            else:
                if published is None:
                    continue
                val = f"{published.year:04d}-{int(g['m2']):02d}-{int(g['d2']):02d}"
            if _valid(val):
                out.append(DateMention(m.start(), m.end(), val))
        return out

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text
        norm = doc._.norm_text or text
        published = doc._.published
        dates = self.dates(norm, published)
        doc._.dates = dates
        facts: list[Fact] = []
        ents = [e for e in doc.ents if e.kb_id_]
        for sent in list(doc.sents):
            s_ents = [e for e in ents if e.start_char >= sent.start_char and e.end_char <= sent.end_char]
            s_dates = [d for d in dates if d.start >= sent.start_char and d.end <= sent.end_char]
            for m in self.number_re.finditer(norm, sent.start_char, sent.end_char):
                start, end = m.start(), m.end()
                if any(d.start <= start < d.end for d in dates):
                    continue
                if any(e.start_char <= start < e.end_char for e in ents):
                    continue
                if m.group("unit") == self.year_word and not (m.group("more") or m.group("more2") or m.group("pre") or m.group("post")):
                    continue  # 2017年 is a date, not a duration
                if start > 0 and norm[start - 1].isdigit():
                    continue
                han_numeral = m.group("num")[0] in self.numerals
                if han_numeral and not (m.group("more") or m.group("more2") or m.group("pre") or m.group("post") or m.group("mag")):
                    continue  # 一個, 一家: counting words, not figures
                value = self._number(m.group("num"))
                if value is None:
                    continue
                if m.group("mag"):
                    value *= self.mags[m.group("mag")]
                qual = None
                if m.group("pre"):
                    qual = self.quals[m.group("pre")]
                if m.group("more") or m.group("more2"):
                    qual = qual or "greaterThan"
                if m.group("post"):
                    qual = self.quals[m.group("post")]
                about = self._subject(doc, s_ents, start)
                date = self._date_for(s_dates, start)
                facts.append(
                    Fact(about, _clean(value), self.units[m.group("unit")], text[start:end], start, end,
                         sent.start_char, sent.end_char, qual, date, 0.8 if about else 0.5)
                )
        doc._.facts = facts
        return doc

    def _subject(self, doc: Doc, ents: list[Span], pos: int) -> URIRef | None:
        norm = doc._.norm_text or doc.text
        before = [e for e in ents if e.end_char <= pos]
        same_clause = [e for e in before if not any(c in norm[e.end_char : pos] for c in self.clause_breaks)]
        if same_clause:
            return URIRef(same_clause[-1].kb_id_)
        if before:
            return URIRef(before[-1].kb_id_)
        return None

    @staticmethod
    def _date_for(dates: list[DateMention], pos: int) -> str | None:
        before = [d for d in dates if d.end <= pos]
        return before[-1].value if before else None


def _either(words: Iterable[str]) -> str:
    """A regex alternation of *words*, longest first (the longest reading of a figure wins)."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _clean(value: Decimal) -> Decimal:
    value = value.normalize()
    if value == value.to_integral():
        return value.quantize(Decimal(1))
    return value


def _valid(val: str) -> bool:
    parts = [int(x) for x in val.split("-")]
    try:
        dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        return False
    return True


@Language.factory(
    "cnfinkg_facts",
    default_config={"patterns": "facts.yaml"},
    assigns=["doc._.facts", "doc._.dates"],  # reads doc._.published, set by the caller
)
def make_fact_extractor(nlp: Language, name: str, patterns: str) -> FactExtractor:
    return FactExtractor(nlp, name, patterns)


__all__ = ["KG", "DateMention", "Fact", "FactExtractor"]
