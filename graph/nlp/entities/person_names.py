"""People: a name next to a title (either order), after an appointing verb, or before a verb of saying.

A personal name is recognised by its shape (a known surname, two to four characters, the
tokenizer's part of speech) only where the context says a person is meant: alone, the shape
would take too many ordinary words.
"""

from __future__ import annotations

from collections.abc import Iterable

from spacy.tokens import Token

from graph.nlp.entities.candidates import Candidate
from graph.nlp.entities.rules import EntityRules, RuleSet
from graph.nlp.entities.text import DocText, is_han
from graph.nlp.segment import UNKNOWN_TAG, stock_tokenizer
from graph.script import normalize

PERSON_TAG = "nr"  # jieba's personal names (nr, and its nrt, nrfg)

Offsets = tuple[int, int]


def person_shaped(r: EntityRules, name: str) -> bool:
    """A common surname and one or two characters (three after a compound surname)."""
    if not 2 <= len(name) <= 4 or not all(is_han(c) for c in name):
        return False
    if name[:2] in r.compound_surnames:
        return len(name) >= 3
    return name[0] in r.surnames and len(name) <= 3


def fused_names(r: EntityRules, name: str) -> int | None:
    """Where the second of two personal names run together starts (记者李蕾张羽飞 → 2), else None.

    Bylines and lists write names without a separator, and the model reads the run as one
    person.  Only 5–6 Han characters that divide in exactly one way into two person-shaped names
    of 2–3 characters, with no character of a transliterated name, are divided: on the training
    splits of CLUENER2020, MSRA and Resume that divides 140 runs of two gold names and no gold
    name (four characters would also divide 陈方安生 and 董赵洪娉).
    """
    if not 5 <= len(name) <= 6 or name[:2] in r.compound_surnames or set(name) & r.transliteration_chars:
        return None
    cuts = [k for k in (2, 3) if 2 <= len(name) - k <= 3 and person_shaped(r, name[:k]) and person_shaped(r, name[k:])]
    return cuts[0] if len(cuts) == 1 else None


def _starts_word(text: str, lengths: Iterable[int]) -> bool:
    """Does *text* start with a word of jieba's stock dictionary of one of these lengths?"""
    words = stock_tokenizer().FREQ  # a word's prefixes are there too, with frequency 0
    return any(words.get(text[:k]) for k in lengths)


