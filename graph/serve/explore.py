"""The graph view's query-driven subgraphs: a focus with N hops, a shortest path, a node set, a name search.

The workbench never draws the whole store: each view is what one of these answers holds, at most
:data:`MAX_LIMIT` nodes.  Every question is a SPARQL file in ``ontology/queries/explore/`` run as an
ordinary read job (a child process under the endpoint's time limit) through the ``select`` callable
the handler passes in, so this module never opens the store.  A hop is one query, whatever the
number of nodes it starts from (in chunks of :data:`CHUNK`, so one job stays small); networkx only
does what SPARQL cannot, the shortest path over the neighbourhoods the queries collected.

Nodes are entities and events (what has a ``kg:mentionCount``); edges are the ``kg:`` relations
between them and the roles (sub-properties of ``kg:participant``) that tie an event to its
participants.  A relation's confidence and documents come from its reified statements, a role's
from its event, and a document's date from its ``schema:datePublished``: what the view's
confidence, document and date filters need.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from http import HTTPStatus
from typing import Any

import networkx as nx
from rdflib.namespace import PROV, RDF, RDFS

from graph.serve.entity import LABEL_LANGUAGES, compact, parse_iri
from graph.serve.protocol import RequestRefused
from graph.store.sparql import QUERY_DIR, inject_values
from graph.viz.payload import class_groups
from graph.viz.style import CLASS_ORDER, EVENT_ROLE_COLOUR, SHAPE_GLYPH, class_family, event_caption
from graph.vocab import KG

#: The explore queries (not in the named-query library: they need a VALUES block or ``?q``).
EXPLORE_QUERY_DIR = QUERY_DIR / "explore"
NEIGHBOURHOOD_PATH = "/explore/neighbourhood.json"
PATH_PATH = "/explore/path.json"
SUBGRAPH_PATH = "/explore/subgraph.json"
SEARCH_PATH = "/explore/search.json"
EXPLORE_PATHS = (NEIGHBOURHOOD_PATH, PATH_PATH, SUBGRAPH_PATH, SEARCH_PATH)
#: The viewer's script that holds the panels the workbench's graph view shares with ``kg viz``.
VIEWER_SCRIPT = "viewer/explore.js"

MAX_HOPS = 3
MAX_PATH_HOPS = 6
DEFAULT_LIMIT = 2000
#: No view holds more nodes than this (the browser stays interactive; see benchmarks/bench_viz.py).
MAX_LIMIT = 5000
#: A focus keeps at most this many links (vis-network takes ~60 µs per edge it draws; the nodes stay linked).
MAX_EDGES = 10000
#: A path search gives up once its two searches have reached this many nodes.
PATH_BUDGET = 20000
#: IRIs per query: a hop from 5,000 nodes is three jobs, each well inside the time limit.
CHUNK = 2000
#: Documents per query: looking up a date is cheap, a job (a fork and an open store) is not.
DOCUMENT_CHUNK = 10000
#: The links among the nodes of a focus's last hop are looked up when there are at most this many.
CLOSE_MAX = 1000
MAX_SEARCH = 50

_EVENT = str(KG.Event)
_RDFS_LABEL = str(RDFS.label)
_RDF_TYPE = str(RDF.type)
_MENTIONED = str(KG.mentionCount)
_CONFIDENCE = str(KG.confidence)
_DERIVED = str(PROV.wasDerivedFrom)

#: A SPARQL SELECT to the ``results.bindings`` of its JSON answer (the handler runs it as a read job).
Select = Callable[[str], list[dict[str, dict[str, str]]]]
Link = tuple[str, str, str]


@cache
def _query_text(name: str) -> str:
    return (EXPLORE_QUERY_DIR / f"{name}.rq").read_text(encoding="utf-8")


def with_values(name: str, var: str, iris: Iterable[str]) -> str:
    """The explore query ``name`` with ``?var`` bound to ``iris`` by a VALUES block opening its WHERE clause.

    The IRIs are ones :func:`parse_iri` accepted or the store returned, so they need no escaping.
    """
    text = _query_text(name)
    masked = re.sub(r"(?m)^\s*#.*$", lambda c: " " * len(c.group()), text)  # a comment may say WHERE too
    m = re.search(r"\bWHERE\s*\{", masked, re.I)
    if m is None:  # pragma: no cover - the files are ours
        raise ValueError(f"explore query {name} has no WHERE clause")
    block = f"\n  VALUES ?{var} {{ {' '.join(f'<{i}>' for i in iris)} }}\n"
    return text[: m.end()] + block + text[m.end():]


def _chunked(select: Select, name: str, var: str, iris: Iterable[str], size: int = CHUNK) -> list[dict[str, dict[str, str]]]:
    items = sorted(set(iris))
    rows: list[dict[str, dict[str, str]]] = []
    for i in range(0, len(items), size):
        rows.extend(select(with_values(name, var, items[i:i + size])))
    return rows


def _v(row: dict[str, dict[str, str]], name: str) -> str | None:
    term = row.get(name)
    return term["value"] if term else None


def local_name(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


# -- the ontology: most specific classes, events, roles -------------------------------------------
@dataclass(frozen=True)
class Ontology:
    ancestors: dict[str, frozenset[str]]
    roles: frozenset[str]

    def most_specific(self, types: Iterable[str]) -> str | None:
        """The deepest of ``types`` (an entity typed by several documents keeps the most precise)."""
        kinds = sorted(set(types))
        leaves = [t for t in kinds if not any(t != o and t in self.ancestors.get(o, ()) for o in kinds)]
        leaves.sort(key=lambda t: (-len(self.ancestors.get(t, ())), t))
        return leaves[0] if leaves else None

    def is_event(self, cls: str) -> bool:
        return cls == _EVENT or _EVENT in self.ancestors.get(cls, ())


def ontology(select: Select) -> Ontology:
    ancestors: dict[str, set[str]] = {}
    roles: set[str] = set()
    for row in select(_query_text("ontology")):
        term, sup = _v(row, "term") or "", _v(row, "super") or ""
        if _v(row, "kind") == "role":
            roles.add(term)
        else:
            ancestors.setdefault(term, set()).add(sup)
    return Ontology({k: frozenset(v) for k, v in ancestors.items()}, frozenset(roles))


# -- the pieces of a view ---------------------------------------------------------------------------
def links_of(select: Select, iris: Iterable[str]) -> set[Link]:
    """Every relation or role (subject, predicate, object) that touches one of ``iris``."""
    out = set()
    for row in _chunked(select, "relations", "n", iris):
        s, p, o = _v(row, "s"), _v(row, "p"), _v(row, "o")
        if s and p and o:
            out.add((s, p, o))
    return out


def describe(select: Select, iris: Iterable[str], onto: Ontology) -> dict[str, dict[str, Any]]:
    """The node of each of ``iris`` that is an entity or an event (labels, class, kind); others are left out."""
    raw: dict[str, dict[str, Any]] = {}
    for row in _chunked(select, "nodes", "n", iris):
        n, prop, value = _v(row, "n"), _v(row, "property"), _v(row, "value")
        if not n or not prop or value is None:
            continue
        entry = raw.setdefault(n, {"labels": {}, "types": [], "mentioned": False, "confidence": None, "docs": []})
        if prop == _RDFS_LABEL:
            lang = next((x for x in LABEL_LANGUAGES if x.lower() == (row["value"].get("xml:lang") or "").lower()), None)
            if lang and (lang not in entry["labels"] or value < entry["labels"][lang]):
                entry["labels"][lang] = value
        elif prop == _RDF_TYPE:
            entry["types"].append(value)
        elif prop == _MENTIONED:
            entry["mentioned"] = True
        elif prop == _CONFIDENCE:
            entry["confidence"] = max(_number(value), entry["confidence"] or 0.0)
        elif prop == _DERIVED:
            entry["docs"].append(value)
    return {n: _node(n, e, onto) for n, e in sorted(raw.items()) if e["mentioned"]}


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def _node(iri: str, entry: dict[str, Any], onto: Ontology) -> dict[str, Any]:
    cls = onto.most_specific(entry["types"])
    kind = "event" if cls and onto.is_event(cls) else "entity"
    labels = entry["labels"]
    first = next((labels[x] for x in LABEL_LANGUAGES if labels.get(x)), compact(iri))
    shown = {lang: labels.get(lang) or first for lang in LABEL_LANGUAGES}
    type_name = local_name(cls) if cls else "Thing"
    node: dict[str, Any] = {
        "id": iri, "labels": shown, "type": type_name, "group": type_name, "kind": kind,
        "label": event_caption(shown["en"]) if kind == "event" else shown["en"],
        "title": " / ".join(dict.fromkeys(shown.values())) + f"\n{type_name}",
    }
    if kind == "event":
        node["confidence"] = entry["confidence"]
        node["docs"] = sorted(set(entry["docs"]))
    return node


def evidence(select: Select, links: set[Link], sources: Iterable[str]) -> dict[Link, tuple[float | None, list[str]]]:
    """(best confidence, documents) of each relation in ``links`` that has reified statements.

    ``sources`` are nodes that every link touches (those the links were found from): asking by
    them reads no statement of links that are not in the view, or far fewer.
    """
    out: dict[Link, tuple[float | None, list[str]]] = {}
    for row in _chunked(select, "evidence", "n", sources):
        key = (_v(row, "s") or "", _v(row, "p") or "", _v(row, "o") or "")
        if key in links:
            conf = _v(row, "confidence")
            out[key] = (_number(conf) if conf is not None else None, sorted(set((_v(row, "docs") or "").split())))
    return out


def documents(select: Select, docs: Iterable[str]) -> dict[str, dict[str, str | None]]:
    """The date (``YYYY-MM-DD``) and headline of each document, for the date and document filters."""
    out = {}
    for row in _chunked(select, "documents", "doc", docs, DOCUMENT_CHUNK):
        date = _v(row, "date")
        out[_v(row, "doc") or ""] = {"date": date[:10] if date else None, "headline": _v(row, "headline")}
    return dict(sorted(out.items()))


# -- views ----------------------------------------------------------------------------------------
@dataclass
class View:
    """A subgraph about to be sent: its nodes (by IRI), its links, and what the answer says about it."""

    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    links: set[Link] = field(default_factory=set)
    #: Nodes whose links were looked up: every link of the view touches one of them.
    sources: set[str] = field(default_factory=set)
    extra: dict[str, Any] = field(default_factory=dict)


def view_json(select: Select, view: View, onto: Ontology) -> bytes:
    """The answer: nodes, edges with confidence and documents, the documents' dates, the class styles."""
    links = {link for link in view.links if link[0] in view.nodes and link[2] in view.nodes}
    relations = {link for link in links if link[1] not in onto.roles}
    ends = {n for s, _, o in relations for n in (s, o)}
    found = evidence(select, relations, view.sources & ends)
    edges, docs = [], set()
    for s, p, o in sorted(links):
        role = p in onto.roles
        conf, edge_docs = ((view.nodes[s].get("confidence"), view.nodes[s].get("docs", [])) if role
                           else found.get((s, p, o), (None, [])))
        docs.update(edge_docs)
        edge: dict[str, Any] = {"id": f"{s} {p} {o}", "from": s, "to": o, "relation": local_name(p), "confidence": conf,
                                "docs": edge_docs, "role": role}
        if role:
            edge["color"] = {"color": EVENT_ROLE_COLOUR, "highlight": "#4a148c", "hover": "#4a148c"}
        edges.append(edge)
    for node in view.nodes.values():
        docs.update(node.get("docs", []))
    nodes = [view.nodes[n] for n in sorted(view.nodes)]
    groups = class_groups({n["type"] for n in nodes}, among=CLASS_ORDER)
    legend = {c: [g["color"]["background"], SHAPE_GLYPH.get(g["shape"], "●"), class_family(c)] for c, g in groups.items()}
    body = {"nodes": nodes, "edges": edges, "documents": documents(select, docs), "groups": groups, "legend": legend} | view.extra
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def _known(select: Select, iris: list[str], onto: Ontology) -> dict[str, dict[str, Any]]:
    """The nodes of ``iris``; 404 for one that is no entity or event of the store."""
    nodes = describe(select, iris, onto)
    missing = [i for i in iris if i not in nodes]
    if missing:
        raise RequestRefused(HTTPStatus.NOT_FOUND, f"no entity or event <{missing[0]}> in this store")
    return nodes


