"""Names found by their ending (…银行, …有限公司, …峰会): the start comes from segmentation.

The ending types the name (suffixes.yaml); the tokens before it are taken while they look like
parts of a name (their part of speech), up to a word that separates a name from what precedes
it.  Whether what was taken is a name or a description (数字化银行, 金融上云) is decided from the
same parts of speech.
"""

from __future__ import annotations

from spacy.tokens import Token

from graph.nlp.entities.candidates import Candidate
from graph.nlp.entities.rules import EntityRules
from graph.nlp.entities.text import DocText
from graph.nlp.kb import KnowledgeBase
from graph.nlp.segment import NUMERAL_TAG, OTHER_TAG, UNKNOWN_TAG
from graph.script import normalize


class SuffixNames:
    """Organisations, events and products by their ending; media columns after a known outlet."""

    def __init__(self, rules: EntityRules, kb: KnowledgeBase | None) -> None:
        self.rules = rules
        self.kb = kb
        self.tables = ((rules.org_suffixes, "org", 60), (rules.event_suffixes, "event", 60), (rules.product_suffixes, "product", 55))

    def walk_left(self, view: DocText, j: int, trim_generic: bool = True) -> int:
        """Index of the first token of the name that ends at token ``j`` (exclusive of ``j``)."""
        r, tokens, forms = self.rules, view.tokens, view.forms
        i = j
        count = 0
        while i > 0 and count < r.max_name_tokens:
            prev = tokens[i - 1]
            t = forms[i - 1]
            if t in r.close_brackets and i - 3 >= 0 and forms[i - 3] in r.open_brackets:
                i -= 3
                count += 1
                continue
            if t in r.descriptors or prev.is_punct or t in r.punct or prev.tag_ not in r.name_pos:
                break
            if prev.tag_ == OTHER_TAG and not prev.text.isascii():
                break
            if prev.text.isspace():
                break
            if prev.text.isascii() and prev.text.lower() in r.latin_stop:
                break
            if i < j and any(t.endswith(x) for x in r.walk_stops):
                break  # <X>消费金融公司 | <Y>消费金融有限公司: the earlier noun is an apposition
            i -= 1
            count += 1
        # Leading generic words are modifiers, not part of the name.
        while trim_generic and i < j and forms[i] in r.generic:
            i += 1
        return i

    def name_ok(self, view: DocText, kind: str, suffix: str, tok: Token, own_prefix: bool, body: list[Token]) -> bool:
        """Is what precedes a suffix a name, rather than a description (银行云, 数字化银行, 金融上云)?"""
        r = self.rules
        if kind == "event":
            return len(body) + (1 if own_prefix else 0) >= 2 or r.has_proper(body)
        named_word = tok.tag_ in r.org_pos or (tok.tag_ == UNKNOWN_TAG and len(tok.text) - len(suffix) >= 2)
        if own_prefix and suffix in r.weak and not named_word:
            return False  # 上云, 风云: a dictionary word that merely ends like a name
        if own_prefix and named_word:
            return True
        if suffix in r.weak and 0 < len(body) <= 2 and view.form(body[-1]) in r.generic:
            return False  # <X>金融系公司: a description of companies, not a name
        if suffix in r.weak:
            # 公有云和私有云: a place-like token (云和) does not make a description a name
            ok_tags = r.strict_weak_name_pos if suffix in r.strict_weak else r.weak_name_pos
            return any(x.tag_ in r.org_pos or x.tag_.startswith("nr") or x.tag_ in ok_tags for x in body if x.text.lower() not in r.latin_stop)
        if r.has_proper(body):
            return True
        if suffix in r.legal_forms:
            # A registered company name may be built from common words (<common words>金融科技有限公司).
            return 1 <= sum(view.form(x) not in r.generic for x in body) <= 2
        return False

    def candidates(self, view: DocText) -> list[Candidate]:
        out: list[Candidate] = []
        for j, t in enumerate(view.forms):
            if not t or t[-1] not in self.rules.suffix_last:
                continue
            for table, kind, prio in self.tables:
                for suffix, label in table:
                    if t.endswith(suffix):
                        cand = self._candidate(view, j, t, suffix, label, kind, prio)
                        if cand is not None:
                            out.append(cand)
                            break
        return out

    def _candidate(self, view: DocText, j: int, t: str, suffix: str, label: str, kind: str, prio: int) -> Candidate | None:
        """The name that token ``j`` ends with *suffix*, if the rules accept it."""
        r, tokens = self.rules, view.tokens
        tok = tokens[j]
        own_prefix = len(t) > len(suffix)
        if own_prefix and t[: -len(suffix)] in r.generic:
            return None
        start_tok = self.walk_left(view, j, trim_generic=kind != "event")
        toks = view.doc[start_tok : j + 1]
        name = normalize(toks.text)
        head = name[: len(name) - len(suffix)]
        if not head or name in r.never or head in r.generic:
            return None
        if not self.name_ok(view, kind, suffix, tok, own_prefix, tokens[start_tok:j]):
            return None
        if suffix in r.verb_like and j + 1 < len(tokens):
            nxt = view.forms[j + 1]
            if nxt[:1].isdigit() or tokens[j + 1].tag_ == NUMERAL_TAG or nxt in r.verb_particles:
                return None  # 向某公司投资5亿元: the suffix is the verb here
        if kind == "product" and self.kb is not None and self.kb.lookup(head):
            return None  # <known name>App: the known name is the entity, App is its form
        first = toks[0]
        if len(name) > r.max_name_chars or first.text[:1].isdigit() or (first.tag_ == NUMERAL_TAG and r.is_digitish(first.text)):
            return None
        if suffix in r.legal_forms or suffix in r.company_forms:
            # <X>消费金融有限公司 is a consumer-finance company: the inner suffix types it.
            label = r.inner_class(head, label)
        end_char = toks.end_char
        if j + 3 < len(tokens) and tokens[j + 1].text in r.open_brackets and tokens[j + 3].text in r.close_brackets and tokens[j + 2].tag_ in r.bracket_place_pos:
            end_char = tokens[j + 3].idx + 1  # <X>证券(香港)
        return Candidate(toks.start_char, end_char, label, f"pattern:{kind}:{suffix}", prio, None, 0.75)

    def columns(self, view: DocText, kb_cands: list[Candidate]) -> list[Candidate]:
        """<outlet>创投频道: a known outlet's name followed by a column title is that column (a publication)."""
        out: list[Candidate] = []
        for c in kb_cands:
            if c.kb is None or c.label != "MediaOutlet":
                continue
            m = self.rules.column_re.match(view.norm, c.end)
            if m:
                out.append(Candidate(c.start, m.end(), "Publication", "pattern:column", 105, None, 0.75))
        return out