class PersonNames(RuleSet):
    def candidates(self, view: DocText) -> list[Candidate]:
        r = self.rules
        out: list[Candidate] = []
        toks = view.tokens
        for j, tok in enumerate(toks):
            t = view.forms[j]
            if self._is_title(t):
                # title then name: 副行长张三 / 董事长李四
                cand = self.name_at(view, toks, j + 1)
                if cand:
                    out.append(Candidate(cand[0], cand[1], "Person", "pattern:title-name", 80, None, 0.85))
                # name then title: 王五博士
                cand = self.name_before(view, toks, j)
                if cand:
                    out.append(Candidate(cand[0], cand[1], "Person", "pattern:name-title", 75, None, 0.75))
            if t in r.appoint and j + 2 < len(toks):
                cand = self.name_at(view, toks, j + 1)
                if cand and any(view.norm.startswith(w, cand[1]) for w in r.appointed_as):
                    out.append(Candidate(cand[0], cand[1], "Person", "pattern:appointed", 75, None, 0.75))
            if t in r.speech and j > 0:
                cand = self.name_before(view, toks, j)
                if cand:
                    out.append(Candidate(cand[0], cand[1], "Person", "pattern:speaker", 70, None, 0.7))
            if tok.tag_ in (PERSON_TAG, UNKNOWN_TAG) and self.looks_like_person(t) and len(t) >= 2 and self._says_soon(view, tok):
                out.append(Candidate(tok.idx, tok.idx + len(tok.text), "Person", "pattern:speaker", 65, None, 0.65))
        return out

    def _is_title(self, t: str) -> bool:
        r = self.rules
        return t in r.title_set or (len(t) >= 2 and t[-2:] in r.title_tails and any(t.endswith(x) for x in r.titles if len(t) <= len(x) + 2))

    def _says_soon(self, view: DocText, tok: Token) -> bool:
        """张三在…会议上提到 / 张三对媒体表示: a personal name that soon, in its clause, says something."""
        end = tok.idx + len(tok.text)
        tail = normalize(view.text[end : end + 12])
        cut = min([tail.find(c) for c in self.rules.clause_enders if c in tail] + [len(tail)])
        return any(v in tail[:cut] for v in self.rules.speech if len(v) >= 2)

    def looks_like_person(self, name: str) -> bool:
        return person_shaped(self.rules, name)

    def extend_name(self, text: str, start: int, end: int) -> int:
        """A two-character name may be the first two of three (张三|丰): take a third unless a word starts there."""
        if end - start != 2 or end >= len(text) or not is_han(text[end]):
            return end
        rest = normalize(text[end : end + 4])
        if any(rest.startswith(w) for w in self.rules.name_stops):
            return end
        if _starts_word(rest, (2, 3)):
            return end  # 曾坤|报道, 冀岩|上月: a dictionary word starts there
        return end + 1

    def name_at(self, view: DocText, toks: list[Token], i: int) -> Offsets | None:
        span = self._name_at_raw(view, toks, i)
        if span is None:
            return None
        nxt = next((t for t in toks[i : i + 3] if t.idx == span[1]), None)
        if nxt is not None and self.looks_like_person(view.form(nxt)):
            return span  # 记者李蕾|张羽飞: the next word is the next person, not a third character
        return span[0], self.extend_name(view.text, span[0], span[1])

    def _name_at_raw(self, view: DocText, toks: list[Token], i: int) -> Offsets | None:
        r = self.rules
        if i >= len(toks):
            return None
        tok = toks[i]
        t = view.form(tok)
        personal = tok.tag_.startswith(PERSON_TAG)
        relaxed = 2 <= len(t) <= 3 and all(is_han(c) for c in t) and (personal or (len(t) == 3 and t[0] not in r.not_name_start))
        if (personal or tok.tag_ == UNKNOWN_TAG) and (self.looks_like_person(t) or relaxed):
            if len(t) == 3 and tok.tag_ == UNKNOWN_TAG and self._word_starts(view, t[2], toks[i + 1 : i + 2]):
                return tok.idx, tok.idx + 2  # 朱琦|已, 曾坤|报道: jieba joined the name and what follows it
            return tok.idx, tok.idx + len(tok.text)
        # jieba sometimes splits an unknown name: 刘 / 某某
        if i + 1 < len(toks) and len(t) == 1 and t in r.surnames:
            nxt = toks[i + 1]
            nt = view.form(nxt)
            if 1 <= len(nt) <= 2 and all(is_han(c) for c in nt) and nt not in r.speech and nt not in r.boundary:
                return tok.idx, nxt.idx + len(nxt.text)
        if self.looks_like_person(t) and len(t) in (2, 3) and tok.tag_ not in r.not_name_pos:
            return tok.idx, tok.idx + len(tok.text)
        return None

    def _word_starts(self, view: DocText, ch: str, nxt: list[Token]) -> bool:
        """Does the last character of an unknown three-character token start what follows the name:
        a word that ends a name (已, 所), or a dictionary word with the next token (报|道, 实|习, 上|月)?"""
        if ch in self.rules.name_stops:
            return True
        if not nxt:
            return False
        follow = view.form(nxt[0])
        return _starts_word(ch + follow, range(2, min(len(follow), 3) + 2))

    def name_before(self, view: DocText, toks: list[Token], j: int) -> Offsets | None:
        r = self.rules
        if j <= 0:
            return None
        if j >= 2 and toks[j - 2].tag_ in r.org_end_pos:
            return None  # <company>总经理: the word before the title ends an organisation's name
        tok = toks[j - 1]
        t = view.form(tok)
        if (tok.tag_.startswith(PERSON_TAG) or tok.tag_ == UNKNOWN_TAG) and self.looks_like_person(t):
            return tok.idx, tok.idx + len(tok.text)
        if j >= 2:
            prev = toks[j - 2]
            pt = view.form(prev)
            if len(pt) == 1 and pt in r.surnames and 1 <= len(t) <= 2 and all(is_han(c) for c in t) and tok.tag_ not in r.not_given_name_pos:
                return prev.idx, tok.idx + len(tok.text)
        return None
