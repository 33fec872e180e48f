"""Quantitative facts and dates: 25.6萬筆/秒 → 256000 per second, 去年雙十一 → 2017-11-11.

A figure is only useful with what it measures and when, so each one is
attached to the nearest entity before it in its sentence and to the date
the sentence gives, resolved against the publication date.
"""

from __future__ import annotations

import datetime as dt
import re
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
        self.rel_years = p["relative_years"]
        self.named_days = p["named_days"]
        pre = "|".join(sorted((q for q in self.quals if q not in ("以上", "以下", "左右", "多", "余")), key=len, reverse=True))
        mag = "|".join(sorted(self.mags, key=len, reverse=True))
        unit = "|".join(re.escape(u) for u in sorted(self.units, key=len, reverse=True))
        num = r"\d+(?:[.,]\d+)*(?: \d{3})*|[一二两三四五六七八九十]{1,3}"
        self.number_re = re.compile(
            rf"(?P<pre>{pre})?(?P<num>{num})(?P<more>多|余)?\s*(?P<mag>{mag})?(?P<more2>多|余)?(?P<unit>{unit})(?P<post>以上|以下|左右)?"
        )
        days = "|".join(re.escape(d) for d in self.named_days)
        rel = "|".join(self.rel_years)
        self.date_re = re.compile(
            rf"(?P<y>\d{{4}})年(?:(?P<m>\d{{1,2}})月(?:(?P<d>\d{{1,2}})[日号])?)?"
            rf"|(?P<rel>{rel})(?:(?P<rm>\d{{1,2}})月(?:(?P<rd>\d{{1,2}})[日号])?|(?P<day>{days})|(?P<mid>中|底|初|末))?"
            rf"|(?<![\d年])(?P<m2>\d{{1,2}})月(?P<d2>\d{{1,2}})[日号]"
        )

    def _number(self, raw: str) -> Decimal | None:
        raw = raw.replace(",", "").replace(" ", "")
        if raw and raw[0] in self.numerals:
            if raw == "十":
                return Decimal(10)
            if raw.startswith("十"):
                return Decimal(10 + self.numerals.get(raw[1:], 0))
            if raw.endswith("十") and len(raw) == 2:
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
                if m.group("unit") == "年" and not (m.group("more") or m.group("more2") or m.group("pre") or m.group("post")):
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
        same_clause = [e for e in before if not any(c in norm[e.end_char : pos] for c in "，,；;")]
        if same_clause:
            return URIRef(same_clause[-1].kb_id_)
        if before:
            return URIRef(before[-1].kb_id_)
        return None

    @staticmethod
    def _date_for(dates: list[DateMention], pos: int) -> str | None:
        before = [d for d in dates if d.end <= pos]
        return before[-1].value if before else None


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
