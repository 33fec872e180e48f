"""Look at the graph: NetworkX conversion, GraphML/GEXF export and an offline HTML viewer.

The viewer is one self-contained HTML file.  It is meant to be mailed around,
opened from a USB stick or archived next to a report, so it must never reach
the network: vis-network's JavaScript and CSS are inlined from the copy that
the ``pyvis`` package ships (pyvis's own template links Bootstrap and
tom-select from CDNs even in ``in_line`` mode, so we write the page around
vis-network ourselves), and a Content-Security-Policy forbids any fetch.
The page, its stylesheet and its script are real files in
``graph/viz/templates/`` (``page.html``, ``app.css``, ``app.js``), inlined
when the page is rendered.

Readability: node labels use a CJK-capable font stack; entities without
relations sit in one grid per class spaced by label width; every class
present gets its own (colour, shape), the shape saying the top class
(events are diamonds, their role edges purple); edge labels are drawn
12 px high on screen, those that would cover something only on hover.

Large graphs must open without a physics simulation, so node positions are
computed here (NetworkX spring layout, or a sampled force layout above
``FAST_LAYOUT_ABOVE`` nodes) and physics starts switched off.  Everything is
sorted and seeded so the same store always gives byte-identical output.
"""

from __future__ import annotations

import contextlib
import difflib
import html
import io
import json
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

from graph.vocab import KG, PREFIXES, sparql_prefixes

if TYPE_CHECKING:
    from graph.store.local import GraphStore

#: Above this many nodes the O(n²) spring layout is replaced by a sampled one.
FAST_LAYOUT_ABOVE = 1000
#: SHACL validation runs automatically only on graphs up to this many triples (it takes ~2 s per 1,000).
SHACL_AUTO_MAX_TRIPLES = 3000
LAYOUT_SEED = 42
LANGS = ("en", "zh-Hant", "zh-Hans")
_LABEL_ATTR = {"en": "label_en", "zh-Hant": "label_zh_hant", "zh-Hans": "label_zh_hans"}

_KG = str(KG)
_RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_SKOS_ALT = "http://www.w3.org/2004/02/skos/core#altLabel"

#: Predicates whose values are shown as an entity's identifiers.
IDENTIFIER_PREDICATES = {
    _KG + "stockCode": "stockCode",
    _KG + "abbreviation": "abbreviation",
    _KG + "shortName": "shortName",
    _KG + "formerName": "formerName",
    "https://schema.org/identifier": "identifier",
    "https://schema.org/sameAs": "sameAs",
    "http://www.w3.org/2002/07/owl#sameAs": "sameAs",
    "http://www.w3.org/2004/02/skos/core#exactMatch": "exactMatch",
    "https://schema.org/url": "url",
}

# -- styling -------------------------------------------------------------------
#: Ontology classes in docs/VOCAB.md order; a class's colour is its index in a fixed palette,
#: so the same class has the same colour in every graph.
CLASS_ORDER: tuple[str, ...] = (
    "Organization", "Company", "FinancialInstitution", "Bank", "InternetBank", "Insurer", "SecuritiesFirm",
    "FundCompany", "InvestmentFirm", "ConsumerFinanceCompany", "PaymentCompany", "AssetExchange",
    "FintechCompany", "TechnologyCompany", "CloudProvider", "ITVendor", "StockExchange",
    "GovernmentAgency", "Regulator", "CentralBank", "MediaOutlet", "ResearchFirm", "IndustryAlliance",
    "BusinessUnit", "Person", "Product", "FinancialProduct", "PaymentService", "CreditProduct",
    "FundProduct", "InsuranceProduct", "SoftwarePlatform", "Database", "Middleware", "MobileApp",
    "Hardware", "Event", "Conference", "ProductLaunch", "FinancingEvent", "Report", "PolicyDocument",
    "Publication", "Plan", "NewsArticle", "Measurement", "Place", "Country", "City", "Region",
)  # fmt: skip
#: Twenty colours picked to be told apart (after Sasha Trubetskoy's "20 simple, distinct colours").
PALETTE = (
    "#4363d8", "#e6194b", "#3cb44b", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#bfef45",
    "#9a6324", "#469990", "#800000", "#000075", "#808000", "#ffe119", "#fabed4", "#dcbeff",
    "#aaffc3", "#ffd8b1", "#a9a9a9", "#fffac8",
)  # fmt: skip
#: The shape of each top class (vis-network shapes whose size follows ``size``; ellipse/box size by label).
FAMILY_SHAPE = {
    "Organization": "dot",
    "Person": "star",
    "Product": "square",
    "Event": "diamond",
    "CreativeWork": "triangle",
    "Place": "triangleDown",
    "Thing": "hexagon",
}
#: The border colour of each top class: a node's outline says what kind of thing it is.
FAMILY_BORDER = {
    "Organization": "#1a2f6b",
    "Person": "#7a3b00",
    "Product": "#1b5e20",
    "Event": "#4a148c",
    "CreativeWork": "#5d4037",
    "Place": "#006064",
    "Thing": "#333333",
}
#: Shapes a family borrows once its own shape has used every colour; the diamond stays the events' own.
SPARE_SHAPES = ("hexagon", "dot", "square", "triangle", "triangleDown", "star")
_SHAPE_GLYPH = {
    "dot": "●",
    "star": "★",
    "square": "■",
    "diamond": "◆",
    "triangle": "▲",
    "triangleDown": "▼",
    "hexagon": "⬢",
}
#: Labels are drawn in a font that has Chinese glyphs wherever one is installed.
FONT_STACK = (
    '"Noto Sans CJK SC", "Noto Sans CJK TC", "WenQuanYi Micro Hei", "PingFang SC", "PingFang TC", '
    '"Microsoft YaHei", "Microsoft JhengHei", sans-serif'
)
#: Node label size in canvas units; the layout spaces isolated entities from labels of this size.
NODE_FONT_PX = 22
#: Edge labels are drawn at least this many screen pixels high at the initial zoom (see app.js).
EDGE_LABEL_PX = 12
#: Edges from an event to its participants (its roles) are drawn in the events' colour.
EVENT_ROLE_COLOUR = "#8e6fc1"


