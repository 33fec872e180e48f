"""From an annotated spaCy ``Doc`` to RDF triples (the document's named graph).

Relations are direct triples between entity IRIs, and each is also an
``rdf:Statement`` carrying its evidence in PROV-O terms, so SPARQL users get
both the simple graph and the why.  Every node IRI is a hash of what it
describes, so rebuilding the same text gives the same graph, byte for byte.
"""

from __future__ import annotations

import contextlib
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from rdflib import Graph, Literal, URIRef
from rdflib import namespace as _ns
from spacy.tokens import Doc

from graph import vocab
from graph.ingest.reader import Document
from graph.vocab import KGEV, PREFIXES, digest

EXTRACTOR_VERSION = "cnfinkg-0.1"


class _Terms:
    """A namespace whose terms are made once.  rdflib makes a new URIRef, and checks it, on every
    attribute access (``KG.start``): a fifth of the mapping's time went there."""

    def __init__(self, namespace) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> URIRef:
        if name.startswith("__"):
            raise AttributeError(name)
        term = self._namespace[name]
        setattr(self, name, term)
        return term

    def __getitem__(self, name: str) -> URIRef:
        return getattr(self, name)


KG, SCHEMA = _Terms(vocab.KG), _Terms(vocab.SCHEMA)
PROV, RDF, RDFS, SKOS, XSD = (_Terms(n) for n in (_ns.PROV, _ns.RDF, _ns.RDFS, _ns.SKOS, _ns.XSD))


@lru_cache(maxsize=1 << 13, typed=True)
def _lit(value: str | int, lang: str | None = None) -> Literal:
    """A plain, language-tagged or integer literal, made once for the values documents repeat
    (offsets, counts, names, labels): making an rdflib Literal costs more than writing it."""
    return Literal(value, lang=lang)


def _dec(x: float) -> Literal:
    return Literal(Decimal(str(round(float(x), 3))), datatype=XSD.decimal)


def _date_literal(value: str) -> Literal:
    n = value.count("-")
    dtype = XSD.date if n == 2 else XSD.gYearMonth if n == 1 else XSD.gYear
    return Literal(value, datatype=dtype)


class Triples:
    """An append-only set of triples in insertion order: what mapping writes instead of an rdflib Graph.

    An rdflib ``Graph`` indexes every triple three ways as it is added; a document's triples are
    only ever serialised, so that indexing was pure cost on the build path.
    """

    __slots__ = ("_seen",)

    def __init__(self) -> None:
        self._seen: dict[tuple, None] = {}

    def add(self, triple: tuple) -> None:
        self._seen[triple] = None

    def __iter__(self):
        return iter(self._seen)

    def __len__(self) -> int:
        return len(self._seen)


@dataclass
class MappedDocument:
    """A document's triples in two parts: what the document says, and the descriptions of the
    entities it mentions (type, labels, identifiers), which the store keeps once in its shared
    entity graph (:data:`graph.vocab.ENTITY_GRAPH`)."""

    document: Triples = field(default_factory=Triples)
    entities: Triples = field(default_factory=Triples)

    def graph(self) -> Graph:
        """Both parts as one rdflib Graph, for reasoning, validation and notebook users."""
        g = bind_prefixes(Graph())
        for t in self.document:
            g.add(t)
        for t in self.entities:
            g.add(t)
        return g


_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
#: What rdflib refuses in an IRI it writes (``URIRef.n3``), so the check stays where it was, in extraction.
_NOT_IN_IRI = re.compile('[<>" {}|\\\\^`]')


def nt_term(t) -> str:
    """A term in N-Triples syntax, every literal on one line (rdflib's ``n3()`` puts a multi-line one
    in Turtle's long quotes), without rdflib's per-call checks and conversions (a quarter of a build's RDF step)."""
    kind = type(t)  # not isinstance: rdflib's terms are ABCs, and the check cost a sixth of this function
    if kind is URIRef or (kind is not Literal and isinstance(t, URIRef)):
        if _NOT_IN_IRI.search(t):
            raise ValueError(f'"{t}" does not look like a valid IRI, it cannot be written as N-Triples')
        return f"<{t}>"
    if kind is Literal or isinstance(t, Literal):
        s = str(t)
        if '"' in s or "\\" in s or "\n" in s or "\r" in s:
            s = s.translate(_ESCAPES)
        if t.language:
            return f'"{s}"@{t.language}'
        return f'"{s}"^^<{t.datatype}>' if t.datatype is not None else f'"{s}"'
    return t.n3()


