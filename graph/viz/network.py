"""The store as a NetworkX graph, and that graph as a GraphML or GEXF file.

Entities (anything with a ``kg:mentionCount``) are nodes keyed by IRI;
entity-to-entity ``kg:`` relations are edges, one per (subject, relation,
object), carrying the evidence of every document that states the fact.
Everything is read through :meth:`graph.store.base.ReadableStore.select`,
so an embedded and a remote store give the same graph.
"""

from __future__ import annotations

import io
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import networkx as nx

from graph.viz.assets import style_table
from graph.vocab import KG, sparql_prefixes

if TYPE_CHECKING:
    from graph.store.base import ReadableStore

_KG = str(KG)
_RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
#: Predicates whose values are shown as an entity's identifiers, and the name the panel gives them.
IDENTIFIER_PREDICATES: dict[str, str] = dict(style_table()["identifier_predicates"])
_LANG_KEY = {"en": "en", "zh-hant": "zh-Hant", "zh-hans": "zh-Hans"}
#: A literal as (lexical form, language or None, datatype IRI); any other term as its IRI or blank-node id.
Value = str | tuple[str, str | None, str] | None

# Entities are what has a kg:mentionCount; each document graph holds its own count, so an entity has
# many.  The queries join on the distinct entities (or test EXISTS) rather than on the counts: joining
# on ?c would multiply every row by the number of documents per entity before DISTINCT (seconds per
# thousand documents for the evidence query alone).
_ENTITIES = "{ SELECT DISTINCT ?e WHERE { ?e kg:mentionCount ?c } }"
_Q_MENTIONS = "SELECT ?e (SUM(?c) AS ?n) WHERE { GRAPH ?g { ?e kg:mentionCount ?c } } GROUP BY ?e"
_Q_TYPES = f"SELECT DISTINCT ?e ?t WHERE {{ {_ENTITIES} ?e a ?t }}"
_Q_LABELS = f"SELECT DISTINCT ?e ?p ?l WHERE {{ {_ENTITIES} ?e ?p ?l . VALUES ?p {{ rdfs:label skos:altLabel }} }}"
_Q_IDENTIFIERS = (
    f"SELECT DISTINCT ?e ?p ?v WHERE {{ {_ENTITIES} ?e ?p ?v . "
    f"VALUES ?p {{ {' '.join(f'<{p}>' for p in IDENTIFIER_PREDICATES)} }} }}"
)
_Q_DOCUMENTS = (
    "SELECT ?d (SAMPLE(?dt) AS ?date) (SAMPLE(?hl) AS ?h) WHERE { ?d a kg:NewsArticle "
    "OPTIONAL { ?d schema:datePublished ?dt } OPTIONAL { ?d schema:headline ?hl } } GROUP BY ?d"
)
_Q_RELATIONS = (
    "SELECT DISTINCT ?s ?p ?o WHERE { { SELECT DISTINCT ?s WHERE { ?s kg:mentionCount ?a } } ?s ?p ?o . "
    f'FILTER(STRSTARTS(STR(?p), "{_KG}")) FILTER EXISTS {{ ?o kg:mentionCount ?b }} }}'
)
_Q_EVIDENCE = (
    "SELECT DISTINCT ?st ?s ?p ?o ?doc ?sent ?start ?end ?conf ?trig ?ext ?role WHERE { "
    "?st a rdf:Statement ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o . "
    "FILTER EXISTS { ?s kg:mentionCount ?a } FILTER EXISTS { ?o kg:mentionCount ?b } "
    "OPTIONAL { ?st prov:wasDerivedFrom ?doc } OPTIONAL { ?st kg:sentence ?sent } "
    "OPTIONAL { ?st kg:start ?start } OPTIONAL { ?st kg:end ?end } OPTIONAL { ?st kg:confidence ?conf } "
    "OPTIONAL { ?st kg:trigger ?trig } OPTIONAL { ?st kg:extractor ?ext } OPTIONAL { ?st kg:roleTitle ?role } }"
)