def class_family(cls: str) -> str:
    """Top schema.org class of a kg: class (Organization, Person, ...), read from the ontology."""
    try:
        from graph.rdf.ontology import load_ontology

        top = load_ontology().top_class(KG[cls])
    except Exception:  # noqa: BLE001 - styling must not fail because the ontology file is missing
        top = None
    return str(top).rsplit("/", 1)[-1] if top is not None else "Thing"


def is_event_class(cls: str) -> bool:
    return class_family(cls) == "Event"


def class_styles(classes: Iterable[str]) -> dict[str, tuple[str, str]]:
    """A (fill colour, shape) per class, different for every two classes given.

    The shape is the top class's (events are diamonds); classes of one family
    take the palette's colours in vocabulary order, and a family with more
    classes than colours borrows another shape, never the events' diamond.
    The result depends only on the set of classes, so a store always looks the same.
    """
    rank = {c: i for i, c in enumerate(CLASS_ORDER)}
    ordered = sorted(set(classes), key=lambda c: (rank.get(c, len(rank)), c))
    fam_rank = {f: i for i, f in enumerate(FAMILY_SHAPE)}
    families = sorted({class_family(c) for c in ordered}, key=lambda f: (fam_rank.get(f, 99), f))
    offset = {f: 3 * i for i, f in enumerate(families)}  # families start on different colours
    used: set[tuple[str, str]] = set()
    out: dict[str, tuple[str, str]] = {}
    for c in ordered:
        fam = class_family(c)
        own = FAMILY_SHAPE.get(fam, "hexagon")
        shapes = [own, *(s for s in SPARE_SHAPES if s != own)]
        pairs = [
            (PALETTE[(offset[fam] + i) % len(PALETTE)], shape)
            for shape in shapes
            for i in range(len(PALETTE))
        ]
        style = next((p for p in pairs if p not in used), pairs[0])  # more classes than pairs: reuse
        used.add(style)
        out[c] = style
    return out


# -- store -> networkx -----------------------------------------------------------
def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _select(store: GraphStore, body: str) -> list[dict[str, Any]]:
    """Run a SELECT over the union of document graphs and return plain Python values."""
    import pyoxigraph as ox

    res = store.ox.query(sparql_prefixes() + body, use_default_graph_as_union=True)
    names = [v.value for v in res.variables]  # type: ignore[union-attr]
    rows = []
    for sol in res:  # type: ignore[union-attr]
        row: dict[str, Any] = {}
        for n in names:
            t = sol[n]
            if t is None:
                row[n] = None
            elif isinstance(t, ox.Literal):
                row[n] = (t.value, t.language, t.datatype.value)
            else:
                row[n] = t.value
        rows.append(row)
    return rows


def _num(lit: tuple[str, str | None, str] | None) -> float | int | None:
    if lit is None:
        return None
    try:
        f = float(lit[0])
    except ValueError:
        return None
    return int(f) if f.is_integer() and lit[2].endswith(("integer", "int", "long")) else f


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
        return _local(leaves[0])
    except Exception:  # noqa: BLE001 - without the ontology, fall back to a stable choice
        return _local(kg_types[0])