def ntriples_lines(g) -> str:
    """Triples as N-Triples lines, in their order."""
    return "\n".join(f"{nt_term(s)} {nt_term(p)} {nt_term(o)} ." for s, p, o in g)


def to_ntriples(g) -> str:
    """Sorted N-Triples lines: cheap to pass between processes and to put in an INSERT DATA."""
    return "\n".join(sorted(f"{nt_term(s)} {nt_term(p)} {nt_term(o)} ." for s, p, o in g))


def bind_prefixes(g: Graph) -> Graph:
    for p, ns in PREFIXES.items():
        g.bind(p, ns, override=True, replace=True)
    return g


def map_document(doc: Doc, meta: Document) -> MappedDocument:
    """All triples one document contributes, split into the document's own and its entities' descriptions."""
    out = MappedDocument()
    g = out.document
    text = doc.text  # rebuilt from tokens on every access: take it once
    records = doc._.entities or {}
    _document(g, meta, text)
    _entities(g, out.entities, meta, text, records, [(s.start_char, s.end_char) for s in doc.sents] if records else [])
    _relations(g, doc, meta, text)
    _facts(g, doc, meta, text)
    _events(g, doc, meta, text, records)
    _event_dates(g, doc, records)
    return out


def document_graph(doc: Doc, meta: Document) -> Graph:
    """All triples one document contributes, as one rdflib Graph (the store splits them: see :func:`map_document`)."""
    return map_document(doc, meta).graph()


def _document(g: Triples, meta: Document, text: str) -> None:
    d = meta.iri
    g.add((d, RDF.type, KG.NewsArticle))
    g.add((d, RDF.type, PROV.Entity))
    if meta.title:
        g.add((d, SCHEMA.headline, Literal(meta.title)))
    if meta.published:
        g.add((d, SCHEMA.datePublished, _date_literal(meta.published)))
    if meta.source:
        g.add((d, SCHEMA.publisher, Literal(meta.source)))
    g.add((d, SCHEMA.inLanguage, Literal(meta.language or _guess_lang(text))))
    g.add((d, KG.contentHash, Literal(meta.content_hash)))
    if meta.path:
        g.add((d, KG.sourcePath, Literal(str(meta.path))))
    g.add((d, KG.characterCount, _lit(len(text))))


def _entities(g: Triples, shared: Triples, meta: Document, text: str, records: dict, sents: list[tuple[int, int]]) -> None:
    """Each linked entity's description (to ``shared``), and its mention count and one kg:Mention
    per occurrence, with the sentence it is read in (to the document's own ``g``)."""
    d, key = meta.iri, meta.key
    starts = [s for s, _ in sents]
    written: set[tuple[int, int]] = set()
    for iri, rec in records.items():
        shared.add((iri, RDF.type, rec.type))
        for lang, label in sorted(rec.labels.items()):
            shared.add((iri, RDFS.label, _lit(label, lang=lang)))
        for alt, lang in sorted(rec.alt_labels):
            shared.add((iri, SKOS.altLabel, _lit(alt, lang=lang)))
        for prop, value in sorted(rec.identifiers.items()):
            shared.add((iri, prop, Literal(value)))
        g.add((iri, KG.mentionCount, _lit(len(rec.mentions))))
        g.add((iri, PROV.wasDerivedFrom, d))
        for start, end in rec.mentions:
            m = KGEV[f"m-{digest(key, start, end)}"]
            g.add((m, RDF.type, KG.Mention))
            g.add((m, KG.refersTo, iri))
            g.add((m, KG.text, _lit(text[start:end])))
            g.add((m, KG.start, _lit(start)))
            g.add((m, KG.end, _lit(end)))
            g.add((m, PROV.wasDerivedFrom, d))
            k, j = bisect_right(starts, start) - 1, bisect_right(starts, end - 1) - 1
            if k >= 0:  # a mention the segmenter cut across two sentences is read in both
                bounds = (sents[k][0], sents[j][1])
                g.add((m, KG.inSentence, _sentence(g, meta, text, bounds, bounds in written)))
                written.add(bounds)