def _cap_links(view: View, most: int) -> int:
    """Keep at most ``most`` links: first the one that brought each node in, then those nearest the focus; the number dropped."""
    links = sorted(link for link in view.links if link[0] in view.nodes and link[2] in view.nodes)
    if len(links) <= most:
        view.links = set(links)
        return 0
    hop = {n: node.get("hop", 0) for n, node in view.nodes.items()}
    tree: dict[str, Link] = {}
    for s, p, o in links:
        for child, parent in ((s, o), (o, s)):
            if hop[child] == hop[parent] + 1:
                tree.setdefault(child, (s, p, o))
    kept = sorted(set(tree.values()))[:most]
    chosen = set(kept)
    rest = sorted((link for link in links if link not in chosen), key=lambda link: (hop[link[0]] + hop[link[2]], link))
    view.links = chosen | set(rest[:most - len(kept)])
    return len(links) - len(view.links)


def neighbourhood(select: Select, iri: str, hops: int = 1, limit: int = DEFAULT_LIMIT, most: int = MAX_EDGES) -> bytes:
    """Everything within ``hops`` of ``iri`` (either direction), nearest and best-linked first, at most ``limit`` nodes.

    The links among the nodes of the last hop are included too when there are at most
    :data:`CLOSE_MAX` of them (one more hop's query), so a small view is the induced subgraph.
    """
    onto = ontology(select)
    view = View(_known(select, [iri], onto))
    view.nodes[iri]["hop"] = 0
    frontier, truncated = [iri], False
    for hop in range(1, hops + 1):
        found = links_of(select, frontier)
        view.sources.update(frontier)
        view.links |= found
        counts: dict[str, int] = {}
        for s, _, o in found:
            for n in (s, o):
                if n not in view.nodes:
                    counts[n] = counts.get(n, 0) + 1
        ranked = sorted(counts, key=lambda n: (-counts[n], n))
        room = limit - len(view.nodes)
        truncated = truncated or len(ranked) > room
        new = describe(select, ranked[:max(room, 0)], onto)
        for node in new.values():
            node["hop"] = hop
        view.nodes.update(new)
        frontier = sorted(new)
        if not frontier or room <= len(ranked):
            break
    if frontier and len(frontier) <= CLOSE_MAX:
        view.links |= {link for link in links_of(select, frontier) if link[0] in view.nodes and link[2] in view.nodes}
        view.sources.update(frontier)
    dropped = _cap_links(view, most)
    view.extra = {"focus": iri, "hops": hops, "limit": limit, "truncated": truncated, "edgesDropped": dropped}
    return view_json(select, view, onto)