def local_name(iri: str) -> str:
    """The last segment of an IRI: what a node without a label, or a relation, is called on screen."""
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _select(store: ReadableStore, body: str) -> list[dict[str, Value]]:
    """Run a SELECT over the union of document graphs and return plain Python values."""
    import pyoxigraph as ox

    rows = []
    for sol in store.select(sparql_prefixes() + body).rows:
        row: dict[str, Value] = {}
        for n, t in sol.items():
            if t is None:
                row[n] = None
            elif isinstance(t, ox.Literal):
                row[n] = (t.value, t.language, t.datatype.value)
            else:
                row[n] = t.value  # type: ignore[union-attr]
        rows.append(row)
    return rows


def _num(lit: Value) -> float | int | None:
    if not isinstance(lit, tuple):
        return None
    try:
        f = float(lit[0])
    except ValueError:
        return None
    return int(f) if f.is_integer() and lit[2].endswith(("integer", "int", "long")) else f


def _text(lit: Value) -> str | None:
    """A literal's lexical form (None when the variable is unbound)."""
    return lit[0] if lit else None


def _most_specific(types: Iterable[str]) -> str:
    """One class per entity: the deepest kg: class (an entity typed in several documents keeps the most precise)."""
    kg_types = sorted({t for t in types if t.startswith(_KG)})
    if not kg_types:
        return "Thing"
    try:
        from rdflib import URIRef

        from graph.rdf.ontology import load_ontology

        onto = load_ontology()
        ancestors = {t: onto.ancestors(URIRef(t)) for t in kg_types}
        leaves = [t for t in kg_types if not any(t != o and URIRef(t) in ancestors[o] for o in kg_types)]
        leaves.sort(key=lambda t: (-len(ancestors[t]), t))
        return local_name(leaves[0])
    except Exception:  # noqa: BLE001 - without the ontology, fall back to a stable choice
        return local_name(kg_types[0])


# -- entities ------------------------------------------------------------------------
def _labels(store: ReadableStore) -> tuple[dict[str, dict[str, str]], dict[str, set[str]]]:
    """Per entity, the smallest rdfs:label in each script, and every other name (altLabels, untagged labels)."""
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    alts: dict[str, set[str]] = defaultdict(set)
    for r in _select(store, _Q_LABELS):
        e = str(r["e"])
        value, lang, _dt = r["l"]  # type: ignore[misc]
        if r["p"] == _RDFS_LABEL:
            key = _LANG_KEY.get((lang or "").lower())
            if key and (key not in labels[e] or value < labels[e][key]):
                labels[e][key] = value
            elif not key:
                alts[e].add(value)
        else:
            alts[e].add(value)
    return labels, alts


def _identifiers(store: ReadableStore) -> dict[str, dict[str, set[str]]]:
    idents: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for r in _select(store, _Q_IDENTIFIERS):
        v = r["v"][0] if isinstance(r["v"], tuple) else r["v"]
        idents[str(r["e"])][IDENTIFIER_PREDICATES[str(r["p"])]].add(str(v))
    return idents


def _add_entities(g: nx.MultiDiGraph, store: ReadableStore) -> None:
    """One node per entity with its labels in the three scripts (each falling back on the others), class and mentions."""
    mentions = {str(r["e"]): _num(r["n"]) or 0 for r in _select(store, _Q_MENTIONS)}
    types: dict[str, set[str]] = defaultdict(set)
    for r in _select(store, _Q_TYPES):
        types[str(r["e"])].add(str(r["t"]))
    labels, alts = _labels(store)
    idents = _identifiers(store)
    for e in sorted(mentions):
        lab = labels.get(e, {})
        local = local_name(e)
        g.add_node(
            e,
            label_en=lab.get("en") or lab.get("zh-Hant") or lab.get("zh-Hans") or local,
            label_zh_hant=lab.get("zh-Hant") or lab.get("zh-Hans") or lab.get("en") or local,
            label_zh_hans=lab.get("zh-Hans") or lab.get("zh-Hant") or lab.get("en") or local,
            alt_labels=sorted(alts.get(e, set()) - set(lab.values())),
            type=_most_specific(types.get(e, ())),
            mentions=int(mentions[e]),
            identifiers={k: sorted(v) for k, v in sorted(idents.get(e, {}).items())},
        )


# -- relations -----------------------------------------------------------------------
Fact = tuple[str, str, str]