def _sentence(g: Triples, meta: Document, text: str, bounds: tuple[int, int], known: bool) -> URIRef:
    """The node of one sentence, written once per document however many mentions it holds."""
    s_iri = KGEV[f"t-{digest(meta.key, *bounds)}"]
    if not known:
        g.add((s_iri, RDF.type, KG.Sentence))
        g.add((s_iri, KG.text, Literal(text[bounds[0] : bounds[1]].strip())))
        g.add((s_iri, KG.start, _lit(bounds[0])))
        g.add((s_iri, KG.end, _lit(bounds[1])))
        g.add((s_iri, PROV.wasDerivedFrom, meta.iri))
    return s_iri


def _relations(g: Triples, doc: Doc, meta: Document, text: str) -> None:
    """Each relation as a triple, plus a reified statement carrying its evidence."""
    d, key = meta.iri, meta.key
    # One evidence record per (fact, sentence): when two layers state the same fact in the same
    # sentence, the record keeps the most confident reading, so it carries one confidence.
    best: dict[URIRef, object] = {}
    for rel in doc._.relations or []:
        s = KGEV[f"s-{digest(key, rel.head, rel.prop, rel.tail, rel.sent_start)}"]
        if s not in best or rel.confidence > best[s].confidence:
            best[s] = rel
    for s, rel in best.items():
        g.add((rel.head, rel.prop, rel.tail))
        g.add((s, RDF.type, RDF.Statement))
        g.add((s, RDF.type, PROV.Entity))
        g.add((s, RDF.subject, rel.head))
        g.add((s, RDF.predicate, rel.prop))
        g.add((s, RDF.object, rel.tail))
        g.add((s, PROV.wasDerivedFrom, d))
        g.add((s, KG.sentence, Literal(text[rel.sent_start : rel.sent_end].strip())))
        g.add((s, KG.start, _lit(rel.sent_start)))
        g.add((s, KG.end, _lit(rel.sent_end)))
        g.add((s, KG.confidence, _dec(rel.confidence)))
        g.add((s, KG.extractor, _lit(f"{EXTRACTOR_VERSION}/{rel.extractor}")))
        g.add((s, KG.trigger, _lit(rel.trigger)))
        if rel.role:
            g.add((s, KG.roleTitle, _lit(rel.role)))


def _facts(g: Triples, doc: Doc, meta: Document, text: str) -> None:
    d, key = meta.iri, meta.key
    for f in doc._.facts or []:
        q = KGEV[f"q-{digest(key, f.start, f.end)}"]
        g.add((q, RDF.type, KG.Measurement))
        g.add((q, KG.about, f.about if f.about is not None else d))
        g.add((q, KG.value, Literal(f.value, datatype=XSD.decimal)))
        g.add((q, KG.unit, _lit(f.unit)))
        g.add((q, KG.text, Literal(f.text)))
        if f.qualifier:
            g.add((q, KG.qualifier, Literal(f.qualifier)))
        if f.date:
            g.add((q, KG.refDate, _date_literal(f.date)))
        g.add((q, KG.sentence, Literal(text[f.sent_start : f.sent_end].strip())))
        g.add((q, KG.start, _lit(f.start)))
        g.add((q, KG.end, _lit(f.end)))
        g.add((q, KG.confidence, _dec(f.confidence)))
        g.add((q, PROV.wasDerivedFrom, d))