def _meet(select: Select, a: str, b: str, max_hops: int) -> tuple[nx.MultiGraph, bool]:
    """The links around ``a`` and ``b``, grown from the smaller side a hop at a time until the two sides meet."""
    g = nx.MultiGraph()
    g.add_nodes_from((a, b))
    seen, frontiers = [{a}, {b}], [[a], [b]]
    for _ in range(max_hops):
        side = 0 if len(frontiers[0]) <= len(frontiers[1]) else 1
        new: set[str] = set()
        for s, p, o in links_of(select, frontiers[side]):
            g.add_edge(s, o, key=(s, p, o))
            new |= {s, o} - seen[side]
        seen[side] |= new
        frontiers[side] = sorted(new)
        if seen[0] & seen[1]:
            return g, True
        if not frontiers[side] or len(seen[0]) + len(seen[1]) > PATH_BUDGET:
            break
    return g, False


def shortest_path(select: Select, a: str, b: str, max_hops: int = MAX_PATH_HOPS) -> bytes:
    """A shortest path from ``a`` to ``b`` (either direction, through events too), with every link along it."""
    onto = ontology(select)
    ends = _known(select, sorted({a, b}), onto)
    g, met = _meet(select, a, b, max_hops) if a != b else (nx.MultiGraph([(a, a)]), True)
    path: list[str] = nx.shortest_path(g, a, b) if met and nx.has_path(g, a, b) else []
    view = View(ends | describe(select, [n for n in path if n not in ends], onto), sources=set(path))
    for u, v in zip(path, path[1:], strict=False):
        view.links |= {key for _, _, key in g.edges(u, keys=True) if v in (key[0], key[2])}
    note = None if path else f"no path of at most {max_hops} links between these two"
    view.extra = {"path": path, "from": a, "to": b, "maxHops": max_hops, "note": note}
    return view_json(select, view, onto)