def to_networkx(store: GraphStore) -> nx.MultiDiGraph:
    """Entities as nodes (keyed by IRI) and entity-to-entity kg: relations as edges, one per (s, relation, o).

    Evidence of all documents is merged onto the one edge so a fact reported
    by five articles is one line carrying five sentences, not five lines.
    """
    mentions = {
        r["e"]: _num(r["n"]) or 0
        for r in _select(
            store, "SELECT ?e (SUM(?c) AS ?n) WHERE { GRAPH ?g { ?e kg:mentionCount ?c } } GROUP BY ?e"
        )
    }
    types: dict[str, set[str]] = defaultdict(set)
    for r in _select(store, "SELECT DISTINCT ?e ?t WHERE { ?e kg:mentionCount ?c ; a ?t }"):
        types[r["e"]].add(r["t"])
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    alts: dict[str, set[str]] = defaultdict(set)
    for r in _select(
        store,
        "SELECT DISTINCT ?e ?p ?l WHERE { ?e kg:mentionCount ?c ; ?p ?l . VALUES ?p { rdfs:label skos:altLabel } }",
    ):
        value, lang, _dt = r["l"]
        if r["p"] == _RDFS_LABEL:
            key = {"en": "en", "zh-hant": "zh-Hant", "zh-hans": "zh-Hans"}.get((lang or "").lower())
            if key and (key not in labels[r["e"]] or value < labels[r["e"]][key]):
                labels[r["e"]][key] = value
            elif not key:
                alts[r["e"]].add(value)
        else:
            alts[r["e"]].add(value)
    idents: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    values = " ".join(f"<{p}>" for p in IDENTIFIER_PREDICATES)
    for r in _select(
        store,
        f"SELECT DISTINCT ?e ?p ?v WHERE {{ ?e kg:mentionCount ?c ; ?p ?v . VALUES ?p {{ {values} }} }}",
    ):
        v = r["v"][0] if isinstance(r["v"], tuple) else r["v"]
        idents[r["e"]][IDENTIFIER_PREDICATES[r["p"]]].add(v)

    g = nx.MultiDiGraph()
    for e in sorted(mentions):
        lab = labels.get(e, {})
        local = _local(e)
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

    docs = {
        r["d"]: {"date": r["date"][0] if r["date"] else None, "headline": r["h"][0] if r["h"] else None}
        for r in _select(
            store,
            "SELECT ?d (SAMPLE(?dt) AS ?date) (SAMPLE(?hl) AS ?h) WHERE { ?d a kg:NewsArticle "
            "OPTIONAL { ?d schema:datePublished ?dt } OPTIONAL { ?d schema:headline ?hl } } GROUP BY ?d",
        )
    }
    triples: set[tuple[str, str, str]] = {
        (r["s"], r["p"], r["o"])
        for r in _select(
            store,
            f"SELECT DISTINCT ?s ?p ?o WHERE {{ ?s kg:mentionCount ?a . ?o kg:mentionCount ?b . ?s ?p ?o . "
            f'FILTER(STRSTARTS(STR(?p), "{_KG}")) }}',
        )
    }
    evidence: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in _select(
        store,
        "SELECT DISTINCT ?st ?s ?p ?o ?doc ?sent ?start ?end ?conf ?trig ?ext ?role WHERE { "
        "?st a rdf:Statement ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o . "
        "?s kg:mentionCount ?a . ?o kg:mentionCount ?b . "
        "OPTIONAL { ?st prov:wasDerivedFrom ?doc } OPTIONAL { ?st kg:sentence ?sent } "
        "OPTIONAL { ?st kg:start ?start } OPTIONAL { ?st kg:end ?end } OPTIONAL { ?st kg:confidence ?conf } "
        "OPTIONAL { ?st kg:trigger ?trig } OPTIONAL { ?st kg:extractor ?ext } OPTIONAL { ?st kg:roleTitle ?role } }",
    ):
        key = (r["s"], r["p"], r["o"])
        if not r["p"].startswith(_KG):
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
                "sentence": r["sent"][0] if r["sent"] else None,
                "start": _num(r["start"]),
                "end": _num(r["end"]),
                "confidence": _num(r["conf"]),
                "trigger": r["trig"][0] if r["trig"] else None,
                "extractor": r["ext"][0] if r["ext"] else None,
                "role_title": r["role"][0] if r["role"] else None,
            }
        )
    for s, p, o in sorted(triples):
        ev = sorted(
            _dedupe(evidence.get((s, p, o), [])),
            key=lambda d: (d["doc"] or "", d["start"] if d["start"] is not None else -1, d["statement"]),
        )
        confs = [d["confidence"] for d in ev if d["confidence"] is not None]
        trig = sorted({d["trigger"] for d in ev if d["trigger"]})
        rel = _local(p)
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
    return g


