"""Statements for a SPARQL ``INSERT DATA``, with blank nodes replaced by stable IRIs (skolemised).

Some servers refuse blank nodes in ``INSERT DATA`` (Virtuoso: ``SP031 Blank
node … is not allowed in a constant clause``), and on every server a blank
node cannot span two update operations, so a graph sent in chunks would split
one node into several.  RDF 1.1 (§3.5) allows replacing blank nodes by
"Skolem IRIs" under ``/.well-known/genid/``.

The IRIs must be the same for the same input, or every rebuild would write
a new copy of the ontology's anonymous classes: a blank node's label is an
accident of parsing, so it is first relabelled canonically (rdflib's
canonical labelling, which depends on the graph's structure alone), then
hashed together with the graph's name, so two graphs with the same shape
keep distinct nodes.  Only the ontology graph has blank nodes today
(``owl:unionOf`` lists, ``owl:AllDisjointClasses``); document graphs have
none and pass through untouched.
"""

from __future__ import annotations

import hashlib
import re

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef

from graph.store.local import StoreError

#: The namespace of the IRIs that stand for blank nodes (RDF 1.1 Concepts §3.5).
GENID = "https://w3id.org/cnfinkg/.well-known/genid/"

_BNODE_STMT = re.compile(r"^_:|\s_:[^\s\"]+\s*\.\s*$")


def _one_line(text: str) -> str:
    return next((ln.strip() for ln in text.splitlines() if ln.strip()), "")


def statements(graph: Graph | str) -> list[str]:
    """One string per triple (``n3()`` terms, Turtle-compatible), as :class:`graph.store.local.GraphStore` writes them.

    Text is split on lines unless it holds a multi-line (triple-quoted) literal,
    in which case pyoxigraph re-reads it as Turtle into one line per triple.
    """
    if not isinstance(graph, str):
        return [f"{s.n3()} {p.n3()} {o.n3()} ." for s, p, o in graph]
    if '"""' not in graph and "'''" not in graph:
        return [ln for ln in (x.strip() for x in graph.splitlines()) if ln and not ln.startswith("#")]
    try:
        return [f"{t.subject} {t.predicate} {t.object} ." for t in ox.parse(graph, ox.RdfFormat.TURTLE)]
    except SyntaxError as exc:
        raise StoreError(f"document graph is not valid N-Triples: {_one_line(str(exc))}") from None


def has_blank_nodes(lines: list[str]) -> bool:
    return any(_BNODE_STMT.search(ln) for ln in lines)


def skolemised(graph: Graph | str, graph_iri: str) -> list[str]:
    """:func:`statements` of ``graph`` with every blank node an IRI under :data:`GENID`, the same for the same content."""
    lines = statements(graph)
    if not has_blank_nodes(lines):
        return lines
    from rdflib.compare import to_canonical_graph

    parsed = graph if isinstance(graph, Graph) else Graph().parse(data="\n".join(lines), format="turtle")
    salt = f"{graph_iri} ".encode()

    def term(t: object) -> str:
        if isinstance(t, BNode):
            t = URIRef(GENID + hashlib.sha256(salt + str(t).encode()).hexdigest()[:32])
        return t.n3()  # type: ignore[attr-defined]

    return sorted(f"{term(s)} {term(p)} {term(o)} ." for s, p, o in to_canonical_graph(parsed))


__all__ = ["GENID", "has_blank_nodes", "skolemised", "statements"]