def subgraph(select: Select, iris: list[str]) -> bytes:
    """The given nodes (those that are entities or events) and every link among them."""
    onto = ontology(select)
    view = View(describe(select, iris, onto))
    view.links = {link for link in links_of(select, view.nodes) if link[0] in view.nodes and link[2] in view.nodes}
    view.sources = set(view.nodes)
    view.extra = {"requested": len(set(iris))}
    return view_json(select, view, onto)


def search(select: Select, text: str, limit: int = 10) -> bytes:
    """Entities and events whose name contains ``text``, shortest name first: for the path and focus boxes."""
    query = inject_values(_query_text("search"), {"q": text}) + f"\nLIMIT {limit}"
    hits = [{"id": _v(r, "e"), "label": _v(r, "label") or compact(_v(r, "e") or ""), "name": compact(_v(r, "e") or "")}
            for r in select(query)]
    return json.dumps({"q": text, "results": hits}, ensure_ascii=False).encode("utf-8")


# -- requests ---------------------------------------------------------------------------------------
def _number_param(params: dict[str, list[str]], name: str, default: int, low: int, high: int) -> int:
    values = params.get(name) or [str(default)]
    try:
        value = int(values[0])
    except ValueError:
        raise RequestRefused(HTTPStatus.BAD_REQUEST, f"{name} must be a whole number from {low} to {high}") from None
    if not low <= value <= high:
        raise RequestRefused(HTTPStatus.BAD_REQUEST, f"{name} must be from {low} to {high}, not {value}")
    return value


