"""Entity recognition: knowledge base, general name patterns and an optional statistical model.

Layers, strongest first: names in the knowledge base (either script); names
a document defines itself (以下簡稱…); titles in 《》; names found by their
suffix (…銀行, …有限公司, …峰會) whose start is found from segmentation and
part of speech; people next to a title or a verb of saying; Latin-script
names typed by the noun next to them; and, to fill gaps, a statistical NER
model trained on CLUENER2020.  Results land on ``doc.ents`` with the
ontology class as label and, for knowledge-base hits, the IRI as ``kb_id_``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

from graph.nlp import extensions  # noqa: F401  (registers doc._ / span._ attributes)
from graph.nlp.kb import KBEntry, KnowledgeBase, load_kb
from graph.nlp.patterns import load_patterns
from graph.script import normalize

NAME_JOINERS = set("·・-")  # 丹尼斯·霍珀, 汤姆-克鲁斯: inside a name, not around it
PUNCT = set("，,。．.！!？?；;：:、（）()《》「」『』“”\"'‘’【】[]{}—-–…·/\\|~～ \t\n\u3000")
LATIN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9&+.\-]*[A-Za-z0-9+]|[A-Za-z]{2,}")
ALIAS_DEF = re.compile(
    r"[（(]\s*(?:(?P<latin>[A-Za-z][A-Za-z0-9 .&\-]{1,40})\s*[,，、;；]\s*)?"
    r"(?:以下简称|以下称|下称|简称|下同简称)\s*[为:：]?\s*[“「『\"《]?(?P<alias>[^”」』\"》)）]{1,20}?)[”」』\"》]?\s*[)）]"
)
ALIAS_LATIN_ONLY = re.compile(r"[（(]\s*(?P<latin>[A-Z][A-Za-z0-9 .&\-]{1,40}?)\s*[)）]")


@dataclass
class Candidate:
    start: int
    end: int
    label: str
    source: str
    priority: int
    kb: KBEntry | None = None
    confidence: float = 0.9
    target: str | None = None  # normalised name this one stands for (aliases)

    @property
    def length(self) -> int:
        return self.end - self.start


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


class EntityRecognizer:
    _text = ""
    _tn_doc: Doc | None = None
    _tn: list[str] = []  # noqa: RUF012 - replaced per document

    def __init__(self, nlp: Language, name: str, patterns: str, use_kb: bool) -> None:
        self.name = name
        self.p: dict[str, Any] = load_patterns(patterns)
        self.kb: KnowledgeBase | None = load_kb() if use_kb else None
        self.model_labels: dict[str, str] = dict(self.p.get("model_labels", {}))
        self.model_min = float(self.p.get("model_min_confidence", 0.5))
        self.model_propagate = float(self.p.get("model_propagate_confidence", 0.8))
        self.model_common_ok = float(self.p.get("model_common_words_confidence", 1.01))
        self.model_override = float(self.p.get("model_override_confidence", 0.8))
        self.model_org_endings = sorted(self.p.get("model_org_endings", {}).items(), key=lambda kv: -len(kv[0]))
        p = self.p
        self.org_suffixes = sorted(p["org_suffixes"].items(), key=lambda kv: -len(kv[0]))
        self.event_suffixes = sorted(p["event_suffixes"].items(), key=lambda kv: -len(kv[0]))
        self.product_suffixes = sorted(p["product_suffixes"].items(), key=lambda kv: -len(kv[0]))
        self._suffix_last = {sfx[-1] for table in (self.org_suffixes, self.event_suffixes, self.product_suffixes) for sfx, _ in table}
        self.weak = set(p["weak_suffixes"])
        self.legal_forms = set(p["legal_forms"])
        self.verb_like = set(p.get("verb_like_suffixes", []))
        self.kb_block = tuple(p.get("kb_block_following", []))
        self.latin_types = {k.lower(): v for k, v in p.get("latin_types", {}).items()}
        self.plan_verbs = set(p["plan_verbs"])
        cols = "|".join(re.escape(x) for x in sorted(p["column_suffixes"], key=len, reverse=True))
        self._column_re = re.compile(r"[A-Za-z0-9\u4e00-\u9fff]{1,8}?(?:" + cols + ")")
        self.stop_suffixes = tuple(self.legal_forms | {"公司", "平台", "银行", "集团"})
        self.org_pos = set(p["org_pos"])
        self.name_pos = set(p["name_pos"])
        self.proper_pos = set(p["proper_pos"])
        self.generic = set(p["generic_words"])
        self.never = set(p["never_entities"])
        self.boundary = set(p["boundary_words"])
        self.model_descriptors = set(p.get("descriptor_words", []))
        self.descriptors = self.boundary | self.model_descriptors
        self.titles = sorted(p["person_titles"], key=len, reverse=True)
        self.title_set = set(self.titles)
        self.title_tails = {x[-2:] for x in self.titles if len(x) >= 2}
        self.speech = set(p["speech_verbs"])
        self.appoint = set(p.get("appointment_verbs", []))
        self.name_stops = tuple(set(p["speech_verbs"]) | set(p["boundary_words"]) | set(p.get("name_stops", [])))
        self.surnames = set(p["surnames"])
        self.compound_surnames = set(p["compound_surnames"])
        self.latin_stop = {s.lower() for s in p["latin_stoplist"]}
        self.latin_ctx = p["latin_context"]
        self.quoted_heads = p["quoted_heads"]
        self.book_types = sorted(p["book_types"].items(), key=lambda kv: -len(kv[0]))
        self.place_suffixes = p["place_suffixes"]
        # KB name index by first character for a single left-to-right scan.
        self._kb_first: dict[str, list[tuple[str, KBEntry, str]]] = {}
        if self.kb is not None:
            for key, entries in self.kb.index.items():
                for entry, kind in entries:
                    if kind != "short":
                        self._kb_first.setdefault(key[0], []).append((key, entry, kind))
            for lst in self._kb_first.values():
                lst.sort(key=lambda x: -len(x[0]))
        self._short_names: dict = {}
        if self.kb is not None:
            for key, entries in self.kb.index.items():
                for entry, kind in entries:
                    if kind == "short":
                        self._short_names.setdefault(entry.iri, []).append(key)

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _starts_ends(doc: Doc) -> tuple[set[int], set[int]]:
        return {t.idx for t in doc}, {t.idx + len(t.text) for t in doc}

    def _norm(self, doc: Doc) -> str:
        return doc._.norm_text if doc._.norm_text is not None else normalize(self._text)

    def _kb_candidates(self, doc: Doc, norm: str, starts: set[int], ends: set[int]) -> list[Candidate]:
        out: list[Candidate] = []
        low = norm.lower()
        # KB keys are space-free (script.normalize): "Goldman Sachs" is indexed as "goldmansachs".
        # Scan a space-free copy of the text and map offsets back to ``low``.
        pos = [k for k, c in enumerate(low) if c != " "]
        flat = "".join(low[k] for k in pos)
        n = len(low)
        i = 0
        while i < len(flat):
            found = None
            for key, entry, kind in self._kb_first.get(flat[i], ()):
                if flat.startswith(key, i):
                    s, e = pos[i], pos[i + len(key) - 1] + 1
                    if key.isascii():
                        if (s > 0 and low[s - 1].isalnum() and low[s - 1].isascii()) or (e < n and low[e].isalnum() and low[e].isascii()):
                            continue
                    elif len(key) <= 2 and not (s in starts and e in ends):
                        continue
                    if any(low.startswith(b, e) for b in self.kb_block):
                        continue
                    found = (Candidate(s, e, _local(entry.type), f"kb:{kind}", 100, entry, 0.98), i + len(key))
                    break
            if found:
                out.append(found[0])
                i = found[1]
            else:
                i += 1
        return out

    def _walk_left(self, doc: Doc, j: int, min_start_tok: int = 0, trim_generic: bool = True) -> int:
        """Index of the first token of the name that ends at token ``j`` (exclusive of ``j``)."""
        i = j
        count = 0
        max_tok = self.p["max_name_tokens"]
        while i > min_start_tok and count < max_tok:
            prev = doc[i - 1]
            t = self._tnorm(prev)
            if t in (")", "）") and i - 3 >= min_start_tok and self._tnorm(doc[i - 3]) in ("(", "（"):
                i -= 3
                count += 1
                continue
            if t in self.descriptors or prev.is_punct or t in PUNCT or prev.tag_ not in self.name_pos:
                break
            if prev.tag_ == "x" and not prev.text.isascii():
                break
            if prev.text.isspace():
                break
            if prev.text.isascii() and prev.text.lower() in self.latin_stop:
                break
            if i < j and any(t.endswith(x) for x in self.stop_suffixes):
                break  # 消費金融公司 | 重慶小米消費金融有限公司: the earlier noun is an apposition
            i -= 1
            count += 1
        # Leading generic words are modifiers, not part of the name.
        while trim_generic and i < j and self._tnorm(doc[i]) in self.generic:
            i += 1
        return i

    def _tnorm(self, tok) -> str:
        """A token's script-normalised form, from the document's normalised text (no per-token conversion)."""
        if tok.doc is self._tn_doc:
            return self._tn[tok.i]
        return normalize(tok.text) if not tok.text.isascii() else tok.text

    def _prepare(self, doc: Doc) -> None:
        norm = self._norm(doc)
        self._tn_doc = doc
        self._tn = [t.text if t.text.isascii() else norm[t.idx : t.idx + len(t.text)].lower().replace(" ", "") for t in doc]

    def _has_proper(self, toks) -> bool:
        return any(
            (t.tag_ in self.proper_pos and not (t.text.isascii() and t.text.lower() in self.latin_stop))
            or (t.text.isascii() and t.text.isalpha() and len(t.text) >= 2 and t.text.lower() not in self.latin_stop)
            for t in toks
        )

    def _name_ok(self, kind: str, suffix: str, tok, own_prefix: bool, body: list) -> bool:
        """Is what precedes a suffix a name, rather than a description (銀行雲, 數字化銀行, 金融上雲)?"""
        if kind == "event":
            return len(body) + (1 if own_prefix else 0) >= 2 or self._has_proper(body)
        if own_prefix and suffix in self.weak and not (tok.tag_ in self.org_pos or (tok.tag_ == "un" and len(tok.text) - len(suffix) >= 2)):
            return False  # 上雲, 風雲: a dictionary word that merely ends like a name
        if own_prefix and (tok.tag_ in self.org_pos or (tok.tag_ == "un" and len(tok.text) - len(suffix) >= 2)):
            return True
        if suffix in self.weak and 0 < len(body) <= 2 and self._tnorm(body[-1]) in self.generic:
            return False  # 小米金融系公司: a description of companies, not a name
        if suffix in self.weak:
            # 公有雲和私有雲: a place-like token (云和) does not make a description a name
            ok_tags = ("j", "eng", "un") if suffix == "云" else ("j", "eng", "ns", "un")
            return any(x.tag_ in self.org_pos or x.tag_.startswith("nr") or x.tag_ in ok_tags for x in body if x.text.lower() not in self.latin_stop)
        if self._has_proper(body):
            return True
        if suffix in self.legal_forms:
            # A registered company name may be built from common words (星河金融科技有限公司).
            return 1 <= sum(self._tnorm(x) not in self.generic for x in body) <= 2
        return False

    def _suffix_candidates(self, doc: Doc) -> list[Candidate]:
        out: list[Candidate] = []
        tables = (
            (self.org_suffixes, "org", 60),
            (self.event_suffixes, "event", 60),
            (self.product_suffixes, "product", 55),
        )
        for j, tok in enumerate(doc):
            t = self._tnorm(tok)
            if not t or t[-1] not in self._suffix_last:
                continue
            for table, kind, prio in tables:
                for suffix, label in table:
                    if not t.endswith(suffix):
                        continue
                    own_prefix = len(t) > len(suffix)
                    if own_prefix and t[: -len(suffix)] in self.generic:
                        continue
                    start_tok = self._walk_left(doc, j, trim_generic=kind != "event")
                    toks = doc[start_tok : j + 1]
                    name = normalize(toks.text)
                    head = name[: len(name) - len(suffix)]
                    if not head or name in self.never or head in self.generic:
                        continue
                    body = [x for x in doc[start_tok:j]]
                    if not self._name_ok(kind, suffix, tok, own_prefix, body):
                        continue
                    if suffix in self.verb_like and j + 1 < len(doc):
                        nxt = self._tnorm(doc[j + 1])
                        if nxt[:1].isdigit() or doc[j + 1].tag_ == "m" or nxt in ("了", "于", "给", "到", "过"):
                            continue  # 向某公司投資5億元: the suffix is the verb here
                    if kind == "product" and self.kb is not None and self.kb.lookup(head):
                        continue  # 支付寶App: the known name is the entity, App is its form
                    if len(name) > self.p["max_name_chars"] or any(x.text[:1].isdigit() or (x.tag_ == "m" and _is_digitish(x.text)) for x in toks[:1]):
                        continue
                    end_char = toks.end_char
                    if suffix in self.legal_forms or suffix in ("公司", "集团"):
                        # 重慶小米消費金融有限公司 is a consumer-finance company: the inner suffix types it.
                        for inner, cls in self.org_suffixes:
                            if inner not in _LEGAL and head.endswith(inner) and len(head) > len(inner):
                                label = cls
                                break
                    if j + 3 < len(doc) and doc[j + 1].text in ("(", "（") and doc[j + 3].text in (")", "）") and doc[j + 2].tag_ in ("ns", "nz"):
                        end_char = doc[j + 3].idx + 1  # 中國平安證券(香港)
                    out.append(Candidate(toks.start_char, end_char, label, f"pattern:{kind}:{suffix}", prio, None, 0.75))
                    break
        return out

    def _column_candidates(self, norm: str, cands: list[Candidate]) -> list[Candidate]:
        """36氪創投頻道: a known outlet's name followed by a column title is that column (a publication)."""
        out: list[Candidate] = []
        for c in cands:
            if c.kb is None or c.label != "MediaOutlet":
                continue
            m = self._column_re.match(norm, c.end)
            if m:
                out.append(Candidate(c.start, m.end(), "Publication", "pattern:column", 105, None, 0.75))
        return out

    def _byline_candidates(self, doc: Doc, norm: str) -> list[Candidate]:
        """Bylines: 文/周某某 (the author), 來源/市界 (the outlet)."""
        out: list[Candidate] = []
        for m in re.finditer(r"(?m)^\s*(?:文|作者|记者|撰文|编辑)\s*[/:：|｜]\s*([\u4e00-\u9fff]{2,4})(?=$|[\s(（,，])", norm):
            out.append(Candidate(m.start(1), m.end(1), "Person", "pattern:byline", 80, None, 0.8))
        for m in re.finditer(r"(?m)^\s*(?:来源|出处|转载自)\s*[/:：|｜]\s*([^\s(（)）,，。/]{2,12})", norm):
            out.append(Candidate(m.start(1), m.end(1), "MediaOutlet", "pattern:byline", 80, None, 0.8))
        return out

    def _plan_candidates(self, doc: Doc) -> list[Candidate]:
        """啟動金融科技開放計劃: the words between a launch verb and 計劃/戰略 name a plan."""
        out: list[Candidate] = []
        for j, tok in enumerate(doc):
            t = self._tnorm(tok)
            if not any(t.endswith(w) for w in self.p["plan_suffixes"]):
                continue
            i = j - 1
            while i >= max(0, j - 6):
                w = self._tnorm(doc[i])
                if w in self.plan_verbs or doc[i].is_punct or w in PUNCT or w in ("的", "了", "和", "与"):
                    break
                i -= 1
            if i < 0 or self._tnorm(doc[i]) not in self.plan_verbs or j - i < 3:
                continue
            out.append(Candidate(doc[i + 1].idx, tok.idx + len(tok.text), "Plan", "pattern:plan", 55, None, 0.6))
        return out

    def _bracket_candidates(self, doc: Doc, norm: str) -> list[Candidate]:
        out: list[Candidate] = []
        for m in re.finditer(r"《([^《》\n]{1,60})》", self._text):
            inner = normalize(m.group(1))
            label = self.p["book_default"]
            for word, cls in self.book_types:
                if inner.endswith(word) or (word in inner and len(word) >= 2 and cls != "Publication"):
                    label = cls
                    break
            out.append(Candidate(m.start(), m.end(), label, "pattern:title", 120, None, 0.9))
        for pair in self.p["quote_pairs"]:
            o, c = pair[0], pair[-1]
            for m in re.finditer(re.escape(o) + r"([^\n" + re.escape(o + c) + r"，,。；;]{2,20})" + re.escape(c), self._text):
                inner = normalize(m.group(1))
                if inner in self.never or inner in self.generic:
                    continue
                label = None
                for table in (self.org_suffixes, self.event_suffixes, self.product_suffixes):
                    for suffix, cls in table:
                        if inner.endswith(suffix) and len(inner) > len(suffix) and suffix not in self.weak:
                            label = cls
                            break
                    if label:
                        break
                if label is None:
                    for word in self.p["plan_suffixes"]:
                        if inner.endswith(word) and len(inner) > len(word) + 1:
                            label = "Plan"
                after = normalize(self._text[m.end() : m.end() + 4])
                before = normalize(self._text[max(0, m.start() - 4) : m.start()])
                if label is None:
                    for head, cls in self.quoted_heads.items():
                        if after.startswith(head) or before.endswith(head):
                            label = cls
                            break
                if label is None:
                    continue
                s, e = m.start(1), m.end(1)
                out.append(Candidate(s, e, label, "pattern:quoted", 70, None, 0.7))
        return out

    def _latin_candidates(self, doc: Doc) -> list[Candidate]:
        out: list[Candidate] = []
        text = self._text
        for m in re.finditer(r"(?:[A-Z][A-Za-z0-9&+.\-]*|[a-z]+[A-Z][A-Za-z0-9&+.\-]*)(?:\s(?:[A-Z(][A-Za-z0-9&+.\-()]*))*", text):
            s, e = m.start(), m.end()
            word = m.group(0).rstrip("-( ")
            if word.endswith(".") and word.split()[-1].rstrip(".").lower() not in ("inc", "co", "ltd", "corp", "llc", "plc"):
                word = word.rstrip(".")
            e = s + len(word)
            if (s > 0 and text[s - 1].isascii() and text[s - 1].isalnum()) or not word:
                continue
            if word.lower() in self.latin_stop or len(word) < 2:
                continue
            after = normalize(text[e : e + 4]).lstrip("(（")
            before = normalize(text[max(0, s - 5) : s]).rstrip("(（「“\"")
            label = None
            for head, cls in self.latin_ctx.items():
                if after.startswith(head) or before.endswith(head):
                    label = cls
                    break
            words = [w.strip("().").lower() for w in word.split()]
            if label is None and len(words) > 1:
                typed = [self.latin_types[w] for w in words[1:] if w in self.latin_types]
                if typed:
                    label = next((t for t in typed if t != "Company"), "Company")
            if label is None:
                mixed = any(c.islower() for c in word) and any(c.isupper() for c in word[1:])
                if mixed and len(word) >= 4 and " " not in word:
                    label = "Product"
            if label is None:
                continue
            out.append(Candidate(s, e, label, "pattern:latin", 50, None, 0.6))
        return out

    def _looks_like_person(self, name: str) -> bool:
        if not 2 <= len(name) <= 4 or not all(_is_han(c) for c in name):
            return False
        if name[:2] in self.compound_surnames:
            return len(name) >= 3
        return name[0] in self.surnames and len(name) <= 3

    def _person_candidates(self, doc: Doc) -> list[Candidate]:
        out: list[Candidate] = []
        toks = list(doc)
        for j, tok in enumerate(toks):
            t = self._tnorm(tok)
            if t in self.title_set or (len(t) >= 2 and t[-2:] in self.title_tails and any(t.endswith(x) for x in self.titles if len(t) <= len(x) + 2)):
                # title then name: 副行长张明远 / 董事长王立新
                cand = self._name_at(toks, j + 1)
                if cand:
                    out.append(Candidate(cand[0], cand[1], "Person", "pattern:title-name", 80, None, 0.85))
                # name then title: 郑宇博士
                cand = self._name_before(toks, j)
                if cand:
                    out.append(Candidate(cand[0], cand[1], "Person", "pattern:name-title", 75, None, 0.75))
            if t in self.appoint and j + 2 < len(toks):
                cand = self._name_at(toks, j + 1)
                if cand and self._text[cand[1] : cand[1] + 1] in ("为", "為") or (cand and self._text[cand[1] : cand[1] + 2] in ("担任", "擔任")):
                    out.append(Candidate(cand[0], cand[1], "Person", "pattern:appointed", 75, None, 0.75))
            if t in self.speech and j > 0:
                cand = self._name_before(toks, j)
                if cand:
                    out.append(Candidate(cand[0], cand[1], "Person", "pattern:speaker", 70, None, 0.7))
            if tok.tag_ in ("nr", "un") and self._looks_like_person(t) and len(t) >= 2:
                # 陸奇在…會議上提到 / 陸奇對媒體表示: a personal name that soon says something
                tail = normalize(self._text[tok.idx + len(tok.text) : tok.idx + len(tok.text) + 12])
                cut = min([tail.find(c) for c in "，,。；;！？!?" if c in tail] + [len(tail)])
                if any(v in tail[:cut] for v in self.speech if len(v) >= 2):
                    out.append(Candidate(tok.idx, tok.idx + len(tok.text), "Person", "pattern:speaker", 65, None, 0.65))
        return out

    def _extend_name(self, text: str, start: int, end: int) -> int:
        """A two-character name may be the first two of three (井賢|楝): take a third unless a word starts there."""
        if end - start != 2 or end >= len(text) or not _is_han(text[end]):
            return end
        rest = normalize(text[end : end + 4])
        if any(rest.startswith(w) for w in self.name_stops):
            return end
        return end + 1

    def _name_at(self, toks, i: int) -> tuple[int, int] | None:
        span = self._name_at_raw(toks, i)
        if span is None:
            return None
        return span[0], self._extend_name(self._text, span[0], span[1])

    def _name_at_raw(self, toks, i: int) -> tuple[int, int] | None:
        if i >= len(toks):
            return None
        tok = toks[i]
        t = self._tnorm(tok)
        relaxed = 2 <= len(t) <= 3 and all(_is_han(c) for c in t) and (tok.tag_.startswith("nr") or (len(t) == 3 and t[0] not in _NOT_NAME_START))
        if (tok.tag_.startswith("nr") or tok.tag_ == "un") and (self._looks_like_person(t) or relaxed):
            return tok.idx, tok.idx + len(tok.text)
        # jieba sometimes splits an unknown name: 刘 / 伟光
        if i + 1 < len(toks) and len(t) == 1 and t in self.surnames:
            nxt = toks[i + 1]
            nt = self._tnorm(nxt)
            if 1 <= len(nt) <= 2 and all(_is_han(c) for c in nt) and nt not in self.speech and nt not in self.boundary:
                return tok.idx, nxt.idx + len(nxt.text)
        if self._looks_like_person(t) and len(t) in (2, 3) and tok.tag_ not in ("v", "d", "p", "c", "u", "uj", "m", "t", "f", "r"):
            return tok.idx, tok.idx + len(tok.text)
        return None

    def _name_before(self, toks, j: int) -> tuple[int, int] | None:
        if j <= 0:
            return None
        if j >= 2 and toks[j - 2].tag_ in ("ns", "nz", "nt", "un", "j"):
            return None  # 國泰金控總經理: the word before the title ends an organisation's name
        tok = toks[j - 1]
        t = self._tnorm(tok)
        if (tok.tag_.startswith("nr") or tok.tag_ == "un") and self._looks_like_person(t):
            return tok.idx, tok.idx + len(tok.text)
        if j >= 2:
            prev = toks[j - 2]
            pt = self._tnorm(prev)
            if len(pt) == 1 and pt in self.surnames and 1 <= len(t) <= 2 and all(_is_han(c) for c in t) and tok.tag_ not in ("v", "p", "c", "uj"):
                return prev.idx, tok.idx + len(tok.text)
        return None

    def _model_class(self, label: str, name: str) -> str | None:
        """Ontology class of a model span: ORG is refined by how the name ends."""
        cls = self.model_labels.get(label)
        if label == "ORG":
            for table in (self.org_suffixes, self.model_org_endings):
                for sfx, sub in table:
                    if name.endswith(sfx) and len(name) > len(sfx):
                        return sub
        return cls

    def _overridden(self, c: Candidate, m: Candidate) -> bool:
        """Does the confident model name *m* beat the rule candidate *c* over the same characters?

        Rule people (title or speech patterns) lose to any model name they overlap (張三已 for 張三);
        rule organisations lose when they lie inside or across the model's name (乙丙銀行 for 甲乙丙銀行)
        or only move its start (股向甲乙集團), but win when they extend its end (…證券(香港)).
        Knowledge-base names, titles in 《》, events and
        products are other kinds of evidence and are never overridden.
        """
        if c.kb is not None or not c.source.startswith("pattern:") or not (c.start < m.end and m.start < c.end):
            return False
        if (c.start, c.end) == (m.start, m.end):
            return False
        if c.label == "Person":
            return True
        inside_or_across = not (c.start <= m.start and m.end <= c.end)
        earlier_start_same_end = c.end == m.end and c.start < m.start  # 股向|甲乙集團: the model knows the start
        return c.source.startswith("pattern:org") and (inside_or_across or earlier_start_same_end)

    def _model_candidates(self, doc: Doc) -> list[Candidate]:
        """The trained model's names (``doc.spans["ner_model"]``), descriptors trimmed from their start."""
        out = []
        for span in doc.spans.get("ner_model", ()):
            conf = float(span._.model_confidence)
            if conf < self.model_min:
                continue
            s, e = span.start_char, span.end_char
            k = span.start
            while k < span.end - 1 and self._tnorm(doc[k]) in self.model_descriptors:
                k += 1
            s = doc[k].idx
            name = normalize(self._text[s:e])
            if e - s < 2 or name in self.never or name in self.generic or any(c in PUNCT - NAME_JOINERS for c in name.strip()):
                continue
            cls = self._model_class(span.label_, name)
            if cls is None:
                continue
            if conf < self.model_common_ok and not self._has_proper(doc[k : span.end]):
                continue  # 監管部門, 未來銀行, 筆者: common words, not a name
            out.append(Candidate(s, e, cls, "model:ner", 40, None, round(conf, 3)))
        return out

    # ------------------------------------------------------------------ selection
    def _select(self, cands: list[Candidate], taken: list[Candidate] | None = None) -> list[Candidate]:
        chosen: list[Candidate] = list(taken or [])
        occupied = bytearray(max([c.end for c in cands + chosen], default=0) + 1)
        for c in chosen:
            occupied[c.start : c.end] = b"\x01" * c.length
        for c in sorted(cands, key=lambda c: (c.priority >= 100 and c.source == "pattern:title", c.priority >= 20, c.length, c.priority), reverse=True):
            if any(occupied[c.start : c.end]):
                continue
            chosen.append(c)
            occupied[c.start : c.end] = b"\x01" * c.length
        return sorted(chosen, key=lambda c: c.start)

    def _alias_definitions(self, doc: Doc, norm: str, chosen: list[Candidate]) -> dict[str, Candidate]:
        """'全名(以下簡稱「簡稱」)': the alias names the entity that ends right before the bracket."""
        by_end = {c.end: c for c in chosen}
        aliases: dict[str, Candidate] = {}
        for regex in (ALIAS_DEF, ALIAS_LATIN_ONLY):
            for m in regex.finditer(norm):
                full = by_end.get(m.start()) or by_end.get(m.start() - 1)
                if full is None or full.label == "Person":
                    continue
                for group in ("alias", "latin"):
                    if group in m.groupdict() and m.group(group):
                        raw = m.group(group).strip()
                        key = normalize(raw)
                        if not key or key in self.never:
                            continue
                        aliases[key] = full
        return aliases

    def __call__(self, doc: Doc) -> Doc:
        self._text = doc.text  # doc.text is rebuilt from tokens on every access
        self._prepare(doc)
        if not self._text.strip():
            doc.ents = []
            return doc
        norm = self._norm(doc)
        starts, ends = self._starts_ends(doc)
        cands = self._kb_candidates(doc, norm, starts, ends) if self.kb is not None else []
        cands += self._bracket_candidates(doc, norm)
        cands += self._suffix_candidates(doc)
        cands += self._latin_candidates(doc)
        cands += self._person_candidates(doc)
        cands += self._plan_candidates(doc)
        cands += self._byline_candidates(doc, norm)
        cands += self._column_candidates(norm, cands)
        model = self._model_candidates(doc)
        strong = [m for m in model if m.confidence >= self.model_override]
        if strong:
            # A confident model name beats a rule's different reading of the same characters
            # (乙丙銀行 for 甲乙丙銀行, 甲乙集團投資 for 甲乙集團); knowledge-base names still compete by length.
            cands = [c for c in cands if not any(self._overridden(c, m) for m in strong)]
        cands += model
        kb_spans = [(c.start, c.end, c.label) for c in cands if c.kb is not None]
        cands = [c for c in cands if not (c.source.startswith("pattern:") and c.source != "pattern:title" and any(
            c.start < ks and ke == c.end or (c.start <= ks and ke <= c.end and kl == "Person" and c.label != "Person") for ks, ke, kl in kb_spans))]
        chosen = self._select(cands)
        # Names the document defines for itself.
        aliases = self._alias_definitions(doc, norm, chosen)
        extra: list[Candidate] = []
        for key, full in aliases.items():
            target = normalize(self._text[full.start : full.end])
            for m in re.finditer(re.escape(key), norm.lower() if key.isascii() else norm):
                extra.append(Candidate(m.start(), m.end(), full.label, "alias:defined", 110, full.kb, 0.9, target))
            for m in re.finditer(r"《" + re.escape(key) + r"》", norm):
                extra.append(Candidate(m.start(), m.end(), full.label, "alias:defined", 130, full.kb, 0.9, target))
        # Short names of entities the document already names in full (平安 after 平安集團).
        if self.kb is not None:
            present = {c.kb.iri: c.kb for c in chosen if c.kb is not None}
            for iri, entry in present.items():
                for key in self._short_names.get(iri, ()):
                    for m in re.finditer(re.escape(key), norm):
                        extra.append(Candidate(m.start(), m.end(), _local(entry.type), "kb:short", 90, entry, 0.85))
        # Every further occurrence of a person's name is a mention of that person.
        persons = {normalize(self._text[c.start : c.end]) for c in chosen if c.label == "Person"}
        for name in persons:
            for m in re.finditer(re.escape(name), norm):
                extra.append(Candidate(m.start(), m.end(), "Person", "propagated:person", 85, None, 0.8))
        # Pattern-found organisation names recur without their trigger context.
        for c in chosen:
            if c.source.startswith(("pattern:org", "pattern:event", "pattern:quoted", "pattern:latin")) or (
                c.source == "model:ner" and c.confidence >= self.model_propagate
            ):
                name = norm[c.start : c.end]
                for m in re.finditer(re.escape(name), norm):
                    if m.start() != c.start:
                        extra.append(Candidate(m.start(), m.end(), c.label, "propagated:" + c.source, c.priority, None, c.confidence))
        if extra:
            keep = [c for c in chosen if c.priority >= 100 or c.source.startswith("alias")]
            rest = [c for c in chosen if c not in keep]
            chosen = self._select(rest + extra, keep if keep else None)
        doc._.aliases = {k: normalize(self._text[v.start : v.end].strip("《》")) for k, v in aliases.items()}
        spans = []
        for c in chosen:
            span = doc.char_span(c.start, c.end, label=c.label, kb_id=str(c.kb.iri) if c.kb is not None else "", alignment_mode="expand")
            if span is None or normalize(span.text) in self.never:
                continue
            if span.end_char - span.start_char > c.length + 2:
                continue  # expansion swallowed too much
            span._.source = c.source
            span._.confidence = c.confidence
            spans.append(span)
        doc.ents = _non_overlapping(spans)
        return doc


_NOT_NAME_START = set("一二三四五六七八九十两几每各该本此其这那")
_LEGAL = {"股份有限公司", "有限责任公司", "有限公司", "控股集团", "集团", "公司"}


def _non_overlapping(spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    last = -1
    for s in sorted(spans, key=lambda s: (s.start, -len(s))):
        if s.start >= last:
            out.append(s)
            last = s.end
    return out


def _is_digitish(text: str) -> bool:
    return bool(text) and (text[0].isdigit() or text[0] in "一二三四五六七八九十百千万两几")


def _local(iri) -> str:
    return str(iri).rsplit("#", 1)[-1]


@Language.factory(
    "cnfinkg_entities",
    default_config={"patterns": "entities.yaml", "use_kb": True},
    assigns=["doc.ents", "span._.source", "span._.confidence", "doc._.aliases"],
)
def make_entity_recognizer(nlp: Language, name: str, patterns: str, use_kb: bool) -> EntityRecognizer:
    return EntityRecognizer(nlp, name, patterns, use_kb)