def _evidence(store: ReadableStore) -> tuple[set[Fact], dict[Fact, list[dict[str, Any]]]]:
    """Every entity-to-entity kg: triple, and the reified statements (sentence, offsets, source) behind each."""
    docs = {
        r["d"]: {"date": _text(r["date"]), "headline": _text(r["h"])} for r in _select(store, _Q_DOCUMENTS)
    }
    triples: set[Fact] = {
        (str(r["s"]), str(r["p"]), str(r["o"])) for r in _select(store, _Q_RELATIONS)
    }
    evidence: dict[Fact, list[dict[str, Any]]] = defaultdict(list)
    for r in _select(store, _Q_EVIDENCE):
        key = (str(r["s"]), str(r["p"]), str(r["o"]))
        if not key[1].startswith(_KG):
            continue
        triples.add(key)
        doc = r["doc"] if isinstance(r["doc"], str) else None
        meta = docs.get(doc or "", {})
        evidence[key].append(
            {
                "statement": r["st"],
                "doc": doc,
                "headline": meta.get("headline"),
                "date": meta.get("date"),
                "sentence": _text(r["sent"]),
                "start": _num(r["start"]),
                "end": _num(r["end"]),
                "confidence": _num(r["conf"]),
                "trigger": _text(r["trig"]),
                "extractor": _text(r["ext"]),
                "role_title": _text(r["role"]),
            }
        )
    return triples, evidence


def _dedupe(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One evidence row per statement (a statement with two triggers would otherwise appear twice)."""
    seen: dict[str, dict[str, Any]] = {}
    for row in sorted(rows, key=lambda d: json.dumps(d, sort_keys=True, ensure_ascii=False)):
        seen.setdefault(row["statement"], row)
    return list(seen.values())


def _add_relations(g: nx.MultiDiGraph, store: ReadableStore) -> None:
    triples, evidence = _evidence(store)
    for s, p, o in sorted(triples):
        ev = sorted(
            _dedupe(evidence.get((s, p, o), [])),
            key=lambda d: (d["doc"] or "", d["start"] if d["start"] is not None else -1, d["statement"]),
        )
        confs = [d["confidence"] for d in ev if d["confidence"] is not None]
        trig = sorted({d["trigger"] for d in ev if d["trigger"]})
        rel = local_name(p)
        g.add_edge(
            s,
            o,
            key=rel,
            relation=rel,
            predicate=p,
            trigger=trig[0] if trig else "",
            triggers=trig,
            confidence=max(confs) if confs else None,
            evidence=ev,
        )


def to_networkx(store: ReadableStore) -> nx.MultiDiGraph:
    """Entities as nodes (keyed by IRI) and entity-to-entity kg: relations as edges, one per (s, relation, o).

    Evidence of all documents is merged onto the one edge so a fact reported
    by five articles is one line carrying five sentences, not five lines.
    """
    g = nx.MultiDiGraph()
    _add_entities(g, store)
    _add_relations(g, store)
    return g


# -- graph files ---------------------------------------------------------------------
def _flat(value: Any) -> str | int | float | bool:
    """GraphML/GEXF attributes must be scalars: lists and dicts become JSON text, None an empty string."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def flatten(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy of ``g`` whose attributes are all strings or numbers."""
    out = nx.MultiDiGraph()
    for n, d in g.nodes(data=True):
        out.add_node(n, **{k: _flat(v) for k, v in sorted(d.items())})
    for u, v, k, d in g.edges(keys=True, data=True):
        out.add_edge(u, v, key=k, **{a: _flat(b) for a, b in sorted(d.items())})
    return out


def write_graph_file(store: ReadableStore, fmt: str) -> bytes:
    """GraphML or GEXF bytes for Gephi, yEd or Cytoscape (those tools cannot read RDF)."""
    fmt = fmt.lower()
    g = flatten(to_networkx(store))
    buf = io.BytesIO()
    if fmt == "graphml":
        nx.write_graphml(g, buf, encoding="utf-8", prettyprint=True, named_key_ids=True)
    elif fmt == "gexf":
        nx.write_gexf(g, buf, encoding="utf-8", prettyprint=True)
        # NetworkX stamps today's date into <meta>; drop it so the export is reproducible.
        return re.sub(rb' lastmodifieddate="[^"]*"', b"", buf.getvalue(), count=1)
    else:
        raise ValueError(f"unknown graph format '{fmt}': choose graphml or gexf")
    return buf.getvalue()


__all__ = ["IDENTIFIER_PREDICATES", "flatten", "local_name", "to_networkx", "write_graph_file"]