def _dedupe(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One evidence row per statement (a statement with two triggers would otherwise appear twice)."""
    seen: dict[str, dict[str, Any]] = {}
    for row in sorted(rows, key=lambda d: json.dumps(d, sort_keys=True, ensure_ascii=False)):
        seen.setdefault(row["statement"], row)
    return list(seen.values())


# -- graph file export ---------------------------------------------------------------
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


def write_graph_file(store: GraphStore, fmt: str) -> bytes:
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


# -- selecting a subgraph --------------------------------------------------------------
def node_names(data: Mapping[str, Any]) -> list[str]:
    """Every name of a node: the three labels and all alternative labels."""
    names = [
        data.get("label_en"),
        data.get("label_zh_hant"),
        data.get("label_zh_hans"),
        *data.get("alt_labels", []),
    ]
    return sorted({n for n in names if n})


def find_entities(g: nx.MultiDiGraph, name: str) -> list[str]:
    """Nodes with a label or altLabel equal to ``name`` across scripts, width and case (also accepts an IRI)."""
    from graph.script import normalize

    if name in g:
        return [name]
    if ":" in name and not name.startswith("http"):
        prefix, _, local = name.partition(":")
        if prefix in PREFIXES and str(PREFIXES[prefix][local]) in g:
            return [str(PREFIXES[prefix][local])]
    key = normalize(name)
    return sorted(n for n, d in g.nodes(data=True) if any(normalize(x) == key for x in node_names(d)))


def ego(g: nx.MultiDiGraph, focus: str, hops: int = 1) -> nx.MultiDiGraph:
    """The neighbourhood of radius ``hops`` around every entity named ``focus``, ignoring edge direction."""
    hits = find_entities(g, focus)
    if not hits:
        from graph.script import normalize

        names = {normalize(x): x for _, d in g.nodes(data=True) for x in node_names(d)}
        close = [names[k] for k in difflib.get_close_matches(normalize(focus), list(names), n=5, cutoff=0.5)]
        hint = f"; did you mean: {', '.join(close)}?" if close else ""
        raise ValueError(
            f"--focus '{focus}' matches no entity in the graph (compared with every label and altLabel){hint}"
        )
    und = g.to_undirected(as_view=True)
    keep: set[str] = set()
    for h in hits:
        keep |= set(nx.single_source_shortest_path_length(und, h, cutoff=max(0, hops)))
    return g.subgraph(sorted(keep)).copy()


def query_subgraph(store: GraphStore, g: nx.MultiDiGraph, sparql: str) -> nx.MultiDiGraph:
    """The part of ``g`` a SPARQL query selects: CONSTRUCT triples, or SELECT rows with ?s ?p ?o.

    A triple whose predicate is a drawn relation keeps that edge; any other
    triple (``?s a kg:Bank``) keeps its entities.  A SELECT without ?s ?p ?o
    keeps every entity found in its rows and the edges among them.
    """
    import pyoxigraph as ox

    from graph.store.sparql import uses_service, with_prefixes

    text = with_prefixes(sparql)
    if uses_service(text):
        raise ValueError("SERVICE (federated queries) is not allowed in --query")
    try:
        res = store.ox.query(text, use_default_graph_as_union=True)
    except SyntaxError as exc:
        raise ValueError(f"--query is not valid SPARQL: {exc}") from None
    nodes: set[str] = set()
    edges: set[tuple[str, str, str]] = set()
    induced = False
    if isinstance(res, ox.QueryTriples):
        rows = [(t.subject, t.predicate, t.object) for t in res]
    elif isinstance(res, ox.QuerySolutions):
        names = [v.value for v in res.variables]
        if {"s", "p", "o"} <= set(names):
            rows = [(sol["s"], sol["p"], sol["o"]) for sol in res]
        else:
            induced = True
            rows = []
            for sol in res:
                nodes |= {
                    t.value for t in (sol[n] for n in names) if isinstance(t, ox.NamedNode) and t.value in g
                }
    else:
        raise ValueError("--query must be a CONSTRUCT, or a SELECT returning ?s ?p ?o")
    for s, p, o in rows:
        sv = s.value if isinstance(s, ox.NamedNode) else None
        ov = o.value if isinstance(o, ox.NamedNode) else None
        pv = p.value if isinstance(p, ox.NamedNode) else ""
        for v in (sv, ov):
            if v in g:
                nodes.add(v)  # type: ignore[arg-type]
        if sv in g and ov in g:
            edges.add((sv, _local(pv), ov))  # type: ignore[arg-type]
    if not nodes:
        raise ValueError("--query selected no entity of the graph")
    sub = g.subgraph(sorted(nodes)).copy()
    if not induced:
        for u, v, k in list(sub.edges(keys=True)):
            if (u, k, v) not in edges:
                sub.remove_edge(u, v, key=k)
    return sub


# -- layout ------------------------------------------------------------------------------
def layout(g: nx.MultiDiGraph, seed: int = LAYOUT_SEED) -> dict[str, tuple[float, float]]:
    """Pixel positions for every node, deterministic for a given graph.

    Up to ``FAST_LAYOUT_ABOVE`` nodes each connected component gets its own
    spring layout (one spring layout of everything pushes isolated entities
    to a ring and squeezes the connected core into a blot), entities without
    relations get one grid per class whose cells fit the class's widest label
    (``class_grids``), and the components and grids are shelf-packed into a
    rectangle about as wide as a screen.  Spring layout is O(n²) per step in
    NetworkX without SciPy, so larger graphs use a force layout with sampled
    repulsion that handles 5,000 nodes in one to three seconds.
    """
    nodes = sorted(g.nodes)
    if not nodes:
        return {}
    edges = sorted({(u, v) if u < v else (v, u) for u, v in g.edges() if u != v})
    if len(nodes) > FAST_LAYOUT_ABOVE:
        coords = _sampled_force_layout(nodes, edges, seed)
        unit = 120.0 * math.sqrt(len(nodes))
        return {k: (round(x * unit, 1), round(y * unit, 1)) for k, (x, y) in sorted(coords.items())}
    linked = sorted({n for e in edges for n in e})
    alone = sorted(set(nodes) - set(linked))
    boxes = _component_boxes(g, linked, edges, seed) + class_grids(g, alone)
    out = _shelf_pack(boxes)
    mx = (min(p[0] for p in out.values()) + max(p[0] for p in out.values())) / 2
    my = (min(p[1] for p in out.values()) + max(p[1] for p in out.values())) / 2
    return {k: (round(x - mx, 1), round(y - my, 1)) for k, (x, y) in sorted(out.items())}


#: A box to pack: node positions relative to its top-left corner, its width and its height.
Box = tuple[dict[str, tuple[float, float]], float, float]
#: Width over height of the packed layout: about a browser window's, so the initial fit wastes little.
LAYOUT_ASPECT = 1.6
#: Canvas pixels between two nodes joined by an edge, roughly.
NODE_SPACING = 100.0


def _shelf_pack(boxes: list[Box], gap: float = 40.0) -> dict[str, tuple[float, float]]:
    """Tallest boxes first, left to right in rows; of a few row widths, the one whose result fits a
    ``LAYOUT_ASPECT`` window at the largest scale."""
    boxes = sorted(boxes, key=lambda b: (-b[2], -b[1], min(b[0])))
    widest, total = max(w for _, w, _ in boxes), sum(w + gap for _, w, _ in boxes)
    best: tuple[float, dict[str, tuple[float, float]]] | None = None
    for step in range(33):
        row_width = widest + (total - widest) * (step / 32) ** 2
        out: dict[str, tuple[float, float]] = {}
        x = y = shelf = right = 0.0
        for local, w, h in boxes:
            if x > 0 and x + w > row_width:
                x, y, shelf = 0.0, y + shelf + gap, 0.0
            out.update({k: (x + px, y + py) for k, (px, py) in local.items()})
            right = max(right, x + w)
            x += w + gap
            shelf = max(shelf, h)
        extent = max(right / LAYOUT_ASPECT, y + shelf)  # what the initial fit has to squeeze in
        if best is None or extent < best[0] - 1e-6:
            best = (extent, out)
    assert best is not None
    return best[1]


def label_width(text: str, font_px: float = NODE_FONT_PX) -> float:
    """A generous estimate of a label's drawn width: wide (CJK) characters 1 em, capitals 0.75, others 0.6."""
    width = 0.0
    for ch in text:
        if unicodedata.east_asian_width(ch) in "WF":
            width += 1.0
        elif ch.isupper() or ch in "mwMW@%":
            width += 0.75
        else:
            width += 0.6
    return width * font_px


def node_box(data: Mapping[str, Any], x: float, y: float, font_px: float = NODE_FONT_PX) -> tuple[float, ...]:
    """(left, top, right, bottom) a node and its label (drawn under the shape, in any of the three scripts) cover."""
    r = _size(int(data.get("mentions") or 0))
    half = max(r, max(label_width(t, font_px) for t in _labels_of(data)) / 2)
    return (x - half, y - r, x + half, y + r + 4 + 1.3 * font_px)


def _labels_of(data: Mapping[str, Any]) -> list[str]:
    """The labels drawn for a node in the three scripts (an event shows its kind only, see ``event_caption``)."""
    event = is_event_class(str(data.get("type") or "Thing"))
    texts = [str(data.get(a) or "") for a in _LABEL_ATTR.values()]
    return [event_caption(t) for t in texts] if event else texts


def event_caption(label: str) -> str:
    """What an event node shows: its kind (``上市`` of ``上市：<exchange> / <company>``); the role edges
    already point at the participants, and the full label is in the tooltip and the panel."""
    for sep in ("：", ": "):
        head, found, _ = label.partition(sep)
        if found and head.strip():
            return head.strip()
    return label


def class_grids(g: nx.MultiDiGraph, nodes: list[str], gap: float = 16.0) -> list[Box]:
    """Entities without relations as one about-square grid per class, to be packed with the components.

    A class's columns are as wide as its widest node box (label included, in
    the widest of the three scripts, since the page can switch) plus ``gap``,
    and its rows as tall as its tallest box, so no two labels overlap.
    """
    by_class: dict[str, list[str]] = defaultdict(list)
    for n in nodes:
        by_class[g.nodes[n].get("type") or "Thing"].append(n)
    out: list[Box] = []
    for cls in sorted(by_class):
        members = sorted(by_class[cls], key=lambda n: (_labels_of(g.nodes[n])[0], n))
        boxes = [node_box(g.nodes[n], 0.0, 0.0) for n in members]
        col_w = max(b[2] - b[0] for b in boxes) + gap
        row_h = max(b[3] - b[1] for b in boxes) + gap
        up = max(-b[1] for b in boxes)  # from the top of a cell to the centre of its shape
        cols = max(1, min(len(members), round(math.sqrt(len(members) * row_h / col_w))))
        rows = math.ceil(len(members) / cols)
        local = {}
        for i, n in enumerate(members):
            r, c = divmod(i, cols)
            local[n] = (c * col_w + col_w / 2, r * row_h + up + gap / 2)
        out.append((local, cols * col_w, rows * row_h))
    return out


def _component_boxes(
    g: nx.MultiDiGraph, nodes: list[str], edges: list[tuple[str, str]], seed: int
) -> list[Box]:
    """A spring layout per connected component, in a disc of area ~ its size in node spacings, then spread
    until no two node boxes (shape and label) overlap; the component's box encloses every node box."""
    und = nx.Graph()
    und.add_nodes_from(nodes)
    und.add_edges_from(edges)
    comps = sorted((sorted(c) for c in nx.connected_components(und)), key=lambda c: (-len(c), c[0]))
    out: list[Box] = []
    for comp in comps:
        radius = 0.75 * math.sqrt(len(comp)) * NODE_SPACING
        # A fresh graph in sorted order: a subgraph view iterates a set, whose order changes between
        # processes (string hashing is salted) and would change the seeded layout with it.
        sub = nx.Graph()
        sub.add_nodes_from(comp)
        sub.add_edges_from(sorted(e if e[0] < e[1] else (e[1], e[0]) for e in und.subgraph(comp).edges()))
        pos = nx.spring_layout(sub, seed=seed, iterations=150)
        spread = _spread({k: (float(x) * radius, float(y) * radius) for k, (x, y) in pos.items()}, g)
        boxes = [node_box(g.nodes[k], x, y) for k, (x, y) in spread.items()]
        left, top = min(b[0] for b in boxes) - 12, min(b[1] for b in boxes) - 12
        right, bottom = max(b[2] for b in boxes) + 12, max(b[3] for b in boxes) + 12
        local = {k: (x - left, y - top) for k, (x, y) in spread.items()}
        out.append((local, right - left, bottom - top))
    return out


def _spread(
    pos: dict[str, tuple[float, float]], g: nx.MultiDiGraph, gap: float = 6.0, iterations: int = 80
) -> dict[str, tuple[float, float]]:
    """Push apart nodes whose boxes (``node_box``, label included) overlap, along the axis of least overlap."""
    import numpy as np

    keys = sorted(pos)
    if len(keys) < 2:
        return pos
    box = np.array([node_box(g.nodes[k], 0.0, 0.0) for k in keys])
    half_w = (box[:, 2] - box[:, 0]) / 2 + gap / 2
    half_h = (box[:, 3] - box[:, 1]) / 2 + gap / 2
    below = (box[:, 1] + box[:, 3]) / 2  # the box's centre is under the node's (the label hangs below)
    xy = np.array([pos[k] for k in keys], dtype=float)
    order = np.arange(len(keys))
    tie = np.where(order[:, None] > order[None, :], 1.0, -1.0)  # coincident nodes part by index
    for _ in range(iterations):
        dx = xy[:, 0][:, None] - xy[:, 0][None, :]
        cy = xy[:, 1] + below
        dy = cy[:, None] - cy[None, :]
        ox = half_w[:, None] + half_w[None, :] - np.abs(dx)
        oy = half_h[:, None] + half_h[None, :] - np.abs(dy)
        hit = (ox > 0) & (oy > 0)
        np.fill_diagonal(hit, False)
        if not hit.any():
            break
        sx = np.where(dx > 0, 1.0, np.where(dx < 0, -1.0, tie))
        sy = np.where(dy > 0, 1.0, np.where(dy < 0, -1.0, tie))
        along_x = hit & (ox <= oy)
        along_y = hit & (ox > oy)
        xy[:, 0] += 0.5 * np.where(along_x, ox * sx, 0.0).sum(1) / np.maximum(along_x.sum(1), 1) ** 0.5
        xy[:, 1] += 0.5 * np.where(along_y, oy * sy, 0.0).sum(1) / np.maximum(along_y.sum(1), 1) ** 0.5
    return {k: (float(x), float(y)) for k, (x, y) in zip(keys, xy, strict=True)}


def _sampled_force_layout(
    nodes: list[str], edges: list[tuple[str, str]], seed: int, iterations: int = 80, sample: int = 256
) -> dict[str, tuple[float, float]]:
    """Fruchterman-Reingold with repulsion estimated from a random sample of nodes: O(n·sample) per step."""
    import numpy as np

    rng = np.random.default_rng(seed)
    n = len(nodes)
    index = {k: i for i, k in enumerate(nodes)}
    pos = rng.random((n, 2)) * 2 - 1
    ei = np.array([(index[u], index[v]) for u, v in edges], dtype=np.int64).reshape(-1, 2)
    k = 1.0 / math.sqrt(n)
    temp = 0.1
    m = min(sample, n)
    for _ in range(iterations):
        idx = rng.choice(n, m, replace=False)
        q = pos[idx]
        # |p - q|² and the weighted sum of (p - q) as matrix products: no n×m×2 temporary.
        dist2 = (pos**2).sum(1)[:, None] + (q**2).sum(1)[None, :] - 2.0 * (pos @ q.T)
        w = (k * k) / np.maximum(dist2, 1e-4 * k * k)
        disp = (pos * w.sum(1)[:, None] - w @ q) * (n / m)
        if len(ei):
            d = pos[ei[:, 0]] - pos[ei[:, 1]]
            dist = np.sqrt((d**2).sum(-1))[:, None]
            f = d * dist / k
            np.add.at(disp, ei[:, 0], -f)
            np.add.at(disp, ei[:, 1], f)
        disp -= pos * 0.05 * n * k  # gravity keeps components together
        length = np.maximum(np.sqrt((disp**2).sum(-1)), 1e-9)[:, None]
        pos += disp / length * np.minimum(length, temp)
        temp *= 0.96
    pos -= pos.mean(0)
    pos /= max(float(np.abs(pos).max()), 1e-9)
    return {key: (float(pos[i, 0]), float(pos[i, 1])) for key, i in index.items()}


# -- SHACL ---------------------------------------------------------------------------------
def mark_violations(store: GraphStore, g: nx.MultiDiGraph) -> int:
    """Run SHACL and put the failed rules on the nodes/edges they concern (``violations`` attribute)."""
    from graph.rdf.validate import validate_store

    report = validate_store(store)
    by_statement = {
        ev["statement"]: (u, v, k)
        for u, v, k, d in g.edges(keys=True, data=True)
        for ev in d.get("evidence", [])
    }
    marked = 0
    for vio in report.violations:
        rule = vio.rule if not vio.path else f"{vio.rule} ({vio.path} {vio.value})".strip()
        targets: list[dict[str, Any]] = []
        if vio.focus in by_statement:
            u, v, k = by_statement[vio.focus]
            targets.append(g.edges[u, v, k])
        elif vio.focus in g:
            edges = [
                d
                for _, o, d in g.out_edges(vio.focus, data=True)
                if d["relation"] == vio.path and _local(o) == vio.value
            ]
            targets.extend(edges or [g.nodes[vio.focus]])
        for t in targets:
            t.setdefault("violations", [])
            if rule not in t["violations"]:
                t["violations"].append(rule)
                marked += 1
    return marked


# -- HTML ----------------------------------------------------------------------------------
#: The page, its stylesheet and its script, kept as real files in the package (``graph/viz/templates``).
TEMPLATE_FILES = ("page.html", "app.css", "app.js")


def template_text(name: str) -> str:
    """One file of ``graph/viz/templates``, read from the installed package."""
    if name not in TEMPLATE_FILES:
        raise ValueError(f"unknown viewer template '{name}'")
    return (resources.files("graph.viz") / "templates" / name).read_text(encoding="utf-8")


def _vis_assets() -> tuple[str, str]:
    """vis-network's JS and CSS from the pyvis package (no CDN), without the source-map comment."""
    base = resources.files("pyvis") / "lib" / "vis-9.1.2"
    js = (base / "vis-network.min.js").read_text(encoding="utf-8")
    css = (base / "vis-network.css").read_text(encoding="utf-8")
    # Drop source-map comments (DevTools would try to fetch them); str.splitlines() must not be used
    # here, it also splits on U+2028 and other separators inside the minified code's string literals.
    js = re.sub(r"^//# sourceMappingURL=.*$", "", js, flags=re.M)
    css = re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", css)
    return js.replace("</script", "<\\/script"), css.replace("</style", "<\\/style")


def _size(mentions: int) -> float:
    return round(10 + 6 * math.log2(1 + max(0, mentions)), 1)


def graph_payload(
    g: nx.MultiDiGraph, lang: str = "en", positions: Mapping[str, tuple[float, float]] | None = None
) -> dict[str, Any]:
    """The data the page draws: vis nodes and edges plus the details shown on click."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}")
    pos = positions if positions is not None else layout(g)
    classes: dict[str, int] = defaultdict(int)
    for n in g.nodes:
        classes[g.nodes[n].get("type") or "Thing"] += 1
    styles = class_styles(classes)
    family = {c: class_family(c) for c in classes}
    nodes, info = [], {}
    for n in sorted(g.nodes):
        d = g.nodes[n]
        cls = d.get("type") or "Thing"
        labels = {lg: d.get(_LABEL_ATTR[lg]) or _local(n) for lg in LANGS}
        vio = d.get("violations") or []
        x, y = pos.get(n, (0.0, 0.0))
        kind = "event" if family[cls] == "Event" else "entity"
        shown = {lg: event_caption(t) for lg, t in labels.items()} if kind == "event" else labels
        node: dict[str, Any] = {
            "id": n,
            "label": shown[lang],
            "group": cls,
            "x": x,
            "y": y,
            "size": _size(int(d.get("mentions") or 0)),
            "title": " / ".join(dict.fromkeys(labels[lg] for lg in LANGS))
            + f"\n{cls} · {d.get('mentions', 0)}×",
        }
        if kind == "event":
            node["kind"] = "event"
        if vio:
            node["shapeProperties"] = {"borderDashes": [6, 4]}
            node["borderWidth"] = 4
            node["color"] = {"border": "#d62728", "background": styles[cls][0]}
        nodes.append(node)
        info[n] = {
            "labels": labels,
            "shown": shown,
            "alt": list(d.get("alt_labels") or []),
            "type": cls,
            "family": family[cls],
            "kind": kind,
            "mentions": d.get("mentions", 0),
            "identifiers": d.get("identifiers") or {},
            "names": [x.lower().replace(" ", "") for x in node_names(d)] + [n.lower()],
            "violations": vio,
        }
    edges, evidence = [], {}
    relations: dict[str, int] = defaultdict(int)
    for i, (u, v, k, d) in enumerate(sorted(g.edges(keys=True, data=True), key=lambda e: (e[0], e[2], e[1]))):
        eid = f"e{i}"
        rel = d.get("relation") or str(k)
        relations[rel] += 1
        trig = d.get("triggers") or ([d["trigger"]] if d.get("trigger") else [])
        conf = d.get("confidence")
        edge: dict[str, Any] = {
            "id": eid,
            "from": u,
            "to": v,
            "label": rel,
            "relation": rel,
            "title": ("、".join(trig) if trig else "(no trigger)")
            + (f" · {conf:g}" if isinstance(conf, int | float) else ""),
        }
        if info[u]["kind"] == "event":  # a role of an event (acquirer, target, ...)
            edge["role"] = True
            edge["color"] = {"color": EVENT_ROLE_COLOUR, "highlight": "#4a148c", "hover": "#4a148c"}
        if isinstance(conf, int | float):
            edge["width"] = round(1 + 2 * float(conf), 2)
        vio = d.get("violations") or []
        if vio:
            edge["dashes"] = [6, 4]
            edge["color"] = {"color": "#d62728", "highlight": "#d62728", "hover": "#d62728"}
        edges.append(edge)
        evidence[eid] = {
            "relation": rel,
            "triggers": trig,
            "confidence": conf,
            "evidence": d.get("evidence") or [],
            "violations": vio,
        }
    groups = {
        c: {
            "color": {
                "background": styles[c][0],
                "border": FAMILY_BORDER.get(family[c], "#333333"),
                "highlight": {"background": styles[c][0], "border": "#000000"},
                "hover": {"background": styles[c][0], "border": "#000000"},
            },
            "shape": styles[c][1],
            **({"borderWidth": 2} if family[c] == "Event" else {}),
        }
        for c in sorted(classes)
    }
    return {
        "lang": lang,
        "nodes": nodes,
        "edges": edges,
        "info": info,
        "evidence": evidence,
        "groups": groups,
        "classes": [
            [c, classes[c], styles[c][0], _SHAPE_GLYPH.get(styles[c][1], "●"), family[c]]
            for c in sorted(classes)
        ],
        "relations": [[r, relations[r]] for r in sorted(relations)],
        "large": len(nodes) > FAST_LAYOUT_ABOVE,
        "font": FONT_STACK,
        "nodeFontPx": NODE_FONT_PX,
        "edgeLabelPx": EDGE_LABEL_PX,
    }


def _json_for_script(data: Any) -> str:
    """JSON safe inside a <script> element: no '<' can end the element early."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def render_html(
    g: nx.MultiDiGraph,
    lang: str = "en",
    title: str = "Knowledge graph",
    positions: Mapping[str, tuple[float, float]] | None = None,
) -> str:
    """The whole page as text; separate from ``write_html`` so benchmarks can render synthetic graphs."""
    js, css = _vis_assets()
    payload = graph_payload(g, lang, positions)
    ui = _UI_TEXT.get(lang, _UI_TEXT["en"])
    values = {
        "LANG": html.escape(lang),
        "TITLE": html.escape(title),
        "SEARCH": html.escape(ui["search"]),
        "VIS_CSS": css,
        "APP_CSS": template_text("app.css").replace("@@FONT@@", FONT_STACK).replace("</style", "<\\/style"),
        "DATA": _json_for_script(payload),
        "VIS_JS": js,
        "APP_JS": template_text("app.js").replace("</script", "<\\/script"),
    }
    # One pass, so text inserted for one placeholder is never scanned for another.
    return re.sub(r"@@([A-Z_]+)@@", lambda m: values[m.group(1)], template_text("page.html"))


