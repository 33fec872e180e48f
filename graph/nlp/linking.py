"""Entity linking: one IRI per real-world entity, across mentions, scripts and documents.

Knowledge-base hits keep their curated IRI.  Aliases a text defines resolve
to the entity they abbreviate, and a name that only adds a legal suffix to
another in the same document (<X>电子 / <X>电子软件技术有限公司) is the same
entity (the endings and what they mean are in suffixes.yaml).  Everything else gets an IRI minted from its script-normalised name,
so the same unknown company links to the same node in every article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from rdflib import URIRef
from spacy.language import Language
from spacy.tokens import Doc, Span

from graph.nlp import extensions  # noqa: F401  (registers doc._ / span._ attributes)
from graph.nlp.kb import KnowledgeBase, load_kb
from graph.nlp.lexicon import longest_first
from graph.nlp.patterns import load_patterns, load_suffixes
from graph.nlp.segment import stock_tokenizer
from graph.rdf.ontology import load_ontology
from graph.script import normalize, to_simplified, to_traditional
from graph.vocab import KG, KGID, SCHEMA, digest, slugify


@dataclass
class EntityRecord:
    """What the graph says about one entity, gathered over a document's mentions."""

    iri: URIRef
    type: URIRef
    labels: dict[str, str] = field(default_factory=dict)  # lang -> label
    alt_labels: set[tuple[str, str]] = field(default_factory=set)  # (text, lang)
    identifiers: dict[URIRef, str] = field(default_factory=dict)
    mentions: list[tuple[int, int]] = field(default_factory=list)
    in_kb: bool = False
    confidence: float = 1.0


def _key(span: Span) -> str:
    """The name a mention is compared by: script-normalised, without title brackets."""
    return normalize(span.text.strip("《》"))


def _lang_of(text: str) -> str:
    if text.isascii():
        return "en"
    return "zh-Hans" if to_simplified(text) == text and to_traditional(text) != text else "zh-Hant"


def english_name(name: str, cls: URIRef, suffix_en: dict[str, str]) -> str:
    """A usable English label for a name nobody has translated: pinyin by word, known suffixes translated."""
    simp = normalize(name)
    if name.isascii():
        return name
    if cls == KG.Person:
        syl = lazy_pinyin(simp, style=Style.NORMAL)
        if not syl:
            return name
        return " ".join([syl[0].capitalize(), "".join(syl[1:]).capitalize()]).strip()
    tail = ""
    for suf, en in sorted(suffix_en.items(), key=lambda kv: -len(kv[0])):
        if simp.endswith(suf) and len(simp) > len(suf):
            simp, tail = simp[: -len(suf)], en
            break
    # Without HMM, unknown names fall apart into single characters; pair those up (甲乙丙丁 → 甲乙 丙丁).
    words: list[str] = []
    for w in (w for w in stock_tokenizer().cut(simp, HMM=False) if w.strip()):
        if len(w) == 1 and not w.isascii() and words and len(words[-1]) == 1 and not words[-1].isascii():
            words[-1] += w
        else:
            words.append(w)
    parts = []
    for w in words:
        if w.isascii():
            parts.append(w)
        else:
            parts.append("".join(lazy_pinyin(w, style=Style.NORMAL)).capitalize())
    out = " ".join(parts)
    out = out.translate(_english_punctuation())
    out = re.sub(r"\s+", " ", out)
    out = re.sub(r"\s*\(\s*", " (", out).replace(" )", ")")
    return (out + (" " + tail if tail else "")).strip()


@lru_cache(maxsize=1)
def _english_punctuation() -> dict[int, str]:
    """Chinese punctuation -> its English counterpart in a pinyin label (linking.yaml)."""
    return str.maketrans(load_patterns("linking.yaml")["english_punctuation"])


@lru_cache(maxsize=50_000)
def mint_iri(name: str) -> URIRef:
    """Stable IRI for an entity outside the knowledge base: pinyin slug plus a hash of the normalised name.

    Memoised: the same names recur across documents, and their pinyin is the slow part of linking.
    """
    key = normalize(name)
    slug = slugify(" ".join(lazy_pinyin(key, style=Style.NORMAL)))[:48].strip("-") or "entity"
    return KGID[f"{slug}-{digest(key, length=8)}"]


