"""Serialising the store: Turtle by default, deterministic byte for byte.

Triples are sorted before pyoxigraph writes them, so the same store always
gives the same file whatever order Oxigraph's indexes return.
"""

from __future__ import annotations

import re
from typing import IO

import pyoxigraph as ox

from graph.store.local import GraphStore
from graph.vocab import ONTOLOGY_GRAPH, PREFIXES

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


def serialize(store: GraphStore, fmt: str = "turtle", output: IO[bytes] | str | None = None, include_ontology: bool = False) -> bytes | None:
    fmt = fmt.lower()
    if fmt in GRAPH_FORMATS:
        from graph.viz.viewer import write_graph_file

        return _emit(write_graph_file(store, fmt), output)
    if fmt not in FORMATS:
        raise ValueError(f"unknown format '{fmt}': choose one of {', '.join(sorted(set(FORMATS) | set(GRAPH_FORMATS)))}")
    prefixes = {p: str(ns) for p, ns in PREFIXES.items()}
    use_prefixes = prefixes if fmt in ("turtle", "ttl", "trig", "rdfxml") else None
    native = store.ox if isinstance(getattr(store, "ox", None), ox.Store) else None
    if fmt in QUAD_FORMATS:
        if native is not None:
            # Oxigraph's index order is a function of the content alone: deterministic without sorting.
            quads = (q for q in native.quads_for_pattern(None, None, None, None)
                     if include_ontology or q.graph_name != ox.NamedNode(str(ONTOLOGY_GRAPH)))
        else:
            quads = sorted(store.quads(include_ontology), key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)))
        return _write(ox.serialize(quads, None, FORMATS[fmt], prefixes=use_prefixes), output)
    if native is not None:
        where = "GRAPH ?g { ?s ?p ?o }" if include_ontology else f"GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{ONTOLOGY_GRAPH}>)"
        triples = native.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{ {where} }} }}")
    else:
        triples = [ox.Triple(s, p, o) for s, p, o in sorted(store.triples(include_ontology), key=lambda t: (str(t[0]), str(t[1]), str(t[2])))]
    return _write(ox.serialize(triples, None, FORMATS[fmt], prefixes=use_prefixes), output)


def _write(data: bytes, output: IO[bytes] | str | None) -> bytes | None:
    """Write (or return) serialised bytes with the conventional case of script subtags.

    Oxigraph stores language tags lower-cased (BCP 47 tags are case-insensitive); files should
    still say @zh-Hant and @zh-Hans, as the graph conventions do.
    """
    data = re.sub(rb'(["\'])@zh-han([st])\b', lambda m: m.group(1) + b"@zh-Han" + m.group(2), data)
    data = re.sub(rb'("@language":\s*")zh-han([st])"', lambda m: m.group(1) + b"zh-Han" + m.group(2) + b'"', data)
    return _emit(data, output)


def _emit(data: bytes, output: IO[bytes] | str | None) -> bytes | None:
    if output is None:
        return data
    if isinstance(output, str):
        with open(output, "wb") as fh:
            fh.write(data)
    else:
        output.write(data)
    return None