def _iri_param(params: dict[str, list[str]], name: str) -> str:
    try:
        return parse_iri(params.get(name, []))
    except RequestRefused as exc:
        raise RequestRefused(exc.status, exc.message.replace("iri parameter", f"{name} parameter")) from None


def answer(path: str, params: dict[str, list[str]], select: Select) -> bytes:
    """The JSON answer of an explore resource; :class:`RequestRefused` (400/404) for a bad or unknown parameter."""
    if path == NEIGHBOURHOOD_PATH:
        return neighbourhood(select, _iri_param(params, "iri"), _number_param(params, "hops", 1, 1, MAX_HOPS),
                             _number_param(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
                             _number_param(params, "edges", MAX_EDGES, 1, MAX_EDGES))
    if path == PATH_PATH:
        return shortest_path(select, _iri_param(params, "from"), _iri_param(params, "to"),
                             _number_param(params, "maxHops", 4, 1, MAX_PATH_HOPS))
    if path == SUBGRAPH_PATH:
        iris = params.get("iri", [])
        if not iris or len(iris) > MAX_LIMIT:
            raise RequestRefused(HTTPStatus.BAD_REQUEST, f"give from 1 to {MAX_LIMIT} iri parameters")
        return subgraph(select, sorted({parse_iri([i]) for i in iris}))
    text = (params.get("q") or [""])[0].strip()
    if not text or len(text) > 100:
        raise RequestRefused(HTTPStatus.BAD_REQUEST, "give a q parameter of 1 to 100 characters, e.g. ?q=bank")
    return search(select, text, _number_param(params, "limit", 10, 1, MAX_SEARCH))


def bindings(results: bytes) -> list[dict[str, dict[str, str]]]:
    """The rows of a SPARQL JSON results document."""
    return json.loads(results)["results"]["bindings"]


def viewer_file(relative: str) -> tuple[bytes, str] | None:
    """(body, media type) of the viewer's script under ``/static/``, or None for any other file."""
    if relative != VIEWER_SCRIPT:
        return None
    from graph.viz.assets import template_text

    return template_text("explore.js").encode("utf-8"), "text/javascript"


__all__ = ["EXPLORE_PATHS", "MAX_HOPS", "MAX_LIMIT", "MAX_PATH_HOPS", "NEIGHBOURHOOD_PATH", "PATH_PATH", "SEARCH_PATH",
           "SUBGRAPH_PATH", "VIEWER_SCRIPT", "Ontology", "View", "answer", "bindings", "describe", "documents",
           "evidence", "links_of", "neighbourhood", "ontology", "search", "shortest_path", "subgraph", "viewer_file",
           "with_values"]
