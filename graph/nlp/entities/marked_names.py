"""Names the text marks itself: titles in 《》, quoted names, Latin script, launched plans, bylines."""

from __future__ import annotations

import re

from graph.nlp.entities.candidates import Candidate
from graph.nlp.entities.rules import RuleSet
from graph.nlp.entities.text import DocText
from graph.script import normalize

#: A run of capitalised (or camel-case) Latin words: a candidate name when something types it.
LATIN_RUN = re.compile(r"(?:[A-Z][A-Za-z0-9&+.\-]*|[a-z]+[A-Z][A-Za-z0-9&+.\-]*)(?:\s(?:[A-Z(][A-Za-z0-9&+.\-()]*))*")


class MarkedNames(RuleSet):
    def brackets(self, view: DocText) -> list[Candidate]:
        """Titles in 《》 (typed by their last words) and quoted names typed by an ending or a head noun."""
        r = self.rules
        out: list[Candidate] = []
        for m in r.book_title_re.finditer(view.text):
            inner = normalize(m.group(1))
            label = next((cls for word, cls in r.book_types if inner.endswith(word) or (word in inner and len(word) >= 2 and cls != "Publication")), r.book_default)
            out.append(Candidate(m.start(), m.end(), label, "pattern:title", 120, None, 0.9))
        for pair in r.quote_pairs:
            o, c = pair[0], pair[-1]
            for m in re.finditer(re.escape(o) + r"([^\n" + re.escape(o + c) + r"，,。；;]{2,20})" + re.escape(c), view.text):
                label = self._quoted_class(view, m)
                if label is not None:
                    out.append(Candidate(m.start(1), m.end(1), label, "pattern:quoted", 70, None, 0.7))
        return out

    def _quoted_class(self, view: DocText, m: re.Match[str]) -> str | None:
        r = self.rules
        inner = normalize(m.group(1))
        if inner in r.never or inner in r.generic:
            return None
        for table in r.name_suffixes:
            for suffix, cls in table:
                if inner.endswith(suffix) and len(inner) > len(suffix) and suffix not in r.weak:
                    return cls
        if any(inner.endswith(word) and len(inner) > len(word) + 1 for word in r.plan_suffixes):
            return "Plan"
        after = normalize(view.text[m.end() : m.end() + 4])
        before = normalize(view.text[max(0, m.start() - 4) : m.start()])
        return next((cls for head, cls in r.quoted_heads.items() if after.startswith(head) or before.endswith(head)), None)

    def latin(self, view: DocText) -> list[Candidate]:
        """Latin-script names, typed by a head noun next to them, their last word, or camel case."""
        r = self.rules
        out: list[Candidate] = []
        text = view.text
        for m in LATIN_RUN.finditer(text):
            s = m.start()
            word = m.group(0).rstrip("-( ")
            if word.endswith(".") and word.split()[-1].rstrip(".").lower() not in r.latin_abbreviations:
                word = word.rstrip(".")
            e = s + len(word)
            if (s > 0 and text[s - 1].isascii() and text[s - 1].isalnum()) or not word:
                continue
            if word.lower() in r.latin_stop or len(word) < 2:
                continue
            label = self._latin_class(text, s, e, word)
            if label is not None:
                out.append(Candidate(s, e, label, "pattern:latin", 50, None, 0.6))
        return out

    def _latin_class(self, text: str, s: int, e: int, word: str) -> str | None:
        r = self.rules
        after = normalize(text[e : e + 4]).lstrip("(（")
        before = normalize(text[max(0, s - 5) : s]).rstrip("(（「“\"")
        for head, cls in r.latin_ctx.items():
            if after.startswith(head) or before.endswith(head):
                return cls
        words = [w.strip("().").lower() for w in word.split()]
        if len(words) > 1:
            typed = [r.latin_types[w] for w in words[1:] if w in r.latin_types]
            if typed:
                return next((t for t in typed if t != "Company"), "Company")
        mixed = any(c.islower() for c in word) and any(c.isupper() for c in word[1:])
        if mixed and len(word) >= 4 and " " not in word:
            return "Product"
        return None

    def plans(self, view: DocText) -> list[Candidate]:
        """启动金融科技开放计划: the words between a launch verb and 计划/战略 name a plan."""
        r, doc, forms = self.rules, view.tokens, view.forms
        out: list[Candidate] = []
        for j, tok in enumerate(doc):
            t = forms[j]
            if not any(t.endswith(w) for w in r.plan_suffixes):
                continue
            i = j - 1
            while i >= max(0, j - 6):
                w = forms[i]
                if w in r.plan_verbs or doc[i].is_punct or w in r.punct or w in r.plan_walk_stops:
                    break
                i -= 1
            if i < 0 or forms[i] not in r.plan_verbs or j - i < 3:
                continue
            out.append(Candidate(doc[i + 1].idx, tok.idx + len(tok.text), "Plan", "pattern:plan", 55, None, 0.6))
        return out

    def bylines(self, view: DocText) -> list[Candidate]:
        """Bylines: 文/<author> (a person), 来源/<outlet> (a media outlet)."""
        r = self.rules
        out = [Candidate(m.start(1), m.end(1), "Person", "pattern:byline", 80, None, 0.8) for m in r.byline_author_re.finditer(view.norm)]
        out += [Candidate(m.start(1), m.end(1), "MediaOutlet", "pattern:byline", 80, None, 0.8) for m in r.byline_source_re.finditer(view.norm)]
        return out