class EntityLinker:
    def __init__(self, nlp: Language, name: str, patterns: str) -> None:
        self.kb: KnowledgeBase = load_kb()
        self.onto = load_ontology()
        p = load_patterns(patterns)
        suffixes = load_suffixes()
        self.suffix_en: dict[str, str] = suffixes.values("en")
        self.legal_suffixes: list[str] = longest_first(suffixes.flagged("same_entity"))
        same = set(self.legal_suffixes)
        self.other_org_endings = [x for x in suffixes.with_value("kind", "org") if x not in same]
        self.brand_descriptors: list[str] = longest_first(suffixes.flagged("brand"))
        self.branch_suffixes: list[str] = longest_first(suffixes.flagged("branch"))
        self.registered_forms = tuple(longest_first(suffixes.flagged("registered")))
        admin = "|".join(re.escape(x) for x in longest_first(suffixes.with_value("place", "admin"))) or "(?!)"
        self._place_prefix = re.compile(rf"^(?:[\u4e00-\u9fff]{{2,4}}?(?:{admin}))*")
        self.place_names = longest_first({
            key for e in self.kb.entries.values() if self.onto.is_a(e.type, SCHEMA.Place)
            for name in e.all_names() if 2 <= len(key := normalize(name)) <= 4 and all("\u4e00" <= c <= "\u9fff" for c in key)
        })
        labels = "|".join(re.escape(x) for x in longest_first(p.get("stock_code_labels", [])))
        pattern = p.get("stock_code_pattern")
        self.code_re = re.compile(pattern.replace("{labels}", labels or "(?!)")) if pattern else None
        self.bare_exchange: dict[str, str] = p.get("bare_code_exchange", {})
        self._english: dict[tuple[str, URIRef], str] = {}  # english_name memo: pinyin is slow, names recur
        self.kb_codes: dict[str, URIRef] = {
            code.upper(): entry.iri for entry in self.kb.entries.values()
            if (code := entry.identifiers.get(KG.stockCode))
        }

    def short_of_registered(self, short: str, long_: str) -> bool:
        """Is *short* the everyday name of the registered company *long_* (same document)?"""
        if len(short) < 2 or len(long_) <= len(short) + 3 or not long_.endswith(self.registered_forms):
            return False
        body = self._place_prefix.sub("", long_, count=1)
        return body.startswith(short) or long_.startswith(short)

    def short_without_place(self, short: str, long_: str) -> bool:
        """Is *short* the name *long_* without the place it starts with (<province><name>集团 → <name>集团)?

        A known place is read from the knowledge base; what follows it must be the short name, up to
        endings that do not change the entity (legal forms), and at least two characters long.
        """
        place = next((p for p in self.place_names if long_.startswith(p)), None)
        if place is None:
            return False
        rest = long_[len(place) :]
        base, other = self._strip_legal(rest), self._strip_legal(short)
        return len(base) >= 2 and base == other and base not in self.legal_suffixes

    def stock_code(self, doc: Doc, span: Span) -> str | None:
        """The stock code the text gives right after a mention, normalised to CODE.EXCHANGE."""
        if self.code_re is None:
            return None
        m = self.code_re.match(doc._.norm_text or doc.text, span.end_char)
        if m is None:
            return None
        code = m.group("code").upper()
        if "." not in code and code[:1] in self.bare_exchange:
            code = f"{code}.{self.bare_exchange[code[0]]}"
        num, _, exchange = code.partition(".")
        if exchange == "HK":  # 00700.HK and 0700.HK are one listing
            code = f"{int(num):04d}.HK"
        return code

    def _strip_legal(self, key: str) -> str:
        changed = True
        while changed:
            changed = False
            for suf in self.legal_suffixes:
                if key.endswith(suf) and len(key) > len(suf) + 1:
                    key = key[: -len(suf)]
                    changed = True
        return key

    def _kb_brand(self, key: str) -> URIRef | None:
        """<known name>金融科技 → <known name>: a known name plus a business descriptor is the known entity's brand."""
        for suf in self.brand_descriptors:
            if key.endswith(suf) and len(key) > len(suf) + 1:
                hits = self.kb.lookup(key[: -len(suf)])
                orgs = [e for e, _ in hits if self.onto.is_a(e.type, KG.Organization)]
                if len(orgs) == 1:
                    return orgs[0].iri
        return None

    def _same_base(self, a: str, b: str) -> bool:
        """<X>电子软件(公司) and <X>电子软件技术(有限公司): one name extends the other with descriptors.

        Unless what the longer name adds ends like another organisation (<X>商业银行, <X>证券 after
        <X>: its bank or its broker, another entity).
        """
        if a == b:
            return True
        short, long_ = sorted((a, b), key=len)
        if len(short) < 4 or not long_.startswith(short):
            return False
        rest = long_[len(short) :]
        return not any(rest.endswith(x) for x in self.other_org_endings)

    def __call__(self, doc: Doc) -> Doc:
        aliases: dict[str, str] = doc._.aliases or {}
        ents = list(doc.ents)
        codes: dict[str, str] = {}
        for span in ents:
            if span.label_ != "Person" and (code := self.stock_code(doc, span)):
                codes.setdefault(_key(span), code)
        name_to_iri = self._resolve(ents, aliases, codes)
        records: dict[URIRef, EntityRecord] = {}
        kept = [self._mention(doc, old, name_to_iri, codes, records) for old in ents]
        doc.ents = kept
        doc._.branches = self._branches(kept, name_to_iri, records)
        for rec in records.values():
            self._complete_labels(rec)
        doc._.entities = records
        return doc

    def _resolve(self, ents: list[Span], aliases: dict[str, str], codes: dict[str, str]) -> dict[str, URIRef]:
        """Name -> IRI: full names decide first (known ones, then the longest); aliases and short forms follow them."""
        name_to_iri: dict[str, URIRef] = {}
        ordered = sorted(ents, key=lambda s: (0 if s.kb_id_ else 1, -len(s.text)))
        for span in ordered:
            if span.kb_id_:
                name_to_iri.setdefault(_key(span), URIRef(span.kb_id_))
        for span in ordered:
            key = _key(span)
            if key not in name_to_iri:
                name_to_iri[key] = self._iri_for(key, span.label_, aliases, codes, name_to_iri)
        # Alias targets that were found later.
        for alias, full in aliases.items():
            if full in name_to_iri:
                name_to_iri[alias] = name_to_iri[full]
        return name_to_iri

    def _iri_for(self, key: str, label: str, aliases: dict[str, str], codes: dict[str, str], known: dict[str, URIRef]) -> URIRef:
        """The IRI of a name not yet resolved: an alias's entity, a stock code's, a known name's, a
        brand's owner, an earlier name it only extends with legal forms, or one minted from the name."""
        if key in aliases and aliases[key] in known:
            return known[aliases[key]]
        if key in codes:
            return self.kb_codes.get(codes[key]) or KGID["stock-" + slugify(codes[key])]
        hits = self.kb.lookup(key)
        if hits:
            return hits[0][0].iri
        if label != "Person":
            kb_hit = self._kb_brand(key)
            if kb_hit is not None:
                return kb_hit
            base = self._strip_legal(key)
            same = next((iri for k, iri in known.items() if base and (
                self._same_base(self._strip_legal(k), base) or self.short_of_registered(key, k)
                or self.short_without_place(key, k))), None)
            if same is not None:
                return same
        return mint_iri(key)

    def _mention(self, doc: Doc, old: Span, name_to_iri: dict[str, URIRef], codes: dict[str, str],
                 records: dict[URIRef, EntityRecord]) -> Span:
        """The mention as a span carrying its IRI, added to its entity's record."""
        key = _key(old)
        iri = name_to_iri.get(key) or mint_iri(key)
        # doc.ents hands out fresh Span objects: make new ones carrying the IRI.
        span = Span(doc, old.start, old.end, label=old.label_, kb_id=str(iri))
        span._.source = old._.source
        span._.confidence = old._.confidence
        entry = self.kb.entries.get(iri)
        rec = records.get(iri)
        if rec is None:
            cls = entry.type if entry is not None else KG[span.label_]
            rec = EntityRecord(iri, cls, in_kb=entry is not None, confidence=span._.confidence)
            if entry is not None:
                rec.labels = {k: v for k, v in entry.labels.items() if k}
                rec.identifiers = dict(entry.identifiers)
            records[iri] = rec
        elif entry is None:
            rec.type = self._more_specific(rec.type, KG[span.label_])
        rec.mentions.append((span.start_char, span.end_char))
        code = codes.get(key)
        if code and KG.stockCode not in rec.identifiers:
            rec.identifiers[KG.stockCode] = code
        rec.confidence = max(rec.confidence, span._.confidence)
        surface = span.text
        if span.label_ in ("Report", "PolicyDocument", "Publication") and surface.startswith("《"):
            surface = surface.strip("《》")
        lang = _lang_of(surface)
        if entry is None:
            rec.labels.setdefault(lang, surface)
        rec.alt_labels.add((surface, lang))
        return span

    def _branches(self, spans: list[Span], name_to_iri: dict[str, URIRef], records: dict[URIRef, EntityRecord]) -> list:
        """<bank>某省分行 → (branch, <bank>): the longest known organisation name that starts a branch's name."""
        out = []
        for span in spans:
            key = normalize(span.text)
            sfx = next((x for x in self.branch_suffixes if key.endswith(x) and len(key) > len(x) + 1), None)
            if span.label_ == "Person" or sfx is None:
                continue
            stem = key[: -len(sfx)]
            for k in range(len(stem), 1, -1):
                parent = name_to_iri.get(stem[:k])
                entry = None
                if parent is None:
                    orgs = [e for e, _ in self.kb.lookup(stem[:k]) if self.onto.is_a(e.type, KG.Organization)]
                    entry = orgs[0] if len(orgs) == 1 else None
                    parent = entry.iri if entry is not None else None
                if parent is None or str(parent) == span.kb_id_:
                    continue
                if parent not in records and entry is not None:
                    rec = EntityRecord(parent, entry.type, in_kb=True, confidence=0.9)
                    rec.labels = {lang: v for lang, v in entry.labels.items() if lang}
                    rec.identifiers = dict(entry.identifiers)
                    rec.mentions.append((span.start_char, span.start_char + k))
                    rec.alt_labels.add((span.text[:k], _lang_of(span.text[:k])))
                    records[parent] = rec
                if parent in records:
                    out.append((URIRef(span.kb_id_), parent, span))
                break
        return out

    def _english_name(self, name: str, cls: URIRef) -> str:
        key = (name, cls)
        got = self._english.get(key)
        if got is None:
            if len(self._english) > 50_000:
                self._english.clear()
            got = self._english[key] = english_name(name, cls, self.suffix_en)
        return got

    def _more_specific(self, a: URIRef, b: URIRef) -> URIRef:
        if self.onto.is_a(b, a):
            return b
        return a

    def _complete_labels(self, rec: EntityRecord) -> None:
        """Both scripts and an English label on every entity; other surface forms become altLabels."""
        hant, hans = rec.labels.get("zh-Hant"), rec.labels.get("zh-Hans")
        if hant and not hans:
            rec.labels["zh-Hans"] = to_simplified(hant)
        elif hans and not hant:
            rec.labels["zh-Hant"] = to_traditional(hans)
        if not hant and not hans and "en" in rec.labels:
            # A Latin-script name (TiDB, IBM) is also its name in Chinese text.
            rec.labels["zh-Hant"] = rec.labels["zh-Hans"] = rec.labels["en"]
        if "en" not in rec.labels:
            base = rec.labels.get("zh-Hans") or rec.labels.get("zh-Hant") or ""
            rec.labels["en"] = self._english_name(base, rec.type) if base else str(rec.iri).rsplit("/", 1)[-1]
        labels = set(rec.labels.items())
        alts = set()
        for text, lang in rec.alt_labels:
            if (lang, text) in labels:
                continue
            alts.add((text, lang))
            if lang in ("zh-Hant", "zh-Hans"):
                other = to_simplified(text) if lang == "zh-Hant" else to_traditional(text)
                other_lang = "zh-Hans" if lang == "zh-Hant" else "zh-Hant"
                if other != text and (other_lang, other) not in labels:
                    alts.add((other, other_lang))
        rec.alt_labels = alts


@Language.factory(
    "cnfinkg_linker",
    default_config={"patterns": "linking.yaml"},
    assigns=["token.ent_kb_id", "doc._.entities", "doc._.branches"],
    requires=["doc.ents"],
)
def make_entity_linker(nlp: Language, name: str, patterns: str) -> EntityLinker:
    return EntityLinker(nlp, name, patterns)
