"""The part of the graph a page shows: the neighbourhood of a named entity, or what a SPARQL query selects.

A whole store is too much to read on one screen, so ``kg viz --focus`` and
``--query`` cut it down.  Names match across scripts, width and case, since
a reader types a name in traditional or simplified characters, full- or
half-width, as it comes.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import networkx as nx
import pyoxigraph as ox

from graph.viz.network import local_name
from graph.vocab import PREFIXES

if TYPE_CHECKING:
    from graph.store.base import ReadableStore, Term


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


def _query_rows(
    store: ReadableStore, g: nx.MultiDiGraph, text: str
) -> tuple[list[tuple[Term | None, ...]], set[str] | None]:
    """(s, p, o) rows of the query, or, for a SELECT without ?s ?p ?o, no rows and the graph's entities it names."""
    from graph.store.classify import GRAPH_FORMS, inspect_sparql

    try:
        if inspect_sparql(text).form in GRAPH_FORMS:
            return [(t.subject, t.predicate, t.object) for t in store.construct(text)], None
        res = store.select(text)
    except SyntaxError as exc:
        raise ValueError(f"--query is not valid SPARQL: {exc}") from None
    except ValueError:  # an ASK: nothing to draw
        raise ValueError("--query must be a CONSTRUCT, or a SELECT returning ?s ?p ?o") from None
    if {"s", "p", "o"} <= set(res.variables):
        return [(sol["s"], sol["p"], sol["o"]) for sol in res.rows], None
    named = {t.value for sol in res.rows for t in sol.values() if isinstance(t, ox.NamedNode) and t.value in g}
    return [], named


def query_subgraph(store: ReadableStore, g: nx.MultiDiGraph, sparql: str) -> nx.MultiDiGraph:
    """The part of ``g`` a SPARQL query selects: CONSTRUCT triples, or SELECT rows with ?s ?p ?o.

    A triple whose predicate is a drawn relation keeps that edge; any other
    triple (``?s a kg:Bank``) keeps its entities.  A SELECT without ?s ?p ?o
    keeps every entity found in its rows and the edges among them.
    """
    from graph.store.sparql import uses_service, with_prefixes

    text = with_prefixes(sparql)
    if uses_service(text):
        raise ValueError("SERVICE (federated queries) is not allowed in --query")
    rows, named = _query_rows(store, g, text)
    nodes: set[str] = set(named or ())
    edges: set[tuple[str, str, str]] = set()
    for s, p, o in rows:
        sv = s.value if isinstance(s, ox.NamedNode) else None
        ov = o.value if isinstance(o, ox.NamedNode) else None
        pv = p.value if isinstance(p, ox.NamedNode) else ""
        for v in (sv, ov):
            if v in g:
                nodes.add(v)  # type: ignore[arg-type]
        if sv in g and ov in g:
            edges.add((sv, local_name(pv), ov))  # type: ignore[arg-type]
    if not nodes:
        raise ValueError("--query selected no entity of the graph")
    sub = g.subgraph(sorted(nodes)).copy()
    if named is None:  # induced subgraph only for a SELECT of entities; else exactly the selected edges
        for u, v, k in list(sub.edges(keys=True)):
            if (u, k, v) not in edges:
                sub.remove_edge(u, v, key=k)
    return sub


__all__ = ["ego", "find_entities", "node_names", "query_subgraph"]
