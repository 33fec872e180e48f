"""Serialising the store: Turtle by default, deterministic byte for byte.

Triples are sorted before pyoxigraph writes them, so the same store always
gives the same file whatever order Oxigraph's indexes return.
"""

from __future__ import annotations

from typing import IO

import pyoxigraph as ox

from .store import GraphStore
from .vocab import PREFIXES

FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ttl": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "json-ld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
GRAPH_FORMATS = ("graphml", "gexf")
QUAD_FORMATS = {"nquads", "trig"}


def _key(term) -> tuple[int, str]:
    return (0 if isinstance(term, ox.NamedNode) else 1 if isinstance(term, ox.BlankNode) else 2, str(term))


def serialize(store: GraphStore, fmt: str = "turtle", output: IO[bytes] | str | None = None, include_ontology: bool = False) -> bytes | None:
    fmt = fmt.lower()
    if fmt in GRAPH_FORMATS:
        from .viz import write_graph_file

        data = write_graph_file(store, fmt)
        if output is None:
            return data
        if isinstance(output, str):
            with open(output, "wb") as fh:
                fh.write(data)
        else:
            output.write(data)
        return None
    if fmt not in FORMATS:
        raise ValueError(f"unknown format '{fmt}': choose one of {', '.join(sorted(set(FORMATS) | set(GRAPH_FORMATS)))}")
    prefixes = {p: str(ns) for p, ns in PREFIXES.items()}
    if fmt in QUAD_FORMATS:
        quads = sorted(store.quads(include_ontology), key=lambda q: (_key(q.graph_name), _key(q.subject), _key(q.predicate), _key(q.object)))
        return ox.serialize(quads, output, FORMATS[fmt], prefixes=prefixes if fmt == "trig" else None)
    triples = [ox.Triple(s, p, o) for s, p, o in sorted(store.triples(include_ontology), key=lambda t: (_key(t[0]), _key(t[1]), _key(t[2])))]
    return ox.serialize(triples, output, FORMATS[fmt], prefixes=prefixes if fmt in ("turtle", "ttl", "trig", "rdfxml") else None)