def _event_dates(g: Triples, doc: Doc, records: dict) -> None:
    """Event entities take the first full date their sentence gives."""
    dates = doc._.dates or []
    sents = list(doc.sents) if any(rec.type in _EVENT_TYPES for rec in records.values()) else []
    for iri, rec in records.items():
        if rec.type not in _EVENT_TYPES:
            continue
        start = min(s for s, _ in rec.mentions)
        sent = next((s for s in sents if s.start_char <= start < s.end_char), None)
        if sent is None:
            continue
        for dm in dates:
            if sent.start_char <= dm.start < sent.end_char and dm.value.count("-") == 2:
                g.add((iri, KG.heldOn, _date_literal(dm.value)))
                break


_EVENT_TYPES = {KG.Event, KG.Conference, KG.ProductLaunch, KG.FinancingEvent}


def _events(g: Triples, doc: Doc, meta: Document, text: str, records) -> None:
    """Event frames (graph.nlp.events): a node per event, its roles, figures, date and evidence."""
    events = doc._.events if Doc.has_extension("events") else None
    if not events:
        return
    from graph.nlp.patterns import load_patterns
    from graph.rdf.ontology import load_ontology

    p = load_patterns("events.yaml")
    role_props, text_props, dec_props = p["role_properties"], p["text_properties"], p.get("decimal_text_properties", {})
    onto = load_ontology()
    d, key = meta.iri, meta.key
    for ev in events:
        e = ev.iri(key)
        g.add((e, RDF.type, ev.cls))
        g.add((e, RDF.type, PROV.Entity))
        g.add((e, KG.mentionCount, _lit(1)))  # one stating sentence: the viewer shows the event as a node
        names = [records[i].labels for r in ev.roles.values() for i in r if i in records]
        for lang in ("en", "zh-Hant", "zh-Hans"):
            who = [n.get(lang) or n.get("en") or next(iter(n.values()), "") for n in names]
            label = onto.label(ev.cls, lang) + (("：" if lang != "en" else ": ") + " / ".join(w for w in who if w) if who else "")
            g.add((e, RDFS.label, _lit(label, lang=lang)))
        for role, iris in ev.roles.items():
            prop = KG[role_props.get(role, role)]
            for i in iris:
                g.add((e, prop, i))
        for name, value in sorted(ev.texts.items()):
            if name in dec_props:
                with contextlib.suppress(ArithmeticError):
                    g.add((e, KG[dec_props[name]], Literal(Decimal(value), datatype=XSD.decimal)))
            elif name in text_props:
                g.add((e, KG[text_props[name]], Literal(value)))
        for name, value in sorted(ev.attributes.items()):
            if name == "kind":
                g.add((e, KG.eventKind, Literal(value)))
            elif name == "status":
                g.add((e, KG.eventStatus, Literal(value)))
        if ev.amount is not None:
            f = ev.amount
            g.add((e, KG.amount, Literal(f.value, datatype=XSD.decimal)))
            g.add((e, KG.amountUnit, _lit(f.unit)))
            g.add((e, KG.amountMeasurement, KGEV[f"q-{digest(key, f.start, f.end)}"]))
        if ev.shares is not None:
            g.add((e, KG.shares, Literal(ev.shares, datatype=XSD.decimal)))
        if ev.share_of_total is not None:
            g.add((e, KG.shareOfTotal, Literal(ev.share_of_total, datatype=XSD.decimal)))
        if ev.date:
            g.add((e, KG.eventDate, _date_literal(ev.date)))
        g.add((e, PROV.wasDerivedFrom, d))
        g.add((e, KG.sentence, Literal(text[ev.sent_start : ev.sent_end].strip())))
        g.add((e, KG.start, _lit(ev.sent_start)))
        g.add((e, KG.end, _lit(ev.sent_end)))
        g.add((e, KG.trigger, _lit(ev.trigger)))
        g.add((e, KG.confidence, _dec(ev.confidence)))
        g.add((e, KG.extractor, _lit(f"{EXTRACTOR_VERSION}/{ev.extractor}")))


def _guess_lang(text: str) -> str:
    from graph.script import detect_script

    return detect_script(text)


__all__ = ["EXTRACTOR_VERSION", "MappedDocument", "Triples", "URIRef", "bind_prefixes", "document_graph", "map_document", "nt_term",
           "ntriples_lines", "to_ntriples"]