def write_html(
    store: GraphStore,
    path: Path,
    lang: str = "en",
    focus: str | None = None,
    hops: int = 1,
    query: str | None = None,
    *,
    shacl: bool | None = None,
    title: str | None = None,
) -> Path:
    """Write the offline viewer for the store (or the part ``focus``/``query`` selects) to ``path``.

    ``shacl=None`` validates only small graphs (pySHACL takes seconds per
    thousand triples); True forces it, False skips it.
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, not '{lang}'")
    g = to_networkx(store)
    if shacl is None:
        shacl = len(store) <= SHACL_AUTO_MAX_TRIPLES
    if shacl:
        # Marking violations is a bonus: the view must still be written if SHACL fails.
        with contextlib.suppress(Exception):
            mark_violations(store, g)
    if query:
        g = query_subgraph(store, g, query)
    if focus:
        g = ego(g, focus, hops)
    if title is None:
        title = f"Knowledge graph · {focus}" if focus else "Knowledge graph"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(g, lang, title), encoding="utf-8")
    return path


_UI_TEXT = {
    "en": {"search": "Find an entity by any name…"},
    "zh-Hant": {"search": "以任何名稱搜尋實體…"},
    "zh-Hans": {"search": "以任何名称搜索实体…"},
}

__all__ = [
    "class_styles",
    "ego",
    "find_entities",
    "flatten",
    "graph_payload",
    "label_width",
    "layout",
    "mark_violations",
    "query_subgraph",
    "render_html",
    "template_text",
    "to_networkx",
    "write_graph_file",
    "write_html",
]
